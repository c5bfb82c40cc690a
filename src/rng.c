#include "rng.h"
#include <math.h>
#include <Random123/philox.h>

void RngUniform2(uint64_t seed, uint32_t stream, uint32_t window, uint32_t neuron, uint32_t step, double u[2])
{
  philox4x32_ctr_t c = {{step, neuron, window, stream}};
  philox4x32_key_t k = {{(uint32_t)(seed & 0xFFFFFFFFu), (uint32_t)(seed >> 32)}};
  philox4x32_ctr_t r = philox4x32(c, k);
  for (int i = 0; i < 2; i++) {
    uint64_t bits = ((uint64_t)r.v[2 * i] << 32) | r.v[2 * i + 1];
    u[i] = (double)(bits >> 11) * 0x1.0p-53;
  }
}

double RngUniform(uint64_t seed, uint32_t stream, uint32_t window, uint32_t neuron, uint32_t step)
{
  double u[2];
  RngUniform2(seed, stream, window, neuron, step, u);
  return u[0];
}

double RngNormal(uint64_t seed, uint32_t stream, uint32_t window, uint32_t neuron, uint32_t step)
{
  double u[2];
  RngUniform2(seed, stream, window, neuron, step, u);
  double r = sqrt(-2.0 * log(1.0 - u[0])); /* 1-u in (0,1]: log is finite */
  return r * cos(2.0 * M_PI * u[1]);
}

int RngPoissonFromUniform(double u, double mean)
{
  return RngPoissonInvert(u, mean, exp(-mean));
}

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
