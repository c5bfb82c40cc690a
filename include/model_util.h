#ifndef SPIKEFIT_MODEL_UTIL_H
#define SPIKEFIT_MODEL_UTIL_H
/* Pieces the neuron models share: the soft spike and its derivative, and the rest state of
 * the LIF family (v = E_L from block 0, g = 0). */
#include "model.h"
#include <math.h>

static inline double ModelSigmoid(double a) { return 1.0 / (1.0 + exp(-a)); }

/* sig'(a) = sig(a) sig(-a), computed without 1 - sig(a), which loses every digit once
 * sig(a) rounds to 1 (a > 37) and most of them well before */
static inline double ModelSigmoidPrime(double a)
{
  double e = exp(-fabs(a));
  return e / ((1.0 + e) * (1.0 + e));
}

/* State [v][g] at a window's start: v = E_L (the model's block 0), g = 0; and its adjoint. */
void ModelRestStateEL(const ModelCtx *c, double *s);
void ModelRestAdjointEL(const ModelCtx *c, const double *lam, double *grad);
#endif
