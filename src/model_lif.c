/* The source paper's leaky integrate-and-fire neuron (SCIENCE.md section 2). State: v, g.
 * Tape: u, the pre-reset potential (z = u >= theta is recovered from it). */
#include "model_util.h"
#include <math.h>

enum { LIF_E_L, LIF_TAU_M, LIF_TAU_G, LIF_R_I };

/* Table 1 of the source paper */
static const ParamSpec MODEL_LIF_BLOCKS[] = {PARAM_SPEC_E_L, PARAM_SPEC_TAU_M, PARAM_SPEC_TAU_G, PARAM_SPEC_R_I};

/* Derived once per pass: 1/tau_m, the trace's decay 1 - 1/tau_g, and 1/tau_g^2 (dg/dtau_g),
 * so that a step divides only in the soft spike. */
enum { LIF_PRE_INV_TM, LIF_PRE_DECAY, LIF_PRE_INV_TG2, LIF_NPRE };

static void LIFPrepare(const ModelCtx *c, double *pre)
{
  const PetscInt n  = c->n;
  const double  *tm = c->theta + c->off[LIF_TAU_M], *tg = c->theta + c->off[LIF_TAU_G];
  for (PetscInt j = 0; j < n; j++) {
    pre[LIF_PRE_INV_TM * n + j]  = 1.0 / tm[j];
    pre[LIF_PRE_DECAY * n + j]   = 1.0 - 1.0 / tg[j];
    pre[LIF_PRE_INV_TG2 * n + j] = 1.0 / (tg[j] * tg[j]);
  }
}

MODEL_SIMD static void LIFStep(const ModelCtx *c, const double *prev, const double *cur, double *next, double *aux,
                               double *y)
{
  const PetscInt n = c->n;
  const double  *E = c->theta + c->off[LIF_E_L], *R = c->theta + c->off[LIF_R_I];
  const double  *itm = c->pre + LIF_PRE_INV_TM * n, *dec = c->pre + LIF_PRE_DECAY * n;
  const double   th   = c->cfg->theta;
  const int      hard = c->cfg->hard_output;

  for (PetscInt j0 = 0; j0 < n; j0 += MODEL_BLOCK) {
    const PetscInt m = PetscMin(MODEL_BLOCK, n - j0);
    const double  *v = prev + j0, *g = prev + n + j0, *cj = cur + j0, *Ej = E + j0, *itmj = itm + j0, *decj = dec + j0,
                 *Rj = R + j0;
    double *vn = next + j0, *gn = next + n + j0, *u = aux + j0, *yj = y + j0;
    double  z[MODEL_BLOCK]; /* the spike, 0 or 1 */

    MODEL_IVDEP
    for (PetscInt j = 0; j < m; j++) {
      u[j] = v[j] + (Ej[j] - v[j] + Rj[j] * cj[j]) * itmj[j];
      z[j] = u[j] >= th ? 1.0 : 0.0;
    }
    ModelForceBlock(c, j0, m, z);
    MODEL_IVDEP
    for (PetscInt j = 0; j < m; j++) {
      const double Ejj = Ej[j], uj = u[j], gj = g[j], decjj = decj[j]; /* unconditional: see the adjoint */
      vn[j] = z[j] != 0.0 ? Ejj : uj;
      gn[j] = z[j] != 0.0 ? 1.0 : gj * decjj;
    }
    if (hard) /* a synthetic target's run: no soft spike computed */
      for (PetscInt j = 0; j < m; j++) yj[j] = z[j];
    else
      for (PetscInt j = 0; j < m; j++) yj[j] = ModelSigmoid(u[j] - th);
  }
}

MODEL_SIMD static void LIFStepAdjoint(const ModelCtx *c, const double *prev, const double *cur, const double *next,
                                      const double *aux, const double *dy, const double *lam_next, double *lam_prev,
                                      double *lam_I, double *grad)
{
  const PetscInt n = c->n;
  const double  *E = c->theta + c->off[LIF_E_L], *R = c->theta + c->off[LIF_R_I];
  const double  *itm = c->pre + LIF_PRE_INV_TM * n, *dec = c->pre + LIF_PRE_DECAY * n,
               *itg2 = c->pre + LIF_PRE_INV_TG2 * n;
  const double th    = c->cfg->theta;
  const int    hard  = c->cfg->hard_output;
  (void)next;

  for (PetscInt j0 = 0; j0 < n; j0 += MODEL_BLOCK) {
    const PetscInt m = PetscMin(MODEL_BLOCK, n - j0);
    const double  *v = prev + j0, *g = prev + n + j0, *cj = cur + j0, *u = aux + j0, *dyj = dy + j0;
    const double  *Ej = E + j0, *itmj = itm + j0, *decj = dec + j0, *itg2j = itg2 + j0, *Rj = R + j0,
                 *lv = lam_next + j0, *lg = lam_next + n + j0;
    double *gE = grad + c->off[LIF_E_L] + j0, *gtm = grad + c->off[LIF_TAU_M] + j0;
    double *gtg = grad + c->off[LIF_TAU_G] + j0, *gR = grad + c->off[LIF_R_I] + j0;
    double *lvp = lam_prev + j0, *lgp = lam_prev + n + j0, *lI = lam_I + j0;
    double  z[MODEL_BLOCK]; /* the spike, 0 or 1 */
    double  a[MODEL_BLOCK]; /* the output's share of dL/du */

    for (PetscInt j = 0; j < m; j++) z[j] = u[j] >= th ? 1.0 : 0.0;
    ModelForceBlock(c, j0, m, z);
    if (hard)
      for (PetscInt j = 0; j < m; j++) a[j] = 0.0;
    else
      for (PetscInt j = 0; j < m; j++) a[j] = dyj[j] * ModelSigmoidPrime(u[j] - th);
    /* every operand is loaded unconditionally, so the selects below are blends in registers:
     * a load that the C code makes conditional becomes a masked load, which stalled behind the
     * previous masked store (half of this kernel's time at N = 100) */
    MODEL_IVDEP
    for (PetscInt j = 0; j < m; j++) {
      const double lvj = lv[j], lgj = lg[j], gj = g[j], gtgj = gtg[j], decjj = decj[j], itg2jj = itg2j[j];
      double       lu  = a[j] + (z[j] != 0.0 ? 0.0 : lvj);
      double       inv = itmj[j];
      gE[j] += (z[j] != 0.0 ? lvj : 0.0) + lu * inv;
      gtm[j] -= lu * (Ej[j] - v[j] + Rj[j] * cj[j]) * inv * inv;
      gR[j] += lu * cj[j] * inv;
      lI[j]  = lu * Rj[j] * inv;
      lvp[j] = lu * (1.0 - inv);
      /* the synaptic trace (ModelSynapseAdjoint): nothing passes a spike */
      lgp[j] = z[j] != 0.0 ? 0.0 : lgj * decjj;
      gtg[j] = z[j] != 0.0 ? gtgj : gtgj + lgj * gj * itg2jj;
    }
  }
}

const NeuronModel model_lif = {
    .name         = "lif",
    .nstate       = 2,
    .naux         = 1,
    .syn          = 1,
    .npre         = LIF_NPRE,
    .blocks       = MODEL_LIF_BLOCKS,
    .nblocks      = sizeof(MODEL_LIF_BLOCKS) / sizeof(MODEL_LIF_BLOCKS[0]),
    .prepare      = LIFPrepare,
    .init_state   = ModelRestStateEL,
    .init_adjoint = ModelRestAdjointEL,
    .step         = LIFStep,
    .step_adjoint = LIFStepAdjoint,
};
