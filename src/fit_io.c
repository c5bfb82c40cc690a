/* Files of a fit: results (docs/FORMAT.md), checkpoints, the gradient check, the summary. */
#include "fit_impl.h"
#include "h5io.h"
#include "window_source.h"
#include "analysis_stats.h"
#include <math.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

/* Dataset shape of one block, with an optional leading dimension. */
static int BlockDims(const ParamLayout *l, const ParamBlock *b, hsize_t lead, hsize_t dims[3])
{
  int r = 0;
  if (lead) dims[r++] = lead;
  if (b->rows == l->n && b->cols == l->n) {
    dims[r++] = (hsize_t)b->rows;
    dims[r++] = (hsize_t)b->cols;
  } else {
    dims[r++] = (hsize_t)b->size;
  }
  return r;
}

static PetscErrorCode WriteBlocks(H5Out *h, const char *group, const ParamLayout *l, const double *theta)
{
  PetscFunctionBeginUser;
  for (PetscInt b = 0; b < l->nblocks; b++) {
    char    name[256];
    hsize_t dims[3];
    int     r = BlockDims(l, &l->blocks[b], 0, dims);
    PetscCall(PetscSNPrintf(name, sizeof(name), "%s/%s", group, l->blocks[b].name));
    PetscCall(H5OutDoubles(h, name, r, dims, theta + l->blocks[b].offset));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteHistory(H5Out *h, const char *group, const ParamLayout *l, PetscInt rows, const double *hist)
{
  double *buf;
  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(rows * l->total + 1, &buf));
  for (PetscInt b = 0; b < l->nblocks; b++) {
    const ParamBlock *blk = &l->blocks[b];
    char              name[256];
    hsize_t           dims[3];
    int               r = BlockDims(l, blk, (hsize_t)rows, dims);
    for (PetscInt it = 0; it < rows; it++)
      PetscCall(PetscArraycpy(buf + it * blk->size, hist + it * l->total + blk->offset, blk->size));
    PetscCall(PetscSNPrintf(name, sizeof(name), "%s/%s", group, blk->name));
    PetscCall(H5OutDoubles(h, name, r, dims, buf));
  }
  PetscCall(PetscFree(buf));
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteExc(H5Out *h, const char *name, const ParamLayout *l)
{
  int64_t *e;
  hsize_t  n = (hsize_t)l->n;
  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(l->n, &e));
  for (PetscInt i = 0; i < l->n; i++) e[i] = l->exc[i];
  PetscCall(H5OutInts(h, name, 1, &n, e));
  PetscCall(PetscFree(e));
  PetscFunctionReturn(0);
}

const double *FitEvalTheta(const Fit *f)
{
  return f->state.best && f->state.best_it >= 0 ? f->state.best : f->state.theta;
}

PetscInt FitEvalWindows(const Fit *f)
{
  const FitOptions *o = f->cfg.opt;
  return o->mode == TARGET_SYNTHETIC ? o->eval_windows
                                     : PetscMin(o->eval_windows, f->data->nvalid ? f->data->nvalid : f->net.nwindows);
}

/* The evaluation windows of this rank (its partition's block of them), their model-input uniforms and
 * their targets, made once: the evaluation input is fixed (WindowKeyEval), so is a recording's
 * or a deterministic truth's target. (A stochastic truth's eval target is fixed too: its spike
 * noise is keyed by the evaluation key.) */
static PetscErrorCode ValidationCache(Fit *f)
{
  const FitOptions *o = f->cfg.opt;
  PetscInt          T = o->window_steps, n = f->net.nm, nu = f->net.nuni, lo = f->cfg.part->elo, hi = f->cfg.part->ehi;

  PetscFunctionBeginUser;
  if (f->valid.uni) PetscFunctionReturn(0);
  f->valid.lo = lo;
  f->valid.hi = hi;
  PetscCall(PetscMalloc2((size_t)PetscMax(hi - lo, 1) * T * n, &f->valid.uni,
                         (size_t)PetscMax(hi - lo, 1) * T * f->net.nrec, &f->valid.target));
  for (PetscInt win = lo; win < hi; win++) {
    WindowKey k = WindowKeyEval((uint64_t)o->input_seed, win);
    double   *u = f->thread[0].uni, *vu = f->valid.uni + (size_t)(win - lo) * T * n,
           *s = f->valid.target + (size_t)(win - lo) * T * f->net.nrec;
    WindowKeyDrawUniforms(&k, nu, T, u);
    for (PetscInt t = 0; t < T; t++) PetscCall(PetscArraycpy(vu + t * n, u + t * nu, n));
    PetscCall(WindowSourceGet(f, &k, NULL, 0, NULL, s));
  }
  /* (the per-thread sums are the workspace's: FitThread.vacc, vbuf) */
  PetscCall(FixedSumCreate(1 + (f->state.sm ? f->net.smsh.len : 0), &f->valid.acc));
  PetscFunctionReturn(0);
}

PetscErrorCode FitValidationCacheDestroy(Fit *f)
{
  PetscFunctionBeginUser;
  if (!f->valid.uni) PetscFunctionReturn(0);
  PetscCall(PetscFree2(f->valid.uni, f->valid.target));
  PetscCall(FixedSumDestroy(&f->valid.acc));
  PetscFunctionReturn(0);
}

double FitWindowLoss(Fit *f, const double *theta, SimWork *w, const double *s, double progress, int tid, double *smsums)
{
  PetscInt n = f->net.nm, T = f->cfg.opt->window_steps, np;
  FitPass  pass[2];
  double   total = 0;

  w->nforce = f->net.nrec;
  np        = FitPasses(f, pass);
  for (PetscInt k = 0; k < np; k++) {
    LossValue lv;
    w->force = pass[k].forced ? s : NULL;
    SimForward(&f->net.sim, theta, w);
    LossEvaluateColumns(pass[k].lcfg, progress, f->net.nrec, n, T, w->y, s, NULL, f->thread[tid].lwork, &lv);
    if (smsums && pass[k].sm) LossSMAccumulate(&f->net.smsh, n, T, w->y, s, smsums);
    total += lv.total;
  }
  w->force = NULL;
  return total;
}

PetscErrorCode FitSMTerm(Fit *f, PetscInt K, const double *sums, double progress, double *term)
{
  LossSMStats *st;
  double       wt[LOSS_NTERMS];

  PetscFunctionBeginUser;
  PetscCall(LossSMStatsCreate(&f->net.smsh, &st));
  LossSMFinish(st, K, sums);
  LossWeights(&f->cfg.opt->lcfg, progress, wt);
  *term = wt[LOSS_TERM_SM] * st->value;
  PetscCall(LossSMStatsDestroy(&st));
  PetscFunctionReturn(0);
}

/* Loss of one evaluation window (forward only, a batch of one in double: the bits of
 * SimForward) and its sm sums, into the thread's sum. */
static void ValidationWindow(Fit *f, PetscInt win, const double *theta, double progress, int tid)
{
  const FitOptions *o = f->cfg.opt;
  PetscInt          n = f->net.nm, T = o->window_steps, np;
  SimBatch         *bt = f->thread[tid].vbatch;
  double           *v = f->thread[tid].vbuf, *x = f->thread[tid].work->x;
  const double     *s = f->valid.target + (size_t)(win - f->valid.lo) * T * f->net.nrec;
  WindowKey         k = WindowKeyEval((uint64_t)o->input_seed, win);
  FitPass           pass[2];

  /* the input from the cached uniforms of the key (ValidationCache) */
  SimInputFromUniforms(f->valid.uni + (size_t)(win - f->valid.lo) * T * n, n, n, T, theta[f->net.sim.offRp], o->dt, x);
  bt->nb        = 1;
  bt->window[0] = k.window;
  bt->nforce    = f->net.nrec;
  WindowKeyApplyBatch(&k, bt);
  SimBatchSetInput(bt, 0, x);
  PetscArrayzero(v, 1 + (f->state.sm ? f->net.smsh.len : 0));
  np = FitPasses(f, pass);
  for (PetscInt p = 0; p < np; p++) {
    LossValue lv;
    bt->force[0] = pass[p].forced ? s : NULL;
    SimBatchForward(&f->net.sim, theta, bt);
    LossEvaluateColumns(pass[p].lcfg, progress, f->net.nrec, n, T, bt->y, s, NULL, f->thread[tid].lwork, &lv);
    if (f->state.sm && pass[p].sm) LossSMAccumulate(&f->net.smsh, n, T, bt->y, s, v + 1);
    v[0] += lv.total;
  }
  bt->force[0] = NULL;
  FixedSumAdd(f->thread[tid].vacc, v);
}

PetscErrorCode FitValidationLoss(Fit *f, const double *theta, double progress, double *loss)
{
  PetscInt E = FitEvalWindows(f), len;
  double  *sums;

  PetscFunctionBeginUser;
  PetscCall(ValidationCache(f));
  len = 1 + (f->state.sm ? f->net.smsh.len : 0);
  /* each rank its block of windows, threads over them; exact sums, so the value does not
   * depend on ranks or threads */
  for (int t = 0; t < f->cfg.nthreads; t++) FixedSumZero(f->thread[t].vacc);
#pragma omp parallel for schedule(dynamic, 1) num_threads(f->cfg.nthreads)
  for (PetscInt win = f->valid.lo; win < f->valid.hi; win++) ValidationWindow(f, win, theta, progress, FitThreadId());
  FixedSumZero(f->valid.acc);
  for (int t = 0; t < f->cfg.nthreads; t++) FixedSumMerge(f->valid.acc, f->thread[t].vacc);
  PetscCall(ParallelSumFixed(f->cfg.par, f->valid.acc));
  if (f->valid.acc->nonfinite) { /* the same on every rank: the training loop rolls back */
    *loss = NAN;
    PetscFunctionReturn(0);
  }
  PetscCall(PetscMalloc1(len, &sums));
  FixedSumGet(f->valid.acc, sums);
  *loss = sums[0];
  if (f->state.sm) { /* sm over the evaluation windows as one step */
    double term;
    PetscCall(FitSMTerm(f, E, sums + 1, progress, &term));
    *loss += term;
  }
  PetscCall(PetscFree(sums));
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteGradientCheck(Fit *f, H5Out *h)
{
  const FitOptions *o        = f->cfg.opt;
  hsize_t           dims[3]  = {(hsize_t)f->history.gc_windows, (hsize_t)o->window_steps, (hsize_t)f->net.layout->n};
  hsize_t           tdims[3] = {(hsize_t)f->history.gc_windows, (hsize_t)o->window_steps, (hsize_t)f->net.nrec};

  PetscFunctionBeginUser;
  PetscCall(WriteBlocks(h, "/gradient_check/params", f->net.layout, f->history.gc_params));
  PetscCall(WriteBlocks(h, "/gradient_check/grad", f->net.layout, f->history.gc_grad));
  PetscCall(H5OutDoubles(h, "/gradient_check/input", 3, dims, f->history.gc_input));
  PetscCall(H5OutDoubles(h, "/gradient_check/target", 3, tdims, f->history.gc_target));
  PetscCall(H5OutDoubles(h, "/gradient_check/output", 3, dims, f->history.gc_output));
  PetscCall(H5OutScalar(h, "/gradient_check/loss", f->history.gc_loss));
  PetscCall(H5OutAttrString(h, "/gradient_check", "loss_name", LossKinds[o->lcfg.kind]));
  PetscCall(H5OutAttrDouble(h, "/gradient_check", "vr_tau", o->lcfg.vr_tau));
  PetscCall(H5OutAttrDouble(h, "/gradient_check", "theta", o->mcfg.theta));
  PetscCall(H5OutAttrDouble(h, "/gradient_check", "input_gain", o->mcfg.input_gain));
  PetscCall(H5OutAttrDouble(h, "/gradient_check", "dt", o->dt));
  PetscCall(H5OutAttrString(h, "/gradient_check", "model", o->model_name));
  for (PetscInt k = 0; k < f->net.model->noptions; k++) /* the model's own options */
    PetscCall(H5OutAttrDouble(h, "/gradient_check", f->net.model->options[k].name, o->mcfg.opt[k]));
  PetscCall(H5OutAttrDouble(h, "/gradient_check", "progress", 0.0));
  {
    double w[LOSS_NTERMS];
    char   buf[256] = "", item[64];
    LossWeights(&o->lcfg, 0.0, w);
    for (int k = 0; k < LOSS_NTERMS; k++) {
      PetscCall(PetscSNPrintf(item, sizeof(item), "%s%s:%.17g", k ? "," : "", LossTermNames[k], w[k]));
      PetscCall(PetscStrlcat(buf, item, sizeof(buf)));
    }
    PetscCall(H5OutAttrString(h, "/gradient_check", "loss_weights", buf));
  }
  PetscCall(H5OutAttrInt(h, "/gradient_check", "hard_output", (int64_t)o->mcfg.hard_output));
  PetscCall(H5OutAttrInt(h, "/gradient_check", "teacher_forcing", (int64_t)o->lcfg.teacher_forcing));
  PetscFunctionReturn(0);
}

PetscErrorCode FitSaveGradientCheck(Fit *f, double loss)
{
  const FitOptions *o = f->cfg.opt;
  PetscInt          K, w0, n = f->net.layout->n, T = o->window_steps, P = f->net.P;
  SimWork          *w = f->thread[0].work;

  PetscFunctionBeginUser;
  WindowPartitionStep(f->cfg.part, 0, &w0, &K); /* the first step: windows [0, K) */
  (void)w0;
  f->history.gc_windows = K;
  PetscCall(PetscMalloc5(P, &f->history.gc_params, P, &f->history.gc_grad, K * T * n, &f->history.gc_input,
                         K * T * f->net.nrec, &f->history.gc_target, K * T * n, &f->history.gc_output));
  PetscCall(PetscArraycpy(f->history.gc_params, f->state.theta, P));
  PetscCall(PetscArraycpy(f->history.gc_grad, f->state.grad, P));
  f->history.gc_loss = loss;
  /* the windows are recomputed here (the simulation is deterministic), so no rank has to
   * send its windows anywhere */
  for (PetscInt win = 0; win < K; win++) {
    WindowKey k = WindowKeyTrain((uint64_t)o->input_seed, 0, win); /* the first iteration's */
    PetscCall(WindowSourceGet(f, &k, NULL, 0, NULL, f->history.gc_target + win * T * f->net.nrec));
    WindowKeyDrawInput(&k, n, T, f->state.theta[f->net.sim.offRp], o->dt, w->x);
    WindowKeyApply(&k, w);
    /* with teacher forcing: the output of the forced run (the likelihood's) */
    w->force  = o->lcfg.teacher_forcing ? f->history.gc_target + win * T * f->net.nrec : NULL;
    w->nforce = f->net.nrec;
    SimForward(&f->net.sim, f->state.theta, w);
    w->force = NULL;
    PetscCall(PetscArraycpy(f->history.gc_input + win * T * n, w->x, T * n));
    PetscCall(PetscArraycpy(f->history.gc_output + win * T * n, w->y, T * n));
  }
  f->history.gradient_saved = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/* /loss (per iteration, each term) and /distance (to the truth, per block and total). */
static PetscErrorCode WriteLossHistory(Fit *f, H5Out *h)
{
  hsize_t it = (hsize_t)f->state.done, it1 = (hsize_t)f->state.done + 1;
  double *col;

  PetscFunctionBeginUser;
  PetscCall(H5OutDoubles(h, "/loss/train", 1, &it, f->history.loss));
  PetscCall(H5OutDoubles(h, "/loss/grad_norm", 1, &it, f->history.gnorm));
  PetscCall(H5OutDoubles(h, "/loss/seconds", 1, &it, f->history.secs));
  if (f->history.vloss) PetscCall(H5OutDoubles(h, "/loss/validation", 1, &it, f->history.vloss));
  if (f->history.vloss && f->data->nvalid) { /* where the validation windows are (recording time) */
    hsize_t two   = 2;
    double  vs[2] = {f->data->valid_lo, f->data->valid_hi};
    PetscCall(H5OutDoubles(h, "/loss/validation_span_ms", 1, &two, vs));
  }
  PetscCall(PetscMalloc1(f->state.done + 1, &col));
  for (int k = 0; k < LOSS_NTERMS; k++) {
    char name[64];
    for (PetscInt i = 0; i < f->state.done; i++) col[i] = f->history.terms[i * LOSS_NTERMS + k];
    PetscCall(PetscSNPrintf(name, sizeof(name), "/loss/%s", LossTermNames[k]));
    PetscCall(H5OutDoubles(h, name, 1, &it, col));
  }
  if (f->history.dist) {
    PetscInt nb = f->net.layout->nblocks;
    for (PetscInt b = 0; b <= nb; b++) {
      char name[64];
      for (PetscInt i = 0; i <= f->state.done; i++) col[i] = f->history.dist[i * (nb + 1) + b];
      PetscCall(PetscSNPrintf(name, sizeof(name), "/distance/%s", b < nb ? f->net.layout->blocks[b].name : "total"));
      PetscCall(H5OutDoubles(h, name, 1, &it1, col));
    }
  }
  PetscCall(PetscFree(col));
  PetscFunctionReturn(0);
}

PetscErrorCode FitWriteCommon(Fit *f, H5Out *h)
{
  const FitOptions *o   = f->cfg.opt;
  char             *all = NULL;

  PetscFunctionBeginUser;
  PetscCall(PetscOptionsGetAll(NULL, &all));
  PetscCall(H5OutString(h, "/options", all ? all : ""));
  PetscCall(PetscFree(all));
  PetscCall(H5OutString(h, "/canonical_options", f->cfg.canonical));
  PetscCall(H5OutAttrString(h, "/", "model", o->model_name));
  if (f->net.sim.offLat >= 0) PetscCall(H5OutAttrDouble(h, "/", "latent_tau_ms", f->net.sim.cfg.latent_tau));
  PetscCall(H5OutAttrString(h, "/", "loss", LossKinds[o->lcfg.kind]));
  PetscCall(H5OutAttrInt(h, "/", "teacher_forcing", (int64_t)o->lcfg.teacher_forcing));
  PetscCall(H5OutAttrString(h, "/", "optim", OptimKinds[o->ocfg.kind]));
  PetscCall(H5OutAttrString(h, "/", "target", o->mode == TARGET_SYNTHETIC ? "synthetic" : "recorded"));
  PetscCall(H5OutAttrString(h, "/", "data", o->data));
  PetscCall(H5OutAttrInt(h, "/", "n", f->net.layout->n));
  PetscCall(H5OutAttrInt(h, "/", "recorded", f->net.nrec));
  PetscCall(H5OutAttrInt(h, "/", "hidden", f->net.layout->n - f->net.nrec));
  {
    int64_t hidden = f->net.layout->n - f->net.nrec;
    hsize_t one    = 1;
    PetscCall(H5OutInts(h, "/params/hidden", 1, &one, &hidden));
  }
  PetscCall(H5OutAttrInt(h, "/", "iterations", f->state.done));
  PetscCall(H5OutAttrInt(h, "/", "windows", f->net.nwindows));
  PetscCall(H5OutAttrInt(h, "/", "window_steps", o->window_steps));
  PetscCall(H5OutAttrDouble(h, "/", "dt", o->dt));
  PetscCall(H5OutAttrInt(h, "/", "mpi_ranks", f->cfg.par->gsize));
  PetscCall(H5OutAttrInt(h, "/", "omp_threads", f->cfg.nthreads));
  PetscCall(H5OutAttrInt(h, "/", "step_windows_per_rank", WindowPartitionStepLoad(f->cfg.part)));
  PetscCall(H5OutAttrString(
      h, "/", "r_p_gradient",
      "pathwise: x = r_p*dt/1000 + (x_drawn - r_p*dt/1000) with the bracket constant, dx/dr_p = dt/1000"));
  PetscCall(WriteBlocks(h, "/params/init", f->net.layout, f->state.theta0));
  PetscCall(WriteBlocks(h, "/params/final", f->net.layout, f->state.theta));
  { /* the blocks in layout order, so readers need no model's list (docs/FORMAT.md) */
    char names[PARAMS_MAX_BLOCKS * 17];
    PetscCall(ParamLayoutNames(f->net.layout, names, sizeof(names)));
    PetscCall(H5OutAttrString(h, "/params", "blocks", names));
  }
  /* the best parameters (FitTrain): by the validation loss, or without validation by the
   * training loss; before any iteration is scored, the final ones */
  PetscCall(WriteBlocks(h, "/params/best", f->net.layout, f->state.best_it >= 0 ? f->state.best : f->state.theta));
  PetscCall(H5OutAttrInt(h, "/params/best", "iteration", f->state.best_it >= 0 ? f->state.best_it : f->state.done));
  PetscCall(H5OutAttrDouble(h, "/params/best", "loss", f->state.best_it >= 0 ? f->state.best_loss : NAN));
  PetscCall(H5OutAttrString(h, "/params/best", "criterion",
                            f->state.best_it < 0 ? "none (the final parameters)"
                                                 : (f->history.vloss ? "validation loss" : "training loss")));
  PetscCall(H5OutAttrString(h, "/", "stopped",
                            f->state.diverged
                                ? "diverged (-fit_max_rollbacks spent)"
                                : (f->state.out_of_time ? "time budget (-fit_max_minutes)"
                                                        : (f->state.done < o->iters ? "interrupted" : "completed"))));
  PetscCall(H5OutAttrInt(h, "/", "rollbacks", f->state.rollbacks));
  PetscCall(H5OutAttrDouble(h, "/", "lr_scale", f->state.optim->scale));
  PetscCall(WriteExc(h, "/params/exc", f->net.layout));
  if (f->history.params)
    PetscCall(WriteHistory(h, "/params/history", f->net.layout, f->state.done + 1, f->history.params));
  if (f->data->has_truth) PetscCall(WriteBlocks(h, "/truth", f->net.tlayout, f->data->truth));
  PetscCall(WriteLossHistory(f, h));
  PetscFunctionReturn(0);
}

PetscErrorCode FitWriteResults(Fit *f)
{
  const FitOptions *o = f->cfg.opt;
  H5Out            *h;

  PetscFunctionBeginUser;
  PetscCall(PetscLogEventBegin(FIT_EVENT_IO, 0, 0, 0, 0));
  PetscCall(H5OutCreate(f->cfg.par->group, o->out, &h));
  PetscCall(H5OutAttrString(h, "/", "spikefit_format", "run"));
  PetscCall(FitWriteCommon(f, h));
  PetscCall(FitEvalWrite(f, h));
  if (f->history.gradient_saved) PetscCall(WriteGradientCheck(f, h));
  PetscCall(H5OutCommit(&h, NULL));
  PetscCall(PetscLogEventEnd(FIT_EVENT_IO, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

PetscErrorCode FitPrintSummary(Fit *f)
{
  MPI_Comm comm = f->cfg.par->group;
  PetscInt n    = f->net.nrec;
  double   peak;

  PetscFunctionBeginUser;
  PetscCall(ParallelMax(comm, ParallelPeakMemoryMB(), &peak));
  if (f->cfg.opt->quiet) PetscFunctionReturn(0);
  PetscCall(PetscPrintf(comm, "%speak memory per rank: %.1f MB (largest over %d ranks)\n", f->cfg.prefix, peak,
                        f->cfg.par->gsize));
  PetscCall(PetscPrintf(comm, "%ssummary: %" PetscInt_FMT " iterations, loss first %.6g last %.6g\n", f->cfg.prefix,
                        f->state.done, f->state.done ? f->history.loss[0] : NAN,
                        f->state.done ? f->history.loss[f->state.done - 1] : NAN));
  if (f->history.dist) {
    PetscInt nb = f->net.layout->nblocks;
    double   d0 = f->history.dist[nb], d1 = f->history.dist[f->state.done * (nb + 1) + nb];
    PetscCall(PetscPrintf(comm, "%sdistance to the truth: start %.6g end %.6g (relative %.4f)", f->cfg.prefix, d0, d1,
                          d0 > 0 ? d1 / d0 : NAN));
    for (PetscInt b = 0; b < nb; b++) {
      double b0 = f->history.dist[b], b1 = f->history.dist[f->state.done * (nb + 1) + b];
      if (b0 > 0) PetscCall(PetscPrintf(comm, "  %s %.3f", f->net.layout->blocks[b].name, b1 / b0));
      else PetscCall(PetscPrintf(comm, "  %s (started at the truth; now %.3g)", f->net.layout->blocks[b].name, b1));
    }
    PetscCall(PetscPrintf(comm, "\n"));
  }
  PetscCall(PetscPrintf(comm, "%srates (Hz) over the evaluation windows:\n%s  neuron   target   fitted  initial\n",
                        f->cfg.prefix, f->cfg.prefix));
  for (PetscInt i = 0; i < n && i < 64; i++)
    PetscCall(PetscPrintf(comm, "%s  %6" PetscInt_FMT " %8.2f %8.2f %8.2f\n", f->cfg.prefix, i,
                          f->history.rate_target[i], f->history.rate_fit[i], f->history.rate_init[i]));
  if (n > 64)
    PetscCall(
        PetscPrintf(comm, "%s  ... (%" PetscInt_FMT " neurons; all in /eval of the results file)\n", f->cfg.prefix, n));
  PetscCall(FitEvalPrint(f));
  PetscCall(PetscPrintf(comm, "%sresults: %s\n", f->cfg.prefix, f->cfg.opt->out));
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------ restarts */

static herr_t CopyAttr(hid_t loc, const char *name, const H5A_info_t *info, void *dst_ptr)
{
  hid_t dst = *(hid_t *)dst_ptr, a = H5Aopen(loc, name, H5P_DEFAULT), type = H5Aget_type(a), space = H5Aget_space(a), b;
  size_t size = H5Tget_size(type) * (size_t)H5Sget_simple_extent_npoints(space);
  void  *buf  = calloc(1, size + 1);
  herr_t st   = -1;
  (void)info;
  if (buf && H5Aread(a, type, buf) >= 0 && (b = H5Acreate2(dst, name, type, space, H5P_DEFAULT, H5P_DEFAULT)) >= 0) {
    st = H5Awrite(b, type, buf);
    H5Aclose(b);
  }
  free(buf);
  H5Sclose(space);
  H5Tclose(type);
  H5Aclose(a);
  return st < 0 ? -1 : 0;
}

static herr_t CopyLink(hid_t src, const char *name, const H5L_info_t *info, void *dst_ptr)
{
  (void)info;
  return H5Ocopy(src, name, *(hid_t *)dst_ptr, name, H5P_DEFAULT, H5P_DEFAULT) < 0 ? -1 : 0;
}

static PetscErrorCode MergeOnRoot(const char *out, PetscInt R)
{
  char     tmp[PETSC_MAX_PATH_LEN + 8], path[PETSC_MAX_PATH_LEN + 32];
  hid_t    dst, src;
  double  *last;
  PetscInt best = 0;
  hsize_t  dims = (hsize_t)R;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(R, &last));
  for (PetscInt k = 0; k < R; k++) {
    int     rank;
    hsize_t d[4];
    double *loss;
    PetscCall(PetscSNPrintf(path, sizeof(path), "%s.fit%" PetscInt_FMT, out, k));
    PetscCall(H5InOpen(path, &src));
    PetscCall(H5InShape(src, path, "/loss/train", &rank, d));
    PetscCall(PetscMalloc1(d[0] + 1, &loss));
    PetscCall(H5InDoubles(src, path, "/loss/train", d[0], loss));
    last[k] = d[0] ? loss[d[0] - 1] : INFINITY;
    PetscCall(PetscFree(loss));
    PetscCall(H5InClose(&src, path));
    if (last[k] < last[best]) best = k;
  }
  PetscCall(PetscSNPrintf(tmp, sizeof(tmp), "%s.tmp", out));
  dst = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  PetscCheck(dst >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "cannot create %s", tmp);
  for (PetscInt k = 0; k < R; k++) {
    char group[32];
    PetscCall(PetscSNPrintf(path, sizeof(path), "%s.fit%" PetscInt_FMT, out, k));
    PetscCall(PetscSNPrintf(group, sizeof(group), "fit_%" PetscInt_FMT, k));
    PetscCall(H5InOpen(path, &src));
    PetscCheck(H5Ocopy(src, ".", dst, group, H5P_DEFAULT, H5P_DEFAULT) >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE,
               "cannot copy %s into %s", path, tmp);
    if (k == best) {
      PetscCheck(H5Literate(src, H5_INDEX_NAME, H5_ITER_INC, NULL, CopyLink, &dst) >= 0, PETSC_COMM_SELF,
                 PETSC_ERR_FILE_WRITE, "cannot copy the best fit %s into %s", path, tmp);
      PetscCheck(H5Aiterate2(src, H5_INDEX_NAME, H5_ITER_INC, NULL, CopyAttr, &dst) >= 0, PETSC_COMM_SELF,
                 PETSC_ERR_FILE_WRITE, "cannot copy the attributes of %s", path);
    }
    PetscCall(H5InClose(&src, path));
  }
  {
    hid_t space = H5Screate_simple(1, &dims, NULL),
          d     = H5Dcreate2(dst, "/restart_final_loss", H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, last);
    H5Dclose(d);
    space = H5Screate(H5S_SCALAR);
    d     = H5Acreate2(dst, "restarts", H5T_NATIVE_INT64, space, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(d, H5T_NATIVE_INT64, &(int64_t){R});
    H5Aclose(d);
    d = H5Acreate2(dst, "best_fit", H5T_NATIVE_INT64, space, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(d, H5T_NATIVE_INT64, &(int64_t){best});
    H5Aclose(d);
    H5Sclose(space);
  }
  PetscCheck(H5Fclose(dst) >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot close %s", tmp);
  {
    int fd = open(tmp, O_RDONLY);
    PetscCheck(fd >= 0 && fsync(fd) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot sync %s", tmp);
    close(fd);
  }
  PetscCheck(rename(tmp, out) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot rename %s to %s", tmp, out);
  for (PetscInt k = 0; k < R; k++) {
    PetscCall(PetscSNPrintf(path, sizeof(path), "%s.fit%" PetscInt_FMT, out, k));
    unlink(path);
  }
  PetscCall(PetscPrintf(PETSC_COMM_SELF,
                        "restarts: %" PetscInt_FMT " fits in %s (/fit_<k>); best fit %" PetscInt_FMT
                        " (last loss %.6g) at the root\n",
                        R, out, best, last[best]));
  PetscCall(PetscFree(last));
  PetscFunctionReturn(0);
}

PetscErrorCode FitMergeRestarts(Parallel *par, const char *out, PetscInt R)
{
  PetscErrorCode ierr = 0;
  PetscBool      failed;

  PetscFunctionBeginUser;
  if (par->rank == 0) ierr = MergeOnRoot(out, R);
  PetscCall(ParallelAny(par->world, ierr ? PETSC_TRUE : PETSC_FALSE, &failed));
  PetscCheck(!failed, par->world, PETSC_ERR_FILE_WRITE, "could not join the restart files into %s", out);
  PetscFunctionReturn(0);
}
