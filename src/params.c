#include "params.h"
#include "resources.h"
#include "rng.h"
#include <math.h>

PetscErrorCode ParamLayoutCreate(PetscInt n, ParamLayout **out)
{
  ParamLayout *l;

  PetscFunctionBeginUser;
  PetscCall(PetscNew(&l));
  l->n = n;
  PetscCall(ResourceCheckMemory(PETSC_COMM_SELF, "the parameter layout's neuron types", (double)n * sizeof(PetscInt)));
  PetscCall(PetscMalloc1(n > 0 ? n : 1, &l->exc));
  for (PetscInt i = 0; i < n; i++) l->exc[i] = -1;
  *out = l;
  PetscFunctionReturn(0);
}

PetscErrorCode ParamLayoutDestroy(ParamLayout **layout)
{
  PetscFunctionBeginUser;
  if (!layout || !*layout) PetscFunctionReturn(0);
  PetscCall(PetscFree4((*layout)->lo, (*layout)->hi, (*layout)->init_lo, (*layout)->init_hi));
  PetscCall(PetscFree((*layout)->exc));
  PetscCall(PetscFree(*layout));
  PetscFunctionReturn(0);
}

PetscErrorCode ParamLayoutAddBlock(ParamLayout *l, const char *name, PetscInt rows, PetscInt cols, double lo, double hi,
                                   double init_lo, double init_hi)
{
  PetscInt    size, old = l->total;
  double     *nlo, *nhi, *nilo, *nihi;
  ParamBlock *b;
  char        what[128];

  PetscFunctionBeginUser;
  PetscCheck(l->nblocks < PARAMS_MAX_BLOCKS, PETSC_COMM_SELF, PETSC_ERR_PLIB, "too many parameter blocks");
  /* sizes in double first: rows * cols of a large network overflows PetscInt */
  PetscCall(PetscSNPrintf(what, sizeof(what),
                          "parameter block %s (%" PetscInt_FMT " x %" PetscInt_FMT ") and the blocks before it", name,
                          rows, cols));
  PetscCall(ResourceCheckCount(PETSC_COMM_SELF, what, (double)rows * (double)cols + (double)old));
  PetscCall(
      ResourceCheckMemory(PETSC_COMM_SELF, what, 4.0 * sizeof(double) * ((double)rows * (double)cols + (double)old)));
  size = rows * cols;
  PetscCheck(lo <= hi && init_lo <= init_hi, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "block %s: bounds [%g, %g], initial range [%g, %g]", name, lo, hi, init_lo, init_hi);
  b = &l->blocks[l->nblocks++];
  PetscCall(PetscStrncpy(b->name, name, sizeof(b->name)));
  b->offset = old;
  b->size   = size;
  b->rows   = rows;
  b->cols   = cols;
  l->total  = old + size;
  PetscCall(PetscMalloc4(l->total, &nlo, l->total, &nhi, l->total, &nilo, l->total, &nihi));
  if (old) {
    PetscCall(PetscArraycpy(nlo, l->lo, old));
    PetscCall(PetscArraycpy(nhi, l->hi, old));
    PetscCall(PetscArraycpy(nilo, l->init_lo, old));
    PetscCall(PetscArraycpy(nihi, l->init_hi, old));
  }
  PetscCall(PetscFree4(l->lo, l->hi, l->init_lo, l->init_hi));
  l->lo      = nlo;
  l->hi      = nhi;
  l->init_lo = nilo;
  l->init_hi = nihi;
  for (PetscInt k = old; k < l->total; k++) {
    l->lo[k]      = lo;
    l->hi[k]      = hi;
    l->init_lo[k] = init_lo;
    l->init_hi[k] = init_hi;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode ParamLayoutAddSpecs(ParamLayout *l, const ParamSpec *specs, PetscInt count)
{
  PetscFunctionBeginUser;
  for (PetscInt k = 0; k < count; k++)
    PetscCall(ParamLayoutAddBlock(l, specs[k].name, l->n, 1, specs[k].lo, specs[k].hi, specs[k].init_lo,
                                  specs[k].init_hi));
  PetscFunctionReturn(0);
}

PetscErrorCode ParamLayoutNames(const ParamLayout *l, char *buf, size_t len)
{
  PetscFunctionBeginUser;
  buf[0] = 0;
  for (PetscInt b = 0; b < l->nblocks; b++) {
    if (b) PetscCall(PetscStrlcat(buf, ",", len));
    PetscCall(PetscStrlcat(buf, l->blocks[b].name, len));
  }
  PetscFunctionReturn(0);
}

PetscInt ParamLayoutFind(const ParamLayout *l, const char *name)
{
  for (PetscInt b = 0; b < l->nblocks; b++) {
    PetscBool eq;
    PetscStrcmp(l->blocks[b].name, name, &eq);
    if (eq) return b;
  }
  return -1;
}

const ParamBlock *ParamLayoutBlock(const ParamLayout *l, const char *name)
{
  PetscInt b = ParamLayoutFind(l, name);
  return b < 0 ? NULL : &l->blocks[b];
}

void ParamsProject(const ParamLayout *l, double *theta)
{
  for (PetscInt k = 0; k < l->total; k++) theta[k] = PetscMin(PetscMax(theta[k], l->lo[k]), l->hi[k]);
}

void ParamsDrawInitial(const ParamLayout *l, uint64_t seed, double *theta)
{
  for (PetscInt b = 0; b < l->nblocks; b++) {
    const ParamBlock *blk = &l->blocks[b];
    for (PetscInt k = 0; k < blk->size; k++) {
      PetscInt idx = blk->offset + k;
      double   u   = RngUniform(seed, RngStreamId(RNG_STREAM_INIT, (uint32_t)b), 0, (uint32_t)k, 0);
      theta[idx]   = l->init_lo[idx] + u * (l->init_hi[idx] - l->init_lo[idx]);
    }
  }
}

double ParamsBlockDistance(const ParamLayout *l, PetscInt block, const double *a, const double *b)
{
  PetscInt lo = block < 0 ? 0 : l->blocks[block].offset;
  PetscInt hi = block < 0 ? l->total : lo + l->blocks[block].size;
  double   s  = 0;
  for (PetscInt k = lo; k < hi; k++) s += (a[k] - b[k]) * (a[k] - b[k]);
  return sqrt(s);
}

PetscErrorCode ParamLayoutSetFromOptions(ParamLayout *l)
{
  PetscBool init_set[PARAMS_MAX_BLOCKS] = {PETSC_FALSE};

  PetscFunctionBeginUser;
  PetscOptionsBegin(PETSC_COMM_WORLD, NULL, "Parameter bounds and initial ranges", NULL);
  for (PetscInt b = 0; b < l->nblocks; b++) {
    ParamBlock *blk = &l->blocks[b];
    char        opt[64], help[128];
    double      range[2];
    PetscInt    nmax;
    PetscBool   set;

    for (int kind = 0; kind < 2; kind++) {
      PetscCall(PetscSNPrintf(opt, sizeof(opt), kind ? "-init_%s" : "-bound_%s", blk->name));
      PetscCall(
          PetscSNPrintf(help, sizeof(help), kind ? "Initial range lo,hi of %s" : "Bounds lo,hi of %s", blk->name));
      range[0] = kind ? l->init_lo[blk->offset] : l->lo[blk->offset];
      range[1] = kind ? l->init_hi[blk->offset] : l->hi[blk->offset];
      nmax     = 2;
      PetscCall(PetscOptionsRealArray(opt, help, NULL, range, &nmax, &set));
      if (!set) continue;
      PetscCheck(nmax == 2 && isfinite(range[0]) && isfinite(range[1]) && range[0] <= range[1], PETSC_COMM_WORLD,
                 PETSC_ERR_ARG_OUTOFRANGE, "option %s needs two finite values lo,hi with lo <= hi", opt);
      for (PetscInt k = blk->offset; k < blk->offset + blk->size; k++) {
        double *lo = kind ? l->init_lo : l->lo, *hi = kind ? l->init_hi : l->hi;
        if (lo[k] == 0 && hi[k] == 0 && !kind) continue; /* fixed entries (W diagonal) stay fixed */
        lo[k] = range[0];
        hi[k] = range[1];
      }
      if (kind) init_set[b] = PETSC_TRUE;
    }
  }
  PetscOptionsEnd();
  /* an initial range the bounds would clip is not what was asked for */
  for (PetscInt b = 0; b < l->nblocks; b++) {
    const ParamBlock *blk = &l->blocks[b];
    if (!init_set[b]) continue;
    for (PetscInt k = blk->offset; k < blk->offset + blk->size; k++) {
      if (l->lo[k] == l->hi[k]) continue; /* fixed entries (W diagonal) */
      PetscCheck(
          l->init_lo[k] >= l->lo[k] && l->init_hi[k] <= l->hi[k], PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
          "-init_%s %g,%g lies outside the bounds [%g, %g] of %s (-bound_%s): the initial values would be clipped",
          blk->name, l->init_lo[k], l->init_hi[k], l->lo[k], l->hi[k], blk->name, blk->name);
    }
  }
  PetscFunctionReturn(0);
}
