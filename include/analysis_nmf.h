#ifndef SPIKEFIT_ANALYSIS_NMF_H
#define SPIKEFIT_ANALYSIS_NMF_H
/* Non-negative matrix factorisation of binned spike counts and the geodesic similarity of
 * two module matrices (SCIENCE.md section 8). Serial, no MPI, no file I/O.
 *
 * Layout: every matrix is dense and row-major.
 *   X [n][nbins]  binned spike counts (neurons x bins), all entries finite and >= 0
 *   W [n][k]      modules: column c is module c's vector of neuron loadings
 *   H [k][nbins]  activation coefficients of the modules over the bins
 * See docs/ANALYSIS.md for the definitions and the choices made. */
#include <petscsys.h>
#include <stdint.h>

typedef struct {
  PetscInt k;         /* number of modules (default 3) */
  PetscInt nrestarts; /* random initialisations; the lowest error wins (default 5) */
  PetscInt maxit;     /* maximum multiplicative updates per restart (default 1000) */
  double   rtol;      /* stop when the error's relative decrease over NMF_CHECK_EVERY
                          updates is below rtol (default 1e-6) */
  double   eps;       /* added to every update denominator (default 1e-12) */
  uint64_t seed;      /* seed of the counter-based initialisation (default 0) */
} NmfOptions;

/* The error is evaluated (and convergence tested) every NMF_CHECK_EVERY updates. */
#define NMF_CHECK_EVERY 10

typedef struct {
  double    err;          /* ||X - W H||_F of the returned factors */
  double    relerr;       /* err / ||X||_F (0 when X == 0) */
  PetscInt  best_restart; /* index of the restart that was kept */
  PetscInt  iterations;   /* updates done by the kept restart */
  PetscBool converged;    /* the kept restart met rtol before maxit */
} NmfInfo;

void NmfOptionsDefault(NmfOptions *opt);

/* Doubles of workspace NmfUpdate/NmfUpdate_ref need: 2*k*nbins + 2*k*k + 2*n*k. */
PetscInt NmfWorkSize(PetscInt n, PetscInt nbins, PetscInt k);

/* One Lee & Seung multiplicative update for the Frobenius objective, H first, then W with
 * the new H:
 *   H <- H .* (W^T X) ./ ((W^T W) H + eps)
 *   W <- W .* (X H^T) ./ (W (H H^T) + eps)
 * NmfUpdate uses cblas_dgemm; NmfUpdate_ref is the plain-loop reference with the same
 * association of products. work holds NmfWorkSize() doubles, or is NULL (then allocated). */
PetscErrorCode NmfUpdate(const double *X, PetscInt n, PetscInt nbins, PetscInt k, double *W, double *H, double eps,
                         double *work);
PetscErrorCode NmfUpdate_ref(const double *X, PetscInt n, PetscInt nbins, PetscInt k, double *W, double *H, double eps,
                             double *work);

/* ||X - W H||_F, computed directly (no expansion, so it is accurate near 0). work holds
 * n*nbins doubles or is NULL. */
PetscErrorCode NmfError(const double *X, PetscInt n, PetscInt nbins, PetscInt k, const double *W, const double *H,
                        double *work, double *err);

/* Scales every column of W to unit L2 norm and the matching row of H by the inverse (W H is
 * unchanged), then orders the modules by total activation (row sum of the scaled H),
 * descending; ties keep the lower index first. A zero column of W stays zero and its row of H
 * is set to zero (the module contributes nothing to W H either way). */
PetscErrorCode NmfNormalize(PetscInt n, PetscInt nbins, PetscInt k, double *W, double *H);

/* Factorises X into W [n][k] and H [k][nbins] (caller-allocated, k = opt->k; opt may be NULL
 * for the defaults). Restart r initialises
 *   W[i][c] = s * (0.01 + RngUniform(seed, RngStreamId(RNG_STREAM_ANALYSIS, r), 0, i, c))
 *   H[c][t] = s * (0.01 + RngUniform(seed, RngStreamId(RNG_STREAM_ANALYSIS, r), 1, c, t))
 * with s = sqrt(mean(X) / k), runs the updates, and the restart with the lowest ||X - WH||_F
 * is kept (ties: the earlier restart) and normalised with NmfNormalize. info may be NULL. */
PetscErrorCode NmfFit(const double *X, PetscInt n, PetscInt nbins, const NmfOptions *opt, double *W, double *H,
                      NmfInfo *info);

/* ---- module similarity ---- */
typedef enum {
  ANALYSIS_ASSIGN_AUTO      = 0, /* brute force for k <= 8, Hungarian above */
  ANALYSIS_ASSIGN_BRUTE     = 1, /* every permutation, lexicographic order, first best kept */
  ANALYSIS_ASSIGN_HUNGARIAN = 2  /* O(k^3) Hungarian algorithm (Kuhn-Munkres, potentials) */
} AnalysisAssignMethod;

/* Maximum-weight perfect matching on a k x k score matrix (row-major): match[i] is the column
 * assigned to row i; *total (may be NULL) is the sum of score[i][match[i]]. */
PetscErrorCode AnalysisAssignMax(const double *score, PetscInt k, AnalysisAssignMethod method, PetscInt *match,
                                 double *total);

/* Geodesic similarity of module matrices A, B [n][k] (columns = modules, any positive scale):
 * columns are normalised to unit L2 norm, modules matched by the assignment maximising
 * sum_c |a_c . b_match[c]|, and
 *   sim = mean_c (1 - (2/pi) * angle(a_c, b_match[c])),
 *   angle = acos(clamp(a . b, -1, 1)), evaluated as 2*atan2(|a - b|, |a + b|) (the same
 *   angle, accurate near 0 and pi, so identical modules give exactly 1).
 * A zero column is orthogonal to everything (its pairs count as angle pi/2).
 * match (may be NULL) gets k entries: module c of A is matched to column match[c] of B. */
PetscErrorCode AnalysisGeodesicSimilarity(const double *A, const double *B, PetscInt n, PetscInt k, double *sim,
                                          PetscInt *match);
#endif
