#ifndef SPIKEFIT_GROUNDTRUTH_H
#define SPIKEFIT_GROUNDTRUTH_H
/* The source paper's synthetic benchmark (SCIENCE.md section 7): three populations
 * (two excitatory, one inhibitory) with fixed base values, jittered per neuron. */
#include "params.h"
#include <stdint.h>

/* Population of neuron i in a network of n (sizes n/3, the remainder to the first ones). */
PetscInt GroundTruthPopulation(PetscInt n, PetscInt i);
/* exc[i] for the recipe: populations 0 and 1 excitatory, 2 inhibitory. */
void GroundTruthTypes(PetscInt n, PetscInt *exc);
/* Fills theta (laid out by an LIF layout built with these types) with the truth of `seed`. */
PetscErrorCode GroundTruthLIF(const ParamLayout *layout, uint64_t seed, double *theta);
#endif
