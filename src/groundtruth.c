#include "groundtruth.h"
#include "rng.h"
#include <math.h>
#include <string.h>

/* Per population: tau_m, E_L, R_I, tau_g. */
static const double base[3][4] = {{2.2, -38, 148, 3.5}, {1.4, -50, 125, 2.5}, {1.2, -64, 115, 1.8}};
/* colscale[p][q]: weight scale from population p to population q. */
static const double colscale[3][3] = {{.28, .20, .15}, {.10, .43, .34}, {.16, .40, .12}};

PetscInt GroundTruthPopulation(PetscInt n, double exc_fraction, PetscInt i)
{
  if (exc_fraction > 0) {
    double f = 1.0 - exc_fraction, eps = 1e-9; /* eps: 1 - 0.8 is 0.19999999999999996 */
    if (floor((double)(i + 1) * f + eps) > floor((double)i * f + eps)) return 2;
    /* the excitatory index of neuron i decides between populations 0 and 1 */
    return (i - (PetscInt)floor((double)(i + 1) * f + eps)) % 2;
  }
  PetscInt size = n / 3, extra = n % 3, start = 0;
  for (PetscInt p = 0; p < 3; p++) {
    PetscInt len = size + (p < extra ? 1 : 0);
    if (i < start + len) return p;
    start += len;
  }
  return 2;
}

void GroundTruthTypes(PetscInt n, double exc_fraction, PetscInt *exc)
{
  for (PetscInt i = 0; i < n; i++) exc[i] = GroundTruthPopulation(n, exc_fraction, i) < 2 ? 1 : 0;
}

/* The per-entry jitter factor (1 + 0.025 n); `what` separates the draws of different blocks. */
static double Jitter(uint64_t seed, uint32_t what, PetscInt entry)
{
  return 1.0 + 0.025 * RngNormal(seed, RngStreamId(RNG_STREAM_TRUTH, what), 0, (uint32_t)entry, 1);
}

/* W from population p to q: (0.75 + 0.5 z) colscale[p][q], the row's sign, 12/n scaling,
 * the per-entry jitter; r_p = 10 Hz. Shared by every model's ground truth. */
static PetscErrorCode TruthWeights(const ParamLayout *l, double exc_fraction, uint64_t seed, double *theta)
{
  PetscInt          n      = l->n;
  double            wscale = 12.0 / (double)n;
  const ParamBlock *W = ParamLayoutBlock(l, "W"), *rp = ParamLayoutBlock(l, "r_p");

  PetscFunctionBeginUser;
  PetscCheck(W && rp, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "ground truth needs the W and r_p blocks");
  for (PetscInt i = 0; i < n; i++) {
    PetscInt p    = GroundTruthPopulation(n, exc_fraction, i);
    double   sign = p < 2 ? 1.0 : -1.0;
    for (PetscInt j = 0; j < n; j++) {
      double w = 0;
      if (i != j) {
        double z = RngNormal(seed, RngStreamId(RNG_STREAM_TRUTH, 10), 0, (uint32_t)(i * n + j), 0);
        w = sign * PetscAbsReal((0.75 + 0.5 * z) * colscale[p][GroundTruthPopulation(n, exc_fraction, j)]) * wscale;
        w *= Jitter(seed, 11, i * n + j);
      }
      theta[W->offset + i * n + j] = w;
    }
  }
  theta[rp->offset] = 10.0;
  PetscFunctionReturn(0);
}

PetscErrorCode GroundTruthLIF(const ParamLayout *l, double exc_fraction, uint64_t seed, double *theta)
{
  const char *names[4] = {"tau_m", "E_L", "R_I", "tau_g"};
  PetscInt    n        = l->n;

  PetscFunctionBeginUser;
  for (int k = 0; k < 4; k++) {
    const ParamBlock *b = ParamLayoutBlock(l, names[k]);
    PetscCheck(b, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "ground truth needs block %s", names[k]);
    for (PetscInt i = 0; i < n; i++)
      theta[b->offset + i] = base[GroundTruthPopulation(n, exc_fraction, i)][k] * Jitter(seed, (uint32_t)k, i);
  }
  PetscCall(TruthWeights(l, exc_fraction, seed, theta));
  ParamsProject(l, theta);
  PetscFunctionReturn(0);
}

/* The source paper's GLIF ground truth per population (issue 6). */
static const struct {
  const char *name;
  double      v[3];
} glif_truth[] = {
    {"tau_m", {2.5, 1.5, 1.16}}, {"G", {.9, .8, .7}},        {"E_L", {-39, -49, -61}}, {"dtheta_s", {18, 14, 18}},
    {"b_s", {.4, .3, .25}},      {"f_v", {.14, .14, .14}},   {"dV", {10, 12, 12}},     {"f_I", {.45, .35, .3}},
    {"I_A", {1.2, 1.2, 1.5}},    {"b_v", {.4, .3, .3}},      {"a_v", {.4, .3, .3}},    {"theta_inf", {-18, -18, -17}},
    {"R_I", {59, 58, 56}},       {"tau_g", {3.5, 2.5, 1.8}},
};

PetscErrorCode GroundTruthModel(const ParamLayout *l, const char *model, double exc_fraction, uint64_t seed,
                                double *theta)
{
  PetscBool lif, glif;
  PetscInt  n = l->n;

  PetscFunctionBeginUser;
  PetscCall(PetscStrcmp(model, "lif", &lif));
  PetscCall(PetscStrcmp(model, "glif", &glif));
  if (lif) {
    PetscCall(GroundTruthLIF(l, exc_fraction, seed, theta));
    PetscFunctionReturn(0);
  }
  for (PetscInt b = 0; b < l->nblocks; b++) {
    const ParamBlock *blk = &l->blocks[b];
    PetscBool         isW, isrp;
    PetscCall(PetscStrcmp(blk->name, "W", &isW));
    PetscCall(PetscStrcmp(blk->name, "r_p", &isrp));
    if (isW || isrp) continue;
    for (PetscInt i = 0; i < n; i++) {
      PetscInt p = GroundTruthPopulation(n, exc_fraction, i), k = blk->offset + i;
      double   v = NAN;
      if (glif)
        for (size_t t = 0; t < sizeof(glif_truth) / sizeof(glif_truth[0]); t++)
          if (!strcmp(glif_truth[t].name, blk->name)) v = glif_truth[t].v[p];
      /* models without published values: population-specific points inside the model's own
       * initial range (a quarter, half and three quarters of the way) */
      if (!isfinite(v)) v = l->init_lo[k] + (0.25 * (p + 1)) * (l->init_hi[k] - l->init_lo[k]);
      theta[k] = v * Jitter(seed, (uint32_t)(20 + b), i);
    }
  }
  PetscCall(TruthWeights(l, exc_fraction, seed, theta));
  ParamsProject(l, theta);
  PetscFunctionReturn(0);
}
