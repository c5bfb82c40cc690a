#ifndef SPIKEFIT_SIM_H
#define SPIKEFIT_SIM_H
/* The simulator: one window of T steps forward with a tape, and the exact backward pass
 * (backpropagation through time). The recurrent products use OpenBLAS; the *_ref kernels
 * are the plain loops the fast ones are tested against. */
#include "model.h"
#include <stdint.h>

typedef struct {
  const NeuronModel *model;
  ModelConfig        cfg;
  const ParamLayout *layout;
  PetscInt           n, T;
  PetscInt           offW, offRp; /* offsets of the W block and the r_p scalar */
  PetscInt           offLat;      /* offset of the latent loadings "lat", or -1 (no latent input) */
  double             lat_rho;     /* the latent's decay per step, exp(-dt / latent_tau) */
  PetscBool          use_ref;     /* plain loops instead of BLAS */
} SimSetup;

/* Per-window workspace and tape; one per thread. */
typedef struct {
  PetscInt n, T, nstate, naux;
  double  *state;          /* [T+1][nstate][n] */
  double  *aux;            /* [T][naux][n] */
  double  *cur;            /* [T][n] total input */
  double  *x;              /* [T][n] Poisson counts as drawn */
  double  *y;              /* [T][n] model output */
  double  *dy;             /* [T][n] dLoss/dy */
  double  *lamI;           /* [T][n] dLoss/dI */
  double  *lam, *lam_prev; /* [nstate][n] */
  double  *scratch;        /* [T][n] for losses */
  double  *zero;           /* [n] zeros (dL/dy seen by the model when y is the input current) */
  double  *pre;            /* [npre][n] the model's derived per-neuron values (ModelPrepare) */
  /* key of a stochastic model's draws in this window (slif); SimWorkCreate sets seed 0,
   * stream RngStreamId(RNG_STREAM_SPIKE, 0), window 0; callers set them per window */
  uint64_t noise_seed;
  uint32_t noise_stream;
  PetscInt window;
  /* teacher forcing: the recorded spikes force[T][nforce] drive neurons 0..nforce-1
   * (ModelCtx.force); NULL (SimWorkCreate's default): free-running */
  const double *force;
  PetscInt      nforce;
  /* the state [nstate][n] the window starts from (a long run in chunks carries the last
   * state over); NULL (SimWorkCreate's default): the model's resting state */
  const double *init;
  /* the shared latent input l[T] of the last forward run (NULL without one); it starts from
   * *lat_init carried over (a long run in chunks) or, NULL (the default), from its stationary law */
  double       *lat;
  const double *lat_init;
} SimWork;

PetscErrorCode SimSetupInit(SimSetup *s, const NeuronModel *model, const ModelConfig *cfg, const ParamLayout *layout,
                            PetscInt T);
PetscErrorCode SimWorkCreate(const SimSetup *s, SimWork **w);
PetscErrorCode SimWorkDestroy(SimWork **w);

/* Draws x[t][j] ~ Poisson(rate_hz*dt/1000) from the uniform keyed by (seed, stream, window, j, t). */
void SimDrawInput(uint64_t seed, uint32_t stream, PetscInt window, PetscInt n, PetscInt T, double rate_hz, double dt,
                  double *x);
/* SimDrawInput in two halves, so that two networks driven by the same uniforms at their own
 * rates (a fit and its synthetic target) draw them once: u[t][j] (leading dimension n),
 * then x[t][j] for the first m <= n columns (the same bits as SimDrawInput). */
void SimDrawUniforms(uint64_t seed, uint32_t stream, PetscInt window, PetscInt n, PetscInt T, double *u);
void SimInputFromUniforms(const double *u, PetscInt n, PetscInt m, PetscInt T, double rate_hz, double dt, double *x);
/* The shared latent input of a window: l_t = rho l_{t-1} + sqrt(1 - rho^2) xi_t, xi_t the
 * normal keyed by (seed, stream, window, SIM_LATENT_INDEX, t), l_{-1} = *start or, with start
 * NULL, l_0 = xi_0 (stationary: unit variance at every step). */
#define SIM_LATENT_INDEX 0xFFFFFFFFu /* the key's neuron index: above any neuron's */
void SimDrawLatent(uint64_t seed, uint32_t stream, PetscInt window, PetscInt T, double rho, const double *start,
                   double *lat);
/* Runs the window with input w->x; fills the tape and w->y. */
void SimForward(const SimSetup *s, const double *theta, SimWork *w);
/* Given w->dy, accumulates dLoss/dtheta of this window into grad (zeroed by the caller). */
void SimBackward(const SimSetup *s, const double *theta, SimWork *w, double *grad);
/* Hard spikes z[t][j] of the last forward run (from the tape). */
void SimHardSpikes(const SimSetup *s, const SimWork *w, double *z);

/* ---- Batched kernels: B windows advance together --------------------------------------
 * The recurrent products become matrix products over the batch: forward
 * I[b][:] = S[b][:] W + gain x[b][:], backward lamS[b][:] += LamI[b][:] W^T, and
 * dW += S^T LamI over chunks of `chunk` steps of the whole batch (rows (t, b)).
 * The models still step one window's n neurons at a time (NeuronModel is unchanged).
 * The result of a batch depends on its windows (and on B through the products' order of
 * summation), never on which thread or rank computes it.
 * Tape: with stride K < T only the states at steps 0, K, 2K, ... are kept; the backward
 * pass recomputes each segment of K steps from its stored state (bitwise the same steps as
 * the forward pass), so the gradient equals the full tape's bit for bit.
 * Precision SIM_SINGLE: the three matrix products in single precision (SGEMM), the model's
 * element-wise updates and every gradient accumulation in double. */
typedef enum { SIM_DOUBLE, SIM_SINGLE } SimPrecision;

/* Below this many neurons the recurrent products (one window's and a batch's, and dW) are
 * plain loops over the presynaptic neurons that have spiked, in the order of i: BLAS's call,
 * packing and edge kernels cost more than the products at this size. */
#define SIM_SMALL_N 32
/* Below SIM_SMALL_N: rows padded with zeros to a multiple of 8 (SimPadRows), the small
 * products' operands, so that a row of the result stays in vector registers over its sum. */
#define SIM_SMALL_PAD(n) (((n) + 7) / 8 * 8)
void SimPadRows(PetscInt n, const double *M, double *Mp);
/* out[b][:] += sum_k A[b][k] M[k][:] over the k with A[b][k] != 0, in the order of k (the
 * bits of SimRowsTimes_ref), for n < SIM_SMALL_N; Mp: M padded by SimPadRows. */
void SimRowsTimesSmall(PetscInt n, PetscInt nb, const double *A, size_t lda, const double *Mp, double *out, size_t ldo);
/* gW[i][j] += sum_r syn[r][i] lam[r][j] over the rows in order, skipping zero syn (the bits of
 * SimOuterAccumulate_ref), for n < SIM_SMALL_N; reads SIM_SMALL_PAD(n) values of each lam row
 * (the buffer needs that much slack after its last row). */
void SimOuterAccumulateSmall(PetscInt n, PetscInt rows, const double *syn, size_t lds, const double *lam, size_t ldl,
                             double *gW);
/* Up to this many neurons the batched backward keeps W^T (n^2 doubles per batch), so that its
 * recurrent adjoint is a product of untransposed operands, which OpenBLAS computes without
 * packing W on every step. */
#define SIM_TRANSPOSE_MAX_N 1024
extern const char *const SimPrecisions[]; /* option names, PETSc enum style */

typedef struct {
  PetscInt       n, T, Bmax, nstate, naux, syn;
  PetscInt       stride; /* K: steps per tape segment (T: the full tape) */
  PetscInt       nseg;   /* ceil(T / K) */
  PetscInt       chunk;  /* steps per dW product (fixed by B and T, independent of K) */
  SimPrecision   precision;
  PetscInt       nb;     /* windows in the current batch, 1..Bmax (set by the caller) */
  PetscInt      *window; /* [Bmax] global ids: the key of stochastic models' draws */
  const double **force;  /* [Bmax] teacher forcing per window ([T][nforce], see SimWork), or NULL entries */
  PetscInt       nforce;
  uint64_t       noise_seed;
  uint32_t       noise_stream;
  float         *x;                 /* [T][nb][n] Poisson counts (exact in float); SimBatchSetInput */
  double        *y, *dy;            /* [Bmax][T][n] output and dLoss/dy, per window contiguous (losses) */
  double        *ckpt;              /* [nseg][nb][nstate][n] state at the start of each segment */
  double        *state;             /* [K+1][nb][nstate][n] the current segment */
  double        *aux;               /* [K][nb][naux][n] */
  double        *cur;               /* [K][nb][n] total input */
  PetscInt       seg_loaded;        /* segment whose tape is in state/aux/cur (-1: none) */
  double        *lam, *lam_prev;    /* [Bmax][nstate][n] */
  double        *cs, *cl;           /* [chunk][nb][n] syn_{t-1} and dLoss/dI_t of the chunk */
  double        *zero;              /* [n] */
  double        *pre;               /* [npre][n] the model's derived per-neuron values */
  double        *wp, *wtp;          /* below SIM_SMALL_N: W and W^T padded (SimPadRows) */
  double        *wt;                /* [n][n] W transposed for the backward's recurrent adjoint (NULL above SIM_TRANSPOSE_MAX_N) */
  double        *lat;               /* [Bmax][T] each window's latent input (or NULL without one) */
  float         *fW, *fa, *fb, *fc; /* single: W [n][n], [chunk*Bmax][n] x2, [n][n] */
  size_t         bytes;             /* allocated */
} SimBatch;

/* chunk = 0: the default (the whole window when B*T is small, else about 1024/B steps). */
PetscErrorCode SimBatchCreate(const SimSetup *s, PetscInt Bmax, PetscInt stride, SimPrecision prec, SimBatch **b);
PetscErrorCode SimBatchDestroy(SimBatch **b);
/* Bytes of tape per neuron-step for these settings (what grows with T and B). */
double SimBatchTapeBytes(const SimSetup *s, PetscInt stride, SimPrecision prec);
/* Steps per dW product of a batch of B windows: about 1024 rows (t, b), at most T. */
PetscInt SimBatchChunk(PetscInt B, PetscInt T);
/* Copies window b's input x[T][n] (as drawn by SimDrawInput) into the batch layout. */
void SimBatchSetInput(SimBatch *bt, PetscInt b, const double *x);
/* Runs the nb windows; fills y (per window [T][n]) and the tape. */
void SimBatchForward(const SimSetup *s, const double *theta, SimBatch *bt);
/* Given dy, accumulates dLoss/dtheta summed over the batch's windows into grad. */
void SimBatchBackward(const SimSetup *s, const double *theta, SimBatch *bt, double *grad);
#endif
