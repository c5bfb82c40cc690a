#include "groundtruth.h"
#include "rng.h"
#include <math.h>

/* Per population: tau_m, E_L, R_I, tau_g. */
static const double base[3][4] = {{2.2, -38, 148, 3.5}, {1.4, -50, 125, 2.5}, {1.2, -64, 115, 1.8}};
/* colscale[p][q]: weight scale from population p to population q. */
static const double colscale[3][3] = {{.28, .20, .15}, {.10, .43, .34}, {.16, .40, .12}};

PetscInt GroundTruthPopulation(PetscInt n, double exc_fraction, PetscInt i)
{
  if (exc_fraction > 0) {
    double f = 1.0 - exc_fraction, eps = 1e-9; /* eps: 1 - 0.8 is 0.19999999999999996 */
    if (floor((double)(i + 1) * f + eps) > floor((double)i * f + eps)) return 2;
    /* the excitatory index of neuron i decides between populations 0 and 1 */
    return (i - (PetscInt)floor((double)(i + 1) * f + eps)) % 2;
  }
  PetscInt size = n / 3, extra = n % 3, start = 0;
  for (PetscInt p = 0; p < 3; p++) {
    PetscInt len = size + (p < extra ? 1 : 0);
    if (i < start + len) return p;
    start += len;
  }
  return 2;
}

void GroundTruthTypes(PetscInt n, double exc_fraction, PetscInt *exc)
{
  for (PetscInt i = 0; i < n; i++) exc[i] = GroundTruthPopulation(n, exc_fraction, i) < 2 ? 1 : 0;
}

/* The per-entry jitter factor (1 + 0.025 n); `what` separates the draws of different blocks. */
static double Jitter(uint64_t seed, uint32_t what, PetscInt entry)
{
  return 1.0 + 0.025 * RngNormal(seed, RngStreamId(RNG_STREAM_TRUTH, what), 0, (uint32_t)entry, 1);
}

PetscErrorCode GroundTruthLIF(const ParamLayout *l, double exc_fraction, uint64_t seed, double *theta)
{
  const char *names[4] = {"tau_m", "E_L", "R_I", "tau_g"};
  PetscInt    n = l->n;
  double      wscale = 12.0 / (double)n;
  const ParamBlock *W = ParamLayoutBlock(l, "W"), *rp = ParamLayoutBlock(l, "r_p");

  PetscFunctionBeginUser;
  PetscCheck(W && rp, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "ground truth needs an LIF layout");
  for (int k = 0; k < 4; k++) {
    const ParamBlock *b = ParamLayoutBlock(l, names[k]);
    PetscCheck(b, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "ground truth needs block %s", names[k]);
    for (PetscInt i = 0; i < n; i++) theta[b->offset + i] = base[GroundTruthPopulation(n, exc_fraction, i)][k] * Jitter(seed, (uint32_t)k, i);
  }
  for (PetscInt i = 0; i < n; i++) {
    PetscInt p    = GroundTruthPopulation(n, exc_fraction, i);
    double   sign = p < 2 ? 1.0 : -1.0;
    for (PetscInt j = 0; j < n; j++) {
      double w = 0;
      if (i != j) {
        double z = RngNormal(seed, RngStreamId(RNG_STREAM_TRUTH, 10), 0, (uint32_t)(i * n + j), 0);
        w        = sign * PetscAbsReal((0.75 + 0.5 * z) * colscale[p][GroundTruthPopulation(n, exc_fraction, j)]) * wscale;
        w *= Jitter(seed, 11, i * n + j);
      }
      theta[W->offset + i * n + j] = w;
    }
  }
  theta[rp->offset] = 10.0;
  ParamsProject(l, theta);
  PetscFunctionReturn(0);
}
