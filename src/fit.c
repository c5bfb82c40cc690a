/* One training iteration of `spikefit fit`: the batched forward and backward (batches of one
 * window with -sim_batch 0 or -sim_ref) over the chunks the partition gives this rank, with
 * each window's input and target from window_source.c (training keys), the exact reduction
 * of every step over threads and ranks, and the optimiser step. */
#include "fit.h"
#include "fit_impl.h"
#include "checkpoint.h"
#include "app.h"
#include "h5io.h"
#include "resources.h"
#include "fit_recipe.h"
#include "window_source.h"
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

PetscInt FitPasses(const Fit *f, FitPass pass[2])
{
  if (!f->cfg.opt->lcfg.teacher_forcing) {
    pass[0] = (FitPass){&f->cfg.opt->lcfg, PETSC_FALSE, (PetscBool)(f->state.sm != NULL)};
    return 1;
  }
  pass[0] = (FitPass){&f->net.lforced, PETSC_TRUE, PETSC_FALSE};
  pass[1] = (FitPass){&f->net.lfree, PETSC_FALSE, (PetscBool)(f->state.sm != NULL)};
  return f->net.free_pass ? 2 : 1;
}

static double SMWeight(const Fit *f)
{
  double w[LOSS_NTERMS];
  LossWeights(&f->cfg.opt->lcfg, 0.0, w);
  return w[LOSS_TERM_SM];
}

/* sm: the statistics' sums of windows [blo, bhi) (forward only, one batch) into the thread's
 * sm accumulator, one FixedSumAdd per window. */
static void SMWindows(Fit *f, PetscInt it, PetscInt blo, PetscInt bhi, const double *theta, int tid)
{
  const FitOptions *o = f->cfg.opt;
  PetscInt          n = f->net.layout->n, T = o->window_steps;
  double           *acc = f->thread[tid].smbuf;
  SimBatch         *bt  = f->thread[tid].batch;
  WindowKey         key = WindowKeyTrain((uint64_t)o->input_seed, it, blo);

  for (PetscInt b = 0; b < bhi - blo; b++) bt->force[b] = NULL; /* sm measures free-running samples */
  /* the truth window by window here (the gradient's pass batches it: the same bits below
   * SIM_SMALL_N neurons) */
  WindowSourceBatch(f, &key, bhi - blo, theta, tid, PETSC_FALSE);
  SimBatchForward(&f->net.sim, theta, bt);
  for (PetscInt b = 0; b < bhi - blo; b++) {
    PetscArrayzero(acc, f->net.smsh.len);
    LossSMAccumulate(&f->net.smsh, n, T, bt->y + b * T * n, f->thread[tid].bsrc[b], acc);
    FixedSumAdd(f->thread[tid].smacc, acc);
  }
}

/* Loss and gradient of the consecutive windows [blo, bhi) (one batch, or the part of one
 * that lies in the evaluated range) simulated together; their sum enters the thread's
 * accumulator as one value, so the bits depend on the batch, not on who computes it. */
static void BatchGradient(Fit *f, PetscInt it, PetscInt blo, PetscInt bhi, const double *theta, double progress,
                          int tid, PetscBool log_events)
{
  const FitOptions *o = f->cfg.opt;
  PetscInt          n = f->net.layout->n, T = o->window_steps, P = f->net.P, np;
  SimBatch         *bt  = f->thread[tid].batch;
  double           *g   = f->thread[tid].gbuf;
  WindowKey         key = WindowKeyTrain((uint64_t)o->input_seed, it, blo);
  FitPass           pass[2];

  bt->nforce = f->net.nrec;
  /* every window's input and target before the forward pass (teacher forcing needs the
   * targets there; a synthetic target shares the input's uniforms) */
  WindowSourceBatch(f, &key, bhi - blo, theta, tid, PETSC_TRUE);
  PetscArrayzero(g, P + 1 + LOSS_NTERMS);
  np = FitPasses(f, pass);
  for (PetscInt k = 0; k < np; k++) {
    for (PetscInt b = 0; b < bt->nb; b++) bt->force[b] = pass[k].forced ? f->thread[tid].bsrc[b] : NULL;
    if (log_events) PetscLogEventBegin(FIT_EVENT_FORWARD, 0, 0, 0, 0);
    SimBatchForward(&f->net.sim, theta, bt);
    if (log_events) PetscLogEventEnd(FIT_EVENT_FORWARD, 0, 0, 0, 0);
    for (PetscInt b = 0; b < bt->nb; b++) { /* window order: the batch's loss is a fixed sum */
      LossValue     val;
      const double *s = f->thread[tid].bsrc[b];
      if (log_events) PetscLogEventBegin(FIT_EVENT_LOSS, 0, 0, 0, 0);
      LossEvaluateColumns(pass[k].lcfg, progress, f->net.nrec, n, T, bt->y + b * T * n, s, bt->dy + b * T * n,
                          f->thread[tid].lwork, &val);
      if (pass[k].sm)
        LossSMGradient(f->state.sm, n, T, bt->y + b * T * n, SMWeight(f), bt->dy + b * T * n, f->thread[tid].lwork);
      if (log_events) PetscLogEventEnd(FIT_EVENT_LOSS, 0, 0, 0, 0);
      g[P] += val.total;
      for (int t = 0; t < LOSS_NTERMS; t++) g[P + 1 + t] += val.term[t];
    }
    if (log_events) PetscLogEventBegin(FIT_EVENT_BACKWARD, 0, 0, 0, 0);
    SimBatchBackward(&f->net.sim, theta, bt, g);
    if (log_events) PetscLogEventEnd(FIT_EVENT_BACKWARD, 0, 0, 0, 0);
  }
  for (PetscInt b = 0; b < bt->nb; b++) bt->force[b] = NULL;
  FixedSumAdd(f->thread[tid].acc, g);
}

/* A step whose sums hold NaN, infinite or huge values: the loss is NaN, the gradient zero. */
static PetscErrorCode NonFinite(Fit *f, double *grad, LossValue *val)
{
  PetscFunctionBeginUser;
  PetscCall(PetscArrayzero(grad, f->net.P));
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
  const WindowPartition *p = f->cfg.part;
  PetscInt               c0, c1;
  int                    nthreads = f->cfg.nthreads, rank = p->spec.rank;

  PetscFunctionBeginUser;
  WindowPartitionChunks(p, wlo, whi, &c0, &c1);
  for (int t = 0; t < nthreads; t++) FixedSumZero(f->thread[t].smacc);
#pragma omp parallel for schedule(dynamic, 1) num_threads(nthreads)
  for (PetscInt c = c0; c < c1; c++) {
    PetscInt lo, hi;
    if (p->owner[c] != rank) continue;
    ChunkRange(p, c, wlo, whi, &lo, &hi);
    SMWindows(f, it, lo, hi, theta, FitThreadId());
  }
  for (int t = 1; t < nthreads; t++) FixedSumMerge(f->thread[0].smacc, f->thread[t].smacc);
  PetscCall(ParallelSumFixed(f->cfg.par, f->thread[0].smacc));
  *bad = (PetscBool)(f->thread[0].smacc->nonfinite != 0); /* the same on every rank (after the exact sum) */
  if (*bad) {
    f->state.nonfinite = f->thread[0].smacc->nonfinite;
    PetscFunctionReturn(0);
  }
  FixedSumGet(f->thread[0].smacc, f->state.smsums);
  LossSMFinish(f->state.sm, whi - wlo, f->state.smsums);
  PetscFunctionReturn(0);
}

PetscErrorCode FitEvaluate(Fit *f, PetscInt it, PetscInt wlo, PetscInt whi, const double *theta, double *grad,
                           LossValue *val)
{
  const FitOptions      *o        = f->cfg.opt;
  const WindowPartition *p        = f->cfg.part;
  PetscInt               P        = f->net.P, c0, c1;
  double                 progress = o->iters > 0 ? (double)it / (double)o->iters : 0.0;
  int                    nthreads = f->cfg.nthreads, rank = p->spec.rank;
  PetscBool              log_events = nthreads == 1 ? PETSC_TRUE : PETSC_FALSE, bad = PETSC_FALSE;

  PetscFunctionBeginUser;
  if (f->state.sm) {
    PetscCall(SMStep(f, it, wlo, whi, theta, &bad));
    if (bad) { /* the caller rolls back */
      PetscCall(NonFinite(f, grad, val));
      PetscFunctionReturn(0);
    }
  }
  for (int t = 0; t < nthreads; t++) FixedSumZero(f->thread[t].acc);
  PetscCall(PetscLogEventBegin(FIT_EVENT_WINDOWS, 0, 0, 0, 0));
  /* this rank's chunks of [wlo, whi): a batch each (of one window with -sim_batch 0 or -sim_ref) */
  WindowPartitionChunks(p, wlo, whi, &c0, &c1);
#pragma omp parallel for schedule(dynamic, 1) num_threads(nthreads)
  for (PetscInt c = c0; c < c1; c++) {
    PetscInt lo, hi;
    if (p->owner[c] != rank) continue;
    ChunkRange(p, c, wlo, whi, &lo, &hi);
    BatchGradient(f, it, lo, hi, theta, progress, FitThreadId(), log_events);
  }
  PetscCall(PetscLogEventEnd(FIT_EVENT_WINDOWS, 0, 0, 0, 0));
  PetscCall(PetscLogEventBegin(FIT_EVENT_REDUCE, 0, 0, 0, 0));
  for (int t = 1; t < nthreads; t++) FixedSumMerge(f->thread[0].acc, f->thread[t].acc);
  PetscCall(ParallelSumFixed(f->cfg.par, f->thread[0].acc));
  PetscCall(PetscLogEventEnd(FIT_EVENT_REDUCE, 0, 0, 0, 0));
  if (f->thread[0].acc->nonfinite) {
    f->state.nonfinite = f->thread[0].acc->nonfinite;
    PetscCall(NonFinite(f, grad, val));
    PetscFunctionReturn(0);
  }
  FixedSumGet(f->thread[0].acc, f->state.gfull);
  PetscCall(PetscArraycpy(grad, f->state.gfull, P));
  val->total = f->state.gfull[P];
  for (int k = 0; k < LOSS_NTERMS; k++) val->term[k] = f->state.gfull[P + 1 + k];
  if (f->state.sm) {
    val->term[LOSS_TERM_SM] = f->state.sm->value;
    val->total += SMWeight(f) * f->state.sm->value;
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
  if (f->history.params) PetscArraycpy(f->history.params + it * f->net.P, f->state.theta, f->net.P);
  if (f->history.dist) {
    PetscInt nb = f->net.layout->nblocks;
    for (PetscInt b = 0; b < nb; b++)
      f->history.dist[it * (nb + 1) + b] = ParamsBlockDistance(f->net.layout, b, f->state.theta, f->data->truth);
    f->history.dist[it * (nb + 1) + nb] = ParamsBlockDistance(f->net.layout, -1, f->state.theta, f->data->truth);
  }
}

/* One training iteration: every window once, one optimiser step per windows_per_step windows.
 * *bad: FIT_STEP_OK, FIT_BAD_START (the iteration's own parameters give non-finite values),
 * FIT_BAD_STEP (parameters made by its steps do). Non-finite values are found after the
 * exact reductions, so every rank of the group returns the same status. */
PetscErrorCode FitIteration(Fit *f, PetscInt it, FitStepStatus *bad)
{
  const FitOptions *o   = f->cfg.opt;
  LossValue         sum = {0, {0}}, val;
  double            gn2 = 0;

  PetscFunctionBeginUser;
  *bad               = FIT_STEP_OK;
  f->state.nonfinite = 0;
  for (PetscInt st = 0; st < f->cfg.part->nsteps; st++) {
    PetscInt wlo, whi;
    WindowPartitionStep(f->cfg.part, st, &wlo, &whi);
    PetscCall(FitEvaluate(f, it, wlo, whi, f->state.theta, f->state.grad, &val));
    if (!isfinite(val.total)) {
      *bad = wlo == 0 ? FIT_BAD_START : FIT_BAD_STEP;
      PetscFunctionReturn(0);
    }
    if (it == 0 && wlo == 0 && o->save_gradient && !f->history.gradient_saved)
      PetscCall(FitSaveGradientCheck(f, val.total));
    sum.total += val.total;
    for (int k = 0; k < LOSS_NTERMS; k++) sum.term[k] += val.term[k];
    gn2 += Norm2(f->state.grad, f->net.P) * Norm2(f->state.grad, f->net.P);
    PetscCall(PetscLogEventBegin(FIT_EVENT_OPTIM, 0, 0, 0, 0));
    PetscCall(OptimStep(f->state.optim, f->state.grad));
    PetscCall(OptimGetTheta(f->state.optim, f->state.theta));
    PetscCall(PetscLogEventEnd(FIT_EVENT_OPTIM, 0, 0, 0, 0));
  }
  f->history.loss[it] = sum.total;
  for (int k = 0; k < LOSS_NTERMS; k++) f->history.terms[it * LOSS_NTERMS + k] = sum.term[k];
  f->history.gnorm[it] = sqrt(gn2);
  if (f->history.vloss) {
    PetscCall(PetscLogEventBegin(FIT_EVENT_VALIDATE, 0, 0, 0, 0));
    PetscCall(FitValidationLoss(f, f->state.theta, o->iters > 0 ? (double)it / (double)o->iters : 0.0,
                                &f->history.vloss[it]));
    PetscCall(PetscLogEventEnd(FIT_EVENT_VALIDATE, 0, 0, 0, 0));
    if (!isfinite(f->history.vloss[it])) *bad = FIT_BAD_STEP;
  }
  FitRecordParams(f, it + 1);
  PetscFunctionReturn(0);
}
