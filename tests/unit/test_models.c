/* Every neuron model of the registry (docs/MODELS.md): BPTT gradients of every parameter
 * block against Richardson-extrapolated central differences at points where the hard
 * spikes do not change, BLAS against the reference kernels, the synaptic-current readout,
 * slif's straight-through term and fixed draws, and plausible firing rates from the
 * initial ranges. */
#include "testutil.h"
#include "loss.h"
#include "sim.h"
#include "rng.h"
#include <math.h>

static const NeuronModel *const Models[] = {&ModelLIF, &ModelNLIF, &ModelGLIF, &ModelSLIF, &ModelIzh};
#define NMODELS ((int)(sizeof(Models) / sizeof(Models[0])))

typedef struct {
  const NeuronModel *model;
  SimSetup           sim;
  ParamLayout       *layout;
  ModelConfig        cfg;
  LossConfig         lcfg;
  PetscInt           n, T;
  double            *x0, *s, *theta;
  SimWork           *w;
  const double      *p0;    /* slif relaxed forward: the base point's probabilities, or NULL */
  double            *force; /* teacher forcing: [T][nforce] recorded spikes of neurons 0..nforce-1, or NULL */
  PetscInt           nforce;
} Problem;

static void ProblemSetup(Problem *p, const NeuronModel *m, LossKind kind, PetscInt n, PetscInt T, uint64_t seed,
                         double rp, PetscBool output_current)
{
  PetscInt exc[32];
  p->model  = m;
  p->n      = n;
  p->T      = T;
  p->p0     = NULL;
  p->force  = NULL;
  p->nforce = 0;
  p->cfg    = (ModelConfig){.theta          = 30,
                            .input_gain     = 0.9,
                            .dt             = 1.0,
                            .dale           = PETSC_TRUE,
                            .output_current = output_current,
                            .z_constant     = PETSC_TRUE};
  p->lcfg   = (LossConfig){.kind = kind, .vr_tau = 20, .dt = 1.0};
  for (PetscInt i = 0; i < n; i++) exc[i] = i < (2 * n) / 3;
  assert_int_equal(0, ModelLayoutCreate(m, &p->cfg, n, exc, &p->layout));
  assert_int_equal(0, SimSetupInit(&p->sim, m, &p->cfg, p->layout, T));
  assert_int_equal(0, SimWorkCreate(&p->sim, &p->w));
  p->w->noise_seed = seed + 100;
  p->w->window     = 3;
  p->theta         = malloc(sizeof(double) * p->layout->total);
  p->x0            = malloc(sizeof(double) * n * T);
  p->s             = malloc(sizeof(double) * n * T);
  ParamsDrawInitial(p->layout, seed, p->theta);
  p->theta[p->sim.offRp] = rp;
  SimDrawInput(seed, 7, 0, n, T, rp, 1.0, p->x0);
  for (PetscInt k = 0; k < n * T; k++) p->s[k] = RngUniform(seed, 9, 0, (uint32_t)k, 0) < 0.05;
}

static void ProblemDestroy(Problem *p)
{
  SimWorkDestroy(&p->w);
  ParamLayoutDestroy(&p->layout);
  free(p->theta);
  free(p->x0);
  free(p->s);
  free(p->force);
}

/* Teacher forcing of the first nforce neurons by the target's spikes. */
static void ProblemForce(Problem *p, PetscInt nforce)
{
  p->nforce = nforce;
  p->force  = malloc(sizeof(double) * p->T * nforce);
  for (PetscInt t = 0; t < p->T; t++)
    for (PetscInt j = 0; j < nforce; j++) p->force[t * nforce + j] = p->s[t * p->n + j];
  p->w->force  = p->force;
  p->w->nforce = nforce;
}

/* slif with z relaxed to z + (p - p0): the forward pass whose exact derivative is the
 * straight-through gradient (z keeps its value at the base point, where p = p0). Plain
 * loops around the model's own step. */
static void RelaxedForward(Problem *p, const double *theta)
{
  const PetscInt n = p->n, ns = p->model->nstate, na = p->model->naux;
  const double  *W = theta + p->sim.offW, *E = theta + p->layout->blocks[0].offset;
  const double  *tg = theta + p->layout->blocks[2].offset, *beta = theta + p->layout->blocks[4].offset;
  ModelCtx       ctx;

  assert_string_equal(p->model->name, "slif");
  ModelCtxSetup(&ctx, &p->cfg, p->layout, theta);
  ModelPrepare(p->model, &ctx, p->w->pre);
  ctx.seed   = p->w->noise_seed;
  ctx.stream = p->w->noise_stream;
  ctx.window = p->w->window;
  p->model->init_state(&ctx, p->w->state);
  for (PetscInt t = 0; t < p->T; t++) {
    double *prev = p->w->state + t * ns * n, *next = prev + ns * n, *cur = p->w->cur + t * n,
           *aux = p->w->aux + t * na * n;
    ctx.step    = t;
    ctx.force   = p->force ? p->force + t * p->nforce : NULL;
    ctx.nforce  = p->nforce;
    for (PetscInt j = 0; j < n; j++) {
      cur[j] = p->cfg.input_gain * p->w->x[t * n + j];
      for (PetscInt i = 0; i < n; i++) cur[j] += W[i * n + j] * prev[n + i];
    }
    p->model->step(&ctx, prev, cur, next, aux, p->w->y + t * n);
    for (PetscInt j = p->nforce; j < n; j++) { /* a forced spike is data: not relaxed */
      double u = aux[n + j], pr = 1.0 / (1.0 + exp(-beta[j] * (u - 30.0))), dz = pr - p->p0[t * n + j];
      next[j] += dz * (E[j] - u);
      next[n + j] += dz * (1.0 - prev[n + j] * (1.0 - 1.0 / tg[j]));
    }
  }
}

/* Loss at theta; the input follows r_p pathwise. *zsum hashes the hard spikes. */
static double LossAt(Problem *p, const double *theta, double rp0, double *zsum, double *nspikes)
{
  LossValue v;
  double    shift = (theta[p->sim.offRp] - rp0) * p->cfg.dt / 1000.0;
  for (PetscInt k = 0; k < p->n * p->T; k++) p->w->x[k] = p->x0[k] + shift;
  if (p->p0) RelaxedForward(p, theta);
  else SimForward(&p->sim, theta, p->w);
  LossEvaluate(&p->lcfg, 0.3, p->n, p->T, p->w->y, p->s, p->w->dy, p->w->scratch, &v);
  if (zsum || nspikes) {
    double *z = malloc(sizeof(double) * p->n * p->T), acc = 0, cnt = 0;
    SimHardSpikes(&p->sim, p->w, z);
    for (PetscInt k = 0; k < p->n * p->T; k++) {
      if (k % p->n < p->nforce) continue; /* forced: the recorded spike drives the dynamics */
      acc += z[k] * (double)(k + 1);
      cnt += z[k];
    }
    if (zsum) *zsum = acc;
    if (nspikes) *nspikes = cnt;
    free(z);
  }
  return v.total;
}

typedef struct {
  double   rp;    /* input rate (Hz) of the test point */
  uint64_t seed;  /* a point where no hard spike flips under the perturbations */
  double   h;     /* relative finite-difference step */
  uint64_t lseed; /* the seed for the likelihood losses (their targets follow the output) */
} ModelPoint;

/* Test points (found once, then fixed): the input rate, the seed of the initial draw, input
 * and noise, and the relative step, so that no hard spike flips under any perturbation and
 * the truncation (O(h^6)) and rounding errors both stay below the tolerance. */
static ModelPoint PointFor(const NeuronModel *m)
{
  if (!strcmp(m->name, "nlif")) return (ModelPoint){60, 8, 1e-3, 9};
  if (!strcmp(m->name, "glif")) return (ModelPoint){60, 8, 1e-3, 9};
  if (!strcmp(m->name, "slif")) return (ModelPoint){60, 13, 2e-3, 9};
  if (!strcmp(m->name, "izh")) return (ModelPoint){40, 8, 1e-4, 8}; /* the quadratic potential is stiffer */
  return (ModelPoint){60, 7, 1e-3, 9};
}

/* BPTT against finite differences for every free parameter; returns the worst relative error. */
static double CheckGradientForced(const NeuronModel *m, LossKind kind, PetscBool use_ref, PetscBool output_current,
                                  PetscBool straight_through, PetscInt nforce)
{
  Problem    p;
  ModelPoint pt = PointFor(m);
  if (kind == LOSS_BNLL || kind == LOSS_PNLL) pt.seed = pt.lseed;
  double  *grad, *th, rp0, zbase, gmax = 0, worst = 0, spikes = 0, *p0 = NULL;
  PetscInt checked = 0, bad = 0;

  ProblemSetup(&p, m, kind, 6, 80, pt.seed, pt.rp, output_current);
  if (nforce) ProblemForce(&p, nforce);
  if (kind == LOSS_BNLL || kind == LOSS_PNLL) {
    /* a target spike wherever the output is near 1, and at a third of the steps where it is
     * above 1e-3: log(1 - p) of an output that rounds within 1e-16 of 1 has no digits left,
     * and a spike where p is 1e-9 adds a constant 20.7 to the loss; both would bury the
     * finite differences in rounding (the exact gradient does not care). y[t] depends on
     * the forced spikes before t only, so the target is built step by step. */
    for (PetscInt k = 0; k < p.n * p.T; k++) p.s[k] = 0;
    for (PetscInt t = 0; t < p.T; t++) {
      if (nforce) {
        free(p.force);
        ProblemForce(&p, nforce);
      }
      LossAt(&p, p.theta, p.theta[p.sim.offRp], NULL, NULL);
      for (PetscInt k = t * p.n; k < (t + 1) * p.n; k++)
        p.s[k] = p.w->y[k] > 0.5 || (p.w->y[k] > 1e-3 && RngUniform(pt.seed, 11, 0, (uint32_t)k, 0) < 0.3);
    }
    if (nforce) {
      free(p.force);
      ProblemForce(&p, nforce);
    }
  }
  p.sim.use_ref = use_ref;
  if (straight_through) p.sim.cfg.z_constant = PETSC_FALSE;
  grad = calloc(p.layout->total, sizeof(double));
  th   = malloc(sizeof(double) * p.layout->total);
  rp0  = p.theta[p.sim.offRp];
  LossAt(&p, p.theta, rp0, &zbase, &spikes);
  if (nforce) { /* the forced spikes reset the neurons too */
    for (PetscInt k = 0; k < p.T * nforce; k++) spikes += p.force[k];
  }
  if (spikes < 6) print_error("%s: only %g spikes at the test point\n", m->name, spikes);
  assert_true(spikes >= 6); /* resets are exercised */
  SimBackward(&p.sim, p.theta, p.w, grad);
  if (straight_through) { /* finite differences of the relaxed forward pass */
    p0 = malloc(sizeof(double) * p.n * p.T);
    memcpy(p0, p.w->y, sizeof(double) * p.n * p.T);
    p.p0 = p0;
  }
  for (PetscInt k = 0; k < p.layout->total; k++) gmax = fmax(gmax, fabs(grad[k]));
  assert_true(gmax > 0);
  for (PetscInt k = 0; k < p.layout->total; k++) {
    double h = pt.h * fmax(1.0, fabs(p.theta[k])), d[3], fd, rel;
    if (p.layout->lo[k] == p.layout->hi[k]) continue; /* the fixed diagonal */
    memcpy(th, p.theta, sizeof(double) * p.layout->total);
    /* central differences at h, h/2, h/4, Richardson-extrapolated twice: O(h^6) truncation,
     * so h can be large enough that rounding in the loss stays far below the tolerance */
    for (int r = 0; r < 3; r++) {
      double hr = h / (double)(1 << r), lp, lm, zp, zm;
      th[k]     = p.theta[k] + hr;
      lp        = LossAt(&p, th, rp0, &zp, NULL);
      th[k]     = p.theta[k] - hr;
      lm        = LossAt(&p, th, rp0, &zm, NULL);
      if (!(zp == zbase && zm == zbase)) print_error("%s: param %d flips a hard spike\n", m->name, (int)k);
      assert_true(zp == zbase && zm == zbase); /* z locally constant: the FD rule applies */
      d[r] = (lp - lm) / (2 * hr);
    }
    fd  = (16 * (4 * d[2] - d[1]) / 3 - (4 * d[1] - d[0]) / 3) / 15;
    rel = fabs(fd - grad[k]) / fmax(fmax(fabs(fd), fabs(grad[k])), 1e-6 * gmax);
    if (rel > worst) worst = rel;
    if (rel > 1e-6 && bad++ < 10)
      print_error("%s/%s/forced %d: param %d: bptt %.12g fd %.12g rel %.3g\n", m->name, LossKinds[kind], (int)nforce,
                  (int)k, grad[k], fd, rel);
    checked++;
  }
  assert_true(checked == p.layout->total - p.n);
  assert_true(worst <= 1e-6);
  free(grad);
  free(th);
  free(p0);
  ProblemDestroy(&p);
  return worst;
}

static double CheckGradient(const NeuronModel *m, LossKind kind, PetscBool use_ref, PetscBool output_current,
                            PetscBool straight_through)
{
  return CheckGradientForced(m, kind, use_ref, output_current, straight_through, 0);
}

static void test_grad_frd(void **s)
{
  (void)s;
  for (int k = 0; k < NMODELS; k++) CheckGradient(Models[k], LOSS_FRD, PETSC_FALSE, PETSC_FALSE, PETSC_FALSE);
}
static void test_grad_vrd(void **s)
{
  (void)s;
  for (int k = 0; k < NMODELS; k++) CheckGradient(Models[k], LOSS_VRD, PETSC_FALSE, PETSC_FALSE, PETSC_FALSE);
}
static void test_grad_ref_kernels(void **s)
{
  (void)s;
  for (int k = 0; k < NMODELS; k++) CheckGradient(Models[k], LOSS_MIX, PETSC_TRUE, PETSC_FALSE, PETSC_FALSE);
}
/* y = I (the synaptic-current readout), for every model */
static void test_grad_output_current(void **s)
{
  (void)s;
  for (int k = 0; k < NMODELS; k++) CheckGradient(Models[k], LOSS_VRD, PETSC_FALSE, PETSC_TRUE, PETSC_FALSE);
}
/* slif's straight-through gradient is the exact gradient of z -> z + (p - p0) */
static void test_grad_slif_straight_through(void **s)
{
  (void)s;
  CheckGradient(&ModelSLIF, LOSS_FRD, PETSC_FALSE, PETSC_FALSE, PETSC_TRUE);
  CheckGradient(&ModelSLIF, LOSS_VRD, PETSC_TRUE, PETSC_FALSE, PETSC_TRUE);
}

/* The likelihoods, free-running and teacher-forced (4 of 6 neurons driven by the target's
 * spikes, 2 free): every model, BLAS and reference kernels, and slif's straight-through
 * gradient (which a forced spike does not have). */
static void test_grad_likelihood(void **s)
{
  (void)s;
  for (int k = 0; k < NMODELS; k++) {
    CheckGradientForced(Models[k], LOSS_BNLL, PETSC_FALSE, PETSC_FALSE, PETSC_FALSE, 0);
    CheckGradientForced(Models[k], LOSS_PNLL, PETSC_FALSE, PETSC_FALSE, PETSC_FALSE, 0);
    CheckGradientForced(Models[k], LOSS_BNLL, PETSC_FALSE, PETSC_FALSE, PETSC_FALSE, 4);
    CheckGradientForced(Models[k], LOSS_PNLL, PETSC_TRUE, PETSC_FALSE, PETSC_FALSE, 4);
  }
  CheckGradientForced(&ModelSLIF, LOSS_BNLL, PETSC_FALSE, PETSC_FALSE, PETSC_TRUE, 4);
}

/* Forcing a neuron with its own free-running spikes changes nothing; forcing it with other
 * spikes resets it where they say, and the forced spikes drive the other neurons. */
static void test_forcing_semantics(void **st)
{
  (void)st;
  for (int m = 0; m < NMODELS; m++) {
    Problem  p;
    PetscInt n = 6, T = 150, ns = Models[m]->nstate, syn = Models[m]->syn;
    double  *y0, *st0, *z0, *force, diff = 0;
    ProblemSetup(&p, Models[m], LOSS_BNLL, n, T, 4, 60, PETSC_FALSE);
    memcpy(p.w->x, p.x0, sizeof(double) * n * T);
    y0    = malloc(sizeof(double) * n * T);
    z0    = malloc(sizeof(double) * n * T);
    st0   = malloc(sizeof(double) * (T + 1) * ns * n);
    force = malloc(sizeof(double) * n * T);
    SimForward(&p.sim, p.theta, p.w);
    SimHardSpikes(&p.sim, p.w, z0);
    memcpy(y0, p.w->y, sizeof(double) * n * T);
    memcpy(st0, p.w->state, sizeof(double) * (T + 1) * ns * n);
    p.w->force  = z0; /* all n neurons forced with their own spikes */
    p.w->nforce = n;
    SimForward(&p.sim, p.theta, p.w);
    for (PetscInt k = 0; k < n * T; k++) assert_true(p.w->y[k] == y0[k]);
    for (PetscInt k = 0; k < (T + 1) * ns * n; k++) assert_true(p.w->state[k] == st0[k]);
    /* neuron 0 forced to spike at every 10th step and never else: its synaptic trace is 1
     * exactly there; neuron 1 runs free and sees the forced input */
    for (PetscInt t = 0; t < T; t++) force[t] = t % 10 == 3;
    p.w->force  = force;
    p.w->nforce = 1;
    SimForward(&p.sim, p.theta, p.w);
    for (PetscInt t = 0; t < T; t++) {
      double g = p.w->state[(t + 1) * ns * n + syn * n + 0];
      if (t % 10 == 3) assert_true(g == 1.0);
      else assert_true(g < 1.0);
    }
    for (PetscInt k = 0; k < n * T; k++)
      if (k % n == 1) diff += fabs(p.w->y[k] - y0[k]);
    assert_true(diff > 0);
    free(y0);
    free(z0);
    free(st0);
    free(force);
    ProblemDestroy(&p);
  }
}

/* The fast backward pass equals the plain reference one, for every model. */
static void test_backward_matches_ref(void **st)
{
  (void)st;
  for (int m = 0; m < NMODELS; m++) {
    Problem p;
    double *g1, *g2, *y1;
    ProblemSetup(&p, Models[m], LOSS_VRD, 9, 120, 5, 40, PETSC_FALSE);
    p.sim.cfg.z_constant = PETSC_FALSE;
    g1                   = calloc(p.layout->total, sizeof(double));
    g2                   = calloc(p.layout->total, sizeof(double));
    y1                   = malloc(sizeof(double) * p.n * p.T);
    p.sim.use_ref        = PETSC_FALSE;
    LossAt(&p, p.theta, p.theta[p.sim.offRp], NULL, NULL);
    memcpy(y1, p.w->y, sizeof(double) * p.n * p.T);
    SimBackward(&p.sim, p.theta, p.w, g1);
    p.sim.use_ref = PETSC_TRUE;
    LossAt(&p, p.theta, p.theta[p.sim.offRp], NULL, NULL);
    for (PetscInt k = 0; k < p.n * p.T; k++)
      assert_true(TestRelDiff(y1[k], p.w->y[k], 1e-300) <= 1e-12 || fabs(y1[k] - p.w->y[k]) < 1e-14);
    SimBackward(&p.sim, p.theta, p.w, g2);
    for (PetscInt k = 0; k < p.layout->total; k++)
      assert_true(TestRelDiff(g1[k], g2[k], 1e-300) <= 1e-12 || fabs(g1[k] - g2[k]) < 1e-14);
    free(g1);
    free(g2);
    free(y1);
    ProblemDestroy(&p);
  }
}

/* Every model fires at 0.5-100 Hz from its initial ranges with 10-50 Hz input
 * (12 neurons, 8 excitatory; mean over five initial draws and 4 s each). */
static void test_rates(void **st)
{
  const double rates[] = {10, 30, 50};
  (void)st;
  for (int m = 0; m < NMODELS; m++) {
    for (int r = 0; r < 3; r++) {
      double total = 0, maxrate = 0;
      for (uint64_t seed = 0; seed < 5; seed++) {
        Problem p;
        double *z, cnt = 0;
        ProblemSetup(&p, Models[m], LOSS_FRD, 12, 400, seed, rates[r], PETSC_FALSE);
        z = malloc(sizeof(double) * p.n * p.T);
        for (PetscInt win = 0; win < 10; win++) {
          SimDrawInput(seed, RngStreamId(RNG_STREAM_INPUT, 0), win, p.n, p.T, rates[r], 1.0, p.w->x);
          p.w->window = win;
          SimForward(&p.sim, p.theta, p.w);
          SimHardSpikes(&p.sim, p.w, z);
          for (PetscInt k = 0; k < p.n * p.T; k++) cnt += z[k];
        }
        total += cnt / (p.n * 4.0) / 5.0;
        maxrate = fmax(maxrate, cnt / (p.n * 4.0));
        free(z);
        ProblemDestroy(&p);
      }
      print_message("%-5s r_p %4.0f Hz: mean rate %7.2f Hz (worst initial draw %7.2f Hz)\n", Models[m]->name, rates[r],
                    total, maxrate);
      assert_true(total >= 0.5 && total <= 100);
    }
  }
}

/* slif: the draws are a pure function of (seed, stream, window, neuron, step): the same key
 * gives the same spikes, another window other spikes; the output is p and the spike rule
 * aux0 >= theta is z = [U < p]. */
static void test_slif_draws(void **st)
{
  Problem p;
  double *z1, *z2, *U, diff = 0;
  (void)st;
  ProblemSetup(&p, &ModelSLIF, LOSS_FRD, 6, 200, 3, 60, PETSC_FALSE);
  z1 = malloc(sizeof(double) * p.n * p.T);
  z2 = malloc(sizeof(double) * p.n * p.T);
  U  = malloc(sizeof(double) * p.n * p.T);
  memcpy(p.w->x, p.x0, sizeof(double) * p.n * p.T);
  SimForward(&p.sim, p.theta, p.w);
  SimHardSpikes(&p.sim, p.w, z1);
  for (PetscInt t = 0; t < p.T; t++)
    for (PetscInt j = 0; j < p.n; j++) {
      double u = p.w->aux[(t * 2 + 1) * p.n + j], beta = p.theta[p.layout->blocks[4].offset + j];
      double pr      = 1.0 / (1.0 + exp(-beta * (u - 30.0)));
      U[t * p.n + j] = RngUniform(p.w->noise_seed, p.w->noise_stream, (uint32_t)p.w->window, (uint32_t)j, (uint32_t)t);
      assert_true(fabs(p.w->y[t * p.n + j] - pr) < 1e-15);
      if (fabs(U[t * p.n + j] - pr) > 1e-12) assert_true(z1[t * p.n + j] == (U[t * p.n + j] < pr));
    }
  SimForward(&p.sim, p.theta, p.w);
  SimHardSpikes(&p.sim, p.w, z2);
  for (PetscInt k = 0; k < p.n * p.T; k++) assert_true(z1[k] == z2[k]);
  p.w->window = 4;
  SimForward(&p.sim, p.theta, p.w);
  SimHardSpikes(&p.sim, p.w, z2);
  for (PetscInt k = 0; k < p.n * p.T; k++) diff += fabs(z1[k] - z2[k]);
  assert_true(diff > 0);
  free(z1);
  free(z2);
  free(U);
  ProblemDestroy(&p);
}

/* The readout: y is the total input I = W^T syn_prev + gain x. */
static void test_output_current_values(void **st)
{
  (void)st;
  for (int m = 0; m < NMODELS; m++) {
    Problem p;
    ProblemSetup(&p, Models[m], LOSS_VRD, 5, 60, 2, 40, PETSC_TRUE);
    memcpy(p.w->x, p.x0, sizeof(double) * p.n * p.T);
    SimForward(&p.sim, p.theta, p.w);
    for (PetscInt t = 0; t < p.T; t++)
      for (PetscInt j = 0; j < p.n; j++) {
        const double *syn = p.w->state + t * Models[m]->nstate * p.n + Models[m]->syn * p.n;
        double        cur = 0.9 * p.x0[t * p.n + j];
        for (PetscInt i = 0; i < p.n; i++) cur += p.theta[p.sim.offW + i * p.n + j] * syn[i];
        assert_true(fabs(p.w->y[t * p.n + j] - cur) < 1e-12);
      }
    ProblemDestroy(&p);
  }
}

/* Every registered model is found by name. */
static void test_registry(void **st)
{
  char buf[256];
  (void)st;
  for (int m = 0; m < NMODELS; m++) {
    const NeuronModel *found = NULL;
    assert_int_equal(0, ModelFind(Models[m]->name, &found));
    assert_ptr_equal(found, Models[m]);
  }
  assert_int_equal(0, ModelList(buf, sizeof(buf)));
  assert_string_equal(buf, "lif, nlif, glif, slif, izh");
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_registry),
    cmocka_unit_test(test_grad_frd),
    cmocka_unit_test(test_grad_vrd),
    cmocka_unit_test(test_grad_ref_kernels),
    cmocka_unit_test(test_grad_output_current),
    cmocka_unit_test(test_grad_slif_straight_through),
    cmocka_unit_test(test_backward_matches_ref),
    cmocka_unit_test(test_rates),
    cmocka_unit_test(test_slif_draws),
    cmocka_unit_test(test_output_current_values),
    cmocka_unit_test(test_grad_likelihood),
    cmocka_unit_test(test_forcing_semantics),
};
TEST_MAIN(tests)
