#include "fixedsum.h"
#include <math.h>

#define LIMB_BITS 40
#define LOW_EXP   100 /* value = sum_k limb[k] * 2^(40k - 100) */

PetscErrorCode FixedSumCreate(PetscInt n, FixedSum **out)
{
  FixedSum *fs;
  PetscFunctionBeginUser;
  PetscCall(PetscNew(&fs));
  fs->n = n;
  PetscCall(PetscCalloc1(n * FIXEDSUM_LIMBS + 1, &fs->limb));
  *out = fs;
  PetscFunctionReturn(0);
}

PetscErrorCode FixedSumDestroy(FixedSum **fs)
{
  PetscFunctionBeginUser;
  if (!fs || !*fs) PetscFunctionReturn(0);
  PetscCall(PetscFree((*fs)->limb));
  PetscCall(PetscFree(*fs));
  PetscFunctionReturn(0);
}

void FixedSumZero(FixedSum *fs)
{
  PetscArrayzero(fs->limb, fs->n * FIXEDSUM_LIMBS);
  fs->nonfinite = 0;
}

void FixedSumAdd(FixedSum *fs, const double *v)
{
  for (PetscInt i = 0; i < fs->n; i++) {
    int64_t *l = fs->limb + i * FIXEDSUM_LIMBS;
    double   x;
    if (!isfinite(v[i]) || fabs(v[i]) >= 0x1p60) {
      fs->nonfinite++;
      continue;
    }
    if (v[i] == 0.0) continue;
    x = ldexp(v[i], LOW_EXP); /* exact: a power-of-two scaling */
    for (int k = FIXEDSUM_LIMBS - 1; k >= 0; k--) {
      double unit = ldexp(1.0, LIMB_BITS * k);
      double q    = trunc(x / unit); /* exact: |q| < 2^40 */
      l[k] += (int64_t)q;
      x -= q * unit; /* exact */
    }
  }
}

void FixedSumMerge(FixedSum *dst, const FixedSum *src)
{
  for (PetscInt k = 0; k < dst->n * FIXEDSUM_LIMBS; k++) dst->limb[k] += src->limb[k];
  dst->nonfinite += src->nonfinite;
}

/* Carries so that every limb but the top one lies in [0, 2^40). */
static void Normalize(int64_t *l)
{
  for (int k = 0; k < FIXEDSUM_LIMBS - 1; k++) {
    int64_t carry = l[k] >> LIMB_BITS; /* arithmetic shift: floor division */
    l[k] -= carry * ((int64_t)1 << LIMB_BITS);
    l[k + 1] += carry;
  }
}

void FixedSumGet(const FixedSum *fs, double *out)
{
  for (PetscInt i = 0; i < fs->n; i++) {
    int64_t l[FIXEDSUM_LIMBS];
    double  v = 0, sign = 1;
    for (int k = 0; k < FIXEDSUM_LIMBS; k++) l[k] = fs->limb[i * FIXEDSUM_LIMBS + k];
    Normalize(l);
    /* a negative total has a negative top limb over positive lower ones, whose terms would
     * cancel in floating point: convert its magnitude instead */
    if (l[FIXEDSUM_LIMBS - 1] < 0) {
      for (int k = 0; k < FIXEDSUM_LIMBS; k++) l[k] = -l[k];
      Normalize(l);
      sign = -1;
    }
    /* every limb is now a non-negative integer below 2^40 (the top one below 2^63): each term
     * is exact and the sum from the smallest rounds once per term at most */
    for (int k = 0; k < FIXEDSUM_LIMBS; k++) v += ldexp((double)l[k], LIMB_BITS * k - LOW_EXP);
    out[i] = sign * v;
  }
}
