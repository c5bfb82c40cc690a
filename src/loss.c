#include "loss.h"
#include <math.h>

const char *const LossKinds[]     = {"frd", "vrd", "mix", "adaptive", "LossKind", "LOSS_", NULL};
const char *const LossTermNames[] = {"frd", "vrd"};

#define SMOOTH_EPS 1e-12 /* |a| = sqrt(a^2 + eps) keeps every loss differentiable */

void LossWeights(const LossConfig *cfg, double progress, double w[LOSS_NTERMS])
{
  w[LOSS_TERM_FRD] = 1;
  w[LOSS_TERM_VRD] = 0;
  switch (cfg->kind) {
  case LOSS_FRD: w[LOSS_TERM_FRD] = 1; w[LOSS_TERM_VRD] = 0; break;
  case LOSS_VRD: w[LOSS_TERM_FRD] = 0; w[LOSS_TERM_VRD] = 1; break;
  case LOSS_MIX: w[LOSS_TERM_FRD] = 0.9; w[LOSS_TERM_VRD] = 0.1; break;
  case LOSS_ADAPTIVE:
    w[LOSS_TERM_FRD] = 1.0 - 0.9 * progress;
    w[LOSS_TERM_VRD] = 0.1 + 0.9 * progress;
    break;
  }
}

/* frd: sum_i |sum_t y - sum_t s| / (T dt / 1000) */
static double FiringRateDistance(PetscInt n, PetscInt T, double dt, const double *y, const double *s, double weight, double *dy)
{
  double seconds = T * dt / 1000.0, total = 0;
  for (PetscInt i = 0; i < n; i++) {
    double a = 0;
    for (PetscInt t = 0; t < T; t++) a += y[t * n + i] - s[t * n + i];
    double abs_a = sqrt(a * a + SMOOTH_EPS);
    total += abs_a / seconds;
    if (dy) {
      double g = weight * a / abs_a / seconds;
      for (PetscInt t = 0; t < T; t++) dy[t * n + i] += g;
    }
  }
  return total;
}

/* vrd: sqrt(sum_t sum_i (f_y - f_s)^2 + eps) with f[t] = f[t-1] e^{-dt/tau} + y[t] */
static double VanRossumDistance(PetscInt n, PetscInt T, double dt, double tau, const double *y, const double *s, double weight, double *dy, double *d)
{
  double decay = exp(-dt / tau), sum = 0, L;
  for (PetscInt i = 0; i < n; i++) {
    double f = 0;
    for (PetscInt t = 0; t < T; t++) {
      f = f * decay + (y[t * n + i] - s[t * n + i]); /* f_y - f_s filters linearly */
      d[t * n + i] = f;
    }
  }
  for (PetscInt k = 0; k < n * T; k++) sum += d[k] * d[k];
  L = sqrt(sum + SMOOTH_EPS);
  if (dy) {
    for (PetscInt i = 0; i < n; i++) {
      double acc = 0;
      for (PetscInt t = T - 1; t >= 0; t--) {
        acc = acc * decay + d[t * n + i] / L;
        dy[t * n + i] += weight * acc;
      }
    }
  }
  return L;
}

void LossEvaluate(const LossConfig *cfg, double progress, PetscInt n, PetscInt T, const double *y, const double *s, double *dy, double *scratch, LossValue *val)
{
  double w[LOSS_NTERMS];

  LossWeights(cfg, progress, w);
  if (dy) PetscArrayzero(dy, n * T);
  val->total = 0;
  for (int k = 0; k < LOSS_NTERMS; k++) val->term[k] = 0;
  if (w[LOSS_TERM_FRD] != 0) val->term[LOSS_TERM_FRD] = FiringRateDistance(n, T, cfg->dt, y, s, w[LOSS_TERM_FRD], dy);
  if (w[LOSS_TERM_VRD] != 0) val->term[LOSS_TERM_VRD] = VanRossumDistance(n, T, cfg->dt, cfg->vr_tau, y, s, w[LOSS_TERM_VRD], dy, scratch);
  for (int k = 0; k < LOSS_NTERMS; k++) val->total += w[k] * val->term[k];
}

double LossValue_ref(const LossConfig *cfg, double progress, PetscInt n, PetscInt T, const double *y, const double *s)
{
  double w[LOSS_NTERMS], frd = 0, vrd2 = 0;

  LossWeights(cfg, progress, w);
  for (PetscInt i = 0; i < n; i++) {
    double sy = 0, ss = 0, fy = 0, fs = 0;
    for (PetscInt t = 0; t < T; t++) {
      sy += y[t * n + i];
      ss += s[t * n + i];
      fy = fy * exp(-cfg->dt / cfg->vr_tau) + y[t * n + i];
      fs = fs * exp(-cfg->dt / cfg->vr_tau) + s[t * n + i];
      vrd2 += (fy - fs) * (fy - fs);
    }
    frd += sqrt((sy - ss) * (sy - ss) + SMOOTH_EPS) / (T * cfg->dt / 1000.0);
  }
  return w[LOSS_TERM_FRD] * frd + w[LOSS_TERM_VRD] * sqrt(vrd2 + SMOOTH_EPS);
}

PetscErrorCode LossConfigFromOptions(LossConfig *cfg, double dt)
{
  PetscEnum kind = (PetscEnum)LOSS_FRD;

  PetscFunctionBeginUser;
  cfg->kind   = LOSS_FRD;
  cfg->vr_tau = 20.0;
  cfg->dt     = dt;
  PetscOptionsBegin(PETSC_COMM_WORLD, NULL, "Loss options", NULL);
  PetscCall(PetscOptionsEnum("-loss", "Loss function", NULL, LossKinds, (PetscEnum)cfg->kind, &kind, NULL));
  PetscCall(PetscOptionsReal("-loss_vr_tau", "van Rossum time constant (ms)", NULL, cfg->vr_tau, &cfg->vr_tau, NULL));
  PetscOptionsEnd();
  cfg->kind = (LossKind)kind;
  PetscCheck(isfinite(cfg->vr_tau) && cfg->vr_tau > 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-loss_vr_tau must be a positive number of ms, got %g", cfg->vr_tau);
  PetscFunctionReturn(0);
}
