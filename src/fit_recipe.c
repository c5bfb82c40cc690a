/* The default recipe for a recording (docs/RESULTS.md "Recordings: the default recipe" has
 * the ablations behind each choice). */
#include "fit_recipe.h"
#include <math.h>

#define RECIPE_STEPS 18 /* optimiser steps per iteration (pass over the fitting span) */
#define RECIPE_MIN_K 16 /* windows per optimiser step at least: sm's statistics need samples */
/* Below this many neurons a batch of 4 windows runs as fast per window as one of 16
 * (bench/RESULTS.md, issue 15), so the recipe simulates 4 together and a step's windows are
 * several chunks that ranks and threads share; above it the products need B = 16. */
#define RECIPE_SMALL_BATCH_N 256
#define RECIPE_SMALL_BATCH   4

void FitRecipeRateSummary(const RecordingStats *st, double *mean, double *max, double *sparse)
{
  double s = 0, m = 0, k = 0;
  for (PetscInt i = 0; i < st->n; i++) {
    s += st->rate_hz[i];
    m = PetscMax(m, st->rate_hz[i]);
    k += st->rate_hz[i] < 1.0;
  }
  *mean   = st->n ? s / (double)st->n : 0;
  *max    = m;
  *sparse = st->n ? k / (double)st->n : 0;
}

/* Work of one iteration relative to 1 neuron-second: the per-neuron updates and the n x n
 * recurrent products (measured on this machine, bench/RESULTS.md). */
static double IterationWork(PetscInt nm, double span_ms)
{
  return (double)nm * (1.0 + (double)nm / 64.0) * span_ms / 1000.0;
}

PetscInt FitRecipeIterations(PetscInt nm, double span_ms)
{
  /* RECIPE_WORK neuron-seconds fit the budget (8 min for 100 units over 27 min, 2 ranks) */
  const double budget = 2.4e6;
  double       it     = floor(budget / PetscMax(IterationWork(nm, span_ms), 1.0));
  return (PetscInt)PetscMin(PetscMax(it, 3.0), 10.0);
}

/* Whether any option of a NULL-terminated group is in the options database. */
static PetscErrorCode GroupGiven(const char *const group[], PetscBool *given)
{
  PetscFunctionBeginUser;
  *given = PETSC_FALSE;
  for (PetscInt k = 0; group[k] && !*given; k++) PetscCall(PetscOptionsHasName(NULL, NULL, group[k], given));
  PetscFunctionReturn(0);
}

/* Sets name to value unless it is given or its group was (group_given); prints the choice
 * and appends it to summary. */
static PetscErrorCode Choose(MPI_Comm comm, PetscBool group_given, const char *name, const char *value, const char *why,
                             char *summary, size_t len)
{
  PetscBool given = group_given;
  char      item[256];

  PetscFunctionBeginUser;
  if (!given) PetscCall(PetscOptionsHasName(NULL, NULL, name, &given));
  if (given) {
    PetscCall(
        PetscPrintf(comm, "recipe: %s not chosen (%s)\n", name, group_given ? "options of its group given" : "given"));
    PetscFunctionReturn(0);
  }
  PetscCall(PetscOptionsSetValue(NULL, name, value));
  PetscCall(PetscPrintf(comm, "recipe: %s %s (%s)\n", name, value, why));
  PetscCall(PetscSNPrintf(item, sizeof(item), "%s%s=%s", summary[0] ? " " : "", name + 1, value));
  PetscCall(PetscStrlcat(summary, item, len));
  PetscFunctionReturn(0);
}

/* The window length and the windows per optimiser step; *steps: the length in force. */
static PetscErrorCode ChooseWindows(MPI_Comm comm, const RecordingStats *st, double mean, PetscInt batch, char *summary,
                                    size_t len, PetscInt *steps)
{
  double T;
  char   v[64], why[256];

  PetscFunctionBeginUser;
  /* windows: the mean unit should expect a few spikes per window, so that sm's per-window
   * statistics are not mostly empty; whole 500 ms, from 500 ms to 2 s, and at least 8 windows */
  T = 500.0 * ceil(4.0 / PetscMax(mean, 1e-3) * 1000.0 / 500.0);
  T = PetscMin(PetscMax(T, 500.0), 2000.0);
  while (T > 500.0 && st->span_ms / T < 8.0) T -= 500.0;
  PetscCall(PetscSNPrintf(v, sizeof(v), "%.0f", T));
  PetscCall(PetscSNPrintf(why, sizeof(why), "%.0f ms windows: the mean unit (%.3g Hz) expects %.1f spikes in one", T,
                          mean, mean * T / 1000.0));
  PetscCall(Choose(comm, PETSC_FALSE, "-fit_window_steps", v, why, summary, len));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-fit_window_steps", steps, NULL));
  /* about RECIPE_STEPS optimiser steps per pass over the data, whatever its length: more
   * steps move the rates away from the recorded ones (docs/RESULTS.md), more windows per
   * step give sm's statistics more samples */
  {
    PetscInt nwin = (PetscInt)floor(st->span_ms / (double)*steps),
             k    = PetscMax(RECIPE_MIN_K, (nwin + RECIPE_STEPS - 1) / RECIPE_STEPS);
    PetscCall(PetscSNPrintf(v, sizeof(v), "%" PetscInt_FMT, k));
    PetscCall(PetscSNPrintf(
        why, sizeof(why),
        "%" PetscInt_FMT
        " windows of the fitting span in about %d optimiser steps per iteration, at least %d windows each: sm's statistics over %" PetscInt_FMT
        " windows, about %" PetscInt_FMT " chunks (batches of %" PetscInt_FMT ") that ranks and threads share",
        nwin, RECIPE_STEPS, RECIPE_MIN_K, k, (k + batch - 1) / batch, batch));
    PetscCall(Choose(comm, PETSC_FALSE, "-fit_windows_per_step", v, why, summary, len));
  }
  PetscFunctionReturn(0);
}

/* Windows simulated together: 4 below RECIPE_SMALL_BATCH_N neurons (the chunks of a step,
 * which the exact sum adds as whole values, are then small enough for ranks to share), else
 * the default. *batch: the batch in force (1 with -sim_batch 0 or -sim_ref). */
static PetscErrorCode ChooseBatch(MPI_Comm comm, PetscInt neurons, char *summary, size_t len, PetscInt *batch)
{
  PetscBool ref = PETSC_FALSE;
  char      v[32], why[256];

  PetscFunctionBeginUser;
  *batch = 16;
  if (neurons < RECIPE_SMALL_BATCH_N) {
    PetscCall(PetscSNPrintf(v, sizeof(v), "%d", RECIPE_SMALL_BATCH));
    PetscCall(PetscSNPrintf(why, sizeof(why),
                            "%d windows simulated together: as fast per window as 16 below %d neurons, and a step's "
                            "windows are then chunks of %d that ranks and threads share",
                            RECIPE_SMALL_BATCH, RECIPE_SMALL_BATCH_N, RECIPE_SMALL_BATCH));
    PetscCall(Choose(comm, PETSC_FALSE, "-sim_batch", v, why, summary, len));
  }
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-sim_batch", batch, NULL));
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-sim_ref", &ref, NULL));
  if (*batch < 1 || ref) *batch = 1;
  PetscFunctionReturn(0);
}

/* The shared latent input: its time constant and its loadings from the data. */
static PetscErrorCode ChooseLatent(MPI_Comm comm, char *summary, size_t len)
{
  double tau = -1;

  PetscFunctionBeginUser;
  PetscCall(Choose(comm, PETSC_FALSE, "-model_latent_tau", "-1",
                   "a shared input with a loading per neuron, with the correlation time of the population's count "
                   "(at most a window; none if at most two 20 ms bins): co-modulation slower than synaptic traces",
                   summary, len));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-model_latent_tau", &tau, NULL));
  if (tau == 0) PetscFunctionReturn(0); /* turned off: no loadings to start */
  PetscCall(Choose(comm, PETSC_FALSE, "-fit_init_latent", "true",
                   "loadings that reproduce the training windows' count covariance (rank one, least squares)", summary,
                   len));
  PetscFunctionReturn(0);
}

PetscErrorCode FitRecipeChoose(MPI_Comm comm, const RecordingStats *st, char *summary, size_t len)
{
  static const char *const loss[]  = {"-loss", "-loss_weights", "-loss_teacher_forcing", NULL};
  static const char *const optim[] = {"-optim", NULL};
  double                   mean, max, sparse;
  PetscInt                 nwin, hidden, iters, steps, batch;
  PetscBool                slif, has, lg, og;
  char                     v[64], why[256], model[32] = "slif";

  PetscFunctionBeginUser;
  summary[0] = 0;
  PetscCall(GroupGiven(loss, &lg));
  PetscCall(GroupGiven(optim, &og));
  FitRecipeRateSummary(st, &mean, &max, &sparse);
  PetscCall(PetscPrintf(
      comm,
      "recipe: recording of %" PetscInt_FMT
      " units, %.1f s to fit, %.1f s held out; rates mean %.3g Hz, max %.3g Hz, %.0f%% below 1 Hz (-fit_recipe none: off)\n",
      st->n, st->span_ms / 1000.0, st->holdout_ms / 1000.0, mean, max, 100.0 * sparse));
  PetscCall(Choose(comm, PETSC_FALSE, "-model", "slif",
                   "stochastic LIF: spike probabilities for the likelihood, samples for sm", summary, len));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-model", model, sizeof(model), &has));
  PetscCall(PetscStrcmp(model, "slif", &slif));
  PetscCall(
      Choose(comm, lg, "-loss_weights", "bnll:1,sm:10",
             "likelihood of the recorded spikes + sample-and-measure of the free-running PSTH and noise covariances",
             summary, len));
  PetscCall(Choose(comm, lg, "-loss_sm_pool", "true",
                   "sm on stationary statistics (rates and covariances over every 20 ms bin): spontaneous activity is not locked to a window's start",
                   summary, len));
  PetscCall(
      Choose(comm, lg, "-loss_teacher_forcing", "true",
             "the likelihood on a run driven by the recorded spikes: the coupling is learnt from the recorded history",
             summary, len));
  PetscCall(Choose(comm, og, "-optim_scaled", "true",
                   "Adam on theta/(hi - lo): one learning rate moves every block by the same share of its bounds",
                   summary, len));
  PetscCall(Choose(comm, og, "-optim_lr", "0.003", "0.3% of each bound range per step", summary, len));
  hidden = 0;
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-fit_hidden", &hidden, NULL));
  PetscCall(ChooseBatch(comm, st->n + hidden, summary, len, &batch));
  PetscCall(ChooseWindows(comm, st, mean, batch, summary, len, &steps));
  iters = FitRecipeIterations(st->n + hidden, st->span_ms);
  PetscCall(PetscSNPrintf(v, sizeof(v), "%" PetscInt_FMT, iters));
  PetscCall(PetscSNPrintf(why, sizeof(why),
                          "the time budget for %" PetscInt_FMT
                          " neurons over %.0f s (8 min for 100 units over 27 min on 2 ranks)",
                          st->n + hidden, st->span_ms / 1000.0));
  PetscCall(Choose(comm, PETSC_FALSE, "-fit_iters", v, why, summary, len));
  if (st->holdout_ms > 0) {
    nwin = (PetscInt)ceil(st->holdout_ms / (double)steps);
    PetscCall(PetscSNPrintf(v, sizeof(v), "%" PetscInt_FMT, nwin));
    PetscCall(Choose(comm, PETSC_FALSE, "-fit_eval_windows", v, "the whole held-out span", summary, len));
  }
  PetscCall(Choose(comm, PETSC_FALSE, "-init_W", "-0.02,0.02",
                   "start from a nearly uncoupled network, whose rates are the ones set below", summary, len));
  PetscCall(Choose(comm, PETSC_FALSE, "-bound_tau_g", "1.5,20",
                   "synaptic traces up to 20 ms, the time scale of the measured correlations (20 ms bins)", summary,
                   len));
  PetscCall(Choose(comm, PETSC_FALSE, "-init_r_p", "0,0",
                   "no Poisson input at the start: the escape noise is the only source of spikes", summary, len));
  if (slif) {
    PetscCall(Choose(comm, PETSC_FALSE, "-fit_init_rates", "true",
                     "each neuron starts at its recorded rate (beta, E_L)", summary, len));
    PetscCall(Choose(
        comm, PETSC_FALSE, "-fit_calibrate_rates", "2",
        "after the fit, E_L shifted twice so that each neuron's free-running rate over the fitting windows is its recorded one",
        summary, len));
    PetscCall(Choose(comm, PETSC_FALSE, "-fit_calibrate_best", "true",
                     "the same calibration of /params/best, the parameters the held-out evaluation runs", summary, len));
    PetscCall(ChooseLatent(comm, summary, len));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode FitRecipeInitRates(const ParamLayout *l, const ModelConfig *cfg, PetscInt nrec, const double *rate_hz,
                                  double hidden_hz, double floor_hz, double *theta)
{
  const ParamBlock *E = ParamLayoutBlock(l, "E_L"), *B = ParamLayoutBlock(l, "beta");

  PetscFunctionBeginUser;
  PetscCheck(E && B, PETSC_COMM_SELF, PETSC_ERR_ARG_INCOMP,
             "-fit_init_rates needs a model with escape noise (blocks E_L and beta): -model slif");
  for (PetscInt j = 0; j < l->n; j++) {
    PetscInt ke = E->offset + j, kb = B->offset + j;
    double   hz = j < nrec ? rate_hz[j] : hidden_hz, p, a, e;
    p           = PetscMin(PetscMax(hz, floor_hz) * cfg->dt / 1000.0, 0.5);
    a           = log(p / (1.0 - p)); /* the wanted beta (E_L - theta), <= 0 */
    e           = PetscMin(theta[ke], cfg->theta - 1.0);
    theta[kb]   = PetscMin(PetscMax(a / (e - cfg->theta), l->lo[kb]), l->hi[kb]);
    /* beta at a bound: E_L takes the rest */
    theta[ke] = PetscMin(PetscMax(cfg->theta + a / theta[kb], l->lo[ke]), l->hi[ke]);
  }
  PetscFunctionReturn(0);
}
