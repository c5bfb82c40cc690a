#ifndef SPIKEFIT_GLM_BATCH_H
#define SPIKEFIT_GLM_BATCH_H
/* The GLM of glm.h fitted to long continuous spans of a recording, all neurons at once.
 * The design X [T][P] (P = 1 + n*nbasis) is never stored: it is rebuilt from the spike
 * rows block by block, and each block's linear predictors and gradient are two DGEMMs
 * (eta = X Theta, G += X^T R with Theta [P][n] holding every neuron's coefficients).
 * Rows are cut into fixed groups; each group's partial sums go into an exact FixedSum, so
 * the result is the same bits for any number of OpenMP threads or MPI ranks (each rank
 * takes a block of groups, ParallelSumFixedOver adds them). See docs/ANALYSIS.md. */
#include "glm.h"
#include "spikes.h"

#define GLM_BLOCK_ROWS 512   /* rows of X built and multiplied at once */
#define GLM_GROUP_ROWS 32768 /* rows per exact partial sum (fixed: the result's bits depend on it) */
/* The intensity exp(eta) is continued by its second-order Taylor polynomial beyond this
 * (e^10 = 22026 expected spikes in one bin: never near an optimum). Lower than glm.c's
 * GLM_ETA_MAX so that a wild trial step's sums stay inside FixedSum's range (2^60) and the
 * line search sees true, finite values to backtrack on. */
#define GLM_BATCH_ETA_MAX 10.0

/* Binned spikes on continuous segments: segment k owns rows seg[k] .. seg[k+1], row r of it
 * is the bin [t0[k] + (r - seg[k]) dt, + dt) of recording time. A bin holds at most one spike
 * (0/1, like SpikeTrainsBin); history never crosses a segment boundary. */
typedef struct {
  PetscInt  n, nseg, T;
  double    dt;
  PetscInt *seg;      /* [nseg+1] */
  double   *t0;       /* [nseg] */
  PetscInt *off;      /* [n+1]: unit i owns rows[off[i] .. off[i+1]) */
  PetscInt *rows;     /* sorted, distinct per unit */
  PetscInt *rowend;   /* [off[n]]: end row (exclusive) of the segment of each spike */
  PetscInt  nclipped; /* spikes dropped because their bin already held one */
} GlmSpikes;

/* The intersection of [lo, hi) with st's observation intervals: *k intervals, *iv [k][2]
 * (PetscMalloc'd; intervals shorter than one dt are dropped). */
PetscErrorCode GlmSpans(const SpikeTrains *st, double lo, double hi, double dt, PetscInt *k, double **iv);
/* Bins st on the intervals iv [k][2] (floor((hi - lo)/dt) rows each) at dt. */
PetscErrorCode GlmSpikesCreate(const SpikeTrains *st, PetscInt k, const double *iv, double dt, GlmSpikes **out);
/* Empty spikes (no unit fires) on segments of the given lengths and start times. */
PetscErrorCode GlmSpikesCreateEmpty(PetscInt n, PetscInt nseg, const PetscInt *len, const double *t0, double dt,
                                    GlmSpikes **out);
PetscErrorCode GlmSpikesDestroy(GlmSpikes **sp);
/* counts[b*n + i] (bin-major) of 20 ms-like bins of bsteps rows, whole bins in each segment
 * (a trailing partial bin of a segment is dropped). *nbins first with counts NULL. */
PetscErrorCode GlmSpikesCounts(const GlmSpikes *sp, PetscInt bsteps, PetscInt *nbins, double *counts);

/* Rows [a, b) of the design (X [b-a][P], row-major) and the spikes Y [b-a][n]. */
void GlmDesignBlock(const GlmSpikes *sp, PetscInt K, PetscInt L, const double *basisT, PetscInt a, PetscInt b,
                    double *X, double *Y);

/* Asked at every TAO iteration boundary (on every rank: it must agree over ranks). */
typedef PetscErrorCode (*GlmStopFn)(void *ctx, PetscBool *stop);

typedef struct {
  PetscInt  iterations; /* TAO iterations of the joint problem */
  PetscInt  reason;     /* TaoConvergedReason; TAO_CONVERGED_USER (-> stopped) when stop said so */
  PetscBool stopped;    /* the stop callback ended the fit */
  double    gnorm;      /* whitened gradient norm at the end */
  PetscInt  evaluations;
  double    seconds_gram, seconds_solve;
} GlmBatchStatus;

/* Unpenalised negative log-likelihood of every neuron, f[n], and its gradient G [P][n] (row
 * major) at Theta [P][n], over all rows of sp (summed over the ranks of comm). */
PetscErrorCode GlmBatchEvaluate(const GlmSpikes *sp, const GlmModel *m, MPI_Comm comm, const double *Theta, double *f,
                                double *G);

/* Fits every neuron of m (created with its basis) by maximum likelihood on sp: one TAO problem
 * over all neurons' coefficients in whitened units z_i = U_i (theta_i - theta0_i), where
 * U_i^T U_i is neuron i's exact Hessian at the bias-only start theta0_i, so every neuron
 * starts with a unit Hessian and one quasi-Newton method converges for all. The problem is
 * separable, so its optimum is each neuron's own. opt->tao_type must be lmvm or blmvm.
 * info [n] (may be NULL); stop may be NULL. The same bits on every rank of comm. */
PetscErrorCode GlmBatchFit(GlmModel *m, const GlmSpikes *sp, const GlmFitOptions *opt, MPI_Comm comm, GlmStopFn stop,
                           void *stopctx, GlmNeuronInfo *info, GlmBatchStatus *status);

/* Runs m forward over sp's segments without any reset inside a segment (each segment starts
 * with an empty history), with u = RngUniform(seed, RngStreamId(RNG_STREAM_ANALYSIS, GLM_RNG_SUB),
 * segment, neuron, row within the segment): a spike when u < 1 - exp(-lambda). The result
 * has sp's segments (sp's spikes are not used). */
PetscErrorCode GlmSimulateSpikes(const GlmModel *m, const GlmSpikes *segments, uint64_t seed, GlmSpikes **out);
#endif
