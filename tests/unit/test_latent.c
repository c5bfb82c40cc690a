/* The shared latent input (-model_latent_tau): its draws (stationary, keyed, carried over),
 * its absence from a teacher-forced run, and the loadings -fit_init_latent matches to a count
 * covariance. Its gradient is in test_gradient.c, batched against per-window in test_sim_batch.c. */
#include "testutil.h"
#include "fit_latent.h"
#include "sim.h"
#include "rng.h"
#include <math.h>

/* Unit variance and lag-one correlation rho over a long draw; a given start enters as
 * rho * start; the draw depends on the window. */
static void test_latent_draw(void **st)
{
  const PetscInt T = 200000;
  const double   rho = exp(-1.0 / 50.0);
  double        *l = malloc(sizeof(double) * T), *m = malloc(sizeof(double) * T), s2 = 0, s11 = 0, start = 2.5;
  (void)st;
  SimDrawLatent(3, 4, 7, T, rho, NULL, l);
  for (PetscInt t = 0; t < T; t++) s2 += l[t] * l[t] / T;
  for (PetscInt t = 1; t < T; t++) s11 += l[t] * l[t - 1] / (T - 1);
  /* T / tau = 4000 independent stretches: a few percent */
  assert_true(fabs(s2 - 1.0) < 0.08);
  assert_true(fabs(s11 / s2 - rho) < 0.01);
  SimDrawLatent(3, 4, 7, 5, rho, &start, m);
  assert_true(fabs(m[0] - (rho * start + sqrt(1 - rho * rho) * RngNormal(3, 4, 7, SIM_LATENT_INDEX, 0))) < 1e-15);
  assert_true(m[1] == rho * m[0] + sqrt(1 - rho * rho) * RngNormal(3, 4, 7, SIM_LATENT_INDEX, 1));
  SimDrawLatent(3, 4, 8, 5, rho, NULL, m);
  assert_true(m[0] != l[0]);
  free(l);
  free(m);
}

/* A teacher-forced run sees no latent input: the same bits as the network without loadings. */
static void test_latent_forced(void **st)
{
  const NeuronModel *m   = TestModel("slif");
  ModelConfig        cfg = {.theta = 30, .input_gain = 0.9, .dt = 1.0, .latent_tau = 100};
  ParamLayout       *layout;
  SimSetup           sim;
  SimWork           *w;
  PetscInt           n = 6, T = 120, differ = 0;
  double            *theta, *force = calloc((size_t)n * T, sizeof(double)), *y0 = malloc(sizeof(double) * n * T);
  (void)st;
  assert_int_equal(0, ModelLayoutCreate(m, &cfg, n, NULL, &layout));
  assert_int_equal(0, SimSetupInit(&sim, m, &cfg, layout, T));
  assert_true(sim.offLat >= 0);
  assert_int_equal(0, SimWorkCreate(&sim, &w));
  theta = malloc(sizeof(double) * layout->total);
  ParamsDrawInitial(layout, 5, theta);
  for (PetscInt j = 0; j < n; j++) theta[sim.offLat + j] = 0.1;
  SimDrawInput(5, 7, 0, n, T, theta[sim.offRp], 1.0, w->x);
  for (PetscInt k = 0; k < n * T; k++) force[k] = RngUniform(5, 9, 0, (uint32_t)k, 0) < 0.05;
  w->force  = force;
  w->nforce = 3;
  SimForward(&sim, theta, w);
  memcpy(y0, w->y, sizeof(double) * n * T);
  for (PetscInt t = 0; t < T; t++) assert_true(w->lat[t] == 0.0);
  for (PetscInt j = 0; j < n; j++) theta[sim.offLat + j] = 0.0;
  SimForward(&sim, theta, w);
  assert_memory_equal(y0, w->y, sizeof(double) * n * T);
  /* free-running, the loadings matter */
  w->force = NULL;
  for (PetscInt j = 0; j < n; j++) theta[sim.offLat + j] = 0.1;
  SimForward(&sim, theta, w);
  for (PetscInt k = 0; k < n * T; k++) differ += w->y[k] != y0[k];
  assert_true(differ > 0);
  SimWorkDestroy(&w);
  ParamLayoutDestroy(&layout);
  free(theta);
  free(force);
  free(y0);
}

/* Loadings recovered from an exact rank-one covariance (any diagonal), and turned into the
 * lat block: lat = c / (beta R_I), E_L lowered by c^2 / (2 beta). */
static void test_latent_loadings(void **st)
{
  const PetscInt n = 7;
  double         mean[7] = {0.02, 0.05, 0.01, 0.1, 0.03, 0.0, 0.04}, want[7] = {0.9, 0.5, 1.2, 0.3, 0.7, 0, 0.6};
  double         cov[49], c[7];
  (void)st;
  for (PetscInt i = 0; i < n; i++)
    for (PetscInt j = 0; j < n; j++)
      cov[i * n + j] = i == j ? mean[i] * 3.0 : mean[i] * mean[j] * want[i] * want[j];
  FitLatentLoadings(n, mean, cov, c);
  for (PetscInt i = 0; i < n; i++) assert_true(fabs(c[i] - want[i]) < 1e-9);
  {
    const NeuronModel *m   = TestModel("slif");
    ModelConfig        cfg = {.theta = 30, .input_gain = 0.9, .dt = 1.0, .latent_tau = 100};
    ParamLayout       *l;
    double            *theta, *before;
    assert_int_equal(0, ModelLayoutCreate(m, &cfg, n, NULL, &l));
    theta  = malloc(sizeof(double) * l->total);
    before = malloc(sizeof(double) * l->total);
    ParamsDrawInitial(l, 1, theta);
    memcpy(before, theta, sizeof(double) * l->total);
    assert_int_equal(0, FitLatentApply(l, n, c, theta));
    for (PetscInt j = 0; j < n; j++) {
      double beta = theta[ParamLayoutBlock(l, "beta")->offset + j], R = theta[ParamLayoutBlock(l, "R_I")->offset + j];
      double a = theta[ParamLayoutBlock(l, "lat")->offset + j], E = theta[ParamLayoutBlock(l, "E_L")->offset + j];
      double E0 = before[ParamLayoutBlock(l, "E_L")->offset + j], ca = want[j];
      assert_true(fabs(a - ca / (beta * R)) < 1e-12);
      assert_true(fabs(E - PetscMax(E0 - ca * ca / (2 * beta), l->lo[ParamLayoutBlock(l, "E_L")->offset + j])) < 1e-9);
    }
    free(theta);
    free(before);
    ParamLayoutDestroy(&l);
  }
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_latent_draw),
    cmocka_unit_test(test_latent_forced),
    cmocka_unit_test(test_latent_loadings),
};
TEST_MAIN(tests)
