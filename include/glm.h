#ifndef SPIKEFIT_GLM_H
#define SPIKEFIT_GLM_H
/* The Poisson GLM baseline (SCIENCE.md section 8): per neuron i and bin t of dt,
 *   lambda_i[t] = exp( b_i + sum_j sum_k h[j][i][k] * (B_k * s_j)[t] )   (expected count per bin)
 * with (B_k * s_j)[t] = sum_{l=1..L} B_k[l] s_j[t - l] over the spikes of the same window
 * (every window starts without history, as the network's windows start from rest).
 * h[i][i][.] is neuron i's spike-history filter, h[j][i][.] (j != i) the coupling filter from
 * j to i (the project's W convention: first index presynaptic). The bias b_i is the stimulus
 * term: the network's only stimulus is its unobserved Poisson input, constant in rate.
 * Fitted per neuron by maximum likelihood with PETSc TAO (see docs/ANALYSIS.md, "GLM baseline").
 * Serial, no MPI, no file I/O. Spike arrays are step-major s[t*n + i] in {0,1}. */
#include <petsctao.h>
#include <stdint.h>
#include "rng.h"

/* Sub-index of RNG_STREAM_ANALYSIS used by GlmSimulate ("GLM" in ASCII); NMF uses the
 * sub-indices 0 .. restarts-1 of the same purpose. */
#define GLM_RNG_SUB 0x474C4Du

/* Above this linear predictor the intensity exp(eta) is continued by its second-order Taylor
 * polynomial (see GlmObjective). */
#define GLM_ETA_MAX 40.0

/* Exit code of `spikefit glm` stopped by SIGTERM/SIGUSR1 (nothing written; the same code as
 * any subcommand stopped by a signal with nothing to save) */
#define GLM_EXIT_SIGNAL 76

typedef struct {
  PetscInt nbasis;     /* raised-cosine bases per filter (default 5) */
  double   history_ms; /* filter length: lags 1 .. round(history_ms/dt) steps (default 100) */
  double   stretch_ms; /* c of the log-time stretch log(tau + c) (default 2) */
} GlmBasisOptions;

void GlmBasisOptionsDefault(GlmBasisOptions *opt);

/* Raised-cosine basis on log-stretched time (Pillow et al. 2008). With y(tau) = log(tau + c),
 * tau = l*dt the lag of step l = 1..L (L = *nlags = round(history_ms/dt)), peaks
 * y_k = y(dt) + k*D (k = 0..K-1) and D = (y(L*dt) - y(dt)) / (K + 1):
 *   B_k[l] = (1 + cos(clamp((y(l*dt) - y_k) * pi / (2 D), -pi, pi))) / 2.
 * The first basis peaks at lag 1 step, the last one reaches 0 at lag L. *basis is
 * PetscMalloc'd [K][L]: basis[k*L + (l-1)]. */
PetscErrorCode GlmBasisCreate(const GlmBasisOptions *opt, double dt, PetscInt *nlags, double **basis);

/* Design matrix X [T][P], T = nwin*wsteps, P = 1 + n*nbasis (row-major): X[t][0] = 1,
 * X[t][1 + j*nbasis + k] = (B_k * s_j)[t] within t's window. Shared by all neurons. */
PetscErrorCode GlmDesignCreate(PetscInt n, PetscInt nwin, PetscInt wsteps, const double *s, PetscInt nbasis,
                               PetscInt nlags, const double *basis, double **X);

/* Penalised negative log-likelihood of neuron i (column i of s [T][n]) for theta [P]
 * (theta[0] = b_i, theta[1 + j*nbasis + k] = h[j][i][k]):
 *   f = -sum_t (y_t eta_t - exp(eta_t)) + (l2/2) * sum_{p >= 1} theta_p^2,   eta = X theta
 * (the log y! term is 0 for 0/1 counts). grad [P] and hess [P][P] (row-major, full) may be
 * NULL; hess = X^T diag(exp(eta)) X + l2 * I (bias entry unpenalised). For eta > GLM_ETA_MAX
 * exp(eta) is replaced by e^M (1 + d + d^2/2), d = eta - M, with matching derivatives, so a
 * wild trial step gives a large finite value instead of inf. work holds 2*T doubles or is NULL. GlmObjective uses BLAS; GlmObjective_ref is the plain-loop reference. */
PetscErrorCode GlmObjective(const double *X, PetscInt T, PetscInt P, const double *s, PetscInt n, PetscInt i, double l2,
                            const double *theta, double *f, double *grad, double *hess, double *work);
PetscErrorCode GlmObjective_ref(const double *X, PetscInt T, PetscInt P, const double *s, PetscInt n, PetscInt i,
                                double l2, const double *theta, double *f, double *grad, double *hess);

/* Log-likelihood of the bias-only model at its maximum, b = log(C/T) for C spikes in T bins:
 * C log(C/T) - C (0 when C = 0). */
double GlmLogLikelihoodBiasOnly(PetscInt C, PetscInt T);

typedef struct {
  double      l2;           /* L2 penalty on the filter coefficients (default 1) */
  char        tao_type[64]; /* default "nls"; -glm_tao_type overrides through TaoSetFromOptions */
  const char *prefix;       /* options prefix of the TAO solvers (NULL: no options read) */
} GlmFitOptions;

void GlmFitOptionsDefault(GlmFitOptions *opt);

/* The TAO solver of one neuron: type opt->tao_type, tolerances gatol 1e-8 and grtol 1e-7
 * (||g|| <= 1e-7 |f|), at most 500 iterations and 5000 evaluations; then, with a prefix, the
 * options database (-<prefix>tao_*) overrides. */
PetscErrorCode GlmTaoCreate(const GlmFitOptions *opt, Tao *tao);

typedef struct {
  double   loglik;     /* unpenalised log-likelihood at the solution */
  double   loglik0;    /* bias-only maximum (GlmLogLikelihoodBiasOnly) */
  double   fval;       /* penalised objective at the solution */
  double   gnorm;      /* gradient norm at the solution */
  PetscInt iterations; /* TAO iterations */
  PetscInt reason;     /* TaoConvergedReason (> 0 converged) */
  PetscInt spikes;     /* C */
} GlmNeuronInfo;

/* Fits neuron i: one TAO problem of size P started from the bias-only solution (b = log(C/T),
 * or log(0.5/T) for a silent neuron; filters 0). theta [P] receives the solution. */
PetscErrorCode GlmFitNeuron(const double *X, PetscInt T, PetscInt P, const double *s, PetscInt n, PetscInt i,
                            const GlmFitOptions *opt, double *theta, GlmNeuronInfo *info);

typedef struct {
  PetscInt n, nbasis, nlags;
  double   dt;
  double  *basis;   /* [nbasis][nlags] */
  double  *bias;    /* [n] */
  double  *filters; /* [n][n][nbasis]: filters[(j*n + i)*nbasis + k] from j (pre) to i (post) */
} GlmModel;

PetscErrorCode GlmModelCreate(PetscInt n, PetscInt nbasis, PetscInt nlags, double dt, const double *basis,
                              GlmModel **out);
PetscErrorCode GlmModelDestroy(GlmModel **m);

/* Builds the design from s [nwin*wsteps][n] and fits every neuron (info [n] may be NULL).
 * m must have been created with the basis to use. */
PetscErrorCode GlmFit(GlmModel *m, PetscInt nwin, PetscInt wsteps, const double *s, const GlmFitOptions *opt,
                      GlmNeuronInfo *info);

/* Runs the model forward over nwin windows of wsteps bins, each from an empty history: bin t
 * of neuron i holds a spike when the Poisson count with mean lambda_i[t] is >= 1, i.e. when
 *   u < 1 - exp(-lambda),  u = RngUniform(seed, RngStreamId(RNG_STREAM_ANALYSIS, GLM_RNG_SUB), w, i, t).
 * out [nwin*wsteps][n] (step-major, 0/1). */
PetscErrorCode GlmSimulate(const GlmModel *m, PetscInt nwin, PetscInt wsteps, uint64_t seed, double *out);
#endif
