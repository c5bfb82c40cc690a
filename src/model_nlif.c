/* Non-leaky integrate-and-fire (docs/MODELS.md "nlif"): the LIF of SCIENCE.md section 2
 * without the leak term. State: v, g. Tape: u, the pre-reset potential. */
#include "model_util.h"
#include <math.h>

enum { NLIF_E_L, NLIF_TAU_M, NLIF_TAU_G, NLIF_R_I };

/* lif's blocks, R_I lower: without the leak each input moves v for good (docs/MODELS.md) */
static const ParamSpec MODEL_NLIF_BLOCKS[] = {
    PARAM_SPEC_E_L, PARAM_SPEC_TAU_M, PARAM_SPEC_TAU_G, {"R_I", 10, 150, 50, 70}
};

static void NLIFStep(const ModelCtx *c, const double *prev, const double *cur, double *next, double *aux, double *y)
{
  const PetscInt n = c->n;
  const double  *E = c->theta + c->off[NLIF_E_L], *tm = c->theta + c->off[NLIF_TAU_M];
  const double  *tg = c->theta + c->off[NLIF_TAU_G], *R = c->theta + c->off[NLIF_R_I];
  const double   th   = c->cfg->theta;
  const int      hard = c->cfg->hard_output;

  for (PetscInt j = 0; j < n; j++) {
    double v = prev[j], g = prev[n + j];
    double u    = v + R[j] * cur[j] / tm[j];
    int    z    = ModelSpike(c, j, u >= th);
    next[j]     = z ? E[j] : u;
    next[n + j] = ModelSynapseStep(z, g, tg[j]);
    aux[j]      = u;
    y[j]        = hard ? (double)z : ModelSigmoid(u - th);
  }
}

static void NLIFStepAdjoint(const ModelCtx *c, const double *prev, const double *cur, const double *next,
                            const double *aux, const double *dy, const double *lam_next, double *lam_prev,
                            double *lam_I, double *grad)
{
  const PetscInt n  = c->n;
  const double  *tm = c->theta + c->off[NLIF_TAU_M];
  const double  *tg = c->theta + c->off[NLIF_TAU_G], *R = c->theta + c->off[NLIF_R_I];
  double        *gE = grad + c->off[NLIF_E_L], *gtm = grad + c->off[NLIF_TAU_M];
  double        *gtg = grad + c->off[NLIF_TAU_G], *gR = grad + c->off[NLIF_R_I];
  const double   th   = c->cfg->theta;
  const int      hard = c->cfg->hard_output;
  (void)next;

  for (PetscInt j = 0; j < n; j++) {
    double g = prev[n + j], u = aux[j];
    int    z  = ModelSpike(c, j, u >= th);
    double lv = lam_next[j], lg = lam_next[n + j];
    double lu  = (hard ? 0.0 : dy[j] * ModelSigmoidPrime(u - th)) + (z ? 0.0 : lv);
    double inv = 1.0 / tm[j];

    if (z) gE[j] += lv;
    gtm[j] -= lu * R[j] * cur[j] * inv * inv;
    gR[j] += lu * cur[j] * inv;
    lam_I[j]    = lu * R[j] * inv;
    lam_prev[j] = lu;
    ModelSynapseAdjoint(z, g, tg[j], lg, &lam_prev[n + j], &gtg[j]);
  }
}

const NeuronModel model_nlif = {
    .name         = "nlif",
    .nstate       = 2,
    .naux         = 1,
    .syn          = 1,
    .blocks       = MODEL_NLIF_BLOCKS,
    .nblocks      = sizeof(MODEL_NLIF_BLOCKS) / sizeof(MODEL_NLIF_BLOCKS[0]),
    .init_state   = ModelRestStateEL,
    .init_adjoint = ModelRestAdjointEL,
    .step         = NLIFStep,
    .step_adjoint = NLIFStepAdjoint,
};
