#ifndef SPIKEFIT_GROUNDTRUTH_H
#define SPIKEFIT_GROUNDTRUTH_H
/* The source paper's synthetic benchmark (SCIENCE.md section 7): three populations
 * (two excitatory, one inhibitory) with fixed base values, jittered per neuron. */
#include "params.h"
#include <stdint.h>

/* exc_fraction <= 0: the paper's recipe, three consecutive populations of n/3 (the remainder
 * to the first ones), 0 and 1 excitatory, 2 inhibitory. exc_fraction in (0, 1): that fraction
 * of excitatory neurons spread evenly over the indices (so any first R neurons keep the
 * ratio), excitatory ones alternating between populations 0 and 1, inhibitory ones in 2. */
PetscInt GroundTruthPopulation(PetscInt n, double exc_fraction, PetscInt i);
/* exc[i]: 1 for populations 0 and 1, 0 for population 2. */
void GroundTruthTypes(PetscInt n, double exc_fraction, PetscInt *exc);
/* Fills theta (laid out by an LIF layout built with these types) with the truth of `seed`. */
PetscErrorCode GroundTruthLIF(const ParamLayout *layout, double exc_fraction, uint64_t seed, double *theta);
/* Any model: lif as above; glif with the source paper's per-population values; the others
 * at population-specific points of their initial ranges. The weights follow the LIF recipe. */
PetscErrorCode GroundTruthModel(const ParamLayout *layout, const char *model, double exc_fraction, uint64_t seed,
                                double *theta);
#endif
