/* `spikefit glm RUN.h5`: the Poisson GLM baseline (SCIENCE.md section 8). Fits a GLM with
 * spike-history and coupling filters on raised-cosine bases to the TRAINING data of a fit
 * (include/glm_data.h says which), all neurons at once (include/glm_batch.h), runs it free
 * over the whole evaluation span without resets, and scores it like the fitted network:
 * a row `glm` of the held-out table (/eval/compare/glm) and the measures of `spikefit
 * analyze` (/glm/compare). RUN.h5 is replaced atomically and only when everything worked;
 * a signal stops the fit at the next TAO iteration with GLM_EXIT_SIGNAL and no output. */
#include "analysis_nmf.h"
#include "analysis_stats.h"
#include "app.h"
#include "eval_metrics.h"
#include "glm.h"
#include "glm_data.h"
#include "h5io.h"
#include "parallel.h"
#include <math.h>
#include <petsctao.h>
#include <string.h>

/* the TAO methods of the joint fit (quasi-Newton: the Hessian of every neuron is too big) */
static const char *const glm_tao_types[] = {TAOLMVM, TAOBLMVM, NULL};

typedef struct {
  GlmBasisOptions basis;
  GlmFitOptions   fit;
  char            data[PETSC_MAX_PATH_LEN]; /* -glm_data: fit on this spike file instead */
  PetscInt        seed;                     /* simulation */
  PetscInt        k, restarts, nmf_seed;
  double          bin_ms, max_minutes;
} GlmAppOptions;

typedef struct {
  double      sim, spike, rmse, covd;
  double     *rate_t, *rate_g, *cov_t, *cov_g, *xc, *W_t, *W_g;
  PetscInt    nb, k;
  EvalMetrics em, emt; /* the table's row (GLM vs recorded) and the recorded activity's own */
  PetscBool   runaway;
  char        note[192];
} Compare;

/* Bins of bin_ms as a whole number of steps of dt. */
static PetscErrorCode BinSteps(double bin_ms, double dt, PetscInt *bsteps)
{
  PetscFunctionBeginUser;
  *bsteps = (PetscInt)floor(bin_ms / dt + 0.5);
  PetscCheck(*bsteps >= 1 && fabs(*bsteps * dt - bin_ms) <= 1e-9 * bin_ms, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "bins of %g ms are not a whole number of steps of %g ms (-glm_bin_ms)", bin_ms, dt);
  PetscFunctionReturn(0);
}

/* counts [n][nb] (neuron-major, the layout of analysis_stats) of sp in bins of bin_ms */
static PetscErrorCode NeuronMajorCounts(const GlmSpikes *sp, double bin_ms, PetscInt *nb, double **counts)
{
  PetscInt bs, n = sp->n;
  double  *bm;

  PetscFunctionBeginUser;
  PetscCall(BinSteps(bin_ms, sp->dt, &bs));
  PetscCall(GlmSpikesCounts(sp, bs, nb, NULL));
  PetscCall(PetscMalloc1((size_t)*nb * n + 1, &bm));
  PetscCall(PetscMalloc1((size_t)*nb * n + 1, counts));
  PetscCall(GlmSpikesCounts(sp, bs, nb, bm));
  for (PetscInt b = 0; b < *nb; b++)
    for (PetscInt i = 0; i < n; i++) (*counts)[(size_t)i * *nb + b] = bm[(size_t)b * n + i];
  PetscCall(PetscFree(bm));
  PetscFunctionReturn(0);
}

/* The held-out table's row: EvalMetricsCompute on 20 ms counts (bin-major), and a runaway
 * flag (a neuron above max(3 x the highest recorded rate, 20 Hz), or the mean above twice
 * the recorded mean: the rule of the fit's table). */
static PetscErrorCode CompareTable(const GlmSpikes *rec, const GlmSpikes *sim, Compare *c)
{
  PetscInt bs, nb, n = rec->n;
  double  *cr, *cs, lim;

  PetscFunctionBeginUser;
  PetscCall(BinSteps(20.0, rec->dt, &bs));
  PetscCall(GlmSpikesCounts(rec, bs, &nb, NULL));
  PetscCheck(nb >= 2, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "the evaluation span holds %" PetscInt_FMT " whole 20 ms bins; need 2", nb);
  PetscCall(PetscMalloc2((size_t)nb * n, &cr, (size_t)nb * n, &cs));
  PetscCall(GlmSpikesCounts(rec, bs, &nb, cr));
  PetscCall(GlmSpikesCounts(sim, bs, &nb, cs));
  PetscCall(EvalMetricsCompute(n, nb, 20.0, cs, cr, &c->em));
  PetscCall(EvalMetricsCompute(n, nb, 20.0, cr, cr, &c->emt));
  lim        = PetscMax(3 * c->emt.max_rate, 20.0);
  c->runaway = (PetscBool)(c->em.max_rate > lim || c->em.mean_rate > 2 * c->emt.mean_rate);
  c->note[0] = 0;
  if (c->runaway)
    PetscCall(PetscSNPrintf(c->note, sizeof(c->note),
                            "runaway: largest rate %.3g Hz (limit %.3g Hz), mean %.3g Hz (recorded %.3g Hz)",
                            c->em.max_rate, lim, c->em.mean_rate, c->emt.mean_rate));
  PetscCall(PetscFree2(cr, cs));
  PetscFunctionReturn(0);
}

static PetscErrorCode CompareTrains(const GlmAppOptions *o, const GlmSpikes *rec, const GlmSpikes *sim, Compare *c)
{
  NmfOptions nopt;
  PetscInt   n = rec->n;
  double    *ct, *cg, *H;

  PetscFunctionBeginUser;
  PetscCall(NeuronMajorCounts(rec, o->bin_ms, &c->nb, &ct));
  PetscCall(NeuronMajorCounts(sim, o->bin_ms, &c->nb, &cg));
  PetscCheck(c->nb >= 2, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "the evaluation makes fewer than two %g ms bins (-glm_bin_ms)", o->bin_ms);
  PetscCheck(o->k >= 1 && o->k <= PetscMin(n, 64), PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "-glm_k must be in [1, %" PetscInt_FMT "], got %" PetscInt_FMT, PetscMin(n, 64), o->k);
  c->k = o->k;
  NmfOptionsDefault(&nopt);
  nopt.k         = o->k;
  nopt.nrestarts = o->restarts;
  nopt.seed      = (uint64_t)o->nmf_seed;
  PetscCall(PetscMalloc7(n, &c->rate_t, n, &c->rate_g, n * n, &c->cov_t, n * n, &c->cov_g, n * n, &c->xc, n * o->k,
                         &c->W_t, n * o->k, &c->W_g));
  PetscCall(PetscMalloc1(o->k * c->nb, &H));
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
  PetscCall(PetscFree(ct));
  PetscCall(PetscFree(cg));
  PetscCall(CompareTable(rec, sim, c));
  PetscFunctionReturn(0);
}

static PetscErrorCode CompareFree(Compare *c)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree7(c->rate_t, c->rate_g, c->cov_t, c->cov_g, c->xc, c->W_t, c->W_g));
  PetscFunctionReturn(0);
}

/* A spike group GROUP/{times_ms (recording time), offsets} of sp. */
static PetscErrorCode WriteSpikes(H5Out *h, const char *group, const GlmSpikes *sp)
{
  PetscInt n = sp->n, S = sp->off[n];
  double  *t;
  int64_t *off;
  hsize_t  d;
  char     name[256];

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc2(S + 1, &t, n + 1, &off));
  for (PetscInt i = 0; i <= n; i++) off[i] = sp->off[i];
  for (PetscInt i = 0; i < n; i++) {
    PetscInt q = 0;
    for (PetscInt s = sp->off[i]; s < sp->off[i + 1]; s++) {
      while (sp->rows[s] >= sp->seg[q + 1]) q++;
      t[s] = sp->t0[q] + (sp->rows[s] - sp->seg[q]) * sp->dt;
    }
  }
  d = (hsize_t)S;
  PetscCall(PetscSNPrintf(name, sizeof(name), "%s/times_ms", group));
  PetscCall(H5OutDoubles(h, name, 1, &d, t));
  d = (hsize_t)(n + 1);
  PetscCall(PetscSNPrintf(name, sizeof(name), "%s/offsets", group));
  PetscCall(H5OutInts(h, name, 1, &d, off));
  PetscCall(PetscFree2(t, off));
  PetscFunctionReturn(0);
}

/* /eval/compare/glm: the row of the held-out table, in the layout of the fit's rows */
static PetscErrorCode WriteRow(H5Out *h, const GlmData *d, const Compare *c)
{
  int64_t one;
  hsize_t d1 = 1;

  PetscFunctionBeginUser;
  PetscCall(H5OutRemove(h, "/eval/compare/glm"));
  PetscCall(H5OutGroup(h, "/eval/compare/glm"));
  PetscCall(H5OutScalar(h, "/eval/compare/glm/rate_error", c->em.rate_error));
  PetscCall(H5OutScalar(h, "/eval/compare/glm/rate_r", c->em.rate_r));
  PetscCall(H5OutScalar(h, "/eval/compare/glm/corr_r", c->em.corr_r));
  PetscCall(H5OutScalar(h, "/eval/compare/glm/mean_rate", c->em.mean_rate));
  PetscCall(H5OutScalar(h, "/eval/compare/glm/max_rate", c->em.max_rate));
  one = c->em.nrated;
  PetscCall(H5OutInts(h, "/eval/compare/glm/nrated", 1, &d1, &one));
  one = c->em.npairs;
  PetscCall(H5OutInts(h, "/eval/compare/glm/npairs", 1, &d1, &one));
  one = c->runaway;
  PetscCall(H5OutInts(h, "/eval/compare/glm/runaway", 1, &d1, &one));
  PetscCall(H5OutAttrString(h, "/eval/compare/glm", "note", c->note));
  PetscCall(H5OutAttrString(h, "/eval/compare/glm", "trained_on", d->train_desc));
  PetscCall(H5OutAttrString(h, "/eval/compare/glm", "evaluated_on", d->eval_desc));
  PetscFunctionReturn(0);
}

typedef struct {
  double         seconds, fit_seconds, gram_seconds;
  PetscInt       evaluations;
  GlmBatchStatus st;
  char           stopped[64]; /* "" or why the fit was cut */
} GlmRunInfo;

static PetscErrorCode WriteAttrs(H5Out *h, const GlmAppOptions *o, const GlmData *d, const GlmModel *m,
                                 const GlmRunInfo *ri)
{
  PetscFunctionBeginUser;
  PetscCall(H5OutAttrString(
      h, "/glm", "model",
      "lambda_i[t] = exp(bias[i] + sum_j sum_k filters[j][i][k] (basis[k] * s_j)[t]), basis[k][l-1] at lag l steps; filters[j][i] from j to i"));
  PetscCall(H5OutAttrString(h, "/glm", "data", o->data[0] ? o->data : d->data));
  PetscCall(H5OutAttrString(h, "/glm", "trained_on", d->train_desc));
  PetscCall(H5OutAttrString(h, "/glm", "evaluated_on", d->eval_desc));
  PetscCall(H5OutAttrString(h, "/glm", "simulation",
                            "free-running over each /glm/span_ms interval from an empty history, no reset inside it"));
  PetscCall(H5OutAttrString(h, "/glm", "stopped", ri->stopped));
  PetscCall(H5OutAttrInt(h, "/glm", "fit_bins", d->train->T));
  PetscCall(H5OutAttrInt(h, "/glm", "fit_segments", d->train->nseg));
  PetscCall(H5OutAttrInt(h, "/glm", "simulated_bins", d->eval->T));
  PetscCall(H5OutAttrDouble(h, "/glm", "dt", d->dt));
  PetscCall(H5OutAttrInt(h, "/glm", "nbasis", m->nbasis));
  PetscCall(H5OutAttrInt(h, "/glm", "nlags", m->nlags));
  PetscCall(H5OutAttrDouble(h, "/glm", "history_ms", o->basis.history_ms));
  PetscCall(H5OutAttrDouble(h, "/glm", "stretch_ms", o->basis.stretch_ms));
  PetscCall(H5OutAttrDouble(h, "/glm", "l2", o->fit.l2));
  PetscCall(H5OutAttrString(h, "/glm", "tao_type", o->fit.tao_type));
  PetscCall(H5OutAttrInt(h, "/glm", "tao_evaluations", ri->st.evaluations));
  PetscCall(H5OutAttrInt(h, "/glm", "seed", o->seed));
  PetscCall(H5OutAttrDouble(h, "/glm", "fit_seconds", ri->fit_seconds));
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteGlm(H5Out *h, const GlmAppOptions *o, const GlmData *d, const GlmModel *m,
                               const GlmNeuronInfo *info, const GlmRunInfo *ri, const GlmSpikes *sim, const Compare *c)
{
  PetscInt n = d->n;
  hsize_t  dd[3];
  double  *ll, *ll0;
  int64_t *its, *reason;

  PetscFunctionBeginUser;
  PetscCall(H5OutRemove(h, "/glm"));
  PetscCall(H5OutGroup(h, "/glm"));
  dd[0] = (hsize_t)n;
  PetscCall(H5OutDoubles(h, "/glm/bias", 1, dd, m->bias));
  dd[0] = dd[1] = (hsize_t)n;
  dd[2]         = (hsize_t)m->nbasis;
  PetscCall(H5OutDoubles(h, "/glm/filters", 3, dd, m->filters));
  dd[0] = (hsize_t)m->nbasis;
  dd[1] = (hsize_t)m->nlags;
  PetscCall(H5OutDoubles(h, "/glm/basis", 2, dd, m->basis));
  PetscCall(PetscMalloc4(n, &ll, n, &ll0, n, &its, n, &reason));
  for (PetscInt i = 0; i < n; i++) {
    ll[i]     = info[i].loglik;
    ll0[i]    = info[i].loglik0;
    its[i]    = info[i].iterations;
    reason[i] = info[i].reason;
  }
  dd[0] = (hsize_t)n;
  PetscCall(H5OutDoubles(h, "/glm/loglik", 1, dd, ll));
  PetscCall(H5OutDoubles(h, "/glm/loglik_bias_only", 1, dd, ll0));
  PetscCall(H5OutInts(h, "/glm/tao_iterations", 1, dd, its));
  PetscCall(H5OutInts(h, "/glm/tao_reason", 1, dd, reason));
  PetscCall(PetscFree4(ll, ll0, its, reason));
  PetscCall(WriteSpikes(h, "/glm/simulated", sim));
  dd[0] = (hsize_t)sim->nseg;
  dd[1] = 2;
  {
    double *span;
    PetscCall(PetscMalloc1(2 * sim->nseg, &span));
    for (PetscInt q = 0; q < sim->nseg; q++)
      span[2 * q] = sim->t0[q], span[2 * q + 1] = sim->t0[q] + (sim->seg[q + 1] - sim->seg[q]) * sim->dt;
    PetscCall(H5OutDoubles(h, "/glm/span_ms", 2, dd, span));
    PetscCall(PetscFree(span));
  }
  dd[0] = (hsize_t)n;
  PetscCall(H5OutDoubles(h, "/glm/rate_glm", 1, dd, c->rate_g));
  PetscCall(H5OutDoubles(h, "/glm/rate_target", 1, dd, c->rate_t));
  PetscCall(H5OutGroup(h, "/glm/compare"));
  PetscCall(H5OutScalar(h, "/glm/compare/geodesic_similarity", c->sim));
  PetscCall(H5OutScalar(h, "/glm/compare/spike_correlation", c->spike));
  PetscCall(H5OutScalar(h, "/glm/compare/rate_rmse", c->rmse));
  PetscCall(H5OutScalar(h, "/glm/compare/covariance_distance", c->covd));
  dd[1] = (hsize_t)n;
  PetscCall(H5OutDoubles(h, "/glm/compare/xcorr_glm_target", 2, dd, c->xc));
  PetscCall(H5OutDoubles(h, "/glm/compare/covariance_glm", 2, dd, c->cov_g));
  PetscCall(H5OutDoubles(h, "/glm/compare/covariance_target", 2, dd, c->cov_t));
  dd[1] = (hsize_t)c->k;
  PetscCall(H5OutDoubles(h, "/glm/compare/nmf/W_glm", 2, dd, c->W_g));
  PetscCall(H5OutDoubles(h, "/glm/compare/nmf/W_target", 2, dd, c->W_t));
  PetscCall(H5OutAttrInt(h, "/glm/compare", "k", c->k));
  PetscCall(H5OutAttrInt(h, "/glm/compare", "nmf_restarts", o->restarts));
  PetscCall(H5OutAttrDouble(h, "/glm/compare", "bin_ms", o->bin_ms));
  PetscCall(WriteAttrs(h, o, d, m, ri));
  PetscFunctionReturn(0);
}
/* The GLM's stop test at every TAO iteration, agreed over the ranks. */
typedef struct {
  MPI_Comm       comm;
  PetscLogDouble start;
  double         max_minutes;
  char           why[64];
} GlmStopCtx;

static PetscErrorCode GlmStop(void *ptr, PetscBool *stop)
{
  GlmStopCtx    *s = (GlmStopCtx *)ptr;
  PetscLogDouble now;
  PetscBool      sig, over;

  PetscFunctionBeginUser;
  PetscCall(PetscTime(&now));
  PetscCall(ParallelAny(s->comm, ParallelSignalReceived() ? PETSC_TRUE : PETSC_FALSE, &sig));
  PetscCall(ParallelAny(s->comm, (PetscBool)(s->max_minutes > 0 && now - s->start > 60.0 * s->max_minutes), &over));
  if (sig) PetscCall(PetscStrncpy(s->why, "signal", sizeof(s->why)));
  else if (over) PetscCall(PetscSNPrintf(s->why, sizeof(s->why), "time budget (-glm_max_minutes %g)", s->max_minutes));
  *stop = (PetscBool)(sig || over);
  PetscFunctionReturn(0);
}

/* Rank 0: the free-running simulation, the comparison, RUN.h5 replaced, the row printed. */
static PetscErrorCode GlmFinish(const char *path, const GlmAppOptions *o, const GlmData *d, const GlmModel *m,
                                const GlmNeuronInfo *info, const GlmRunInfo *ri)
{
  GlmSpikes     *sim = NULL;
  Compare        c;
  H5Out         *out   = NULL;
  double         llsum = 0, ll0sum = 0, mt = 0, mg = 0;
  PetscInt       n = d->n;
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  for (PetscInt i = 0; i < n; i++) {
    PetscCheck(isfinite(info[i].loglik) && isfinite(m->bias[i]), PETSC_COMM_SELF, PETSC_ERR_NOT_CONVERGED,
               "%s: the GLM fit of neuron %" PetscInt_FMT " gave a non-finite log-likelihood", path, i);
    llsum += info[i].loglik;
    ll0sum += info[i].loglik0;
  }
  PetscCall(GlmSimulateSpikes(m, d->eval, (uint64_t)o->seed, &sim));
  PetscCall(CompareTrains(o, d->eval, sim, &c));
  PetscCall(H5OutUpdate(path, &out));
  ierr = WriteGlm(out, o, d, m, info, ri, sim, &c);
  if (!ierr) ierr = WriteRow(out, d, &c);
  if (ierr) {
    H5OutAbort(&out);
    return ierr;
  }
  PetscCall(H5OutCommit(&out, NULL));
  for (PetscInt i = 0; i < n; i++) mt += c.rate_t[i] / n, mg += c.rate_g[i] / n;
  if (ri->stopped[0])
    PetscCall(PetscPrintf(PETSC_COMM_SELF,
                          "glm: warning: the fit was cut by the %s after %" PetscInt_FMT
                          " TAO iterations: the GLM is not at its optimum (/glm stopped)\n",
                          ri->stopped, ri->st.iterations));
  else if (ri->st.reason <= 0)
    PetscCall(PetscPrintf(PETSC_COMM_SELF,
                          "glm: warning: TAO (%s) did not converge (reason %" PetscInt_FMT ", /glm/tao_reason)\n",
                          o->fit.tao_type, ri->st.reason));
  PetscCall(PetscPrintf(PETSC_COMM_SELF,
                        "glm: %" PetscInt_FMT " neurons, %" PetscInt_FMT " bases, fitted on %" PetscInt_FMT
                        " bins of %.4g ms (%s) with %s (%" PetscInt_FMT " iterations, %" PetscInt_FMT
                        " evaluations, %.3f s): log-likelihood %.6g (bias only %.6g, %.4f nats/bin better)\n",
                        n, m->nbasis, d->train->T, d->dt, d->train_desc, o->fit.tao_type, ri->st.iterations,
                        ri->st.evaluations, ri->fit_seconds, llsum, ll0sum, (llsum - ll0sum) / d->train->T));
  PetscCall(PetscPrintf(
      PETSC_COMM_SELF,
      "glm: simulated free-running over %" PetscInt_FMT
      " bins (%s): geodesic similarity %.4f, spike correlation %.4f, rate RMSE %.3f Hz (mean rate %.2f vs %.2f Hz), covariance distance %.4f\n",
      d->eval->T, d->eval_desc, c.sim, c.spike, c.rmse, mg, mt, c.covd));
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "glm: %-14s %10s %8s %8s %10s %10s\n", "held-out row", "rate_err", "rate_r",
                        "corr_r", "mean_Hz", "max_Hz"));
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "glm: %-14s %10.4f %8.4f %8.4f %10.3f %10.3f%s%s\n", "glm", c.em.rate_error,
                        c.em.rate_r, c.em.corr_r, c.em.mean_rate, c.em.max_rate, c.runaway ? "  RUNAWAY: " : "",
                        c.note));
  if (c.runaway)
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "glm: warning: the GLM runs away in its free simulation (%s)\n", c.note));
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "glm: written to %s (/glm, /eval/compare/glm)\n", path));
  PetscCall(CompareFree(&c));
  PetscCall(GlmSpikesDestroy(&sim));
  PetscFunctionReturn(0);
}

/* Every rank: the data, the fit (rows shared over the ranks); rank 0 finishes. */
static PetscErrorCode GlmFile(MPI_Comm comm, const char *path, GlmAppOptions *o, int *exit_code)
{
  GlmData        d;
  GlmModel      *m    = NULL;
  GlmNeuronInfo *info = NULL;
  GlmRunInfo     ri   = {0};
  GlmStopCtx     sc   = {.comm = comm, .max_minutes = o->max_minutes};
  double        *basis;
  PetscInt       nlags;
  PetscBool      failed, sig;
  PetscLogDouble t0, t1;
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  PetscCall(PetscTime(&sc.start));
  ierr = GlmDataLoad(path, o->data, &d);
  PetscCall(ParallelAny(comm, ierr ? PETSC_TRUE : PETSC_FALSE, &failed));
  if (failed) {
    GlmDataFree(&d);
    PetscCheck(!ierr, PETSC_COMM_SELF, ierr, "glm of %s failed", path);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "glm of %s failed on another rank", path);
  }
  PetscCall(ParallelAny(comm, ParallelSignalReceived() ? PETSC_TRUE : PETSC_FALSE, &sig));
  if (!sig) {
    PetscCall(GlmBasisCreate(&o->basis, d.dt, &nlags, &basis));
    PetscCall(GlmModelCreate(d.n, o->basis.nbasis, nlags, d.dt, basis, &m));
    PetscCall(PetscFree(basis));
    PetscCall(PetscMalloc1(d.n, &info));
    PetscCall(PetscTime(&t0));
    PetscCall(GlmBatchFit(m, d.train, &o->fit, comm, GlmStop, &sc, info, &ri.st));
    PetscCall(PetscTime(&t1));
    ri.fit_seconds = t1 - t0;
    if (ri.st.stopped) PetscCall(PetscStrncpy(ri.stopped, sc.why, sizeof(ri.stopped)));
    sig = (PetscBool)(ri.st.stopped && !strcmp(sc.why, "signal"));
  }
  if (sig) {
    PetscCall(PetscPrintf(comm, "glm: signal received%s; %s is unchanged (exit %d)\n",
                          m ? " during the fit" : " while loading the data", path, GLM_EXIT_SIGNAL));
    *exit_code = GLM_EXIT_SIGNAL;
  } else {
    ierr = ParallelRank(comm) == 0 ? GlmFinish(path, o, &d, m, info, &ri) : 0;
    PetscCall(ParallelAny(comm, ierr ? PETSC_TRUE : PETSC_FALSE, &failed));
    PetscCheck(!failed, comm, PETSC_ERR_FILE_UNEXPECTED, "glm of %s failed", path);
  }
  PetscCall(PetscFree(info));
  PetscCall(GlmModelDestroy(&m));
  PetscCall(GlmDataFree(&d));
  PetscFunctionReturn(0);
}

PetscErrorCode GlmRun(MPI_Comm comm, const char *run, int *exit_code)
{
  GlmAppOptions o = {.seed = 0, .k = 3, .restarts = 5, .nmf_seed = 0, .bin_ms = ANALYSIS_BIN_MS_DEFAULT};
  char          path[PETSC_MAX_PATH_LEN] = "";
  Tao           tao;
  const char   *type;

  PetscFunctionBeginUser;
  *exit_code = 0;
  GlmBasisOptionsDefault(&o.basis);
  GlmFitOptionsDefault(&o.fit);
  o.fit.prefix = "glm_";
  PetscCall(PetscStrncpy(o.fit.tao_type, TAOLMVM, sizeof(o.fit.tao_type)));
  PetscCall(ParallelInstallSignalHandlers());
  o.data[0] = 0;
  if (run) PetscCall(PetscStrncpy(path, run, sizeof(path)));
  PetscOptionsBegin(
      comm, NULL,
      "spikefit glm RUN.h5: the Poisson GLM baseline fitted to a fit's training data, scored on its held-out data",
      NULL);
  PetscCall(PetscOptionsString("-run", "Results file of a fit (or give it right after 'glm')", NULL, path, path,
                               sizeof(path), NULL));
  PetscCall(PetscOptionsString("-glm_data", "Fit the GLM on all of this spike file instead of the run's training data",
                               NULL, o.data, o.data, sizeof(o.data), NULL));
  PetscCall(PetscOptionsReal(
      "-glm_max_minutes",
      "Time budget of the fit (minutes; 0: none): the fit stops at the next TAO iteration and the GLM so far is scored",
      NULL, o.max_minutes, &o.max_minutes, NULL));
  PetscCall(
      PetscOptionsInt("-glm_nbasis", "Raised-cosine bases per filter", NULL, o.basis.nbasis, &o.basis.nbasis, NULL));
  PetscCall(PetscOptionsReal("-glm_history_ms", "Length of the history and coupling filters (ms)", NULL,
                             o.basis.history_ms, &o.basis.history_ms, NULL));
  PetscCall(PetscOptionsReal("-glm_stretch_ms", "Offset c of the log-time stretch log(t + c) (ms)", NULL,
                             o.basis.stretch_ms, &o.basis.stretch_ms, NULL));
  PetscCall(PetscOptionsReal("-glm_l2", "L2 penalty on the filter coefficients (not the bias)", NULL, o.fit.l2,
                             &o.fit.l2, NULL));
  PetscCall(PetscOptionsInt("-glm_seed", "Seed of the GLM simulation", NULL, o.seed, &o.seed, NULL));
  PetscCall(PetscOptionsInt("-glm_k", "NMF modules for the comparison", NULL, o.k, &o.k, NULL));
  PetscCall(PetscOptionsInt("-glm_nmf_restarts", "NMF random restarts (the best is kept)", NULL, o.restarts,
                            &o.restarts, NULL));
  PetscCall(PetscOptionsInt("-glm_nmf_seed", "Seed of the NMF initialisation", NULL, o.nmf_seed, &o.nmf_seed, NULL));
  PetscCall(
      PetscOptionsReal("-glm_bin_ms", "Bin width of the comparison counts (ms)", NULL, o.bin_ms, &o.bin_ms, NULL));
  PetscCall(PetscOptionsString("-glm_tao_type", "TAO method of the joint fit: lmvm or blmvm (quasi-Newton)", NULL,
                               o.fit.tao_type, o.fit.tao_type, sizeof(o.fit.tao_type), NULL));
  PetscOptionsEnd();
  {
    PetscBool ok = PETSC_FALSE;
    for (int t = 0; glm_tao_types[t]; t++) ok = ok || !strcmp(o.fit.tao_type, glm_tao_types[t]);
    PetscCheck(ok, comm, PETSC_ERR_ARG_OUTOFRANGE,
               "-glm_tao_type must be lmvm or blmvm (nls and tron need every neuron's Hessian); got '%s'",
               o.fit.tao_type);
  }
  /* the solvers' options (-glm_tao_type lmvm|blmvm, -glm_tao_monitor, ...) are read
   * here once, so -help lists them and the unused-option check knows them */
  PetscCall(GlmTaoCreate(&o.fit, &tao));
  PetscCall(TaoGetType(tao, &type));
  PetscCall(PetscStrncpy(o.fit.tao_type, type, sizeof(o.fit.tao_type)));
  PetscCall(TaoDestroy(&tao));
  if (AppHelpRequested()) PetscFunctionReturn(0);
  PetscCall(AppCheckUnusedOptions(comm));
  PetscCheck(path[0], comm, PETSC_ERR_ARG_WRONG, "spikefit glm needs the results file: spikefit glm RUN.h5");
  PetscCheck(isfinite(o.bin_ms) && o.bin_ms > 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "-glm_bin_ms must be positive, got %g",
             o.bin_ms);
  PetscCheck(isfinite(o.fit.l2) && o.fit.l2 >= 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "-glm_l2 must be >= 0, got %g",
             o.fit.l2);
  PetscCheck(o.restarts >= 1 && o.seed >= 0 && o.nmf_seed >= 0, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-glm_nmf_restarts must be >= 1 and -glm_seed, -glm_nmf_seed >= 0");
  PetscCheck(isfinite(o.max_minutes) && o.max_minutes >= 0, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-glm_max_minutes must be >= 0, got %g", o.max_minutes);
  PetscCall(GlmFile(comm, path, &o, exit_code));
  PetscFunctionReturn(0);
}
