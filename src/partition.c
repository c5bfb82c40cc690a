/* The window partition (include/partition.h): chunks of steps dealt over ranks. */
#include "partition.h"
#include "parallel.h"

/* Chunk boundaries: steps of K windows, each cut at the batch grid, each piece into `split`
 * parts. Counts the chunks when chunk is NULL. */
static PetscInt ChunkBounds(const PartitionSpec *s, PetscInt K, PetscInt *chunk, PetscInt *step)
{
  PetscInt nc = 0, ns = 0, B = s->batch;
  for (PetscInt wlo = 0; wlo < s->nwindows; wlo += K, ns++) {
    PetscInt whi = PetscMin(wlo + K, s->nwindows);
    if (step) step[ns] = nc;
    for (PetscInt a = wlo; a < whi;) {
      PetscInt b = PetscMin((a / B + 1) * B, whi); /* the piece of batch a / B in this step */
      for (int j = 0; j < (int)s->split; j++) {
        PetscInt lo, hi;
        ParallelBlock(b - a, j, (int)s->split, &lo, &hi);
        if (hi <= lo) continue;
        if (chunk) chunk[nc] = a + lo;
        nc++;
      }
      a = b;
    }
  }
  if (chunk) chunk[nc] = s->nwindows;
  if (step) step[ns] = nc;
  return nc;
}

/* Chunks of each step in contiguous blocks over the ranks, balanced by windows (chunks differ
 * in length where a step begins or ends inside a batch): chunk c goes to the rank whose share
 * of the step's windows holds the chunk's middle. Owners do not change bits, only who waits. */
static void Assign(WindowPartition *p)
{
  const PartitionSpec *s    = &p->spec;
  PetscInt             work = 1;

  for (PetscInt st = 0; st < p->nsteps; st++) {
    PetscInt c0 = p->step[st], c1 = p->step[st + 1], w0 = p->chunk[c0], nw = p->chunk[c1] - w0;
    PetscInt mine = 0;
    for (PetscInt c = c0; c < c1; c++) {
      PetscInt twice_mid = (p->chunk[c] - w0) + (p->chunk[c + 1] - w0); /* 2 x the chunk's middle */
      p->owner[c]        = (int)PetscMin((PetscInt)s->size - 1, twice_mid * s->size / (2 * nw));
      if (p->owner[c] == s->rank) mine++;
    }
    work = PetscMax(work, mine);
  }
  for (PetscInt c = 0; c < p->nchunks; c++)
    for (PetscInt w = p->chunk[c]; w < p->chunk[c + 1]; w++) {
      p->wchunk[w] = c;
      if (p->owner[c] == s->rank) p->ncompute++;
      p->load[w] = (PetscBool)(p->owner[c] == s->rank || w < s->shared);
      if (p->load[w]) p->nload++;
    }
  ParallelBlock(s->neval, s->rank, s->size, &p->elo, &p->ehi);
  /* no more threads than there is work at once: an idle OpenMP thread spins on a core the
   * other ranks could use */
  if (s->validate) work = PetscMax(work, p->ehi - p->elo);
  if (s->heldout) work = PetscMax(work, 2);
  p->threads = (int)PetscMin((PetscInt)s->threads, work);
}

PetscErrorCode WindowPartitionCreate(const PartitionSpec *spec, WindowPartition **out)
{
  WindowPartition *p;

  PetscFunctionBeginUser;
  PetscCheck(spec->nwindows >= 0 && spec->per_step >= 0 && spec->batch >= 1 && spec->split >= 1 && spec->shared >= 0 &&
                 spec->neval >= 0 && spec->size >= 1 && spec->rank >= 0 && spec->rank < spec->size &&
                 spec->threads >= 1,
             PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "window partition: bad sizes (windows %" PetscInt_FMT ", per step %" PetscInt_FMT ", batch %" PetscInt_FMT
             ", split %" PetscInt_FMT ", rank %d of %d)",
             spec->nwindows, spec->per_step, spec->batch, spec->split, spec->rank, spec->size);
  PetscCall(PetscNew(&p));
  p->spec        = *spec;
  p->spec.shared = PetscMin(spec->shared, spec->nwindows);
  p->K           = spec->per_step > 0 && spec->per_step < spec->nwindows ? spec->per_step : PetscMax(spec->nwindows, 1);
  p->nsteps      = (spec->nwindows + p->K - 1) / p->K;
  p->nchunks     = ChunkBounds(&p->spec, p->K, NULL, NULL);
  PetscCall(PetscMalloc3(p->nchunks + 1, &p->chunk, p->nchunks + 1, &p->owner, p->nsteps + 1, &p->step));
  PetscCall(PetscMalloc2(spec->nwindows + 1, &p->wchunk, spec->nwindows + 1, &p->load));
  (void)ChunkBounds(&p->spec, p->K, p->chunk, p->step);
  Assign(p);
  *out = p;
  PetscFunctionReturn(0);
}

PetscErrorCode WindowPartitionDestroy(WindowPartition **p)
{
  PetscFunctionBeginUser;
  if (!p || !*p) PetscFunctionReturn(0);
  PetscCall(PetscFree3((*p)->chunk, (*p)->owner, (*p)->step));
  PetscCall(PetscFree2((*p)->wchunk, (*p)->load));
  PetscCall(PetscFree(*p));
  PetscFunctionReturn(0);
}

void WindowPartitionStep(const WindowPartition *p, PetscInt s, PetscInt *lo, PetscInt *hi)
{
  *lo = p->chunk[p->step[s]];
  *hi = p->chunk[p->step[s + 1]];
}

void WindowPartitionChunks(const WindowPartition *p, PetscInt wlo, PetscInt whi, PetscInt *c0, PetscInt *c1)
{
  wlo = PetscMax(wlo, 0);
  whi = PetscMin(whi, p->spec.nwindows);
  if (whi <= wlo) {
    *c0 = *c1 = 0;
    return;
  }
  *c0 = p->wchunk[wlo];
  *c1 = p->wchunk[whi - 1] + 1;
}

PetscInt WindowPartitionStepLoad(const WindowPartition *p)
{
  PetscInt most = 0;
  for (PetscInt s = 0; s < p->nsteps; s++)
    for (int r = 0; r < p->spec.size; r++) {
      PetscInt n = 0;
      for (PetscInt c = p->step[s]; c < p->step[s + 1]; c++)
        if (p->owner[c] == r) n += p->chunk[c + 1] - p->chunk[c];
      most = PetscMax(most, n);
    }
  return most;
}

PetscBool WindowPartitionComputes(const WindowPartition *p, PetscInt w)
{
  return (PetscBool)(w >= 0 && w < p->spec.nwindows && p->owner[p->wchunk[w]] == p->spec.rank);
}
