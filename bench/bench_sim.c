/* Benchmark of the simulator kernels: one core (OpenBLAS and OpenMP at one thread), the LIF
 * model, windows of T steps. For each N and B: milliseconds per window for the forward pass,
 * the backward pass and a whole window-iteration (forward, loss, backward); GFLOP/s counting
 * the matrix products (forward 2N^2T, backward 2N^2T for dL/dS and 2N^2T for dW per window);
 * the fraction of the DGEMM rate measured here (1000^3, the same run); the batch's memory; the floor at the batch's
 * shapes (the three products alone, ProductsFloor) and the share of the iteration it is; the model's step and
 * adjoint alone (KernelPass, PASS_BOTH) and the fraction of DGEMM the two floors together allow. B = 0 is the per-window
 * path (SimForward/SimBackward: GEMV per step), the kernels before batching. Below SIM_SMALL_N a second
 * table: the pieces of the default `spikefit fit` iteration of B windows alone and their sum (PaperFloor).
 *
 *   bench_sim [-n 12,200,1000,2000] [-B 0,1,16,64] [-T 400] [-precision double|single]
 *             [-stride K] [-min_time 0.5] [-reps 1] [-rate 10]
 * Times are the fastest repetition (the machine is shared); at least -reps repetitions and
 * -min_time seconds per case.
 */
#include "loss.h"
#include "sim.h"
#include "rng.h"
#include <cblas.h>
#include <math.h>
#include <petsctime.h>
#include <sys/resource.h>

extern void  openblas_set_num_threads(int);
extern char *openblas_get_corename(void);

static double Now(void)
{
  PetscLogDouble t;
  PetscTime(&t);
  return (double)t;
}

static double PeakRSSMiB(void)
{
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_maxrss / 1024.0;
}

/* GFLOP/s of C = A B with square n, double or single. */
static double GemmRate(PetscInt n, PetscBool single)
{
  size_t nn = (size_t)n * n;
  double t0, t, flops = 2.0 * n * n * n;
  int    reps = 0;
  if (single) {
    float *a = malloc(4 * nn), *b = malloc(4 * nn), *c = malloc(4 * nn);
    for (size_t k = 0; k < nn; k++) {
      a[k] = (float)(k % 7) * 0.1f;
      b[k] = (float)(k % 5) * 0.2f;
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)n, (int)n, 1.0f, a, (int)n, b, (int)n, 0.0f, c,
                (int)n);
    t0 = Now();
    do {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)n, (int)n, 1.0f, a, (int)n, b, (int)n, 0.0f,
                  c, (int)n);
      reps++;
    } while ((t = Now() - t0) < 1.0);
    free(a);
    free(b);
    free(c);
  } else {
    double *a = malloc(8 * nn), *b = malloc(8 * nn), *c = malloc(8 * nn);
    for (size_t k = 0; k < nn; k++) {
      a[k] = (double)(k % 7) * 0.1;
      b[k] = (double)(k % 5) * 0.2;
    }
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)n, (int)n, 1.0, a, (int)n, b, (int)n, 0.0, c,
                (int)n);
    t0 = Now();
    do {
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)n, (int)n, 1.0, a, (int)n, b, (int)n, 0.0, c,
                  (int)n);
      reps++;
    } while ((t = Now() - t0) < 1.0);
    free(a);
    free(b);
    free(c);
  }
  return flops * reps / t / 1e9;
}

typedef struct {
  double fwd, bwd, iter; /* ms per window */
  double bytes;          /* simulator memory (tape and workspace), bytes */
  double zero_frac;      /* fraction of syn entries (b, i, t) exactly 0 */
  double active_frac;    /* fraction of presynaptic i with syn != 0 in any window of the batch (mean over t) */
  double gerr;           /* single: max |g - g_double| / max |g_double| over the gradient (NAN for double) */
  double kern;           /* ms per window: the model's step and its adjoint alone (KernelPass, PASS_BOTH) */
  /* below SIM_SMALL_N, ms per B windows: the pieces of the default `spikefit fit` iteration
   * alone (PaperFloor), PAPER_NPIECES of them; paper[0] < 0: not measured */
  double paper[8];
} Timing;

enum { PAPER_INPUTS, PAPER_FWD_SOFT, PAPER_FWD_HARD, PAPER_ADJOINT, PAPER_PRODUCTS, PAPER_LOSS, PAPER_NPIECES };

/* The element-wise floor: ms per window of the model's passes alone, T calls per window on one
 * window's rows, reused every step so that they stay in L1. No products, no tape, no loss, no
 * copies: what the batch's model calls cost once memory is free. The state evolves under the
 * window's own input rows (cur = gain x, no recurrent input); the adjoint runs on the last
 * step's rows with a fixed dL/dnext, so that it never decays into subnormals. PASS_BOTH (the
 * soft forward and the adjoint, one time per repetition) is "model kernels alone"; the others
 * are PaperFloor's pieces (PASS_HARD: a synthetic truth's forward, no soft spike; PASS_ADJOINT:
 * after an untimed forward). */
typedef enum { PASS_SOFT, PASS_HARD, PASS_ADJOINT, PASS_BOTH } KernelPassKind;
static PetscErrorCode KernelPass(const SimSetup *sim, const double *theta, const double *x, PetscInt T,
                                 KernelPassKind pass, double min_time, PetscInt min_reps, double *ms)
{
  const NeuronModel *m = sim->model;
  const PetscInt     n = sim->n, ns = m->nstate * n, na = PetscMax(m->naux, 1) * n, P = sim->layout->total;
  ModelConfig        cfg = sim->cfg;
  ModelCtx           ctx;
  double            *pre, *st0, *st1, *aux, *y, *cur, *dy, *lnext, *lprev, *lI, *grad, best = INFINITY, t0, el = 0;
  int                reps = 0;

  PetscFunctionBeginUser;
  cfg.hard_output = (PetscBool)(pass == PASS_HARD);
  PetscCall(PetscMalloc6(PetscMax(m->npre, 1) * n, &pre, ns, &st0, ns, &st1, na, &aux, n, &y, (size_t)T * n, &cur));
  PetscCall(PetscMalloc5(n, &dy, ns, &lnext, ns, &lprev, n, &lI, P, &grad));
  ModelCtxSetup(&ctx, &cfg, sim->layout, theta);
  ModelPrepare(m, &ctx, pre);
  for (size_t k = 0; k < (size_t)T * n; k++) cur[k] = cfg.input_gain * x[k];
  for (PetscInt k = 0; k < n; k++) dy[k] = 0.01 * (double)(k % 7) - 0.03;
  for (PetscInt k = 0; k < ns; k++) lnext[k] = 0.02 * (double)(k % 5) - 0.04;
  PetscCall(PetscArrayzero(grad, P));
  t0 = Now();
  do {
    double a;
    m->init_state(&ctx, st0);
    a = Now(); /* (for PASS_ADJOINT, taken again after the forward) */
    for (PetscInt t = 0; t < T; t++) {
      double *sw;
      m->step(&ctx, st0, cur + (size_t)t * n, st1, aux, y);
      sw  = st0;
      st0 = st1;
      st1 = sw;
    }
    if (pass == PASS_ADJOINT || pass == PASS_BOTH) {
      if (pass == PASS_ADJOINT) a = Now();
      for (PetscInt t = T - 1; t >= 0; t--)
        m->step_adjoint(&ctx, st1, cur + (size_t)t * n, st0, aux, dy, lnext, lprev, lI, grad);
    }
    best = PetscMin(best, (Now() - a) * 1e3);
    reps++;
    el = Now() - t0;
  } while (reps < min_reps || el < min_time);
  *ms = best;
  PetscCall(PetscFree6(pre, st0, st1, aux, y, cur));
  PetscCall(PetscFree5(dy, lnext, lprev, lI, grad));
  PetscFunctionReturn(0);
}

/* The default `spikefit fit` iteration of a small network (below SIM_SMALL_N: the paper's
 * configuration) in pieces, each alone, ms per B windows (paper[], PAPER_*): what the
 * iteration would cost if its pieces paid nothing for being called one after another, for
 * memory beyond L1, or for copies, reductions and control. Per window, the iteration draws
 * the uniforms once and inverts them for the model and the truth (the validation window's
 * uniforms are cached: one more inversion); runs the model forward (soft), the truth forward
 * (hard), the validation forward (soft) and the model's adjoint; per step the recurrent
 * input of each forward (B windows at once for the model and the truth, one window at a time
 * for the validation) and the adjoint's (B at once), and dW over the chunks; the loss (frd)
 * of the model's output with dL/dy and of the validation's without. The products read the
 * synaptic rows of bt's tape (the same zeros as the batch); Adam and the exact sums, below 1%
 * of the iteration (docs/PERFORMANCE.md), are not counted. */
static PetscErrorCode PaperFloor(const SimSetup *sim, const double *theta, const double *x, const double *s,
                                 const SimBatch *bt, double min_time, PetscInt min_reps, double *paper)
{
  const PetscInt n = sim->n, B = bt->nb, T = bt->T, ns = bt->nstate, syn = bt->syn, np = SIM_SMALL_PAD(n);
  const PetscInt C    = bt->chunk;
  LossConfig     lcfg = {.kind = LOSS_FRD, .vr_tau = 20, .dt = 1.0};
  double        *u, *xa, *xb, *wp, *wtp, *out, *L, *gW, *dy, *work, t0, el;
  int            reps;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc6((size_t)T * n, &u, (size_t)T * n, &xa, (size_t)T * n, &xb, (size_t)n * np, &wp, (size_t)n * np,
                         &wtp, (size_t)B * n, &out));
  PetscCall(
      PetscMalloc4((size_t)C * B * n + np, &L, (size_t)n * n, &gW, (size_t)T * n, &dy, (size_t)4 * T * n + 64, &work));
  SimPadRows(n, theta + sim->offW, wp);
  SimPadRows(n, theta + sim->offW, wtp); /* (W^T's values do not change the time) */
  for (size_t k = 0; k < (size_t)C * B * n + np; k++) L[k] = 0.05 * (double)(k % 11) - 0.25;
  PetscCall(PetscArrayzero(gW, n * n));
  PetscCall(PetscArrayzero(out, B * n));

  for (int piece = 0; piece < PAPER_NPIECES; piece++) {
    double best = INFINITY;
    if (piece == PAPER_FWD_SOFT || piece == PAPER_FWD_HARD || piece == PAPER_ADJOINT) {
      const KernelPassKind pass = piece == PAPER_FWD_SOFT   ? PASS_SOFT
                                  : piece == PAPER_FWD_HARD ? PASS_HARD
                                                            : PASS_ADJOINT;
      PetscCall(KernelPass(sim, theta, x, T, pass, min_time, min_reps, &best));
      /* per window; the soft forward runs twice (the model's and the validation's) */
      paper[piece] = best * (double)B * (piece == PAPER_FWD_SOFT ? 2.0 : 1.0);
      continue;
    }
    reps = 0;
    t0   = Now();
    do {
      double a = Now();
      if (piece == PAPER_INPUTS)
        for (PetscInt b = 0; b < B; b++) {
          SimDrawUniforms(1, 7, b, n, T, u);
          SimInputFromUniforms(u, n, n, T, theta[sim->offRp], 1.0, xa); /* the model's */
          SimInputFromUniforms(u, n, n, T, 8.0, 1.0, xb);               /* the truth's */
          SimInputFromUniforms(u, n, n, T, theta[sim->offRp], 1.0, xa); /* the validation's */
        }
      else if (piece == PAPER_PRODUCTS)
        for (PetscInt t = 0; t < T; t++) {
          const double *st = bt->state + (size_t)t * B * ns * n + syn * n;
          SimRowsTimesSmall(n, B, st, ns * n, wp, out, n); /* the model's input */
          SimRowsTimesSmall(n, B, st, ns * n, wp, out, n); /* the truth's */
          for (PetscInt b = 0; b < B; b++)                 /* the validation's, window by window */
            SimRowsTimesSmall(n, 1, st + (size_t)b * ns * n, ns * n, wp, out + b * n, n);
          SimRowsTimesSmall(n, B, L + (size_t)(t % C) * B * n, n, wtp, out, n); /* the adjoint's */
          if (t % C == 0) /* dW over the chunk's rows, read from the tape as the backward does */
            SimOuterAccumulateSmall(n, PetscMin(C, T - t) * B, st, ns * n, L, n, gW);
        }
      else
        for (PetscInt b = 0; b < B; b++) {
          LossValue v;
          LossEvaluate(&lcfg, 0, n, T, bt->y + (size_t)b * T * n, s + (size_t)b * T * n, dy, work, &v);
          LossEvaluateColumns(&lcfg, 0, n, n, T, bt->y + (size_t)b * T * n, s + (size_t)b * T * n, NULL, work, &v);
        }
      best = PetscMin(best, (Now() - a) * 1e3);
      reps++;
      el = Now() - t0;
    } while (reps < min_reps || el < min_time);
    paper[piece] = best;
  }
  PetscCall(PetscFree6(u, xa, xb, wp, wtp, out));
  PetscCall(PetscFree4(L, gW, dy, work));
  PetscFunctionReturn(0);
}

static PetscErrorCode RunCase(PetscInt n, PetscInt B, PetscInt T, SimPrecision prec, PetscInt stride, double rate,
                              double min_time, PetscInt min_reps, Timing *out)
{
  ModelConfig  cfg  = {.theta = 30, .input_gain = 0.9, .dt = 1.0, .dale = PETSC_TRUE};
  LossConfig   lcfg = {.kind = LOSS_FRD, .vr_tau = 20, .dt = 1.0};
  ParamLayout *layout;
  SimSetup     sim;
  PetscInt    *exc, nb = B > 0 ? B : 1, P;
  double      *theta, *x, *s, *grad, *scratch, tf = 0, tb = 0, ti = 0, bf = INFINITY, bb = INFINITY, bi = INFINITY;
  int          reps = 0;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(n, &exc));
  for (PetscInt i = 0; i < n; i++) exc[i] = i < (4 * n) / 5;
  PetscCall(ModelLayoutCreate(ModelRegistry[0] /* lif */, &cfg, n, exc, &layout));
  PetscCall(SimSetupInit(&sim, ModelRegistry[0] /* lif */, &cfg, layout, T));
  P = layout->total;
  PetscCall(PetscMalloc5(P, &theta, (size_t)nb * T * n, &x, (size_t)nb * T * n, &s, P, &grad, (size_t)T * n, &scratch));
  ParamsDrawInitial(layout, 1, theta);
  /* weights scaled by 12/N so that the network's total input stays near the source's 12-neuron one */
  for (PetscInt k = 0; k < n * n; k++) theta[sim.offW + k] *= PetscMin(1.0, 12.0 / (double)n);
  theta[sim.offRp] = rate;
  for (PetscInt b = 0; b < nb; b++) SimDrawInput(1, 1, b, n, T, rate, 1.0, x + (size_t)b * T * n);
  for (size_t k = 0; k < (size_t)nb * T * n; k++) s[k] = RngUniform(2, 9, 0, (uint32_t)k, 0) < 0.005;
  out->zero_frac = out->active_frac = NAN;
  out->paper[0]                     = -1;

  if (B == 0) { /* per-window kernels */
    SimWork *w;
    PetscCall(SimWorkCreate(&sim, &w));
    PetscCall(PetscArraycpy(w->x, x, T * n));
    SimForward(&sim, theta, w); /* warm-up: first touch of the buffers */
    do {
      LossValue v;
      double    t0 = Now(), t1, t2, t3;
      SimForward(&sim, theta, w);
      t1 = Now();
      LossEvaluate(&lcfg, 0, n, T, w->y, s, w->dy, w->scratch, &v);
      t2 = Now();
      PetscCall(PetscArrayzero(grad, P));
      SimBackward(&sim, theta, w, grad);
      t3 = Now();
      tf += t1 - t0;
      tb += t3 - t2;
      ti += t3 - t0;
      if (t3 - t0 < bi) {
        bi = t3 - t0;
        bf = t1 - t0;
        bb = t3 - t2;
      } /* the fastest repetition */
      reps++;
    } while (ti < min_time || reps < min_reps);
    out->bytes = 8.0 * (double)T * n * (1 + 6) + 8.0 * (double)(T + 1) * 2 * n;
    PetscCall(SimWorkDestroy(&w));
  } else {
    SimBatch *bt;
    PetscCall(SimBatchCreate(&sim, B, stride, prec, &bt));
    bt->nb = B;
    for (PetscInt b = 0; b < B; b++) {
      bt->window[b] = b;
      SimBatchSetInput(bt, b, x + (size_t)b * T * n);
    }
    SimBatchForward(&sim, theta, bt); /* warm-up: first touch of the tape */
    PetscCall(PetscArrayzero(bt->dy, (size_t)B * T * n));
    SimBatchBackward(&sim, theta, bt, grad);
    do {
      double t0 = Now(), t1, t2, t3;
      SimBatchForward(&sim, theta, bt);
      t1 = Now();
      for (PetscInt b = 0; b < B; b++) {
        LossValue v;
        LossEvaluate(&lcfg, 0, n, T, bt->y + (size_t)b * T * n, s + (size_t)b * T * n, bt->dy + (size_t)b * T * n,
                     scratch, &v);
      }
      t2 = Now();
      PetscCall(PetscArrayzero(grad, P));
      SimBatchBackward(&sim, theta, bt, grad);
      t3 = Now();
      tf += t1 - t0;
      tb += t3 - t2;
      ti += t3 - t0;
      if (t3 - t0 < bi) {
        bi = t3 - t0;
        bf = t1 - t0;
        bb = t3 - t2;
      } /* the fastest repetition */
      reps++;
    } while (ti < min_time || reps < min_reps);
    if (bt->stride == T) { /* sparsity of the synaptic state on the full tape */
      double zeros = 0, active = 0;
      for (PetscInt t = 0; t < T; t++) {
        const double *st = bt->state + (size_t)t * B * 2 * n;
        for (PetscInt i = 0; i < n; i++) {
          int any = 0;
          for (PetscInt b = 0; b < B; b++) {
            double g = st[(size_t)b * 2 * n + n + i];
            if (g == 0.0) zeros++;
            else any = 1;
          }
          active += any;
        }
      }
      out->zero_frac   = zeros / ((double)T * B * n);
      out->active_frac = active / ((double)T * n);
    }
    out->bytes = (double)bt->bytes;
    out->gerr  = NAN;
    if (n < SIM_SMALL_N && prec == SIM_DOUBLE && bt->stride == T)
      PetscCall(PaperFloor(&sim, theta, x, s, bt, min_time, min_reps, out->paper));
    if (prec == SIM_SINGLE) { /* the same batch in double: the gradient's error */
      SimBatch *bd;
      double   *gd, num = 0, den = 0;
      PetscCall(PetscMalloc1(P, &gd));
      PetscCall(PetscArrayzero(gd, P));
      PetscCall(SimBatchCreate(&sim, B, stride, SIM_DOUBLE, &bd));
      bd->nb = B;
      for (PetscInt b = 0; b < B; b++) {
        bd->window[b] = b;
        SimBatchSetInput(bd, b, x + (size_t)b * T * n);
      }
      SimBatchForward(&sim, theta, bd);
      for (PetscInt b = 0; b < B; b++) {
        LossValue v;
        LossEvaluate(&lcfg, 0, n, T, bd->y + (size_t)b * T * n, s + (size_t)b * T * n, bd->dy + (size_t)b * T * n,
                     scratch, &v);
      }
      SimBatchBackward(&sim, theta, bd, gd);
      for (PetscInt k = 0; k < P; k++) {
        num = PetscMax(num, PetscAbsReal(grad[k] - gd[k]));
        den = PetscMax(den, PetscAbsReal(gd[k]));
      }
      out->gerr = num / den;
      PetscCall(SimBatchDestroy(&bd));
      PetscCall(PetscFree(gd));
    }
    PetscCall(SimBatchDestroy(&bt));
  }
  /* the minimum over the repetitions: the machine is shared, the minimum is the least disturbed */
  (void)tf;
  (void)tb;
  PetscCall(KernelPass(&sim, theta, x, T, PASS_BOTH, min_time, min_reps, &out->kern));
  out->fwd  = 1e3 * bf / nb;
  out->bwd  = 1e3 * bb / nb;
  out->iter = 1e3 * bi / nb;
  PetscCall(PetscFree5(theta, x, s, grad, scratch));
  PetscCall(PetscFree(exc));
  PetscCall(ParamLayoutDestroy(&layout));
  PetscFunctionReturn(0);
}

/* The floor at a batch's shapes: ms per window of the three recurrent products alone, as the
 * batched kernels call them on a full tape (B >= 2, N >= SIM_SMALL_N): per step the input
 * S W and the adjoint LamI W^T (B x N times N x N, untransposed), and dW = S^T LamI over
 * the batch's chunks of rows (t, b) (SimBatchChunk). Nothing else: no model, no loss, no copies. */
static double ProductsFloor(PetscInt n, PetscInt B, PetscInt T, double min_time, PetscInt min_reps)
{
  PetscInt C = SimBatchChunk(B, T), rows = C * B;
  size_t   nn = (size_t)n * n;
  double  *W = malloc(8 * nn), *Wt = malloc(8 * nn), *gW = calloc(nn, 8);
  double  *S = malloc(8 * (size_t)rows * n), *L = malloc(8 * (size_t)rows * n), *out = malloc(8 * (size_t)B * n);
  double   best = INFINITY, t0, el = 0;
  int      reps = 0;
  for (size_t k = 0; k < nn; k++) W[k] = Wt[k] = 0.01 * (double)(k % 13) - 0.06;
  for (size_t k = 0; k < (size_t)rows * n; k++) {
    S[k] = 0.1 * (double)(k % 7);
    L[k] = 0.05 * (double)(k % 11) - 0.25;
  }
  t0 = Now();
  do {
    double a = Now();
    for (PetscInt t = 0; t < T; t++) {
      const double *st = S + (size_t)(t % C) * B * n;
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)B, (int)n, (int)n, 1.0, st, (int)n, W, (int)n, 1.0,
                  out, (int)n);
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)B, (int)n, (int)n, 1.0, L + (size_t)(t % C) * B * n,
                  (int)n, Wt, (int)n, 1.0, out, (int)n);
      if (t % C == C - 1 || t == T - 1)
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)n, (int)n, (int)((t % C + 1) * B), 1.0, S, (int)n, L,
                    (int)n, 1.0, gW, (int)n);
    }
    best = PetscMin(best, (Now() - a) * 1e3 / (double)B);
    reps++;
    el = Now() - t0;
  } while (reps < min_reps || el < min_time);
  free(W);
  free(Wt);
  free(gW);
  free(S);
  free(L);
  free(out);
  return best;
}

/* The tape's traffic alone: ms per window to write what the batched forward writes per step
 * (state, aux, input current and output: nstate + naux + 2 doubles per neuron) for B windows
 * over T steps, and to read it back step by step from the last (the backward's state, aux,
 * current and dL/dy), with no arithmetic beyond a sum that keeps the reads. */
static double TapeStream(PetscInt n, PetscInt B, PetscInt T, PetscInt per, double min_time, PetscInt min_reps)
{
  size_t  row = (size_t)B * per * n, len = row * (size_t)T;
  double *tape = malloc(8 * len), best = INFINITY, t0, el = 0, acc[8] = {0}, sum = 0;
  int     reps = 0;
  if (!tape) return NAN;
  for (size_t k = 0; k < len; k++) tape[k] = 0; /* first touch outside the timing */
  t0 = Now();
  do {
    double a = Now();
    for (PetscInt t = 0; t < T; t++) {
      double *r = tape + (size_t)t * row, v = (double)t;
      for (size_t k = 0; k < row; k++) r[k] = v;
    }
    for (PetscInt t = T - 1; t >= 0; t--) {
      const double *r = tape + (size_t)t * row;
      size_t        k = 0;
      for (; k + 8 <= row; k += 8) /* eight independent sums: bandwidth, not the add's latency */
        for (int j = 0; j < 8; j++) acc[j] += r[k + j];
      for (; k < row; k++) acc[0] += r[k];
    }
    best = PetscMin(best, (Now() - a) * 1e3 / (double)B);
    reps++;
    el = Now() - t0;
  } while (reps < min_reps || el < min_time);
  free(tape);
  for (int j = 0; j < 8; j++) sum += acc[j];
  return sum < 0 ? NAN : best; /* sum >= 0 always: the reads cannot be dropped */
}

int main(int argc, char **argv)
{
  PetscInt ns = 8, nB = 8, nlist[8] = {12, 200, 1000, 2000}, Blist[8] = {0, 1, 16, 64}, T = 400, stride = 0,
           min_reps  = 1;
  PetscReal min_time = 0.5, rate = 10;
  PetscEnum prec = (PetscEnum)SIM_DOUBLE;
  double    dgemm, sgemm   = 0;
  PetscBool set, any_paper = PETSC_FALSE;
  Timing    paper[64];

  PetscCall(PetscInitialize(&argc, &argv, NULL, "spikefit simulator benchmark"));
  openblas_set_num_threads(1);
  PetscOptionsBegin(PETSC_COMM_WORLD, NULL, "bench_sim", NULL);
  PetscCall(PetscOptionsIntArray("-n", "Network sizes", NULL, nlist, &ns, &set));
  if (!set) ns = 4;
  PetscCall(PetscOptionsIntArray("-B", "Batch sizes (0: per-window kernels)", NULL, Blist, &nB, &set));
  if (!set) nB = 4;
  PetscCall(PetscOptionsInt("-T", "Steps per window", NULL, T, &T, NULL));
  PetscCall(PetscOptionsInt("-stride", "Tape stride (0: full tape)", NULL, stride, &stride, NULL));
  PetscCall(PetscOptionsEnum("-precision", "Precision of the products", NULL, SimPrecisions, prec, &prec, NULL));
  PetscCall(PetscOptionsReal("-min_time", "Seconds per measurement (at least one repetition)", NULL, min_time,
                             &min_time, NULL));
  PetscCall(PetscOptionsInt("-reps", "At least this many repetitions (the minimum is reported)", NULL, min_reps,
                            &min_reps, NULL));
  PetscCall(PetscOptionsReal("-rate", "Poisson input rate r_p (Hz)", NULL, rate, &rate, NULL));
  PetscOptionsEnd();

  dgemm = GemmRate(1000, PETSC_FALSE);
  if (prec == (PetscEnum)SIM_SINGLE) sgemm = GemmRate(1000, PETSC_TRUE);
  PetscCall(PetscPrintf(PETSC_COMM_WORLD,
                        "<!-- OpenBLAS core %s; DGEMM 1000^3, one thread: %.1f GFLOP/s%s; T = %" PetscInt_FMT
                        ", precision %s, tape stride %" PetscInt_FMT " -->\n",
                        openblas_get_corename(), dgemm, "", T, SimPrecisions[prec], stride));
  if (sgemm > 0) PetscCall(PetscPrintf(PETSC_COMM_WORLD, "<!-- SGEMM 1000^3, one thread: %.1f GFLOP/s -->\n", sgemm));
  PetscCall(PetscPrintf(
      PETSC_COMM_WORLD,
      "| N | B | forward ms/window | backward ms/window | iteration ms/window | GFLOP/s | of DGEMM | memory MiB | tape B/neuron-step | g == 0 | active pre | products alone ms/window | products' GFLOP/s | products / iteration | model kernels alone ms/window | products + kernels: of DGEMM | tape traffic alone ms/window | products + kernels + tape / iteration |%s\n",
      prec == (PetscEnum)SIM_SINGLE ? " grad error vs double |" : ""));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD,
                        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|%s\n",
                        prec == (PetscEnum)SIM_SINGLE ? "---|" : ""));
  for (PetscInt a = 0; a < ns; a++)
    for (PetscInt c = 0; c < nB; c++) {
      Timing       tm = {0};
      PetscInt     n = nlist[a], B = Blist[c];
      double       flops = 6.0 * n * n * T, gf, tape;
      ModelConfig  cfg   = {.theta = 30, .input_gain = 0.9, .dt = 1.0};
      ParamLayout *layout;
      SimSetup     sim;
      PetscCall(RunCase(n, B, T, (SimPrecision)prec, stride, rate, min_time, min_reps, &tm));
      paper[a * nB + c] = tm;
      PetscCall(ModelLayoutCreate(ModelRegistry[0] /* lif */, &cfg, n, NULL, &layout));
      PetscCall(SimSetupInit(&sim, ModelRegistry[0] /* lif */, &cfg, layout, T));
      tape = B > 0 ? SimBatchTapeBytes(&sim, stride, (SimPrecision)prec) : 8.0 * (2 + 1 + 6);
      PetscCall(ParamLayoutDestroy(&layout));
      gf = flops / (tm.iter * 1e-3) / 1e9;
      {
        char label[48], zf[16] = "-", af[16] = "-";
        if (B == 0) PetscCall(PetscSNPrintf(label, sizeof(label), "1 (per window: before)"));
        else PetscCall(PetscSNPrintf(label, sizeof(label), "%" PetscInt_FMT, B));
        if (!isnan(tm.zero_frac)) {
          PetscCall(PetscSNPrintf(zf, sizeof(zf), "%.2f", tm.zero_frac));
          PetscCall(PetscSNPrintf(af, sizeof(af), "%.2f", tm.active_frac));
        }
        char ge[24] = "", pf[96] = "- | - | -", kf[64];
        PetscCall(PetscSNPrintf(kf, sizeof(kf), "%.3f | - | - | -", tm.kern));
        if (prec == (PetscEnum)SIM_SINGLE) PetscCall(PetscSNPrintf(ge, sizeof(ge), " %.2e |", tm.gerr));
        if (B >= 2 && n >= SIM_SMALL_N && prec == (PetscEnum)SIM_DOUBLE) {
          double fl = ProductsFloor(n, B, T, min_time, min_reps);
          PetscCall(PetscSNPrintf(pf, sizeof(pf), "%.3f | %.1f | %.2f", fl, flops / (fl * 1e-3) / 1e9, fl / tm.iter));
          {
            const NeuronModel *m  = ModelRegistry[0]; /* lif, as in RunCase */
            double             tp = TapeStream(n, B, T, m->nstate + PetscMax(m->naux, 1) + 2, min_time, min_reps);
            PetscCall(PetscSNPrintf(kf, sizeof(kf), "%.3f | %.2f | %.3f | %.2f", tm.kern,
                                    flops / ((fl + tm.kern) * 1e-3) / 1e9 / dgemm, tp, (fl + tm.kern + tp) / tm.iter));
          }
        }
        PetscCall(PetscPrintf(
            PETSC_COMM_WORLD,
            "| %" PetscInt_FMT " | %s | %.3f | %.3f | %.3f | %.1f | %.2f | %.1f | %.1f | %s | %s | %s | %s |%s\n", n,
            label, tm.fwd, tm.bwd, tm.iter, gf, gf / dgemm, tm.bytes / 1048576.0, tape, zf, af, pf, kf, ge));
      }
    }
  for (PetscInt k = 0; k < ns * nB; k++) any_paper = (PetscBool)(any_paper || paper[k].paper[0] >= 0);
  if (any_paper) { /* PaperFloor's pieces: the default fit iteration's floor below SIM_SMALL_N */
    PetscCall(PetscPrintf(
        PETSC_COMM_WORLD,
        "\n| N | B | inputs ms | model + validation forward kernels ms | truth forward kernel (hard) ms | adjoint kernel ms | small products ms | loss ms | floor of the default fit iteration, ms per B windows | the batch: forward + loss + backward ms |\n"
        "|---|---|---|---|---|---|---|---|---|---|\n"));
    for (PetscInt a = 0; a < ns; a++)
      for (PetscInt c = 0; c < nB; c++) {
        const Timing *tm  = &paper[a * nB + c];
        double        sum = 0;
        if (tm->paper[0] < 0) continue;
        for (int k = 0; k < PAPER_NPIECES; k++) sum += tm->paper[k];
        PetscCall(PetscPrintf(PETSC_COMM_WORLD,
                              "| %" PetscInt_FMT " | %" PetscInt_FMT
                              " | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f | **%.3f** | %.3f |\n",
                              nlist[a], Blist[c], tm->paper[PAPER_INPUTS], tm->paper[PAPER_FWD_SOFT],
                              tm->paper[PAPER_FWD_HARD], tm->paper[PAPER_ADJOINT], tm->paper[PAPER_PRODUCTS],
                              tm->paper[PAPER_LOSS], sum, tm->iter * (double)Blist[c]));
      }
  }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "<!-- peak RSS %.0f MiB -->\n", PeakRSSMiB()));
  PetscCall(PetscFinalize());
  return 0;
}
