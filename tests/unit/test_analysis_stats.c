/* Binning, rates, variances, covariance, cross-correlation, distances and the parameter
 * block distance, each against a small hand-computed example. */
#include "testutil.h"
#include "analysis_stats.h"
#include "rng.h"
#include <math.h>
#include <string.h>

static void test_binning_edges(void **state)
{
  /* n = 2, dt = 1 ms, bins of 5 ms, 12 steps -> 2 bins (steps 10, 11 dropped).
   * neuron 0 spikes at steps 0, 4 | 5, 9 | 10 (dropped); neuron 1 at 4 | 5. */
  double   s[12 * 2] = {0}, counts[4];
  PetscInt nbins;
  (void)state;
  s[0 * 2 + 0] = s[4 * 2 + 0] = s[5 * 2 + 0] = s[9 * 2 + 0] = s[10 * 2 + 0] = 1;
  s[4 * 2 + 1] = s[5 * 2 + 1] = 1;
  assert_int_equal(0, AnalysisNumBins(12, 1.0, 5.0, &nbins));
  assert_int_equal(nbins, 2);
  assert_int_equal(0, AnalysisBinCounts(s, 12, 2, 1.0, 5.0, nbins, counts));
  assert_true(counts[0] == 2 && counts[1] == 2); /* neuron 0 */
  assert_true(counts[2] == 1 && counts[3] == 1); /* neuron 1 */
  /* dt = 0.5 ms, 20 ms bins: 40 steps per bin; 4 s -> 200 bins; 4 s minus one step -> 199 */
  assert_int_equal(0, AnalysisNumBins(8000, 0.5, ANALYSIS_BIN_MS_DEFAULT, &nbins));
  assert_int_equal(nbins, 200);
  assert_int_equal(0, AnalysisNumBins(7999, 0.5, ANALYSIS_BIN_MS_DEFAULT, &nbins));
  assert_int_equal(nbins, 199);
  /* dt = 0.1 ms, 20 ms bins: 200 steps per bin despite 20/0.1 not being exact in binary */
  assert_int_equal(0, AnalysisNumBins(400, 0.1, 20.0, &nbins));
  assert_int_equal(nbins, 2);
}

static void test_binning_errors(void **state)
{
  double   s[10] = {0}, counts[10];
  PetscInt nbins;
  (void)state;
  assert_int_equal(0, TestQuietErrors(PETSC_TRUE));
  assert_true(AnalysisNumBins(10, 1.0, 2.5, &nbins) != 0); /* not a multiple of dt */
  assert_true(AnalysisNumBins(10, 1.0, 0.0, &nbins) != 0);
  assert_true(AnalysisBinCounts(s, 10, 1, 1.0, 5.0, 3, counts) != 0); /* wrong nbins */
  assert_int_equal(0, TestQuietErrors(PETSC_FALSE));
}

static void test_rates_var_cov(void **state)
{
  /* x0 = [1 2 3 4]: mean 2.5, var 1.25; x1 = [2 0 2 0]: mean 1, var 1; cov = -0.5 */
  const double c[8] = {1, 2, 3, 4, 2, 0, 2, 0};
  double       rates[2], mean[2], var[2], cov[4];
  (void)state;
  assert_int_equal(0, AnalysisRates(c, 2, 4, 20.0, rates)); /* 4 bins of 20 ms = 0.08 s */
  assert_true(fabs(rates[0] - 125.0) < 1e-12 && fabs(rates[1] - 50.0) < 1e-12);
  assert_int_equal(0, AnalysisMeanVar(c, 2, 4, mean, var));
  assert_true(mean[0] == 2.5 && mean[1] == 1.0 && var[0] == 1.25 && var[1] == 1.0);
  assert_int_equal(0, AnalysisMeanVar(c, 2, 4, NULL, var));
  assert_int_equal(0, AnalysisCovariance(c, 2, 4, cov));
  assert_true(cov[0] == 1.25 && cov[3] == 1.0 && cov[1] == -0.5 && cov[2] == -0.5);
}

static void test_cross_correlation(void **state)
{
  /* A: x0 = [1 2 3 4], x1 = [2 0 2 0]; B: y0 = 2*x0 + 1, y1 = constant 3 (zero variance).
   * corr(x0,y0) = 1, corr(x1,y0) = -0.5/sqrt(1.25) = -0.4472135955, anything with y1 = 0. */
  const double A[8] = {1, 2, 3, 4, 2, 0, 2, 0}, B[8] = {3, 5, 7, 9, 3, 3, 3, 3};
  double       corr[4], m;
  (void)state;
  assert_int_equal(0, AnalysisCrossCorrelation(A, B, 2, 4, corr));
  assert_true(fabs(corr[0] - 1.0) < 1e-15);
  assert_true(corr[1] == 0.0);
  assert_true(fabs(corr[2] + 0.5 / sqrt(1.25)) < 1e-15);
  assert_true(fabs(corr[2] + 0.4472135955) < 1e-10);
  assert_true(corr[3] == 0.0);
  assert_int_equal(0, AnalysisMeanDiagonal(corr, 2, &m));
  assert_true(fabs(m - 0.5) < 1e-15);
  /* with itself: symmetric, unit diagonal; a silent neuron (all zero) gets 0, not NaN */
  {
    const double C[6] = {0.1, 0.1, 0.1, 0, 0, 0}; /* constant non-integer row, silent row */
    assert_int_equal(0, AnalysisCrossCorrelation(A, A, 2, 4, corr));
    assert_true(fabs(corr[0] - 1.0) < 1e-15 && fabs(corr[3] - 1.0) < 1e-15 && corr[1] == corr[2]);
    assert_int_equal(0, AnalysisCrossCorrelation(C, C, 2, 3, corr));
    for (int q = 0; q < 4; q++) assert_true(corr[q] == 0.0);
  }
}

static void test_cross_correlation_vs_cov(void **state)
{
  /* corr(A, A)[i][j] == cov[i][j] / sqrt(var_i var_j) on random counts */
  const PetscInt n = 5, nb = 50;
  double         c[250], cov[25], corr[25];
  (void)state;
  for (PetscInt q = 0; q < n * nb; q++) c[q] = floor(4.0 * RngUniform(7, 8, 0, 0, (uint32_t)q));
  assert_int_equal(0, AnalysisCovariance(c, n, nb, cov));
  assert_int_equal(0, AnalysisCrossCorrelation(c, c, n, nb, corr));
  for (PetscInt i = 0; i < n; i++)
    for (PetscInt j = 0; j < n; j++)
      assert_true(fabs(corr[i * n + j] - cov[i * n + j] / sqrt(cov[i * n + i] * cov[j * n + j])) < 1e-13);
}

static void test_distances(void **state)
{
  const double ra[2] = {1, 2}, rb[2] = {3, 2};
  const double A[4] = {2, 0, 0, 0}, B[4] = {1, 0, 0, 0}, Z[4] = {0};
  const double C[4] = {1, 2, 2, 1}, D[4] = {1, 0, 0, 1};
  double       d;
  (void)state;
  assert_int_equal(0, AnalysisRateRMSE(ra, rb, 2, &d));
  assert_true(fabs(d - sqrt(2.0)) < 1e-15);
  assert_int_equal(0, AnalysisRelFrobenius(A, B, 2, &d));
  assert_true(fabs(d - 1.0) < 1e-15);
  assert_int_equal(0, AnalysisRelFrobenius(C, D, 2, &d)); /* ||(0 2;2 0)|| / ||I|| = sqrt(8)/sqrt(2) = 2 */
  assert_true(fabs(d - 2.0) < 1e-15);
  assert_int_equal(0, AnalysisRelFrobenius(Z, Z, 2, &d));
  assert_true(d == 0.0);
  assert_int_equal(0, AnalysisRelFrobenius(A, Z, 2, &d)); /* reference zero: relative to A */
  assert_true(fabs(d - 1.0) < 1e-15);
}

static void test_block_distance(void **state)
{
  /* blocks [0,2), [2,3), [3,5): distances 5, 0, 1; total sqrt(26) */
  const double   a[5] = {0, 0, 0, 1, 1}, b[5] = {3, 4, 0, 1, 2};
  const PetscInt off[3] = {0, 2, 3}, sz[3] = {2, 1, 2}, badsz[1] = {-1};
  double         dist[3], tot;
  (void)state;
  assert_int_equal(0, AnalysisBlockDistance(a, b, 3, off, sz, dist, &tot));
  assert_true(dist[0] == 5.0 && dist[1] == 0.0 && dist[2] == 1.0);
  assert_true(fabs(tot - sqrt(26.0)) < 1e-15);
  assert_int_equal(0, AnalysisBlockDistance(a, b, 3, off, sz, NULL, &tot));
  assert_true(fabs(tot - sqrt(26.0)) < 1e-15);
  assert_int_equal(0, AnalysisBlockDistance(a, b, 0, off, sz, NULL, &tot));
  assert_true(tot == 0.0);
  assert_int_equal(0, TestQuietErrors(PETSC_TRUE));
  assert_true(AnalysisBlockDistance(a, b, 1, off, badsz, dist, &tot) != 0);
  assert_int_equal(0, TestQuietErrors(PETSC_FALSE));
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_binning_edges),
    cmocka_unit_test(test_binning_errors),
    cmocka_unit_test(test_rates_var_cov),
    cmocka_unit_test(test_cross_correlation),
    cmocka_unit_test(test_cross_correlation_vs_cov),
    cmocka_unit_test(test_distances),
    cmocka_unit_test(test_block_distance),
};
TEST_MAIN(tests)
