/* Stochastic LIF with escape noise (docs/MODELS.md "slif"). The LIF of SCIENCE.md section 2
 * with spike probability p = sig(beta (u - theta)) and z = [U < p], U the uniform keyed by
 * (seed, stream, window, neuron, step). The output is p. State: v, g.
 * Tape: aux0 = theta + beta (u - theta) - logit(U), so that aux0 >= theta exactly when
 * z = 1 (the margin of the draw: SimHardSpikes relies on it); aux1 = u. */
#include "model_util.h"
#include "rng.h"
#include <math.h>

enum { SL_E_L, SL_TAU_M, SL_TAU_G, SL_R_I, SL_BETA };

static const ParamSpec MODEL_SLIF_BLOCKS[] = {
    PARAM_SPEC_E_L, PARAM_SPEC_TAU_M, PARAM_SPEC_TAU_G, PARAM_SPEC_R_I, {"beta", 0.05, 5, 0.5, 1.5}
};

static void SLIFStep(const ModelCtx *c, const double *prev, const double *cur, double *next, double *aux, double *y)
{
  const PetscInt n = c->n;
  const double  *E = c->theta + c->off[SL_E_L], *tm = c->theta + c->off[SL_TAU_M];
  const double  *tg = c->theta + c->off[SL_TAU_G], *R = c->theta + c->off[SL_R_I], *beta = c->theta + c->off[SL_BETA];
  const double   th   = c->cfg->theta;
  const int      hard = c->cfg->hard_output;

  for (PetscInt j = 0; j < n; j++) {
    double v = prev[j], g = prev[n + j];
    double u = v + (E[j] - v + R[j] * cur[j]) / tm[j];
    double U = RngUniform(c->seed, c->stream, (uint32_t)c->window, (uint32_t)j, (uint32_t)c->step);
    double a = beta[j] * (u - th);
    int    z;
    U           = fmax(U, 1e-300); /* logit(0) = -inf would make the margin infinite */
    aux[j]      = th + (a - log(U / (1.0 - U)));
    aux[n + j]  = u;
    z           = ModelSpike(c, j, aux[j] >= th);
    next[j]     = z ? E[j] : u;
    next[n + j] = ModelSynapseStep(z, g, tg[j]);
    y[j]        = hard ? (double)z : ModelSigmoid(a);
  }
}

static void SLIFStepAdjoint(const ModelCtx *c, const double *prev, const double *cur, const double *next,
                            const double *aux, const double *dy, const double *lam_next, double *lam_prev,
                            double *lam_I, double *grad)
{
  const PetscInt n = c->n;
  const double  *E = c->theta + c->off[SL_E_L], *tm = c->theta + c->off[SL_TAU_M];
  const double  *tg = c->theta + c->off[SL_TAU_G], *R = c->theta + c->off[SL_R_I], *beta = c->theta + c->off[SL_BETA];
  double        *gE = grad + c->off[SL_E_L], *gtm = grad + c->off[SL_TAU_M];
  double        *gtg = grad + c->off[SL_TAU_G], *gR = grad + c->off[SL_R_I], *gb = grad + c->off[SL_BETA];
  const double   th   = c->cfg->theta;
  const int      hard = c->cfg->hard_output, st = !c->cfg->z_constant;
  (void)next;

  for (PetscInt j = 0; j < n; j++) {
    double v = prev[j], g = prev[n + j], u = aux[n + j];
    int    z  = ModelSpike(c, j, aux[j] >= th);
    double dp = ModelSigmoidPrime(beta[j] * (u - th)); /* dp/da, a = beta (u - theta) */
    double lv = lam_next[j], lg = lam_next[n + j];
    double la = hard ? 0.0 : dy[j] * dp; /* dL/da through y = p */
    double lu;

    if (st && !ModelForced(c, j)) { /* a forced spike is data: no path through p */
      /* straight-through: dz/dp = 1. v_next = z E + (1-z) u, g_next = z + (1-z) g d, y = z
       * when hard, so dL/dz = lv (E - u) + lg (1 - g d) [+ dy] */
      double dLdz = lv * (E[j] - u) + lg * (1.0 - ModelSynapseStep(0, g, tg[j])) + (hard ? dy[j] : 0.0);
      la += dLdz * dp;
    }
    gb[j] += la * (u - th);
    lu = la * beta[j] + (z ? 0.0 : lv);
    ModelLeakyAdjoint(z, lu, lv, E[j], v, R[j], cur[j], tm[j], &gE[j], &gtm[j], &gR[j], &lam_I[j], &lam_prev[j]);
    ModelSynapseAdjoint(z, g, tg[j], lg, &lam_prev[n + j], &gtg[j]);
  }
}

const NeuronModel model_slif = {
    .name         = "slif",
    .nstate       = 2,
    .naux         = 2,
    .syn          = 1,
    .blocks       = MODEL_SLIF_BLOCKS,
    .nblocks      = sizeof(MODEL_SLIF_BLOCKS) / sizeof(MODEL_SLIF_BLOCKS[0]),
    .init_state   = ModelRestStateEL,
    .init_adjoint = ModelRestAdjointEL,
    .step         = SLIFStep,
    .step_adjoint = SLIFStepAdjoint,
};
