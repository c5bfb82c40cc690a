/* `spikefit analyze RUN.h5`: judges a fit independently of its loss (SCIENCE.md section 8):
 * NMF modules of binned target, fitted and initial spikes and their geodesic similarity,
 * spike cross-correlations, rates, variances and covariances, and the distance to the truth
 * per block relative to the start. Results go to <fit>/analysis in RUN.h5 and to a text
 * summary RUN.h5.analysis.txt. */
#include "analysis_nmf.h"
#include "analysis_stats.h"
#include "eval_metrics.h"
#include "app.h"
#include "h5io.h"
#include "parallel.h"
#include "spikes.h"
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

typedef struct {
  PetscInt k, restarts;
  double   bin_ms;
  PetscInt seed;
} AnalyzeOptions;

static const char *const trains[3] = {"target", "fitted", "initial"};

/* Binned counts [n][nb] of /<prefix>eval/<which> over the evaluation's intervals. */
static PetscErrorCode ReadCounts(hid_t file, const char *path, const char *prefix, const char *which, PetscInt n,
                                 PetscInt nspan, const double *span, double bin, PetscInt nb, double *counts)
{
  char      name[256];
  int       rank;
  hsize_t   dims[4];
  int64_t  *off;
  PetscInt *offsets;
  double   *times, *c;

  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(name, sizeof(name), "%seval/%s/times_ms", prefix, which));
  PetscCall(H5InShape(file, path, name, &rank, dims));
  PetscCall(PetscMalloc1(dims[0] + 1, &times));
  if (dims[0]) PetscCall(H5InDoubles(file, path, name, dims[0], times));
  PetscCall(PetscMalloc2(n + 1, &off, n + 1, &offsets));
  PetscCall(PetscSNPrintf(name, sizeof(name), "%seval/%s/offsets", prefix, which));
  PetscCall(H5InInts(file, path, name, (hsize_t)(n + 1), off));
  for (PetscInt k = 0; k <= n; k++) {
    offsets[k] = (PetscInt)off[k];
    PetscCheck(offsets[k] >= (k ? offsets[k - 1] : 0) && (hsize_t)offsets[k] <= dims[0], PETSC_COMM_SELF,
               PETSC_ERR_FILE_UNEXPECTED, "%s: %s[%" PetscInt_FMT "] = %lld is out of order or past the %llu spikes",
               path, name, k, (long long)off[k], (unsigned long long)dims[0]);
  }
  for (PetscInt i = 0; i < n; i++)
    for (PetscInt q = offsets[i] + 1; q < offsets[i + 1]; q++)
      PetscCheck(times[q] >= times[q - 1], PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
                 "%s: %seval/%s/times_ms of unit %" PetscInt_FMT " are not sorted", path, prefix, which, i);
  PetscCall(PetscMalloc1((size_t)nb * n, &c));
  PetscCall(EvalCountSpikes(n, offsets, times, nspan, span, bin, c));
  for (PetscInt b = 0; b < nb; b++) /* neuron-major, as the analysis takes them */
    for (PetscInt i = 0; i < n; i++) counts[i * nb + b] = c[b * n + i];
  PetscCall(PetscFree(c));
  PetscCall(PetscFree2(off, offsets));
  PetscCall(PetscFree(times));
  PetscFunctionReturn(0);
}

/* The evaluation's intervals: /eval/span_ms, or (files written before it) the windows back
 * to back from 0 ms; and its neurons: the recorded ones (the spike groups' units). */
static PetscErrorCode ReadSpans(hid_t in, const char *path, const char *prefix, PetscInt *n, PetscInt *nspan,
                                double **span)
{
  char      name[256];
  int       rank;
  hsize_t   dims[4];
  PetscBool has;

  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(name, sizeof(name), "%seval/target/offsets", prefix));
  PetscCall(H5InShape(in, path, name, &rank, dims));
  PetscCheck(rank == 1 && dims[0] >= 2, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: %s must be a vector of at least 2 offsets", path, name);
  *n = (PetscInt)dims[0] - 1;
  PetscCall(PetscSNPrintf(name, sizeof(name), "%seval/span_ms", prefix));
  PetscCall(H5InExists(in, name, &has));
  if (has) {
    PetscCall(H5InShape(in, path, name, &rank, dims));
    PetscCheck(rank == 2 && dims[1] == 2, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s must be [K][2]", path,
               name);
    *nspan = (PetscInt)dims[0];
    PetscCall(PetscMalloc1(2 * *nspan + 1, span));
    if (*nspan) PetscCall(H5InDoubles(in, path, name, dims[0] * 2, *span));
    for (PetscInt k = 0; k < *nspan; k++)
      PetscCheck((*span)[2 * k + 1] > (*span)[2 * k] && (k == 0 || (*span)[2 * k] >= (*span)[2 * k - 1]),
                 PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
                 "%s: %s row %" PetscInt_FMT " [%g, %g) is empty or out of order", path, name, k, (*span)[2 * k],
                 (*span)[2 * k + 1]);
  } else {
    int64_t windows, wsteps;
    double  dt;
    PetscCall(H5InAttrDouble(in, path, prefix[0] ? prefix : "/", "dt", &dt));
    PetscCall(PetscSNPrintf(name, sizeof(name), "%seval", prefix));
    PetscCall(H5InAttrInt(in, path, name, "windows", &windows));
    PetscCall(H5InAttrInt(in, path, name, "window_steps", &wsteps));
    *nspan = 1;
    PetscCall(PetscMalloc1(2, span));
    (*span)[0] = 0;
    (*span)[1] = (double)(windows * wsteps) * dt;
  }
  PetscFunctionReturn(0);
}

/* The NMF factors and the statistics of one spike train (target, fitted or initial). */
static PetscErrorCode WriteTrainStats(H5Out *out, const char *grp, const char *train, PetscInt n, PetscInt k,
                                      PetscInt nb, const double *W, const double *H, const double *rate,
                                      const double *var, const double *cov)
{
  char    name[256];
  hsize_t d2[2];

  PetscFunctionBeginUser;
  d2[0] = (hsize_t)n;
  d2[1] = (hsize_t)k;
  PetscCall(PetscSNPrintf(name, sizeof(name), "%s/nmf/W_%s", grp, train));
  PetscCall(H5OutDoubles(out, name, 2, d2, W));
  d2[0] = (hsize_t)k;
  d2[1] = (hsize_t)nb;
  PetscCall(PetscSNPrintf(name, sizeof(name), "%s/nmf/H_%s", grp, train));
  PetscCall(H5OutDoubles(out, name, 2, d2, H));
  d2[0] = (hsize_t)n;
  PetscCall(PetscSNPrintf(name, sizeof(name), "%s/rate_%s", grp, train));
  PetscCall(H5OutDoubles(out, name, 1, d2, rate));
  PetscCall(PetscSNPrintf(name, sizeof(name), "%s/variance_%s", grp, train));
  PetscCall(H5OutDoubles(out, name, 1, d2, var));
  d2[1] = (hsize_t)n;
  PetscCall(PetscSNPrintf(name, sizeof(name), "%s/covariance_%s", grp, train));
  PetscCall(H5OutDoubles(out, name, 2, d2, cov));
  PetscFunctionReturn(0);
}

/* The distance to the truth per block, relative to the start (synthetic fits). */
static PetscErrorCode AnalyzeDistances(const char *path, hid_t in, H5Out *out, const char *prefix, const char *grp,
                                       FILE *txt)
{
  char      name[256];
  PetscBool has;

  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(name, sizeof(name), "%sdistance/total", prefix));
  PetscCall(H5InExists(in, name, &has));
  if (has) {
    const char *blocks[] = {"E_L", "tau_m", "tau_g", "R_I", "W", "r_p", "total"};
    PetscCall(PetscFPrintf(PETSC_COMM_SELF, txt, "  distance to the truth, end / start:"));
    for (size_t b = 0; b < sizeof(blocks) / sizeof(blocks[0]); b++) {
      int       rank;
      hsize_t   dims[4];
      double   *d;
      PetscBool exists;
      PetscCall(PetscSNPrintf(name, sizeof(name), "%sdistance/%s", prefix, blocks[b]));
      PetscCall(H5InExists(in, name, &exists));
      if (!exists) continue;
      PetscCall(H5InShape(in, path, name, &rank, dims));
      PetscCall(PetscMalloc1(dims[0], &d));
      PetscCall(H5InDoubles(in, path, name, dims[0], d));
      for (hsize_t i = dims[0]; i-- > 0;) d[i] = d[0] > 0 ? d[i] / d[0] : NAN;
      PetscCall(PetscSNPrintf(name, sizeof(name), "%s/relative_distance/%s", grp, blocks[b]));
      PetscCall(H5OutDoubles(out, name, 1, dims, d));
      if (isfinite(d[dims[0] - 1]))
        PetscCall(PetscFPrintf(PETSC_COMM_SELF, txt, "  %s %.4f", blocks[b], d[dims[0] - 1]));
      PetscCall(PetscFree(d));
    }
    PetscCall(PetscFPrintf(PETSC_COMM_SELF, txt, "\n"));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode AnalyzeFit(const char *path, hid_t in, H5Out *out, const char *prefix, const AnalyzeOptions *ao,
                                 FILE *txt)
{
  char       obj[256], name[256], grp[256];
  double     ms = 0, *span = NULL;
  PetscInt   n = 0, nspan = 0, nb, k         = ao->k;
  double    *counts[3], *W[3], *H[3], sim[3] = {0}, *xc, *cov[3], *var[3], *rate[3];
  PetscInt   match[64];
  NmfOptions nopt;
  hsize_t    d2[2];

  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(obj, sizeof(obj), "%s", prefix[0] ? prefix : "/"));
  PetscCall(ReadSpans(in, path, prefix, &n, &nspan, &span));
  nb = EvalSpanBins(nspan, span, ao->bin_ms, NULL);
  for (PetscInt q = 0; q < nspan; q++) ms += span[2 * q + 1] - span[2 * q];
  PetscCheck(n > 0 && ms > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s has no evaluation spikes to analyse",
             path, obj);
  PetscCheck(nb >= 2, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "%s: %g ms of evaluation make fewer than two %g ms bins (-analyze_bin_ms)", path, ms, ao->bin_ms);
  PetscCheck(k >= 1 && k <= PetscMin(n, 64), PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "-analyze_k must be in [1, %" PetscInt_FMT "], got %" PetscInt_FMT, PetscMin(n, 64), k);
  NmfOptionsDefault(&nopt);
  nopt.k         = k;
  nopt.nrestarts = ao->restarts;
  nopt.seed      = (uint64_t)ao->seed;
  PetscCall(PetscSNPrintf(grp, sizeof(grp), "%sanalysis", prefix));
  PetscCall(H5OutRemove(out, grp));
  for (int c = 0; c < 3; c++) {
    PetscCall(PetscMalloc6(n * nb, &counts[c], n * k, &W[c], k * nb, &H[c], n * n, &cov[c], n, &var[c], n, &rate[c]));
    PetscCall(ReadCounts(in, path, prefix, trains[c], n, nspan, span, ao->bin_ms, nb, counts[c]));
    PetscCall(NmfFit(counts[c], n, nb, &nopt, W[c], H[c], NULL));
    PetscCall(AnalysisRates(counts[c], n, nb, ao->bin_ms, rate[c]));
    PetscCall(AnalysisMeanVar(counts[c], n, nb, NULL, var[c]));
    PetscCall(AnalysisCovariance(counts[c], n, nb, cov[c]));
    PetscCall(WriteTrainStats(out, grp, trains[c], n, k, nb, W[c], H[c], rate[c], var[c], cov[c]));
  }
  PetscCall(PetscMalloc1(n * n, &xc));
  PetscCall(PetscFPrintf(PETSC_COMM_SELF, txt,
                         "%s (%" PetscInt_FMT " neurons, %.0f ms of evaluation spikes in %" PetscInt_FMT
                         " interval(s), %.4g ms bins, NMF k = %" PetscInt_FMT ")\n",
                         obj, n, ms, nspan, ao->bin_ms, k));
  for (int c = 1; c < 3; c++) {
    double spike, rmse, covd, vard = 0;
    PetscCall(AnalysisGeodesicSimilarity(W[c], W[0], n, k, &sim[c], match));
    PetscCall(AnalysisCrossCorrelation(counts[c], counts[0], n, nb, xc));
    PetscCall(AnalysisMeanDiagonal(xc, n, &spike));
    PetscCall(AnalysisRateRMSE(rate[c], rate[0], n, &rmse));
    PetscCall(AnalysisRelFrobenius(cov[c], cov[0], n, &covd));
    for (PetscInt i = 0; i < n; i++) vard += (var[c][i] - var[0][i]) * (var[c][i] - var[0][i]);
    vard = sqrt(vard / n);
    PetscCall(PetscSNPrintf(name, sizeof(name), "%s/geodesic_similarity_%s", grp, trains[c]));
    PetscCall(H5OutScalar(out, name, sim[c]));
    PetscCall(PetscSNPrintf(name, sizeof(name), "%s/spike_correlation_%s", grp, trains[c]));
    PetscCall(H5OutScalar(out, name, spike));
    PetscCall(PetscSNPrintf(name, sizeof(name), "%s/rate_rmse_%s", grp, trains[c]));
    PetscCall(H5OutScalar(out, name, rmse));
    PetscCall(PetscSNPrintf(name, sizeof(name), "%s/covariance_distance_%s", grp, trains[c]));
    PetscCall(H5OutScalar(out, name, covd));
    d2[0] = d2[1] = (hsize_t)n;
    PetscCall(PetscSNPrintf(name, sizeof(name), "%s/xcorr_%s_target", grp, trains[c]));
    PetscCall(H5OutDoubles(out, name, 2, d2, xc));
    PetscCall(PetscFPrintf(
        PETSC_COMM_SELF, txt,
        "  %-8s vs target: geodesic similarity %.4f  spike correlation %.4f  rate RMSE %.3f Hz  count variance RMSE %.4g  covariance rel. distance %.4f\n",
        trains[c], sim[c], spike, rmse, vard, covd));
  }
  PetscCall(AnalyzeDistances(path, in, out, prefix, grp, txt));
  PetscCall(H5OutAttrInt(out, grp, "k", k));
  PetscCall(H5OutAttrInt(out, grp, "nmf_restarts", ao->restarts));
  PetscCall(H5OutAttrDouble(out, grp, "bin_ms", ao->bin_ms));
  PetscCall(PetscFree(xc));
  PetscCall(PetscFree(span));
  for (int c = 0; c < 3; c++) PetscCall(PetscFree6(counts[c], W[c], H[c], cov[c], var[c], rate[c]));
  PetscFunctionReturn(0);
}

static PetscErrorCode AnalyzeAll(const char *path, hid_t in, H5Out *out, const AnalyzeOptions *ao, FILE *txtfile)
{
  int64_t restarts = 1;
  char    fmt[32];
  FILE   *txt[2] = {txtfile, stdout};

  PetscFunctionBeginUser;
  PetscCall(H5InAttrString(in, path, "/", "spikefit_format", fmt, sizeof(fmt)));
  PetscCheck(!strcmp(fmt, "run"), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s is a spikefit '%s' file, not the results of a fit", path, fmt);
  if (H5Aexists(in, "restarts") > 0) PetscCall(H5InAttrInt(in, path, "/", "restarts", &restarts));
  for (int64_t r = -1; r < (restarts > 1 ? restarts : 0); r++) {
    char prefix[64] = "";
    if (r >= 0) PetscCall(PetscSNPrintf(prefix, sizeof(prefix), "/fit_%lld/", (long long)r));
    for (int t = 0; t < 2; t++) PetscCall(AnalyzeFit(path, in, out, prefix, ao, txt[t]));
  }
  PetscFunctionReturn(0);
}

/* RUN.h5 is replaced only when the whole analysis worked, and RUN.h5.analysis.txt (written
 * to a temporary file first) appears only after RUN.h5 was replaced. */
static PetscErrorCode AnalyzeFile(const char *path, const AnalyzeOptions *ao)
{
  hid_t          in  = -1;
  H5Out         *out = NULL;
  PetscErrorCode ierr;
  char           txtpath[PETSC_MAX_PATH_LEN + 16], txttmp[PETSC_MAX_PATH_LEN + 32];
  FILE          *txt;

  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(txtpath, sizeof(txtpath), "%s.analysis.txt", path));
  PetscCall(PetscSNPrintf(txttmp, sizeof(txttmp), "%s.tmp", txtpath));
  PetscCall(H5InOpen(path, &in));
  txt = fopen(txttmp, "w");
  if (!txt) H5InClose(&in, path);
  PetscCheck(txt, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "cannot write %s", txttmp);
  ierr = H5OutUpdate(path, &out);
  if (!ierr) ierr = AnalyzeAll(path, in, out, ao, txt);
  H5InClose(&in, path);
  if (fclose(txt) != 0 && !ierr)
    ierr = PetscError(PETSC_COMM_SELF, __LINE__, PETSC_FUNCTION_NAME, __FILE__, PETSC_ERR_FILE_WRITE,
                      PETSC_ERROR_INITIAL, "cannot write %s (disk full?)", txttmp);
  if (!ierr) ierr = H5OutCommit(&out, NULL);
  if (ierr) {
    H5OutAbort(&out);
    unlink(txttmp);
    return ierr;
  }
  PetscCheck(rename(txttmp, txtpath) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot rename %s to %s", txttmp,
             txtpath);
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "analyze: written to %s (/analysis) and %s\n", path, txtpath));
  PetscFunctionReturn(0);
}

PetscErrorCode AnalyzeRun(MPI_Comm comm, const char *run, int *exit_code)
{
  AnalyzeOptions ao                       = {.k = 3, .restarts = 5, .bin_ms = 20.0, .seed = 0};
  char           path[PETSC_MAX_PATH_LEN] = "";
  PetscErrorCode ierr                     = 0;
  PetscBool      failed;

  PetscFunctionBeginUser;
  *exit_code = 0;
  if (run) PetscCall(PetscStrncpy(path, run, sizeof(path)));
  PetscOptionsBegin(comm, NULL, "spikefit analyze RUN.h5: judge a fit independently of its loss", NULL);
  PetscCall(PetscOptionsString("-run", "Results file of a fit (or give it right after 'analyze')", NULL, path, path,
                               sizeof(path), NULL));
  PetscCall(PetscOptionsInt("-analyze_k", "NMF modules", NULL, ao.k, &ao.k, NULL));
  PetscCall(PetscOptionsInt("-analyze_nmf_restarts", "NMF random restarts (the best is kept)", NULL, ao.restarts,
                            &ao.restarts, NULL));
  PetscCall(PetscOptionsReal("-analyze_bin_ms", "Bin width for counts (ms)", NULL, ao.bin_ms, &ao.bin_ms, NULL));
  PetscCall(PetscOptionsInt("-analyze_seed", "Seed of the NMF initialisation", NULL, ao.seed, &ao.seed, NULL));
  PetscOptionsEnd();
  if (AppHelpRequested()) PetscFunctionReturn(0);
  PetscCall(AppCheckUnusedOptions(comm));
  PetscCheck(path[0], comm, PETSC_ERR_ARG_WRONG, "spikefit analyze needs the results file: spikefit analyze RUN.h5");
  PetscCheck(isfinite(ao.bin_ms) && ao.bin_ms > 0, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-analyze_bin_ms must be positive, got %g", ao.bin_ms);
  PetscCheck(ao.restarts >= 1 && ao.seed >= 0, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-analyze_nmf_restarts must be >= 1 and -analyze_seed >= 0");
  /* the analysis is serial; rank 0 does it and the others learn whether it worked */
  if (ParallelRank(comm) == 0) ierr = AnalyzeFile(path, &ao);
  PetscCall(ParallelAny(comm, ierr ? PETSC_TRUE : PETSC_FALSE, &failed));
  PetscCheck(!failed, comm, PETSC_ERR_FILE_UNEXPECTED, "analysis of %s failed", path);
  PetscFunctionReturn(0);
}
