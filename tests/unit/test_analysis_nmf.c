/* NMF (BLAS update against the loop reference, planted factorisation, determinism, silent
 * neurons, normalisation) and the geodesic similarity with its assignment. */
#include "testutil.h"
#include "analysis_nmf.h"
#include "rng.h"
#include <math.h>
#include <string.h>

static double U(uint32_t a, uint32_t b, uint32_t c) { return RngUniform(12345, 77, a, b, c); }

static PetscBool AllFinite(const double *x, PetscInt len)
{
  for (PetscInt q = 0; q < len; q++)
    if (!isfinite(x[q])) return PETSC_FALSE;
  return PETSC_TRUE;
}

static void AssertPermutation(const PetscInt *m, PetscInt k)
{
  for (PetscInt a = 0; a < k; a++) {
    assert_true(m[a] >= 0 && m[a] < k);
    for (PetscInt b = 0; b < a; b++) assert_true(m[a] != m[b]);
  }
}

/* ---- NMF ---- */

static void RunUpdateCompare(PetscBool zeros)
{
  const PetscInt n = 7, nb = 23, k = 3;
  double         X[7 * 23], W1[7 * 3], H1[3 * 23], W2[7 * 3], H2[3 * 23];
  double         work[2 * 3 * 23 + 2 * 9 + 2 * 7 * 3];

  assert_int_equal(NmfWorkSize(n, nb, k), (PetscInt)(sizeof(work) / sizeof(work[0])));
  for (PetscInt q = 0; q < n * nb; q++) X[q] = floor(4.0 * U(0, 0, (uint32_t)q));
  if (zeros) {
    for (PetscInt t = 0; t < nb; t++) X[2 * nb + t] = 0.0; /* silent neuron 2 */
    for (PetscInt i = 0; i < n; i++) X[i * nb + 5] = 0.0;  /* empty bin 5 */
  }
  for (PetscInt q = 0; q < n * k; q++) W1[q] = W2[q] = 0.1 + U(1, 0, (uint32_t)q);
  for (PetscInt q = 0; q < k * nb; q++) H1[q] = H2[q] = 0.1 + U(2, 0, (uint32_t)q);
  for (int it = 0; it < 5; it++) {
    assert_int_equal(0, NmfUpdate(X, n, nb, k, W1, H1, 1e-12, work));
    assert_int_equal(0, NmfUpdate_ref(X, n, nb, k, W2, H2, 1e-12, it % 2 ? work : NULL));
    for (PetscInt q = 0; q < n * k; q++)
      assert_true(TestRelDiff(W1[q], W2[q], 1e-300) <= 1e-12 || (W1[q] == 0.0 && W2[q] == 0.0));
    for (PetscInt q = 0; q < k * nb; q++)
      assert_true(TestRelDiff(H1[q], H2[q], 1e-300) <= 1e-12 || (H1[q] == 0.0 && H2[q] == 0.0));
  }
  assert_true(AllFinite(W1, n * k) && AllFinite(H1, k * nb));
  if (zeros) {
    for (PetscInt c = 0; c < k; c++) assert_true(W1[2 * k + c] == 0.0);
    for (PetscInt c = 0; c < k; c++) assert_true(H1[c * nb + 5] == 0.0);
  }
}

static void test_update_blas_vs_ref(void **state)
{
  (void)state;
  RunUpdateCompare(PETSC_FALSE);
  RunUpdateCompare(PETSC_TRUE);
}

/* The update never increases the Frobenius error (Lee & Seung's theorem; eps only adds
 * rounding-level deviations). */
static void test_update_monotone(void **state)
{
  const PetscInt n = 9, nb = 40, k = 3;
  double         X[9 * 40], W[9 * 3], H[3 * 40], prev, err;
  (void)state;
  for (PetscInt q = 0; q < n * nb; q++) X[q] = floor(3.0 * U(3, 0, (uint32_t)q));
  for (PetscInt q = 0; q < n * k; q++) W[q] = 0.05 + U(3, 1, (uint32_t)q);
  for (PetscInt q = 0; q < k * nb; q++) H[q] = 0.05 + U(3, 2, (uint32_t)q);
  assert_int_equal(0, NmfError(X, n, nb, k, W, H, NULL, &prev));
  for (int it = 0; it < 50; it++) {
    assert_int_equal(0, NmfUpdate(X, n, nb, k, W, H, 1e-12, NULL));
    assert_int_equal(0, NmfError(X, n, nb, k, W, H, NULL, &err));
    assert_true(err <= prev * (1.0 + 1e-12));
    prev = err;
  }
}

/* X = W0 H0 with three block modules (strong loadings on 4 neurons each, weak elsewhere). */
static void MakePlanted(double *W0, double *H0, double *X, PetscInt n, PetscInt nb, PetscInt k)
{
  for (PetscInt i = 0; i < n; i++)
    for (PetscInt c = 0; c < k; c++)
      W0[i * k + c] = (i / 4 == c) ? 1.0 + U(4, (uint32_t)i, (uint32_t)c) : 0.05 * U(5, (uint32_t)i, (uint32_t)c);
  for (PetscInt c = 0; c < k; c++)
    for (PetscInt t = 0; t < nb; t++) {
      double u       = U(6, (uint32_t)c, (uint32_t)t);
      H0[c * nb + t] = u < 0.3 ? 0.0 : 3.0 * u; /* sparse activations */
    }
  for (PetscInt i = 0; i < n; i++)
    for (PetscInt t = 0; t < nb; t++) {
      double s = 0.0;
      for (PetscInt c = 0; c < k; c++) s += W0[i * k + c] * H0[c * nb + t];
      X[i * nb + t] = s;
    }
}

static void test_planted_factorisation(void **state)
{
  const PetscInt n = 12, nb = 200, k = 3;
  double         W0[12 * 3], H0[3 * 200], X[12 * 200], W[12 * 3], H[3 * 200], sim, WH;
  PetscInt       match[3];
  NmfOptions     opt;
  NmfInfo        info;
  (void)state;

  MakePlanted(W0, H0, X, n, nb, k);
  NmfOptionsDefault(&opt);
  assert_int_equal(opt.k, 3);
  opt.nrestarts = 3;
  opt.maxit     = 3000;
  opt.rtol      = 1e-10;
  assert_int_equal(0, NmfFit(X, n, nb, &opt, W, H, &info));
  assert_true(AllFinite(W, n * k) && AllFinite(H, k * nb));
  assert_int_equal(0, AnalysisGeodesicSimilarity(W, W0, n, k, &sim, match));
  print_message("planted: similarity %.6f, relerr %.3e, restart %d, iterations %d\n", sim, info.relerr,
                (int)info.best_restart, (int)info.iterations);
  assert_true(sim > 0.99);
  assert_true(info.relerr < 0.02);
  assert_true(info.best_restart >= 0 && info.best_restart < 3);
  AssertPermutation(match, k);
  /* unit columns, nonnegative, ordered by total activation descending */
  for (PetscInt c = 0; c < k; c++) {
    double nrm = 0.0, tot = 0.0, totn = 0.0;
    for (PetscInt i = 0; i < n; i++) {
      assert_true(W[i * k + c] >= 0.0);
      nrm += W[i * k + c] * W[i * k + c];
    }
    assert_true(fabs(sqrt(nrm) - 1.0) < 1e-12);
    for (PetscInt t = 0; t < nb; t++) {
      assert_true(H[c * nb + t] >= 0.0);
      tot += H[c * nb + t];
      if (c + 1 < k) totn += H[(c + 1) * nb + t];
    }
    if (c + 1 < k) assert_true(tot >= totn);
  }
  /* the reported error is that of the returned factors */
  assert_int_equal(0, NmfError(X, n, nb, k, W, H, NULL, &WH));
  assert_true(fabs(WH - info.err) <= 1e-12 * (1.0 + WH));
}

static void test_determinism(void **state)
{
  const PetscInt n = 10, nb = 60;
  double         X[10 * 60], W1[30], H1[180], W2[30], H2[180], W3[30], H3[180];
  NmfOptions     opt;
  NmfInfo        i1, i2;
  (void)state;

  for (PetscInt q = 0; q < n * nb; q++) X[q] = floor(3.0 * U(7, 0, (uint32_t)q));
  NmfOptionsDefault(&opt);
  opt.nrestarts = 3;
  opt.maxit     = 200;
  opt.seed      = 42;
  assert_int_equal(0, NmfFit(X, n, nb, &opt, W1, H1, &i1));
  assert_int_equal(0, NmfFit(X, n, nb, &opt, W2, H2, &i2));
  assert_memory_equal(W1, W2, sizeof(W1));
  assert_memory_equal(H1, H2, sizeof(H1));
  assert_memory_equal(&i1.err, &i2.err, sizeof(double));
  assert_int_equal(i1.best_restart, i2.best_restart);
  opt.seed = 43; /* a different seed is really used */
  assert_int_equal(0, NmfFit(X, n, nb, &opt, W3, H3, NULL));
  assert_true(memcmp(W1, W3, sizeof(W1)) != 0);
}

static void test_silent_neurons(void **state)
{
  const PetscInt n = 6, nb = 30, k = 3;
  double         X[6 * 30], W[18], H[90];
  NmfInfo        info;
  (void)state;

  for (PetscInt q = 0; q < n * nb; q++) X[q] = floor(3.0 * U(8, 0, (uint32_t)q));
  for (PetscInt t = 0; t < nb; t++) X[0 * nb + t] = X[4 * nb + t] = 0.0; /* two silent neurons */
  for (PetscInt i = 0; i < n; i++) X[i * nb + 7] = X[i * nb + 8] = 0.0;  /* two empty bins */
  assert_int_equal(0, NmfFit(X, n, nb, NULL, W, H, &info));
  assert_true(AllFinite(W, n * k) && AllFinite(H, k * nb) && isfinite(info.err));
  for (PetscInt c = 0; c < k; c++) {
    assert_true(W[0 * k + c] < 1e-8 && W[4 * k + c] < 1e-8);
    assert_true(H[c * nb + 7] < 1e-8 && H[c * nb + 8] < 1e-8);
  }
  /* all-zero data: zero factors, zero error, no NaN */
  memset(X, 0, sizeof(X));
  assert_int_equal(0, NmfFit(X, n, nb, NULL, W, H, &info));
  assert_true(AllFinite(W, n * k) && AllFinite(H, k * nb));
  assert_true(info.err == 0.0 && info.relerr == 0.0);
  for (PetscInt q = 0; q < n * k; q++) assert_true(W[q] == 0.0);
}

static void test_normalize(void **state)
{
  /* n = 2, nbins = 2, k = 3; column 1 of W is zero (dead module) */
  double W[6] = {3, 0, 1, 4, 0, 0}, H[6] = {1, 1, 5, 5, 0.5, 0.5}, WH0[4], WH1[4];
  (void)state;
  for (int i = 0; i < 2; i++)
    for (int t = 0; t < 2; t++) {
      WH0[i * 2 + t] = 0;
      for (int c = 0; c < 3; c++) WH0[i * 2 + t] += W[i * 3 + c] * H[c * 2 + t];
    }
  assert_int_equal(0, NmfNormalize(2, 2, 3, W, H));
  /* module 0: norm 5, activation total 10; module 2: norm 1, total 1; dead module last */
  assert_true(fabs(W[0] - 0.6) < 1e-15 && fabs(W[3] - 0.8) < 1e-15);
  assert_true(fabs(H[0] - 5.0) < 1e-15 && fabs(H[1] - 5.0) < 1e-15);
  assert_true(W[1] == 1.0 && W[4] == 0.0 && H[2] == 0.5 && H[3] == 0.5);
  assert_true(W[2] == 0.0 && W[5] == 0.0 && H[4] == 0.0 && H[5] == 0.0);
  for (int i = 0; i < 2; i++)
    for (int t = 0; t < 2; t++) {
      WH1[i * 2 + t] = 0;
      for (int c = 0; c < 3; c++) WH1[i * 2 + t] += W[i * 3 + c] * H[c * 2 + t];
      assert_true(fabs(WH1[i * 2 + t] - WH0[i * 2 + t]) < 1e-14);
    }
}

static void test_bad_input(void **state)
{
  double X[4] = {1, 2, -1, 0}, W[2], H[2];
  (void)state;
  assert_int_equal(0, TestQuietErrors(PETSC_TRUE));
  assert_true(NmfFit(X, 2, 2, NULL, W, H, NULL) != 0); /* negative entry */
  X[2] = NAN;
  assert_true(NmfFit(X, 2, 2, NULL, W, H, NULL) != 0);
  assert_true(NmfUpdate(X, 0, 2, 1, W, H, 1e-12, NULL) != 0);
  assert_int_equal(0, TestQuietErrors(PETSC_FALSE));
}

/* ---- geodesic similarity ---- */

static void test_geodesic_self_and_permutation(void **state)
{
  const PetscInt n = 8, k = 4;
  const PetscInt perm[4] = {2, 0, 3, 1};
  double         A[32], B[32], sim;
  PetscInt       match[4];
  (void)state;
  for (PetscInt q = 0; q < n * k; q++) A[q] = U(9, 0, (uint32_t)q);
  assert_int_equal(0, AnalysisGeodesicSimilarity(A, A, n, k, &sim, match));
  assert_true(sim == 1.0);
  for (PetscInt c = 0; c < k; c++) assert_int_equal(match[c], c);
  /* B's column perm[c] is A's column c, scaled: similarity 1, matching recovers perm */
  for (PetscInt i = 0; i < n; i++)
    for (PetscInt c = 0; c < k; c++) B[i * k + perm[c]] = (1.0 + c) * 2.5 * A[i * k + c];
  assert_int_equal(0, AnalysisGeodesicSimilarity(A, B, n, k, &sim, match));
  assert_true(fabs(sim - 1.0) < 1e-14);
  for (PetscInt c = 0; c < k; c++) assert_int_equal(match[c], perm[c]);
}

static void test_geodesic_orthogonal(void **state)
{
  /* n = 4, k = 2: A's modules on neurons {0,1}, B's on neurons {2,3} */
  double A[8] = {1, 0, 0, 1, 0, 0, 0, 0}, B[8] = {0, 0, 0, 0, 1, 0, 0, 2}, Z[8] = {0}, sim;
  (void)state;
  assert_int_equal(0, AnalysisGeodesicSimilarity(A, B, 4, 2, &sim, NULL));
  assert_true(fabs(sim) < 1e-15);
  assert_int_equal(0, AnalysisGeodesicSimilarity(A, Z, 4, 2, &sim, NULL)); /* zero modules */
  assert_true(fabs(sim) < 1e-15);
}

static void test_geodesic_known_2d(void **state)
{
  const double deg = M_PI / 180.0;
  /* k = 1: (1,0) vs (1,1): angle 45 degrees -> 1 - 45/90 = 0.5 */
  double a1[2] = {1, 0}, b1[2] = {1, 1}, sim;
  /* k = 2: A = identity; B = [v, u] with u at 20 deg, v at 80 deg. Best matching: e1-u
   * (20 deg), e2-v (10 deg) -> sim = ((1 - 20/90) + (1 - 10/90)) / 2 = 5/6. */
  double   A[4] = {1, 0, 0, 1}, B[4];
  PetscInt match[2];
  (void)state;
  assert_int_equal(0, AnalysisGeodesicSimilarity(a1, b1, 2, 1, &sim, NULL));
  assert_true(fabs(sim - 0.5) < 1e-15);
  B[0 * 2 + 0] = 3.0 * cos(80 * deg);
  B[1 * 2 + 0] = 3.0 * sin(80 * deg);
  B[0 * 2 + 1] = 0.5 * cos(20 * deg);
  B[1 * 2 + 1] = 0.5 * sin(20 * deg);
  assert_int_equal(0, AnalysisGeodesicSimilarity(A, B, 2, 2, &sim, match));
  assert_true(fabs(sim - 5.0 / 6.0) < 1e-14);
  assert_int_equal(match[0], 1);
  assert_int_equal(match[1], 0);
}

static void test_assignment(void **state)
{
  double   S[12 * 12], tb, th, tr;
  PetscInt mb[12], mh[12], mr[12];
  (void)state;
  for (PetscInt k = 1; k <= 7; k++)
    for (uint32_t rep = 0; rep < 5; rep++) {
      for (PetscInt q = 0; q < k * k; q++) S[q] = U(10 + rep, (uint32_t)k, (uint32_t)q);
      assert_int_equal(0, AnalysisAssignMax(S, k, ANALYSIS_ASSIGN_BRUTE, mb, &tb));
      assert_int_equal(0, AnalysisAssignMax(S, k, ANALYSIS_ASSIGN_HUNGARIAN, mh, &th));
      AssertPermutation(mb, k);
      AssertPermutation(mh, k);
      assert_true(fabs(tb - th) < 1e-12);
    }
  /* k = 12 (Hungarian via AUTO): at least as good as the identity and 200 random permutations */
  for (PetscInt q = 0; q < 144; q++) S[q] = U(20, 0, (uint32_t)q);
  assert_int_equal(0, AnalysisAssignMax(S, 12, ANALYSIS_ASSIGN_AUTO, mh, &th));
  AssertPermutation(mh, 12);
  for (uint32_t rep = 0; rep < 200; rep++) {
    for (PetscInt c = 0; c < 12; c++) mr[c] = c;
    for (PetscInt c = 11; c > 0; c--) { /* Fisher-Yates */
      PetscInt j = (PetscInt)(U(21, rep, (uint32_t)c) * (double)(c + 1)), tmp = mr[c];
      mr[c] = mr[j];
      mr[j] = tmp;
    }
    tr = 0.0;
    for (PetscInt c = 0; c < 12; c++) tr += S[c * 12 + mr[c]];
    assert_true(th >= tr - 1e-12);
  }
}

static void test_geodesic_large_k(void **state)
{
  /* k = 10 takes the Hungarian path: a permuted copy still gives exactly matched modules */
  const PetscInt n = 15, k = 10;
  double         A[150], B[150], sim;
  PetscInt       match[10];
  (void)state;
  for (PetscInt q = 0; q < n * k; q++) A[q] = U(22, 0, (uint32_t)q);
  for (PetscInt i = 0; i < n; i++)
    for (PetscInt c = 0; c < k; c++) B[i * k + (c * 3) % k] = A[i * k + c];
  assert_int_equal(0, AnalysisGeodesicSimilarity(A, B, n, k, &sim, match));
  assert_true(fabs(sim - 1.0) < 1e-14);
  for (PetscInt c = 0; c < k; c++) assert_int_equal(match[c], (c * 3) % k);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_update_blas_vs_ref),
    cmocka_unit_test(test_update_monotone),
    cmocka_unit_test(test_planted_factorisation),
    cmocka_unit_test(test_determinism),
    cmocka_unit_test(test_silent_neurons),
    cmocka_unit_test(test_normalize),
    cmocka_unit_test(test_bad_input),
    cmocka_unit_test(test_geodesic_self_and_permutation),
    cmocka_unit_test(test_geodesic_orthogonal),
    cmocka_unit_test(test_geodesic_known_2d),
    cmocka_unit_test(test_assignment),
    cmocka_unit_test(test_geodesic_large_k),
};
TEST_MAIN(tests)
