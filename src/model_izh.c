/* Izhikevich neuron (docs/MODELS.md "izh"): quadratic potential v, recovery w, reset
 * v <- c, w <- w + d at v >= cfg->theta (30 mV), and the conductance g of the LIF as the
 * synapse. The potential takes two Euler half-steps per step, as in Izhikevich (2003).
 * State: v, w, g. Tape: u, the pre-reset potential.
 * Teacher forcing: a forced neuron that reaches the peak without a recorded spike is held
 * at the peak (v <- theta, no gradient through the clamp) until a recorded spike resets it:
 * the quadratic potential would otherwise diverge within a few steps. */
#include "model_util.h"
#include <math.h>

enum { IZ_A, IZ_B, IZ_C, IZ_D, IZ_R_I, IZ_TAU_G };
enum { S_V, S_W, S_G };

static const ParamSpec MODEL_IZH_BLOCKS[] = {
    {"a", 0.005, 0.2, 0.02, 0.1}, {"b", 0.1, 0.3, 0.2, 0.25}, {"c", -75, -45, -65, -55},
    {"d", 0, 10, 2, 8},           {"R_I", 1, 100, 20, 30},    PARAM_SPEC_TAU_G,
};

#define P(k) (c->theta + c->off[k])

/* v0 = c, w0 = b c */
static void IzhInitState(const ModelCtx *c, double *s)
{
  const PetscInt n = c->n;
  for (PetscInt j = 0; j < n; j++) {
    s[S_V * n + j] = P(IZ_C)[j];
    s[S_W * n + j] = P(IZ_B)[j] * P(IZ_C)[j];
    s[S_G * n + j] = 0;
  }
}

static void IzhInitAdjoint(const ModelCtx *c, const double *lam, double *grad)
{
  const PetscInt n = c->n;
  for (PetscInt j = 0; j < n; j++) {
    grad[c->off[IZ_C] + j] += lam[S_V * n + j] + P(IZ_B)[j] * lam[S_W * n + j];
    grad[c->off[IZ_B] + j] += P(IZ_C)[j] * lam[S_W * n + j];
  }
}

static inline double Drive(double v, double w, double RI) { return 0.04 * v * v + 5.0 * v + 140.0 - w + RI; }

static void IzhStep(const ModelCtx *c, const double *prev, const double *cur, double *next, double *aux, double *y)
{
  const PetscInt n  = c->n;
  const double   th = c->cfg->theta, hh = 0.5 * c->cfg->dt, h = c->cfg->dt;
  const int      hard = c->cfg->hard_output;

  for (PetscInt j = 0; j < n; j++) {
    double v = prev[S_V * n + j], w = prev[S_W * n + j], g = prev[S_G * n + j];
    double RI         = P(IZ_R_I)[j] * cur[j];
    double v1         = v + hh * Drive(v, w, RI);
    double u          = v1 + hh * Drive(v1, w, RI);
    double w1         = w + h * P(IZ_A)[j] * (P(IZ_B)[j] * v - w);
    int    z          = ModelSpike(c, j, u >= th);
    next[S_V * n + j] = z ? P(IZ_C)[j] : (u >= th ? th : u); /* u >= th without z: forced, clamped */
    next[S_W * n + j] = z ? w1 + P(IZ_D)[j] : w1;
    next[S_G * n + j] = z ? 1.0 : g * (1.0 - 1.0 / P(IZ_TAU_G)[j]);
    aux[j]            = u;
    y[j]              = hard ? (double)z : ModelSigmoid(u - th);
  }
}

static void IzhStepAdjoint(const ModelCtx *c, const double *prev, const double *cur, const double *next,
                           const double *aux, const double *dy, const double *lam_next, double *lam_prev, double *lam_I,
                           double *grad)
{
  const PetscInt n  = c->n;
  const double   th = c->cfg->theta, hh = 0.5 * c->cfg->dt, h = c->cfg->dt;
  const int      hard = c->cfg->hard_output;
#define GR(k) (grad + c->off[k])
  (void)next;

  for (PetscInt j = 0; j < n; j++) {
    double v = prev[S_V * n + j], w = prev[S_W * n + j], g = prev[S_G * n + j], u = aux[j];
    double a = P(IZ_A)[j], b = P(IZ_B)[j], R = P(IZ_R_I)[j], tg = P(IZ_TAU_G)[j];
    double v1 = v + hh * Drive(v, w, R * cur[j]);
    int    z  = ModelSpike(c, j, u >= th);
    double Lv = lam_next[S_V * n + j], Lw = lam_next[S_W * n + j], Lg = lam_next[S_G * n + j];
    double Lu = (hard ? 0.0 : dy[j] * ModelSigmoidPrime(u - th)) + (z || u >= th ? 0.0 : Lv);
    double Lv1, LRI, Lwp, Lvp;

    if (z) {
      GR(IZ_C)[j] += Lv;
      GR(IZ_D)[j] += Lw;
    }
    /* w1 = w + h a (b v - w); w_next = w1 (+ d) */
    Lwp = Lw * (1.0 - h * a);
    Lvp = Lw * h * a * b;
    GR(IZ_A)[j] += Lw * h * (b * v - w);
    GR(IZ_B)[j] += Lw * h * a * v;
    /* u = v1 + hh f(v1, w, R I) */
    Lv1 = Lu * (1.0 + hh * (0.08 * v1 + 5.0));
    Lwp -= hh * Lu;
    LRI = hh * Lu;
    /* v1 = v + hh f(v, w, R I) */
    Lvp += Lv1 * (1.0 + hh * (0.08 * v + 5.0));
    Lwp -= hh * Lv1;
    LRI += hh * Lv1;
    GR(IZ_R_I)[j] += LRI * cur[j];
    lam_I[j]              = LRI * R;
    lam_prev[S_V * n + j] = Lvp;
    lam_prev[S_W * n + j] = Lwp;
    if (z) {
      lam_prev[S_G * n + j] = 0.0;
    } else {
      lam_prev[S_G * n + j] = Lg * (1.0 - 1.0 / tg);
      GR(IZ_TAU_G)[j] += Lg * g / (tg * tg);
    }
  }
#undef GR
}

const NeuronModel model_izh = {
    .name         = "izh",
    .nstate       = 3,
    .naux         = 1,
    .syn          = S_G,
    .blocks       = MODEL_IZH_BLOCKS,
    .nblocks      = sizeof(MODEL_IZH_BLOCKS) / sizeof(MODEL_IZH_BLOCKS[0]),
    .init_state   = IzhInitState,
    .init_adjoint = IzhInitAdjoint,
    .step         = IzhStep,
    .step_adjoint = IzhStepAdjoint,
};
