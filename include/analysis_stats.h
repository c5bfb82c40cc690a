#ifndef SPIKEFIT_ANALYSIS_STATS_H
#define SPIKEFIT_ANALYSIS_STATS_H
/* Statistics of binned spike counts and distances between fits (SCIENCE.md section 8).
 * Serial, no MPI, no file I/O. Count matrices are neuron-major, counts[i*nbins + b]
 * (the layout NmfFit takes); spike arrays are step-major s[t*n + i] in {0,1} (the layout of
 * SpikeTrainsBin and of the simulator's output). See docs/ANALYSIS.md. */
#include <petscsys.h>

#define ANALYSIS_BIN_MS_DEFAULT 20.0

/* Number of whole bins of bin_ms in nsteps steps of dt_ms. bin_ms must be a positive integer
 * multiple of dt_ms (to 1e-9 relative); a trailing partial bin is dropped. */
PetscErrorCode AnalysisNumBins(PetscInt nsteps, double dt_ms, double bin_ms, PetscInt *nbins);

/* counts[i*nbins + b] = sum of s[t*n + i] over the steps t of bin b, i.e.
 * t in [b*m, (b+1)*m) with m = bin_ms/dt_ms (bin b covers [b*bin_ms, (b+1)*bin_ms) after the
 * first step). nbins must equal AnalysisNumBins(); counts is caller-allocated [n*nbins]. */
PetscErrorCode AnalysisBinCounts(const double *s, PetscInt nsteps, PetscInt n, double dt_ms, double bin_ms,
                                 PetscInt nbins, double *counts);

/* rates[i] = (sum_b counts[i][b]) / (nbins * bin_ms / 1000), in Hz. */
PetscErrorCode AnalysisRates(const double *counts, PetscInt n, PetscInt nbins, double bin_ms, double *rates);

/* Per-neuron mean and variance of the counts over bins; variance normalised by nbins
 * (population variance, ddof = 0). mean or var may be NULL. */
PetscErrorCode AnalysisMeanVar(const double *counts, PetscInt n, PetscInt nbins, double *mean, double *var);

/* cov[i*n + j] = (1/nbins) sum_b (c_i[b] - mean_i)(c_j[b] - mean_j)  (ddof = 0, symmetric). */
PetscErrorCode AnalysisCovariance(const double *counts, PetscInt n, PetscInt nbins, double *cov);

/* Pearson correlation between neuron i of A and neuron j of B (both [n][nbins], e.g. fitted
 * and target): corr[i*n + j]. A neuron with zero variance (constant counts, e.g. silent)
 * has correlation 0 with everything. */
PetscErrorCode AnalysisCrossCorrelation(const double *A, const double *B, PetscInt n, PetscInt nbins, double *corr);

/* Mean of the diagonal of an n x n matrix: with corr from AnalysisCrossCorrelation(fitted,
 * target) this is the mean spike correlation between fitted and target neuron i. */
PetscErrorCode AnalysisMeanDiagonal(const double *M, PetscInt n, double *mean);

/* sqrt( (1/n) sum_i (ra[i] - rb[i])^2 ). */
PetscErrorCode AnalysisRateRMSE(const double *ra, const double *rb, PetscInt n, double *rmse);

/* ||A - B||_F / ||B||_F for n x n matrices, B the reference (target). If ||B||_F = 0 the
 * denominator is ||A||_F instead, and the distance is 0 when both are 0. */
PetscErrorCode AnalysisRelFrobenius(const double *A, const double *B, PetscInt n, double *d);

/* Euclidean distance between two flat parameter arrays, per block and in total:
 * dist_per_block[q] = ||a[o:o+s] - b[o:o+s]||_2 with o = offsets[q], s = sizes[q];
 * *total = sqrt(sum_q dist_per_block[q]^2) (the distance over the union of the blocks).
 * dist_per_block or total may be NULL. Sizes must be >= 0 and offsets >= 0. */
PetscErrorCode AnalysisBlockDistance(const double *a, const double *b, PetscInt nblocks, const PetscInt *offsets,
                                     const PetscInt *sizes, double *dist_per_block, double *total);
#endif
