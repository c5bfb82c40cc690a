/* `spikefit glm RUN.h5`: the Poisson GLM baseline (SCIENCE.md section 8). Fits a GLM with
 * spike-history and coupling filters on raised-cosine bases to the evaluation target spikes of
 * a fit (or to a separate spike file, -glm_data), simulates it for the evaluation duration and
 * compares the simulated trains with the target by the measures of `spikefit analyze`. Results
 * go to /glm in RUN.h5, which is replaced atomically and only when everything worked. */
#include "analysis_nmf.h"
#include "analysis_stats.h"
#include "app.h"
#include "glm.h"
#include "h5io.h"
#include "io_spikes.h"
#include "parallel.h"
#include "spikes.h"
#include <math.h>
#include <petsctao.h>
#include <string.h>

/* the TAO methods tested with this problem (tests/unit/test_glm.c) */
static const char *const glm_tao_types[] = {TAONLS, TAOTRON, TAOBLMVM, TAOLMVM, NULL};

typedef struct {
  GlmBasisOptions basis;
  GlmFitOptions   fit;
  char            data[PETSC_MAX_PATH_LEN]; /* -glm_data: fit on this spike file instead */
  PetscInt        max_windows;              /* of -glm_data (0: all) */
  PetscInt        seed;                     /* simulation */
  PetscInt        k, restarts, nmf_seed;
  double          bin_ms;
} GlmAppOptions;

typedef struct {
  PetscInt n, windows, wsteps, steps;
  double   dt;
  double  *target; /* [steps][n] binned /eval/target */
} EvalData;

/* /eval/target of a results file, binned on the evaluation grid. */
static PetscErrorCode ReadEval(const char *path, EvalData *ev)
{
  hid_t        in = -1;
  char         fmt[32] = "";
  int64_t      n64, windows, wsteps, *off = NULL;
  PetscBool    has;
  int          rank;
  hsize_t      dims[4];
  SpikeTrains *st = NULL;
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  PetscCall(H5InOpen(path, &in));
  ierr = H5Aexists(in, "spikefit_format") > 0 ? H5InAttrString(in, path, "/", "spikefit_format", fmt, sizeof(fmt)) : 0;
  if (!ierr && strcmp(fmt, "run")) {
    H5InClose(&in, path);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s is %s%s%s, not the results of a fit (spikefit glm needs RUN.h5 with /eval/target)", path, fmt[0] ? "a spikefit '" : "not a spikefit file", fmt, fmt[0] ? "' file" : "");
  }
  if (!ierr) ierr = H5InExists(in, "/eval/target/times_ms", &has);
  if (!ierr && !has) {
    H5InClose(&in, path);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s has no /eval/target (the evaluation spikes a fit writes when it ends; was it run with -fit_eval_windows 0 or interrupted?)", path);
  }
  if (!ierr) ierr = H5InAttrInt(in, path, "/", "n", &n64);
  if (!ierr) ierr = H5InAttrDouble(in, path, "/", "dt", &ev->dt);
  if (!ierr) ierr = H5InAttrInt(in, path, "/eval", "windows", &windows);
  if (!ierr) ierr = H5InAttrInt(in, path, "/eval", "window_steps", &wsteps);
  if (ierr) {
    H5InClose(&in, path);
    return ierr;
  }
  if (!(n64 > 0 && windows > 0 && wsteps > 0 && isfinite(ev->dt) && ev->dt > 0)) {
    H5InClose(&in, path);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: /eval holds no evaluation spikes to fit (n %lld, windows %lld, window_steps %lld, dt %g)", path, (long long)n64, (long long)windows,
            (long long)wsteps, ev->dt);
  }
  ev->n       = (PetscInt)n64;
  ev->windows = (PetscInt)windows;
  ev->wsteps  = (PetscInt)wsteps;
  ev->steps   = ev->windows * ev->wsteps;
  ierr        = H5InShape(in, path, "/eval/target/times_ms", &rank, dims);
  if (!ierr) ierr = SpikeTrainsCreate(ev->n, (PetscInt)dims[0], 1, &st);
  if (!ierr) ierr = PetscStrncpy(st->source, path, sizeof(st->source));
  if (!ierr && dims[0]) ierr = H5InDoubles(in, path, "/eval/target/times_ms", dims[0], st->times_ms);
  if (!ierr) ierr = PetscMalloc1(ev->n + 1, &off);
  if (!ierr) ierr = H5InInts(in, path, "/eval/target/offsets", (hsize_t)(ev->n + 1), off);
  H5InClose(&in, path);
  if (ierr) {
    PetscFree(off);
    SpikeTrainsDestroy(&st);
    return ierr;
  }
  for (PetscInt k = 0; k <= ev->n; k++) st->offsets[k] = (PetscInt)off[k];
  PetscCall(PetscFree(off));
  st->intervals_ms[0] = 0;
  st->intervals_ms[1] = ev->steps * ev->dt;
  PetscCall(SpikeTrainsValidate(st));
  PetscCall(PetscMalloc1(ev->steps * ev->n, &ev->target));
  PetscCall(SpikeTrainsBin(st, 0.0, ev->dt, ev->steps, ev->target, NULL));
  PetscCall(SpikeTrainsDestroy(&st));
  PetscFunctionReturn(0);
}

/* Whole windows of the evaluation's length cut from a spike file's observation intervals. */
static PetscErrorCode ReadFitData(const char *path, const EvalData *ev, PetscInt max_windows, PetscInt *nwin, double **s)
{
  DataOptions  dopt;
  SpikeTrains *st;
  double      *starts;
  PetscInt     nw;

  PetscFunctionBeginUser;
  PetscCall(DataOptionsDefault(&dopt));
  PetscCall(SpikeFileReadRange(path, &dopt, 0.0, PETSC_INFINITY, &st));
  if (st->nunits != ev->n) {
    PetscInt nu = st->nunits;
    PetscCall(SpikeTrainsDestroy(&st));
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "-glm_data %s has %" PetscInt_FMT " units but the run has %" PetscInt_FMT " neurons", path, nu, ev->n);
  }
  PetscCall(SpikeTrainsWindows(st, 0.0, 0.0, ev->dt, ev->wsteps, &nw, &starts));
  if (max_windows > 0) nw = PetscMin(nw, max_windows);
  if (nw < 1) {
    PetscCall(PetscFree(starts));
    PetscCall(SpikeTrainsDestroy(&st));
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "-glm_data %s has no whole window of %" PetscInt_FMT " steps of %g ms inside its observation intervals", path, ev->wsteps, ev->dt);
  }
  PetscCall(PetscMalloc1((size_t)nw * ev->wsteps * ev->n, s));
  for (PetscInt w = 0; w < nw; w++) PetscCall(SpikeTrainsBin(st, starts[w], ev->dt, ev->wsteps, *s + (size_t)w * ev->wsteps * ev->n, NULL));
  *nwin = nw;
  PetscCall(PetscFree(starts));
  PetscCall(SpikeTrainsDestroy(&st));
  PetscFunctionReturn(0);
}

typedef struct {
  double sim, spike, rmse, covd;
  double *rate_t, *rate_g, *cov_t, *cov_g, *xc, *W_t, *W_g;
  PetscInt nb, k;
} Compare;

static PetscErrorCode CompareTrains(const GlmAppOptions *o, PetscInt n, PetscInt steps, double dt, const double *target, const double *glm, Compare *c)
{
  NmfOptions nopt;
  double    *ct, *cg, *H;

  PetscFunctionBeginUser;
  PetscCall(AnalysisNumBins(steps, dt, o->bin_ms, &c->nb));
  PetscCheck(c->nb >= 2, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "%" PetscInt_FMT " evaluation steps make fewer than two %g ms bins (-glm_bin_ms)", steps, o->bin_ms);
  PetscCheck(o->k >= 1 && o->k <= PetscMin(n, 64), PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "-glm_k must be in [1, %" PetscInt_FMT "], got %" PetscInt_FMT, PetscMin(n, 64), o->k);
  c->k = o->k;
  NmfOptionsDefault(&nopt);
  nopt.k         = o->k;
  nopt.nrestarts = o->restarts;
  nopt.seed      = (uint64_t)o->nmf_seed;
  PetscCall(PetscMalloc2(n * c->nb, &ct, n * c->nb, &cg));
  PetscCall(PetscMalloc7(n, &c->rate_t, n, &c->rate_g, n * n, &c->cov_t, n * n, &c->cov_g, n * n, &c->xc, n * o->k, &c->W_t, n * o->k, &c->W_g));
  PetscCall(PetscMalloc1(o->k * c->nb, &H));
  PetscCall(AnalysisBinCounts(target, steps, n, dt, o->bin_ms, c->nb, ct));
  PetscCall(AnalysisBinCounts(glm, steps, n, dt, o->bin_ms, c->nb, cg));
  PetscCall(NmfFit(ct, n, c->nb, &nopt, c->W_t, H, NULL));
  PetscCall(NmfFit(cg, n, c->nb, &nopt, c->W_g, H, NULL));
  PetscCall(AnalysisGeodesicSimilarity(c->W_g, c->W_t, n, o->k, &c->sim, NULL));
  PetscCall(AnalysisRates(ct, n, c->nb, o->bin_ms, c->rate_t));
  PetscCall(AnalysisRates(cg, n, c->nb, o->bin_ms, c->rate_g));
  PetscCall(AnalysisRateRMSE(c->rate_g, c->rate_t, n, &c->rmse));
  PetscCall(AnalysisCovariance(ct, n, c->nb, c->cov_t));
  PetscCall(AnalysisCovariance(cg, n, c->nb, c->cov_g));
  PetscCall(AnalysisRelFrobenius(c->cov_g, c->cov_t, n, &c->covd));
  PetscCall(AnalysisCrossCorrelation(cg, ct, n, c->nb, c->xc));
  PetscCall(AnalysisMeanDiagonal(c->xc, n, &c->spike));
  PetscCall(PetscFree(H));
  PetscCall(PetscFree2(ct, cg));
  PetscFunctionReturn(0);
}

static PetscErrorCode CompareFree(Compare *c)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree7(c->rate_t, c->rate_g, c->cov_t, c->cov_g, c->xc, c->W_t, c->W_g));
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteGlm(H5Out *h, const GlmAppOptions *o, const EvalData *ev, const GlmModel *m, const GlmNeuronInfo *info, PetscInt fit_windows, double seconds, const double *sim, const Compare *c)
{
  PetscInt n = ev->n;
  hsize_t  d[3];
  double  *ll, *ll0;
  int64_t *its, *reason;

  PetscFunctionBeginUser;
  PetscCall(H5OutRemove(h, "/glm"));
  PetscCall(H5OutGroup(h, "/glm"));
  d[0] = (hsize_t)n;
  PetscCall(H5OutDoubles(h, "/glm/bias", 1, d, m->bias));
  d[0] = d[1] = (hsize_t)n; d[2] = (hsize_t)m->nbasis;
  PetscCall(H5OutDoubles(h, "/glm/filters", 3, d, m->filters));
  d[0] = (hsize_t)m->nbasis; d[1] = (hsize_t)m->nlags;
  PetscCall(H5OutDoubles(h, "/glm/basis", 2, d, m->basis));
  PetscCall(PetscMalloc4(n, &ll, n, &ll0, n, &its, n, &reason));
  for (PetscInt i = 0; i < n; i++) {
    ll[i]     = info[i].loglik;
    ll0[i]    = info[i].loglik0;
    its[i]    = info[i].iterations;
    reason[i] = info[i].reason;
  }
  d[0] = (hsize_t)n;
  PetscCall(H5OutDoubles(h, "/glm/loglik", 1, d, ll));
  PetscCall(H5OutDoubles(h, "/glm/loglik_bias_only", 1, d, ll0));
  PetscCall(H5OutInts(h, "/glm/tao_iterations", 1, d, its));
  PetscCall(H5OutInts(h, "/glm/tao_reason", 1, d, reason));
  PetscCall(PetscFree4(ll, ll0, its, reason));
  PetscCall(H5OutBinnedSpikes(h, "/glm/simulated", n, ev->steps, sim, ev->dt));
  PetscCall(H5OutDoubles(h, "/glm/rate_glm", 1, d, c->rate_g));
  PetscCall(H5OutDoubles(h, "/glm/rate_target", 1, d, c->rate_t));
  PetscCall(H5OutGroup(h, "/glm/compare"));
  PetscCall(H5OutScalar(h, "/glm/compare/geodesic_similarity", c->sim));
  PetscCall(H5OutScalar(h, "/glm/compare/spike_correlation", c->spike));
  PetscCall(H5OutScalar(h, "/glm/compare/rate_rmse", c->rmse));
  PetscCall(H5OutScalar(h, "/glm/compare/covariance_distance", c->covd));
  d[1] = (hsize_t)n;
  PetscCall(H5OutDoubles(h, "/glm/compare/xcorr_glm_target", 2, d, c->xc));
  PetscCall(H5OutDoubles(h, "/glm/compare/covariance_glm", 2, d, c->cov_g));
  PetscCall(H5OutDoubles(h, "/glm/compare/covariance_target", 2, d, c->cov_t));
  d[1] = (hsize_t)c->k;
  PetscCall(H5OutDoubles(h, "/glm/compare/nmf/W_glm", 2, d, c->W_g));
  PetscCall(H5OutDoubles(h, "/glm/compare/nmf/W_target", 2, d, c->W_t));
  PetscCall(H5OutAttrInt(h, "/glm/compare", "k", c->k));
  PetscCall(H5OutAttrInt(h, "/glm/compare", "nmf_restarts", o->restarts));
  PetscCall(H5OutAttrDouble(h, "/glm/compare", "bin_ms", o->bin_ms));
  PetscCall(H5OutAttrString(h, "/glm", "model", "lambda_i[t] = exp(bias[i] + sum_j sum_k filters[j][i][k] (basis[k] * s_j)[t]), basis[k][l-1] at lag l steps; filters[j][i] from j to i"));
  PetscCall(H5OutAttrString(h, "/glm", "data", o->data[0] ? o->data : "/eval/target"));
  PetscCall(H5OutAttrInt(h, "/glm", "fit_windows", fit_windows));
  PetscCall(H5OutAttrInt(h, "/glm", "window_steps", ev->wsteps));
  PetscCall(H5OutAttrInt(h, "/glm", "simulated_windows", ev->windows));
  PetscCall(H5OutAttrDouble(h, "/glm", "dt", ev->dt));
  PetscCall(H5OutAttrInt(h, "/glm", "nbasis", m->nbasis));
  PetscCall(H5OutAttrInt(h, "/glm", "nlags", m->nlags));
  PetscCall(H5OutAttrDouble(h, "/glm", "history_ms", o->basis.history_ms));
  PetscCall(H5OutAttrDouble(h, "/glm", "stretch_ms", o->basis.stretch_ms));
  PetscCall(H5OutAttrDouble(h, "/glm", "l2", o->fit.l2));
  PetscCall(H5OutAttrString(h, "/glm", "tao_type", o->fit.tao_type));
  PetscCall(H5OutAttrInt(h, "/glm", "seed", o->seed));
  PetscCall(H5OutAttrDouble(h, "/glm", "fit_seconds", seconds));
  PetscFunctionReturn(0);
}

/* Everything is computed before RUN.h5 is copied; RUN.h5 is replaced only at the end. */
static PetscErrorCode GlmFile(const char *path, const GlmAppOptions *o)
{
  EvalData       ev  = {0};
  GlmModel      *m   = NULL;
  GlmNeuronInfo *info;
  Compare        c;
  double        *fitdata = NULL, *sim, *basis, t0, t1, llsum = 0, ll0sum = 0;
  PetscInt       nlags, fitwin = 0, itsum = 0, bad = 0;
  H5Out         *out = NULL;
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  PetscCall(ReadEval(path, &ev));
  if (o->data[0]) PetscCall(ReadFitData(o->data, &ev, o->max_windows, &fitwin, &fitdata));
  else fitwin = ev.windows;
  PetscCall(GlmBasisCreate(&o->basis, ev.dt, &nlags, &basis));
  PetscCall(GlmModelCreate(ev.n, o->basis.nbasis, nlags, ev.dt, basis, &m));
  PetscCall(PetscFree(basis));
  PetscCall(PetscMalloc1(ev.n, &info));
  PetscCall(PetscTime(&t0));
  PetscCall(GlmFit(m, fitwin, ev.wsteps, fitdata ? fitdata : ev.target, &o->fit, info));
  PetscCall(PetscTime(&t1));
  for (PetscInt i = 0; i < ev.n; i++) {
    PetscCheck(isfinite(info[i].loglik) && isfinite(m->bias[i]), PETSC_COMM_SELF, PETSC_ERR_NOT_CONVERGED, "%s: the GLM fit of neuron %" PetscInt_FMT " gave a non-finite log-likelihood", path, i);
    llsum += info[i].loglik;
    ll0sum += info[i].loglik0;
    itsum += info[i].iterations;
    bad += info[i].reason <= 0;
  }
  PetscCall(PetscMalloc1(ev.steps * ev.n, &sim));
  PetscCall(GlmSimulate(m, ev.windows, ev.wsteps, (uint64_t)o->seed, sim));
  PetscCall(CompareTrains(o, ev.n, ev.steps, ev.dt, ev.target, sim, &c));
  PetscCheck(!ParallelSignalReceived(), PETSC_COMM_SELF, PARALLEL_ERR_SIGNAL, "stopped by a signal before writing %s; nothing was written", path);

  PetscCall(H5OutUpdate(path, &out));
  ierr = WriteGlm(out, o, &ev, m, info, fitwin, t1 - t0, sim, &c);
  if (ierr) {
    H5OutAbort(&out);
    return ierr;
  }
  PetscCall(H5OutCommit(&out, NULL));
  {
    double mt = 0, mg = 0, T = (double)fitwin * ev.wsteps;
    for (PetscInt i = 0; i < ev.n; i++) mt += c.rate_t[i] / ev.n, mg += c.rate_g[i] / ev.n;
    if (bad) PetscCall(PetscPrintf(PETSC_COMM_SELF, "glm: warning: TAO (%s) did not converge for %" PetscInt_FMT " of %" PetscInt_FMT " neurons (/glm/tao_reason)\n", o->fit.tao_type, bad, ev.n));
    PetscCall(PetscPrintf(PETSC_COMM_SELF,
                          "glm: %" PetscInt_FMT " neurons, %" PetscInt_FMT " bases, fitted on %.0f bins of %.4g ms with %s (%" PetscInt_FMT " iterations, %.3f s): log-likelihood %.6g (bias only %.6g, %.4f nats/bin better); "
                          "simulated vs target: geodesic similarity %.4f, spike correlation %.4f, rate RMSE %.3f Hz (mean rate %.2f vs %.2f Hz), covariance distance %.4f\n",
                          ev.n, m->nbasis, T, ev.dt, o->fit.tao_type, itsum, t1 - t0, llsum, ll0sum, (llsum - ll0sum) / T, c.sim, c.spike, c.rmse, mg, mt, c.covd));
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "glm: written to %s (/glm)\n", path));
  }
  PetscCall(CompareFree(&c));
  PetscCall(PetscFree(sim));
  PetscCall(PetscFree(info));
  PetscCall(GlmModelDestroy(&m));
  PetscCall(PetscFree(fitdata));
  PetscCall(PetscFree(ev.target));
  PetscFunctionReturn(0);
}

PetscErrorCode GlmRun(MPI_Comm comm, const char *run, int *exit_code)
{
  GlmAppOptions  o = {.max_windows = 0, .seed = 0, .k = 3, .restarts = 5, .nmf_seed = 0, .bin_ms = ANALYSIS_BIN_MS_DEFAULT};
  char           path[PETSC_MAX_PATH_LEN] = "";
  PetscErrorCode ierr = 0;
  PetscBool      failed;
  Tao            tao;
  const char    *type;

  PetscFunctionBeginUser;
  *exit_code = 0;
  GlmBasisOptionsDefault(&o.basis);
  GlmFitOptionsDefault(&o.fit);
  o.fit.prefix = "glm_";
  o.data[0]    = 0;
  if (run) PetscCall(PetscStrncpy(path, run, sizeof(path)));
  PetscOptionsBegin(comm, NULL, "spikefit glm RUN.h5: the Poisson GLM baseline fitted to a fit's evaluation target", NULL);
  PetscCall(PetscOptionsString("-run", "Results file of a fit (or give it right after 'glm')", NULL, path, path, sizeof(path), NULL));
  PetscCall(PetscOptionsString("-glm_data", "Fit the GLM on this spike file (windows of the run's length) instead of /eval/target", NULL, o.data, o.data, sizeof(o.data), NULL));
  PetscCall(PetscOptionsInt("-glm_max_windows", "Use at most this many windows of -glm_data (0: all)", NULL, o.max_windows, &o.max_windows, NULL));
  PetscCall(PetscOptionsInt("-glm_nbasis", "Raised-cosine bases per filter", NULL, o.basis.nbasis, &o.basis.nbasis, NULL));
  PetscCall(PetscOptionsReal("-glm_history_ms", "Length of the history and coupling filters (ms)", NULL, o.basis.history_ms, &o.basis.history_ms, NULL));
  PetscCall(PetscOptionsReal("-glm_stretch_ms", "Offset c of the log-time stretch log(t + c) (ms)", NULL, o.basis.stretch_ms, &o.basis.stretch_ms, NULL));
  PetscCall(PetscOptionsReal("-glm_l2", "L2 penalty on the filter coefficients (not the bias)", NULL, o.fit.l2, &o.fit.l2, NULL));
  PetscCall(PetscOptionsInt("-glm_seed", "Seed of the GLM simulation", NULL, o.seed, &o.seed, NULL));
  PetscCall(PetscOptionsInt("-glm_k", "NMF modules for the comparison", NULL, o.k, &o.k, NULL));
  PetscCall(PetscOptionsInt("-glm_nmf_restarts", "NMF random restarts (the best is kept)", NULL, o.restarts, &o.restarts, NULL));
  PetscCall(PetscOptionsInt("-glm_nmf_seed", "Seed of the NMF initialisation", NULL, o.nmf_seed, &o.nmf_seed, NULL));
  PetscCall(PetscOptionsReal("-glm_bin_ms", "Bin width of the comparison counts (ms)", NULL, o.bin_ms, &o.bin_ms, NULL));
  PetscCall(PetscOptionsString("-glm_tao_type", "TAO method: nls, tron (Newton, analytic Hessian), blmvm, lmvm (quasi-Newton)", NULL, o.fit.tao_type, o.fit.tao_type, sizeof(o.fit.tao_type), NULL));
  PetscOptionsEnd();
  {
    PetscBool ok = PETSC_FALSE;
    for (int t = 0; glm_tao_types[t]; t++) ok = ok || !strcmp(o.fit.tao_type, glm_tao_types[t]);
    PetscCheck(ok, comm, PETSC_ERR_ARG_OUTOFRANGE, "-glm_tao_type must be one of nls, tron, blmvm, lmvm; got '%s'", o.fit.tao_type);
  }
  /* the solvers' options (-glm_tao_type nls|tron|blmvm|lmvm, -glm_tao_monitor, ...) are read
   * here once, so -help lists them and the unused-option check knows them */
  PetscCall(GlmTaoCreate(&o.fit, &tao));
  PetscCall(TaoGetType(tao, &type));
  PetscCall(PetscStrncpy(o.fit.tao_type, type, sizeof(o.fit.tao_type)));
  PetscCall(TaoDestroy(&tao));
  if (AppHelpRequested()) PetscFunctionReturn(0);
  PetscCall(AppCheckUnusedOptions(comm));
  PetscCheck(path[0], comm, PETSC_ERR_ARG_WRONG, "spikefit glm needs the results file: spikefit glm RUN.h5");
  PetscCheck(isfinite(o.bin_ms) && o.bin_ms > 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "-glm_bin_ms must be positive, got %g", o.bin_ms);
  PetscCheck(isfinite(o.fit.l2) && o.fit.l2 >= 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "-glm_l2 must be >= 0, got %g", o.fit.l2);
  PetscCheck(o.restarts >= 1 && o.seed >= 0 && o.nmf_seed >= 0 && o.max_windows >= 0, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-glm_nmf_restarts must be >= 1 and -glm_seed, -glm_nmf_seed, -glm_max_windows >= 0");
  /* serial: rank 0 does it and the others learn whether it worked */
  if (ParallelRank(comm) == 0) ierr = GlmFile(path, &o);
  PetscCall(ParallelAny(comm, ierr ? PETSC_TRUE : PETSC_FALSE, &failed));
  PetscCheck(!failed, comm, PETSC_ERR_FILE_UNEXPECTED, "glm of %s failed", path);
  PetscFunctionReturn(0);
}
