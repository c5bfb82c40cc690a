/* Generator, exact sums, bounds, ground truth, forward kernels, spike binning. */
#include "testutil.h"
#include "fixedsum.h"
#include "groundtruth.h"
#include "rng.h"
#include "sim.h"
#include "spikes.h"
#include "model_util.h"
#include "vecmath.h"
#include <float.h>
#include <math.h>

static void test_rng_reproducible(void **st)
{
  (void)st;
  for (uint32_t k = 0; k < 100; k++) {
    double a = RngUniform(42, 3, k, 7, 9), b = RngUniform(42, 3, k, 7, 9);
    assert_true(a == b && a >= 0 && a < 1);
    assert_true(RngUniform(42, 3, k, 7, 9) != RngUniform(43, 3, k, 7, 9));
    assert_true(RngUniform(42, 3, k, 7, 9) != RngUniform(42, 3, k, 8, 9));
  }
}

/* The vectorised grid of draws gives RngUniform's bits for every shape, including grids whose
 * size is not a multiple of the vector width and seeds with high bits set. */
static void test_rng_grid_matches_ref(void **st)
{
  const uint32_t shapes[][2] = {{1, 1}, {12, 400}, {7, 3}, {3, 7}, {1, 13}, {1000, 2}, {5, 1}};
  const uint64_t seeds[]     = {0, 1, 0xFFFFFFFFu, 0x123456789ABCDEF0ull, UINT64_MAX};
  (void)st;
  for (size_t a = 0; a < sizeof shapes / sizeof shapes[0]; a++)
    for (size_t b = 0; b < sizeof seeds / sizeof seeds[0]; b++) {
      uint32_t n = shapes[a][0], T = shapes[a][1];
      double  *u = malloc(sizeof(double) * (n * T + 1)), *r = malloc(sizeof(double) * n * T);
      u[n * T] = -1.0; /* the grid writes nothing past its end */
      RngUniformGrid(seeds[b], 0xDEADBEEFu, (uint32_t)(a + 3), n, T, u);
      RngUniformGrid_ref(seeds[b], 0xDEADBEEFu, (uint32_t)(a + 3), n, T, r);
      assert_memory_equal(u, r, sizeof(double) * n * T);
      assert_true(u[n * T] == -1.0);
      for (uint32_t k = 0; k < n * T; k += 97)
        assert_true(r[k] == RngUniform(seeds[b], 0xDEADBEEFu, (uint32_t)(a + 3), k % n, k / n));
      free(u);
      free(r);
    }
}

/* VecExp against libm over the whole range: within 2 ulp (plus the subnormal spacing where
 * the result is subnormal), and the special values. */
static void test_vec_exp(void **st)
{
  double worst = 0;
  (void)st;
  for (uint32_t k = 0; k < 400000; k++) {
    double u = RngUniform(21, 4, 0, k, 0);
    double x = k % 4 == 0 ? -750.0 + 1470.0 * u
                          : (k % 4 == 1 ? -40.0 + 80.0 * u : (k % 4 == 2 ? -1e-3 + 2e-3 * u : -745.2 + 40.0 * u));
    double a = VecExp(x), b = exp(x);
    double ulp = b > 0 && isfinite(b) ? nextafter(b, INFINITY) - b : 0;
    if (isinf(b)) {
      assert_true(isinf(a) && a > 0);
      continue;
    }
    assert_true(fabs(a - b) <= 2 * ulp + (b < DBL_MIN ? 0x1p-1074 : 0.0));
    if (b >= DBL_MIN && fabs(a - b) / ulp > worst) worst = fabs(a - b) / ulp;
  }
  print_message("VecExp: worst %.2f ulp against libm\n", worst);
  assert_true(VecExp(0.0) == 1.0 && VecExp(-0.0) == 1.0);
  assert_true(VecExp(-INFINITY) == 0.0 && VecExp(-746.0) == 0.0 && VecExp(-1e300) == 0.0);
  assert_true(isinf(VecExp(INFINITY)) && isinf(VecExp(710.0)) && isinf(VecExp(1e300)));
  assert_true(isfinite(VecExp(709.78)) && VecExp(-745.0) > 0.0);
  assert_true(isnan(VecExp(NAN)));
  assert_true(fabs(VecExp(1.0) - M_E) <= 2 * (nextafter(M_E, 3) - M_E));
}

static void test_rng_poisson_stats(void **st)
{
  const int n    = 200000;
  double    mean = 0.35, sum = 0, sum2 = 0;
  (void)st;
  for (int k = 0; k < n; k++) {
    int x = RngPoisson(1, 2, 0, (uint32_t)k, 0, mean);
    sum += x;
    sum2 += (double)x * x;
  }
  sum /= n;
  sum2 = sum2 / n - sum * sum;
  assert_true(fabs(sum - mean) < 5 * sqrt(mean / n));
  assert_true(fabs(sum2 - mean) < 0.01);
  /* the same uniform drives two rates monotonically (target and model share input) */
  for (int k = 0; k < 1000; k++) {
    double u = RngUniform(5, 1, 0, (uint32_t)k, 0);
    assert_true(RngPoissonFromUniform(u, 0.01) <= RngPoissonFromUniform(u, 0.02));
  }
  assert_int_equal(0, RngPoissonFromUniform(0.5, 0.0));
}

static void test_rng_normal_stats(void **st)
{
  const int n   = 100000;
  double    sum = 0, sum2 = 0;
  (void)st;
  for (int k = 0; k < n; k++) {
    double z = RngNormal(9, 1, 0, (uint32_t)k, 0);
    sum += z;
    sum2 += z * z;
  }
  assert_true(fabs(sum / n) < 0.02);
  assert_true(fabs(sum2 / n - 1) < 0.02);
}

/* Summing the same values in any order or partition gives identical bits. */
static void test_fixedsum_order_independent(void **st)
{
  const PetscInt n = 7, m = 50;
  double         v[50][7], a[7], b[7], c[7];
  FixedSum      *s1, *s2, *s3, *part;
  (void)st;
  for (int k = 0; k < m; k++)
    for (int i = 0; i < n; i++)
      v[k][i] = (RngUniform(3, 1, (uint32_t)k, (uint32_t)i, 0) - 0.5) * pow(10.0, (double)(k % 13) - 6);
  assert_int_equal(0, FixedSumCreate(n, &s1));
  assert_int_equal(0, FixedSumCreate(n, &s2));
  assert_int_equal(0, FixedSumCreate(n, &s3));
  assert_int_equal(0, FixedSumCreate(n, &part));
  for (int k = 0; k < m; k++) FixedSumAdd(s1, v[k]);
  for (int k = m - 1; k >= 0; k--) FixedSumAdd(s2, v[k]);
  for (int lo = 0; lo < m; lo += 17) { /* three "ranks" */
    FixedSumZero(part);
    for (int k = lo; k < lo + 17 && k < m; k++) FixedSumAdd(part, v[k]);
    FixedSumMerge(s3, part);
  }
  FixedSumGet(s1, a);
  FixedSumGet(s2, b);
  FixedSumGet(s3, c);
  for (int i = 0; i < n; i++) {
    long double exact = 0;
    assert_memory_equal(&a[i], &b[i], sizeof(double));
    assert_memory_equal(&a[i], &c[i], sizeof(double));
    for (int k = 0; k < m; k++) exact += v[k][i];
    assert_true(fabsl((long double)a[i] - exact) <= 1e-15L * fabsl(exact) + 1e-25L);
  }
  /* tiny and negative totals keep their full precision (no cancellation between limbs) */
  {
    double small[7] = {-3.0498394038e-11, -2.1300587515e-06, 1e-25, -1e-20, 5e-300, 0.1, -0.1}, got[7];
    FixedSumZero(s1);
    FixedSumAdd(s1, small);
    FixedSumGet(s1, got);
    for (int i = 0; i < 5; i++)
      if (fabs(small[i]) > 1e-28) assert_true(fabs(got[i] - small[i]) <= 1e-15 * fabs(small[i]) + 1e-30);
    assert_true(got[4] == 0); /* below 2^-100: dropped */
    assert_true(got[5] == 0.1 && got[6] == -0.1);
  }
  {
    double bad[7] = {0, NAN, 0, INFINITY, 0, 0, 1e300};
    FixedSumZero(s1);
    FixedSumAdd(s1, bad);
    assert_int_equal(3, s1->nonfinite);
  }
  FixedSumDestroy(&s1);
  FixedSumDestroy(&s2);
  FixedSumDestroy(&s3);
  FixedSumDestroy(&part);
  assert_null(s1);
}

static void test_bounds_projection(void **st)
{
  ModelConfig  cfg    = {.theta = 30, .input_gain = 0.9, .dt = 1, .dale = PETSC_TRUE};
  PetscInt     exc[4] = {1, 1, 0, 0};
  ParamLayout *l;
  double      *th;
  (void)st;
  assert_int_equal(0, ModelLayoutCreate(TestModel("lif"), &cfg, 4, exc, &l));
  th = malloc(sizeof(double) * l->total);
  for (PetscInt k = 0; k < l->total; k++) th[k] = (k % 2) ? 1e6 : -1e6;
  ParamsProject(l, th);
  for (PetscInt k = 0; k < l->total; k++) assert_true(th[k] >= l->lo[k] && th[k] <= l->hi[k]);
  {
    const ParamBlock *W = ParamLayoutBlock(l, "W"), *E = ParamLayoutBlock(l, "E_L"), *tm = ParamLayoutBlock(l, "tau_m");
    for (PetscInt i = 0; i < 4; i++)
      for (PetscInt j = 0; j < 4; j++) {
        double w = th[W->offset + i * 4 + j];
        if (i == j) assert_true(w == 0);
        else if (exc[i]) assert_true(w >= 0 && w <= 1);
        else assert_true(w <= 0 && w >= -1);
      }
    assert_true(th[E->offset] == -80 && th[E->offset + 1] == -35);
    assert_true(th[tm->offset] == 1.1 && th[tm->offset + 1] == 3);
  }
  ParamLayoutDestroy(&l);
  assert_null(l);
  /* Dale without types is refused */
  TestQuietErrors(PETSC_TRUE);
  assert_int_not_equal(0, ModelLayoutCreate(TestModel("lif"), &cfg, 4, NULL, &l));
  TestQuietErrors(PETSC_FALSE);
  free(th);
}

static void test_ground_truth(void **st)
{
  ModelConfig  cfg = {.theta = 30, .input_gain = 0.9, .dt = 1, .dale = PETSC_TRUE};
  PetscInt     exc[12];
  ParamLayout *l;
  double       a[200], b[200], c[200];
  (void)st;
  GroundTruthTypes(12, 0, exc);
  for (int i = 0; i < 12; i++) assert_int_equal(exc[i], i < 8 ? 1 : 0);
  assert_int_equal(0, ModelLayoutCreate(TestModel("lif"), &cfg, 12, exc, &l));
  assert_true(l->total < 200);
  assert_int_equal(0, GroundTruthLIF(l, 0, 0, a));
  assert_int_equal(0, GroundTruthLIF(l, 0, 0, b));
  assert_int_equal(0, GroundTruthLIF(l, 0, 1, c));
  assert_memory_equal(a, b, sizeof(double) * l->total);
  assert_true(memcmp(a, c, sizeof(double) * l->total) != 0);
  {
    const ParamBlock *tm = ParamLayoutBlock(l, "tau_m"), *E = ParamLayoutBlock(l, "E_L"),
                     *tg = ParamLayoutBlock(l, "tau_g"), *rp = ParamLayoutBlock(l, "r_p");
    /* population base values within the 2.5% jitter (and the bounds) */
    assert_true(fabs(a[tm->offset + 0] - 2.2) < 0.2 && fabs(a[tm->offset + 5] - 1.4) < 0.15 &&
                fabs(a[tm->offset + 10] - 1.2) < 0.12);
    assert_true(fabs(a[E->offset + 9] + 64) < 6);
    assert_true(a[tg->offset + 0] <= 3.5);
    assert_true(a[rp->offset] == 10.0);
  }
  for (PetscInt k = 0; k < l->total; k++) assert_true(a[k] >= l->lo[k] && a[k] <= l->hi[k]);
  ParamLayoutDestroy(&l);
}

/* -gen_exc_fraction: the fraction holds in every prefix of the indices (to one neuron) */
static void test_ground_truth_fraction(void **st)
{
  PetscInt exc[100], count = 0, pops[3] = {0, 0, 0};
  (void)st;
  GroundTruthTypes(100, 0.8, exc);
  for (PetscInt i = 0; i < 100; i++) {
    count += exc[i];
    assert_true(fabs((double)count - 0.8 * (i + 1)) <= 1.0);
    pops[GroundTruthPopulation(100, 0.8, i)]++;
  }
  assert_int_equal(80, count);
  assert_int_equal(20, pops[2]);
  assert_int_equal(40, pops[0]);
  assert_int_equal(40, pops[1]);
}

/* The LIF step and its adjoint (vectorised clones where the CPU has them) give, bit for bit,
 * the scalar expressions of SCIENCE.md section 2 evaluated here one neuron at a time: over
 * two blocks with a tail, soft and hard output, free and with forced neurons. (A step
 * multiplies by 1/tau_m, 1 - 1/tau_g and 1/tau_g^2 derived once per pass by ModelPrepare.) */
static void test_lif_kernels_scalar_bits(void **st)
{
  ModelConfig    cfg = {.theta = 30, .input_gain = 0.9, .dt = 1, .dale = PETSC_FALSE};
  ParamLayout   *l;
  const PetscInt n = MODEL_BLOCK + 11;
  double *th, prev[2 * MODEL_BLOCK + 22], cur[MODEL_BLOCK + 11], next[2 * MODEL_BLOCK + 22], aux[MODEL_BLOCK + 11],
      y[MODEL_BLOCK + 11];
  double pre[3 * (MODEL_BLOCK + 11)], dy[MODEL_BLOCK + 11], lam[2 * MODEL_BLOCK + 22], lp[2 * MODEL_BLOCK + 22],
      lI[MODEL_BLOCK + 11], force[MODEL_BLOCK + 11], *grad, *gref;
  (void)st;
  assert_int_equal(0, ModelLayoutCreate(TestModel("lif"), &cfg, n, NULL, &l));
  th   = malloc(sizeof(double) * l->total);
  grad = calloc(l->total, sizeof(double));
  gref = calloc(l->total, sizeof(double));
  ParamsDrawInitial(l, 6, th);
  for (PetscInt j = 0; j < n; j++) {
    prev[j]     = -70 + 40 * RngUniform(8, 1, 0, (uint32_t)j, 0);
    prev[n + j] = RngUniform(8, 2, 0, (uint32_t)j, 0) < 0.5 ? 0.0 : RngUniform(8, 3, 0, (uint32_t)j, 0);
    cur[j]      = 0.6 * RngUniform(8, 4, 0, (uint32_t)j, 0) - 0.1;
    dy[j]       = RngUniform(8, 5, 0, (uint32_t)j, 0) - 0.5;
    lam[j]      = RngUniform(8, 6, 0, (uint32_t)j, 0) - 0.5;
    lam[n + j]  = RngUniform(8, 7, 0, (uint32_t)j, 0) - 0.5;
    force[j]    = RngUniform(8, 9, 0, (uint32_t)j, 0) < 0.3;
  }
  for (int variant = 0; variant < 4; variant++) {
    ModelCtx      c;
    const int     hard = variant & 1, forced = variant >> 1;
    const double *E, *tm, *tg, *R;
    cfg.hard_output = hard ? PETSC_TRUE : PETSC_FALSE;
    ModelCtxSetup(&c, &cfg, l, th);
    ModelPrepare(TestModel("lif"), &c, pre);
    c.force  = forced ? force : NULL;
    c.nforce = forced ? n - 5 : 0;
    E        = th + c.off[0];
    tm       = th + c.off[1];
    tg       = th + c.off[2];
    R        = th + c.off[3];
    TestModel("lif")->step(&c, prev, cur, next, aux, y);
    memset(grad, 0, sizeof(double) * l->total);
    memset(gref, 0, sizeof(double) * l->total);
    TestModel("lif")->step_adjoint(&c, prev, cur, next, aux, dy, lam, lp, lI, grad);
    for (PetscInt j = 0; j < n; j++) {
      double u   = prev[j] + (E[j] - prev[j] + R[j] * cur[j]) * (1.0 / tm[j]);
      int    z   = forced && j < n - 5 ? force[j] > 0.5 : u >= 30;
      double lu  = (hard ? 0.0 : dy[j] * ModelSigmoidPrime(u - 30)) + (z ? 0.0 : lam[j]);
      double inv = 1.0 / tm[j];
      assert_true(aux[j] == u);
      assert_true(next[j] == (z ? E[j] : u));
      assert_true(next[n + j] == (z ? 1.0 : prev[n + j] * (1.0 - 1.0 / tg[j])));
      assert_true(y[j] == (hard ? (double)z : ModelSigmoid(u - 30)));
      gref[c.off[0] + j] += (z ? lam[j] : 0.0) + lu * inv;
      gref[c.off[1] + j] -= lu * (E[j] - prev[j] + R[j] * cur[j]) * inv * inv;
      gref[c.off[3] + j] += lu * cur[j] * inv;
      assert_true(lI[j] == lu * R[j] * inv);
      assert_true(lp[j] == lu * (1.0 - inv));
      assert_true(lp[n + j] == (z ? 0.0 : lam[n + j] * (1.0 - 1.0 / tg[j])));
      if (!z) gref[c.off[2] + j] += lam[n + j] * prev[n + j] * (1.0 / (tg[j] * tg[j]));
    }
    assert_memory_equal(grad, gref, sizeof(double) * l->total);
  }
  ParamLayoutDestroy(&l);
  free(th);
  free(grad);
  free(gref);
}

static void test_forward_matches_ref(void **st)
{
  ModelConfig  cfg = {.theta = 30, .input_gain = 0.9, .dt = 1, .dale = PETSC_FALSE};
  ParamLayout *l;
  SimSetup     s;
  SimWork     *w1, *w2;
  double      *th;
  PetscInt     n = 17, T = 300;
  (void)st;
  assert_int_equal(0, ModelLayoutCreate(TestModel("lif"), &cfg, n, NULL, &l));
  th = malloc(sizeof(double) * l->total);
  ParamsDrawInitial(l, 4, th);
  assert_int_equal(0, SimSetupInit(&s, TestModel("lif"), &cfg, l, T));
  assert_int_equal(0, SimWorkCreate(&s, &w1));
  assert_int_equal(0, SimWorkCreate(&s, &w2));
  SimDrawInput(1, 1, 0, n, T, 40, 1.0, w1->x);
  memcpy(w2->x, w1->x, sizeof(double) * n * T);
  SimForward(&s, th, w1);
  s.use_ref = PETSC_TRUE;
  SimForward(&s, th, w2);
  for (PetscInt k = 0; k < n * T; k++) {
    assert_true(fabs(w1->y[k] - w2->y[k]) <= 1e-12);
    assert_true(fabs(w1->cur[k] - w2->cur[k]) <= 1e-12 * fmax(1, fabs(w2->cur[k])));
  }
  /* one plain step by hand: the first step from rest, v = E_L, g = 0 */
  {
    const ParamBlock *E = ParamLayoutBlock(l, "E_L"), *tm = ParamLayoutBlock(l, "tau_m"),
                     *R = ParamLayoutBlock(l, "R_I");
    for (PetscInt j = 0; j < n; j++) {
      double in = 0.9 * w1->x[j];
      double u =
          th[E->offset + j] + (th[E->offset + j] - th[E->offset + j] + th[R->offset + j] * in) / th[tm->offset + j];
      assert_true(fabs(w1->aux[j] - u) < 1e-12);
      assert_true(fabs(w1->y[j] - 1 / (1 + exp(-(u - 30)))) < 1e-14);
    }
  }
  SimWorkDestroy(&w1);
  SimWorkDestroy(&w2);
  assert_null(w1);
  ParamLayoutDestroy(&l);
  free(th);
}

/* The two halves of SimDrawInput (uniforms drawn once, inverted at two rates for a model and
 * its synthetic truth, on the first m of n columns) give SimDrawInput's bits. */
static void test_input_from_uniforms(void **st)
{
  PetscInt n = 7, m = 5, T = 300;
  double  *u = malloc(sizeof(double) * n * T), *x1 = malloc(sizeof(double) * n * T),
         *x2     = malloc(sizeof(double) * n * T);
  double rates[] = {0, 10, 250, 4000};
  (void)st;
  SimDrawUniforms(3, 11, 2, n, T, u);
  for (int r = 0; r < 4; r++) {
    double total = 0;
    SimDrawInput(3, 11, 2, m, T, rates[r], 1.0, x1);
    SimInputFromUniforms(u, n, m, T, rates[r], 1.0, x2);
    for (PetscInt k = 0; k < m * T; k++) {
      assert_true(x1[k] == x2[k]);
      total += x1[k];
    }
    if (rates[r] > 0) assert_true(total > 0); /* not vacuous: counts drawn */
    else assert_true(total == 0);
  }
  free(u);
  free(x1);
  free(x2);
}

static void test_spike_binning(void **st)
{
  SpikeTrains *sp;
  double       out[10 * 2];
  PetscInt     clipped = 0, nw;
  double      *starts;
  (void)st;
  assert_int_equal(0, SpikeTrainsCreate(2, 5, 1, &sp));
  sp->offsets[1]      = 3;
  sp->offsets[2]      = 5;
  sp->times_ms[0]     = 0.0;
  sp->times_ms[1]     = 0.5;
  sp->times_ms[2]     = 9.99; /* two in bin 0 */
  sp->times_ms[3]     = 3.0;
  sp->times_ms[4]     = 10.0; /* 10.0 is outside [0,10) */
  sp->intervals_ms[0] = 0;
  sp->intervals_ms[1] = 25;
  assert_int_equal(0, SpikeTrainsValidate(sp));
  assert_int_equal(0, SpikeTrainsBin(sp, 0.0, 1.0, 10, out, &clipped));
  assert_int_equal(1, clipped);
  assert_true(out[0 * 2 + 0] == 1 && out[9 * 2 + 0] == 1 && out[3 * 2 + 1] == 1);
  {
    double total = 0;
    for (int k = 0; k < 20; k++) total += out[k];
    assert_true(total == 3);
  }
  assert_int_equal(0, SpikeTrainsWindows(sp, 0, 0, 1.0, 10, &nw, &starts));
  assert_int_equal(2, nw);
  assert_true(starts[0] == 0 && starts[1] == 10);
  PetscFree(starts);
  sp->times_ms[1] = -1; /* unsorted */
  TestQuietErrors(PETSC_TRUE);
  assert_int_not_equal(0, SpikeTrainsValidate(sp));
  TestQuietErrors(PETSC_FALSE);
  SpikeTrainsDestroy(&sp);
  assert_null(sp);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_rng_reproducible),
    cmocka_unit_test(test_rng_grid_matches_ref),
    cmocka_unit_test(test_vec_exp),
    cmocka_unit_test(test_rng_poisson_stats),
    cmocka_unit_test(test_rng_normal_stats),
    cmocka_unit_test(test_fixedsum_order_independent),
    cmocka_unit_test(test_bounds_projection),
    cmocka_unit_test(test_ground_truth),
    cmocka_unit_test(test_ground_truth_fraction),
    cmocka_unit_test(test_forward_matches_ref),
    cmocka_unit_test(test_lif_kernels_scalar_bits),
    cmocka_unit_test(test_input_from_uniforms),
    cmocka_unit_test(test_spike_binning),
};
TEST_MAIN(tests)
