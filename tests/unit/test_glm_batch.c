/* The GLM on continuous segments (glm_batch.h): design blocks against the per-window design
 * of glm.c, the batched objective against GlmObjective_ref, the same bits on 1 and 2 threads,
 * the joint whitened fit against the per-neuron Newton fits, the stop callback, the
 * continuous simulation against a plain loop, and the bin counts. */
#include "testutil.h"
#include "glm_batch.h"
#include "rng.h"
#include <math.h>
#include <petsctao.h>
#include <string.h>
#if defined(_OPENMP)
  #include <omp.h>
#endif

/* Bernoulli(p) spikes s [T][n] and the same as spike trains on [0, T) ms (dt = 1). */
static PetscErrorCode RandomTrains(PetscInt n, PetscInt T, double p, uint64_t seed, double *s, SpikeTrains **st)
{
  PetscFunctionBeginUser;
  for (PetscInt t = 0; t < T; t++)
    for (PetscInt i = 0; i < n; i++) s[t * n + i] = RngUniform(seed, 91, 0, (uint32_t)i, (uint32_t)t) < p ? 1.0 : 0.0;
  PetscCall(SpikeTrainsFromBinned(n, T, s, 0.0, 1.0, st));
  (*st)->intervals_ms[0] = 0;
  (*st)->intervals_ms[1] = T;
  PetscFunctionReturn(0);
}

static PetscErrorCode SmallModel(PetscInt n, PetscInt L, GlmModel **m)
{
  GlmBasisOptions bo;
  PetscInt        nl;
  double         *B;

  PetscFunctionBeginUser;
  GlmBasisOptionsDefault(&bo);
  bo.history_ms = (double)L;
  PetscCall(GlmBasisCreate(&bo, 1.0, &nl, &B));
  PetscCall(GlmModelCreate(n, bo.nbasis, nl, 1.0, B, m));
  PetscCall(PetscFree(B));
  PetscFunctionReturn(0);
}

/* segments [0, 180) and [180, 300): rows of the block design equal the stacked per-window
 * design of each segment, for blocks starting anywhere */
static void test_design_block(void **state)
{
  const PetscInt n = 3, T = 300, K = 5, P = 1 + n * K;
  const double   iv[4] = {0, 180, 180, 300};
  double         s[900], *X1, *X2, *Xb, *Yb, *bt;
  SpikeTrains   *st;
  GlmSpikes     *sp;
  GlmModel      *m;
  (void)state;
  assert_int_equal(0, RandomTrains(n, T, 0.1, 4, s, &st));
  assert_int_equal(0, SmallModel(n, 30, &m));
  assert_int_equal(0, GlmSpikesCreate(st, 2, iv, 1.0, &sp));
  assert_int_equal(sp->T, T);
  assert_int_equal(0, GlmDesignCreate(n, 1, 180, s, K, m->nlags, m->basis, &X1));
  assert_int_equal(0, GlmDesignCreate(n, 1, 120, s + 180 * n, K, m->nlags, m->basis, &X2));
  assert_int_equal(0, PetscMalloc3(T * P, &Xb, T * n, &Yb, K * m->nlags, &bt));
  for (PetscInt l = 0; l < m->nlags; l++)
    for (PetscInt k = 0; k < K; k++) bt[l * K + k] = m->basis[k * m->nlags + l];
  for (int r = 0; r < 2; r++) {
    PetscInt a = r ? 37 : 0, b = r ? 251 : T;
    GlmDesignBlock(sp, K, m->nlags, bt, a, b, Xb, Yb);
    for (PetscInt t = a; t < b; t++) {
      const double *ref = t < 180 ? X1 + t * P : X2 + (t - 180) * P;
      for (PetscInt p = 0; p < P; p++) assert_true(Xb[(t - a) * P + p] == ref[p]);
      for (PetscInt i = 0; i < n; i++) assert_true(Yb[(t - a) * n + i] == s[t * n + i]);
    }
  }
  assert_int_equal(0, PetscFree3(Xb, Yb, bt));
  assert_int_equal(0, PetscFree(X1));
  assert_int_equal(0, PetscFree(X2));
  assert_int_equal(0, GlmSpikesDestroy(&sp));
  assert_int_equal(0, SpikeTrainsDestroy(&st));
  assert_int_equal(0, GlmModelDestroy(&m));
}

/* GlmBatchEvaluate = GlmObjective_ref of every neuron (l2 = 0) on the windows' design */
static void test_evaluate_vs_ref(void **state)
{
  const PetscInt n = 3, T = 400, K = 5, P = 1 + n * K;
  const double   iv[4] = {0, 200, 200, 400};
  double         s[1200], *X, Theta[48], f[3], G[48], fr, gr[16], theta[16];
  SpikeTrains   *st;
  GlmSpikes     *sp;
  GlmModel      *m;
  (void)state;
  assert_int_equal(0, RandomTrains(n, T, 0.06, 5, s, &st));
  assert_int_equal(0, SmallModel(n, 40, &m));
  assert_int_equal(0, GlmSpikesCreate(st, 2, iv, 1.0, &sp));
  assert_int_equal(0, GlmDesignCreate(n, 2, 200, s, K, m->nlags, m->basis, &X));
  for (PetscInt p = 0; p < P; p++)
    for (PetscInt i = 0; i < n; i++)
      Theta[p * n + i] = p ? 0.5 * (RngUniform(6, 92, 0, (uint32_t)i, (uint32_t)p) - 0.5) : -3.0 + 0.2 * i;
  assert_int_equal(0, GlmBatchEvaluate(sp, m, PETSC_COMM_SELF, Theta, f, G));
  for (PetscInt i = 0; i < n; i++) {
    for (PetscInt p = 0; p < P; p++) theta[p] = Theta[p * n + i];
    assert_int_equal(0, GlmObjective_ref(X, T, P, s, n, i, 0.0, theta, &fr, gr, NULL));
    assert_true(TestRelDiff(f[i], fr, 1e-12) < 1e-12);
    for (PetscInt p = 0; p < P; p++) assert_true(TestRelDiff(G[p * n + i], gr[p], 1e-10) < 1e-11);
  }
  assert_int_equal(0, PetscFree(X));
  assert_int_equal(0, GlmSpikesDestroy(&sp));
  assert_int_equal(0, SpikeTrainsDestroy(&st));
  assert_int_equal(0, GlmModelDestroy(&m));
}

/* three groups of rows: the exact group sums give the same bits on 1 and 2 threads */
static void test_threads(void **state)
{
  const PetscInt n = 3, K = 5, P = 1 + n * K, T = 2 * GLM_GROUP_ROWS + 5000;
  const double   iv[2] = {0, (double)T};
  double        *s, Theta[48], f1[3], f2[3], G1[48], G2[48];
  SpikeTrains   *st;
  GlmSpikes     *sp;
  GlmModel      *m;
  (void)state;
  assert_int_equal(0, PetscMalloc1(T * n, &s));
  assert_int_equal(0, RandomTrains(n, T, 0.02, 7, s, &st));
  assert_int_equal(0, SmallModel(n, 50, &m));
  assert_int_equal(0, GlmSpikesCreate(st, 1, iv, 1.0, &sp));
  for (PetscInt q = 0; q < P * n; q++) Theta[q] = q < n ? -4.0 : 0.3 * (RngUniform(8, 93, 0, 0, (uint32_t)q) - 0.5);
#if defined(_OPENMP)
  omp_set_num_threads(1);
#endif
  assert_int_equal(0, GlmBatchEvaluate(sp, m, PETSC_COMM_SELF, Theta, f1, G1));
#if defined(_OPENMP)
  omp_set_num_threads(2);
#endif
  assert_int_equal(0, GlmBatchEvaluate(sp, m, PETSC_COMM_SELF, Theta, f2, G2));
  assert_true(memcmp(f1, f2, sizeof(f1)) == 0 && memcmp(G1, G2, sizeof(G1)) == 0);
  assert_int_equal(0, PetscFree(s));
  assert_int_equal(0, GlmSpikesDestroy(&sp));
  assert_int_equal(0, SpikeTrainsDestroy(&st));
  assert_int_equal(0, GlmModelDestroy(&m));
}

/* A model with known filters (n = 3), as in test_glm.c. */
static PetscErrorCode TrueModel(GlmModel **out)
{
  const PetscInt n = 3, K = 5;
  GlmModel      *m;

  PetscFunctionBeginUser;
  PetscCall(SmallModel(n, 100, &m));
  m->bias[0] = log(0.03);
  m->bias[1] = log(0.02);
  m->bias[2] = log(0.025);
  for (PetscInt i = 0; i < n; i++) {
    double *h = m->filters + (i * n + i) * K;
    h[0]      = -3.0;
    h[1]      = -1.0;
    h[2]      = 0.3;
  }
  m->filters[(0 * n + 1) * K + 1] = 1.0;
  m->filters[(1 * n + 2) * K + 2] = 0.8;
  m->filters[(2 * n + 0) * K + 1] = -0.8;
  *out                            = m;
  PetscFunctionReturn(0);
}

static PetscErrorCode StopSecond(void *ctx, PetscBool *stop)
{
  PetscInt *calls = (PetscInt *)ctx;
  *stop           = (PetscBool)(++*calls >= 2);
  return 0;
}

/* the joint whitened quasi-Newton fit reaches each neuron's own Newton optimum; a stop
 * callback ends it at an iteration boundary */
static void test_fit_vs_per_neuron(void **state)
{
  const PetscInt nwin = 20, ws = 1000, n = 3, T = nwin * ws;
  double        *s, *iv;
  GlmModel      *truth, *a, *b;
  GlmFitOptions  fo;
  GlmNeuronInfo  ia[3], ib[3];
  GlmBatchStatus st;
  SpikeTrains   *trains;
  GlmSpikes     *sp;
  PetscInt       calls = 0;
  (void)state;
  assert_int_equal(0, TrueModel(&truth));
  assert_int_equal(0, PetscMalloc2(T * n, &s, 2 * nwin, &iv));
  assert_int_equal(0, GlmSimulate(truth, nwin, ws, 3, s));
  assert_int_equal(0, SpikeTrainsFromBinned(n, T, s, 0.0, 1.0, &trains));
  for (PetscInt w = 0; w < nwin; w++) iv[2 * w] = w * ws, iv[2 * w + 1] = (w + 1) * ws;
  assert_int_equal(0, GlmSpikesCreate(trains, nwin, iv, 1.0, &sp));
  assert_int_equal(0, GlmModelCreate(n, 5, truth->nlags, 1.0, truth->basis, &a));
  assert_int_equal(0, GlmModelCreate(n, 5, truth->nlags, 1.0, truth->basis, &b));
  GlmFitOptionsDefault(&fo);
  fo.l2 = 0.1;
  assert_int_equal(0, GlmFit(a, nwin, ws, s, &fo, ia)); /* per neuron, Newton */
  strcpy(fo.tao_type, TAOLMVM);
  assert_int_equal(0, GlmBatchFit(b, sp, &fo, PETSC_COMM_SELF, NULL, NULL, ib, &st));
  print_message("joint lmvm fit: %" PetscInt_FMT " iterations, %" PetscInt_FMT " evaluations, gnorm %.3g\n",
                st.iterations, st.evaluations, st.gnorm);
  assert_true(st.reason > 0 && !st.stopped && st.iterations < 60);
  for (PetscInt i = 0; i < n; i++) {
    print_message("neuron %d: loglik %.10g vs %.10g, fval %.10g vs %.10g, bias %.6f vs %.6f\n", (int)i, ia[i].loglik,
                  ib[i].loglik, ia[i].fval, ib[i].fval, a->bias[i], b->bias[i]);
    /* the tolerance of the joint fit: ||g_z||^2 / 2 ~ 1e-4 n nats in whitened units */
    assert_true(ib[i].fval >= ia[i].fval - 1e-9 && ib[i].fval - ia[i].fval < 1e-4);
    assert_true(fabs(ia[i].loglik - ib[i].loglik) < 1e-5 * fabs(ia[i].loglik));
    assert_true(fabs(ia[i].loglik0 - ib[i].loglik0) < 1e-9 * fabs(ia[i].loglik0));
    assert_true(fabs(a->bias[i] - b->bias[i]) < 1e-3);
  }
  /* stopped by the callback at its second call */
  assert_int_equal(0, GlmBatchFit(b, sp, &fo, PETSC_COMM_SELF, StopSecond, &calls, ib, &st));
  assert_true(st.stopped && st.reason == TAO_CONVERGED_USER && st.iterations <= 2 && calls == 2);
  assert_int_equal(0, GlmModelDestroy(&a));
  assert_int_equal(0, GlmModelDestroy(&b));
  assert_int_equal(0, GlmModelDestroy(&truth));
  assert_int_equal(0, GlmSpikesDestroy(&sp));
  assert_int_equal(0, SpikeTrainsDestroy(&trains));
  assert_int_equal(0, PetscFree2(s, iv));
}

/* the continuous simulation of one segment against a plain loop over the whole history */
static void test_simulate_continuous(void **state)
{
  const PetscInt n = 3, T = 6000, K = 5;
  GlmModel      *m;
  GlmSpikes     *seg, *sim;
  double        *z, *F, t0 = 100.0;
  PetscInt       L, len = T, nsp = 0;
  const uint32_t stream = RngStreamId(RNG_STREAM_ANALYSIS, GLM_RNG_SUB);
  (void)state;
  assert_int_equal(0, TrueModel(&m));
  L = m->nlags;
  assert_int_equal(0, GlmSpikesCreateEmpty(n, 1, &len, &t0, 1.0, &seg));
  assert_int_equal(0, GlmSimulateSpikes(m, seg, 9, &sim));
  assert_int_equal(0, PetscMalloc2(T * n, &z, n * n * L, &F));
  for (PetscInt ji = 0; ji < n * n; ji++)
    for (PetscInt l = 0; l < L; l++) {
      double v = 0;
      for (PetscInt k = 0; k < K; k++) v += m->filters[ji * K + k] * m->basis[k * L + l];
      F[ji * L + l] = v;
    }
  for (PetscInt t = 0; t < T; t++)
    for (PetscInt i = 0; i < n; i++) {
      double eta = m->bias[i];
      for (PetscInt u = PetscMax(0, t - L); u < t; u++)
        for (PetscInt j = 0; j < n; j++)
          if (z[u * n + j] > 0) eta += F[(j * n + i) * L + (t - u - 1)];
      z[t * n + i] = RngUniform(9, stream, 0, (uint32_t)i, (uint32_t)t) < -expm1(-exp(eta)) ? 1.0 : 0.0;
    }
  for (PetscInt i = 0; i < n; i++) {
    PetscInt c = 0;
    for (PetscInt t = 0; t < T; t++) c += z[t * n + i] > 0;
    assert_int_equal(c, sim->off[i + 1] - sim->off[i]);
    for (PetscInt s = sim->off[i]; s < sim->off[i + 1]; s++) assert_true(z[sim->rows[s] * n + i] == 1.0);
    nsp += c;
  }
  assert_true(nsp > 100);
  assert_true(sim->nseg == 1 && sim->T == T && sim->t0[0] == t0);
  assert_int_equal(0, PetscFree2(z, F));
  assert_int_equal(0, GlmSpikesDestroy(&sim));
  assert_int_equal(0, GlmSpikesDestroy(&seg));
  assert_int_equal(0, GlmModelDestroy(&m));
}

/* counts of whole bins per segment; spans and binning of spike times in recording time */
static void test_counts_and_spans(void **state)
{
  SpikeTrains *st;
  GlmSpikes   *sp;
  double       iv[4] = {10, 75, 100, 140}, *v, c[40];
  PetscInt     k, nb;
  (void)state;
  assert_int_equal(0, SpikeTrainsCreate(2, 6, 2, &st));
  st->intervals_ms[0] = 0;
  st->intervals_ms[1] = 80;
  st->intervals_ms[2] = 95;
  st->intervals_ms[3] = 200;
  /* unit 0: 12, 12.5 (same bin), 74.9; unit 1: 30, 105, 139.5 */
  st->offsets[1]  = 3;
  st->offsets[2]  = 6;
  st->times_ms[0] = 12;
  st->times_ms[1] = 12.5;
  st->times_ms[2] = 74.9;
  st->times_ms[3] = 30;
  st->times_ms[4] = 105;
  st->times_ms[5] = 139.5;
  assert_int_equal(0, GlmSpans(st, 10, 140, 1.0, &k, &v));
  assert_int_equal(k, 2);
  assert_true(v[0] == 10 && v[1] == 80 && v[2] == 95 && v[3] == 140);
  assert_int_equal(0, PetscFree(v));
  assert_int_equal(0, GlmSpikesCreate(st, 2, iv, 1.0, &sp));
  assert_int_equal(sp->T, 65 + 40);
  assert_int_equal(sp->nclipped, 1);
  assert_int_equal(sp->off[1], 2);
  assert_true(sp->rows[0] == 2 && sp->rows[1] == 64);
  assert_true(sp->rows[2] == 20 && sp->rows[3] == 65 + 5 && sp->rows[4] == 65 + 39);
  /* 20-step bins: 3 whole bins in the first segment, 2 in the second */
  assert_int_equal(0, GlmSpikesCounts(sp, 20, &nb, NULL));
  assert_int_equal(nb, 5);
  assert_int_equal(0, GlmSpikesCounts(sp, 20, &nb, c));
  assert_true(c[0 * 2 + 0] == 1 && c[1 * 2 + 1] == 1 && c[3 * 2 + 1] == 1 && c[4 * 2 + 1] == 1);
  {
    double tot = 0;
    for (int q = 0; q < 10; q++) tot += c[q];
    assert_true(tot == 4);
  } /* 74.9 falls in the dropped partial bin */
  assert_int_equal(0, GlmSpikesDestroy(&sp));
  assert_int_equal(0, SpikeTrainsDestroy(&st));
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_design_block),
    cmocka_unit_test(test_evaluate_vs_ref),
    cmocka_unit_test(test_threads),
    cmocka_unit_test(test_fit_vs_per_neuron),
    cmocka_unit_test(test_simulate_continuous),
    cmocka_unit_test(test_counts_and_spans),
};
TEST_MAIN(tests)
