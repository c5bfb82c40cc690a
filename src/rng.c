#include "rng.h"
#include <math.h>
#include <Random123/philox.h>
#if defined(__x86_64__) && defined(__GNUC__)
  #include <immintrin.h>
  #define RNG_HAVE_AVX512 1
#endif

void RngUniform2(uint64_t seed, uint32_t stream, uint32_t window, uint32_t neuron, uint32_t step, double u[2])
{
  philox4x32_ctr_t c = {{step, neuron, window, stream}};
  philox4x32_key_t k = {{(uint32_t)(seed & 0xFFFFFFFFu), (uint32_t)(seed >> 32)}};
  philox4x32_ctr_t r = philox4x32(c, k);
  for (int i = 0; i < 2; i++) {
    uint64_t bits = ((uint64_t)r.v[2 * i] << 32) | r.v[2 * i + 1];
    u[i]          = (double)(bits >> 11) * 0x1.0p-53;
  }
}

double RngUniform(uint64_t seed, uint32_t stream, uint32_t window, uint32_t neuron, uint32_t step)
{
  double u[2];
  RngUniform2(seed, stream, window, neuron, step, u);
  return u[0];
}

void RngUniformGrid_ref(uint64_t seed, uint32_t stream, uint32_t window, uint32_t n, uint32_t T, double *u)
{
  for (uint32_t t = 0; t < T; t++)
    for (uint32_t j = 0; j < n; j++) u[(size_t)t * n + j] = RngUniform(seed, stream, window, j, t);
}

#if RNG_HAVE_AVX512
/* Philox4x32-10 on 8 counters at once, each 32-bit word in the low half of a 64-bit lane
 * (the high halves carry garbage that no later operation reads: vpmuludq ignores them,
 * xor and the final mask keep halves apart). The same rounds, constants and key schedule
 * as Random123's philox4x32, hence the same bits (test_rng_grid_matches_ref). */
__attribute__((target("avx512f,avx512dq"))) static void
RngUniformGridAVX512(uint64_t seed, uint32_t stream, uint32_t window, uint32_t n, uint32_t T, double *u)
{
  const __m512i M0 = _mm512_set1_epi64(PHILOX_M4x32_0), M1 = _mm512_set1_epi64(PHILOX_M4x32_1),
                lo32 = _mm512_set1_epi64(0xFFFFFFFFll);
  const __m512i c2 = _mm512_set1_epi64(window), c3 = _mm512_set1_epi64(stream);
  const __m512d scale = _mm512_set1_pd(0x1.0p-53);
  const __m512i nv = _mm512_set1_epi64(n), one = _mm512_set1_epi64(1), eight = _mm512_set1_epi64(8);
  const size_t  total = (size_t)n * T;
  /* lane l holds element k + l, i.e. neuron (k + l) % n of step (k + l) / n */
  __m512i jv = _mm512_set_epi64(7 % n, 6 % n, 5 % n, 4 % n, 3 % n, 2 % n, 1 % n, 0);
  __m512i tv = _mm512_set_epi64(7 / n, 6 / n, 5 / n, 4 / n, 3 / n, 2 / n, 1 / n, 0);

  for (size_t k = 0; k < total; k += 8) {
    int      lanes = (int)(total - k < 8 ? total - k : 8);
    uint32_t k0 = (uint32_t)(seed & 0xFFFFFFFFu), k1 = (uint32_t)(seed >> 32);
    __m512i  x0 = tv, x1 = jv, x2 = c2, x3 = c3;
    __mmask8 wrap;
    /* the next eight elements: neuron + 8, carried into the step (several times when n < 8) */
    jv = _mm512_add_epi64(jv, eight);
    while ((wrap = _mm512_cmpge_epu64_mask(jv, nv))) {
      jv = _mm512_mask_sub_epi64(jv, wrap, jv, nv);
      tv = _mm512_mask_add_epi64(tv, wrap, tv, one);
    }
    for (int r = 0; r < 10; r++) {
      __m512i p0 = _mm512_mul_epu32(M0, x0), p1 = _mm512_mul_epu32(M1, x2);
      __m512i h0 = _mm512_srli_epi64(p0, 32), h1 = _mm512_srli_epi64(p1, 32);
      x0 = _mm512_xor_si512(_mm512_xor_si512(h1, x1), _mm512_set1_epi64(k0));
      x1 = p1;
      x2 = _mm512_xor_si512(_mm512_xor_si512(h0, x3), _mm512_set1_epi64(k1));
      x3 = p0;
      k0 += PHILOX_W32_0;
      k1 += PHILOX_W32_1;
    }
    {
      __m512i bits = _mm512_or_si512(_mm512_slli_epi64(x0, 32), _mm512_and_si512(x1, lo32));
      __m512d d    = _mm512_mul_pd(_mm512_cvtepu64_pd(_mm512_srli_epi64(bits, 11)), scale);
      _mm512_mask_storeu_pd(u + k, (__mmask8)((1u << lanes) - 1u), d);
    }
  }
}
#endif

void RngUniformGrid(uint64_t seed, uint32_t stream, uint32_t window, uint32_t n, uint32_t T, double *u)
{
#if RNG_HAVE_AVX512
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq")) {
    RngUniformGridAVX512(seed, stream, window, n, T, u);
    return;
  }
#endif
  RngUniformGrid_ref(seed, stream, window, n, T, u);
}

double RngNormal(uint64_t seed, uint32_t stream, uint32_t window, uint32_t neuron, uint32_t step)
{
  double u[2];
  RngUniform2(seed, stream, window, neuron, step, u);
  double r = sqrt(-2.0 * log(1.0 - u[0])); /* 1-u in (0,1]: log is finite */
  return r * cos(2.0 * M_PI * u[1]);
}

int RngPoissonFromUniform(double u, double mean) { return RngPoissonInvert(u, mean, exp(-mean)); }

int RngPoissonInvert(double u, double mean, double p0)
{
  if (!(mean > 0)) return 0;
  if (u < p0) return 0; /* the common case at low rates: the loop below would not start */
  double p = p0, cdf = p;
  int    k = 0;
  /* Inversion: the smallest k with CDF(k) > u. The cap guards against u ~ 1 with tiny p. */
  while (u >= cdf && k < 100000) {
    k++;
    p *= mean / k;
    cdf += p;
    if (p == 0.0 && k > mean) break;
  }
  return k;
}

int RngPoisson(uint64_t seed, uint32_t stream, uint32_t window, uint32_t neuron, uint32_t step, double mean)
{
  return RngPoissonFromUniform(RngUniform(seed, stream, window, neuron, step), mean);
}
