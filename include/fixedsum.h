#ifndef SPIKEFIT_FIXEDSUM_H
#define SPIKEFIT_FIXEDSUM_H
/* Exact, order-independent sums of doubles: every value is cut into fixed-point limbs
 * (40 bits each, lowest bit 2^-100) and limbs are added as integers. Integer addition is
 * associative, so a gradient summed over windows gives the same bits on any number of
 * ranks or threads. Values below 2^-100 in magnitude are dropped (truncated towards 0). */
#include <petscsys.h>
#include <stdint.h>

#define FIXEDSUM_LIMBS 4

typedef struct {
  PetscInt n;
  int64_t *limb;      /* [n][FIXEDSUM_LIMBS] */
  PetscInt nonfinite; /* values that were NaN, Inf or too large (>= 2^60) */
} FixedSum;

PetscErrorCode FixedSumCreate(PetscInt n, FixedSum **out);
PetscErrorCode FixedSumDestroy(FixedSum **fs);
void           FixedSumZero(FixedSum *fs);
void           FixedSumAdd(FixedSum *fs, const double *v);        /* adds v[0..n) */
void           FixedSumMerge(FixedSum *dst, const FixedSum *src); /* dst += src */
void           FixedSumGet(const FixedSum *fs, double *out);      /* rounds to doubles */
#endif
