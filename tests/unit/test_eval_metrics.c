/* The held-out metrics against values computed with numpy (np.median, np.corrcoef,
 * np.triu_indices) for a small example with a silent recorded neuron, the unequal-length
 * form, the means over draws and the undefined cases. */
#include "testutil.h"
#include "eval_metrics.h"
#include <math.h>

/* [5 bins][4 neurons]; the recorded neuron 2 is silent (not rated, its pairs undefined) */
static const double F[20] = {1, 2, 0, 1, 2, 0, 1, 0, 3, 2, 1, 1, 4, 0, 1, 0, 0, 1, 1, 2};
static const double R[20] = {0, 1, 0, 2, 1, 1, 0, 0, 2, 0, 0, 1, 0, 3, 0, 1, 1, 1, 0, 3};

static void test_numpy_example(void **state)
{
  EvalMetrics m;
  (void)state;
  assert_int_equal(0, EvalMetricsCompute(4, 5, 20.0, F, R, &m));
  assert_true(fabs(m.rate_error - 0.42857142857142855) < 1e-14);
  assert_true(fabs(m.rate_r - 0.009372025951925553) < 1e-14);
  assert_true(fabs(m.corr_r - 0.2981861679249134) < 1e-14);
  assert_true(fabs(m.mean_rate - 57.5) < 1e-12 && fabs(m.max_rate - 100.0) < 1e-12);
  assert_int_equal(m.nrated, 3);
  assert_int_equal(m.npairs, 3);
  /* the recording's first 3 bins only (a short data ceiling) */
  assert_int_equal(0, EvalMetricsCompute2(4, 5, F, 3, R, 20.0, &m));
  assert_true(fabs(m.rate_error - 0.4999999999999999) < 1e-14);
  assert_true(fabs(m.rate_r - 0.49236596391733106) < 1e-14);
  assert_true(fabs(m.corr_r - 0.7258234141488504) < 1e-14);
}

static void test_identical_and_undefined(void **state)
{
  EvalMetrics m, sets[2], mean;
  double      z[20] = {0};
  (void)state;
  assert_int_equal(0, EvalMetricsCompute(4, 5, 20.0, R, R, &m));
  assert_true(m.rate_error == 0.0 && fabs(m.rate_r - 1) < 1e-14 && fabs(m.corr_r - 1) < 1e-14);
  /* a silent fit: rate error 1, rates uncorrelatable, no defined pair */
  assert_int_equal(0, EvalMetricsCompute(4, 5, 20.0, z, R, &m));
  assert_true(m.rate_error == 1.0 && isnan(m.rate_r) && isnan(m.corr_r) && m.npairs == 0 && m.max_rate == 0);
  /* a silent recording: nothing rated */
  assert_int_equal(0, EvalMetricsCompute(4, 5, 20.0, F, z, &m));
  assert_true(isnan(m.rate_error) && m.nrated == 0);
  sets[0].rate_error = 1;
  sets[1].rate_error = 3;
  sets[0].rate_r     = NAN;
  sets[1].rate_r     = 0.5;
  sets[0].corr_r     = NAN;
  sets[1].corr_r     = NAN;
  sets[0].mean_rate = sets[1].mean_rate = 2;
  sets[0].max_rate                      = 4;
  sets[1].max_rate                      = 6;
  sets[0].nrated = sets[1].nrated = 7;
  sets[0].npairs = sets[1].npairs = 9;
  EvalMetricsMean(2, sets, &mean);
  assert_true(mean.rate_error == 2 && mean.rate_r == 0.5 && isnan(mean.corr_r) && mean.max_rate == 5 &&
              mean.nrated == 7);
  assert_int_equal(0, TestQuietErrors(PETSC_TRUE));
  assert_true(EvalMetricsCompute(0, 5, 20.0, F, R, &m) != 0);
  assert_true(EvalMetricsCompute(4, 5, 0.0, F, R, &m) != 0);
  assert_int_equal(0, TestQuietErrors(PETSC_FALSE));
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_numpy_example),
    cmocka_unit_test(test_identical_and_undefined),
};
TEST_MAIN(tests)
