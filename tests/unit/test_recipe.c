/* The recording recipe's pieces: Adam in scaled units against Adam on theta/(hi - lo), the
 * initial rates against the slif step at rest, and the recipe's data-driven choices. */
#include "testutil.h"
#include "optim.h"
#include "fit_recipe.h"
#include <math.h>

/* -optim_scaled is Adam (and SGD) on y = theta/s, s = hi - lo, with bounds lo/s, hi/s. */
static void test_optim_scaled(void **st)
{
  const double lo[3] = {0, -80, 5}, hi[3] = {1, -35, 5}, x0[3] = {0.5, -50, 5};
  double       s[3], y0[3], ylo[3], yhi[3], x[3], y[3];
  (void)st;
  for (int k = 0; k < 3; k++) {
    s[k]   = hi[k] - lo[k];
    y0[k]  = s[k] > 0 ? x0[k] / s[k] : x0[k];
    ylo[k] = s[k] > 0 ? lo[k] / s[k] : lo[k];
    yhi[k] = s[k] > 0 ? hi[k] / s[k] : hi[k];
  }
  for (int kind = 0; kind < 2; kind++) {
    OptimConfig cs = {.kind   = kind ? OPTIM_SGD : OPTIM_ADAM,
                      .lr     = 0.01,
                      .beta1  = 0.9,
                      .beta2  = 0.999,
                      .eps    = 1e-8,
                      .scaled = PETSC_TRUE},
                cp = cs;
    Optim *a, *b;
    cp.scaled = PETSC_FALSE;
    assert_int_equal(0, OptimCreate(PETSC_COMM_WORLD, &cs, 3, x0, lo, hi, &a));
    assert_int_equal(0, OptimCreate(PETSC_COMM_WORLD, &cp, 3, y0, ylo, yhi, &b));
    for (int it = 0; it < 5; it++) {
      double g[3] = {0.3 - 0.1 * it, 2e-3 * (it - 2.5), 1.0}, gy[3];
      for (int k = 0; k < 3; k++) gy[k] = s[k] * g[k];
      assert_int_equal(0, OptimStep(a, g));
      assert_int_equal(0, OptimStep(b, gy));
    }
    assert_int_equal(0, OptimGetTheta(a, x));
    assert_int_equal(0, OptimGetTheta(b, y));
    for (int k = 0; k < 2; k++) assert_true(TestRelDiff(x[k], y[k] * s[k], 1e-12) < 1e-12);
    assert_true(x[2] == 5.0);                                     /* a fixed entry does not move */
    assert_true(fabs(x[1] - x0[1]) > 0.01 * 45 * (kind ? 0 : 1)); /* Adam: E_L moves by ~lr (hi-lo) per step */
    OptimDestroy(&a);
    OptimDestroy(&b);
  }
}

/* With W = 0 and no input a slif neuron rests at E_L and spikes with probability
 * sig(beta (E_L - theta)): after FitRecipeInitRates that is its rate (or the largest the
 * bounds allow). */
static void test_init_rates(void **st)
{
  ModelConfig  cfg     = {.theta = 30, .input_gain = 0.9, .dt = 1.0};
  const double rate[5] = {0.0, 0.5, 5.0, 30.0, 400.0};
  PetscInt     n = 6, nrec = 5;
  ParamLayout *l;
  double      *th, prev[12] = {0}, cur[6] = {0}, next[12], aux[12], y[6];
  ModelCtx     c;
  (void)st;
  assert_int_equal(0, ModelLayoutCreate(TestModel("slif"), &cfg, n, NULL, &l));
  th = calloc((size_t)l->total, sizeof(double));
  ParamsDrawInitial(l, 3, th);
  for (PetscInt k = ParamLayoutBlock(l, "W")->offset; k < ParamLayoutBlock(l, "W")->offset + n * n; k++) th[k] = 0;
  th[ParamLayoutBlock(l, "r_p")->offset] = 0;
  assert_int_equal(0, FitRecipeInitRates(l, &cfg, nrec, rate, 2.0, 0.1, th));
  for (PetscInt k = 0; k < l->total; k++) assert_true(th[k] >= l->lo[k] && th[k] <= l->hi[k]);
  ModelCtxSetup(&c, &cfg, l, th);
  for (PetscInt j = 0; j < n; j++) prev[j] = th[ParamLayoutBlock(l, "E_L")->offset + j]; /* v = E_L, g = 0 */
  c.seed = 1;
  TestModel("slif")->step(&c, prev, cur, next, aux, y);
  for (PetscInt j = 0; j < n; j++) {
    double want = (j < nrec ? PetscMax(rate[j], 0.1) : 2.0) / 1000.0;
    if (j == 4) { /* 400 Hz is out of reach: E_L at its top, beta at its bottom */
      assert_true(y[j] < want && th[ParamLayoutBlock(l, "E_L")->offset + j] == -35 &&
                  th[ParamLayoutBlock(l, "beta")->offset + j] == 0.05);
      continue;
    }
    assert_true(TestRelDiff(y[j], want, 0) < 1e-9);
  }
  /* a model without escape noise is refused */
  {
    ParamLayout *ll;
    assert_int_equal(0, ModelLayoutCreate(TestModel("lif"), &cfg, n, NULL, &ll));
    TestQuietErrors(PETSC_TRUE);
    assert_int_not_equal(0, FitRecipeInitRates(ll, &cfg, nrec, rate, 2.0, 0.1, th));
    TestQuietErrors(PETSC_FALSE);
    ParamLayoutDestroy(&ll);
  }
  ParamLayoutDestroy(&l);
  free(th);
}

/* The iterations shrink with the work (neurons, span) and stay within [3, 10]. */
static void test_recipe_iterations(void **st)
{
  (void)st;
  assert_int_equal(10, FitRecipeIterations(10, 60e3));
  assert_true(FitRecipeIterations(100, 27 * 60e3) < FitRecipeIterations(50, 27 * 60e3));
  assert_int_equal(3, FitRecipeIterations(1000, 3600e3));
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_optim_scaled),
    cmocka_unit_test(test_init_rates),
    cmocka_unit_test(test_recipe_iterations),
};
TEST_MAIN(tests)
