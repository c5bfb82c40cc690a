/* Statistics of binned spike counts and distances; definitions in include/analysis_stats.h. */
#include "analysis_stats.h"
#include <math.h>

static PetscErrorCode CheckNB(const char *who, PetscInt n, PetscInt nbins)
{
  PetscFunctionBeginUser;
  PetscCheck(n >= 1 && nbins >= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "%s: need n, nbins >= 1 (got %" PetscInt_FMT ", %" PetscInt_FMT ")", who, n, nbins);
  PetscFunctionReturn(0);
}

static PetscErrorCode StepsPerBin(double dt_ms, double bin_ms, PetscInt *m)
{
  double r;

  PetscFunctionBeginUser;
  PetscCheck(dt_ms > 0.0 && bin_ms > 0.0 && isfinite(dt_ms) && isfinite(bin_ms), PETSC_COMM_SELF,
             PETSC_ERR_ARG_OUTOFRANGE, "binning: dt_ms and bin_ms must be positive (got %g, %g)", dt_ms, bin_ms);
  r = bin_ms / dt_ms;
  PetscCheck(r >= 0.5 && r < 1e9 && fabs(r - nearbyint(r)) <= 1e-9 * r, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "binning: bin_ms (%g) must be a positive integer multiple of dt_ms (%g)", bin_ms, dt_ms);
  *m = (PetscInt)nearbyint(r);
  PetscFunctionReturn(0);
}

PetscErrorCode AnalysisNumBins(PetscInt nsteps, double dt_ms, double bin_ms, PetscInt *nbins)
{
  PetscInt m;

  PetscFunctionBeginUser;
  PetscCheck(nsteps >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "binning: negative nsteps %" PetscInt_FMT, nsteps);
  PetscCall(StepsPerBin(dt_ms, bin_ms, &m));
  *nbins = nsteps / m;
  PetscFunctionReturn(0);
}

PetscErrorCode AnalysisBinCounts(const double *s, PetscInt nsteps, PetscInt n, double dt_ms, double bin_ms,
                                 PetscInt nbins, double *counts)
{
  PetscInt m, expect;

  PetscFunctionBeginUser;
  PetscCheck(n >= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "binning: need n >= 1 (got %" PetscInt_FMT ")", n);
  PetscCall(AnalysisNumBins(nsteps, dt_ms, bin_ms, &expect));
  PetscCheck(nbins == expect, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ,
             "binning: %" PetscInt_FMT " steps of %g ms make %" PetscInt_FMT " bins of %g ms, not %" PetscInt_FMT,
             nsteps, dt_ms, expect, bin_ms, nbins);
  PetscCall(StepsPerBin(dt_ms, bin_ms, &m));
  for (PetscInt q = 0; q < n * nbins; q++) counts[q] = 0.0;
  for (PetscInt b = 0; b < nbins; b++)
    for (PetscInt t = b * m; t < (b + 1) * m; t++)
      for (PetscInt i = 0; i < n; i++) counts[i * nbins + b] += s[t * n + i];
  PetscFunctionReturn(0);
}

PetscErrorCode AnalysisRates(const double *counts, PetscInt n, PetscInt nbins, double bin_ms, double *rates)
{
  PetscFunctionBeginUser;
  PetscCall(CheckNB("rates", n, nbins));
  PetscCheck(bin_ms > 0.0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "rates: bin_ms must be positive (got %g)",
             bin_ms);
  for (PetscInt i = 0; i < n; i++) {
    double s = 0.0;
    for (PetscInt b = 0; b < nbins; b++) s += counts[i * nbins + b];
    rates[i] = s / ((double)nbins * bin_ms / 1000.0);
  }
  PetscFunctionReturn(0);
}

static double RowMean(const double *x, PetscInt nbins)
{
  double s = 0.0;
  for (PetscInt b = 0; b < nbins; b++) s += x[b];
  return s / (double)nbins;
}

PetscErrorCode AnalysisMeanVar(const double *counts, PetscInt n, PetscInt nbins, double *mean, double *var)
{
  PetscFunctionBeginUser;
  PetscCall(CheckNB("mean/variance", n, nbins));
  for (PetscInt i = 0; i < n; i++) {
    const double *x  = counts + i * nbins;
    double        mu = RowMean(x, nbins), s = 0.0;
    for (PetscInt b = 0; b < nbins; b++) s += (x[b] - mu) * (x[b] - mu);
    if (mean) mean[i] = mu;
    if (var) var[i] = s / (double)nbins;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode AnalysisCovariance(const double *counts, PetscInt n, PetscInt nbins, double *cov)
{
  double *mu;

  PetscFunctionBeginUser;
  PetscCall(CheckNB("covariance", n, nbins));
  PetscCall(PetscMalloc1(n, &mu));
  for (PetscInt i = 0; i < n; i++) mu[i] = RowMean(counts + i * nbins, nbins);
  for (PetscInt i = 0; i < n; i++)
    for (PetscInt j = i; j < n; j++) {
      double s = 0.0;
      for (PetscInt b = 0; b < nbins; b++) s += (counts[i * nbins + b] - mu[i]) * (counts[j * nbins + b] - mu[j]);
      cov[i * n + j] = cov[j * n + i] = s / (double)nbins;
    }
  PetscCall(PetscFree(mu));
  PetscFunctionReturn(0);
}

/* Centres each row of M into out and returns its centred norm in nrm (0 for a constant row:
 * a centred sum of squares below 1e-20 of the raw one is rounding of a constant). */
static void CentreRows(const double *M, PetscInt n, PetscInt nbins, double *out, double *nrm)
{
  for (PetscInt i = 0; i < n; i++) {
    const double *x  = M + i * nbins;
    double        mu = RowMean(x, nbins), s = 0.0, raw = 0.0;
    for (PetscInt b = 0; b < nbins; b++) {
      out[i * nbins + b] = x[b] - mu;
      s += out[i * nbins + b] * out[i * nbins + b];
      raw += x[b] * x[b];
    }
    nrm[i] = (s > 1e-20 * raw) ? sqrt(s) : 0.0;
  }
}

PetscErrorCode AnalysisCrossCorrelation(const double *A, const double *B, PetscInt n, PetscInt nbins, double *corr)
{
  double *ca, *cb, *na, *nb;

  PetscFunctionBeginUser;
  PetscCall(CheckNB("cross-correlation", n, nbins));
  PetscCall(PetscMalloc4(n * nbins, &ca, n * nbins, &cb, n, &na, n, &nb));
  CentreRows(A, n, nbins, ca, na);
  CentreRows(B, n, nbins, cb, nb);
  for (PetscInt i = 0; i < n; i++)
    for (PetscInt j = 0; j < n; j++) {
      double s = 0.0, r;
      if (na[i] == 0.0 || nb[j] == 0.0) {
        corr[i * n + j] = 0.0;
        continue;
      }
      for (PetscInt b = 0; b < nbins; b++) s += ca[i * nbins + b] * cb[j * nbins + b];
      r               = s / (na[i] * nb[j]);
      corr[i * n + j] = PetscMax(-1.0, PetscMin(1.0, r));
    }
  PetscCall(PetscFree4(ca, cb, na, nb));
  PetscFunctionReturn(0);
}

PetscErrorCode AnalysisMeanDiagonal(const double *M, PetscInt n, double *mean)
{
  double s = 0.0;

  PetscFunctionBeginUser;
  PetscCheck(n >= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "mean diagonal: need n >= 1");
  for (PetscInt i = 0; i < n; i++) s += M[i * n + i];
  *mean = s / (double)n;
  PetscFunctionReturn(0);
}

PetscErrorCode AnalysisRateRMSE(const double *ra, const double *rb, PetscInt n, double *rmse)
{
  double s = 0.0;

  PetscFunctionBeginUser;
  PetscCheck(n >= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "rate RMSE: need n >= 1");
  for (PetscInt i = 0; i < n; i++) s += (ra[i] - rb[i]) * (ra[i] - rb[i]);
  *rmse = sqrt(s / (double)n);
  PetscFunctionReturn(0);
}

PetscErrorCode AnalysisRelFrobenius(const double *A, const double *B, PetscInt n, double *d)
{
  double diff = 0.0, na = 0.0, nb = 0.0, den;

  PetscFunctionBeginUser;
  PetscCheck(n >= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "relative Frobenius distance: need n >= 1");
  for (PetscInt q = 0; q < n * n; q++) {
    diff += (A[q] - B[q]) * (A[q] - B[q]);
    na += A[q] * A[q];
    nb += B[q] * B[q];
  }
  den = nb > 0.0 ? sqrt(nb) : sqrt(na);
  *d  = den > 0.0 ? sqrt(diff) / den : 0.0;
  PetscFunctionReturn(0);
}

PetscErrorCode AnalysisBlockDistance(const double *a, const double *b, PetscInt nblocks, const PetscInt *offsets,
                                     const PetscInt *sizes, double *dist_per_block, double *total)
{
  double tot = 0.0;

  PetscFunctionBeginUser;
  PetscCheck(nblocks >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "block distance: negative block count %" PetscInt_FMT, nblocks);
  for (PetscInt q = 0; q < nblocks; q++) {
    double s = 0.0;
    PetscCheck(offsets[q] >= 0 && sizes[q] >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
               "block distance: block %" PetscInt_FMT " has offset %" PetscInt_FMT " and size %" PetscInt_FMT, q,
               offsets[q], sizes[q]);
    for (PetscInt p = offsets[q]; p < offsets[q] + sizes[q]; p++) s += (a[p] - b[p]) * (a[p] - b[p]);
    if (dist_per_block) dist_per_block[q] = sqrt(s);
    tot += s;
  }
  if (total) *total = sqrt(tot);
  PetscFunctionReturn(0);
}
