#include "loss.h"
#include <math.h>
#include <string.h>
#include <stdlib.h>

const char *const LossKinds[]     = {"frd", "vrd",      "mix",      "adaptive", "bnll", "pnll",
                                     "sm",  "weighted", "LossKind", "LOSS_",    NULL};
const char *const LossTermNames[] = {"frd", "vrd", "bnll", "pnll", "sm"};

#define SMOOTH_EPS 1e-12 /* |a| = sqrt(a^2 + eps) keeps every loss differentiable */
#define PROB_EPS   1e-9  /* likelihoods see p = eps + (1 - 2 eps) y and lambda = y + eps: finite logs */

void LossWeights(const LossConfig *cfg, double progress, double w[LOSS_NTERMS])
{
  for (int k = 0; k < LOSS_NTERMS; k++) w[k] = 0;
  w[LOSS_TERM_FRD] = 1;
  switch (cfg->kind) {
  case LOSS_FRD:
    w[LOSS_TERM_FRD] = 1;
    w[LOSS_TERM_VRD] = 0;
    break;
  case LOSS_VRD:
    w[LOSS_TERM_FRD] = 0;
    w[LOSS_TERM_VRD] = 1;
    break;
  case LOSS_MIX:
    w[LOSS_TERM_FRD] = 0.9;
    w[LOSS_TERM_VRD] = 0.1;
    break;
  case LOSS_ADAPTIVE:
    w[LOSS_TERM_FRD] = 1.0 - 0.9 * progress;
    w[LOSS_TERM_VRD] = 0.1 + 0.9 * progress;
    break;
  case LOSS_BNLL:
    w[LOSS_TERM_FRD]  = 0;
    w[LOSS_TERM_BNLL] = 1;
    break;
  case LOSS_PNLL:
    w[LOSS_TERM_FRD]  = 0;
    w[LOSS_TERM_PNLL] = 1;
    break;
  case LOSS_SM:
    w[LOSS_TERM_FRD] = 0;
    w[LOSS_TERM_SM]  = 1;
    break;
  case LOSS_WEIGHTED:
    for (int k = 0; k < LOSS_NTERMS; k++) w[k] = cfg->weights[k];
    break;
  }
}

/* frd: sum_i |sum_t y - sum_t s| / (T dt / 1000) */
/* The per-neuron recursions over t below run t-outer over blocks of LOSS_BLOCK neurons, so
 * that the inner loops are contiguous and vectorise; each neuron's sum is still taken in the
 * order of t (the same bits as one neuron at a time). */
#define LOSS_BLOCK 256

static double FiringRateDistance(PetscInt n, PetscInt T, double dt, const double *y, const double *s, double weight,
                                 double *dy)
{
  double seconds = T * dt / 1000.0, total = 0;
  for (PetscInt i0 = 0; i0 < n; i0 += LOSS_BLOCK) {
    const PetscInt m = PetscMin(LOSS_BLOCK, n - i0);
    double         a[LOSS_BLOCK], g[LOSS_BLOCK];
    for (PetscInt i = 0; i < m; i++) a[i] = 0;
    for (PetscInt t = 0; t < T; t++) {
      const double *yt = y + t * n + i0, *st = s + t * n + i0;
      for (PetscInt i = 0; i < m; i++) a[i] += yt[i] - st[i];
    }
    for (PetscInt i = 0; i < m; i++) {
      double abs_a = sqrt(a[i] * a[i] + SMOOTH_EPS);
      total += abs_a / seconds;
      g[i] = weight * a[i] / abs_a / seconds;
    }
    if (dy)
      for (PetscInt t = 0; t < T; t++)
        for (PetscInt i = 0; i < m; i++) dy[t * n + i0 + i] += g[i];
  }
  return total;
}

/* vrd: sqrt(sum_t sum_i (f_y - f_s)^2 + eps) with f[t] = f[t-1] e^{-dt/tau} + y[t] */
static double VanRossumDistance(PetscInt n, PetscInt T, double dt, double tau, const double *y, const double *s,
                                double weight, double *dy, double *d)
{
  double decay = exp(-dt / tau), sum = 0, L;
  for (PetscInt i0 = 0; i0 < n; i0 += LOSS_BLOCK) {
    const PetscInt m = PetscMin(LOSS_BLOCK, n - i0);
    double         f[LOSS_BLOCK];
    for (PetscInt i = 0; i < m; i++) f[i] = 0;
    for (PetscInt t = 0; t < T; t++)
      for (PetscInt i = 0; i < m; i++) {
        f[i]              = f[i] * decay + (y[t * n + i0 + i] - s[t * n + i0 + i]); /* f_y - f_s filters linearly */
        d[t * n + i0 + i] = f[i];
      }
  }
  for (PetscInt k = 0; k < n * T; k++) sum += d[k] * d[k];
  L = sqrt(sum + SMOOTH_EPS);
  if (dy) {
    for (PetscInt i0 = 0; i0 < n; i0 += LOSS_BLOCK) {
      const PetscInt m = PetscMin(LOSS_BLOCK, n - i0);
      double         acc[LOSS_BLOCK];
      for (PetscInt i = 0; i < m; i++) acc[i] = 0;
      for (PetscInt t = T - 1; t >= 0; t--)
        for (PetscInt i = 0; i < m; i++) {
          acc[i] = acc[i] * decay + d[t * n + i0 + i] / L;
          dy[t * n + i0 + i] += weight * acc[i];
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

void LossEvaluate(const LossConfig *cfg, double progress, PetscInt n, PetscInt T, const double *y, const double *s,
                  double *dy, double *scratch, LossValue *val)
{
  double w[LOSS_NTERMS];

  LossWeights(cfg, progress, w);
  if (dy) PetscArrayzero(dy, n * T);
  val->total = 0;
  for (int k = 0; k < LOSS_NTERMS; k++) val->term[k] = 0;
  if (w[LOSS_TERM_FRD] != 0) val->term[LOSS_TERM_FRD] = FiringRateDistance(n, T, cfg->dt, y, s, w[LOSS_TERM_FRD], dy);
  if (w[LOSS_TERM_VRD] != 0)
    val->term[LOSS_TERM_VRD] = VanRossumDistance(n, T, cfg->dt, cfg->vr_tau, y, s, w[LOSS_TERM_VRD], dy, scratch);
  if (w[LOSS_TERM_BNLL] != 0) val->term[LOSS_TERM_BNLL] = BernoulliNLL(n, T, y, s, w[LOSS_TERM_BNLL], dy);
  if (w[LOSS_TERM_PNLL] != 0) val->term[LOSS_TERM_PNLL] = PoissonNLL(n, T, y, s, w[LOSS_TERM_PNLL], dy);
  for (int k = 0; k < LOSS_NTERMS; k++) val->total += w[k] * val->term[k];
}

void LossEvaluateColumns(const LossConfig *cfg, double progress, PetscInt n, PetscInt ld, PetscInt T, const double *y,
                         const double *s, double *dy, double *work, LossValue *val)
{
  double *yc = work, *dyc = work + T * n, *scratch = work + 2 * T * n;

  if (ld == n) {
    LossEvaluate(cfg, progress, n, T, y, s, dy, scratch, val);
    return;
  }
  for (PetscInt t = 0; t < T; t++)
    for (PetscInt i = 0; i < n; i++) yc[t * n + i] = y[t * ld + i];
  LossEvaluate(cfg, progress, n, T, yc, s, dy ? dyc : NULL, scratch, val);
  if (dy) {
    PetscArrayzero(dy, T * ld);
    for (PetscInt t = 0; t < T; t++)
      for (PetscInt i = 0; i < n; i++) dy[t * ld + i] = dyc[t * n + i];
  }
}

/* ---- sm ---------------------------------------------------------------------------- */
PetscBool LossUsesSM(const LossConfig *cfg)
{
  double w[LOSS_NTERMS];
  LossWeights(cfg, 0.0, w);
  return w[LOSS_TERM_SM] != 0 ? PETSC_TRUE : PETSC_FALSE;
}

PetscErrorCode LossSMShapeInit(const LossConfig *cfg, PetscInt n, PetscInt nh, PetscInt T, LossSMShape *sh)
{
  PetscFunctionBeginUser;
  sh->n   = n;
  sh->nh  = nh;
  sh->bin = (PetscInt)floor(cfg->sm_bin_ms / cfg->dt + 0.5);
  PetscCheck(sh->bin >= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "-loss_sm_bin_ms %g is shorter than one step of %g ms", cfg->sm_bin_ms, cfg->dt);
  sh->nb = T / sh->bin;
  sh->L  = cfg->sm_lags;
  PetscCheck(sh->nb >= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "sm: a window of %" PetscInt_FMT " steps holds no whole bin of %" PetscInt_FMT " steps (-loss_sm_bin_ms)",
             T, sh->bin);
  PetscCheck(sh->L >= 0 && sh->L < sh->nb, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "-loss_sm_lags must be in [0, %" PetscInt_FMT "] (bins per window - 1), got %" PetscInt_FMT, sh->nb - 1,
             sh->L);
  sh->half          = sh->nb * n + (sh->L + 1) * n * n;
  sh->len           = 2 * sh->half + nh;
  sh->hidden_rate   = cfg->sm_hidden_rate < 0 ? -1.0 : cfg->sm_hidden_rate * (double)sh->bin * cfg->dt / 1000.0;
  sh->hidden_weight = cfg->sm_hidden_weight;
  sh->pooled        = cfg->sm_pool;
  PetscFunctionReturn(0);
}

static void SMBin(const LossSMShape *sh, PetscInt ld, const double *y, double *c)
{
  PetscInt n = sh->n;
  for (PetscInt k = 0; k < sh->nb; k++)
    for (PetscInt i = 0; i < n; i++) {
      double a = 0;
      for (PetscInt t = k * sh->bin; t < (k + 1) * sh->bin; t++) a += y[t * ld + i];
      c[k * n + i] = a;
    }
}

/* acc[0, nb n) += c; acc[nb n + l n n + i n + j] += sum_{k<nb-l} c[k][i] c[k+l][j] */
static void SMMoments(const LossSMShape *sh, const double *c, double *acc)
{
  PetscInt n = sh->n, nb = sh->nb;
  double  *S2 = acc + nb * n;
  for (PetscInt k = 0; k < nb * n; k++) acc[k] += c[k];
  for (PetscInt l = 0; l <= sh->L; l++)
    for (PetscInt k = 0; k + l < nb; k++)
      for (PetscInt i = 0; i < n; i++) {
        double ci = c[k * n + i];
        if (ci == 0) continue;
        for (PetscInt j = 0; j < n; j++) S2[(l * n + i) * n + j] += ci * c[(k + l) * n + j];
      }
}

void LossSMAccumulate(const LossSMShape *sh, PetscInt ld, PetscInt T, const double *y, const double *s, double *acc)
{
  double *c = (double *)calloc((size_t)(sh->nb * sh->n), sizeof(double));
  (void)T;
  SMBin(sh, ld, y, c);
  SMMoments(sh, c, acc);
  SMBin(sh, sh->n, s, c);
  SMMoments(sh, c, acc + sh->half);
  for (PetscInt h = 0; h < sh->nh; h++) { /* hidden: counts in whole bins */
    double a = 0;
    for (PetscInt t = 0; t < sh->nb * sh->bin; t++) a += y[t * ld + sh->n + h];
    acc[2 * sh->half + h] += a;
  }
  free(c);
}

PetscErrorCode LossSMStatsCreate(const LossSMShape *sh, LossSMStats **out)
{
  LossSMStats *st;
  PetscFunctionBeginUser;
  PetscCall(PetscNew(&st));
  st->sh = *sh;
  PetscCall(PetscCalloc4(sh->nb * sh->n, &st->m_y, sh->nb * sh->n, &st->m_s, (sh->L + 1) * sh->n * sh->n, &st->D,
                         sh->nh + 1, &st->r_h));
  *out = st;
  PetscFunctionReturn(0);
}

PetscErrorCode LossSMStatsDestroy(LossSMStats **st)
{
  PetscFunctionBeginUser;
  if (!st || !*st) PetscFunctionReturn(0);
  PetscCall(PetscFree4((*st)->m_y, (*st)->m_s, (*st)->D, (*st)->r_h));
  PetscCall(PetscFree(*st));
  PetscFunctionReturn(0);
}

/* The pooled moments (include/loss.h): means into m_y[0..n), m_s[0..n); returns the mean and
 * covariance part of sm / K. */
static double SMFinishPooled(LossSMStats *st, const double *sums)
{
  const LossSMShape *sh = &st->sh;
  PetscInt           n = sh->n, nb = sh->nb, half = sh->half;
  double             mean = 0, cov = 0;

  for (PetscInt i = 0; i < n; i++) {
    double a = 0, b = 0;
    for (PetscInt k = 0; k < nb; k++) {
      a += sums[k * n + i];
      b += sums[half + k * n + i];
    }
    st->m_y[i] = a / (st->K * (double)nb);
    st->m_s[i] = b / (st->K * (double)nb);
    mean += (st->m_y[i] - st->m_s[i]) * (st->m_y[i] - st->m_s[i]);
  }
  for (PetscInt l = 0; l <= sh->L; l++)
    for (PetscInt i = 0; i < n; i++)
      for (PetscInt j = 0; j < n; j++) {
        PetscInt idx = (l * n + i) * n + j;
        double   f = 1.0 / (st->K * (double)(nb - l)), cy = sums[nb * n + idx] * f - st->m_y[i] * st->m_y[j],
               cs = sums[half + nb * n + idx] * f - st->m_s[i] * st->m_s[j];
        st->D[idx] = cy - cs;
        cov += st->D[idx] * st->D[idx];
      }
  return (double)nb * mean + cov;
}

void LossSMFinish(LossSMStats *st, PetscInt K, const double *sums)
{
  const LossSMShape *sh = &st->sh;
  PetscInt           n = sh->n, nb = sh->nb, half = sh->half;
  double             psth = 0, cov = 0, hid = 0, ms = 0;

  st->K = (double)K;
  if (sh->pooled) {
    double part = SMFinishPooled(st, sums);
    for (PetscInt i = 0; i < n; i++) ms += st->m_s[i];
    st->r_star = sh->hidden_rate >= 0 ? sh->hidden_rate : ms / (double)n;
    for (PetscInt h = 0; h < sh->nh; h++) {
      st->r_h[h] = sums[2 * half + h] / (st->K * (double)nb);
      hid += (st->r_h[h] - st->r_star) * (st->r_h[h] - st->r_star);
    }
    st->value = st->K * (part + sh->hidden_weight * hid);
    return;
  }
  for (PetscInt k = 0; k < nb * n; k++) {
    st->m_y[k] = sums[k] / st->K;
    st->m_s[k] = sums[half + k] / st->K;
    psth += (st->m_y[k] - st->m_s[k]) * (st->m_y[k] - st->m_s[k]);
  }
  for (PetscInt l = 0; l <= sh->L; l++)
    for (PetscInt i = 0; i < n; i++)
      for (PetscInt j = 0; j < n; j++) {
        PetscInt idx = (l * n + i) * n + j;
        double   cy = sums[nb * n + idx] / st->K, cs = sums[half + nb * n + idx] / st->K;
        for (PetscInt k = 0; k + l < nb; k++) {
          cy -= st->m_y[k * n + i] * st->m_y[(k + l) * n + j];
          cs -= st->m_s[k * n + i] * st->m_s[(k + l) * n + j];
        }
        st->D[idx] = (cy - cs) / (double)(nb - l);
        cov += st->D[idx] * st->D[idx];
      }
  for (PetscInt k = 0; k < nb * n; k++) ms += st->m_s[k];
  st->r_star = sh->hidden_rate >= 0 ? sh->hidden_rate : ms / (double)(nb * n);
  for (PetscInt h = 0; h < sh->nh; h++) {
    st->r_h[h] = sums[2 * half + h] / (st->K * (double)nb);
    hid += (st->r_h[h] - st->r_star) * (st->r_h[h] - st->r_star);
  }
  st->value = st->K * (psth + cov + sh->hidden_weight * hid);
}

/* Pooled: the part of dsm/dc_w[k][a] that is the same in every bin k (from the means), into
 * work[k n + a]; the lagged products add the rest (LossSMGradient, with d = c). */
static void SMPooledConstant(const LossSMStats *st, double *work)
{
  const LossSMShape *sh = &st->sh;
  PetscInt           n = sh->n, nb = sh->nb;

  for (PetscInt a = 0; a < n; a++) {
    double g = 2.0 * (st->m_y[a] - st->m_s[a]);
    for (PetscInt l = 0; l <= sh->L; l++) {
      const double *Dl = st->D + l * n * n;
      double        c  = 0;
      for (PetscInt j = 0; j < n; j++) c += (Dl[a * n + j] + Dl[j * n + a]) * st->m_y[j];
      g -= 2.0 * c / (double)nb;
    }
    for (PetscInt k = 0; k < nb; k++) work[k * n + a] = g;
  }
}

void LossSMGradient(const LossSMStats *st, PetscInt ld, PetscInt T, const double *y, double weight, double *dy,
                    double *work)
{
  const LossSMShape *sh = &st->sh;
  PetscInt           n = sh->n, nb = sh->nb;
  double            *d = (double *)malloc(sizeof(double) * (size_t)(nb * n));
  (void)T;
  SMBin(sh, ld, y, d);
  if (sh->pooled) SMPooledConstant(st, work);
  else
    for (PetscInt k = 0; k < nb * n; k++) {
      d[k] -= st->m_y[k];
      work[k] = 2.0 * (st->m_y[k] - st->m_s[k]);
    }
  for (PetscInt l = 0; l <= sh->L; l++) {
    const double *Dl = st->D + l * n * n;
    double        f  = 2.0 / (double)(nb - l);
    for (PetscInt k = 0; k < nb; k++)
      for (PetscInt a = 0; a < n; a++) {
        double g = 0;
        if (k + l < nb)
          for (PetscInt j = 0; j < n; j++) g += Dl[a * n + j] * d[(k + l) * n + j];
        if (k >= l)
          for (PetscInt i = 0; i < n; i++) g += Dl[i * n + a] * d[(k - l) * n + i];
        work[k * n + a] += f * g;
      }
  }
  for (PetscInt k = 0; k < nb; k++)
    for (PetscInt t = k * sh->bin; t < (k + 1) * sh->bin; t++)
      for (PetscInt a = 0; a < n; a++) dy[t * ld + a] += weight * work[k * n + a];
  /* hidden: d/dc_w[k][h] of K w_h (r_h - r*)^2 is 2 w_h (r_h - r*) / nb (r* is data) */
  for (PetscInt h = 0; h < sh->nh; h++) {
    double g = weight * 2.0 * sh->hidden_weight * (st->r_h[h] - st->r_star) / (double)nb;
    for (PetscInt t = 0; t < nb * sh->bin; t++) dy[t * ld + n + h] += g;
  }
  free(d);
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
  return w[LOSS_TERM_FRD] * frd + w[LOSS_TERM_VRD] * sqrt(vrd2 + SMOOTH_EPS) + w[LOSS_TERM_BNLL] * bnll +
         w[LOSS_TERM_PNLL] * pnll;
}

/* -loss_weights TERM:W,...: sets cfg->weights and makes the loss `weighted`. */
static PetscErrorCode LossWeightsParse(char *weights, LossConfig *cfg)
{
  char *item, *save = NULL;

  PetscFunctionBeginUser;
  PetscCheck(cfg->kind == LOSS_FRD || cfg->kind == LOSS_WEIGHTED, PETSC_COMM_WORLD, PETSC_ERR_ARG_INCOMP,
             "-loss_weights goes with -loss weighted (or no -loss), not -loss %s", LossKinds[cfg->kind]);
  cfg->kind = LOSS_WEIGHTED;
  for (item = strtok_r(weights, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
    char  *colon = strchr(item, ':'), *end;
    int    found = -1;
    double value;
    PetscCheck(colon, PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "-loss_weights: '%s' is not TERM:WEIGHT", item);
    *colon = 0;
    for (int k = 0; k < LOSS_NTERMS; k++)
      if (!strcmp(item, LossTermNames[k])) found = k;
    PetscCheck(found >= 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG,
               "-loss_weights: unknown term '%s' (frd, vrd, bnll, pnll, sm)", item);
    value = strtod(colon + 1, &end);
    PetscCheck(end != colon + 1 && *end == 0 && isfinite(value) && value >= 0, PETSC_COMM_WORLD,
               PETSC_ERR_ARG_OUTOFRANGE, "-loss_weights: the weight of %s must be a finite number >= 0, got '%s'", item,
               colon + 1);
    cfg->weights[found] = value;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode LossConfigFinish(LossConfig *cfg, const char *weights, PetscBool wset)
{
  char copy[256]; /* the parser cuts its argument up */

  PetscFunctionBeginUser;
  for (int k = 0; k < LOSS_NTERMS; k++) cfg->weights[k] = 0;
  PetscCall(PetscStrncpy(copy, weights, sizeof(copy)));
  if (wset) PetscCall(LossWeightsParse(copy, cfg));
  PetscCheck(cfg->kind != LOSS_WEIGHTED || wset, PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG,
             "-loss weighted needs -loss_weights TERM:W,...");
  PetscCheck(isfinite(cfg->sm_bin_ms) && cfg->sm_bin_ms > 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
             "-loss_sm_bin_ms must be a positive number of ms, got %g", cfg->sm_bin_ms);
  PetscCheck(isfinite(cfg->sm_hidden_rate) && (cfg->sm_hidden_rate >= 0 || cfg->sm_hidden_rate == -1), PETSC_COMM_WORLD,
             PETSC_ERR_ARG_OUTOFRANGE, "-loss_sm_hidden_rate must be a rate >= 0 Hz or -1 (the recorded mean), got %g",
             cfg->sm_hidden_rate);
  PetscCheck(isfinite(cfg->sm_hidden_weight) && cfg->sm_hidden_weight >= 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
             "-loss_sm_hidden_weight must be >= 0, got %g", cfg->sm_hidden_weight);
  PetscCheck(cfg->sm_lags >= 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
             "-loss_sm_lags must be >= 0, got %" PetscInt_FMT, cfg->sm_lags);
  if (cfg->teacher_forcing) {
    double w[LOSS_NTERMS];
    LossWeights(cfg, 0.0, w);
    PetscCheck(
        w[LOSS_TERM_BNLL] > 0 || w[LOSS_TERM_PNLL] > 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_INCOMP,
        "-loss_teacher_forcing forces the likelihood terms: it needs -loss bnll, -loss pnll or a bnll/pnll weight in -loss_weights (got -loss %s)",
        LossKinds[cfg->kind]);
  }
  PetscCheck(isfinite(cfg->vr_tau) && cfg->vr_tau > 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
             "-loss_vr_tau must be a positive number of ms, got %g", cfg->vr_tau);
  PetscFunctionReturn(0);
}

PetscBool LossSplitForced(const LossConfig *cfg, LossConfig *forced, LossConfig *free_run)
{
  double    w[LOSS_NTERMS];
  PetscBool rest = PETSC_FALSE;

  /* only `adaptive` depends on the progress, and it has no likelihood term */
  LossWeights(cfg, 0.0, w);
  *forced      = *cfg;
  forced->kind = LOSS_WEIGHTED;
  for (int k = 0; k < LOSS_NTERMS; k++) forced->weights[k] = (k == LOSS_TERM_BNLL || k == LOSS_TERM_PNLL) ? w[k] : 0.0;
  *free_run = *cfg;
  if (cfg->kind == LOSS_WEIGHTED || cfg->kind == LOSS_BNLL || cfg->kind == LOSS_PNLL) {
    free_run->kind = LOSS_WEIGHTED;
    for (int k = 0; k < LOSS_NTERMS; k++)
      free_run->weights[k] = (k == LOSS_TERM_BNLL || k == LOSS_TERM_PNLL) ? 0.0 : w[k];
    for (int k = 0; k < LOSS_NTERMS; k++) rest = (PetscBool)(rest || free_run->weights[k] != 0);
  } else {
    rest = PETSC_TRUE; /* frd, vrd, mix, adaptive, sm: nothing to force */
  }
  forced->teacher_forcing = free_run->teacher_forcing = PETSC_FALSE;
  return rest;
}
