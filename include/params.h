#ifndef SPIKEFIT_PARAMS_H
#define SPIKEFIT_PARAMS_H
/* The parameter layout: named blocks laid out back to back in one flat array, with a
 * lower and upper bound and an initial range for every entry. */
#include <petscsys.h>

#define PARAMS_MAX_BLOCKS 24

typedef struct {
  char     name[16];
  PetscInt offset, size;
  PetscInt rows, cols; /* rows x cols = size; a vector has rows = size, cols = 1 */
} ParamBlock;

typedef struct {
  PetscInt   n; /* neurons */
  PetscInt   nblocks;
  PetscInt   total; /* number of parameters */
  ParamBlock blocks[PARAMS_MAX_BLOCKS];
  double    *lo, *hi;           /* [total] bounds */
  double    *init_lo, *init_hi; /* [total] uniform initial ranges */
  PetscInt  *exc;               /* [n] 1 excitatory, 0 inhibitory, -1 unknown */
} ParamLayout;

/* A block of one entry per neuron: its name, bounds and initial range. */
typedef struct {
  const char *name;
  double      lo, hi, init_lo, init_hi;
} ParamSpec;

/* The LIF family's blocks with the source paper's bounds and initial ranges (Table 1,
 * SCIENCE.md): the one copy, which every model that shares a block names. */
#define PARAM_SPEC_E_L   {"E_L", -80, -35, -55, -45}
#define PARAM_SPEC_TAU_M {"tau_m", 1.1, 3, 1.3, 2.3}
#define PARAM_SPEC_TAU_G {"tau_g", 1.5, 3.5, 2.0, 3.5}
#define PARAM_SPEC_R_I   {"R_I", 100, 150, 135, 140}

PetscErrorCode ParamLayoutCreate(PetscInt n, ParamLayout **out);
PetscErrorCode ParamLayoutDestroy(ParamLayout **layout);
/* Appends a block with one bound and initial range for all its entries. */
PetscErrorCode ParamLayoutAddBlock(ParamLayout *layout, const char *name, PetscInt rows, PetscInt cols, double lo,
                                   double hi, double init_lo, double init_hi);
/* Appends one n-entry block per spec, in order. */
PetscErrorCode ParamLayoutAddSpecs(ParamLayout *layout, const ParamSpec *specs, PetscInt count);
/* The block names in layout order, comma-separated ("E_L,tau_m,...,W,r_p"). */
PetscErrorCode ParamLayoutNames(const ParamLayout *layout, char *buf, size_t len);
/* Index of a block by name, or -1. */
PetscInt          ParamLayoutFind(const ParamLayout *layout, const char *name);
const ParamBlock *ParamLayoutBlock(const ParamLayout *layout, const char *name);

/* Clips every entry into [lo, hi]. */
void ParamsProject(const ParamLayout *layout, double *theta);
/* Draws every entry uniformly from its initial range with the counter-based generator. */
void ParamsDrawInitial(const ParamLayout *layout, uint64_t seed, double *theta);
/* Euclidean distance of one block (or all if block < 0). */
double ParamsBlockDistance(const ParamLayout *layout, PetscInt block, const double *a, const double *b);

/* Overrides bounds from the options database: -bound_<name> lo,hi and -init_<name> lo,hi. */
PetscErrorCode ParamLayoutSetFromOptions(ParamLayout *layout);
#endif
