/* Generalised LIF with an after-spike current and an adaptive threshold (Allen Institute
 * GLIF-style; docs/MODELS.md "glif"). State: v, g, a (after-spike current), s (spike
 * component of the threshold), q (voltage component). Tape: aux0 = u - Theta + cfg->theta,
 * so that aux0 >= cfg->theta is the spike condition u >= Theta (SimHardSpikes relies on it). */
#include "model_util.h"
#include <math.h>

enum { G_TAU_M, G_G, G_E_L, G_DTHETA_S, G_B_S, G_F_V, G_DV, G_F_I, G_I_A, G_B_V, G_A_V, G_THETA_INF, G_R_I, G_TAU_G };
enum { S_V, S_G, S_A, S_S, S_Q };

/* bounds contain the ground truth; the threshold and reset are in mV */
static const ParamSpec MODEL_GLIF_BLOCKS[] = {
    {"tau_m", 1.05, 4, 1.1, 2.6},     {"G", 0.3, 1.5, 0.6, 1.0},      {"E_L", -80, -30, -65, -35},
    {"dtheta_s", 0, 40, 10, 20},      {"b_s", 0.05, 0.95, 0.2, 0.5},  {"f_v", 0, 1, 0.05, 0.3},
    {"dV", 0, 30, 5, 15},             {"f_I", 0, 0.95, 0.2, 0.6},     {"I_A", -5, 5, 0.5, 2.0},
    {"b_v", 0.05, 0.95, 0.2, 0.5},    {"a_v", 0, 1, 0.1, 0.5},        {"theta_inf", -40, 0, -25, -15},
    {"R_I", 20, 150, 50, 65},         PARAM_SPEC_TAU_G,
};

#define P(k) (c->theta + c->off[k])

static void GLIFInitState(const ModelCtx *c, double *s)
{
  const PetscInt n = c->n;
  const double  *E = P(G_E_L);
  for (PetscInt j = 0; j < n; j++) {
    s[S_V * n + j] = E[j];
    s[S_G * n + j] = 0;
    s[S_A * n + j] = 0;
    s[S_S * n + j] = 0;
    s[S_Q * n + j] = 0;
  }
}

static void GLIFInitAdjoint(const ModelCtx *c, const double *lam, double *grad)
{
  for (PetscInt j = 0; j < c->n; j++) grad[c->off[G_E_L] + j] += lam[S_V * c->n + j];
}

/* The pre-reset quantities of one neuron; forward and adjoint compute them identically. */
typedef struct {
  double u, s1, q1, m; /* potential, decayed threshold components, margin u - Theta */
} GLIFPre;

static inline GLIFPre GLIFPreReset(const ModelCtx *c, PetscInt j, const double *prev, double cur)
{
  const PetscInt n = c->n;
  double         v = prev[S_V * n + j], a = prev[S_A * n + j], s = prev[S_S * n + j], q = prev[S_Q * n + j];
  GLIFPre        r;
  r.u  = v + (-P(G_G)[j] * (v - P(G_E_L)[j]) + P(G_R_I)[j] * cur + a) / P(G_TAU_M)[j];
  r.s1 = (1.0 - P(G_B_S)[j]) * s;
  r.q1 = (1.0 - P(G_B_V)[j]) * q + P(G_A_V)[j] * (v - P(G_E_L)[j]);
  r.m  = r.u - (P(G_THETA_INF)[j] + r.s1 + r.q1);
  return r;
}

static void GLIFStep(const ModelCtx *c, const double *prev, const double *cur, double *next, double *aux, double *y)
{
  const PetscInt n    = c->n;
  const double   th   = c->cfg->theta;
  const int      hard = c->cfg->hard_output;

  for (PetscInt j = 0; j < n; j++) {
    GLIFPre r = GLIFPreReset(c, j, prev, cur[j]);
    double  E = P(G_E_L)[j];
    int     z;
    aux[j]            = r.m + th;
    z                 = ModelSpike(c, j, aux[j] >= th);
    next[S_V * n + j] = z ? E + P(G_F_V)[j] * (r.u - E) - P(G_DV)[j] : r.u;
    next[S_G * n + j] = z ? 1.0 : prev[S_G * n + j] * (1.0 - 1.0 / P(G_TAU_G)[j]);
    next[S_A * n + j] = P(G_F_I)[j] * prev[S_A * n + j] + (z ? P(G_I_A)[j] : 0.0);
    next[S_S * n + j] = r.s1 + (z ? P(G_DTHETA_S)[j] : 0.0);
    next[S_Q * n + j] = r.q1;
    y[j]              = hard ? (double)z : ModelSigmoid(r.m);
  }
}

static void GLIFStepAdjoint(const ModelCtx *c, const double *prev, const double *cur, const double *next,
                            const double *aux, const double *dy, const double *lam_next, double *lam_prev,
                            double *lam_I, double *grad)
{
  const PetscInt n    = c->n;
  const double   th   = c->cfg->theta;
  const int      hard = c->cfg->hard_output;
#define GR(k) (grad + c->off[k])
  (void)next;

  for (PetscInt j = 0; j < n; j++) {
    GLIFPre r = GLIFPreReset(c, j, prev, cur[j]);
    int     z = ModelSpike(c, j, aux[j] >= th);
    double  v = prev[S_V * n + j], g = prev[S_G * n + j], a = prev[S_A * n + j], s = prev[S_S * n + j],
           q = prev[S_Q * n + j];
    double E = P(G_E_L)[j], tm = P(G_TAU_M)[j], G = P(G_G)[j], R = P(G_R_I)[j], tg = P(G_TAU_G)[j];
    double fv = P(G_F_V)[j], fI = P(G_F_I)[j], bs = P(G_B_S)[j], bv = P(G_B_V)[j], av = P(G_A_V)[j];
    double Lv = lam_next[S_V * n + j], Lg = lam_next[S_G * n + j], La = lam_next[S_A * n + j];
    double Ls = lam_next[S_S * n + j], Lq = lam_next[S_Q * n + j];
    double lm = hard ? 0.0 : dy[j] * ModelSigmoidPrime(r.m);
    double Lu, Ls1, Lq1, inv = 1.0 / tm;

    /* m = u - theta_inf - s1 - q1 */
    Lu  = lm + (z ? fv * Lv : Lv);
    Ls1 = Ls - lm;
    Lq1 = Lq - lm;
    GR(G_THETA_INF)[j] -= lm;
    if (z) { /* v_next = E + f_v (u - E) - dV; s_next = s1 + dtheta_s; a_next += I_A */
      GR(G_E_L)[j] += Lv * (1.0 - fv);
      GR(G_F_V)[j] += Lv * (r.u - E);
      GR(G_DV)[j] -= Lv;
      GR(G_DTHETA_S)[j] += Ls;
      GR(G_I_A)[j] += La;
    }
    /* a_next = f_I a + z I_A */
    GR(G_F_I)[j] += La * a;
    lam_prev[S_A * n + j] = fI * La;
    /* g */
    if (z) {
      lam_prev[S_G * n + j] = 0.0;
    } else {
      lam_prev[S_G * n + j] = Lg * (1.0 - 1.0 / tg);
      GR(G_TAU_G)[j] += Lg * g / (tg * tg);
    }
    /* s1 = (1 - b_s) s */
    lam_prev[S_S * n + j] = (1.0 - bs) * Ls1;
    GR(G_B_S)[j] -= s * Ls1;
    /* q1 = (1 - b_v) q + a_v (v - E) */
    lam_prev[S_Q * n + j] = (1.0 - bv) * Lq1;
    GR(G_B_V)[j] -= q * Lq1;
    GR(G_A_V)[j] += (v - E) * Lq1;
    GR(G_E_L)[j] -= av * Lq1;
    /* u = v + (-G (v - E) + R I + a) / tau_m */
    lam_prev[S_V * n + j] = av * Lq1 + Lu * (1.0 - G * inv);
    GR(G_G)[j] -= Lu * (v - E) * inv;
    GR(G_E_L)[j] += Lu * G * inv;
    GR(G_R_I)[j] += Lu * cur[j] * inv;
    GR(G_TAU_M)[j] -= Lu * (-G * (v - E) + R * cur[j] + a) * inv * inv;
    lam_I[j] = Lu * R * inv;
    lam_prev[S_A * n + j] += Lu * inv;
  }
#undef GR
}

const NeuronModel model_glif = {
    .name         = "glif",
    .nstate       = 5,
    .naux         = 1,
    .syn          = S_G,
    .blocks       = MODEL_GLIF_BLOCKS,
    .nblocks      = sizeof(MODEL_GLIF_BLOCKS) / sizeof(MODEL_GLIF_BLOCKS[0]),
    .init_state   = GLIFInitState,
    .init_adjoint = GLIFInitAdjoint,
    .step         = GLIFStep,
    .step_adjoint = GLIFStepAdjoint,
};
