/* Adaptive exponential integrate-and-fire (AdEx; Brette & Gerstner 2005, J. Neurophysiol.
 * 94:3637), in the discrete time of the LIF family (docs/MODELS.md "adex"): time constants
 * in steps, the drive in mV, the synapse g of the LIF. State: v, w (adaptation), g.
 *
 *   e      = Delta_T exp(min((v - V_T) / Delta_T, X))       spike initiation (X = ADEX_EXP_CAP)
 *   u      = v + (E_L - v + e - w + R_I I[t]) / tau_m         (v, w, g of step t-1)
 *   m      = u - V_cut,  V_cut = V_T + 2 Delta_T              margin to the cut
 *   z      = m >= 0                                           (aux0 = m + th >= th, the tape rule)
 *   v[t]   = z ? E_L + r : u                                  r = adex_reset_offset = V_r - E_L (0: V_r = E_L)
 *   w[t]   = w + (a (v - E_L) - w) / tau_w + z b              subthreshold and spike-triggered adaptation
 *   g[t]   = z ? 1 : g (1 - 1/tau_g)
 *   y      = sig(m)
 *   v[0] = E_L, w[0] = g[0] = 0.
 *
 * The spike is cut where the exponential has taken over: from V_T + k Delta_T the continuous
 * model blows up within tau_m e^-k, under half a step for k = 2 and tau_m <= 3. So the surrogate
 * sees the upswing rather than a jump from far below to far above a fixed peak, and the
 * runaway's per-step gain (e^k / tau_m) stays small enough for finite differences; -lif_theta only shifts
 * the tape, as for glif. w is in mV of drive (w / g_L of the paper), so a is a/g_L and b is
 * b/g_L. The cap X keeps e finite should v start above the cut (a large reset offset); beyond it
 * e is constant and the adjoint is that of the capped map. Teacher forcing as izh: a forced
 * neuron that reaches the cut without a recorded spike is held at the cut, v[t] = V_cut. */
#include "model_util.h"
#include <math.h>

#define ADEX_EXP_CAP 20.0
#define ADEX_CUT     2.0 /* V_cut = V_T + ADEX_CUT Delta_T */

enum { AD_E_L, AD_TAU_M, AD_TAU_G, AD_R_I, AD_DELTA_T, AD_V_T, AD_A, AD_B, AD_TAU_W };
enum { S_V, S_W, S_G };
enum { OPT_RESET_OFFSET };

/* E_L sits below V_T (the rest is stable); the LIF family's tau_m and tau_g. R_I is lower
 * than lif's: the exponential takes over at V_T, 10-20 mV above rest, not at th */
static const ParamSpec MODEL_ADEX_BLOCKS[] = {
    {"E_L", -80, -35, -70, -60},  PARAM_SPEC_TAU_M,          PARAM_SPEC_TAU_G,       {"R_I", 10, 150, 40, 60},
    {"Delta_T", 0.5, 5, 1.5, 3},  {"V_T", -65, -30, -55, -45}, {"a", 0, 1, 0.05, 0.3}, {"b", 0, 20, 2, 6},
    {"tau_w", 5, 300, 50, 150},
};

static const ModelOption MODEL_ADEX_OPTIONS[] = {
    {"adex_reset_offset", "AdEx: reset potential V_r - E_L (mV; 0: reset to E_L as in Brette & Gerstner 2005)"},
};

#define P(k) (c->theta + c->off[k])

static void AdexInitState(const ModelCtx *c, double *s)
{
  const PetscInt n = c->n;
  for (PetscInt j = 0; j < n; j++) {
    s[S_V * n + j] = P(AD_E_L)[j];
    s[S_W * n + j] = 0;
    s[S_G * n + j] = 0;
  }
}

static void AdexInitAdjoint(const ModelCtx *c, const double *lam, double *grad)
{
  for (PetscInt j = 0; j < c->n; j++) grad[c->off[AD_E_L] + j] += lam[S_V * c->n + j];
}

/* The exponential term and its arguments; forward and adjoint compute it identically. */
typedef struct {
  double arg, ex, e; /* (v - V_T)/Delta_T, exp(min(arg, X)), Delta_T ex */
  int    capped;
} AdexExp;

static inline AdexExp AdexExponential(double v, double VT, double DT)
{
  AdexExp r;
  r.arg    = (v - VT) / DT;
  r.capped = r.arg > ADEX_EXP_CAP;
  r.ex     = exp(r.capped ? ADEX_EXP_CAP : r.arg);
  r.e      = DT * r.ex;
  return r;
}

static void AdexStep(const ModelCtx *c, const double *prev, const double *cur, double *next, double *aux, double *y)
{
  const PetscInt n = c->n;
  const double   th = c->cfg->theta, r = c->cfg->opt[OPT_RESET_OFFSET];
  const int      hard = c->cfg->hard_output;

  for (PetscInt j = 0; j < n; j++) {
    double  v = prev[S_V * n + j], w = prev[S_W * n + j], g = prev[S_G * n + j], E = P(AD_E_L)[j];
    double  VT = P(AD_V_T)[j], DT = P(AD_DELTA_T)[j], cut = VT + ADEX_CUT * DT;
    AdexExp x = AdexExponential(v, VT, DT);
    double  u = v + (E - v + x.e - w + P(AD_R_I)[j] * cur[j]) / P(AD_TAU_M)[j];
    int     z;
    aux[j]            = (u - cut) + th;
    z                 = ModelSpike(c, j, aux[j] >= th);
    next[S_V * n + j] = z ? E + r : (aux[j] >= th ? cut : u); /* past the cut without z: forced, held */
    next[S_W * n + j] = w + (P(AD_A)[j] * (v - E) - w) / P(AD_TAU_W)[j] + (z ? P(AD_B)[j] : 0.0);
    next[S_G * n + j] = ModelSynapseStep(z, g, P(AD_TAU_G)[j]);
    y[j]              = hard ? (double)z : ModelSigmoid(u - cut);
  }
}

static void AdexStepAdjoint(const ModelCtx *c, const double *prev, const double *cur, const double *next,
                            const double *aux, const double *dy, const double *lam_next, double *lam_prev,
                            double *lam_I, double *grad)
{
  const PetscInt n    = c->n;
  const double   th   = c->cfg->theta;
  const int      hard = c->cfg->hard_output;
#define GR(k) (grad + c->off[k])
  (void)next;

  for (PetscInt j = 0; j < n; j++) {
    double  v = prev[S_V * n + j], w = prev[S_W * n + j], g = prev[S_G * n + j];
    double  E = P(AD_E_L)[j], tm = P(AD_TAU_M)[j], R = P(AD_R_I)[j], a = P(AD_A)[j], tw = P(AD_TAU_W)[j];
    double  VT = P(AD_V_T)[j], DT = P(AD_DELTA_T)[j], cut = VT + ADEX_CUT * DT;
    AdexExp x    = AdexExponential(v, VT, DT);
    double  u    = v + (E - v + x.e - w + R * cur[j]) / tm;
    int     z    = ModelSpike(c, j, aux[j] >= th), held = !z && aux[j] >= th;
    double  Lv   = lam_next[S_V * n + j], Lw = lam_next[S_W * n + j], Lg = lam_next[S_G * n + j];
    double  Lm   = hard ? 0.0 : dy[j] * ModelSigmoidPrime(u - cut); /* y = sig(m), m = u - cut */
    double  Lcut = -Lm + (held ? Lv : 0.0);                          /* dL/dV_cut */
    double  Lu   = Lm + (z || held ? 0.0 : Lv);
    double  inv = 1.0 / tm, itw = 1.0 / tw;
    /* de/dv, de/dV_T, de/dDelta_T of the capped exponential */
    double dv = x.capped ? 0.0 : x.ex, dVT = -dv, dDT = x.capped ? x.ex : x.ex * (1.0 - x.arg);
    double Lvp, Lwp;

    if (z) { /* v[t] = E_L + r; w[t] += b */
      GR(AD_E_L)[j] += Lv;
      GR(AD_B)[j] += Lw;
    }
    /* V_cut = V_T + 2 Delta_T */
    GR(AD_V_T)[j] += Lcut;
    GR(AD_DELTA_T)[j] += ADEX_CUT * Lcut;
    /* w[t] = w + (a (v - E_L) - w) / tau_w */
    Lwp = Lw * (1.0 - itw);
    Lvp = Lw * a * itw;
    GR(AD_E_L)[j] -= Lw * a * itw;
    GR(AD_A)[j] += Lw * (v - E) * itw;
    GR(AD_TAU_W)[j] -= Lw * (a * (v - E) - w) * itw * itw;
    /* u = v + (E_L - v + e - w + R_I I) / tau_m */
    Lvp += Lu * (1.0 - inv + inv * dv);
    Lwp -= Lu * inv;
    GR(AD_E_L)[j] += Lu * inv;
    GR(AD_V_T)[j] += Lu * inv * dVT;
    GR(AD_DELTA_T)[j] += Lu * inv * dDT;
    GR(AD_R_I)[j] += Lu * cur[j] * inv;
    GR(AD_TAU_M)[j] -= Lu * (E - v + x.e - w + R * cur[j]) * inv * inv;
    lam_I[j]              = Lu * R * inv;
    lam_prev[S_V * n + j] = Lvp;
    lam_prev[S_W * n + j] = Lwp;
    ModelSynapseAdjoint(z, g, P(AD_TAU_G)[j], Lg, &lam_prev[S_G * n + j], &GR(AD_TAU_G)[j]);
  }
#undef GR
}

const NeuronModel model_adex = {
    .name         = "adex",
    .nstate       = 3,
    .naux         = 1,
    .syn          = S_G,
    .blocks       = MODEL_ADEX_BLOCKS,
    .nblocks      = sizeof(MODEL_ADEX_BLOCKS) / sizeof(MODEL_ADEX_BLOCKS[0]),
    .options      = MODEL_ADEX_OPTIONS,
    .noptions     = sizeof(MODEL_ADEX_OPTIONS) / sizeof(MODEL_ADEX_OPTIONS[0]),
    .init_state   = AdexInitState,
    .init_adjoint = AdexInitAdjoint,
    .step         = AdexStep,
    .step_adjoint = AdexStepAdjoint,
};
