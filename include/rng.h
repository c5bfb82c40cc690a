#ifndef SPIKEFIT_RNG_H
#define SPIKEFIT_RNG_H
/* Counter-based random numbers (Philox4x32-10): every draw is a pure function of
 * (seed, stream, window, neuron, step), so results never depend on how many ranks or
 * threads computed them. Streams separate independent uses of one seed. */
#include <stdint.h>

typedef enum {
  RNG_STREAM_INPUT    = 1, /* Poisson input; combined with the iteration number */
  RNG_STREAM_INIT     = 2, /* initial parameters of a fit */
  RNG_STREAM_TRUTH    = 3, /* ground-truth parameter draws */
  RNG_STREAM_SPIKE    = 4, /* stochastic spiking (escape noise) */
  RNG_STREAM_ANALYSIS = 5  /* NMF initialisation and other analysis draws */
} RngStream;

/* Builds a stream id from a purpose and a sub-index (e.g. the iteration). */
static inline uint32_t RngStreamId(RngStream purpose, uint32_t sub)
{
  return ((uint32_t)purpose << 24) ^ (sub & 0xFFFFFFu);
}

/* Two uniforms in [0,1) with 53 random bits each. */
void   RngUniform2(uint64_t seed, uint32_t stream, uint32_t window, uint32_t neuron, uint32_t step, double u[2]);
double RngUniform(uint64_t seed, uint32_t stream, uint32_t window, uint32_t neuron, uint32_t step);
/* u[t*n + j] = RngUniform(seed, stream, window, j, t) for t < T, j < n: the same bits, eight
 * counters at a time where the CPU has AVX-512 (RngUniformGrid_ref: one at a time). */
void RngUniformGrid(uint64_t seed, uint32_t stream, uint32_t window, uint32_t n, uint32_t T, double *u);
void RngUniformGrid_ref(uint64_t seed, uint32_t stream, uint32_t window, uint32_t n, uint32_t T, double *u);
/* Standard normal (Box-Muller on the two uniforms of one counter). */
double RngNormal(uint64_t seed, uint32_t stream, uint32_t window, uint32_t neuron, uint32_t step);
/* Poisson count with the given mean by inversion of one uniform, so draws for two means
 * from the same counter are monotonically coupled (the same seed drives target and model). */
int RngPoissonFromUniform(double u, double mean);
/* The same with p0 = exp(-mean) computed once by the caller (the same bits). */
int RngPoissonInvert(double u, double mean, double p0);
int RngPoisson(uint64_t seed, uint32_t stream, uint32_t window, uint32_t neuron, uint32_t step, double mean);
#endif
