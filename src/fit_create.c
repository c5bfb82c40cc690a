/* The Fit object (include/fit_impl.h): the model and its simulation set-up, the per-thread
 * workspace, the initial parameters and the history, made from the options, the data and its
 * window partition, and freed again. */
#include "fit_impl.h"
#include "fit_latent.h"
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

static PetscErrorCode FitLatentResolve(Fit *f, ModelConfig *cfg);

/* The model of the recorded neurons and then the hidden ones (types unknown: free signs), its
 * simulation set-up, and a synthetic truth's. */
static PetscErrorCode FitModelSetup(Fit *f)
{
  FitOptions *o    = f->cfg.opt;
  FitData    *data = f->data;
  PetscInt    n = f->net.nm, T = o->window_steps, *mexc = NULL;
  ModelConfig mcfg = o->mcfg; /* with the latent input's time constant resolved */

  PetscFunctionBeginUser;
  if (data->exc) {
    PetscCall(PetscMalloc1(n, &mexc));
    for (PetscInt i = 0; i < n; i++) mexc[i] = i < data->n ? data->exc[i] : -1;
  }
  PetscCall(FitLatentResolve(f, &mcfg));
  PetscCall(ModelLayoutCreate(f->net.model, &mcfg, n, mexc, &f->net.layout));
  PetscCall(PetscFree(mexc));
  PetscCall(ParamLayoutSetFromOptions(f->net.layout));
  PetscCall(SimSetupInit(&f->net.sim, f->net.model, &mcfg, f->net.layout, T));
  f->net.sim.use_ref = o->use_ref;
  if (data->has_truth) {
    ModelConfig tcfg = ModelConfigOfTruth(&o->mcfg);
    PetscCall(ModelLayoutCreate(f->net.model, &tcfg, data->ntruth, data->texc, &f->net.tlayout));
    PetscCall(SimSetupInit(&f->net.tsim, f->net.model, &tcfg, f->net.tlayout, T));
    f->net.tsim.use_ref = o->use_ref;
    /* only the truth's hard spikes (from the tape) are used: no soft output to compute */
    f->net.tsim.cfg.hard_output    = PETSC_TRUE;
    f->net.tsim.cfg.output_current = PETSC_FALSE;
  } else f->net.tsim = f->net.sim;
  f->net.P    = f->net.layout->total;
  f->net.nuni = PetscMax(n, f->net.tsim.n);
  PetscFunctionReturn(0);
}

/* The model part: the model, its sizes and set-ups, the fit's window count, the loss split. */
static PetscErrorCode FitNetCreate(Fit *f)
{
  FitOptions *o    = f->cfg.opt;
  FitData    *data = f->data;
  Parallel   *par  = f->cfg.par;

  PetscFunctionBeginUser;
  PetscCall(ModelFind(o->model_name, &f->net.model));
  PetscCall(FitCheckMemory(o, data, par->threads));
  f->net.nrec = data->n;
  f->net.nm   = data->n + o->hidden;
  PetscCall(FitModelSetup(f));
  f->net.nwindows = o->mode == TARGET_SYNTHETIC ? o->windows : data->nwindows;
  PetscCheck(o->mode == TARGET_RECORDED || f->net.nwindows > 0, par->group, PETSC_ERR_ARG_OUTOFRANGE,
             "-fit_windows must be positive for a synthetic target, got %" PetscInt_FMT, o->windows);
  PetscCheck(f->net.nwindows > 0, par->group, PETSC_ERR_ARG_OUTOFRANGE,
             "the fit has no windows: %s holds no whole window of %" PetscInt_FMT " steps in the fitting span", o->data,
             o->window_steps);
  if (o->lcfg.teacher_forcing) f->net.free_pass = LossSplitForced(&o->lcfg, &f->net.lforced, &f->net.lfree);
  PetscFunctionReturn(0);
}

static PetscErrorCode FitNetDestroy(FitNet *net)
{
  PetscFunctionBeginUser;
  PetscCall(ParamLayoutDestroy(&net->tlayout));
  PetscCall(ParamLayoutDestroy(&net->layout));
  PetscFunctionReturn(0);
}

/* Windows per batch: -sim_batch B, or 1 (-sim_batch 0, -sim_ref: one window at a time). */
static PetscInt FitBatchSize(const FitOptions *o) { return o->sim_batch > 0 && !o->use_ref ? o->sim_batch : 1; }

/* One thread's buffers: the batches, one window's simulation work, the exact accumulators,
 * targets, uniforms, the losses' scratch, the sm sums and the validation sums. */
static PetscErrorCode ThreadCreate(const Fit *f, FitThread *w)
{
  const FitOptions *o    = f->cfg.opt;
  const FitData    *data = f->data;
  PetscInt          n = f->net.nm, T = o->window_steps, P = f->net.P, B = FitBatchSize(o);
  PetscInt          vlen = 1 + (f->state.sm ? f->net.smsh.len : 0);

  PetscFunctionBeginUser;
  /* -sim_ref: the reference loops in double (SimSetup.use_ref) */
  PetscCall(SimBatchCreate(&f->net.sim, B, o->sim_tape_stride, o->use_ref ? SIM_DOUBLE : (SimPrecision)o->sim_precision,
                           &w->batch));
  if (o->mode == TARGET_SYNTHETIC && data->has_truth) {
    /* forward only: a full tape for few neurons, else a strided one of about sqrt(T) steps */
    PetscInt stride = data->ntruth < SIM_SMALL_N ? 0 : (PetscInt)ceil(sqrt((double)T));
    PetscCall(SimBatchCreate(&f->net.tsim, B, stride, SIM_DOUBLE, &w->tbatch));
  }
  /* a batch's targets: computed (synthetic) or pointers into the recording */
  if (o->mode == TARGET_SYNTHETIC) PetscCall(PetscMalloc1((size_t)B * T * f->net.nrec, &w->btarget));
  PetscCall(PetscCalloc1(B, &w->bsrc));
  PetscCall(SimWorkCreate(&f->net.sim, &w->work));
  PetscCall(SimWorkCreate(&f->net.tsim, &w->twork));
  PetscCall(FixedSumCreate(P + 1 + LOSS_NTERMS, &w->acc));
  PetscCall(PetscMalloc1(P + 1 + LOSS_NTERMS, &w->gbuf));
  PetscCall(PetscMalloc1(T * n, &w->target));
  /* the uniforms of one window's input, shared by the model and a synthetic truth */
  PetscCall(PetscMalloc1((size_t)T * f->net.nuni, &w->uni));
  PetscCall(PetscMalloc1(3 * T * f->net.nrec, &w->lwork));
  if (f->state.sm) {
    PetscCall(FixedSumCreate(f->net.smsh.len, &w->smacc));
    PetscCall(PetscMalloc1(f->net.smsh.len, &w->smbuf));
  }
  if (o->validate && FitEvalWindows(f) > 0) {
    PetscInt stride = n < SIM_SMALL_N ? 0 : (PetscInt)ceil(sqrt((double)T));
    PetscCall(SimBatchCreate(&f->net.sim, 1, stride, SIM_DOUBLE, &w->vbatch));
  }
  PetscCall(FixedSumCreate(vlen, &w->vacc));
  PetscCall(PetscMalloc1(vlen, &w->vbuf));
  PetscFunctionReturn(0);
}

static PetscErrorCode ThreadDestroy(FitThread *w)
{
  PetscFunctionBeginUser;
  PetscCall(SimBatchDestroy(&w->batch));
  PetscCall(SimBatchDestroy(&w->tbatch));
  PetscCall(PetscFree(w->btarget));
  PetscCall(PetscFree(w->bsrc));
  PetscCall(SimWorkDestroy(&w->work));
  PetscCall(SimWorkDestroy(&w->twork));
  PetscCall(FixedSumDestroy(&w->acc));
  PetscCall(PetscFree(w->gbuf));
  PetscCall(PetscFree(w->target));
  PetscCall(PetscFree(w->uni));
  PetscCall(PetscFree(w->lwork));
  PetscCall(FixedSumDestroy(&w->smacc));
  PetscCall(PetscFree(w->smbuf));
  PetscCall(SimBatchDestroy(&w->vbatch));
  PetscCall(FixedSumDestroy(&w->vacc));
  PetscCall(PetscFree(w->vbuf));
  PetscFunctionReturn(0);
}

PetscErrorCode FitThreadCreate(const Fit *f, FitThread **out)
{
  FitThread *w;

  PetscFunctionBeginUser;
  PetscCall(PetscCalloc1(f->cfg.nthreads, &w));
  for (int t = 0; t < f->cfg.nthreads; t++) PetscCall(ThreadCreate(f, &w[t]));
  *out = w;
  PetscFunctionReturn(0);
}

PetscErrorCode FitThreadDestroy(int nthreads, FitThread **tp)
{
  PetscFunctionBeginUser;
  if (!tp || !*tp) PetscFunctionReturn(0);
  for (int t = 0; t < nthreads; t++) PetscCall(ThreadDestroy(&(*tp)[t]));
  PetscCall(PetscFree(*tp));
  PetscFunctionReturn(0);
}

/* The step's shared sums (the reduced gradient, sm's statistics) and the per-thread workspace. */
static PetscErrorCode FitWorkspaceCreate(Fit *f)
{
  FitOptions *o = f->cfg.opt;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(f->net.P + 1 + LOSS_NTERMS, &f->state.gfull));
  if (LossUsesSM(&o->lcfg)) {
    PetscCall(LossSMShapeInit(&o->lcfg, f->net.nrec, f->net.nm - f->net.nrec, o->window_steps, &f->net.smsh));
    PetscCall(LossSMStatsCreate(&f->net.smsh, &f->state.sm));
    PetscCall(PetscMalloc1(f->net.smsh.len, &f->state.smsums));
  }
  PetscCall(FitThreadCreate(f, &f->thread));
  PetscFunctionReturn(0);
}

/* -model_latent_tau -1: the time constant from the training windows, printed; the options keep -1. */
static PetscErrorCode FitLatentResolve(Fit *f, ModelConfig *cfg)
{
  PetscFunctionBeginUser;
  if (cfg->latent_tau >= 0) PetscFunctionReturn(0);
  PetscCheck(f->data->target, f->cfg.par->group, PETSC_ERR_ARG_INCOMP,
             "-model_latent_tau -1 takes the time constant from a recording: %s is fitted as a ground truth (give MS)",
             f->cfg.opt->data);
  PetscCall(FitLatentTimeConstant(f->cfg.par, f->data, f->cfg.opt->window_steps, f->cfg.opt->dt, &cfg->latent_tau));
  /* correlated over two bins at most: no co-modulation slower than what synaptic traces
   * (<= 20 ms) through the membrane give, which the coupling reproduces; a fast latent would
   * only add noise */
  if (cfg->latent_tau <= LATENT_MIN_TAU_MS) {
    if (f->cfg.restart == 0)
      PetscCall(PetscPrintf(f->cfg.par->world,
                            "latent: none (the population's %.0f ms counts are correlated over %.0f ms, not longer than "
                            "%.0f ms: no co-modulation slower than the coupling's; -model_latent_tau)\n",
                            EVAL_BIN_MS, cfg->latent_tau, LATENT_MIN_TAU_MS));
    cfg->latent_tau = 0;
    PetscFunctionReturn(0);
  }
  if (f->cfg.restart == 0)
    PetscCall(PetscPrintf(f->cfg.par->world,
                          "latent: time constant %.0f ms (the correlation time of the population's 20 ms counts over "
                          "the training windows; -model_latent_tau)\n",
                          cfg->latent_tau));
  PetscFunctionReturn(0);
}

/* -fit_init_latent: the loadings matched to the training windows' count covariance. */
static PetscErrorCode FitInitialLatent(Fit *f)
{
  PetscInt n = f->data->n;
  double  *mean, *cov, *c;

  PetscFunctionBeginUser;
  PetscCheck(f->data->target, f->cfg.par->group, PETSC_ERR_ARG_INCOMP,
             "-fit_init_latent matches a recording's co-modulation: %s is fitted as a ground truth", f->cfg.opt->data);
  PetscCall(PetscMalloc3(n, &mean, n * n, &cov, n, &c));
  PetscCall(FitLatentCountStats(f->cfg.par, f->data, f->cfg.opt->window_steps, f->cfg.opt->dt, mean, cov));
  FitLatentLoadings(n, mean, cov, c);
  PetscCall(FitLatentApply(f->net.layout, f->net.nrec, c, f->state.theta));
  PetscCall(PetscFree3(mean, cov, c));
  PetscFunctionReturn(0);
}

/* The optimiser's state: the initial parameters of restart k (drawn from the initial ranges,
 * projected, and with -fit_init_rates set to the recorded rates), the optimiser, the best ones. */
static PetscErrorCode FitStateCreate(Fit *f)
{
  FitOptions *o    = f->cfg.opt;
  FitData    *data = f->data;
  PetscInt    T = o->window_steps, P = f->net.P;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc3(P, &f->state.theta, P, &f->state.theta0, P, &f->state.grad));
  ParamsDrawInitial(f->net.layout, (uint64_t)(o->seed + f->cfg.restart), f->state.theta);
  ParamsProject(f->net.layout, f->state.theta);
  if (o->init_rates) {
    double mean = 0;
    PetscCheck(data->rate_hz, f->cfg.par->group, PETSC_ERR_ARG_INCOMP,
               "-fit_init_rates sets each neuron's initial rate from a recording: %s is fitted as a ground truth",
               o->data);
    for (PetscInt i = 0; i < f->net.nrec; i++) mean += data->rate_hz[i] / (double)f->net.nrec;
    /* hidden neurons start at the recorded mean; silent units at one spike per fitted span */
    PetscCall(FitRecipeInitRates(f->net.layout, &o->mcfg, f->net.nrec, data->rate_hz,
                                 o->lcfg.sm_hidden_rate >= 0 ? o->lcfg.sm_hidden_rate : mean,
                                 1000.0 / (f->net.nwindows * T * o->dt), f->state.theta));
  }
  /* with -model_latent_tau -1 resolved to none there are no loadings to set */
  if (o->init_latent && !(o->mcfg.latent_tau < 0 && f->net.sim.offLat < 0)) PetscCall(FitInitialLatent(f));
  PetscCall(PetscArraycpy(f->state.theta0, f->state.theta, P));
  PetscCall(OptimCreate(f->cfg.par->group, &o->ocfg, P, f->state.theta, f->net.layout->lo, f->net.layout->hi,
                        &f->state.optim));
  f->state.best_it = -1;
  PetscCall(PetscMalloc1(P, &f->state.best));
  PetscFunctionReturn(0);
}

static PetscErrorCode FitStateDestroy(FitState *s)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree3(s->theta, s->theta0, s->grad));
  PetscCall(PetscFree(s->gfull));
  PetscCall(OptimDestroy(&s->optim));
  PetscCall(LossSMStatsDestroy(&s->sm));
  PetscCall(PetscFree(s->smsums));
  PetscCall(PetscFree(s->best));
  PetscFunctionReturn(0);
}

/* The history: losses, parameters, distances to the truth. */
static PetscErrorCode FitHistoryCreate(Fit *f)
{
  FitOptions *o    = f->cfg.opt;
  FitData    *data = f->data;
  PetscInt    n = f->net.nm, P = f->net.P;

  PetscFunctionBeginUser;
  PetscCall(PetscCalloc4(o->iters + 1, &f->history.loss, (o->iters + 1) * LOSS_NTERMS, &f->history.terms, o->iters + 1,
                         &f->history.gnorm, o->iters + 1, &f->history.secs));
  if (o->save_history) PetscCall(PetscCalloc1((o->iters + 1) * P, &f->history.params));
  if (o->validate && FitEvalWindows(f) > 0) PetscCall(PetscCalloc1(o->iters + 1, &f->history.vloss));
  /* distances to the truth need the same layout (no hidden part of the truth left out) */
  if (data->has_truth && data->ntruth == n && f->net.tlayout->total == f->net.P)
    PetscCall(PetscCalloc1((o->iters + 1) * (f->net.layout->nblocks + 1), &f->history.dist));
  FitRecordParams(f, 0);
  PetscFunctionReturn(0);
}

static PetscErrorCode FitHistoryDestroy(FitHistory *h)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree4(h->loss, h->terms, h->gnorm, h->secs));
  PetscCall(PetscFree(h->params));
  PetscCall(PetscFree(h->vloss));
  PetscCall(PetscFree(h->dist));
  PetscCall(PetscFree3(h->rate_target, h->rate_fit, h->rate_init));
  PetscCall(PetscFree5(h->gc_params, h->gc_grad, h->gc_input, h->gc_target, h->gc_output));
  PetscFunctionReturn(0);
}

/* The configuration: the options, the rank group, the restart and the data's partition. */
static PetscErrorCode FitConfigInit(Fit *f, FitOptions *o, Parallel *par, FitData *data, PetscInt restart)
{
  PetscFunctionBeginUser;
  f->cfg.opt     = o;
  f->cfg.par     = par;
  f->cfg.restart = restart;
  f->data        = data;
  if (o->restarts > 1)
    PetscCall(PetscSNPrintf(f->cfg.prefix, sizeof(f->cfg.prefix), "[fit %" PetscInt_FMT "] ", restart));
  f->cfg.part     = data->part;
  f->cfg.nthreads = f->cfg.part->threads;
  PetscCheck(o->sim_batch >= 0, par->group, PETSC_ERR_ARG_OUTOFRANGE,
             "-sim_batch must be >= 0 (0: one window at a time), got %" PetscInt_FMT, o->sim_batch);
  PetscCheck(o->sim_tape_stride >= 0, par->group, PETSC_ERR_ARG_OUTOFRANGE,
             "-sim_tape_stride must be >= 0 (0: the full tape), got %" PetscInt_FMT, o->sim_tape_stride);
  PetscFunctionReturn(0);
}

PetscErrorCode FitCreate(FitOptions *o, Parallel *par, FitData *data, PetscInt restart, Fit **out)
{
  Fit *f;

  PetscFunctionBeginUser;
  PetscCall(PetscNew(&f));
  PetscCall(FitConfigInit(f, o, par, data, restart));
  PetscCall(FitNetCreate(f));
  PetscCall(FitWorkspaceCreate(f));
  PetscCall(FitStateCreate(f));
  PetscCall(FitHistoryCreate(f));
  PetscCall(FitCheckpointIdentity(f));
  *out = f;
  PetscFunctionReturn(0);
}

PetscErrorCode FitDestroy(Fit **fp)
{
  Fit *f;

  PetscFunctionBeginUser;
  if (!fp || !*fp) PetscFunctionReturn(0);
  f = *fp;
  PetscCall(FitThreadDestroy(f->cfg.nthreads, &f->thread));
  PetscCall(FitValidationCacheDestroy(f));
  PetscCall(FitHistoryDestroy(&f->history));
  PetscCall(FitStateDestroy(&f->state));
  PetscCall(FitNetDestroy(&f->net));
  PetscCall(PetscFree(*fp));
  PetscFunctionReturn(0);
}
