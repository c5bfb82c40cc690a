#ifndef SPIKEFIT_VECMATH_H
#define SPIKEFIT_VECMATH_H
/* exp written as straight-line arithmetic, so that the compiler vectorises the loops that
 * call it (libm's exp is a call per element, a quarter of a small network's step). Within
 * 2 ulp of libm over the whole double range (test_vec_exp); exp(+inf) = inf, exp(-inf) = 0,
 * NaN propagates. A value is the same bits in a vector lane and in scalar code, provided the
 * caller is compiled without FMA contraction (C11 mode, or -ffp-contract=off). */
#include <stdint.h>
#include <string.h>

/* Vectorised loops: a function marked VEC_CLONES is built for AVX-512, AVX2 and the baseline,
 * the clone chosen at load time (GCC's target_clones; nothing elsewhere). A value is the same
 * expression, hence the same bits, in every clone and in scalar code: such files are compiled
 * without FMA contraction (CMakeLists.txt). VEC_IVDEP: the loop's arrays never overlap (GCC
 * otherwise checks pairs at run time and gives up past its limit of pairs). */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
  #define VEC_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
  #define VEC_IVDEP  _Pragma("GCC ivdep")
#else
  #define VEC_CLONES
  #define VEC_IVDEP
#endif

static inline double VecBitsToDouble(uint64_t b)
{
  double d;
  memcpy(&d, &b, sizeof d);
  return d;
}

static inline uint64_t VecDoubleToBits(double d)
{
  uint64_t b;
  memcpy(&b, &d, sizeof b);
  return b;
}

static inline double VecExp(double x)
{
  /* x = k ln2 + r, |r| <= ln2/2; exp(r) by its Taylor series to r^13 (the next term is below
   * 5e-18 of the result); 2^k applied as two factors so that results in the subnormal range
   * and the overflow to inf come out of the multiplications themselves */
  const double shift = 0x1.8p52, ln2hi = 0x1.62e42fefa3800p-1, ln2lo = 0x1.ef35793c7673p-45;
  double       kd, k, r, p;
  int64_t      ki, k1, k2;

  x  = x < -746.0 ? -746.0 : x; /* NaN passes both clamps */
  x  = x > 710.0 ? 710.0 : x;
  kd = x * 0x1.71547652b82fep0 + shift; /* k in the low bits: round to nearest */
  ki = (int64_t)(VecDoubleToBits(kd) - VecDoubleToBits(shift));
  k  = kd - shift;
  r  = (x - k * ln2hi) - k * ln2lo;
  {
    /* Estrin's scheme: a dependency chain of 7 operations instead of Horner's 26, which
     * bound a step of a few neurons by latency */
    const double r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
    const double q0 = r + r2 * (0.5 + r * (1.0 / 6.0));
    const double q1 = (1.0 / 24.0 + r * (1.0 / 120.0)) + r2 * (1.0 / 720.0 + r * (1.0 / 5040.0));
    const double q2 = (1.0 / 40320.0 + r * (1.0 / 362880.0)) + r2 * (1.0 / 3628800.0 + r * (1.0 / 39916800.0));
    const double q3 = 1.0 / 479001600.0 + r * (1.0 / 6227020800.0);
    p               = 1.0 + ((q0 + r4 * q1) + r8 * (q2 + r4 * q3)); /* the 1 last: one rounding of it */
  }
  k1 = (int64_t)((uint64_t)(ki + 2048) >> 1) - 1024; /* floor(k/2) without an arithmetic shift */
  k2 = ki - k1;
  return p * VecBitsToDouble((uint64_t)(k1 + 1023) << 52) * VecBitsToDouble((uint64_t)(k2 + 1023) << 52);
}
#endif
