/* BPTT gradients of every parameter block against central finite differences, for every
 * loss (SCIENCE.md section 2: at points where the hard spikes do not change). */
#include "testutil.h"
#include "loss.h"
#include "sim.h"
#include "rng.h"
#include <math.h>

#ifndef FD_STEP
  #define FD_STEP 1e-3
#endif

typedef struct {
  SimSetup     sim;
  ParamLayout *layout;
  ModelConfig  cfg;
  LossConfig   lcfg;
  double       progress;
  PetscInt     n, T;
  double      *x0, *s, *theta;
  SimWork     *w;
} Problem;

static double latent_tau; /* the problems' -model_latent_tau (0: none) */

static void ProblemSetup(Problem *p, LossKind kind, PetscInt n, PetscInt T, uint64_t seed, PetscBool dale)
{
  PetscInt exc[16];
  p->n    = n;
  p->T    = T;
  p->cfg  = (ModelConfig){.theta = 30, .input_gain = 0.9, .dt = 1.0, .hard_output = PETSC_FALSE, .dale = dale,
                          .latent_tau = latent_tau};
  p->lcfg = (LossConfig){.kind = kind, .vr_tau = 20, .dt = 1.0, .weights = {0.3, 0.5, 0.7, 1.1, 0}, .sm_bin_ms = 20};
  p->progress = 0.3;
  for (PetscInt i = 0; i < n; i++) exc[i] = i < (2 * n) / 3;
  assert_int_equal(0, ModelLayoutCreate(TestModel("lif"), &p->cfg, n, exc, &p->layout));
  assert_int_equal(0, SimSetupInit(&p->sim, TestModel("lif"), &p->cfg, p->layout, T));
  assert_int_equal(0, SimWorkCreate(&p->sim, &p->w));
  p->theta = malloc(sizeof(double) * p->layout->total);
  p->x0    = malloc(sizeof(double) * n * T);
  p->s     = malloc(sizeof(double) * n * T);
  ParamsDrawInitial(p->layout, seed, p->theta);
  p->theta[p->sim.offRp] = 60.0; /* enough input that every neuron spikes and resets */
  if (p->sim.offLat >= 0) /* loadings of both signs, large enough to move the potentials */
    for (PetscInt j = 0; j < n; j++) p->theta[p->sim.offLat + j] = 0.05 * (j % 2 ? -1.0 : 1.0) * (1.0 + 0.3 * j);
  p->w->window = 3; /* the latent input's key */
  SimDrawInput(seed, 7, 0, n, T, p->theta[p->sim.offRp], 1.0, p->x0);
  for (PetscInt k = 0; k < n * T; k++) p->s[k] = RngUniform(seed, 9, 0, (uint32_t)k, 0) < 0.05;
}

static void ProblemDestroy(Problem *p)
{
  SimWorkDestroy(&p->w);
  ParamLayoutDestroy(&p->layout);
  free(p->theta);
  free(p->x0);
  free(p->s);
}

/* Loss at theta; the input follows r_p pathwise (x = x0 + (r_p - r_p0) dt/1000). Returns
 * the hard spike count pattern hash so callers can check z did not change. */
static double LossAt(Problem *p, const double *theta, double rp0, double *zsum)
{
  LossValue v;
  double    shift = (theta[p->sim.offRp] - rp0) * p->cfg.dt / 1000.0;
  for (PetscInt k = 0; k < p->n * p->T; k++) p->w->x[k] = p->x0[k] + shift;
  SimForward(&p->sim, theta, p->w);
  LossEvaluate(&p->lcfg, p->progress, p->n, p->T, p->w->y, p->s, p->w->dy, p->w->scratch, &v);
  if (zsum) {
    double *z = malloc(sizeof(double) * p->n * p->T), acc = 0;
    SimHardSpikes(&p->sim, p->w, z);
    for (PetscInt k = 0; k < p->n * p->T; k++) acc += z[k] * (double)(k + 1);
    *zsum = acc;
    free(z);
  }
  return v.total;
}

static void CheckGradientTol(LossKind kind, PetscBool use_ref, PetscBool dale, double tol)
{
  Problem  p;
  double  *grad, *th, rp0, zbase, gmax = 0, worst = 0, spikes = 0;
  PetscInt checked = 0;

  ProblemSetup(&p, kind, 6, 80, 11, dale);
  p.sim.use_ref = use_ref;
  grad          = calloc(p.layout->total, sizeof(double));
  th            = malloc(sizeof(double) * p.layout->total);
  rp0           = p.theta[p.sim.offRp];
  LossAt(&p, p.theta, rp0, &zbase);
  {
    double *z = malloc(sizeof(double) * p.n * p.T);
    SimHardSpikes(&p.sim, p.w, z);
    for (PetscInt k = 0; k < p.n * p.T; k++) spikes += z[k];
    free(z);
  }
  assert_true(spikes >= 6); /* resets are exercised */
  SimBackward(&p.sim, p.theta, p.w, grad);
  for (PetscInt k = 0; k < p.layout->total; k++) gmax = fmax(gmax, fabs(grad[k]));
  for (PetscInt k = 0; k < p.layout->total; k++) {
    double h = FD_STEP * fmax(1.0, fabs(p.theta[k])), d[2], fd, rel;
    if (p.layout->lo[k] == p.layout->hi[k]) continue; /* the fixed diagonal */
    memcpy(th, p.theta, sizeof(double) * p.layout->total);
    /* central differences at h and h/2, Richardson-extrapolated: O(h^4) truncation, so h
     * can be large enough that rounding in the loss stays far below the tolerance */
    for (int r = 0; r < 2; r++) {
      double hr = r ? h / 2 : h, lp, lm, zp, zm;
      th[k]     = p.theta[k] + hr;
      lp        = LossAt(&p, th, rp0, &zp);
      th[k]     = p.theta[k] - hr;
      lm        = LossAt(&p, th, rp0, &zm);
      assert_true(zp == zbase && zm == zbase); /* z locally constant: the FD rule applies */
      d[r] = (lp - lm) / (2 * hr);
    }
    fd  = (4 * d[1] - d[0]) / 3;
    rel = fabs(fd - grad[k]) / fmax(fmax(fabs(fd), fabs(grad[k])), 1e-6 * gmax);
    if (rel > worst) worst = rel;
    if (rel > tol) print_error("param %d: bptt %.12g fd %.12g rel %.3g\n", (int)k, grad[k], fd, rel);
    assert_true(rel <= tol);
    checked++;
  }
  assert_true(checked == p.layout->total - p.n);
  free(grad);
  free(th);
  ProblemDestroy(&p);
}

/* The latent input's loadings (and every other block with it) against finite differences,
 * with the plain and the BLAS kernels. */
static void test_grad_latent(void **s)
{
  (void)s;
  latent_tau = 30;
  CheckGradientTol(LOSS_FRD, PETSC_FALSE, PETSC_TRUE, 1e-5);
  CheckGradientTol(LOSS_VRD, PETSC_TRUE, PETSC_FALSE, 1e-5);
  latent_tau = 0;
}

static void CheckGradient(LossKind kind, PetscBool use_ref, PetscBool dale)
{
  CheckGradientTol(kind, use_ref, dale, 1e-6);
}

static void test_grad_frd(void **s)
{
  (void)s;
  CheckGradient(LOSS_FRD, PETSC_FALSE, PETSC_TRUE);
}
static void test_grad_vrd(void **s)
{
  (void)s;
  CheckGradient(LOSS_VRD, PETSC_FALSE, PETSC_TRUE);
}
static void test_grad_mix(void **s)
{
  (void)s;
  CheckGradient(LOSS_MIX, PETSC_FALSE, PETSC_TRUE);
}
static void test_grad_adaptive(void **s)
{
  (void)s;
  CheckGradient(LOSS_ADAPTIVE, PETSC_FALSE, PETSC_TRUE);
}
/* dL/dy of every loss against finite differences in y, at outputs away from 0 and 1 where
 * the likelihoods are well conditioned. Through the network, the likelihoods' gradients are
 * checked exactly (complex step) by tests/python/check_gradient.py in e2e_gradient_check_python:
 * finite differences of a network whose outputs saturate (p ~ 1e-9 inside log) cannot
 * resolve them to 1e-6. */
static void test_loss_dy(void **st)
{
  const PetscInt n = 3, T = 30;
  double         y[90], s[90], dy[90], scratch[90], yp[90];
  (void)st;
  for (PetscInt k = 0; k < n * T; k++) {
    y[k] = 0.05 + 0.9 * RngUniform(2, 3, 0, (uint32_t)k, 0);
    s[k] = RngUniform(2, 4, 0, (uint32_t)k, 0) < 0.3;
  }
  for (int kind = LOSS_FRD; kind <= LOSS_WEIGHTED; kind++) {
    LossConfig c = {.kind = (LossKind)kind, .vr_tau = 20, .dt = 1.0, .weights = {0.3, 0.5, 0.7, 1.1}};
    LossValue  v;
    LossEvaluate(&c, 0.4, n, T, y, s, dy, scratch, &v);
    for (PetscInt k = 0; k < n * T; k++) {
      double d[2], fd;
      for (int r = 0; r < 2; r++) {
        double h = r ? 5e-5 : 1e-4, lp, lm;
        memcpy(yp, y, sizeof(y));
        yp[k] = y[k] + h;
        LossEvaluate(&c, 0.4, n, T, yp, s, NULL, scratch, &v);
        lp    = v.total;
        yp[k] = y[k] - h;
        LossEvaluate(&c, 0.4, n, T, yp, s, NULL, scratch, &v);
        lm   = v.total;
        d[r] = (lp - lm) / (2 * h);
      }
      fd = (4 * d[1] - d[0]) / 3;
      if (TestRelDiff(fd, dy[k], 1e-6) > 1e-6)
        print_error("%s: y[%d]: analytic %.12g fd %.12g\n", LossKinds[kind], (int)k, dy[k], fd);
      assert_true(TestRelDiff(fd, dy[k], 1e-6) <= 1e-6);
    }
  }
}
static void test_grad_ref_kernels(void **s)
{
  (void)s;
  CheckGradient(LOSS_MIX, PETSC_TRUE, PETSC_FALSE);
}

/* The fast backward pass equals the plain reference one. */
/* bnll and pnll against hand values on a 1-neuron, 2-step window. */
static void test_likelihood_values(void **st)
{
  LossConfig c    = {.kind = LOSS_BNLL, .vr_tau = 20, .dt = 1.0};
  double     y[2] = {0.25, 0.5}, s[2] = {1, 0}, dy[2], scratch[2], e = 1e-9;
  double     p0 = e + (1 - 2 * e) * 0.25, p1 = e + (1 - 2 * e) * 0.5;
  LossValue  v;
  (void)st;
  LossEvaluate(&c, 0, 1, 2, y, s, dy, scratch, &v);
  assert_true(fabs(v.total - (-log(p0) - log(1 - p1))) < 1e-12);
  assert_true(fabs(dy[0] - (-(1 - 2 * e) / p0)) < 1e-9 && fabs(dy[1] - (1 - 2 * e) / (1 - p1)) < 1e-9);
  c.kind = LOSS_PNLL;
  LossEvaluate(&c, 0, 1, 2, y, s, dy, scratch, &v);
  assert_true(fabs(v.total - (0.25 + e - log(0.25 + e) + 0.5 + e)) < 1e-12);
  assert_true(fabs(dy[0] - (1 - 1 / (0.25 + e))) < 1e-9 && fabs(dy[1] - 1) < 1e-12);
}

static void test_backward_matches_ref(void **st)
{
  Problem p;
  double *g1, *g2;
  (void)st;
  ProblemSetup(&p, LOSS_VRD, 9, 120, 5, PETSC_FALSE);
  g1            = calloc(p.layout->total, sizeof(double));
  g2            = calloc(p.layout->total, sizeof(double));
  p.sim.use_ref = PETSC_FALSE;
  LossAt(&p, p.theta, p.theta[p.sim.offRp], NULL);
  SimBackward(&p.sim, p.theta, p.w, g1);
  p.sim.use_ref = PETSC_TRUE;
  LossAt(&p, p.theta, p.theta[p.sim.offRp], NULL);
  SimBackward(&p.sim, p.theta, p.w, g2);
  for (PetscInt k = 0; k < p.layout->total; k++)
    assert_true(TestRelDiff(g1[k], g2[k], 1e-300) <= 1e-12 || fabs(g1[k] - g2[k]) < 1e-14);
  free(g1);
  free(g2);
  ProblemDestroy(&p);
}

/* Loss values against the plain definitions. */
static void test_loss_values(void **st)
{
  Problem p;
  (void)st;
  for (int kind = LOSS_FRD; kind <= LOSS_PNLL; kind++) {
    LossValue v;
    ProblemSetup(&p, (LossKind)kind, 5, 50, 3, PETSC_TRUE);
    LossAt(&p, p.theta, p.theta[p.sim.offRp], NULL);
    LossEvaluate(&p.lcfg, p.progress, p.n, p.T, p.w->y, p.s, NULL, p.w->scratch, &v);
    assert_true(TestRelDiff(v.total, LossValue_ref(&p.lcfg, p.progress, p.n, p.T, p.w->y, p.s), 1e-300) < 1e-12);
    ProblemDestroy(&p);
  }
}

/* frd of identical trains is sqrt(1e-12) per neuron divided by the window in seconds. */
static void test_loss_identical(void **st)
{
  LossConfig c     = {.kind = LOSS_FRD, .vr_tau = 20, .dt = 1.0};
  double     y[40] = {0}, scratch[40];
  LossValue  v;
  (void)st;
  y[3] = y[17] = 1;
  LossEvaluate(&c, 0, 2, 20, y, y, NULL, scratch, &v);
  assert_true(fabs(v.total - 2 * 1e-6 / 0.02) < 1e-15);
  c.kind = LOSS_VRD;
  LossEvaluate(&c, 0, 2, 20, y, y, NULL, scratch, &v);
  assert_true(fabs(v.total - 1e-6) < 1e-15);
}

/* sm (window-coupled) plus per-window distances on the first nrec of n neurons (the rest
 * hidden), through the network over K windows, against Richardson-extrapolated central
 * differences: every parameter, the hidden neurons' included. */
static double SMLossAt(Problem *p, const double *theta, PetscInt K, PetscInt nrec, double *xs, double *ss, double *ys,
                       double *grad)
{
  PetscInt     n = p->n, T = p->T;
  LossSMShape  sh;
  LossSMStats *st;
  double      *sums, total = 0, *work = malloc(sizeof(double) * 3 * T * nrec);
  LossValue    v;

  assert_int_equal(0, LossSMShapeInit(&p->lcfg, nrec, n - nrec, T, &sh));
  assert_int_equal(0, LossSMStatsCreate(&sh, &st));
  sums = calloc((size_t)sh.len, sizeof(double));
  for (PetscInt w = 0; w < K; w++) {
    memcpy(p->w->x, xs + w * n * T, sizeof(double) * n * T);
    SimForward(&p->sim, theta, p->w);
    memcpy(ys + w * n * T, p->w->y, sizeof(double) * n * T);
    LossSMAccumulate(&sh, n, T, p->w->y, ss + w * nrec * T, sums);
  }
  LossSMFinish(st, K, sums);
  assert_true(TestRelDiff(st->value, LossSM_ref(&p->lcfg, nrec, n - nrec, T, K, ys, ss), 1e-300) < 1e-10);
  total = 0.7 * st->value;
  for (PetscInt w = 0; w < K; w++) {
    memcpy(p->w->x, xs + w * n * T, sizeof(double) * n * T);
    SimForward(&p->sim, theta, p->w);
    LossEvaluateColumns(&p->lcfg, 0.0, nrec, n, T, p->w->y, ss + w * nrec * T, p->w->dy, work, &v);
    total += v.total;
    if (grad) {
      LossSMGradient(st, n, T, p->w->y, 0.7, p->w->dy, work);
      /* hidden: only sm's rate term reaches them */
      for (PetscInt k = nrec; k < n; k++) assert_true((p->w->dy[k] != 0) == (p->lcfg.sm_hidden_weight != 0));
      SimBackward(&p->sim, theta, p->w, grad);
    }
  }
  free(sums);
  free(work);
  LossSMStatsDestroy(&st);
  return total;
}

static void GradSMHidden(PetscBool pooled)
{
  Problem  p;
  PetscInt K = 3, nrec = 4, n = 6, T = 80;
  double  *xs, *ss, *ys, *grad, *th, gmax = 0, worst = 0, hidden_max = 0;
  ProblemSetup(&p, LOSS_WEIGHTED, n, T, 13, PETSC_TRUE);
  p.lcfg.sm_pool                 = pooled;
  p.lcfg.weights[LOSS_TERM_FRD]  = 0.3;
  p.lcfg.weights[LOSS_TERM_VRD]  = 0.5;
  p.lcfg.weights[LOSS_TERM_BNLL] = 0;
  p.lcfg.weights[LOSS_TERM_PNLL] = 0;
  p.lcfg.weights[LOSS_TERM_SM]   = 0.7;
  p.lcfg.sm_bin_ms               = 10;
  p.lcfg.sm_lags                 = 2;
  p.lcfg.sm_hidden_rate          = -1; /* the hidden neurons' rate pulled to the recorded mean */
  p.lcfg.sm_hidden_weight        = 1.3;
  xs                             = malloc(sizeof(double) * K * n * T);
  ss                             = malloc(sizeof(double) * K * nrec * T);
  ys                             = malloc(sizeof(double) * K * n * T);
  for (PetscInt w = 0; w < K; w++) SimDrawInput(13, 7, w, n, T, p.theta[p.sim.offRp], 1.0, xs + w * n * T);
  for (PetscInt k = 0; k < K * nrec * T; k++) ss[k] = RngUniform(13, 9, 0, (uint32_t)k, 0) < 0.05;
  grad = calloc(p.layout->total, sizeof(double));
  th   = malloc(sizeof(double) * p.layout->total);
  SMLossAt(&p, p.theta, K, nrec, xs, ss, ys, grad);
  for (PetscInt k = 0; k < p.layout->total; k++) gmax = fmax(gmax, fabs(grad[k]));
  for (PetscInt k = 0; k < p.layout->total; k++) {
    double h = FD_STEP * fmax(1.0, fabs(p.theta[k])), d[2], fd, rel;
    if (p.layout->lo[k] == p.layout->hi[k] || k == p.sim.offRp)
      continue; /* fixed diagonal; r_p enters through x, held here */
    memcpy(th, p.theta, sizeof(double) * p.layout->total);
    for (int r = 0; r < 2; r++) {
      double hr = r ? h / 2 : h;
      th[k]     = p.theta[k] + hr;
      double lp = SMLossAt(&p, th, K, nrec, xs, ss, ys, NULL);
      th[k]     = p.theta[k] - hr;
      double lm = SMLossAt(&p, th, K, nrec, xs, ss, ys, NULL);
      d[r]      = (lp - lm) / (2 * hr);
    }
    fd    = (4 * d[1] - d[0]) / 3;
    rel   = fabs(fd - grad[k]) / fmax(fmax(fabs(fd), fabs(grad[k])), 1e-6 * gmax);
    worst = fmax(worst, rel);
    if (rel > 1e-6) print_error("sm+hidden param %d: bptt %.12g fd %.12g rel %.3g\n", (int)k, grad[k], fd, rel);
    assert_true(rel <= 1e-6);
  }
  /* the hidden neurons' parameters do get gradients (through the recorded ones) */
  {
    const ParamBlock *W = ParamLayoutBlock(p.layout, "W");
    for (PetscInt i = nrec; i < n; i++)
      for (PetscInt j = 0; j < nrec; j++) hidden_max = fmax(hidden_max, fabs(grad[W->offset + i * n + j]));
  }
  assert_true(hidden_max > 0);
  free(xs);
  free(ss);
  free(ys);
  free(grad);
  free(th);
  ProblemDestroy(&p);
}

static void test_grad_sm_hidden(void **state)
{
  (void)state;
  GradSMHidden(PETSC_FALSE);
}

/* the pooled (stationary) statistics: the same check */
static void test_grad_sm_pooled(void **state)
{
  (void)state;
  GradSMHidden(PETSC_TRUE);
}

/* sm against its plain definition and the exact-statistics split: K windows at once. */
static void SMValue(PetscBool pooled)
{
  LossConfig   c = {.kind = LOSS_SM, .vr_tau = 20, .dt = 1.0, .sm_bin_ms = 5, .sm_lags = 1, .sm_pool = pooled};
  PetscInt     n = 3, T = 40, K = 4;
  double       y[480], s[480], *sums;
  LossSMShape  sh;
  LossSMStats *st;
  for (PetscInt k = 0; k < K * T * n; k++) {
    y[k] = RngUniform(4, 1, 0, (uint32_t)k, 0) * 0.2;
    s[k] = RngUniform(4, 2, 0, (uint32_t)k, 0) < 0.1;
  }
  assert_int_equal(0, LossSMShapeInit(&c, n, 0, T, &sh));
  assert_int_equal(0, LossSMStatsCreate(&sh, &st));
  sums = calloc((size_t)sh.len, sizeof(double));
  for (PetscInt w = 0; w < K; w++) LossSMAccumulate(&sh, n, T, y + w * T * n, s + w * T * n, sums);
  LossSMFinish(st, K, sums);
  assert_true(st->value > 0);
  assert_true(TestRelDiff(st->value, LossSM_ref(&c, n, 0, T, K, y, s), 1e-300) < 1e-10);
  /* identical statistics: 0 */
  assert_true(LossSM_ref(&c, n, 0, T, K, s, s) == 0);
  free(sums);
  LossSMStatsDestroy(&st);
}

static void test_sm_value(void **state)
{
  (void)state;
  SMValue(PETSC_FALSE);
}

/* pooled: against its plain definition; and it ignores where in the window a spike falls,
 * which the PSTH does not: the target's windows rotated by one bin give the same pooled mean
 * (only the lagged products at the wrap change), a different PSTH term */
static void test_sm_pooled_value(void **state)
{
  LossConfig c = {.kind = LOSS_SM, .vr_tau = 20, .dt = 1.0, .sm_bin_ms = 5, .sm_lags = 0};
  PetscInt   n = 3, T = 40, K = 4;
  double     y[480], s[480], r[480];
  (void)state;
  SMValue(PETSC_TRUE);
  for (PetscInt k = 0; k < K * T * n; k++) s[k] = RngUniform(4, 2, 0, (uint32_t)k, 0) < 0.1;
  for (PetscInt w = 0; w < K; w++) /* each window's bins rotated by one bin (5 steps) */
    for (PetscInt t = 0; t < T; t++)
      for (PetscInt i = 0; i < n; i++) r[(w * T + t) * n + i] = s[(w * T + (t + 5) % T) * n + i];
  memcpy(y, s, sizeof(y));
  assert_true(LossSM_ref(&c, n, 0, T, K, r, s) > 0); /* the PSTH sees the shift */
  c.sm_pool = PETSC_TRUE;
  assert_true(fabs(LossSM_ref(&c, n, 0, T, K, r, y)) < 1e-12); /* lag 0, whole bins: the same samples */
}

/* sm's hidden-rate term: hidden neurons firing y = v per step have r_h = v * bin counts per
 * bin; at -loss_sm_hidden_rate equal to that the term is 0, off by d counts per bin it adds
 * K w_h nh d^2; with rate -1 the target is the recorded neurons' mean (from the plain
 * definition). */
static double SMValueHidden(LossConfig *c, PetscInt n, PetscInt nh, PetscInt T, PetscInt K, const double *y,
                            const double *s)
{
  LossSMShape  sh;
  LossSMStats *st;
  double      *sums, v;
  assert_int_equal(0, LossSMShapeInit(c, n, nh, T, &sh));
  assert_int_equal(0, LossSMStatsCreate(&sh, &st));
  sums = calloc((size_t)sh.len, sizeof(double));
  for (PetscInt w = 0; w < K; w++) LossSMAccumulate(&sh, n + nh, T, y + w * T * (n + nh), s + w * T * n, sums);
  LossSMFinish(st, K, sums);
  v = st->value;
  assert_true(TestRelDiff(v, LossSM_ref(c, n, nh, T, K, y, s), 1e-300) < 1e-10);
  free(sums);
  LossSMStatsDestroy(&st);
  return v;
}

static void test_sm_hidden_rate(void **state)
{
  LossConfig c = {.kind = LOSS_SM, .vr_tau = 20, .dt = 1.0, .sm_bin_ms = 5, .sm_lags = 1, .sm_hidden_weight = 2.0};
  PetscInt   n = 3, nh = 2, T = 40, K = 4;
  double     y0[480], y[800], s[480], v0, v, d = 0.05, vh = 0.02; /* 0.02 per step: 0.1 per 5-step bin, 20 Hz */
  (void)state;
  for (PetscInt k = 0; k < K * T * n; k++) {
    y0[k] = RngUniform(4, 1, 0, (uint32_t)k, 0) * 0.2;
    s[k]  = RngUniform(4, 2, 0, (uint32_t)k, 0) < 0.1;
  }
  for (PetscInt r = 0; r < K * T; r++)
    for (PetscInt j = 0; j < n + nh; j++) y[r * (n + nh) + j] = j < n ? y0[r * n + j] : vh;
  c.sm_hidden_rate = 0; /* nh = 0: the term is absent whatever the rate */
  v0               = SMValueHidden(&c, n, 0, T, K, y0, s);
  c.sm_hidden_rate = 20.0;
  v                = SMValueHidden(&c, n, nh, T, K, y, s);
  assert_true(TestRelDiff(v, v0, 1e-300) < 1e-12);
  c.sm_hidden_rate = 20.0 + d / 5e-3; /* d more counts per bin */
  v                = SMValueHidden(&c, n, nh, T, K, y, s);
  assert_true(TestRelDiff(v - v0, K * 2.0 * nh * d * d, 1e-300) < 1e-9);
  c.sm_hidden_rate = -1; /* the recorded mean: checked against the plain definition inside */
  v                = SMValueHidden(&c, n, nh, T, K, y, s);
  assert_true(v > v0);
  c.sm_hidden_weight = 0; /* off */
  v                  = SMValueHidden(&c, n, nh, T, K, y, s);
  assert_true(TestRelDiff(v, v0, 1e-300) < 1e-12);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_grad_sm_hidden),
    cmocka_unit_test(test_sm_value),
    cmocka_unit_test(test_grad_sm_pooled),
    cmocka_unit_test(test_sm_pooled_value),
    cmocka_unit_test(test_sm_hidden_rate),
    cmocka_unit_test(test_grad_frd),
    cmocka_unit_test(test_grad_latent),
    cmocka_unit_test(test_grad_vrd),
    cmocka_unit_test(test_grad_mix),
    cmocka_unit_test(test_grad_adaptive),
    cmocka_unit_test(test_grad_ref_kernels),
    cmocka_unit_test(test_backward_matches_ref),
    cmocka_unit_test(test_loss_values),
    cmocka_unit_test(test_loss_identical),
    cmocka_unit_test(test_loss_dy),
    cmocka_unit_test(test_likelihood_values),
};
TEST_MAIN(tests)
