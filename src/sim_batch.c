/* SimBatch's storage: the tape, the segment buffers, the dW chunks and the inputs of a
 * batch of windows (SimBatchCreate sizes and checks them; the kernels are in sim.c). */
#include "sim.h"
#include "resources.h"
#include "rng.h"

PetscInt SimBatchChunk(PetscInt B, PetscInt T)
{
  /* dW products of about 1024 rows (t, b): large enough for GEMM's rate, small enough that
   * the chunk buffers stay a small fraction of the tape */
  PetscInt c = (1024 + B - 1) / B;
  return PetscMax(1, PetscMin(c, T));
}

double SimBatchTapeBytes(const SimSetup *s, PetscInt stride, SimPrecision prec)
{
  PetscInt ns = s->model->nstate, na = s->model->naux > 0 ? s->model->naux : 1, T = s->T;
  PetscInt K        = stride > 0 && stride < T ? stride : T;
  double   per_step = 8.0 * (double)(ns + na + 1);            /* state, aux, cur of a stored step */
  double   always   = 4.0 + 8.0 + 8.0;                        /* x (float), y, dy */
  double   seg      = per_step * (double)(K + 1) / (double)T; /* the segment buffer */
  double   ck       = K < T ? 8.0 * ns * (double)((T + K - 1) / K) / (double)T : 0.0;
  (void)prec;
  return always + seg + ck;
}

PetscErrorCode SimBatchCreate(const SimSetup *s, PetscInt Bmax, PetscInt stride, SimPrecision prec, SimBatch **out)
{
  SimBatch *b;
  PetscInt  n = s->n, T = s->T, ns = s->model->nstate, na = s->model->naux > 0 ? s->model->naux : 1;
  size_t    bytes = 0, slack = n < SIM_SMALL_N ? (size_t)(SIM_SMALL_PAD(n) - n) : 0;

  PetscFunctionBeginUser;
  PetscCheck(Bmax >= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "-sim_batch must be at least 1, got %" PetscInt_FMT,
             Bmax);
  PetscCheck(stride >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "-sim_tape_stride must be >= 0 (0: the full tape), got %" PetscInt_FMT, stride);
  {
    /* the buffers below, in double: their sizes overflow an int for large networks */
    double dn = (double)n, dT = (double)T, dB = (double)Bmax, need;
    need = 8.0 * dB * dn * (dT * (2.5 + ns + na + 1.0) + 2.0 * ns + 2.0 * SimBatchChunk(Bmax, T) + ns) +
           8.0 * dn * (dn + 1.0 + PetscMax(1, s->model->npre)) + (n < SIM_SMALL_N ? 16.0 * dn * SIM_SMALL_PAD(n) : 0.0);
    if (prec == SIM_SINGLE) need += 4.0 * dn * (dn + 3.0 * PetscMax(dB * SimBatchChunk(Bmax, T), dn));
    PetscCall(ResourceCheckMemory(
        PETSC_COMM_SELF,
        "the simulation buffers of one batch (-sim_batch windows of the neurons over the window's steps)", need));
  }
  PetscCall(PetscNew(&b));
  b->n            = n;
  b->T            = T;
  b->Bmax         = Bmax;
  b->nstate       = ns;
  b->naux         = s->model->naux;
  b->syn          = s->model->syn;
  b->stride       = stride > 0 && stride < T ? stride : T;
  b->nseg         = (T + b->stride - 1) / b->stride;
  b->chunk        = SimBatchChunk(Bmax, T);
  b->precision    = prec;
  b->nb           = Bmax;
  b->noise_seed   = 0;
  b->noise_stream = RngStreamId(RNG_STREAM_SPIKE, 0);
  b->seg_loaded   = -1;
  PetscCall(PetscCalloc1(Bmax, &b->window));
  PetscCall(PetscCalloc1(Bmax, &b->force));
  for (PetscInt k = 0; k < Bmax; k++) b->window[k] = k;
  PetscCall(PetscMalloc1((size_t)T * Bmax * n, &b->x));
  PetscCall(PetscMalloc2((size_t)Bmax * T * n, &b->y, (size_t)Bmax * T * n, &b->dy));
  PetscCall(PetscMalloc1((size_t)b->nseg * Bmax * ns * n, &b->ckpt));
  PetscCall(PetscMalloc3((size_t)(b->stride + 1) * Bmax * ns * n, &b->state, (size_t)b->stride * Bmax * na * n, &b->aux,
                         (size_t)b->stride * Bmax * n, &b->cur));
  /* two allocations: the backward pass swaps lam and lam_prev (an odd step count leaves them
   * swapped), so they must not be the two halves of one PetscMalloc2 */
  PetscCall(PetscMalloc1((size_t)Bmax * ns * n, &b->lam));
  PetscCall(PetscMalloc1((size_t)Bmax * ns * n, &b->lam_prev));
  /* cl: slack after its last row for SimOuterAccumulateSmall's padded reads (zeroed: finite) */
  PetscCall(PetscMalloc2((size_t)b->chunk * Bmax * n, &b->cs, (size_t)b->chunk * Bmax * n + slack, &b->cl));
  PetscCall(PetscArrayzero(b->cl + (size_t)b->chunk * Bmax * n, slack));
  PetscCall(PetscCalloc1(n, &b->zero));
  PetscCall(PetscMalloc1(PetscMax(1, s->model->npre) * n, &b->pre));
  if (n < SIM_SMALL_N) {
    PetscCall(PetscMalloc2((size_t)n * SIM_SMALL_PAD(n), &b->wp, (size_t)n * SIM_SMALL_PAD(n), &b->wtp));
    bytes += 2 * sizeof(double) * (size_t)n * SIM_SMALL_PAD(n);
  }
  if (n <= SIM_TRANSPOSE_MAX_N) {
    PetscCall(PetscMalloc1(n * n, &b->wt));
    bytes += sizeof(double) * n * n;
  }
  if (s->offLat >= 0) {
    PetscCall(PetscMalloc1((size_t)Bmax * T, &b->lat));
    bytes += sizeof(double) * (size_t)Bmax * T;
  }
  bytes += sizeof(float) * (size_t)T * Bmax * n + 2 * sizeof(double) * (size_t)Bmax * T * n +
           sizeof(double) * (size_t)b->nseg * Bmax * ns * n;
  bytes += sizeof(double) * ((size_t)(b->stride + 1) * Bmax * ns * n + (size_t)b->stride * Bmax * (na + 1) * n);
  bytes += sizeof(double) *
           (2 * (size_t)Bmax * ns * n + 2 * (size_t)b->chunk * Bmax * n + n + (size_t)PetscMax(1, s->model->npre) * n);
  if (prec == SIM_SINGLE) {
    size_t rows = (size_t)PetscMax(b->chunk * Bmax, n);
    PetscCall(PetscMalloc4((size_t)n * n, &b->fW, rows * n, &b->fa, rows * n, &b->fb, rows * n, &b->fc));
    bytes += sizeof(float) * ((size_t)n * n + 3 * rows * n);
  }
  b->bytes = bytes;
  *out     = b;
  PetscFunctionReturn(0);
}

PetscErrorCode SimBatchDestroy(SimBatch **bp)
{
  SimBatch *b;
  PetscFunctionBeginUser;
  if (!bp || !*bp) PetscFunctionReturn(0);
  b = *bp;
  PetscCall(PetscFree(b->window));
  PetscCall(PetscFree(b->force));
  PetscCall(PetscFree(b->x));
  PetscCall(PetscFree2(b->y, b->dy));
  PetscCall(PetscFree(b->ckpt));
  PetscCall(PetscFree3(b->state, b->aux, b->cur));
  PetscCall(PetscFree(b->lam));
  PetscCall(PetscFree(b->lam_prev));
  PetscCall(PetscFree2(b->cs, b->cl));
  PetscCall(PetscFree(b->zero));
  PetscCall(PetscFree(b->pre));
  PetscCall(PetscFree(b->wt));
  if (b->wp) PetscCall(PetscFree2(b->wp, b->wtp));
  PetscCall(PetscFree(b->lat));
  if (b->fW) PetscCall(PetscFree4(b->fW, b->fa, b->fb, b->fc));
  PetscCall(PetscFree(*bp));
  PetscFunctionReturn(0);
}

void SimBatchSetInput(SimBatch *bt, PetscInt b, const double *x)
{
  const PetscInt n = bt->n, nb = bt->nb;
  for (PetscInt t = 0; t < bt->T; t++) {
    float *dst = bt->x + ((size_t)t * nb + b) * n;
    for (PetscInt j = 0; j < n; j++) dst[j] = (float)x[(size_t)t * n + j];
  }
}
