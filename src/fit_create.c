/* The Fit object (include/fit_impl.h): the model and its simulation set-up, the per-thread
 * workspace, the initial parameters and the history, made from the options, the data and its
 * window partition, and freed again. */
#include "fit_impl.h"
#include "checkpoint.h"
#include "resources.h"
#include "fit_recipe.h"
#include <math.h>

/* Before any allocation: the largest buffers of a fit of this size, in double (the products
 * overflow PetscInt for large networks), against this machine's memory. */
static PetscErrorCode FitCheckMemory(const FitOptions *o, const FitData *data, int threads)
{
  double n = (double)data->n + (double)o->hidden, P = n * n + 8.0 * n, T = (double)o->window_steps;
  double B    = o->sim_batch > 0 && !o->use_ref ? (double)o->sim_batch : 1.0,
         hist = o->save_history ? (double)o->iters + 1.0 : 1.0;
  double bytes;
  char   what[256];

  PetscFunctionBeginUser;
  /* parameters, moments, gradients, history; per thread an exact accumulator and the tape of
   * a batch (state, aux, input and output of every step) */
  bytes = 8.0 * P * (8.0 + hist) + threads * (8.0 * P * (1.0 + FIXEDSUM_LIMBS) + 8.0 * 8.0 * B * T * n);
  PetscCall(PetscSNPrintf(what, sizeof(what),
                          "a fit of %.0f neurons (%" PetscInt_FMT " recorded + %" PetscInt_FMT
                          " hidden, -fit_hidden) with windows of %" PetscInt_FMT " steps and -sim_batch %.0f",
                          n, data->n, o->hidden, o->window_steps, B));
  PetscCall(ResourceCheckCount(PETSC_COMM_SELF, what, P));
  PetscCall(ResourceCheckCount(PETSC_COMM_SELF, what, B * T * n));
  PetscCall(ResourceCheckMemory(PETSC_COMM_SELF, what, bytes));
  PetscFunctionReturn(0);
}

/* The model of the recorded neurons and then the hidden ones (types unknown: free signs), its
 * simulation set-up, and a synthetic truth's. */
static PetscErrorCode FitModelSetup(Fit *f)
{
  FitOptions *o    = f->opt;
  FitData    *data = f->data;
  PetscInt    n = f->nm, T = o->window_steps, *mexc = NULL;

  PetscFunctionBeginUser;
  if (data->exc) {
    PetscCall(PetscMalloc1(n, &mexc));
    for (PetscInt i = 0; i < n; i++) mexc[i] = i < data->n ? data->exc[i] : -1;
  }
  PetscCall(ModelLayoutCreate(f->model, &o->mcfg, n, mexc, &f->layout));
  PetscCall(PetscFree(mexc));
  PetscCall(ParamLayoutSetFromOptions(f->layout));
  PetscCall(SimSetupInit(&f->sim, f->model, &o->mcfg, f->layout, T));
  f->sim.use_ref = o->use_ref;
  if (data->has_truth) {
    PetscCall(ModelLayoutCreate(f->model, &o->mcfg, data->ntruth, data->texc, &f->tlayout));
    PetscCall(SimSetupInit(&f->tsim, f->model, &o->mcfg, f->tlayout, T));
    f->tsim.use_ref = o->use_ref;
    /* only the truth's hard spikes (from the tape) are used: no soft output to compute */
    f->tsim.cfg.hard_output    = PETSC_TRUE;
    f->tsim.cfg.output_current = PETSC_FALSE;
  } else f->tsim = f->sim;
  f->P = f->layout->total;
  PetscFunctionReturn(0);
}

/* The per-thread workspace: batches, simulation work, exact accumulators, targets, uniforms,
 * the losses' scratch and the sm sums, one of each for the partition's threads. */
static PetscErrorCode FitWorkspaceCreate(Fit *f)
{
  FitOptions *o    = f->opt;
  FitData    *data = f->data;
  PetscInt    n = f->nm, T = o->window_steps, P = f->P;

  PetscFunctionBeginUser;
  if (o->sim_batch > 0 && !o->use_ref) {
    PetscCall(PetscCalloc1(f->nthreads, &f->batch));
    for (int t = 0; t < f->nthreads; t++)
      PetscCall(
          SimBatchCreate(&f->sim, o->sim_batch, o->sim_tape_stride, (SimPrecision)o->sim_precision, &f->batch[t]));
    if (o->mode == TARGET_SYNTHETIC && data->has_truth) {
      /* forward only: a full tape for few neurons, else a strided one of about sqrt(T) steps */
      PetscInt stride = data->ntruth < SIM_SMALL_N ? 0 : (PetscInt)ceil(sqrt((double)T));
      PetscCall(PetscCalloc1(f->nthreads, &f->tbatch));
      for (int t = 0; t < f->nthreads; t++)
        PetscCall(SimBatchCreate(&f->tsim, o->sim_batch, stride, SIM_DOUBLE, &f->tbatch[t]));
    }
  }
  PetscCall(PetscCalloc6(f->nthreads, &f->work, f->nthreads, &f->twork, f->nthreads, &f->acc, f->nthreads, &f->gbuf,
                         f->nthreads, &f->target, P + 1 + LOSS_NTERMS, &f->gfull));
  for (int t = 0; t < f->nthreads; t++) {
    PetscCall(SimWorkCreate(&f->sim, &f->work[t]));
    PetscCall(SimWorkCreate(&f->tsim, &f->twork[t]));
    PetscCall(FixedSumCreate(P + 1 + LOSS_NTERMS, &f->acc[t]));
    PetscCall(PetscMalloc1(P + 1 + LOSS_NTERMS, &f->gbuf[t]));
    PetscCall(PetscMalloc1(T * n, &f->target[t]));
  }
  if (f->batch) { /* a batch's targets: computed (synthetic) or pointers into the recording */
    PetscCall(PetscCalloc2(f->nthreads, &f->btarget, f->nthreads, &f->bsrc));
    for (int t = 0; t < f->nthreads; t++) {
      if (o->mode == TARGET_SYNTHETIC) PetscCall(PetscMalloc1((size_t)o->sim_batch * T * f->nrec, &f->btarget[t]));
      PetscCall(PetscCalloc1(o->sim_batch, &f->bsrc[t]));
    }
  }
  /* the uniforms of one window's input, shared by the model and a synthetic truth */
  f->nuni = PetscMax(n, f->tsim.n);
  PetscCall(PetscCalloc1(f->nthreads, &f->uni));
  for (int t = 0; t < f->nthreads; t++) PetscCall(PetscMalloc1((size_t)T * f->nuni, &f->uni[t]));
  PetscCall(PetscCalloc1(f->nthreads, &f->lwork));
  for (int t = 0; t < f->nthreads; t++) PetscCall(PetscMalloc1(3 * T * f->nrec, &f->lwork[t]));
  if (LossUsesSM(&o->lcfg)) {
    PetscCall(LossSMShapeInit(&o->lcfg, f->nrec, f->nm - f->nrec, T, &f->smsh));
    PetscCall(LossSMStatsCreate(&f->smsh, &f->sm));
    PetscCall(PetscCalloc2(f->nthreads, &f->smacc, f->nthreads, &f->smbuf));
    PetscCall(PetscMalloc1(f->smsh.len, &f->smsums));
    for (int t = 0; t < f->nthreads; t++) {
      PetscCall(FixedSumCreate(f->smsh.len, &f->smacc[t]));
      PetscCall(PetscMalloc1(f->smsh.len, &f->smbuf[t]));
    }
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode FitWorkspaceDestroy(Fit *f)
{
  PetscFunctionBeginUser;
  if (f->batch)
    for (int t = 0; t < f->nthreads; t++) PetscCall(SimBatchDestroy(&f->batch[t]));
  PetscCall(PetscFree(f->batch));
  if (f->tbatch)
    for (int t = 0; t < f->nthreads; t++) PetscCall(SimBatchDestroy(&f->tbatch[t]));
  PetscCall(PetscFree(f->tbatch));
  for (int t = 0; t < f->nthreads; t++) {
    PetscCall(SimWorkDestroy(&f->work[t]));
    PetscCall(SimWorkDestroy(&f->twork[t]));
    PetscCall(FixedSumDestroy(&f->acc[t]));
    PetscCall(PetscFree(f->gbuf[t]));
    PetscCall(PetscFree(f->target[t]));
  }
  PetscCall(PetscFree6(f->work, f->twork, f->acc, f->gbuf, f->target, f->gfull));
  for (int t = 0; t < f->nthreads; t++) PetscCall(PetscFree(f->lwork[t]));
  PetscCall(PetscFree(f->lwork));
  if (f->btarget) {
    for (int t = 0; t < f->nthreads; t++) {
      PetscCall(PetscFree(f->btarget[t]));
      PetscCall(PetscFree(f->bsrc[t]));
    }
    PetscCall(PetscFree2(f->btarget, f->bsrc));
  }
  PetscCall(FitValidationCacheDestroy(f));
  for (int t = 0; t < f->nthreads && f->uni; t++) PetscCall(PetscFree(f->uni[t]));
  PetscCall(PetscFree(f->uni));
  if (f->sm) {
    for (int t = 0; t < f->nthreads; t++) {
      PetscCall(FixedSumDestroy(&f->smacc[t]));
      PetscCall(PetscFree(f->smbuf[t]));
    }
    PetscCall(PetscFree2(f->smacc, f->smbuf));
    PetscCall(PetscFree(f->smsums));
    PetscCall(LossSMStatsDestroy(&f->sm));
  }
  PetscFunctionReturn(0);
}

/* The initial parameters of restart k: drawn from the initial ranges, projected, and with
 * -fit_init_rates set to the recorded rates. */
static PetscErrorCode FitInitialParams(Fit *f)
{
  FitOptions *o    = f->opt;
  FitData    *data = f->data;
  PetscInt    T = o->window_steps, P = f->P;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc3(P, &f->theta, P, &f->theta0, P, &f->grad));
  ParamsDrawInitial(f->layout, (uint64_t)(o->seed + f->restart), f->theta);
  ParamsProject(f->layout, f->theta);
  if (o->init_rates) {
    double mean = 0;
    PetscCheck(data->rate_hz, f->par->group, PETSC_ERR_ARG_INCOMP,
               "-fit_init_rates sets each neuron's initial rate from a recording: %s is fitted as a ground truth",
               o->data);
    for (PetscInt i = 0; i < f->nrec; i++) mean += data->rate_hz[i] / (double)f->nrec;
    /* hidden neurons start at the recorded mean; silent units at one spike per fitted span */
    PetscCall(FitRecipeInitRates(f->layout, &o->mcfg, f->nrec, data->rate_hz,
                                 o->lcfg.sm_hidden_rate >= 0 ? o->lcfg.sm_hidden_rate : mean,
                                 1000.0 / (f->nwindows * T * o->dt), f->theta));
  }
  PetscCall(PetscArraycpy(f->theta0, f->theta, P));
  PetscFunctionReturn(0);
}

/* The history (losses, parameters, distances to the truth), the optimiser and the identity. */
static PetscErrorCode FitHistoryCreate(Fit *f)
{
  FitOptions *o    = f->opt;
  FitData    *data = f->data;
  PetscInt    n = f->nm, P = f->P;

  PetscFunctionBeginUser;
  PetscCall(PetscCalloc4(o->iters + 1, &f->loss, (o->iters + 1) * LOSS_NTERMS, &f->terms, o->iters + 1, &f->gnorm,
                         o->iters + 1, &f->secs));
  if (o->save_history) PetscCall(PetscCalloc1((o->iters + 1) * P, &f->hist));
  if (o->validate && FitEvalWindows(f) > 0) PetscCall(PetscCalloc1(o->iters + 1, &f->vloss));
  /* distances to the truth need the same layout (no hidden part of the truth left out) */
  if (data->has_truth && data->ntruth == n)
    PetscCall(PetscCalloc1((o->iters + 1) * (f->layout->nblocks + 1), &f->dist));
  FitRecordParams(f, 0);
  PetscCall(OptimCreate(f->par->group, &o->ocfg, P, f->theta, f->layout->lo, f->layout->hi, &f->optim));
  PetscCall(FitCheckpointIdentity(f));
  f->best_it = -1;
  PetscCall(PetscMalloc1(P, &f->best));
  PetscFunctionReturn(0);
}

PetscErrorCode FitCreate(FitOptions *o, Parallel *par, FitData *data, PetscInt restart, Fit **out)
{
  Fit     *f;
  PetscInt T = o->window_steps;

  PetscFunctionBeginUser;
  PetscCall(PetscNew(&f));
  f->opt     = o;
  f->par     = par;
  f->data    = data;
  f->restart = restart;
  if (o->restarts > 1) PetscCall(PetscSNPrintf(f->prefix, sizeof(f->prefix), "[fit %" PetscInt_FMT "] ", restart));
  PetscCall(ModelFind(o->model_name, &f->model));
  f->nrec = data->n;
  PetscCall(FitCheckMemory(o, data, par->threads));
  f->nm = data->n + o->hidden;
  PetscCall(FitModelSetup(f));
  f->nwindows = o->mode == TARGET_SYNTHETIC ? o->windows : data->nwindows;
  PetscCheck(o->mode == TARGET_RECORDED || f->nwindows > 0, par->group, PETSC_ERR_ARG_OUTOFRANGE,
             "-fit_windows must be positive for a synthetic target, got %" PetscInt_FMT, o->windows);
  PetscCheck(f->nwindows > 0, par->group, PETSC_ERR_ARG_OUTOFRANGE,
             "the fit has no windows: %s holds no whole window of %" PetscInt_FMT " steps in the fitting span", o->data,
             T);
  f->part     = data->part;
  f->nthreads = f->part->threads;
  PetscCheck(o->sim_batch >= 0, par->group, PETSC_ERR_ARG_OUTOFRANGE,
             "-sim_batch must be >= 0 (0: one window at a time), got %" PetscInt_FMT, o->sim_batch);
  PetscCheck(o->sim_tape_stride >= 0, par->group, PETSC_ERR_ARG_OUTOFRANGE,
             "-sim_tape_stride must be >= 0 (0: the full tape), got %" PetscInt_FMT, o->sim_tape_stride);
  PetscCall(FitWorkspaceCreate(f));
  if (o->lcfg.teacher_forcing) f->free_pass = LossSplitForced(&o->lcfg, &f->lforced, &f->lfree);
  PetscCall(FitInitialParams(f));
  PetscCall(FitHistoryCreate(f));
  *out = f;
  PetscFunctionReturn(0);
}

PetscErrorCode FitDestroy(Fit **fp)
{
  Fit *f;
  PetscFunctionBeginUser;
  if (!fp || !*fp) PetscFunctionReturn(0);
  f = *fp;
  PetscCall(FitWorkspaceDestroy(f));
  PetscCall(ParamLayoutDestroy(&f->tlayout));
  PetscCall(PetscFree3(f->theta, f->theta0, f->grad));
  PetscCall(PetscFree(f->best));
  PetscCall(PetscFree4(f->loss, f->terms, f->gnorm, f->secs));
  PetscCall(PetscFree(f->hist));
  PetscCall(PetscFree(f->vloss));
  PetscCall(PetscFree(f->dist));
  PetscCall(PetscFree3(f->rate_target, f->rate_fit, f->rate_init));
  PetscCall(PetscFree5(f->gc_params, f->gc_grad, f->gc_input, f->gc_target, f->gc_output));
  PetscCall(OptimDestroy(&f->optim));
  PetscCall(ParamLayoutDestroy(&f->layout));
  PetscCall(PetscFree(*fp));
  PetscFunctionReturn(0);
}
