#include "loss.h"
#include <math.h>
#include <string.h>

const char *const LossKinds[]     = {"frd", "vrd", "mix", "adaptive", "bnll", "pnll", "weighted", "LossKind", "LOSS_", NULL};
const char *const LossTermNames[] = {"frd", "vrd", "bnll", "pnll"};

#define SMOOTH_EPS 1e-12 /* |a| = sqrt(a^2 + eps) keeps every loss differentiable */
#define PROB_EPS   1e-9  /* likelihoods see p = eps + (1 - 2 eps) y and lambda = y + eps: finite logs */

void LossWeights(const LossConfig *cfg, double progress, double w[LOSS_NTERMS])
{
  for (int k = 0; k < LOSS_NTERMS; k++) w[k] = 0;
  w[LOSS_TERM_FRD] = 1;
  switch (cfg->kind) {
  case LOSS_FRD: w[LOSS_TERM_FRD] = 1; w[LOSS_TERM_VRD] = 0; break;
  case LOSS_VRD: w[LOSS_TERM_FRD] = 0; w[LOSS_TERM_VRD] = 1; break;
  case LOSS_MIX: w[LOSS_TERM_FRD] = 0.9; w[LOSS_TERM_VRD] = 0.1; break;
  case LOSS_ADAPTIVE:
    w[LOSS_TERM_FRD] = 1.0 - 0.9 * progress;
    w[LOSS_TERM_VRD] = 0.1 + 0.9 * progress;
    break;
  case LOSS_BNLL: w[LOSS_TERM_FRD] = 0; w[LOSS_TERM_BNLL] = 1; break;
  case LOSS_PNLL: w[LOSS_TERM_FRD] = 0; w[LOSS_TERM_PNLL] = 1; break;
  case LOSS_WEIGHTED:
    for (int k = 0; k < LOSS_NTERMS; k++) w[k] = cfg->weights[k];
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

/* bnll: -sum s log p + (1 - s) log(1 - p), the model output y read as a spike probability */
static double BernoulliNLL(PetscInt n, PetscInt T, const double *y, const double *s, double weight, double *dy)
{
  double total = 0;
  for (PetscInt k = 0; k < n * T; k++) {
    double p = PROB_EPS + (1.0 - 2.0 * PROB_EPS) * y[k];
    total -= s[k] * log(p) + (1.0 - s[k]) * log(1.0 - p);
    if (dy) dy[k] -= weight * (1.0 - 2.0 * PROB_EPS) * (s[k] / p - (1.0 - s[k]) / (1.0 - p));
  }
  return total;
}

/* pnll: sum lambda - s log lambda (up to log s!), the output read as the expected count */
static double PoissonNLL(PetscInt n, PetscInt T, const double *y, const double *s, double weight, double *dy)
{
  double total = 0;
  for (PetscInt k = 0; k < n * T; k++) {
    double lambda = y[k] + PROB_EPS;
    total += lambda - s[k] * log(lambda);
    if (dy) dy[k] += weight * (1.0 - s[k] / lambda);
  }
  return total;
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
  if (w[LOSS_TERM_BNLL] != 0) val->term[LOSS_TERM_BNLL] = BernoulliNLL(n, T, y, s, w[LOSS_TERM_BNLL], dy);
  if (w[LOSS_TERM_PNLL] != 0) val->term[LOSS_TERM_PNLL] = PoissonNLL(n, T, y, s, w[LOSS_TERM_PNLL], dy);
  for (int k = 0; k < LOSS_NTERMS; k++) val->total += w[k] * val->term[k];
}

double LossValue_ref(const LossConfig *cfg, double progress, PetscInt n, PetscInt T, const double *y, const double *s)
{
  double w[LOSS_NTERMS], frd = 0, vrd2 = 0, bnll = 0, pnll = 0;

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
    for (PetscInt t = 0; t < T; t++) {
      double p = PROB_EPS + (1.0 - 2.0 * PROB_EPS) * y[t * n + i], st = s[t * n + i];
      bnll -= st * log(p) + (1 - st) * log(1 - p);
      pnll += y[t * n + i] + PROB_EPS - st * log(y[t * n + i] + PROB_EPS);
    }
  }
  return w[LOSS_TERM_FRD] * frd + w[LOSS_TERM_VRD] * sqrt(vrd2 + SMOOTH_EPS) + w[LOSS_TERM_BNLL] * bnll + w[LOSS_TERM_PNLL] * pnll;
}

PetscErrorCode LossConfigFromOptions(LossConfig *cfg, double dt)
{
  PetscEnum kind = (PetscEnum)LOSS_FRD;
  char      weights[256] = "";
  PetscBool wset;

  PetscFunctionBeginUser;
  cfg->kind   = LOSS_FRD;
  cfg->vr_tau = 20.0;
  cfg->dt     = dt;
  PetscOptionsBegin(PETSC_COMM_WORLD, NULL, "Loss options", NULL);
  PetscCall(PetscOptionsEnum("-loss", "Loss function", NULL, LossKinds, (PetscEnum)cfg->kind, &kind, NULL));
  PetscCall(PetscOptionsReal("-loss_vr_tau", "van Rossum time constant (ms)", NULL, cfg->vr_tau, &cfg->vr_tau, NULL));
  PetscCall(PetscOptionsString("-loss_weights", "Weighted sum of terms, e.g. frd:0.5,bnll:1 (terms frd vrd bnll pnll); implies -loss weighted", NULL, weights, weights, sizeof(weights), &wset));
  PetscOptionsEnd();
  cfg->kind = (LossKind)kind;
  for (int k = 0; k < LOSS_NTERMS; k++) cfg->weights[k] = 0;
  if (wset) {
    char *item, *save = NULL;
    PetscCheck(cfg->kind == LOSS_FRD || cfg->kind == LOSS_WEIGHTED, PETSC_COMM_WORLD, PETSC_ERR_ARG_INCOMP, "-loss_weights goes with -loss weighted (or no -loss), not -loss %s", LossKinds[cfg->kind]);
    cfg->kind = LOSS_WEIGHTED;
    for (item = strtok_r(weights, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
      char  *colon = strchr(item, ':'), *end;
      int    found = -1;
      double value;
      PetscCheck(colon, PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "-loss_weights: '%s' is not TERM:WEIGHT", item);
      *colon = 0;
      for (int k = 0; k < LOSS_NTERMS; k++)
        if (!strcmp(item, LossTermNames[k])) found = k;
      PetscCheck(found >= 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "-loss_weights: unknown term '%s' (frd, vrd, bnll, pnll)", item);
      value = strtod(colon + 1, &end);
      PetscCheck(end != colon + 1 && *end == 0 && isfinite(value) && value >= 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-loss_weights: the weight of %s must be a finite number >= 0, got '%s'", item, colon + 1);
      cfg->weights[found] = value;
    }
  }
  PetscCheck(cfg->kind != LOSS_WEIGHTED || wset, PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "-loss weighted needs -loss_weights TERM:W,...");
  PetscCheck(isfinite(cfg->vr_tau) && cfg->vr_tau > 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-loss_vr_tau must be a positive number of ms, got %g", cfg->vr_tau);
  PetscFunctionReturn(0);
}
