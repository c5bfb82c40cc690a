/* The source paper's leaky integrate-and-fire neuron (SCIENCE.md section 2). State: v, g.
 * Tape: u, the pre-reset potential (z = u >= theta is recovered from it). */
#include "model_util.h"
#include <math.h>

enum { LIF_E_L, LIF_TAU_M, LIF_TAU_G, LIF_R_I };

static PetscErrorCode LIFLayout(const ModelConfig *cfg, ParamLayout *l)
{
  PetscInt n = l->n;
  (void)cfg;
  PetscFunctionBeginUser;
  PetscCall(ParamLayoutAddBlock(l, "E_L", n, 1, -80, -35, -55, -45));
  PetscCall(ParamLayoutAddBlock(l, "tau_m", n, 1, 1.1, 3, 1.3, 2.3));
  PetscCall(ParamLayoutAddBlock(l, "tau_g", n, 1, 1.5, 3.5, 2.0, 3.5));
  PetscCall(ParamLayoutAddBlock(l, "R_I", n, 1, 100, 150, 135, 140));
  PetscFunctionReturn(0);
}



static void LIFStep(const ModelCtx *c, const double *prev, const double *cur, double *next, double *aux, double *y)
{
  const PetscInt n = c->n;
  const double  *E = c->theta + c->off[LIF_E_L], *tm = c->theta + c->off[LIF_TAU_M];
  const double  *tg = c->theta + c->off[LIF_TAU_G], *R = c->theta + c->off[LIF_R_I];
  const double   th = c->cfg->theta;
  const int      hard = c->cfg->hard_output;

  /* two loops: the state update (branch-free selects the compiler vectorises) and the soft
   * output (a libm call per neuron) */
  for (PetscInt j = 0; j < n; j++) {
    double v = prev[j], g = prev[n + j];
    double u = v + (E[j] - v + R[j] * cur[j]) / tm[j];
    int    z = ModelSpike(c, j, u >= th);
    next[j]     = z ? E[j] : u;
    next[n + j] = ModelSynapseStep(z, g, tg[j]);
    aux[j]      = u;
    if (hard) y[j] = (double)z;
  }
  if (!hard)
    for (PetscInt j = 0; j < n; j++) y[j] = ModelSigmoid(aux[j] - th);
}

static void LIFStepAdjoint(const ModelCtx *c, const double *prev, const double *cur, const double *next, const double *aux, const double *dy,
                           const double *lam_next, double *lam_prev, double *lam_I, double *grad)
{
  const PetscInt n = c->n;
  const double  *E = c->theta + c->off[LIF_E_L], *tm = c->theta + c->off[LIF_TAU_M];
  const double  *tg = c->theta + c->off[LIF_TAU_G], *R = c->theta + c->off[LIF_R_I];
  double        *gE = grad + c->off[LIF_E_L], *gtm = grad + c->off[LIF_TAU_M];
  double        *gtg = grad + c->off[LIF_TAU_G], *gR = grad + c->off[LIF_R_I];
  const double   th = c->cfg->theta;
  const int      hard = c->cfg->hard_output;
  (void)next;

  for (PetscInt j = 0; j < n; j++) {
    double v = prev[j], g = prev[n + j], u = aux[j];
    int    z = ModelSpike(c, j, u >= th);
    double lv = lam_next[j], lg = lam_next[n + j];
    double lu = (hard ? 0.0 : dy[j] * ModelSigmoidPrime(u - th)) + (z ? 0.0 : lv);

    ModelLeakyAdjoint(z, lu, lv, E[j], v, R[j], cur[j], tm[j], &gE[j], &gtm[j], &gR[j], &lam_I[j], &lam_prev[j]);
    ModelSynapseAdjoint(z, g, tg[j], lg, &lam_prev[n + j], &gtg[j]);
  }
}

const NeuronModel ModelLIF = {
  .name         = "lif",
  .nstate       = 2,
  .naux         = 1,
  .syn          = 1,
  .layout       = LIFLayout,
  .init_state   = ModelRestStateEL,
  .init_adjoint = ModelRestAdjointEL,
  .step         = LIFStep,
  .step_adjoint = LIFStepAdjoint,
};
