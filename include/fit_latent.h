#ifndef SPIKEFIT_FIT_LATENT_H
#define SPIKEFIT_FIT_LATENT_H
/* The shared latent input's starting loadings (-fit_init_latent), matched to a recording's
 * co-modulation. A slow latent l of unit variance moves neuron j's log-odds by
 * c_j l, c_j = beta_j R_j lat_j (the potential follows R_j lat_j l when l is slower than tau_m),
 * so with rare spikes its rate by exp(c_j l) and two neurons' counts in bins of EVAL_BIN_MS
 * covary by about m_i m_j c_i c_j (m: mean counts per bin). The c that fit the off-diagonal
 * covariance of the training windows' counts best (least squares) give the loadings; E_L_j
 * is lowered by c_j^2 / (2 beta_j), which keeps the mean rate exp(c^2/2) from rising. */
#include "fit.h"

/* Counts' means and covariance of the recorded neurons over the bins of the training windows
 * (exact sums over the group: every rank gets the same values): mean [n], cov [n][n]. */
PetscErrorCode FitLatentCountStats(Parallel *par, const FitData *d, PetscInt T, double dt, double *mean, double *cov);
/* -model_latent_tau -1: the correlation time of the recorded population's count in bins of
 * EVAL_BIN_MS over the training windows: EVAL_BIN_MS x sum_{k >= 1} ac(k) / ac(1) up to the
 * first lag where ac <= 0 (ac(1), not ac(0), as the unit: the bins' own Poisson noise sits at
 * lag 0 only), at most the window length; 0 when ac(1) <= 0 (exact sums: every rank agrees). */
/* Below this correlation time -model_latent_tau -1 gives no latent input: two bins, what
 * synaptic traces (<= 20 ms) filtered by the membrane produce through the coupling. */
#define LATENT_MIN_TAU_MS (2 * EVAL_BIN_MS)
PetscErrorCode FitLatentTimeConstant(Parallel *par, const FitData *d, PetscInt T, double dt, double *tau_ms);
/* The least-squares c of cov_ij ~ m_i m_j c_i c_j (i != j), c >= 0 where the data allow;
 * a fixed number of damped fixed-point sweeps from c = 1/2 (deterministic). */
void FitLatentLoadings(PetscInt n, const double *mean, const double *cov, double *c);
/* Sets the lat block of the first nrec neurons from c, each clipped to |c| <= 1.5 (beta, R_I, E_L read and E_L updated in
 * theta; entries clipped to their bounds); the others keep their values. */
PetscErrorCode FitLatentApply(const ParamLayout *l, PetscInt nrec, const double *c, double *theta);
#endif
