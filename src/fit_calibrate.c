/* After the fit: each neuron's free-running rate over the fitting windows calibrated to its
 * recorded rate (-fit_calibrate_rates K rounds). A fitted network's rates drift from the
 * recorded ones while its coupling is learnt; a shift of E_L by log(r/m)/beta, the change of
 * the escape logit at rest that scales a small spike probability by r/m, corrects them
 * without touching the coupling. Training windows only, never the held-out ones. */
#include "fit_impl.h"
#include "fixedsum.h"
#include "window_source.h"
#include <math.h>

/* Hard spikes per model neuron of the free-running network at theta over the fitting windows
 * this rank computes, summed exactly over the group: the same counts on every rank. */
static PetscErrorCode CalibCounts(Fit *f, const double *theta, PetscInt round, double *count)
{
  const FitOptions *o = f->cfg.opt;
  PetscInt          n = f->net.layout->n, T = o->window_steps;
  SimWork          *w = f->thread[0].work;
  FixedSum         *fs;

  PetscFunctionBeginUser;
  PetscCall(PetscArrayzero(count, n));
  for (PetscInt win = 0; win < f->net.nwindows; win++) {
    WindowKey k = WindowKeyCalibration((uint64_t)o->input_seed, round, win);
    if (!WindowPartitionComputes(f->cfg.part, win)) continue;
    WindowKeyDrawInput(&k, n, T, theta[f->net.sim.offRp], o->dt, w->x);
    WindowKeyApply(&k, w);
    w->force = NULL;
    SimForward(&f->net.sim, theta, w);
    SimHardSpikes(&f->net.sim, w, w->scratch);
    for (PetscInt t = 0; t < T; t++)
      for (PetscInt j = 0; j < n; j++) count[j] += w->scratch[t * n + j];
  }
  PetscCall(FixedSumCreate(n, &fs));
  FixedSumAdd(fs, count);
  PetscCall(ParallelSumFixed(f->cfg.par, fs));
  FixedSumGet(fs, count);
  PetscCall(FixedSumDestroy(&fs));
  PetscFunctionReturn(0);
}

/* K rounds on the parameters theta (what names them in the printed lines). */
static PetscErrorCode CalibrateParams(Fit *f, double *theta, PetscInt rounds, const char *what)
{
  const FitOptions  *o = f->cfg.opt;
  const ParamLayout *l = f->net.layout;
  const ParamBlock  *E = ParamLayoutBlock(l, "E_L"), *B = ParamLayoutBlock(l, "beta");
  PetscInt           n = l->n;
  double            *count, span_s, mean = 0, worst = 0;

  PetscFunctionBeginUser;
  span_s = (double)f->net.nwindows * o->window_steps * o->dt / 1000.0;
  for (PetscInt i = 0; i < f->net.nrec; i++) mean += f->data->rate_hz[i] / (double)f->net.nrec;
  PetscCall(PetscMalloc1(n, &count));
  for (PetscInt r = 0; r < rounds; r++) {
    PetscCall(CalibCounts(f, theta, r, count));
    worst = 0;
    for (PetscInt j = 0; j < n; j++) {
      double want =
          j < f->net.nrec ? f->data->rate_hz[j] : (o->lcfg.sm_hidden_rate >= 0 ? o->lcfg.sm_hidden_rate : mean);
      /* half a spike over the span on both sides: a silent unit, or one silent in the model,
       * gets a finite shift */
      double ratio = (want * span_s + 0.5) / (count[j] + 0.5), *e = &theta[E->offset + j], *b = &theta[B->offset + j];
      double e_new = *e + log(ratio) / *b;
      worst        = PetscMax(worst, fabs(log(ratio)));
      if (e_new > l->hi[E->offset + j]) { /* E_L at its top: lower beta for the rest of the logit at rest */
        double a = *b * (e_new - o->mcfg.theta);
        e_new    = l->hi[E->offset + j];
        *b       = PetscMin(PetscMax(a / (e_new - o->mcfg.theta), l->lo[B->offset + j]), l->hi[B->offset + j]);
      }
      *e = PetscMax(e_new, l->lo[E->offset + j]);
    }
    PetscCall(PetscPrintf(f->cfg.par->group,
                          "%scalibration %" PetscInt_FMT "/%" PetscInt_FMT
                          " of %s: largest |log(recorded/fitted rate)| %.3f over the training windows; E_L shifted\n",
                          f->cfg.prefix, r + 1, rounds, what, worst));
  }
  PetscCall(PetscFree(count));
  PetscFunctionReturn(0);
}

/* /params/final, and with -fit_calibrate_best the best-validated parameters, which the
 * held-out evaluation runs (docs/RESULTS.md has the measurements of both). */
PetscErrorCode FitCalibrateRates(Fit *f, PetscInt rounds)
{
  const FitOptions  *o = f->cfg.opt;
  const ParamLayout *l = f->net.layout;

  PetscFunctionBeginUser;
  if (rounds <= 0) PetscFunctionReturn(0);
  PetscCheck(
      ParamLayoutBlock(l, "E_L") && ParamLayoutBlock(l, "beta"), f->cfg.par->group, PETSC_ERR_ARG_INCOMP,
      "-fit_calibrate_rates shifts E_L by log(rate ratio)/beta: it needs a model with escape noise (-model slif)");
  PetscCheck(f->data->rate_hz, f->cfg.par->group, PETSC_ERR_ARG_INCOMP,
             "-fit_calibrate_rates calibrates to a recording's rates: %s is fitted as a ground truth", o->data);
  PetscCall(CalibrateParams(f, f->state.theta, rounds, "/params/final"));
  if (o->calibrate_best && f->state.best && f->state.best_it >= 0)
    PetscCall(CalibrateParams(f, f->state.best, rounds, "/params/best"));
  PetscFunctionReturn(0);
}
