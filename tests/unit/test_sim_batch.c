/* The batched kernels (SimBatch*) against the plain per-window reference kernels
 * (SimForward/SimBackward with use_ref): outputs, states and gradients to 1e-12, for several
 * N, T, B and partial batches; checkpointed recomputation bitwise equal to the full tape;
 * single precision close to double. */
#include "testutil.h"
#include "loss.h"
#include "sim.h"
#include "sim_ref.h"
#include "rng.h"
#include <math.h>

extern void openblas_set_num_threads(int);

typedef struct {
  const NeuronModel *model;
  ModelConfig        cfg;
  LossConfig         lcfg;
  ParamLayout       *layout;
  SimSetup           sim;
  PetscInt           n, T, nb;
  double            *theta, *x, *s; /* x, s: [nb][T][n] */
  PetscInt           nforce;        /* teacher forcing of neurons 0..nforce-1 by s */
  double            *force;         /* [nb][T][nforce] */
} Case;

static double case_latent_tau; /* the cases' latent input time constant (0: none) */

static void CaseSetup(Case *c, const NeuronModel *m, PetscInt n, PetscInt T, PetscInt nb, uint64_t seed,
                      PetscBool output_current)
{
  PetscInt *exc = malloc(sizeof(PetscInt) * n);
  c->model      = m;
  c->n          = n;
  c->T          = T;
  c->nb         = nb;
  c->cfg =
      (ModelConfig){.theta = 30, .input_gain = 0.9, .dt = 1.0, .dale = PETSC_TRUE, .output_current = output_current,
                    .latent_tau = case_latent_tau};
  c->lcfg = (LossConfig){
      .kind = output_current ? LOSS_VRD : LOSS_MIX, .vr_tau = 20, .dt = 1.0, .weights = {0.3, 0.5, 0.7, 1.1}};
  for (PetscInt i = 0; i < n; i++) exc[i] = i < (4 * n) / 5;
  assert_int_equal(0, ModelLayoutCreate(m, &c->cfg, n, exc, &c->layout));
  assert_int_equal(0, SimSetupInit(&c->sim, m, &c->cfg, c->layout, T));
  c->theta = malloc(sizeof(double) * c->layout->total);
  ParamsDrawInitial(c->layout, seed, c->theta);
  c->theta[c->sim.offRp] = 60.0; /* every neuron spikes and resets */
  if (c->sim.offLat >= 0)
    for (PetscInt j = 0; j < n; j++) c->theta[c->sim.offLat + j] = 0.04 * (j % 3 ? 1.0 : -1.0);
  c->x                   = malloc(sizeof(double) * nb * T * n);
  c->s                   = malloc(sizeof(double) * nb * T * n);
  for (PetscInt b = 0; b < nb; b++) SimDrawInput(seed, 7, 100 + b, n, T, c->theta[c->sim.offRp], 1.0, c->x + b * T * n);
  for (PetscInt k = 0; k < nb * T * n; k++) c->s[k] = RngUniform(seed, 9, 0, (uint32_t)k, 0) < 0.05;
  c->nforce = 0;
  c->force  = NULL;
  free(exc);
}

static void CaseDestroy(Case *c)
{
  ParamLayoutDestroy(&c->layout);
  free(c->theta);
  free(c->x);
  free(c->s);
  free(c->force);
}

/* Teacher forcing of neurons 0..nforce-1 by a realistic recording: the model's own
 * free-running spikes with 2% of the bins flipped (an arbitrary train would hold izh
 * neurons at the peak for long stretches, where its upstroke amplifies rounding). */
static void CaseForce(Case *c, PetscInt nforce)
{
  SimWork *w;
  PetscInt n = c->n, T = c->T;
  double  *z = malloc(sizeof(double) * T * n);
  assert_int_equal(0, SimWorkCreate(&c->sim, &w));
  c->nforce = nforce;
  c->force  = malloc(sizeof(double) * c->nb * T * nforce);
  for (PetscInt b = 0; b < c->nb; b++) {
    w->window = 100 + b;
    memcpy(w->x, c->x + b * T * n, sizeof(double) * T * n);
    SimForward(&c->sim, c->theta, w);
    SimHardSpikes(&c->sim, w, z);
    for (PetscInt t = 0; t < T; t++)
      for (PetscInt j = 0; j < nforce; j++) {
        PetscInt k  = (b * T + t) * nforce + j;
        c->force[k] = RngUniform(5, 10, 0, (uint32_t)k, 0) < 0.02 ? 1.0 - z[t * n + j] : z[t * n + j];
      }
  }
  SimWorkDestroy(&w);
  free(z);
}

/* Reference: each window alone with the plain loops; y [nb][T][n], states [nb][T+1][ns][n],
 * the gradient summed over the windows. */
static void RunRef(Case *c, double *y, double *states, double *grad)
{
  SimWork *w;
  PetscInt n = c->n, T = c->T, ns = c->model->nstate;
  c->sim.use_ref = PETSC_TRUE;
  assert_int_equal(0, SimWorkCreate(&c->sim, &w));
  for (PetscInt b = 0; b < c->nb; b++) {
    LossValue v;
    w->window = 100 + b;
    w->force  = c->force ? c->force + b * T * c->nforce : NULL;
    w->nforce = c->nforce;
    memcpy(w->x, c->x + b * T * n, sizeof(double) * T * n);
    SimForward(&c->sim, c->theta, w);
    memcpy(y + b * T * n, w->y, sizeof(double) * T * n);
    memcpy(states + b * (T + 1) * ns * n, w->state, sizeof(double) * (T + 1) * ns * n);
    LossEvaluate(&c->lcfg, 0.3, n, T, w->y, c->s + b * T * n, w->dy, w->scratch, &v);
    SimBackward(&c->sim, c->theta, w, grad);
  }
  SimWorkDestroy(&w);
  c->sim.use_ref = PETSC_FALSE;
}

static void RunBatch(Case *c, PetscInt Bmax, PetscInt stride, SimPrecision prec, double *y, double *states,
                     double *grad)
{
  SimBatch *bt;
  PetscInt  n = c->n, T = c->T, ns = c->model->nstate;
  assert_int_equal(0, SimBatchCreate(&c->sim, Bmax, stride, prec, &bt));
  bt->nb     = c->nb;
  bt->nforce = c->nforce;
  for (PetscInt b = 0; b < c->nb; b++) {
    bt->window[b] = 100 + b;
    bt->force[b]  = c->force ? c->force + b * T * c->nforce : NULL;
    SimBatchSetInput(bt, b, c->x + b * T * n);
  }
  SimBatchForward(&c->sim, c->theta, bt);
  memcpy(y, bt->y, sizeof(double) * c->nb * T * n);
  if (states && bt->stride == T) /* the full tape holds every state: [T+1][nb][ns][n] */
    for (PetscInt t = 0; t <= T; t++)
      for (PetscInt b = 0; b < c->nb; b++)
        memcpy(states + (b * (T + 1) + t) * ns * n, bt->state + (t * c->nb + b) * ns * n, sizeof(double) * ns * n);
  for (PetscInt b = 0; b < c->nb; b++) {
    LossValue v;
    double   *scratch = malloc(sizeof(double) * T * n);
    LossEvaluate(&c->lcfg, 0.3, n, T, bt->y + b * T * n, c->s + b * T * n, bt->dy + b * T * n, scratch, &v);
    free(scratch);
  }
  SimBatchBackward(&c->sim, c->theta, bt, grad);
  SimBatchDestroy(&bt);
}

/* max over k of |a-b| / max(|b|, floor * max|b|) */
static double MaxRel(const double *a, const double *b, size_t len, double floor_)
{
  double bmax = 0, worst = 0;
  for (size_t k = 0; k < len; k++) bmax = fmax(bmax, fabs(b[k]));
  for (size_t k = 0; k < len; k++)
    worst = fmax(worst, fabs(a[k] - b[k]) / fmax(fabs(b[k]), fmax(floor_ * bmax, 1e-300)));
  return worst;
}

static void CompareToRefForced(const NeuronModel *m, PetscInt n, PetscInt T, PetscInt Bmax, PetscInt nb,
                               PetscInt stride, PetscBool output_current, PetscInt nforce)
{
  Case     c;
  PetscInt P, ns = m->nstate;
  double  *y1, *y2, *s1, *s2, *g1, *g2, ey, es, eg;

  CaseSetup(&c, m, n, T, nb, 17 + (uint64_t)n, output_current);
  if (nforce) CaseForce(&c, nforce);
  P  = c.layout->total;
  y1 = malloc(sizeof(double) * nb * T * n);
  y2 = malloc(sizeof(double) * nb * T * n);
  s1 = calloc((size_t)nb * (T + 1) * ns * n, sizeof(double));
  s2 = calloc((size_t)nb * (T + 1) * ns * n, sizeof(double));
  g1 = calloc(P, sizeof(double));
  g2 = calloc(P, sizeof(double));
  RunRef(&c, y1, s1, g1);
  RunBatch(&c, Bmax, stride, SIM_DOUBLE, y2, stride ? NULL : s2, g2);
  ey = MaxRel(y2, y1, (size_t)nb * T * n, 1.0); /* normwise */
  es = 0;
  if (!stride) /* normwise per window and state variable */
    for (PetscInt b = 0; b < nb; b++)
      for (PetscInt v = 0; v < ns; v++)
        for (PetscInt t = 0; t <= T; t++) {
          double smax = 0, d = 0;
          for (PetscInt tt = 0; tt <= T; tt++)
            for (PetscInt j = 0; j < n; j++) smax = fmax(smax, fabs(s1[((b * (T + 1) + tt) * ns + v) * n + j]));
          for (PetscInt j = 0; j < n; j++) {
            size_t k = ((size_t)(b * (T + 1) + t) * ns + v) * n + j;
            d        = fmax(d, fabs(s2[k] - s1[k]));
          }
          es = fmax(es, d / fmax(smax, 1e-300));
        }
  eg = 0; /* normwise per parameter block: max |g - g_ref| / max |g_ref| */
  for (PetscInt k = 0; k < c.layout->nblocks; k++) {
    const ParamBlock *pb = &c.layout->blocks[k];
    eg                   = fmax(eg, MaxRel(g2 + pb->offset, g1 + pb->offset, (size_t)pb->size, 1.0));
  }
  if (ey > 1e-12 || es > 1e-12 || eg > 1e-12)
    print_error("%s n=%d T=%d B=%d nb=%d K=%d current=%d: y %.3g state %.3g grad %.3g\n", m->name, (int)n, (int)T,
                (int)Bmax, (int)nb, (int)stride, (int)output_current, ey, es, eg);
  assert_true(ey <= 1e-12);
  assert_true(es <= 1e-12);
  assert_true(eg <= 1e-12);
  free(y1);
  free(y2);
  free(s1);
  free(s2);
  free(g1);
  free(g2);
  CaseDestroy(&c);
}

static void CompareToRef(const NeuronModel *m, PetscInt n, PetscInt T, PetscInt Bmax, PetscInt nb, PetscInt stride,
                         PetscBool output_current)
{
  CompareToRefForced(m, n, T, Bmax, nb, stride, output_current, 0);
}

static void test_batch_matches_ref(void **st)
{
  (void)st;
  openblas_set_num_threads(1);
  /* full batches, partial batches (nb < B, as with -fit_windows_per_step < B), B = 1 */
  CompareToRef(TestModel("lif"), 12, 90, 1, 1, 0, PETSC_FALSE);
  CompareToRef(TestModel("lif"), 12, 90, 4, 4, 0, PETSC_FALSE);
  CompareToRef(TestModel("lif"), 12, 90, 16, 3, 0, PETSC_FALSE);
  CompareToRef(TestModel("lif"), 37, 60, 5, 5, 0, PETSC_FALSE);
  CompareToRef(TestModel("lif"), 37, 60, 8, 2, 0, PETSC_FALSE);
  CompareToRef(TestModel("lif"), 130, 40, 6, 6, 0, PETSC_FALSE);
  CompareToRef(TestModel("lif"), 130, 40, 64, 5, 0, PETSC_FALSE);
  CompareToRef(TestModel("lif"), 20, 50, 3, 3, 0, PETSC_TRUE); /* y = I */
  /* with a strided tape (states recomputed) */
  CompareToRef(TestModel("lif"), 37, 60, 5, 4, 7, PETSC_FALSE);
}

/* Every registered model behind the same interface. */
static void test_batch_every_model(void **st)
{
  char list[256], *tok, *save = NULL;
  (void)st;
  openblas_set_num_threads(1);
  assert_int_equal(0, ModelList(list, sizeof(list)));
  for (tok = strtok_r(list, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
    const NeuronModel *m;
    assert_int_equal(0, ModelFind(tok, &m));
    CompareToRef(m, 15, 50, 4, 3, 0, PETSC_FALSE);
    CompareToRef(m, 15, 50, 4, 4, 9, PETSC_FALSE);
    /* teacher forcing of 10 of the 15 neurons, full and strided tape */
    CompareToRefForced(m, 15, 50, 4, 3, 0, PETSC_FALSE, 10);
    CompareToRefForced(m, 15, 50, 4, 4, 9, PETSC_FALSE, 10);
  }
}

/* The shared latent input (each window its own draw, keyed by its window id): batched against
 * per-window, below and above SIM_SMALL_N, partial batches, a strided tape, a stochastic model. */
static void test_batch_latent(void **st)
{
  (void)st;
  openblas_set_num_threads(1);
  case_latent_tau = 40;
  CompareToRef(TestModel("lif"), 12, 90, 1, 1, 0, PETSC_FALSE);
  CompareToRef(TestModel("lif"), 12, 90, 16, 3, 0, PETSC_FALSE);
  CompareToRef(TestModel("lif"), 37, 60, 5, 5, 0, PETSC_FALSE);
  CompareToRef(TestModel("lif"), 37, 60, 5, 4, 7, PETSC_FALSE);
  CompareToRef(TestModel("lif"), 20, 50, 3, 3, 0, PETSC_TRUE);
  CompareToRef(TestModel("slif"), 15, 50, 4, 3, 0, PETSC_FALSE);
  CompareToRefForced(TestModel("slif"), 15, 50, 4, 4, 9, PETSC_FALSE, 10);
  case_latent_tau = 0;
}

/* Checkpointed recomputation: the same bits as the full tape for every stride. */
static void test_tape_stride_bitwise(void **st)
{
  const PetscInt strides[] = {1, 2, 7, 10, 11, 63, 99, 100, 250};
  Case           c;
  PetscInt       P, n = 23, T = 100, nb = 5;
  double        *y0, *y1, *g0, *g1;
  (void)st;
  openblas_set_num_threads(1);
  for (int prec = SIM_DOUBLE; prec <= SIM_SINGLE; prec++) {
    CaseSetup(&c, TestModel("lif"), n, T, nb, 3, PETSC_FALSE);
    P  = c.layout->total;
    y0 = malloc(sizeof(double) * nb * T * n);
    y1 = malloc(sizeof(double) * nb * T * n);
    g0 = calloc(P, sizeof(double));
    g1 = malloc(sizeof(double) * P);
    RunBatch(&c, 8, 0, (SimPrecision)prec, y0, NULL, g0);
    for (size_t k = 0; k < sizeof(strides) / sizeof(strides[0]); k++) {
      PetscArrayzero(g1, P);
      RunBatch(&c, 8, strides[k], (SimPrecision)prec, y1, NULL, g1);
      assert_memory_equal(y0, y1, sizeof(double) * nb * T * n);
      assert_memory_equal(g0, g1, sizeof(double) * P);
    }
    free(y0);
    free(y1);
    free(g0);
    free(g1);
    CaseDestroy(&c);
  }
}

/* Batches are independent of each other: a window's result does not depend on its
 * companions (forward outputs bitwise; this is what lets any thread compute any batch). */
static void test_batch_repeatable(void **st)
{
  Case     c;
  PetscInt P, n = 40, T = 60, nb = 6;
  double  *y0, *y1, *g0, *g1;
  (void)st;
  openblas_set_num_threads(1);
  CaseSetup(&c, TestModel("lif"), n, T, nb, 5, PETSC_FALSE);
  P  = c.layout->total;
  y0 = malloc(sizeof(double) * nb * T * n);
  y1 = malloc(sizeof(double) * nb * T * n);
  g0 = calloc(P, sizeof(double));
  g1 = calloc(P, sizeof(double));
  RunBatch(&c, 16, 0, SIM_DOUBLE, y0, NULL, g0);
  RunBatch(&c, 16, 0, SIM_DOUBLE, y1, NULL, g1);
  assert_memory_equal(y0, y1, sizeof(double) * nb * T * n);
  assert_memory_equal(g0, g1, sizeof(double) * P);
  free(y0);
  free(y1);
  free(g0);
  free(g1);
  CaseDestroy(&c);
}

/* The small products (registers over padded rows) against the reference loops, bit for bit,
 * for every n below SIM_SMALL_N, with zeros in the skipped operand. */
static void test_small_products_bitwise(void **st)
{
  (void)st;
  for (PetscInt n = 1; n < SIM_SMALL_N; n++) {
    const PetscInt nb = 5, rows = 37, np = SIM_SMALL_PAD(n);
    double *A = malloc(sizeof(double) * rows * 2 * n), *M = malloc(sizeof(double) * n * n),
           *Mp = malloc(sizeof(double) * n * np), *o0 = malloc(sizeof(double) * nb * 2 * n),
           *o1 = malloc(sizeof(double) * nb * 2 * n), *L = calloc((size_t)rows * n + np, sizeof(double)),
           *g0 = malloc(sizeof(double) * n * n), *g1 = malloc(sizeof(double) * n * n);
    for (PetscInt k = 0; k < rows * 2 * n; k++) {
      double u = RngUniform(3, 1, (uint32_t)n, (uint32_t)k, 0);
      A[k]     = u < 0.3 ? 0.0 : u - 0.6;
    }
    for (PetscInt k = 0; k < n * n; k++) M[k] = g0[k] = g1[k] = RngUniform(3, 2, (uint32_t)n, (uint32_t)k, 0) - 0.5;
    for (PetscInt k = 0; k < rows * n; k++) L[k] = RngUniform(3, 3, (uint32_t)n, (uint32_t)k, 0) - 0.5;
    for (PetscInt k = 0; k < nb * 2 * n; k++) o0[k] = o1[k] = 0.1 * (double)k;
    SimPadRows(n, M, Mp);
    SimRowsTimes_ref(n, nb, A, 2 * n, M, o0, 2 * n);
    SimRowsTimesSmall(n, nb, A, 2 * n, Mp, o1, 2 * n);
    assert_memory_equal(o0, o1, sizeof(double) * nb * 2 * n);
    SimOuterAccumulate_ref(n, rows, A, 2 * n, L, n, g0);
    SimOuterAccumulateSmall(n, rows, A, 2 * n, L, n, g1);
    assert_memory_equal(g0, g1, sizeof(double) * n * n);
    free(A);
    free(M);
    free(Mp);
    free(o0);
    free(o1);
    free(L);
    free(g0);
    free(g1);
  }
}

/* Single-precision products: close to double (the measured error is in bench/RESULTS.md). */
static void test_single_precision(void **st)
{
  Case     c;
  PetscInt P, n = 60, T = 80, nb = 4;
  double  *y0, *y1, *g0, *g1, ey, eg;
  (void)st;
  openblas_set_num_threads(1);
  CaseSetup(&c, TestModel("lif"), n, T, nb, 8, PETSC_FALSE);
  P  = c.layout->total;
  y0 = malloc(sizeof(double) * nb * T * n);
  y1 = malloc(sizeof(double) * nb * T * n);
  g0 = calloc(P, sizeof(double));
  g1 = calloc(P, sizeof(double));
  RunBatch(&c, 4, 0, SIM_DOUBLE, y0, NULL, g0);
  RunBatch(&c, 4, 0, SIM_SINGLE, y1, NULL, g1);
  ey = MaxRel(y1, y0, (size_t)nb * T * n, 1e-3);
  eg = MaxRel(g1, g0, P, 1e-3);
  print_message("single vs double: output %.3g, gradient %.3g (relative, floor 1e-3 of the max)\n", ey, eg);
  assert_true(ey < 1e-3);
  assert_true(eg < 1e-2);
  free(y0);
  free(y1);
  free(g0);
  free(g1);
  CaseDestroy(&c);
}

static void test_batch_errors(void **st)
{
  Case      c;
  SimBatch *bt = NULL;
  (void)st;
  CaseSetup(&c, TestModel("lif"), 5, 10, 1, 1, PETSC_FALSE);
  TestQuietErrors(PETSC_TRUE);
  assert_true(SimBatchCreate(&c.sim, 0, 0, SIM_DOUBLE, &bt) != 0);
  assert_true(SimBatchCreate(&c.sim, 2, -1, SIM_DOUBLE, &bt) != 0);
  TestQuietErrors(PETSC_FALSE);
  assert_int_equal(0, SimBatchCreate(&c.sim, 2, 3, SIM_DOUBLE, &bt));
  assert_int_equal(4, bt->nseg);
  assert_true(SimBatchTapeBytes(&c.sim, 3, SIM_DOUBLE) < SimBatchTapeBytes(&c.sim, 0, SIM_DOUBLE));
  SimBatchDestroy(&bt);
  CaseDestroy(&c);
}

/* A batch of one window is the one-window kernels: the reference loops (use_ref, -sim_ref)
 * give SimForward/SimBackward's outputs, states and gradient bit for bit (dW in one chunk),
 * and the BLAS forward its outputs (DGEMV and the small loops: the validation loss's bits). */
static void test_batch_of_one_bitwise(void **st)
{
  const PetscInt ns[] = {12, 40};
  (void)st;
  openblas_set_num_threads(1);
  for (size_t k = 0; k < sizeof(ns) / sizeof(ns[0]); k++) {
    Case     c;
    PetscInt n = ns[k], T = 80, P, nst;
    double  *y0, *y1, *s0, *s1, *g0, *g1;
    SimWork *w;
    CaseSetup(&c, TestModel("lif"), n, T, 1, 11, PETSC_FALSE);
    P   = c.layout->total;
    nst = (T + 1) * c.model->nstate * n;
    y0  = malloc(sizeof(double) * T * n);
    y1  = malloc(sizeof(double) * T * n);
    s0  = malloc(sizeof(double) * nst);
    s1  = malloc(sizeof(double) * nst);
    g0  = calloc(P, sizeof(double));
    g1  = calloc(P, sizeof(double));
    RunRef(&c, y0, s0, g0);
    c.sim.use_ref = PETSC_TRUE;
    RunBatch(&c, 1, 0, SIM_DOUBLE, y1, s1, g1);
    c.sim.use_ref = PETSC_FALSE;
    assert_memory_equal(y0, y1, sizeof(double) * T * n);
    assert_memory_equal(s0, s1, sizeof(double) * nst);
    assert_memory_equal(g0, g1, sizeof(double) * P);
    assert_int_equal(0, SimWorkCreate(&c.sim, &w));
    w->window = 100;
    memcpy(w->x, c.x, sizeof(double) * T * n);
    SimForward(&c.sim, c.theta, w);
    PetscArrayzero(g1, P);
    RunBatch(&c, 1, 0, SIM_DOUBLE, y1, NULL, g1);
    assert_memory_equal(w->y, y1, sizeof(double) * T * n);
    SimWorkDestroy(&w);
    free(y0);
    free(y1);
    free(s0);
    free(s1);
    free(g0);
    free(g1);
    CaseDestroy(&c);
  }
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_batch_matches_ref),   cmocka_unit_test(test_batch_every_model),
    cmocka_unit_test(test_tape_stride_bitwise), cmocka_unit_test(test_batch_repeatable),
    cmocka_unit_test(test_single_precision),    cmocka_unit_test(test_batch_errors),
    cmocka_unit_test(test_batch_of_one_bitwise),
    cmocka_unit_test(test_batch_latent),
    cmocka_unit_test(test_small_products_bitwise),
};
TEST_MAIN(tests)
