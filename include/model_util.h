#ifndef SPIKEFIT_MODEL_UTIL_H
#define SPIKEFIT_MODEL_UTIL_H
/* Pieces the neuron models share: the soft spike and its derivative, and the rest state of
 * the LIF family (v = E_L from block 0, g = 0). */
#include "model.h"
#include "vecmath.h"
#include <math.h>

/* The spike that drives neuron j's dynamics: the recorded one when forced, else its own. */
static inline int ModelSpike(const ModelCtx *c, PetscInt j, int own)
{
  return c->force && j < c->nforce ? c->force[j] > 0.5 : own;
}
static inline int ModelForced(const ModelCtx *c, PetscInt j) { return c->force && j < c->nforce; }

static inline double ModelSigmoid(double a) { return 1.0 / (1.0 + VecExp(-a)); }

/* Element-wise kernels (MODEL_SIMD = VEC_CLONES, vecmath.h) loop over blocks of MODEL_BLOCK
 * neurons without calls or branches, with per-block scratch on the stack. */
#define MODEL_SIMD  VEC_CLONES
#define MODEL_IVDEP VEC_IVDEP
#define MODEL_BLOCK 64

/* z[j] of neurons j0..j0+m-1 replaced by the recorded spikes where forced (ModelSpike). */
static inline void ModelForceBlock(const ModelCtx *c, PetscInt j0, PetscInt m, double *z)
{
  if (!c->force) return;
  for (PetscInt j = j0; j < j0 + m && j < c->nforce; j++) z[j - j0] = c->force[j] > 0.5 ? 1.0 : 0.0;
}

/* sig'(a) = sig(a) sig(-a), computed without 1 - sig(a), which loses every digit once
 * sig(a) rounds to 1 (a > 37) and most of them well before */
static inline double ModelSigmoidPrime(double a)
{
  double e = VecExp(-fabs(a));
  return e / ((1.0 + e) * (1.0 + e));
}

/* The synaptic trace of the LIF family: g jumps to 1 at a spike, else decays by 1 - 1/tau_g.
 * The adjoint (z held constant) sets dL/dg_prev and accumulates dL/dtau_g. */
static inline double ModelSynapseStep(int z, double g, double tg) { return z ? 1.0 : g * (1.0 - 1.0 / tg); }

static inline void ModelSynapseAdjoint(int z, double g, double tg, double lg, double *lam_g_prev, double *gtg)
{
  if (z) {
    *lam_g_prev = 0.0;
  } else {
    *lam_g_prev = lg * (1.0 - 1.0 / tg);
    *gtg += lg * g / (tg * tg);
  }
}

/* Adjoint of the leaky membrane u = v + (E - v + R I)/tau_m with reset v_next = z ? E : u,
 * (cur = I, the total input) given lu = dL/du (including (1-z) dL/dv_next) and lv = dL/dv_next: accumulates the E_L,
 * tau_m and R_I gradients and returns dL/dI and dL/dv_prev. */
static inline void ModelLeakyAdjoint(int z, double lu, double lv, double E, double v, double R, double cur, double tm,
                                     double *gE, double *gtm, double *gR, double *lam_I, double *lam_v_prev)
{
  double inv = 1.0 / tm;
  *gE += (z ? lv : 0.0) + lu * inv;
  *gtm -= lu * (E - v + R * cur) * inv * inv;
  *gR += lu * cur * inv;
  *lam_I      = lu * R * inv;
  *lam_v_prev = lu * (1.0 - inv);
}

/* State [v][g] at a window's start: v = E_L (the model's block 0), g = 0; and its adjoint. */
void ModelRestStateEL(const ModelCtx *c, double *s);
void ModelRestAdjointEL(const ModelCtx *c, const double *lam, double *grad);
#endif
