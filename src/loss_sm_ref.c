/* sm from its plain definition (include/loss.h: LossSM_ref), the reference twin of loss.c's
 * exact-statistics sm, for the tests: two-pass sums over every window, nothing shared. */
#include "loss.h"
#include <math.h>
#include <stdlib.h>

/* The pooled sm's mean and covariance part / K from its plain definition (include/loss.h). */
static double SMPooled_ref(const LossConfig *cfg, PetscInt n, PetscInt nh, PetscInt T, PetscInt K, const double *y,
                           const double *s, double *mean_s)
{
  PetscInt      bin = (PetscInt)floor(cfg->sm_bin_ms / cfg->dt + 0.5), nb = T / bin, L = cfg->sm_lags, ld[2] = {n + nh, n};
  const double *src[2] = {y, s};
  double       *c[2], *m[2], *C[2], total = 0;

  for (int a = 0; a < 2; a++) {
    c[a] = (double *)calloc((size_t)(K * nb * n), sizeof(double));
    m[a] = (double *)calloc((size_t)n, sizeof(double));
    C[a] = (double *)calloc((size_t)((L + 1) * n * n), sizeof(double));
    for (PetscInt w = 0; w < K; w++)
      for (PetscInt t = 0; t < nb * bin; t++)
        for (PetscInt i = 0; i < n; i++) c[a][(w * nb + t / bin) * n + i] += src[a][(w * T + t) * ld[a] + i];
    for (PetscInt r = 0; r < K * nb; r++)
      for (PetscInt i = 0; i < n; i++) m[a][i] += c[a][r * n + i] / (double)(K * nb);
    for (PetscInt l = 0; l <= L; l++)
      for (PetscInt i = 0; i < n; i++)
        for (PetscInt j = 0; j < n; j++) {
          double acc = 0;
          for (PetscInt w = 0; w < K; w++)
            for (PetscInt k = 0; k + l < nb; k++) acc += c[a][(w * nb + k) * n + i] * c[a][(w * nb + k + l) * n + j];
          C[a][(l * n + i) * n + j] = acc / (double)(K * (nb - l)) - m[a][i] * m[a][j];
        }
  }
  for (PetscInt i = 0; i < n; i++) total += (double)nb * (m[0][i] - m[1][i]) * (m[0][i] - m[1][i]);
  for (PetscInt k = 0; k < (L + 1) * n * n; k++) total += (C[0][k] - C[1][k]) * (C[0][k] - C[1][k]);
  *mean_s = 0;
  for (PetscInt i = 0; i < n; i++) *mean_s += m[1][i] / (double)n;
  for (int a = 0; a < 2; a++) {
    free(c[a]);
    free(m[a]);
    free(C[a]);
  }
  return total;
}

/* w_h sum_h (r_h - r*)^2, r_h the hidden neuron's mean count per bin. */
static double SMHidden_ref(const LossConfig *cfg, PetscInt n, PetscInt nh, PetscInt T, PetscInt K, const double *y,
                           double rstar)
{
  PetscInt bin = (PetscInt)floor(cfg->sm_bin_ms / cfg->dt + 0.5), nb = T / bin;
  double   total = 0;
  for (PetscInt h = 0; h < nh; h++) {
    double r = 0;
    for (PetscInt w = 0; w < K; w++)
      for (PetscInt t = 0; t < nb * bin; t++) r += y[(w * T + t) * (n + nh) + n + h];
    r /= (double)(K * nb);
    total += cfg->sm_hidden_weight * (r - rstar) * (r - rstar);
  }
  return total;
}

double LossSM_ref(const LossConfig *cfg, PetscInt n, PetscInt nh, PetscInt T, PetscInt K, const double *y,
                  const double *s)
{
  PetscInt bin = (PetscInt)floor(cfg->sm_bin_ms / cfg->dt + 0.5), nb = T / bin, L = cfg->sm_lags, ld[2] = {n + nh, n};
  double   total = 0, rstar = 0;
  double  *c[2], *m[2], *C[2];
  const double *src[2] = {y, s};

  if (cfg->sm_pool) {
    total = SMPooled_ref(cfg, n, nh, T, K, y, s, &rstar);
    if (cfg->sm_hidden_rate >= 0) rstar = cfg->sm_hidden_rate * (double)bin * cfg->dt / 1000.0;
    return K * (total + SMHidden_ref(cfg, n, nh, T, K, y, rstar));
  }

  for (int a = 0; a < 2; a++) {
    c[a] = (double *)calloc((size_t)(K * nb * n), sizeof(double));
    m[a] = (double *)calloc((size_t)(nb * n), sizeof(double));
    C[a] = (double *)calloc((size_t)((L + 1) * n * n), sizeof(double));
    for (PetscInt w = 0; w < K; w++)
      for (PetscInt t = 0; t < nb * bin; t++)
        for (PetscInt i = 0; i < n; i++) c[a][(w * nb + t / bin) * n + i] += src[a][(w * T + t) * ld[a] + i];
    for (PetscInt w = 0; w < K; w++)
      for (PetscInt k = 0; k < nb * n; k++) m[a][k] += c[a][w * nb * n + k] / K;
    /* covariance of the deviations from the PSTH, two-pass */
    for (PetscInt l = 0; l <= L; l++)
      for (PetscInt i = 0; i < n; i++)
        for (PetscInt j = 0; j < n; j++) {
          double acc = 0;
          for (PetscInt w = 0; w < K; w++)
            for (PetscInt k = 0; k + l < nb; k++)
              acc += (c[a][(w * nb + k) * n + i] - m[a][k * n + i]) *
                     (c[a][(w * nb + k + l) * n + j] - m[a][(k + l) * n + j]);
          C[a][(l * n + i) * n + j] = acc / K / (double)(nb - l);
        }
  }
  for (PetscInt k = 0; k < nb * n; k++) total += (m[0][k] - m[1][k]) * (m[0][k] - m[1][k]);
  for (PetscInt k = 0; k < (L + 1) * n * n; k++) total += (C[0][k] - C[1][k]) * (C[0][k] - C[1][k]);
  /* hidden neurons: mean count per bin against r* */
  for (PetscInt k = 0; k < nb * n; k++) rstar += m[1][k] / (double)(nb * n);
  if (cfg->sm_hidden_rate >= 0) rstar = cfg->sm_hidden_rate * (double)bin * cfg->dt / 1000.0;
  total += SMHidden_ref(cfg, n, nh, T, K, y, rstar);
  for (int a = 0; a < 2; a++) {
    free(c[a]);
    free(m[a]);
    free(C[a]);
  }
  return K * total;
}
