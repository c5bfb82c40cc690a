#include "sim.h"
#include "resources.h"
#include "rng.h"
#include "vecmath.h"
#include "sim_ref.h"
#include <cblas.h>
#include <float.h>
#if defined(__SSE2__)
  #include <pmmintrin.h>
  #include <xmmintrin.h>
#endif
#include <math.h>
#include <string.h>

PetscErrorCode SimSetupInit(SimSetup *s, const NeuronModel *model, const ModelConfig *cfg, const ParamLayout *layout,
                            PetscInt T)
{
  const ParamBlock *W = ParamLayoutBlock(layout, "W"), *rp = ParamLayoutBlock(layout, "r_p");
  const ParamBlock *lat = ParamLayoutBlock(layout, "lat");

  PetscFunctionBeginUser;
  PetscCheck(W && rp, PETSC_COMM_SELF, PETSC_ERR_PLIB, "layout lacks W or r_p");
  PetscCheck(T > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "window length must be positive, got %" PetscInt_FMT, T);
  s->model   = model;
  s->cfg     = *cfg;
  s->layout  = layout;
  s->n       = layout->n;
  s->T       = T;
  s->offW    = W->offset;
  s->offRp   = rp->offset;
  s->offLat  = lat && cfg->latent_tau > 0 ? lat->offset : -1;
  s->lat_rho = cfg->latent_tau > 0 ? exp(-cfg->dt / cfg->latent_tau) : 0.0;
  s->use_ref = PETSC_FALSE;
  PetscCheck(!lat == !(cfg->latent_tau > 0), PETSC_COMM_SELF, PETSC_ERR_PLIB,
             "the latent block needs a resolved time constant > 0, got %g", cfg->latent_tau);
  PetscFunctionReturn(0);
}

PetscErrorCode SimWorkCreate(const SimSetup *s, SimWork **out)
{
  SimWork *w;
  PetscInt n = s->n, T = s->T, ns = s->model->nstate, na = s->model->naux;

  PetscFunctionBeginUser;
  PetscCall(PetscNew(&w));
  w->n      = n;
  w->T      = T;
  w->nstate = ns;
  w->naux   = na;
  PetscCall(PetscMalloc1((T + 1) * ns * n, &w->state));
  PetscCall(PetscMalloc1(T * (na > 0 ? na : 1) * n, &w->aux));
  PetscCall(
      PetscMalloc6(T * n, &w->cur, T * n, &w->x, T * n, &w->y, T * n, &w->dy, T * n, &w->lamI, T * n, &w->scratch));
  /* two allocations: the backward pass swaps lam and lam_prev, so either may be freed first */
  PetscCall(PetscMalloc1(ns * n, &w->lam));
  PetscCall(PetscMalloc1(ns * n, &w->lam_prev));
  PetscCall(PetscCalloc1(n, &w->zero));
  PetscCall(PetscMalloc1(PetscMax(1, s->model->npre) * n, &w->pre));
  if (s->offLat >= 0) PetscCall(PetscMalloc1(T, &w->lat));
  w->noise_seed   = 0;
  w->noise_stream = RngStreamId(RNG_STREAM_SPIKE, 0);
  w->window       = 0;
  w->force        = NULL;
  w->nforce       = 0;
  *out            = w;
  PetscFunctionReturn(0);
}

PetscErrorCode SimWorkDestroy(SimWork **w)
{
  PetscFunctionBeginUser;
  if (!w || !*w) PetscFunctionReturn(0);
  PetscCall(PetscFree((*w)->state));
  PetscCall(PetscFree((*w)->aux));
  PetscCall(PetscFree6((*w)->cur, (*w)->x, (*w)->y, (*w)->dy, (*w)->lamI, (*w)->scratch));
  PetscCall(PetscFree((*w)->lam));
  PetscCall(PetscFree((*w)->lam_prev));
  PetscCall(PetscFree((*w)->zero));
  PetscCall(PetscFree((*w)->pre));
  PetscCall(PetscFree((*w)->lat));
  PetscCall(PetscFree(*w));
  PetscFunctionReturn(0);
}

/* I = W^T s + gain * x, with W row-major [pre][post]. */
static void RecurrentInput(const SimSetup *s, const double *W, const double *lat, double lt, const double *syn,
                           const double *x, double *cur)
{
  PetscInt n    = s->n;
  double   gain = s->cfg.input_gain;
  if (lat)
    for (PetscInt j = 0; j < n; j++) cur[j] = gain * x[j] + lat[j] * lt;
  else
    for (PetscInt j = 0; j < n; j++) cur[j] = gain * x[j];
  if (s->use_ref || n < SIM_SMALL_N) { /* (few neurons: BLAS's call costs more than the sums) */
    for (PetscInt i = 0; i < n; i++) {
      double si = syn[i];
      if (si == 0.0) continue;
      for (PetscInt j = 0; j < n; j++) cur[j] += W[i * n + j] * si;
    }
  } else {
    cblas_dgemv(CblasRowMajor, CblasTrans, (int)n, (int)n, 1.0, W, (int)n, syn, 1, 1.0, cur, 1);
  }
}

/* A window's latent input. A teacher-forced run scores the recorded spikes, with which an
 * independent draw of the latent has nothing in common: it sees the latent's mean, 0, so the
 * likelihood neither pays for nor shapes the loadings (the free-running terms do). */
static void SimLatentOf(const SimSetup *s, PetscBool forced, uint64_t seed, uint32_t stream, PetscInt window,
                        const double *start, double *lat)
{
  if (forced) PetscArrayzero(lat, s->T);
  else SimDrawLatent(seed, stream, window, s->T, s->lat_rho, start, lat);
}

static void CtxSetup(ModelCtx *ctx, const SimSetup *s, const double *theta, const SimWork *w)
{
  ModelCtxSetup(ctx, &s->cfg, s->layout, theta);
  ModelPrepare(s->model, ctx, w->pre);
  ctx->seed   = w->noise_seed;
  ctx->stream = w->noise_stream;
  ctx->window = w->window;
  ctx->step   = 0;
  ctx->nforce = w->nforce;
}

/* The forced spikes of step t (or none). */
static inline const double *ForceAt(const double *force, PetscInt nforce, PetscInt t)
{
  return force ? force + (size_t)t * nforce : NULL;
}

void SimForward(const SimSetup *s, const double *theta, SimWork *w)
{
  const PetscInt n = s->n, ns = s->model->nstate, na = s->model->naux;
  const double  *W = theta + s->offW;
  const double  *lat = s->offLat >= 0 ? theta + s->offLat : NULL;
  ModelCtx       ctx;

  CtxSetup(&ctx, s, theta, w);
  if (w->init) PetscArraycpy(w->state, w->init, ns * n);
  else s->model->init_state(&ctx, w->state);
  if (lat) SimLatentOf(s, w->force != NULL, w->noise_seed, w->noise_stream, w->window, w->lat_init, w->lat);
  for (PetscInt t = 0; t < s->T; t++) {
    const double *prev = w->state + t * ns * n;
    double       *next = w->state + (t + 1) * ns * n;
    ctx.step           = t;
    ctx.force          = ForceAt(w->force, w->nforce, t);
    RecurrentInput(s, W, lat, lat ? w->lat[t] : 0.0, prev + s->model->syn * n, w->x + t * n, w->cur + t * n);
    s->model->step(&ctx, prev, w->cur + t * n, next, w->aux + t * na * n, w->y + t * n);
    /* the synaptic-current readout: y = I for any model */
    if (s->cfg.output_current) PetscArraycpy(w->y + t * n, w->cur + t * n, n);
  }
}

/* gW[i][j] += sum_r syn[r][i] lam[r][j], skipping zero syn (neurons that have not spiked). */
VEC_CLONES static void OuterAccumulateSmall(PetscInt n, PetscInt rows, const double *syn, PetscInt lds,
                                            const double *lam, PetscInt ldl, double *gW)
{
  for (PetscInt r = 0; r < rows; r++) {
    const double *sr = syn + (size_t)r * lds, *lr = lam + (size_t)r * ldl;
    for (PetscInt i = 0; i < n; i++) {
      const double si = sr[i];
      double      *gi = gW + (size_t)i * n;
      if (si == 0.0) continue;
      VEC_IVDEP
      for (PetscInt j = 0; j < n; j++) gi[j] += si * lr[j];
    }
  }
}

/* dW += S^T Lam over rows: S rows at leading dimension lds, Lam rows at ldl. */
static void OuterAccumulate(PetscInt n, PetscInt rows, const double *syn, PetscInt lds, const double *lam, PetscInt ldl,
                            double *gW)
{
  if (n < SIM_SMALL_N) OuterAccumulateSmall(n, rows, syn, lds, lam, ldl, gW);
  else
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)n, (int)n, (int)rows, 1.0, syn, (int)lds, lam, (int)ldl,
                1.0, gW, (int)n);
}

void SimBackward(const SimSetup *s, const double *theta, SimWork *w, double *grad)
{
  const PetscInt n = s->n, ns = s->model->nstate, na = s->model->naux, T = s->T;
  const double  *W    = theta + s->offW;
  double        *gW   = grad + s->offW;
  double         sumI = 0;
  ModelCtx       ctx;

  CtxSetup(&ctx, s, theta, w);
  PetscArrayzero(w->lam, ns * n);
  for (PetscInt t = T - 1; t >= 0; t--) {
    const double *prev = w->state + t * ns * n, *next = w->state + (t + 1) * ns * n;
    double       *lamI = w->lamI + t * n, *lsyn = w->lam_prev + s->model->syn * n;
    double       *tmp;

    ctx.step  = t;
    ctx.force = ForceAt(w->force, w->nforce, t);
    if (s->cfg.output_current) { /* y = I: the model's own output is not seen by the loss */
      s->model->step_adjoint(&ctx, prev, w->cur + t * n, next, w->aux + t * na * n, w->zero, w->lam, w->lam_prev, lamI,
                             grad);
      for (PetscInt j = 0; j < n; j++) lamI[j] += w->dy[t * n + j];
    } else {
      s->model->step_adjoint(&ctx, prev, w->cur + t * n, next, w->aux + t * na * n, w->dy + t * n, w->lam, w->lam_prev,
                             lamI, grad);
    }
    if (s->offLat >= 0) /* I_j = ... + lat_j l_t */
      for (PetscInt j = 0; j < n; j++) grad[s->offLat + j] += lamI[j] * w->lat[t];
    /* the recurrent share: syn_prev[i] reaches I[j] through W[i][j] */
    if (s->use_ref) SimAdjointRows_ref(n, 1, lamI, W, lsyn, n);
    else cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)n, (int)n, 1.0, W, (int)n, lamI, 1, 1.0, lsyn, 1);
    for (PetscInt j = 0; j < n; j++) sumI += lamI[j];
    tmp         = w->lam;
    w->lam      = w->lam_prev;
    w->lam_prev = tmp;
  }
  s->model->init_adjoint(&ctx, w->lam, grad);

  /* dW[i][j] = sum_t syn_{t-1}[i] * lamI_t[j]: one product over the whole window */
  if (s->use_ref) SimOuterAccumulate_ref(n, T, w->state + s->model->syn * n, ns * n, w->lamI, n, gW);
  else OuterAccumulate(n, T, w->state + s->model->syn * n, ns * n, w->lamI, n, gW);
  for (PetscInt i = 0; i < n; i++) gW[i * n + i] = 0.0; /* the diagonal is fixed */
  /* pathwise r_p gradient: x = r_p*dt/1000 + const, dI/dx = gain */
  grad[s->offRp] += sumI * s->cfg.input_gain * s->cfg.dt / 1000.0;
}

void SimHardSpikes(const SimSetup *s, const SimWork *w, double *z)
{
  const PetscInt n = s->n, na = s->model->naux;
  /* every model keeps as aux variable 0 a value whose crossing of theta is its hard spike */
  for (PetscInt t = 0; t < s->T; t++)
    for (PetscInt j = 0; j < n; j++) z[t * n + j] = w->aux[t * na * n + j] >= s->cfg.theta ? 1.0 : 0.0;
}

/* ---- Batched kernels ------------------------------------------------------------------ */

const char *const SimPrecisions[] = {"double", "single", "SimPrecision", "SIM_", NULL};

static void BatchCtx(ModelCtx *ctx, const SimSetup *s, const double *theta, const SimBatch *bt)
{
  ModelCtxSetup(ctx, &s->cfg, s->layout, theta);
  ModelPrepare(s->model, ctx, bt->pre);
  ctx->seed   = bt->noise_seed;
  ctx->stream = bt->noise_stream;
  ctx->window = 0;
  ctx->step   = 0;
  ctx->nforce = bt->nforce;
}

/* Rounds to float, flushing values below FLT_MIN in magnitude to 0: the synaptic state decays
 * geometrically and reaches float's subnormal range within a window, and subnormal operands
 * make SGEMM several times slower (microcode assists); a value below 1.2e-38 changes no
 * float product by more than its rounding. */
static void ToFloat(const double *src, PetscInt rows, PetscInt cols, PetscInt ld, float *dst)
{
  for (PetscInt r = 0; r < rows; r++)
    for (PetscInt c = 0; c < cols; c++) {
      double v                  = src[(size_t)r * ld + c];
      dst[(size_t)r * cols + c] = fabs(v) < (double)FLT_MIN ? 0.0f : (float)v;
    }
}

/* Single precision: C = op(A) op(B) with float underflow flushed to zero. Products of a
 * small adjoint (about 1e-35 where the soft spike's slope vanishes) and a weight fall into
 * float's subnormal range, where every FMA takes a microcode assist (the SGEMM ran 3-4x
 * slower than in double). FTZ/DAZ are set in this thread for the call only (BLAS runs in
 * the calling thread, one BLAS thread); an underflowing product is below 1.2e-38, far below
 * float rounding of the sums. */
static void SgemmFTZ(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, PetscInt m, PetscInt nn, PetscInt k, const float *a,
                     PetscInt lda, const float *b, PetscInt ldb, float *c, PetscInt ldc)
{
#if defined(__SSE2__)
  unsigned int csr = _mm_getcsr();
  _mm_setcsr(csr | _MM_FLUSH_ZERO_ON | _MM_DENORMALS_ZERO_ON);
#endif
  cblas_sgemm(CblasRowMajor, ta, tb, (int)m, (int)nn, (int)k, 1.0f, a, (int)lda, b, (int)ldb, 0.0f, c, (int)ldc);
#if defined(__SSE2__)
  _mm_setcsr(csr);
#endif
}

/* Few neurons: out[b][:] += sum_k A[b][k] M[k][:] over the k with A[b][k] != 0, in the order
 * of k (SimRowsTimes_ref's sums, bit for bit). The forward input (A = S, M = W: only
 * presynaptic neurons that have spiked) and its adjoint (A = LamI, M = W^T, so that the inner
 * loop is contiguous). M's rows are padded with zeros to NP = a multiple of 8 (SimPadRows),
 * so that rows of out stay in NP/8 vector registers over the whole sum (the plain loop
 * stored and reloaded them for every k: a chain of store-to-load latencies), four windows at
 * a time (each row's sum is a chain of dependent additions; four rows overlap theirs). */
typedef double SimV8 __attribute__((vector_size(64)));
#define SIM_ROWS_TIMES_PADDED(NP)                                                                              \
  VEC_CLONES static void RowsTimesPadded##NP(PetscInt n, PetscInt nb, const double *A, size_t lda, const double *Mp, \
                                             double *out, size_t ldo)                                            \
  {                                                                                                              \
    for (PetscInt b0 = 0; b0 < nb; b0 += 4) { /* four windows: four independent chains of sums */              \
      const PetscInt bb = PetscMin(4, nb - b0);                                                                  \
      SimV8          acc[4][NP / 8];                                                                             \
      for (PetscInt r = 0; r < 4; r++) {                                                                         \
        double row[NP] = {0};                                                                                    \
        if (r < bb)                                                                                              \
          for (PetscInt j = 0; j < NP; j++) row[j] = j < n ? out[(b0 + r) * ldo + j] : 0.0; /* (not a memcpy call) */ \
        memcpy(acc[r], row, sizeof(row));                                                                        \
      }                                                                                                          \
      for (PetscInt k = 0; k < n; k++) {                                                                         \
        SimV8 m[NP / 8];                                                                                         \
        memcpy(m, Mp + (size_t)k * NP, sizeof(m));                                                               \
        for (PetscInt r = 0; r < bb; r++) {                                                                      \
          const double ak = A[(b0 + r) * lda + k];                                                               \
          if (ak == 0.0) continue;                                                                               \
          for (int q = 0; q < NP / 8; q++) acc[r][q] += ak * m[q];                                               \
        }                                                                                                        \
      }                                                                                                          \
      for (PetscInt r = 0; r < bb; r++) {                                                                        \
        double row[NP];                                                                                          \
        memcpy(row, acc[r], sizeof(row));                                                                        \
        for (PetscInt j = 0; j < NP; j++)                                                                        \
          if (j < n) out[(b0 + r) * ldo + j] = row[j];                                                           \
      }                                                                                                          \
    }                                                                                                            \
  }
SIM_ROWS_TIMES_PADDED(8)
SIM_ROWS_TIMES_PADDED(16)
SIM_ROWS_TIMES_PADDED(24)
SIM_ROWS_TIMES_PADDED(32)

/* Few neurons, a batch's dW: gW[i][j] += sum_r syn[r][i] lam[r][j] over the rows r in order,
 * skipping zero syn (OuterAccumulateSmall's sums, bit for bit), with four rows of gW held in
 * vector registers over all the rows r. The NP values of a lam row are read whole: the chunk
 * buffer has NP - n values of slack after its last row (the lanes beyond n are discarded). */
#define SIM_OUTER_PADDED(NP)                                                                                   \
  VEC_CLONES static void OuterPadded##NP(PetscInt n, PetscInt rows, const double *syn, size_t lds,             \
                                         const double *lam, size_t ldl, double *gW)                            \
  {                                                                                                            \
    for (PetscInt i0 = 0; i0 < n; i0 += 4) {                                                                   \
      const PetscInt ib = PetscMin(4, n - i0);                                                                 \
      SimV8          acc[4][NP / 8];                                                                           \
      double         row[NP] = {0};                                                                            \
      for (PetscInt ii = 0; ii < 4; ii++) {                                                                    \
        if (ii < ib)                                                                                           \
          for (PetscInt j = 0; j < NP; j++) row[j] = j < n ? gW[(size_t)(i0 + ii) * n + j] : 0.0;              \
        memcpy(acc[ii], row, sizeof(acc[ii]));                                                                 \
      }                                                                                                        \
      for (PetscInt r = 0; r < rows; r++) {                                                                    \
        const double *sr = syn + r * lds + i0;                                                                 \
        SimV8         lv[NP / 8];                                                                              \
        memcpy(lv, lam + r * ldl, sizeof(lv));                                                                 \
        for (PetscInt ii = 0; ii < ib; ii++) {                                                                 \
          const double si = sr[ii];                                                                            \
          if (si == 0.0) continue;                                                                             \
          for (int q = 0; q < NP / 8; q++) acc[ii][q] += si * lv[q];                                           \
        }                                                                                                      \
      }                                                                                                        \
      for (PetscInt ii = 0; ii < ib; ii++) {                                                                   \
        memcpy(row, acc[ii], sizeof(row));                                                                     \
        for (PetscInt j = 0; j < NP; j++)                                                                      \
          if (j < n) gW[(size_t)(i0 + ii) * n + j] = row[j];                                                   \
      }                                                                                                        \
    }                                                                                                          \
  }
SIM_OUTER_PADDED(8)
SIM_OUTER_PADDED(16)
SIM_OUTER_PADDED(24)
SIM_OUTER_PADDED(32)

void SimOuterAccumulateSmall(PetscInt n, PetscInt rows, const double *syn, size_t lds, const double *lam, size_t ldl,
                             double *gW)
{
  switch (SIM_SMALL_PAD(n)) {
  case 8: OuterPadded8(n, rows, syn, lds, lam, ldl, gW); break;
  case 16: OuterPadded16(n, rows, syn, lds, lam, ldl, gW); break;
  case 24: OuterPadded24(n, rows, syn, lds, lam, ldl, gW); break;
  default: OuterPadded32(n, rows, syn, lds, lam, ldl, gW); break;
  }
}

void SimPadRows(PetscInt n, const double *M, double *Mp)
{
  const PetscInt np = SIM_SMALL_PAD(n);
  for (PetscInt k = 0; k < n; k++)
    for (PetscInt j = 0; j < np; j++) Mp[k * np + j] = j < n ? M[k * n + j] : 0.0;
}

void SimRowsTimesSmall(PetscInt n, PetscInt nb, const double *A, size_t lda, const double *Mp, double *out, size_t ldo)
{
  switch (SIM_SMALL_PAD(n)) {
  case 8: RowsTimesPadded8(n, nb, A, lda, Mp, out, ldo); break;
  case 16: RowsTimesPadded16(n, nb, A, lda, Mp, out, ldo); break;
  case 24: RowsTimesPadded24(n, nb, A, lda, Mp, out, ldo); break;
  default: RowsTimesPadded32(n, nb, A, lda, Mp, out, ldo); break;
  }
}

/* The model's step t of every window of the batch from its input current cur [nb][n]. */
static void BatchModelStep(const SimSetup *s, SimBatch *bt, ModelCtx *ctx, PetscInt t, const double *prev, double *next,
                           double *aux, double *cur)
{
  const PetscInt n = bt->n, nb = bt->nb, ns = bt->nstate, na = bt->naux > 0 ? bt->naux : 1;

  ctx->step = t;
  for (PetscInt b = 0; b < nb; b++) {
    double *y   = bt->y + ((size_t)b * bt->T + t) * n;
    ctx->window = bt->window[b];
    ctx->force  = ForceAt(bt->force[b], bt->nforce, t);
    s->model->step(ctx, prev + (size_t)b * ns * n, cur + (size_t)b * n, next + (size_t)b * ns * n,
                   aux + (size_t)b * na * n, y);
    if (s->cfg.output_current) PetscArraycpy(y, cur + (size_t)b * n, n);
  }
}

/* Step t of every window: prev/next [nb][ns][n], aux [nb][na][n], cur [nb][n]: the input
 * currents, then the model. */
static void BatchStep(const SimSetup *s, const double *W, SimBatch *bt, ModelCtx *ctx, PetscInt t, const double *prev,
                      double *next, double *aux, double *cur)
{
  const PetscInt n = bt->n, nb = bt->nb, ns = bt->nstate, syn = bt->syn;
  const float   *x    = bt->x + (size_t)t * nb * n;
  const double   gain = s->cfg.input_gain;
  const double  *lat  = s->offLat >= 0 ? W - s->offW + s->offLat : NULL; /* W lies at theta + offW */

  if (bt->precision == SIM_SINGLE && !s->use_ref) {
    ToFloat(prev + syn * n, nb, n, ns * n, bt->fa);
    SgemmFTZ(CblasNoTrans, CblasNoTrans, nb, n, n, bt->fa, n, bt->fW, n, bt->fc, n);
    for (PetscInt k = 0; k < nb * n; k++) cur[k] = gain * (double)x[k] + (double)bt->fc[k];
    if (lat)
      for (PetscInt b = 0; b < nb; b++)
        for (PetscInt j = 0; j < n; j++) cur[b * n + j] += lat[j] * bt->lat[(size_t)b * bt->T + t];
    BatchModelStep(s, bt, ctx, t, prev, next, aux, cur);
    return;
  }
  if (lat) { /* the latent input in the same order of operations as RecurrentInput */
    for (PetscInt b = 0; b < nb; b++) {
      double lt = bt->lat[(size_t)b * bt->T + t];
      for (PetscInt j = 0; j < n; j++) cur[b * n + j] = gain * (double)x[b * n + j] + lat[j] * lt;
    }
  } else
    for (PetscInt k = 0; k < nb * n; k++) cur[k] = gain * (double)x[k];
  /* I[b][j] += sum_i S[b][i] W[i][j] (one window: the matrix-vector product) */
  if (s->use_ref) SimRowsTimes_ref(n, nb, prev + syn * n, ns * n, W, cur, n);
  else if (n < SIM_SMALL_N) SimRowsTimesSmall(n, nb, prev + syn * n, ns * n, bt->wp, cur, n);
  else if (nb == 1)
    cblas_dgemv(CblasRowMajor, CblasTrans, (int)n, (int)n, 1.0, W, (int)n, prev + syn * n, 1, 1.0, cur, 1);
  else
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)nb, (int)n, (int)n, 1.0, prev + syn * n,
                (int)(ns * n), W, (int)n, 1.0, cur, (int)n);
  BatchModelStep(s, bt, ctx, t, prev, next, aux, cur);
}

/* Steps [seg*K, min((seg+1)*K, T)) from the state in bt->state[0]. */
static void BatchSegment(const SimSetup *s, const double *W, SimBatch *bt, ModelCtx *ctx, PetscInt seg)
{
  const PetscInt n = bt->n, nb = bt->nb, ns = bt->nstate, na = bt->naux > 0 ? bt->naux : 1, K = bt->stride;
  const PetscInt t0 = seg * K, t1 = PetscMin(t0 + K, bt->T);
  for (PetscInt t = t0; t < t1; t++) {
    PetscInt l = t - t0;
    BatchStep(s, W, bt, ctx, t, bt->state + (size_t)l * nb * ns * n, bt->state + (size_t)(l + 1) * nb * ns * n,
              bt->aux + (size_t)l * nb * na * n, bt->cur + (size_t)l * nb * n);
  }
  bt->seg_loaded = seg;
}

void SimBatchForward(const SimSetup *s, const double *theta, SimBatch *bt)
{
  const PetscInt n = bt->n, nb = bt->nb, ns = bt->nstate, K = bt->stride;
  const double  *W = theta + s->offW;
  ModelCtx       ctx;

  BatchCtx(&ctx, s, theta, bt);
  if (bt->precision == SIM_SINGLE) ToFloat(W, n, n, n, bt->fW);
  if (bt->wp) SimPadRows(n, W, bt->wp);
  for (PetscInt b = 0; b < nb; b++) {
    ctx.window = bt->window[b];
    s->model->init_state(&ctx, bt->state + (size_t)b * ns * n);
    if (s->offLat >= 0)
      SimLatentOf(s, bt->force[b] != NULL, bt->noise_seed, bt->noise_stream, bt->window[b], NULL,
                  bt->lat + (size_t)b * bt->T);
  }
  for (PetscInt seg = 0; seg < bt->nseg; seg++) {
    if (seg > 0) { /* the last state of the previous segment starts this one */
      PetscInt len = PetscMin(K, bt->T - (seg - 1) * K);
      PetscArraycpy(bt->state, bt->state + (size_t)len * nb * ns * n, nb * ns * n);
    }
    if (bt->nseg > 1) PetscArraycpy(bt->ckpt + (size_t)seg * nb * ns * n, bt->state, nb * ns * n);
    BatchSegment(s, W, bt, &ctx, seg);
  }
}

/* dW += S^T LamI over the rows (t - c0, b) of chunk [c0, c1): S rows at syn with leading
 * dimension lds (the chunk buffer cs, or the tape itself when it holds the whole window),
 * LamI rows in cl. */
static void FlushChunk(const SimSetup *s, SimBatch *bt, PetscInt rows, const double *syn, PetscInt lds, double *gW)
{
  const PetscInt n = bt->n;
  if (s->use_ref) SimOuterAccumulate_ref(n, rows, syn, lds, bt->cl, n, gW);
  else if (bt->precision == SIM_SINGLE) {
    ToFloat(syn, rows, n, lds, bt->fa);
    ToFloat(bt->cl, rows, n, n, bt->fb);
    /* fc = fa^T fb in single, then added to the double gradient (n x n fits: fc has >= n rows) */
    SgemmFTZ(CblasTrans, CblasNoTrans, n, n, rows, bt->fa, n, bt->fb, n, bt->fc, n);
    for (PetscInt k = 0; k < n * n; k++) gW[k] += (double)bt->fc[k];
  } else if (n < SIM_SMALL_N) {
    SimOuterAccumulateSmall(n, rows, syn, lds, bt->cl, n, gW);
  } else {
    OuterAccumulate(n, rows, syn, lds, bt->cl, n, gW);
  }
}

/* The recurrent share of the adjoint: lamS[b][i] += sum_j LamI[b][j] W[i][j]. */
static void BatchAdjointInput(const SimSetup *s, SimBatch *bt, const double *W, const double *lamI)
{
  const PetscInt n = bt->n, nb = bt->nb, ns = bt->nstate, syn = bt->syn;

  if (s->use_ref) {
    SimAdjointRows_ref(n, nb, lamI, W, bt->lam_prev + syn * n, ns * n);
  } else if (bt->precision == SIM_SINGLE) {
    ToFloat(lamI, nb, n, n, bt->fa);
    SgemmFTZ(CblasNoTrans, CblasTrans, nb, n, n, bt->fa, n, bt->fW, n, bt->fc, n);
    for (PetscInt b = 0; b < nb; b++)
      for (PetscInt i = 0; i < n; i++)
        bt->lam_prev[(size_t)b * ns * n + syn * n + i] += (double)bt->fc[(size_t)b * n + i];
  } else if (n < SIM_SMALL_N) {
    SimRowsTimesSmall(n, nb, lamI, n, bt->wtp, bt->lam_prev + syn * n, ns * n);
  } else if (bt->wt && nb > 1) {
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)nb, (int)n, (int)n, 1.0, lamI, (int)n, bt->wt, (int)n,
                1.0, bt->lam_prev + syn * n, (int)(ns * n));
  } else if (nb == 1) {
    cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)n, (int)n, 1.0, W, (int)n, lamI, 1, 1.0, bt->lam_prev + syn * n,
                1);
  } else {
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)nb, (int)n, (int)n, 1.0, lamI, (int)n, W, (int)n, 1.0,
                bt->lam_prev + syn * n, (int)(ns * n));
  }
}

void SimBatchBackward(const SimSetup *s, const double *theta, SimBatch *bt, double *grad)
{
  const PetscInt n = bt->n, nb = bt->nb, ns = bt->nstate, na = bt->naux > 0 ? bt->naux : 1, K = bt->stride, T = bt->T,
                 C = bt->chunk, syn = bt->syn;
  const double   *W      = theta + s->offW;
  double         *gW     = grad + s->offW;
  const PetscBool direct = (PetscBool)(bt->nseg == 1); /* full tape: dW reads syn from the tape */
  double          sumI   = 0;
  ModelCtx        ctx;

  BatchCtx(&ctx, s, theta, bt);
  if (bt->precision == SIM_SINGLE) ToFloat(W, n, n, n, bt->fW);
  if (bt->wt)
    for (PetscInt i = 0; i < n; i++)
      for (PetscInt j = 0; j < n; j++) bt->wt[j * n + i] = W[i * n + j];
  if (bt->wtp) SimPadRows(n, bt->wt, bt->wtp); /* (wp: the forward's, of the same theta) */
  PetscArrayzero(bt->lam, nb * ns * n);
  for (PetscInt seg = bt->nseg - 1; seg >= 0; seg--) {
    const PetscInt t0 = seg * K, t1 = PetscMin(t0 + K, T);
    if (bt->seg_loaded != seg) { /* recompute the segment from its stored state */
      PetscArraycpy(bt->state, bt->ckpt + (size_t)seg * nb * ns * n, nb * ns * n);
      BatchSegment(s, W, bt, &ctx, seg);
    }
    for (PetscInt t = t1 - 1; t >= t0; t--) {
      const PetscInt l = t - t0, c0 = (t / C) * C, row = (t - c0) * nb;
      const double  *prev = bt->state + (size_t)l * nb * ns * n, *next = bt->state + (size_t)(l + 1) * nb * ns * n;
      const double  *aux = bt->aux + (size_t)l * nb * na * n, *cur = bt->cur + (size_t)l * nb * n;
      double        *lamI = bt->cl + (size_t)row * n, *tmp;

      ctx.step = t;
      for (PetscInt b = 0; b < nb; b++) {
        const double *dy = bt->dy + ((size_t)b * T + t) * n;
        double       *li = lamI + (size_t)b * n;
        ctx.window       = bt->window[b];
        ctx.force        = ForceAt(bt->force[b], bt->nforce, t);
        if (t > 0) /* the windows' dy rows lie T n apart: too many descending streams for the prefetcher */
          for (PetscInt j = 0; j < n; j += 8) __builtin_prefetch(dy - n + j);
        s->model->step_adjoint(&ctx, prev + (size_t)b * ns * n, cur + (size_t)b * n, next + (size_t)b * ns * n,
                               aux + (size_t)b * na * n, s->cfg.output_current ? bt->zero : dy,
                               bt->lam + (size_t)b * ns * n, bt->lam_prev + (size_t)b * ns * n, li, grad);
        if (s->cfg.output_current)
          for (PetscInt j = 0; j < n; j++) li[j] += dy[j];
        if (s->offLat >= 0)
          for (PetscInt j = 0; j < n; j++) grad[s->offLat + j] += li[j] * bt->lat[(size_t)b * T + t];
        if (!direct) PetscArraycpy(bt->cs + (size_t)(row + b) * n, prev + (size_t)b * ns * n + syn * n, n);
      }
      BatchAdjointInput(s, bt, W, lamI);
      for (PetscInt k = 0; k < nb * n; k++) sumI += lamI[k];
      tmp          = bt->lam;
      bt->lam      = bt->lam_prev;
      bt->lam_prev = tmp;
      if (t == c0) {
        /* the rows (t, b) of syn_{t-1} lie at a constant stride ns*n on the full tape: the
         * product reads them there (the same values as the copy, so the same bits) */
        if (direct) FlushChunk(s, bt, (PetscMin(c0 + C, T) - c0) * nb, prev + syn * n, ns * n, gW);
        else FlushChunk(s, bt, (PetscMin(c0 + C, T) - c0) * nb, bt->cs, n, gW);
      }
    }
  }
  for (PetscInt b = 0; b < nb; b++) {
    ctx.window = bt->window[b];
    s->model->init_adjoint(&ctx, bt->lam + (size_t)b * ns * n, grad);
  }
  for (PetscInt i = 0; i < n; i++) gW[i * n + i] = 0.0; /* the diagonal is fixed */
  grad[s->offRp] += sumI * s->cfg.input_gain * s->cfg.dt / 1000.0;
}
