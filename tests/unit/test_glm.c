/* The Poisson GLM baseline: basis shape, design matrix, the BLAS objective against the plain
 * reference, gradient and Hessian against finite differences, recovery of known filters
 * from simulated spikes with every TAO method, determinism, and bad input. */
#include "testutil.h"
#include "glm.h"
#include "rng.h"
#include <math.h>
#include <petsctao.h>
#include <string.h>

/* Bernoulli(p) spikes, step-major [T][n]. */
static void RandomSpikes(PetscInt n, PetscInt T, double p, uint64_t seed, double *s)
{
  for (PetscInt t = 0; t < T; t++)
    for (PetscInt i = 0; i < n; i++) s[t * n + i] = RngUniform(seed, 77, 0, (uint32_t)i, (uint32_t)t) < p ? 1.0 : 0.0;
}

static void test_basis(void **state)
{
  GlmBasisOptions bo;
  PetscInt        L;
  double         *B;
  (void)state;
  GlmBasisOptionsDefault(&bo);
  assert_int_equal(bo.nbasis, 5);
  assert_int_equal(0, GlmBasisCreate(&bo, 1.0, &L, &B));
  assert_int_equal(L, 100);
  for (PetscInt p = 0; p < 5 * L; p++) assert_true(B[p] >= 0 && B[p] <= 1);
  /* lag 1: the first basis at its peak, the second half way, the third at 0 */
  assert_true(fabs(B[0 * L] - 1) < 1e-14 && fabs(B[1 * L] - 0.5) < 1e-14 && B[2 * L] < 1e-15);
  /* the last basis ends at lag L */
  assert_true(B[4 * L + L - 1] < 1e-15 && B[4 * L + L - 2] > 0);
  /* peaks move out in time: argmax increases with k */
  for (PetscInt k = 1, prev = 0; k < 5; k++) {
    PetscInt am = 0;
    for (PetscInt l = 0; l < L; l++)
      if (B[k * L + l] > B[k * L + am]) am = l;
    assert_true(am > prev || k == 1);
    prev = am;
  }
  assert_int_equal(0, PetscFree(B));
  /* dt = 0.5 ms: twice the lags */
  assert_int_equal(0, GlmBasisCreate(&bo, 0.5, &L, &B));
  assert_int_equal(L, 200);
  assert_int_equal(0, PetscFree(B));
}

static void test_design(void **state)
{
  /* n = 2, one window of 6 steps, 2 bases of 3 lags (hand-made) */
  const double B[6]  = {1, 0.5, 0.25, 0, 1, 2};
  double       s[12] = {0}, *X;
  (void)state;
  s[0 * 2 + 0] = 1; /* neuron 0 at step 0 */
  s[2 * 2 + 1] = 1; /* neuron 1 at step 2 */
  s[4 * 2 + 0] = 1; /* neuron 0 at step 4 */
  assert_int_equal(0, GlmDesignCreate(2, 1, 6, s, 2, 3, B, &X));
  /* P = 5: [1, h0b0, h0b1, h1b0, h1b1] */
  {
    const double want[6][5] = {{1, 0, 0, 0, 0},    {1, 1, 0, 0, 0},   {1, 0.5, 1, 0, 0},
                               {1, 0.25, 2, 1, 0}, {1, 0, 0, 0.5, 1}, {1, 1, 0, 0.25, 2}};
    for (int t = 0; t < 6; t++)
      for (int p = 0; p < 5; p++) assert_true(X[t * 5 + p] == want[t][p]);
  }
  assert_int_equal(0, PetscFree(X));
  /* two windows of 3: history does not cross the boundary */
  assert_int_equal(0, GlmDesignCreate(2, 2, 3, s, 2, 3, B, &X));
  assert_true(X[3 * 5 + 3] == 0 && X[3 * 5 + 4] == 0); /* step 3 = first of window 1 */
  assert_true(X[2 * 5 + 1] == 0.5);
  assert_int_equal(0, PetscFree(X));
}

static void test_objective_derivatives(void **state)
{
  const PetscInt  n = 3, T = 300, K = 5;
  GlmBasisOptions bo;
  PetscInt        L, P = 1 + n * K;
  double         *B, *X, s[900], theta[16], g[16], gr[16], H[256], Hr[256], f, fr, worst = 0;
  (void)state;
  GlmBasisOptionsDefault(&bo);
  bo.history_ms = 30;
  assert_int_equal(0, GlmBasisCreate(&bo, 1.0, &L, &B));
  RandomSpikes(n, T, 0.08, 3, s);
  assert_int_equal(0, GlmDesignCreate(n, 2, T / 2, s, K, L, B, &X));
  for (PetscInt p = 0; p < P; p++) theta[p] = 0.4 * (RngUniform(5, 78, 0, 0, (uint32_t)p) - 0.5);
  theta[0] = -2.5;
  for (int r = 0; r < 3; r++) {
    double l2 = r ? 0.7 : 0.0;
    if (r == 2) theta[0] = GLM_ETA_MAX - 0.2; /* some bins beyond GLM_ETA_MAX: the continuation */
    assert_int_equal(0, GlmObjective(X, T, P, s, n, 1, l2, theta, &f, g, H, NULL));
    assert_int_equal(0, GlmObjective_ref(X, T, P, s, n, 1, l2, theta, &fr, gr, Hr));
    assert_true(TestRelDiff(f, fr, 1e-12) < 1e-12);
    for (PetscInt p = 0; p < P; p++) assert_true(TestRelDiff(g[p], gr[p], 1e-10) < 1e-11);
    for (PetscInt p = 0; p < P * P; p++) assert_true(TestRelDiff(H[p], Hr[p], 1e-10) < 1e-11);
    /* central differences: gradient from f, Hessian from the gradient */
    for (PetscInt p = 0; p < P; p++) {
      double tp[16], fp, fm, gp[16], gm[16], h = 1e-5;
      memcpy(tp, theta, sizeof(double) * P);
      tp[p] = theta[p] + h;
      assert_int_equal(0, GlmObjective(X, T, P, s, n, 1, l2, tp, &fp, gp, NULL, NULL));
      tp[p] = theta[p] - h;
      assert_int_equal(0, GlmObjective(X, T, P, s, n, 1, l2, tp, &fm, gm, NULL, NULL));
      worst = PetscMax(worst, TestRelDiff((fp - fm) / (2 * h), g[p], 1e-3));
      for (PetscInt q = 0; q < P; q++)
        worst = PetscMax(worst, TestRelDiff((gp[q] - gm[q]) / (2 * h), H[q * P + p], 1e-3));
    }
    /* the Hessian is symmetric */
    for (PetscInt p = 0; p < P; p++)
      for (PetscInt q = 0; q < P; q++) assert_true(H[p * P + q] == H[q * P + p]);
  }
  print_message("GLM derivatives: worst relative finite-difference error %.3g\n", worst);
  assert_true(worst < 1e-6);
  assert_int_equal(0, PetscFree(X));
  assert_int_equal(0, PetscFree(B));
}

static void test_bias_only(void **state)
{
  /* with the filter at 0 the optimum is b = log(C/T) and the log-likelihood C log(C/T) - C */
  double        s[1000], *X, th[2], f, g[2];
  const double  B[2] = {1, 0};
  GlmFitOptions fo;
  GlmNeuronInfo info;
  PetscInt      C = 0;
  (void)state;
  RandomSpikes(1, 1000, 0.03, 9, s);
  for (int t = 0; t < 1000; t++) C += s[t] > 0;
  assert_int_equal(0, GlmDesignCreate(1, 1, 1000, s, 1, 2, B, &X)); /* P = 2: bias, one filter */
  th[0] = log((double)C / 1000);
  th[1] = 0;
  assert_int_equal(0, GlmObjective(X, 1000, 2, s, 1, 0, 0.0, th, &f, g, NULL, NULL));
  assert_true(fabs(-f - GlmLogLikelihoodBiasOnly(C, 1000)) < 1e-9);
  assert_true(fabs(g[0]) < 1e-9);
  GlmFitOptionsDefault(&fo);
  assert_int_equal(0, GlmFitNeuron(X, 1000, 2, s, 1, 0, &fo, th, &info));
  assert_true(info.reason > 0);
  assert_true(info.loglik >= info.loglik0 - 1e-9);
  assert_int_equal(info.spikes, C);
  assert_int_equal(0, PetscFree(X));
}

/* A small network with known filters (n = 3, default basis). */
static PetscErrorCode TrueModel(GlmModel **out)
{
  GlmBasisOptions bo;
  PetscInt        L, K = 5, n = 3;
  double         *B;
  GlmModel       *m;

  PetscFunctionBeginUser;
  GlmBasisOptionsDefault(&bo);
  PetscCall(GlmBasisCreate(&bo, 1.0, &L, &B));
  PetscCall(GlmModelCreate(n, K, L, 1.0, B, &m));
  PetscCall(PetscFree(B));
  m->bias[0] = log(0.03);
  m->bias[1] = log(0.02);
  m->bias[2] = log(0.025);
  for (PetscInt i = 0; i < n; i++) { /* refractory self-history */
    double *h = m->filters + (i * n + i) * K;
    h[0]      = -3.0;
    h[1]      = -1.0;
    h[2]      = 0.3;
  }
  m->filters[(0 * n + 1) * K + 1] = 1.0; /* 0 excites 1 */
  m->filters[(0 * n + 1) * K + 2] = 0.5;
  m->filters[(1 * n + 2) * K + 2] = 0.8;  /* 1 excites 2 */
  m->filters[(2 * n + 0) * K + 1] = -0.8; /* 2 inhibits 0 */
  *out                            = m;
  PetscFunctionReturn(0);
}

static void test_recovery(void **state)
{
  const PetscInt nwin = 60, ws = 1000, n = 3, K = 5;
  const char    *types[] = {TAONLS, TAOTRON, TAOBLMVM, TAOLMVM};
  GlmModel      *truth, *fit;
  double        *s, *s2, ref_ll[3] = {0};
  GlmFitOptions  fo;
  GlmNeuronInfo  info[3];
  (void)state;
  assert_int_equal(0, TrueModel(&truth));
  assert_int_equal(0, PetscMalloc2(nwin * ws * n, &s, nwin * ws * n, &s2));
  assert_int_equal(0, GlmSimulate(truth, nwin, ws, 11, s));
  /* determinism of the simulation */
  assert_int_equal(0, GlmSimulate(truth, nwin, ws, 11, s2));
  assert_true(memcmp(s, s2, sizeof(double) * nwin * ws * n) == 0);
  for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
    double bias_err = 0, filt_err = 0, coup_err = 0, t0, t1;
    assert_int_equal(0, GlmModelCreate(n, K, truth->nlags, 1.0, truth->basis, &fit));
    GlmFitOptionsDefault(&fo);
    fo.l2 = 0.1;
    strcpy(fo.tao_type, types[t]);
    assert_int_equal(0, PetscTime(&t0));
    assert_int_equal(0, GlmFit(fit, nwin, ws, s, &fo, info));
    assert_int_equal(0, PetscTime(&t1));
    for (PetscInt i = 0; i < n; i++) {
      bias_err = PetscMax(bias_err, fabs(fit->bias[i] - truth->bias[i]));
      assert_true(info[i].reason > 0);
      assert_true(info[i].loglik > info[i].loglik0);
      if (t == 0) ref_ll[i] = info[i].loglik;
      else assert_true(fabs(info[i].loglik - ref_ll[i]) < 1e-4 * fabs(ref_ll[i]));
    }
    /* filters compared in lag space, where they are identifiable */
    for (PetscInt ji = 0; ji < n * n; ji++)
      for (PetscInt l = 0; l < truth->nlags; l++) {
        double a = 0, b = 0;
        for (PetscInt k = 0; k < K; k++) {
          a += fit->filters[ji * K + k] * truth->basis[k * truth->nlags + l];
          b += truth->filters[ji * K + k] * truth->basis[k * truth->nlags + l];
        }
        if (ji % (n + 1) == 0) filt_err = PetscMax(filt_err, fabs(a - b)); /* self-history */
        else coup_err = PetscMax(coup_err, fabs(a - b));
      }
    print_message("GLM recovery with %-6s: iterations %" PetscInt_FMT " %" PetscInt_FMT " %" PetscInt_FMT
                  ", %.3f s, max |error| bias %.3f, history filters %.3f, coupling filters %.3f\n",
                  types[t], info[0].iterations, info[1].iterations, info[2].iterations, t1 - t0, bias_err, filt_err,
                  coup_err);
    /* 60 s of data, ~1500 spikes per neuron; the largest error is the self filter at lag 1
     * (true -3.5: the few spikes there pin it down loosely) */
    assert_true(bias_err < 0.15);
    assert_true(filt_err < 0.6);
    assert_true(coup_err < 0.3);
    if (t == 0) { /* determinism of the fit */
      GlmModel *again;
      assert_int_equal(0, GlmModelCreate(n, K, truth->nlags, 1.0, truth->basis, &again));
      assert_int_equal(0, GlmFit(again, nwin, ws, s, &fo, NULL));
      assert_true(memcmp(again->bias, fit->bias, sizeof(double) * n) == 0);
      assert_true(memcmp(again->filters, fit->filters, sizeof(double) * n * n * K) == 0);
      assert_int_equal(0, GlmModelDestroy(&again));
    }
    assert_int_equal(0, GlmModelDestroy(&fit));
  }
  assert_int_equal(0, PetscFree2(s, s2));
  assert_int_equal(0, GlmModelDestroy(&truth));
}

static void test_silent_neuron(void **state)
{
  /* a neuron without spikes: finite bias far below the others, no NaN */
  const PetscInt  n = 2, ws = 500;
  double          s[2 * 500];
  GlmModel       *m;
  GlmBasisOptions bo;
  GlmFitOptions   fo;
  GlmNeuronInfo   info[2];
  PetscInt        L;
  double         *B;
  (void)state;
  RandomSpikes(n, ws, 0.05, 4, s);
  for (PetscInt t = 0; t < ws; t++) s[t * n + 1] = 0;
  GlmBasisOptionsDefault(&bo);
  GlmFitOptionsDefault(&fo);
  assert_int_equal(0, GlmBasisCreate(&bo, 1.0, &L, &B));
  assert_int_equal(0, GlmModelCreate(n, 5, L, 1.0, B, &m));
  assert_int_equal(0, GlmFit(m, 1, ws, s, &fo, info));
  assert_true(isfinite(m->bias[1]) && m->bias[1] < -10);
  for (PetscInt p = 0; p < n * n * 5; p++) assert_true(isfinite(m->filters[p]));
  assert_true(isfinite(info[1].loglik) && info[1].loglik <= 0 && info[1].loglik > -1e-3);
  assert_int_equal(0, GlmModelDestroy(&m));
  assert_int_equal(0, PetscFree(B));
}

static void test_bad_input(void **state)
{
  GlmBasisOptions bo;
  GlmFitOptions   fo;
  PetscInt        L;
  double         *B = NULL, *X = NULL, s[4] = {0, 2, 0, 0}, th[3];
  const double    b1[2] = {1, 0};
  (void)state;
  assert_int_equal(0, TestQuietErrors(PETSC_TRUE));
  GlmBasisOptionsDefault(&bo);
  bo.nbasis = 0;
  assert_true(GlmBasisCreate(&bo, 1.0, &L, &B) != 0);
  GlmBasisOptionsDefault(&bo);
  bo.history_ms = 1.0; /* a single lag */
  assert_true(GlmBasisCreate(&bo, 1.0, &L, &B) != 0);
  assert_true(GlmDesignCreate(2, 1, 2, s, 1, 2, b1, &X) != 0); /* a count of 2 */
  s[1] = 1;
  assert_int_equal(0, GlmDesignCreate(2, 1, 2, s, 1, 2, b1, &X));
  GlmFitOptionsDefault(&fo);
  fo.l2 = -1;
  assert_true(GlmFitNeuron(X, 2, 3, s, 2, 0, &fo, th, NULL) != 0);
  assert_int_equal(0, PetscFree(X));
  assert_int_equal(0, TestQuietErrors(PETSC_FALSE));
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_basis),     cmocka_unit_test(test_design),   cmocka_unit_test(test_objective_derivatives),
    cmocka_unit_test(test_bias_only), cmocka_unit_test(test_recovery), cmocka_unit_test(test_silent_neuron),
    cmocka_unit_test(test_bad_input),
};
TEST_MAIN(tests)
