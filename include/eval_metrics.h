#ifndef SPIKEFIT_EVAL_METRICS_H
#define SPIKEFIT_EVAL_METRICS_H
/* The held-out evaluation's metrics (issue 14, docs/FORMAT.md /eval/compare): activity of a
 * model against a recording, from spike counts in bins. Serial, no MPI, no file I/O.
 * Counts are bin-major, counts[b*n + i] (bin b, neuron i). */
#include <petscsys.h>

typedef struct {
  double   rate_error;          /* median over neurons with recorded rate > 0 of |fitted - recorded| / recorded rate */
  double   rate_r;              /* Pearson r of fitted vs recorded rates across neurons (NAN if undefined) */
  double   corr_r;              /* Pearson r between the upper triangles (i<j) of the two neuron-by-neuron Pearson
                                 * correlation matrices of the counts, over pairs where both are defined (both
                                 * neurons non-constant in both) */
  double   mean_rate, max_rate; /* of the fitted activity, Hz */
  PetscInt nrated, npairs;      /* neurons in rate_error, pairs in corr_r */
} EvalMetrics;

/* counts [nbins][n] (bin-major) of the fitted and the recorded activity, bins of bin_ms.
 * Undefined values (no rated neuron, fewer than two pairs, zero variance) are NAN. */
PetscErrorCode EvalMetricsCompute(PetscInt n, PetscInt nbins, double bin_ms, const double *fitted,
                                  const double *recorded, EvalMetrics *m);
/* The same when the two have different lengths (the data ceiling: a stretch before the
 * holdout that may be shorter than it); rates are per second of each. */
PetscErrorCode EvalMetricsCompute2(PetscInt n, PetscInt nb_fitted, const double *fitted, PetscInt nb_recorded,
                                   const double *recorded, double bin_ms, EvalMetrics *m);
/* out = the mean of each metric over k sets (e.g. Poisson draws), over the sets where it is
 * defined (NAN when it is defined in none); nrated, npairs are those of the first set. */
void EvalMetricsMean(PetscInt k, const EvalMetrics *sets, EvalMetrics *out);
/* Pearson r of x and y (length n, two-pass sums); NAN when n < 2 or either is constant. */
double EvalPearson(PetscInt n, const double *x, const double *y);

/* Bins of the intervals span[k] = [a_k, b_k) (ms): interval k has floor((b_k - a_k)/bin_ms)
 * bins starting at a_k (a trailing partial bin is dropped), so no bin crosses a gap between
 * intervals. nb[k] (may be NULL) and the total. */
PetscInt EvalSpanBins(PetscInt nspan, const double *span, double bin_ms, PetscInt *nb);
/* counts[b*n + i] (bin-major, total bins of EvalSpanBins, intervals one after another) of the
 * spike trains given by offsets [n+1] and times [offsets[n]] (each unit's times sorted): a
 * spike at t in [a_k, b_k) falls in bin floor((t - a_k)/bin_ms) of interval k; spikes
 * outside every interval or in a dropped partial bin are not counted. */
PetscErrorCode EvalCountSpikes(PetscInt n, const PetscInt *offsets, const double *times, PetscInt nspan,
                               const double *span, double bin_ms, double *counts);
#endif
