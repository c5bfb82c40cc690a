/* Window keys (what a window is for -> its seed and streams) and the window source: a fit
 * window's model input and target, alone or as the slots of a batch. */
#include "window_source.h"
#include "rng.h"

/* Sub-indices (RngStreamId's low 24 bits) of the purposes whose draws are fixed. A training
 * window's sub-index is its iteration, so these sit at the top of the range, above any
 * iteration count. The held-out chunks and generate share their numbers (so do the
 * evaluation's and the validation's windows, which are the same windows): existing results
 * and ground-truth files depend on these bits. */
#define SUB_EVAL     0xFFFFFFu /* evaluation windows: input and spike noise */
#define SUB_HELD_OUT 0xFFFFFEu /* chunks of the held-out runs */
#define SUB_GENERATE 0xFFFFFEu /* windows of `spikefit generate` (with its own seed) */
#define SUB_CALIB    0xFFFFF0u /* calibration input; round r's spike noise SUB_CALIB - r */
#define SUB_NULL     0x504Eu   /* the Poisson null's draws, an analysis stream ("PN") */

static WindowKey Key(WindowPurpose p, PetscInt round, PetscInt window, uint64_t seed, uint32_t input, uint32_t noise)
{
  WindowKey k = {p, round, window, seed, input, noise};
  return k;
}

WindowKey WindowKeyTrain(uint64_t seed, PetscInt it, PetscInt window)
{
  return Key(WINDOW_TRAIN, it, window, seed, RngStreamId(RNG_STREAM_INPUT, (uint32_t)it),
             RngStreamId(RNG_STREAM_SPIKE, (uint32_t)it));
}

WindowKey WindowKeyEval(uint64_t seed, PetscInt window)
{
  return Key(WINDOW_EVAL, 0, window, seed, RngStreamId(RNG_STREAM_INPUT, SUB_EVAL),
             RngStreamId(RNG_STREAM_SPIKE, SUB_EVAL));
}

WindowKey WindowKeyHeldOut(uint64_t seed, PetscInt chunk)
{
  return Key(WINDOW_HELD_OUT, 0, chunk, seed, RngStreamId(RNG_STREAM_INPUT, SUB_HELD_OUT),
             RngStreamId(RNG_STREAM_SPIKE, SUB_HELD_OUT));
}

WindowKey WindowKeyGenerate(uint64_t seed, PetscInt window)
{
  return Key(WINDOW_GENERATE, 0, window, seed, RngStreamId(RNG_STREAM_INPUT, SUB_GENERATE),
             RngStreamId(RNG_STREAM_SPIKE, SUB_GENERATE));
}

WindowKey WindowKeyCalibration(uint64_t seed, PetscInt round, PetscInt window)
{
  return Key(WINDOW_CALIBRATION, round, window, seed, RngStreamId(RNG_STREAM_INPUT, SUB_CALIB),
             RngStreamId(RNG_STREAM_SPIKE, SUB_CALIB - (uint32_t)round));
}

/* no network runs, so no spike noise: both streams are the counts' */
WindowKey WindowKeyPoissonNull(uint64_t seed, PetscInt draw)
{
  return Key(WINDOW_POISSON_NULL, 0, draw, seed, RngStreamId(RNG_STREAM_ANALYSIS, SUB_NULL),
             RngStreamId(RNG_STREAM_ANALYSIS, SUB_NULL));
}

WindowKey WindowKeyAt(const WindowKey *k, PetscInt window)
{
  WindowKey o = *k;
  o.window    = window;
  return o;
}

void WindowKeyApply(const WindowKey *k, SimWork *w)
{
  w->window       = k->window;
  w->noise_seed   = k->seed;
  w->noise_stream = k->noise_stream;
}

void WindowKeyApplyBatch(const WindowKey *k, SimBatch *b)
{
  b->noise_seed   = k->seed;
  b->noise_stream = k->noise_stream;
}

void WindowKeyDrawInput(const WindowKey *k, PetscInt n, PetscInt T, double rate_hz, double dt, double *x)
{
  SimDrawInput(k->seed, k->input_stream, k->window, n, T, rate_hz, dt, x);
}

void WindowKeyDrawUniforms(const WindowKey *k, PetscInt n, PetscInt T, double *u)
{
  SimDrawUniforms(k->seed, k->input_stream, k->window, n, T, u);
}

/* The synthetic target of a window whose truth input is in tw->x: the truth's hard spikes
 * of its first nrec neurons (the recorded ones); a stochastic truth's noise is the key's. */
static void TruthRun(Fit *f, const WindowKey *k, SimWork *tw, double *s)
{
  PetscInt n = f->net.nrec, T = f->cfg.opt->window_steps, nt = f->net.tsim.n;

  WindowKeyApply(k, tw);
  SimForward(&f->net.tsim, f->data->truth, tw);
  if (nt == n) SimHardSpikes(&f->net.tsim, tw, s);
  else {
    SimHardSpikes(&f->net.tsim, tw, tw->scratch);
    for (PetscInt t = 0; t < T; t++)
      for (PetscInt i = 0; i < n; i++) s[t * n + i] = tw->scratch[t * nt + i];
  }
}

/* A synthetic target's window: one draw of the uniforms for the model's input x and (unless
 * tx is NULL) the truth's tx, each at its own rate. */
static void SyntheticInputs(Fit *f, const WindowKey *k, const double *theta, int tid, double *x, double *tx)
{
  const FitOptions *o = f->cfg.opt;
  PetscInt          T = o->window_steps;
  double           *u = f->thread[tid].uni;

  WindowKeyDrawUniforms(k, f->net.nuni, T, u);
  SimInputFromUniforms(u, f->net.nuni, f->net.nm, T, theta[f->net.sim.offRp], o->dt, x);
  if (tx) SimInputFromUniforms(u, f->net.nuni, f->net.tsim.n, T, f->data->truth[f->net.tsim.offRp], o->dt, tx);
}

/* A recording's window as loaded: an evaluation key reads the held-out windows (those
 * beyond them are fitting windows that the evaluation shares). */
static const double *RecordedWindow(Fit *f, const WindowKey *k)
{
  const FitData *d = f->data;
  PetscInt       w = k->window;

  if (k->purpose == WINDOW_EVAL && w < d->nvalid) return d->valid + w * f->cfg.opt->window_steps * f->net.nrec;
  return d->target[w];
}

PetscErrorCode WindowSourceGet(Fit *f, const WindowKey *k, const double *theta, int tid, double *x, double *s)
{
  const FitOptions *o  = f->cfg.opt;
  PetscInt          T  = o->window_steps;
  SimWork          *tw = f->thread[tid].twork;

  PetscFunctionBeginUser;
  if (o->mode == TARGET_SYNTHETIC) {
    /* the truth receives input drawn from the same uniforms at its own rate */
    if (x) SyntheticInputs(f, k, theta, tid, x, s ? tw->x : NULL);
    else if (s) WindowKeyDrawInput(k, f->net.tsim.n, T, f->data->truth[f->net.tsim.offRp], o->dt, tw->x);
    if (s) TruthRun(f, k, tw, s);
  } else {
    if (x) WindowKeyDrawInput(k, f->net.nm, T, theta[f->net.sim.offRp], o->dt, x);
    if (s) {
      const double *src = RecordedWindow(f, k);
      PetscCheck(src, PETSC_COMM_SELF, PETSC_ERR_PLIB,
                 "window %" PetscInt_FMT " of the recording is not loaded on this rank", k->window);
      PetscCall(PetscArraycpy(s, src, T * f->net.nrec));
    }
  }
  PetscFunctionReturn(0);
}

/* Where slot b (window `window`) of the thread's batch gets its target: the thread's batch
 * buffer for a synthetic target (returned, to be filled), NULL for a recording, whose loaded
 * windows are read in place. Either way f->thread[tid].bsrc[b] points at the target. */
static double *BatchTarget(Fit *f, int tid, PetscInt window, PetscInt b)
{
  if (f->cfg.opt->mode == TARGET_SYNTHETIC) {
    double *s              = f->thread[tid].btarget + (size_t)b * f->cfg.opt->window_steps * f->net.nrec;
    f->thread[tid].bsrc[b] = s;
    return s;
  }
  f->thread[tid].bsrc[b] = f->data->target[window];
  return NULL;
}

/* The synthetic truth of a batch simulated as a batch too (matrix products over the windows
 * instead of a matrix-vector product per window and step; its targets are its hard output,
 * z = aux0 >= theta as in TruthRun). Below SIM_SMALL_N neurons the bits are TruthRun's; above,
 * the products' rounding may differ in the last bit, which changes a spike only where u lies
 * within that of theta. */
static void BatchSynthetic(Fit *f, const WindowKey *k, PetscInt nb, const double *theta, int tid)
{
  PetscInt  T = f->cfg.opt->window_steps, nt = f->net.tsim.n, nr = f->net.nrec;
  SimBatch *bt = f->thread[tid].batch, *tb = f->thread[tid].tbatch;
  double   *x = f->thread[tid].work->x, *tx = f->thread[tid].twork->x;

  tb->nb = nb;
  WindowKeyApplyBatch(k, tb);
  for (PetscInt b = 0; b < nb; b++) {
    WindowKey kb  = WindowKeyAt(k, k->window + b);
    bt->window[b] = tb->window[b] = kb.window;
    SyntheticInputs(f, &kb, theta, tid, x, tx);
    SimBatchSetInput(bt, b, x);
    SimBatchSetInput(tb, b, tx);
  }
  SimBatchForward(&f->net.tsim, f->data->truth, tb);
  for (PetscInt b = 0; b < nb; b++) {
    double       *s = BatchTarget(f, tid, k->window + b, b);
    const double *z = tb->y + (size_t)b * T * nt;
    for (PetscInt t = 0; t < T; t++)
      for (PetscInt i = 0; i < nr; i++) s[t * nr + i] = z[t * nt + i];
  }
}

void WindowSourceBatch(Fit *f, const WindowKey *k, PetscInt nb, const double *theta, int tid, PetscBool batched_truth)
{
  SimBatch *bt = f->thread[tid].batch;
  SimWork  *w  = f->thread[tid].work;

  bt->nb = nb;
  WindowKeyApplyBatch(k, bt);
  if (batched_truth && f->thread[tid].tbatch) {
    BatchSynthetic(f, k, nb, theta, tid);
    return;
  }
  for (PetscInt b = 0; b < nb; b++) {
    WindowKey kb  = WindowKeyAt(k, k->window + b);
    bt->window[b] = kb.window;
    /* (a recording's window not loaded here is reported by WindowSourceGet; threads go on) */
    (void)WindowSourceGet(f, &kb, theta, tid, w->x, BatchTarget(f, tid, kb.window, b));
    SimBatchSetInput(bt, b, w->x);
  }
}
