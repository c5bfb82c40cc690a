/* One training iteration of `spikefit fit`: each window's input and target, the batched (or
 * per-window) forward and backward over the chunks the partition gives this rank, the exact
 * reduction of every step over threads and ranks, and the optimiser step. */
#include "fit.h"
#include "fit_impl.h"
#include "checkpoint.h"
#include "app.h"
#include "h5io.h"
#include "resources.h"
#include "rng.h"
#include "fit_recipe.h"
#include <math.h>
#include <petsctime.h>
#ifdef _OPENMP
  #include <omp.h>
#endif

PetscLogEvent FIT_EVENT_WINDOWS, FIT_EVENT_FORWARD, FIT_EVENT_BACKWARD, FIT_EVENT_LOSS, FIT_EVENT_REDUCE,
    FIT_EVENT_OPTIM, FIT_EVENT_IO, FIT_EVENT_VALIDATE;

PetscErrorCode FitRegisterEvents(void)
{
  static PetscBool done = PETSC_FALSE;
  PetscClassId     cls;
  PetscFunctionBeginUser;
  if (done) PetscFunctionReturn(0);
  done = PETSC_TRUE;
  PetscCall(PetscClassIdRegister("spikefit", &cls));
  PetscCall(PetscLogEventRegister("FitWindows", cls, &FIT_EVENT_WINDOWS));
  PetscCall(PetscLogEventRegister("SimForward", cls, &FIT_EVENT_FORWARD));
  PetscCall(PetscLogEventRegister("SimBackward", cls, &FIT_EVENT_BACKWARD));
  PetscCall(PetscLogEventRegister("LossEval", cls, &FIT_EVENT_LOSS));
  PetscCall(PetscLogEventRegister("GradReduce", cls, &FIT_EVENT_REDUCE));
  PetscCall(PetscLogEventRegister("OptimStep", cls, &FIT_EVENT_OPTIM));
  PetscCall(PetscLogEventRegister("FitIO", cls, &FIT_EVENT_IO));
  PetscCall(PetscLogEventRegister("FitValidate", cls, &FIT_EVENT_VALIDATE));
  PetscFunctionReturn(0);
}

int FitThreadId(void)
{
#ifdef _OPENMP
  return omp_get_thread_num();
#else
  return 0;
#endif
}

/* The synthetic target of a window whose truth input is in tw->x: the truth's hard spikes
 * of its first nrec neurons (the recorded ones). */
static void TruthRun(Fit *f, PetscInt it, PetscInt window, SimWork *tw, double *s)
{
  const FitOptions *o = f->opt;
  PetscInt          n = f->nrec, T = o->window_steps, nt = f->tsim.n;

  /* a stochastic truth's spike noise, keyed like the model's: iteration and window */
  tw->window       = window;
  tw->noise_seed   = (uint64_t)o->input_seed;
  tw->noise_stream = RngStreamId(RNG_STREAM_SPIKE, it < 0 ? 0xFFFFFFu : (uint32_t)it);
  SimForward(&f->tsim, f->data->truth, tw);
  if (nt == n) SimHardSpikes(&f->tsim, tw, s);
  else {
    SimHardSpikes(&f->tsim, tw, tw->scratch);
    for (PetscInt t = 0; t < T; t++)
      for (PetscInt i = 0; i < n; i++) s[t * n + i] = tw->scratch[t * nt + i];
  }
}

PetscErrorCode FitTarget(Fit *f, PetscInt it, PetscInt window, uint32_t stream, SimWork *tw, double *s)
{
  const FitOptions *o = f->opt;
  PetscInt          n = f->nrec, T = o->window_steps;

  PetscFunctionBeginUser;
  if (o->mode == TARGET_SYNTHETIC) {
    /* the truth receives input drawn from the same uniforms at its own rate */
    SimDrawInput((uint64_t)o->input_seed, stream, window, f->tsim.n, T, f->data->truth[f->tsim.offRp], o->dt, tw->x);
    TruthRun(f, it, window, tw, s);
  } else {
    const double *src = it < 0
                            ? (window < f->data->nvalid ? f->data->valid + window * T * n : f->data->target[window])
                            : f->data->target[window];
    (void)it;
    PetscCheck(src, PETSC_COMM_SELF, PETSC_ERR_PLIB,
               "window %" PetscInt_FMT " of the recording is not loaded on this rank", window);
    PetscCall(PetscArraycpy(s, src, T * n));
  }
  PetscFunctionReturn(0);
}

PetscInt FitPasses(const Fit *f, FitPass pass[2])
{
  if (!f->opt->lcfg.teacher_forcing) {
    pass[0] = (FitPass){&f->opt->lcfg, PETSC_FALSE, (PetscBool)(f->sm != NULL)};
    return 1;
  }
  pass[0] = (FitPass){&f->lforced, PETSC_TRUE, PETSC_FALSE};
  pass[1] = (FitPass){&f->lfree, PETSC_FALSE, (PetscBool)(f->sm != NULL)};
  return f->free_pass ? 2 : 1;
}

/* A synthetic target's window: one draw of the uniforms for the model's input x and (unless
 * tx is NULL) the truth's tx, each at its own rate. */
static void SyntheticInputs(Fit *f, PetscInt window, uint32_t stream, const double *theta, int tid, double *x,
                            double *tx)
{
  const FitOptions *o = f->opt;
  PetscInt          T = o->window_steps;
  double           *u = f->uni[tid];

  SimDrawUniforms((uint64_t)o->input_seed, stream, window, f->nuni, T, u);
  SimInputFromUniforms(u, f->nuni, f->nm, T, theta[f->sim.offRp], o->dt, x);
  if (tx) SimInputFromUniforms(u, f->nuni, f->tsim.n, T, f->data->truth[f->tsim.offRp], o->dt, tx);
}

void FitWindowInputs(Fit *f, PetscInt it, PetscInt window, uint32_t stream, const double *theta, int tid, double *x,
                     double *s)
{
  const FitOptions *o = f->opt;
  PetscInt          T = o->window_steps;

  if (o->mode == TARGET_SYNTHETIC) {
    SyntheticInputs(f, window, stream, theta, tid, x, s ? f->twork[tid]->x : NULL);
    if (s) TruthRun(f, it, window, f->twork[tid], s);
  } else {
    SimDrawInput((uint64_t)o->input_seed, stream, window, f->nm, T, theta[f->sim.offRp], o->dt, x);
    if (s) (void)FitTarget(f, it, window, stream, f->twork[tid], s); /* a copy of loaded data */
  }
}

static double SMWeight(const Fit *f)
{
  double w[LOSS_NTERMS];
  LossWeights(&f->opt->lcfg, 0.0, w);
  return w[LOSS_TERM_SM];
}

/* Where window `window` (slot b of the thread's batch) gets its target: the thread's batch
 * buffer for a synthetic target (FitWindowInputs fills it), NULL for a recording, whose
 * loaded windows are read in place. Either way f->bsrc[tid][b] points at the target. */
static double *BatchTarget(Fit *f, int tid, PetscInt window, PetscInt b)
{
  const FitOptions *o = f->opt;
  if (o->mode == TARGET_SYNTHETIC) {
    double *s       = f->btarget[tid] + (size_t)b * o->window_steps * f->nrec;
    f->bsrc[tid][b] = s;
    return s;
  }
  f->bsrc[tid][b] = f->data->target[window];
  return NULL;
}

/* sm: the statistics' sums of windows [blo, bhi) (forward only) into the thread's sm
 * accumulator, one FixedSumAdd per window. */
static void SMWindows(Fit *f, PetscInt it, PetscInt blo, PetscInt bhi, const double *theta, int tid)
{
  const FitOptions *o = f->opt;
  PetscInt          n = f->layout->n, T = o->window_steps;
  SimWork          *w      = f->work[tid];
  const double     *s      = f->target[tid];
  double           *acc    = f->smbuf[tid];
  uint32_t          stream = RngStreamId(RNG_STREAM_INPUT, (uint32_t)it);
  SimBatch         *bt     = f->batch ? f->batch[tid] : NULL;

  if (bt) {
    bt->nb = bhi - blo;
    for (PetscInt b = 0; b < bt->nb; b++) bt->force[b] = NULL; /* sm measures free-running samples */
    bt->noise_seed   = (uint64_t)o->input_seed;
    bt->noise_stream = RngStreamId(RNG_STREAM_SPIKE, (uint32_t)it);
    for (PetscInt b = 0; b < bt->nb; b++) {
      bt->window[b] = blo + b;
      FitWindowInputs(f, it, blo + b, stream, theta, tid, w->x, BatchTarget(f, tid, blo + b, b));
      SimBatchSetInput(bt, b, w->x);
    }
    SimBatchForward(&f->sim, theta, bt);
  }
  for (PetscInt win = blo; win < bhi; win++) {
    const double *y;
    if (bt) {
      y = bt->y + (win - blo) * T * n;
      s = f->bsrc[tid][win - blo];
    } else {
      FitWindowInputs(f, it, win, stream, theta, tid, w->x, f->target[tid]);
      s               = f->target[tid];
      w->window       = win;
      w->noise_seed   = (uint64_t)o->input_seed;
      w->noise_stream = RngStreamId(RNG_STREAM_SPIKE, (uint32_t)it);
      w->force        = NULL;
      SimForward(&f->sim, theta, w);
      y = w->y;
    }
    PetscArrayzero(acc, f->smsh.len);
    LossSMAccumulate(&f->smsh, n, T, y, s, acc);
    FixedSumAdd(f->smacc[tid], acc);
  }
}

/* Loss and gradient of one window at theta, into the thread's accumulator: the per-window
 * path (-sim_batch 0, and -sim_ref with the plain loops). */
static void WindowGradient(Fit *f, PetscInt it, PetscInt window, const double *theta, double progress, int tid,
                           PetscBool log_events)
{
  const FitOptions *o = f->opt;
  PetscInt          n = f->layout->n, T = o->window_steps, P = f->P, np;
  SimWork          *w = f->work[tid];
  double           *g = f->gbuf[tid], *s = f->target[tid];
  uint32_t          stream = RngStreamId(RNG_STREAM_INPUT, (uint32_t)it);
  FitPass           pass[2];

  FitWindowInputs(f, it, window, stream, theta, tid, w->x, s);
  w->window       = window;
  w->noise_seed   = (uint64_t)o->input_seed; /* stochastic models: fresh spike noise per iteration */
  w->noise_stream = RngStreamId(RNG_STREAM_SPIKE, (uint32_t)it);
  w->nforce       = f->nrec;
  PetscArrayzero(g, P + 1 + LOSS_NTERMS);
  np = FitPasses(f, pass);
  for (PetscInt k = 0; k < np; k++) { /* each pass's gradient adds to g */
    LossValue val;
    w->force = pass[k].forced ? s : NULL;
    if (log_events) PetscLogEventBegin(FIT_EVENT_FORWARD, 0, 0, 0, 0);
    SimForward(&f->sim, theta, w);
    if (log_events) PetscLogEventEnd(FIT_EVENT_FORWARD, 0, 0, 0, 0);
    if (log_events) PetscLogEventBegin(FIT_EVENT_LOSS, 0, 0, 0, 0);
    LossEvaluateColumns(pass[k].lcfg, progress, f->nrec, n, T, w->y, s, w->dy, f->lwork[tid], &val);
    if (pass[k].sm) LossSMGradient(f->sm, n, T, w->y, SMWeight(f), w->dy, f->lwork[tid]);
    if (log_events) PetscLogEventEnd(FIT_EVENT_LOSS, 0, 0, 0, 0);
    if (log_events) PetscLogEventBegin(FIT_EVENT_BACKWARD, 0, 0, 0, 0);
    SimBackward(&f->sim, theta, w, g);
    if (log_events) PetscLogEventEnd(FIT_EVENT_BACKWARD, 0, 0, 0, 0);
    g[P] += val.total;
    for (int t = 0; t < LOSS_NTERMS; t++) g[P + 1 + t] += val.term[t];
  }
  w->force = NULL;
  FixedSumAdd(f->acc[tid], g);
}

/* FitWindowInputs for the nb windows from blo of a batch, with the synthetic truth simulated
 * as a batch too (matrix products over the windows instead of a matrix-vector product per
 * window and step; its targets are its hard output, z = aux0 >= theta as in TruthRun). Below
 * SIM_SMALL_N neurons the bits are TruthRun's; above, the products' rounding may differ in
 * the last bit, which changes a spike only where u lies within that of theta. */
static void BatchSyntheticInputs(Fit *f, PetscInt it, PetscInt blo, PetscInt nb, uint32_t stream, const double *theta,
                                 int tid)
{
  const FitOptions *o = f->opt;
  PetscInt          T = o->window_steps, nt = f->tsim.n, nr = f->nrec;
  SimBatch         *bt = f->batch[tid], *tb = f->tbatch[tid];
  double           *x = f->work[tid]->x, *tx = f->twork[tid]->x;

  tb->nb           = nb;
  tb->noise_seed   = (uint64_t)o->input_seed;
  tb->noise_stream = RngStreamId(RNG_STREAM_SPIKE, (uint32_t)it);
  for (PetscInt b = 0; b < nb; b++) {
    bt->window[b] = tb->window[b] = blo + b;
    SyntheticInputs(f, blo + b, stream, theta, tid, x, tx);
    SimBatchSetInput(bt, b, x);
    SimBatchSetInput(tb, b, tx);
  }
  SimBatchForward(&f->tsim, f->data->truth, tb);
  for (PetscInt b = 0; b < nb; b++) {
    double       *s = BatchTarget(f, tid, blo + b, b);
    const double *z = tb->y + (size_t)b * T * nt;
    for (PetscInt t = 0; t < T; t++)
      for (PetscInt i = 0; i < nr; i++) s[t * nr + i] = z[t * nt + i];
  }
}

/* Loss and gradient of the consecutive windows [blo, bhi) (one batch, or the part of one
 * that lies in the evaluated range) simulated together; their sum enters the thread's
 * accumulator as one value, so the bits depend on the batch, not on who computes it. */
static void BatchGradient(Fit *f, PetscInt it, PetscInt blo, PetscInt bhi, const double *theta, double progress,
                          int tid, PetscBool log_events)
{
  const FitOptions *o = f->opt;
  PetscInt          n = f->layout->n, T = o->window_steps, P = f->P, np;
  SimWork          *w      = f->work[tid];
  SimBatch         *bt     = f->batch[tid];
  double           *g      = f->gbuf[tid];
  uint32_t          stream = RngStreamId(RNG_STREAM_INPUT, (uint32_t)it);
  FitPass           pass[2];

  bt->nb           = bhi - blo;
  bt->noise_seed   = (uint64_t)o->input_seed;
  bt->noise_stream = RngStreamId(RNG_STREAM_SPIKE, (uint32_t)it);
  bt->nforce       = f->nrec;
  /* every window's input and target before the forward pass (teacher forcing needs the
   * targets there; a synthetic target shares the input's uniforms) */
  if (f->tbatch) BatchSyntheticInputs(f, it, blo, bt->nb, stream, theta, tid);
  else
    for (PetscInt b = 0; b < bt->nb; b++) {
      bt->window[b] = blo + b;
      FitWindowInputs(f, it, blo + b, stream, theta, tid, w->x, BatchTarget(f, tid, blo + b, b));
      SimBatchSetInput(bt, b, w->x);
    }
  PetscArrayzero(g, P + 1 + LOSS_NTERMS);
  np = FitPasses(f, pass);
  for (PetscInt k = 0; k < np; k++) {
    for (PetscInt b = 0; b < bt->nb; b++) bt->force[b] = pass[k].forced ? f->bsrc[tid][b] : NULL;
    if (log_events) PetscLogEventBegin(FIT_EVENT_FORWARD, 0, 0, 0, 0);
    SimBatchForward(&f->sim, theta, bt);
    if (log_events) PetscLogEventEnd(FIT_EVENT_FORWARD, 0, 0, 0, 0);
    for (PetscInt b = 0; b < bt->nb; b++) { /* window order: the batch's loss is a fixed sum */
      LossValue     val;
      const double *s = f->bsrc[tid][b];
      if (log_events) PetscLogEventBegin(FIT_EVENT_LOSS, 0, 0, 0, 0);
      LossEvaluateColumns(pass[k].lcfg, progress, f->nrec, n, T, bt->y + b * T * n, s, bt->dy + b * T * n,
                          f->lwork[tid], &val);
      if (pass[k].sm) LossSMGradient(f->sm, n, T, bt->y + b * T * n, SMWeight(f), bt->dy + b * T * n, f->lwork[tid]);
      if (log_events) PetscLogEventEnd(FIT_EVENT_LOSS, 0, 0, 0, 0);
      g[P] += val.total;
      for (int t = 0; t < LOSS_NTERMS; t++) g[P + 1 + t] += val.term[t];
    }
    if (log_events) PetscLogEventBegin(FIT_EVENT_BACKWARD, 0, 0, 0, 0);
    SimBatchBackward(&f->sim, theta, bt, g);
    if (log_events) PetscLogEventEnd(FIT_EVENT_BACKWARD, 0, 0, 0, 0);
  }
  for (PetscInt b = 0; b < bt->nb; b++) bt->force[b] = NULL;
  FixedSumAdd(f->acc[tid], g);
}

/* A step whose sums hold NaN, infinite or huge values: the loss is NaN, the gradient zero. */
static PetscErrorCode NonFinite(Fit *f, double *grad, LossValue *val)
{
  PetscFunctionBeginUser;
  PetscCall(PetscArrayzero(grad, f->P));
  val->total = NAN;
  for (int k = 0; k < LOSS_NTERMS; k++) val->term[k] = NAN;
  PetscFunctionReturn(0);
}

/* The part of chunk c that lies in [wlo, whi). */
static void ChunkRange(const WindowPartition *p, PetscInt c, PetscInt wlo, PetscInt whi, PetscInt *lo, PetscInt *hi)
{
  *lo = PetscMax(p->chunk[c], wlo);
  *hi = PetscMin(p->chunk[c + 1], whi);
}

/* sm: the statistics of the step's windows first (forward only, exact sums over threads and
 * ranks), so that every window's gradient can be taken given them. */
static PetscErrorCode SMStep(Fit *f, PetscInt it, PetscInt wlo, PetscInt whi, const double *theta, PetscBool *bad)
{
  const WindowPartition *p = f->part;
  PetscInt               c0, c1;
  int                    nthreads = f->nthreads, rank = p->spec.rank;

  PetscFunctionBeginUser;
  WindowPartitionChunks(p, wlo, whi, &c0, &c1);
  for (int t = 0; t < nthreads; t++) FixedSumZero(f->smacc[t]);
#pragma omp parallel for schedule(dynamic, 1) num_threads(nthreads)
  for (PetscInt c = c0; c < c1; c++) {
    PetscInt lo, hi;
    if (p->owner[c] != rank) continue;
    ChunkRange(p, c, wlo, whi, &lo, &hi);
    SMWindows(f, it, lo, hi, theta, FitThreadId());
  }
  for (int t = 1; t < nthreads; t++) FixedSumMerge(f->smacc[0], f->smacc[t]);
  PetscCall(ParallelSumFixed(f->par, f->smacc[0]));
  *bad = (PetscBool)(f->smacc[0]->nonfinite != 0); /* the same on every rank (after the exact sum) */
  if (*bad) {
    f->nonfinite = f->smacc[0]->nonfinite;
    PetscFunctionReturn(0);
  }
  FixedSumGet(f->smacc[0], f->smsums);
  LossSMFinish(f->sm, whi - wlo, f->smsums);
  PetscFunctionReturn(0);
}

PetscErrorCode FitEvaluate(Fit *f, PetscInt it, PetscInt wlo, PetscInt whi, const double *theta, double *grad,
                           LossValue *val)
{
  const FitOptions      *o        = f->opt;
  const WindowPartition *p        = f->part;
  PetscInt               P        = f->P, c0, c1;
  double                 progress = o->iters > 0 ? (double)it / (double)o->iters : 0.0;
  int                    nthreads = f->nthreads, rank = p->spec.rank;
  PetscBool              log_events = nthreads == 1 ? PETSC_TRUE : PETSC_FALSE, bad = PETSC_FALSE;

  PetscFunctionBeginUser;
  if (f->sm) {
    PetscCall(SMStep(f, it, wlo, whi, theta, &bad));
    if (bad) { /* the caller rolls back */
      PetscCall(NonFinite(f, grad, val));
      PetscFunctionReturn(0);
    }
  }
  for (int t = 0; t < nthreads; t++) FixedSumZero(f->acc[t]);
  PetscCall(PetscLogEventBegin(FIT_EVENT_WINDOWS, 0, 0, 0, 0));
  /* this rank's chunks of [wlo, whi): a batch each, or window by window on the per-window path */
  WindowPartitionChunks(p, wlo, whi, &c0, &c1);
#pragma omp parallel for schedule(dynamic, 1) num_threads(nthreads)
  for (PetscInt c = c0; c < c1; c++) {
    PetscInt lo, hi;
    if (p->owner[c] != rank) continue;
    ChunkRange(p, c, wlo, whi, &lo, &hi);
    if (f->batch) BatchGradient(f, it, lo, hi, theta, progress, FitThreadId(), log_events);
    else
      for (PetscInt wi = lo; wi < hi; wi++) WindowGradient(f, it, wi, theta, progress, FitThreadId(), log_events);
  }
  PetscCall(PetscLogEventEnd(FIT_EVENT_WINDOWS, 0, 0, 0, 0));
  PetscCall(PetscLogEventBegin(FIT_EVENT_REDUCE, 0, 0, 0, 0));
  for (int t = 1; t < nthreads; t++) FixedSumMerge(f->acc[0], f->acc[t]);
  PetscCall(ParallelSumFixed(f->par, f->acc[0]));
  PetscCall(PetscLogEventEnd(FIT_EVENT_REDUCE, 0, 0, 0, 0));
  if (f->acc[0]->nonfinite) {
    f->nonfinite = f->acc[0]->nonfinite;
    PetscCall(NonFinite(f, grad, val));
    PetscFunctionReturn(0);
  }
  FixedSumGet(f->acc[0], f->gfull);
  PetscCall(PetscArraycpy(grad, f->gfull, P));
  val->total = f->gfull[P];
  for (int k = 0; k < LOSS_NTERMS; k++) val->term[k] = f->gfull[P + 1 + k];
  if (f->sm) {
    val->term[LOSS_TERM_SM] = f->sm->value;
    val->total += SMWeight(f) * f->sm->value;
  }
  PetscFunctionReturn(0);
}

static double Norm2(const double *v, PetscInt n)
{
  double s = 0;
  for (PetscInt k = 0; k < n; k++) s += v[k] * v[k];
  return sqrt(s);
}

void FitRecordParams(Fit *f, PetscInt it)
{
  if (f->hist) PetscArraycpy(f->hist + it * f->P, f->theta, f->P);
  if (f->dist) {
    PetscInt nb = f->layout->nblocks;
    for (PetscInt b = 0; b < nb; b++)
      f->dist[it * (nb + 1) + b] = ParamsBlockDistance(f->layout, b, f->theta, f->data->truth);
    f->dist[it * (nb + 1) + nb] = ParamsBlockDistance(f->layout, -1, f->theta, f->data->truth);
  }
}

/* One training iteration: every window once, one optimiser step per windows_per_step windows.
 * *bad: FIT_STEP_OK, FIT_BAD_START (the iteration's own parameters give non-finite values),
 * FIT_BAD_STEP (parameters made by its steps do). Non-finite values are found after the
 * exact reductions, so every rank of the group returns the same status. */
PetscErrorCode FitIteration(Fit *f, PetscInt it, FitStepStatus *bad)
{
  const FitOptions *o   = f->opt;
  LossValue         sum = {0, {0}}, val;
  double            gn2 = 0;

  PetscFunctionBeginUser;
  *bad         = FIT_STEP_OK;
  f->nonfinite = 0;
  for (PetscInt st = 0; st < f->part->nsteps; st++) {
    PetscInt wlo, whi;
    WindowPartitionStep(f->part, st, &wlo, &whi);
    PetscCall(FitEvaluate(f, it, wlo, whi, f->theta, f->grad, &val));
    if (!isfinite(val.total)) {
      *bad = wlo == 0 ? FIT_BAD_START : FIT_BAD_STEP;
      PetscFunctionReturn(0);
    }
    if (it == 0 && wlo == 0 && o->save_gradient && !f->gradient_saved) PetscCall(FitSaveGradientCheck(f, val.total));
    sum.total += val.total;
    for (int k = 0; k < LOSS_NTERMS; k++) sum.term[k] += val.term[k];
    gn2 += Norm2(f->grad, f->P) * Norm2(f->grad, f->P);
    PetscCall(PetscLogEventBegin(FIT_EVENT_OPTIM, 0, 0, 0, 0));
    PetscCall(OptimStep(f->optim, f->grad));
    PetscCall(OptimGetTheta(f->optim, f->theta));
    PetscCall(PetscLogEventEnd(FIT_EVENT_OPTIM, 0, 0, 0, 0));
  }
  f->loss[it] = sum.total;
  for (int k = 0; k < LOSS_NTERMS; k++) f->terms[it * LOSS_NTERMS + k] = sum.term[k];
  f->gnorm[it] = sqrt(gn2);
  if (f->vloss) {
    PetscCall(PetscLogEventBegin(FIT_EVENT_VALIDATE, 0, 0, 0, 0));
    PetscCall(FitValidationLoss(f, f->theta, o->iters > 0 ? (double)it / (double)o->iters : 0.0, &f->vloss[it]));
    PetscCall(PetscLogEventEnd(FIT_EVENT_VALIDATE, 0, 0, 0, 0));
    if (!isfinite(f->vloss[it])) *bad = FIT_BAD_STEP;
  }
  FitRecordParams(f, it + 1);
  PetscFunctionReturn(0);
}
