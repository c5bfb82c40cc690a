/* The held-out evaluation's metrics: rates and the correlation structure of binned counts.
 * Two-pass sums throughout so that a plain numpy computation agrees to rounding. */
#include "eval_metrics.h"
#include <math.h>
#include <stdlib.h>
#include <stddef.h>

double EvalPearson(PetscInt n, const double *x, const double *y)
{
  double mx = 0, my = 0, sxx = 0, syy = 0, sxy = 0;
  if (n < 2) return NAN;
  for (PetscInt k = 0; k < n; k++) {
    mx += x[k];
    my += y[k];
  }
  mx /= n;
  my /= n;
  for (PetscInt k = 0; k < n; k++) {
    double a = x[k] - mx, b = y[k] - my;
    sxx += a * a;
    syy += b * b;
    sxy += a * b;
  }
  return sxx > 0 && syy > 0 ? sxy / sqrt(sxx * syy) : NAN;
}

static int CmpDouble(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static void Rates(PetscInt n, PetscInt nb, double bin_ms, const double *c, double *rate)
{
  for (PetscInt i = 0; i < n; i++) rate[i] = 0;
  for (PetscInt b = 0; b < nb; b++)
    for (PetscInt i = 0; i < n; i++) rate[i] += c[b * n + i];
  for (PetscInt i = 0; i < n; i++) rate[i] = nb > 0 ? rate[i] / (nb * bin_ms / 1000.0) : 0;
}

/* The upper triangle (i<j) of the neurons' Pearson correlations of counts c [nb][n];
 * ok[i] says neuron i is non-constant. Centred counts are made neuron-major first, so the
 * pair sums run over contiguous memory (a recording's holdout has 10^4 bins and more). */
static PetscErrorCode Correlations(PetscInt n, PetscInt nb, const double *c, double *r, PetscBool *ok)
{
  double *mean, *dev, *z;
  PetscFunctionBeginUser;
  PetscCall(PetscCalloc2(n, &mean, n, &dev));
  PetscCall(PetscMalloc1((size_t)n * nb + 1, &z));
  for (PetscInt b = 0; b < nb; b++)
    for (PetscInt i = 0; i < n; i++) mean[i] += c[b * n + i];
  for (PetscInt i = 0; i < n; i++) mean[i] = nb > 0 ? mean[i] / nb : 0;
  for (PetscInt b = 0; b < nb; b++)
    for (PetscInt i = 0; i < n; i++) z[(size_t)i * nb + b] = c[b * n + i] - mean[i];
  for (PetscInt i = 0; i < n; i++) {
    const double *zi = z + (size_t)i * nb;
    for (PetscInt b = 0; b < nb; b++) dev[i] += zi[b] * zi[b];
    ok[i] = dev[i] > 0 ? PETSC_TRUE : PETSC_FALSE;
  }
  for (PetscInt i = 0, k = 0; i < n; i++)
    for (PetscInt j = i + 1; j < n; j++, k++) {
      const double *zi = z + (size_t)i * nb, *zj = z + (size_t)j * nb;
      double        s = 0;
      if (!ok[i] || !ok[j]) {
        r[k] = NAN;
        continue;
      }
      for (PetscInt b = 0; b < nb; b++) s += zi[b] * zj[b];
      r[k] = s / sqrt(dev[i] * dev[j]);
    }
  PetscCall(PetscFree(z));
  PetscCall(PetscFree2(mean, dev));
  PetscFunctionReturn(0);
}

PetscErrorCode EvalMetricsCompute2(PetscInt n, PetscInt nbf, const double *fitted, PetscInt nbr, const double *recorded,
                                   double bin_ms, EvalMetrics *m)
{
  double    *rf, *rr, *rel, *cf, *cr;
  PetscBool *okf, *okr;
  PetscInt   npair = n * (n - 1) / 2, k = 0;

  PetscFunctionBeginUser;
  PetscCheck(n > 0 && nbf >= 0 && nbr >= 0 && bin_ms > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "EvalMetricsCompute: %" PetscInt_FMT " neurons, %" PetscInt_FMT " and %" PetscInt_FMT " bins of %g ms", n,
             nbf, nbr, bin_ms);
  PetscCall(PetscMalloc5(n, &rf, n, &rr, n, &rel, npair + 1, &cf, npair + 1, &cr));
  PetscCall(PetscMalloc2(n, &okf, n, &okr));
  Rates(n, nbf, bin_ms, fitted, rf);
  Rates(n, nbr, bin_ms, recorded, rr);
  m->mean_rate = 0;
  m->max_rate  = 0;
  for (PetscInt i = 0; i < n; i++) {
    m->mean_rate += rf[i];
    m->max_rate = PetscMax(m->max_rate, rf[i]);
    if (rr[i] > 0) rel[k++] = fabs(rf[i] - rr[i]) / rr[i];
  }
  m->mean_rate /= n;
  m->nrated = k;
  qsort(rel, (size_t)k, sizeof(double), CmpDouble);
  m->rate_error = k == 0 ? NAN : (k % 2 ? rel[k / 2] : 0.5 * (rel[k / 2 - 1] + rel[k / 2]));
  m->rate_r     = EvalPearson(n, rf, rr);
  PetscCall(Correlations(n, nbf, fitted, cf, okf));
  PetscCall(Correlations(n, nbr, recorded, cr, okr));
  k = 0;
  for (PetscInt i = 0, q = 0; i < n; i++)
    for (PetscInt j = i + 1; j < n; j++, q++)
      if (okf[i] && okf[j] && okr[i] && okr[j]) {
        cf[k] = cf[q];
        cr[k] = cr[q];
        k++;
      }
  m->npairs = k;
  m->corr_r = EvalPearson(k, cf, cr);
  PetscCall(PetscFree5(rf, rr, rel, cf, cr));
  PetscCall(PetscFree2(okf, okr));
  PetscFunctionReturn(0);
}

PetscErrorCode EvalMetricsCompute(PetscInt n, PetscInt nbins, double bin_ms, const double *fitted,
                                  const double *recorded, EvalMetrics *m)
{
  PetscFunctionBeginUser;
  PetscCall(EvalMetricsCompute2(n, nbins, fitted, nbins, recorded, bin_ms, m));
  PetscFunctionReturn(0);
}

static double MeanDefined(PetscInt k, const EvalMetrics *s, size_t off)
{
  double   sum = 0;
  PetscInt c   = 0;
  for (PetscInt i = 0; i < k; i++) {
    double v = *(const double *)((const char *)&s[i] + off);
    if (isfinite(v)) {
      sum += v;
      c++;
    }
  }
  return c ? sum / c : NAN;
}

void EvalMetricsMean(PetscInt k, const EvalMetrics *sets, EvalMetrics *out)
{
  EvalMetrics m;
  m.rate_error = MeanDefined(k, sets, offsetof(EvalMetrics, rate_error));
  m.rate_r     = MeanDefined(k, sets, offsetof(EvalMetrics, rate_r));
  m.corr_r     = MeanDefined(k, sets, offsetof(EvalMetrics, corr_r));
  m.mean_rate  = MeanDefined(k, sets, offsetof(EvalMetrics, mean_rate));
  m.max_rate   = MeanDefined(k, sets, offsetof(EvalMetrics, max_rate));
  m.nrated     = k ? sets[0].nrated : 0;
  m.npairs     = k ? sets[0].npairs : 0;
  *out         = m;
}

PetscInt EvalSpanBins(PetscInt nspan, const double *span, double bin_ms, PetscInt *nb)
{
  PetscInt total = 0;
  for (PetscInt k = 0; k < nspan; k++) {
    /* (the 1e-9 keeps a span of exactly m bins at m despite rounding of b - a) */
    PetscInt m = (PetscInt)floor((span[2 * k + 1] - span[2 * k]) / bin_ms + 1e-9);
    if (m < 0) m = 0;
    if (nb) nb[k] = m;
    total += m;
  }
  return total;
}

PetscErrorCode EvalCountSpikes(PetscInt n, const PetscInt *offsets, const double *times, PetscInt nspan,
                               const double *span, double bin_ms, double *counts)
{
  PetscInt *nb, *first, total;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc2(nspan + 1, &nb, nspan + 1, &first));
  total    = EvalSpanBins(nspan, span, bin_ms, nb);
  first[0] = 0;
  for (PetscInt k = 0; k < nspan; k++) first[k + 1] = first[k] + nb[k];
  PetscCall(PetscArrayzero(counts, total * n));
  for (PetscInt i = 0; i < n; i++) {
    PetscInt k = 0;
    for (PetscInt q = offsets[i]; q < offsets[i + 1]; q++) {
      double t = times[q], b;
      while (k < nspan && t >= span[2 * k + 1]) k++; /* times sorted, intervals sorted */
      if (k == nspan) break;
      if (t < span[2 * k]) continue;
      b = floor((t - span[2 * k]) / bin_ms);
      if (b >= 0 && b < nb[k]) counts[(first[k] + (PetscInt)b) * n + i] += 1;
    }
  }
  PetscCall(PetscFree2(nb, first));
  PetscFunctionReturn(0);
}
