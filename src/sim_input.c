/* The Poisson input of a window: counts drawn by inversion from the counter-based generator,
 * keyed by (seed, stream, window, neuron, step), so any rank draws any window's input alike.
 * Compiled with sim.c's flags (CMakeLists.txt) so that the bits do not depend on the split. */
#include "sim.h"
#include "rng.h"
#include <math.h>

void SimDrawInput(uint64_t seed, uint32_t stream, PetscInt window, PetscInt n, PetscInt T, double rate_hz, double dt,
                  double *x)
{
  double mean = rate_hz * dt / 1000.0, p0 = exp(-mean);
  if (!(mean > 0)) {
    PetscArrayzero(x, T * n);
    return;
  }
  RngUniformGrid(seed, stream, (uint32_t)window, (uint32_t)n, (uint32_t)T, x);
  for (PetscInt k = 0; k < T * n; k++) x[k] = x[k] < p0 ? 0.0 : RngPoissonInvert(x[k], mean, p0);
}

void SimDrawUniforms(uint64_t seed, uint32_t stream, PetscInt window, PetscInt n, PetscInt T, double *u)
{
  RngUniformGrid(seed, stream, (uint32_t)window, (uint32_t)n, (uint32_t)T, u);
}

void SimInputFromUniforms(const double *u, PetscInt n, PetscInt m, PetscInt T, double rate_hz, double dt, double *x)
{
  double mean = rate_hz * dt / 1000.0, p0 = exp(-mean);
  if (!(mean > 0)) {
    PetscArrayzero(x, T * m);
    return;
  }
  /* most bins draw no spike: zeros in a vectorised pass, the inversion only for the others */
  for (PetscInt t = 0; t < T; t++)
    for (PetscInt j = 0; j < m; j++) x[t * m + j] = u[t * n + j] < p0 ? 0.0 : -1.0;
  for (PetscInt t = 0; t < T; t++)
    for (PetscInt j = 0; j < m; j++)
      if (x[t * m + j] < 0) x[t * m + j] = RngPoissonInvert(u[t * n + j], mean, p0);
}

void SimDrawLatent(uint64_t seed, uint32_t stream, PetscInt window, PetscInt T, double rho, const double *start,
                   double *lat)
{
  const double kick = sqrt(1.0 - rho * rho);
  for (PetscInt t = 0; t < T; t++) {
    double xi = RngNormal(seed, stream, (uint32_t)window, SIM_LATENT_INDEX, (uint32_t)t);
    if (t > 0) lat[t] = rho * lat[t - 1] + kick * xi;
    else lat[t] = start ? rho * *start + kick * xi : xi;
  }
}
