/* The evaluation of a fit (docs/FORMAT.md /eval): the fitted and the initial network run
 * against the target, the comparison table (eval_table.h) and its datasets.
 * A recording with -data_holdout: one continuous run per held-out interval, in chunks of a
 * window's length with the state carried across chunk boundaries (forward only), compared
 * with the recording there; spike times are recording time. Otherwise (a synthetic truth,
 * or a recording without holdout): E separate windows from rest, as before. */
#include "fit_impl.h"
#include "eval_table.h"
#include "analysis_stats.h"
#include "rng.h"
#include "window_source.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Spikes (unit, time) appended in time order; plain malloc, so that OpenMP threads can
 * grow their own lists. */
typedef struct {
  PetscInt  len, cap;
  PetscInt *unit;
  double   *time;
  int       failed;
} SpikeList;

static void SpikeListAdd(SpikeList *l, PetscInt unit, double t)
{
  if (l->failed) return;
  if (l->len == l->cap) {
    PetscInt  cap = l->cap ? 2 * l->cap : 4096;
    PetscInt *u   = realloc(l->unit, (size_t)cap * sizeof(*u));
    double   *tm  = u ? realloc(l->time, (size_t)cap * sizeof(*tm)) : NULL;
    if (u) l->unit = u;
    if (!u || !tm) {
      l->failed = 1;
      return;
    }
    l->time = tm;
    l->cap  = cap;
  }
  l->unit[l->len]   = unit;
  l->time[l->len++] = t;
}

static void SpikeListFree(SpikeList *l)
{
  free(l->unit);
  free(l->time);
  *l = (SpikeList){0};
}

/* Per-unit trains: offsets [n+1] and times (a stable counting sort keeps time order). */
typedef struct {
  PetscInt *off;
  double   *times;
} Trains;

static PetscErrorCode TrainsFromList(SpikeList *l, PetscInt n, Trains *tr)
{
  PetscInt *pos;
  PetscFunctionBeginUser;
  PetscCheck(!l->failed, PETSC_COMM_SELF, PETSC_ERR_MEM, "out of memory collecting the evaluation's spikes");
  PetscCall(PetscCalloc1(n + 1, &tr->off));
  PetscCall(PetscMalloc1(l->len + 1, &tr->times));
  PetscCall(PetscMalloc1(n + 1, &pos));
  for (PetscInt k = 0; k < l->len; k++) tr->off[l->unit[k] + 1]++;
  for (PetscInt i = 0; i < n; i++) tr->off[i + 1] += tr->off[i];
  PetscCall(PetscArraycpy(pos, tr->off, n + 1));
  for (PetscInt k = 0; k < l->len; k++) tr->times[pos[l->unit[k]]++] = l->time[k];
  PetscCall(PetscFree(pos));
  SpikeListFree(l);
  PetscFunctionReturn(0);
}

static PetscErrorCode TrainsFree(Trains *tr)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree(tr->off));
  PetscCall(PetscFree(tr->times));
  PetscFunctionReturn(0);
}

/* The network at theta over every held-out interval, one continuous run per interval. The
 * input and the spike noise of chunk g (counted over all intervals) are keyed by g, so the
 * run does not depend on ranks or threads. Recorded neurons' spikes into l, hidden ones'
 * counts into hidden. */
static void RunHeldOut(Fit *f, const double *theta, int tid, double *carry, SpikeList *l, double *hidden)
{
  const FitOptions *o = f->cfg.opt;
  const FitData    *d = f->data;
  PetscInt          n = f->net.nm, nr = f->net.nrec, T = o->window_steps, ns = f->net.model->nstate, g = 0;
  PetscInt          per_bin = (PetscInt)llround(EVAL_BIN_MS / o->dt);
  SimWork          *w       = f->thread[tid].work;
  double            lat_carry = 0; /* the latent input's last value, carried over like the state */

  for (PetscInt k = 0; k < d->nspan; k++) {
    double   a     = d->span[2 * k];
    PetscInt steps = EvalSpanBins(1, d->span + 2 * k, EVAL_BIN_MS, NULL) * per_bin;
    w->init        = NULL; /* each interval starts from rest */
    w->lat_init    = NULL;
    for (PetscInt c = 0; c * T < steps; c++, g++) {
      PetscInt  len = PetscMin(T, steps - c * T);
      WindowKey k   = WindowKeyHeldOut((uint64_t)o->input_seed, g);
      WindowKeyDrawInput(&k, n, T, theta[f->net.sim.offRp], o->dt, w->x);
      WindowKeyApply(&k, w);
      w->force = NULL;
      SimForward(&f->net.sim, theta, w);
      SimHardSpikes(&f->net.sim, w, w->scratch);
      for (PetscInt s = 0; s < len; s++) {
        const double *z = w->scratch + s * n;
        for (PetscInt i = 0; i < nr; i++)
          if (z[i] > 0.5) SpikeListAdd(l, i, a + (double)(c * T + s) * o->dt);
        if (hidden)
          for (PetscInt h = 0; h < n - nr; h++) hidden[h] += z[nr + h];
      }
      PetscArraycpy(carry, w->state + (size_t)T * ns * n, ns * n);
      w->init = carry;
      if (w->lat) {
        lat_carry   = w->lat[T - 1];
        w->lat_init = &lat_carry;
      }
    }
  }
  w->init     = NULL;
  w->lat_init = NULL;
}

/* The recording's spikes inside the held-out intervals. */
static PetscErrorCode HeldTarget(const FitData *d, Trains *tr)
{
  const SpikeTrains *st = d->held;
  PetscInt           n = d->n, m = 0;
  PetscFunctionBeginUser;
  PetscCall(PetscCalloc1(n + 1, &tr->off));
  PetscCall(PetscMalloc1(st->nspikes + 1, &tr->times));
  for (PetscInt i = 0; i < n; i++) {
    PetscInt k = 0;
    for (PetscInt q = st->offsets[i]; q < st->offsets[i + 1]; q++) {
      double t = st->times_ms[q];
      while (k < d->nspan && t >= d->span[2 * k + 1]) k++;
      if (k == d->nspan) break;
      if (t >= d->span[2 * k]) tr->times[m++] = t;
    }
    tr->off[i + 1] = m;
  }
  PetscFunctionReturn(0);
}

/* E windows from rest (a synthetic truth: fresh windows, back to back from 0 ms; a
 * recording without holdout: its first windows, at their recording times). */
static PetscErrorCode RunWindows(Fit *f, const double *theta_fit, PetscInt E, double *span, SpikeList l[3],
                                 double *hidden)
{
  const FitOptions *o = f->cfg.opt;
  PetscInt          n = f->net.nm, nr = f->net.nrec, T = o->window_steps;
  SimWork          *w = f->thread[0].work;
  double           *zt;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(T * nr, &zt));
  for (PetscInt win = 0; win < E; win++) {
    const double *thetas[2] = {theta_fit, f->state.theta0};
    double        t0        = o->mode == TARGET_SYNTHETIC ? (double)(win * T) * o->dt : f->data->starts[win];
    span[2 * win]           = t0;
    span[2 * win + 1]       = o->mode == TARGET_SYNTHETIC ? (double)((win + 1) * T) * o->dt : t0 + T * o->dt;
    WindowKey key           = WindowKeyEval((uint64_t)o->input_seed, win);
    PetscCall(WindowSourceGet(f, &key, NULL, 0, NULL, zt));
    for (PetscInt s = 0; s < T; s++)
      for (PetscInt i = 0; i < nr; i++)
        if (zt[s * nr + i] > 0.5)
          SpikeListAdd(&l[0], i, o->mode == TARGET_SYNTHETIC ? (double)(win * T + s) * o->dt : t0 + s * o->dt);
    for (int k = 0; k < 2; k++) {
      WindowKeyDrawInput(&key, n, T, thetas[k][f->net.sim.offRp], o->dt, w->x);
      WindowKeyApply(&key, w);
      SimForward(&f->net.sim, thetas[k], w);
      SimHardSpikes(&f->net.sim, w, w->scratch);
      for (PetscInt s = 0; s < T; s++) {
        const double *z = w->scratch + s * n;
        for (PetscInt i = 0; i < nr; i++)
          if (z[i] > 0.5)
            SpikeListAdd(&l[1 + k], i, o->mode == TARGET_SYNTHETIC ? (double)(win * T + s) * o->dt : t0 + s * o->dt);
        if (k == 0)
          for (PetscInt h = 0; h < n - nr; h++) hidden[h] += z[nr + h];
      }
    }
  }
  PetscCall(PetscFree(zt));
  PetscFunctionReturn(0);
}

/* Pearson correlation of the off-diagonal entries of two n x n matrices. */
static double OffDiagonalCorrelation(const double *A, const double *B, PetscInt n)
{
  double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0, m = 0;
  for (PetscInt i = 0; i < n; i++)
    for (PetscInt j = 0; j < n; j++) {
      if (i == j) continue;
      double a = A[i * n + j], b = B[i * n + j];
      sa += a;
      sb += b;
      saa += a * a;
      sbb += b * b;
      sab += a * b;
      m++;
    }
  if (m < 2) return NAN;
  double va = saa - sa * sa / m, vb = sbb - sb * sb / m;
  return va > 0 && vb > 0 ? (sab - sa * sb / m) / sqrt(va * vb) : NAN;
}

/* The datasets of /eval/compare kept from before the table (same bins, now over the spans):
 * rates' RMSE and the neuron-by-neuron correlations of the counts (bin-major [nb][n]). */
static PetscErrorCode CompareClassic(Fit *f, H5Out *h, PetscInt nb, const double *bt, const double *bf)
{
  PetscInt n     = f->net.nrec;
  double   bin   = EVAL_BIN_MS, *ct, *cf, *rt, *rf, *kt, *kf, *kx, rmse, cdist, cpair, spike;
  hsize_t  dn[2] = {(hsize_t)n, (hsize_t)n};

  PetscFunctionBeginUser;
  if (nb < 2) PetscFunctionReturn(0);
  PetscCall(PetscMalloc7(n * nb, &ct, n * nb, &cf, n, &rt, n, &rf, n * n, &kt, n * n, &kf, n * n, &kx));
  for (PetscInt b = 0; b < nb; b++)
    for (PetscInt i = 0; i < n; i++) {
      ct[i * nb + b] = bt[b * n + i];
      cf[i * nb + b] = bf[b * n + i];
    }
  PetscCall(AnalysisRates(ct, n, nb, bin, rt));
  PetscCall(AnalysisRates(cf, n, nb, bin, rf));
  PetscCall(AnalysisCrossCorrelation(ct, ct, n, nb, kt));
  PetscCall(AnalysisCrossCorrelation(cf, cf, n, nb, kf));
  PetscCall(AnalysisCrossCorrelation(cf, ct, n, nb, kx));
  PetscCall(AnalysisRateRMSE(rf, rt, n, &rmse));
  PetscCall(AnalysisRelFrobenius(kf, kt, n, &cdist));
  PetscCall(AnalysisMeanDiagonal(kx, n, &spike));
  cpair = OffDiagonalCorrelation(kf, kt, n);
  PetscCall(H5OutDoubles(h, "/eval/compare/corr_target", 2, dn, kt));
  PetscCall(H5OutDoubles(h, "/eval/compare/corr_fitted", 2, dn, kf));
  PetscCall(H5OutDoubles(h, "/eval/compare/xcorr_fitted_target", 2, dn, kx));
  PetscCall(H5OutScalar(h, "/eval/compare/rate_rmse", rmse));
  PetscCall(H5OutScalar(h, "/eval/compare/corr_rel_frobenius", cdist));
  PetscCall(H5OutScalar(h, "/eval/compare/pair_corr_similarity", cpair));
  PetscCall(H5OutScalar(h, "/eval/compare/spike_correlation", spike));
  if (f->data->has_truth) {
    /* connectivity among the recorded neurons: truth against fit (off-diagonal entries) */
    const ParamBlock *bT = ParamLayoutBlock(f->net.tlayout, "W"), *bF = ParamLayoutBlock(f->net.layout, "W");
    if (bT && bF) {
      double  *Wt, *Wf, wc;
      PetscInt nt = f->net.tlayout->n, nm = f->net.layout->n;
      PetscCall(PetscMalloc2(n * n, &Wt, n * n, &Wf));
      for (PetscInt i = 0; i < n; i++)
        for (PetscInt j = 0; j < n; j++) {
          Wt[i * n + j] = f->data->truth[bT->offset + i * nt + j];
          Wf[i * n + j] = FitEvalTheta(f)[bF->offset + i * nm + j];
        }
      wc = OffDiagonalCorrelation(Wf, Wt, n);
      PetscCall(H5OutScalar(h, "/eval/compare/weight_corr_recorded", wc));
      if (!f->cfg.opt->quiet)
        PetscCall(PetscPrintf(f->cfg.par->group,
                              "%scompare: correlation of fitted and true weights among the %" PetscInt_FMT
                              " recorded neurons %.3f\n",
                              f->cfg.prefix, n, wc));
      PetscCall(PetscFree2(Wt, Wf));
    }
  }
  if (!f->cfg.opt->quiet)
    PetscCall(PetscPrintf(f->cfg.par->group,
                          "%scompare (20 ms bins): rate RMSE %.3f Hz; pairwise correlations: similarity %.3f, relative "
                          "distance %.3f; spike correlation fitted-target %.3f\n",
                          f->cfg.prefix, rmse, cpair, cdist, spike));
  PetscCall(PetscFree7(ct, cf, rt, rf, kt, kf, kx));
  PetscFunctionReturn(0);
}

/* The Poisson null: independent Poisson counts per bin at the fitting span's rates, 20
 * draws keyed by (seed, draw, neuron, bin); the mean of each metric over the draws. */
static PetscErrorCode PoissonNull(Fit *f, PetscInt nb, const double *target, EvalMetrics *m)
{
  PetscInt    n = f->net.nrec;
  double     *c;
  EvalMetrics draws[EVAL_POISSON_DRAWS];

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1((size_t)nb * n + 1, &c));
  for (PetscInt dr = 0; dr < EVAL_POISSON_DRAWS; dr++) {
    WindowKey k = WindowKeyPoissonNull((uint64_t)f->cfg.opt->input_seed, dr);
    for (PetscInt b = 0; b < nb; b++)
      for (PetscInt i = 0; i < n; i++)
        c[b * n + i] = RngPoisson(k.seed, k.input_stream, (uint32_t)k.window, (uint32_t)i, (uint32_t)b,
                                  f->data->train_rate[i] * EVAL_BIN_MS / 1000.0);
    PetscCall(EvalMetricsCompute(n, nb, EVAL_BIN_MS, c, target, &draws[dr]));
  }
  EvalMetricsMean(EVAL_POISSON_DRAWS, draws, m);
  PetscCall(PetscFree(c));
  PetscFunctionReturn(0);
}

static void Rates(const Trains *tr, PetscInt n, double ms, double *rate)
{
  for (PetscInt i = 0; i < n; i++) rate[i] = ms > 0 ? (tr->off[i + 1] - tr->off[i]) / (ms / 1000.0) : 0;
}

/* The table's rows from the counts (bin-major) of target, fitted and initial. */
static PetscErrorCode MakeRows(Fit *f, PetscInt nb, double *const cnt[3])
{
  FitData    *d = f->data;
  PetscInt    n = f->net.nrec;
  EvalMetrics rec;

  PetscFunctionBeginUser;
  PetscCall(EvalMetricsCompute(n, nb, EVAL_BIN_MS, cnt[0], cnt[0], &rec));
  f->table.rec_mean = rec.mean_rate;
  f->table.rec_max  = rec.max_rate;
  f->table.nrows    = 0;
  PetscCall(PetscStrncpy(f->table.rows[f->table.nrows].name, "fitted", sizeof(f->table.rows[0].name)));
  PetscCall(EvalMetricsCompute(n, nb, EVAL_BIN_MS, cnt[1], cnt[0], &f->table.rows[f->table.nrows++].m));
  PetscCall(PetscStrncpy(f->table.rows[f->table.nrows].name, "initial", sizeof(f->table.rows[0].name)));
  PetscCall(EvalMetricsCompute(n, nb, EVAL_BIN_MS, cnt[2], cnt[0], &f->table.rows[f->table.nrows++].m));
  if (d->nspan) {
    EvalRow *r = &f->table.rows[f->table.nrows++];
    PetscCall(PetscStrncpy(r->name, "poisson_null", sizeof(r->name)));
    PetscCall(PoissonNull(f, nb, cnt[0], &r->m));
    PetscCall(PetscSNPrintf(r->note, sizeof(r->note),
                            "independent Poisson neurons at the fitting span's rates, mean over %d draws",
                            EVAL_POISSON_DRAWS));
    r = &f->table.rows[f->table.nrows++];
    PetscCall(PetscStrncpy(r->name, "data_ceiling", sizeof(r->name)));
    PetscCall(EvalMetricsCompute2(n, d->nceil, d->ceil, nb, cnt[0], EVAL_BIN_MS, &r->m));
    if (d->nceil < nb)
      PetscCall(PetscSNPrintf(
          r->note, sizeof(r->note),
          "the recording from %.6g ms: only %.0f ms before the holdout, shorter than the holdout's %.0f ms", d->ceil_lo,
          d->nceil * EVAL_BIN_MS, nb * EVAL_BIN_MS));
    else
      PetscCall(PetscSNPrintf(r->note, sizeof(r->note), "the recording's %.0f ms just before the holdout, from %.6g ms",
                              d->nceil * EVAL_BIN_MS, d->ceil_lo));
  }
  for (PetscInt r = 0; r < f->table.nrows; r++) {
    char why[192];
    if (!strcmp(f->table.rows[r].name, "data_ceiling")) continue;
    f->table.rows[r].runaway = EvalRunaway(&f->table.rows[r].m, rec.mean_rate, rec.max_rate, why, sizeof(why));
    if (f->table.rows[r].runaway) PetscCall(PetscStrncpy(f->table.rows[r].note, why, sizeof(f->table.rows[r].note)));
  }
  PetscFunctionReturn(0);
}

/* /eval's spans and attributes, and the rates of the target, the fitted and the initial
 * network (and the hidden neurons', nh of them). */
static PetscErrorCode WriteSpansRates(Fit *f, H5Out *h, PetscInt K, const double *span, PetscInt nh, const double *hid)
{
  const FitOptions *o = f->cfg.opt;
  FitData          *d = f->data;
  PetscInt          n = f->net.nrec, E = FitEvalWindows(f);
  hsize_t           dn = (hsize_t)n, dh = (hsize_t)nh, ds[2];

  PetscFunctionBeginUser;
  ds[0] = (hsize_t)K;
  ds[1] = 2;
  PetscCall(H5OutDoubles(h, "/eval/span_ms", 2, ds, span));
  PetscCall(H5OutAttrInt(h, "/eval", "windows", d->nspan ? 0 : E));
  PetscCall(H5OutAttrInt(h, "/eval", "window_steps", o->window_steps));
  PetscCall(H5OutAttrString(
      h, "/eval", "input",
      d->nspan
          ? "continuous runs over the held-out intervals (/eval/span_ms, recording time), in chunks of window_steps "
            "with the state carried over; fitted and initial share the input seed"
          : "fixed evaluation seed shared by target, fitted and initial model; separate "
            "windows from rest, one per /eval/span_ms row"));
  PetscCall(H5OutAttrString(h, "/eval", "params", f->state.best_it >= 0 ? "best" : "final"));
  PetscCall(H5OutDoubles(h, "/eval/rate_target", 1, &dn, f->history.rate_target));
  PetscCall(H5OutDoubles(h, "/eval/rate_fitted", 1, &dn, f->history.rate_fit));
  PetscCall(H5OutDoubles(h, "/eval/rate_initial", 1, &dn, f->history.rate_init));
  if (nh) PetscCall(H5OutDoubles(h, "/eval/rate_hidden", 1, &dh, hid));
  if (d->nspan) { /* what the reference rows are made of, so that they can be recomputed */
    hsize_t dc[2] = {(hsize_t)d->nceil_span, 2};
    PetscCall(H5OutDoubles(h, "/eval/rate_train", 1, &dn, d->train_rate));
    PetscCall(H5OutDoubles(h, "/eval/ceiling_span_ms", 2, dc, d->ceil_span));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode FitEvalWrite(Fit *f, H5Out *h)
{
  const FitOptions *o = f->cfg.opt;
  FitData          *d = f->data;
  PetscInt          n = f->net.nrec, nh = f->net.nm - f->net.nrec, E = FitEvalWindows(f), K, nb;
  const char       *names[3] = {"/eval/target", "/eval/fitted", "/eval/initial"};
  SpikeList         l[3]     = {{0}};
  Trains            tr[3];
  double           *span, *hid, *cnt[3], ms = 0;

  PetscFunctionBeginUser;
  PetscCheck(fabs(EVAL_BIN_MS / o->dt - llround(EVAL_BIN_MS / o->dt)) < 1e-9, f->cfg.par->group, PETSC_ERR_ARG_INCOMP,
             "the evaluation's %g ms bins need -sim_dt to divide them, got %g ms", EVAL_BIN_MS, o->dt);
  PetscCall(PetscCalloc1(nh + 1, &hid));
  if (d->nspan) {
    double *carry[2];
    int     nt = f->cfg.nthreads >= 2 ? 2 : 1;
    K          = d->nspan;
    PetscCall(PetscMalloc1(2 * K, &span));
    PetscCall(PetscArraycpy(span, d->span, 2 * K));
    PetscCall(HeldTarget(d, &tr[0]));
    PetscCall(PetscMalloc2(f->net.model->nstate * f->net.nm, &carry[0], f->net.model->nstate * f->net.nm, &carry[1]));
    /* the fitted and the initial network, one per thread when there are two */
#pragma omp parallel for num_threads(nt) schedule(static, 1)
    for (int k = 0; k < 2; k++)
      RunHeldOut(f, k ? f->state.theta0 : FitEvalTheta(f), FitThreadId(), carry[FitThreadId()], &l[1 + k],
                 k ? NULL : hid);
    PetscCall(PetscFree2(carry[0], carry[1]));
  } else {
    K = E;
    PetscCall(PetscMalloc1(2 * K + 1, &span));
    PetscCall(RunWindows(f, FitEvalTheta(f), E, span, l, hid));
    PetscCall(TrainsFromList(&l[0], n, &tr[0]));
  }
  PetscCall(TrainsFromList(&l[1], n, &tr[1]));
  PetscCall(TrainsFromList(&l[2], n, &tr[2]));
  nb = EvalSpanBins(K, span, EVAL_BIN_MS, NULL);
  for (PetscInt k = 0; k < K; k++) ms += span[2 * k + 1] - span[2 * k];
  for (PetscInt k = 0; k < nh; k++) hid[k] /= ms / 1000.0; /* Hz */
  PetscCall(PetscMalloc3(n, &f->history.rate_target, n, &f->history.rate_fit, n, &f->history.rate_init));
  Rates(&tr[0], n, ms, f->history.rate_target);
  Rates(&tr[1], n, ms, f->history.rate_fit);
  Rates(&tr[2], n, ms, f->history.rate_init);
  for (int c = 0; c < 3; c++) {
    PetscCall(PetscMalloc1((size_t)nb * n + 1, &cnt[c]));
    PetscCall(EvalCountSpikes(n, tr[c].off, tr[c].times, K, span, EVAL_BIN_MS, cnt[c]));
    PetscCall(EvalSpikesWrite(h, names[c], n, tr[c].off, tr[c].times));
  }
  PetscCall(WriteSpansRates(f, h, K, span, nh, hid));
  PetscCall(MakeRows(f, nb, cnt));
  for (PetscInt r = 0; r < f->table.nrows; r++) PetscCall(EvalRowWrite(h, "/eval/compare", &f->table.rows[r]));
  PetscCall(CompareClassic(f, h, nb, cnt[0], cnt[1]));
  PetscCall(H5OutAttrDouble(h, "/eval/compare", "bin_ms", EVAL_BIN_MS));
  PetscCall(H5OutAttrString(
      h, "/eval/compare", "data",
      o->mode == TARGET_RECORDED && d->nspan
          ? "held-out intervals"
          : (o->mode == TARGET_RECORDED ? "training windows (no -data_holdout)" : "fresh synthetic windows")));
  PetscCall(EvalSpanDescribe(K, span, f->table.span_desc, sizeof(f->table.span_desc)));
  for (int c = 0; c < 3; c++) {
    PetscCall(TrainsFree(&tr[c]));
    PetscCall(PetscFree(cnt[c]));
  }
  PetscCall(PetscFree(span));
  PetscCall(PetscFree(hid));
  PetscFunctionReturn(0);
}

PetscErrorCode FitEvalPrint(Fit *f)
{
  MPI_Comm comm = f->cfg.par->group;
  char     header[512];
  FitData *d = f->data;

  PetscFunctionBeginUser;
  if (!f->table.nrows) PetscFunctionReturn(0);
  PetscCall(PetscSNPrintf(
      header, sizeof(header), "evaluation on %s (%s; %s parameters; %.0f ms bins; recorded mean %.3f Hz, max %.3f Hz):",
      d->nspan
          ? "the held-out data"
          : (f->cfg.opt->mode == TARGET_SYNTHETIC ? "fresh synthetic windows" : "training windows (no -data_holdout)"),
      f->table.span_desc, f->state.best_it >= 0 ? "best-validated" : "final", EVAL_BIN_MS, f->table.rec_mean,
      f->table.rec_max));
  PetscCall(EvalTablePrint(comm, f->cfg.prefix, header, f->table.nrows, f->table.rows));
  if (d->nspan)
    PetscCall(PetscPrintf(comm,
                          "%sjudge the fit against poisson_null (its rate error is the bar to beat) and "
                          "data_ceiling (its corr r is the most to expect)\n",
                          f->cfg.prefix));
  if (f->table.rows[0].runaway)
    PetscCall(PetscPrintf(comm, "%swarning: the fitted network runs away on the %s: %s\n", f->cfg.prefix,
                          d->nspan ? "held-out data" : "evaluation windows", f->table.rows[0].note));
  PetscFunctionReturn(0);
}
