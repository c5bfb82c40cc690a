#ifndef SPIKEFIT_WINDOW_SOURCE_H
#define SPIKEFIT_WINDOW_SOURCE_H
/* Where a window's model input and target come from, and the random key that fixes them.
 * A WindowKey says what the window is for (training at an iteration, evaluation, a held-out
 * chunk, generation, a calibration round) and carries the seed and the two streams its draws
 * use: the Poisson input's and the stochastic models' spike noise. The stream numbers live in
 * window_source.c only; every simulation of a window is keyed by one of these constructors. */
#include "fit_impl.h"
#include <stdint.h>

typedef enum {
  WINDOW_TRAIN,        /* a training window: fresh input and spike noise every iteration */
  WINDOW_EVAL,         /* an evaluation window: fixed; the validation loss and the windowed /eval */
  WINDOW_HELD_OUT,     /* a chunk of the continuous runs over a recording's held-out span */
  WINDOW_GENERATE,     /* a window of `spikefit generate`'s ground truth */
  WINDOW_CALIBRATION,  /* a fitting window in a round of the rate calibration */
  WINDOW_POISSON_NULL, /* a draw of the held-out table's Poisson null (no network) */
  WINDOW_NPURPOSES
} WindowPurpose;

typedef struct {
  WindowPurpose purpose;
  PetscInt      round;  /* the iteration (WINDOW_TRAIN) or the calibration round; else 0 */
  PetscInt      window; /* the draws' window counter: window, chunk or draw index */
  uint64_t      seed;
  uint32_t      input_stream, noise_stream;
} WindowKey;

WindowKey WindowKeyTrain(uint64_t seed, PetscInt it, PetscInt window);
WindowKey WindowKeyEval(uint64_t seed, PetscInt window);
WindowKey WindowKeyHeldOut(uint64_t seed, PetscInt chunk);
WindowKey WindowKeyGenerate(uint64_t seed, PetscInt window);
WindowKey WindowKeyCalibration(uint64_t seed, PetscInt round, PetscInt window);
WindowKey WindowKeyPoissonNull(uint64_t seed, PetscInt draw);
/* The same purpose, seed and streams for another window (a batch's slots, the next chunk). */
WindowKey WindowKeyAt(const WindowKey *k, PetscInt window);

/* The key's window and spike noise on a simulation (the batch's per-slot windows are set by
 * WindowSourceBatch). */
void WindowKeyApply(const WindowKey *k, SimWork *w);
void WindowKeyApplyBatch(const WindowKey *k, SimBatch *b);
/* The key's Poisson input x[T][n] at rate_hz (SimDrawInput), and its uniforms u[T][n]. */
void WindowKeyDrawInput(const WindowKey *k, PetscInt n, PetscInt T, double rate_hz, double dt, double *x);
void WindowKeyDrawUniforms(const WindowKey *k, PetscInt n, PetscInt T, double *u);

/* Window k->window of a fit: the model input x[T][nm] at theta's rate (x not NULL) and the
 * target s[T][nrec] (s not NULL), keyed by k. A synthetic target is the truth's hard spikes,
 * driven by the same uniforms as the model at its own rate and with the key's spike noise; a
 * recording's is its loaded window (an evaluation key: the held-out window). The caller
 * applies the key to the SimWork that simulates the model (WindowKeyApply). */
PetscErrorCode WindowSourceGet(Fit *f, const WindowKey *k, const double *theta, int tid, double *x, double *s);
/* Windows k->window .. k->window + nb - 1 as the slots of the thread's batch f->thread[tid].batch:
 * inputs set, key applied, each slot's target at f->thread[tid].bsrc[b]. batched_truth: a synthetic
 * truth simulated as a batch too (f->thread[tid].tbatch; the products' rounding may differ in the last
 * bit from the per-window truth above SIM_SMALL_N neurons). */
void WindowSourceBatch(Fit *f, const WindowKey *k, PetscInt nb, const double *theta, int tid, PetscBool batched_truth);
#endif
