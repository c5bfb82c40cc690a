#ifndef SPIKEFIT_FIT_H
#define SPIKEFIT_FIT_H
/* `spikefit fit`: options, the training loop, checkpoints and the results file. */
#include "sim.h"
#include "loss.h"
#include "optim.h"
#include "parallel.h"
#include "spikes.h"
#include "io_spikes.h"
#include "partition.h"

#define FIT_EXIT_CHECKPOINTED 75 /* checkpoint written on a signal or time budget; resume */
#define FIT_EXIT_DIVERGED     3  /* -fit_max_rollbacks exhausted: results of the best parameters written */

typedef enum { TARGET_SYNTHETIC, TARGET_RECORDED } TargetMode;

typedef struct {
  char        data[PETSC_MAX_PATH_LEN], out[PETSC_MAX_PATH_LEN];
  char        model_name[32];
  ModelConfig mcfg;
  LossConfig  lcfg;
  OptimConfig ocfg;
  PetscInt    iters, windows, window_steps, windows_per_step, eval_windows, restarts;
  PetscInt    seed, input_seed;
  double      dt;
  PetscBool   save_gradient, save_history, use_ref, quiet, validate;
  TargetMode  mode;
  char        ckpt_file[PETSC_MAX_PATH_LEN], resume[PETSC_MAX_PATH_LEN];
  PetscInt    ckpt_every;
  double      ckpt_max_hours;
  PetscInt    expect_size;
  DataOptions dopt;
  PetscBool   mode_set, dale_set;
  PetscInt    sim_batch;         /* -sim_batch B: windows simulated together (0: one at a time) */
  PetscInt    sim_tape_stride;   /* -sim_tape_stride K: keep the state every K steps (0: all) */
  PetscEnum   sim_precision;     /* -sim_precision double|single (SimPrecision) */
  PetscInt    hidden;            /* -fit_hidden H: unrecorded neurons added to the model */
  PetscInt    recorded;          /* -fit_recorded R: the truth's first R neurons are observed (0: all) */
  PetscBool   eval_windows_set;  /* -fit_eval_windows given: it also caps the held-out evaluation */
  PetscInt    max_rollbacks;     /* -fit_max_rollbacks: divergences rolled back before giving up */
  double      max_minutes;       /* -fit_max_minutes: wall-time budget of the training (0: none) */
  PetscInt    calibrate;         /* -fit_calibrate_rates K: rounds of rate calibration after the fit */
  PetscBool   init_rates;        /* -fit_init_rates: each neuron starts at its recorded rate (slif) */
  PetscBool   init_latent;       /* -fit_init_latent: latent loadings matched to the recording's co-modulation */
  char        recipe[1024];      /* the recipe's choices for a recording ("" when off), hashed */
  PetscBool   windows_set;       /* -fit_windows given (else -1: chosen from the data) */
  char        loss_weights[256]; /* -loss_weights TERM:W,... as given (parsed into lcfg.weights) */
  PetscBool   loss_weights_set;  /* -loss_weights given */
  PetscBool   calibrate_best;    /* -fit_calibrate_best: -fit_calibrate_rates also on /params/best */
  PetscInt    step_split;        /* -fit_step_split S: each step's piece of a batch cut into S chunks */
} FitOptions;

/* Everything a fit learns about its data before it starts. */
typedef struct {
  PetscInt  n;   /* recorded neurons: the targets' columns */
  PetscInt *exc; /* [n] or NULL when types are unknown */
  PetscBool has_truth;
  PetscInt  ntruth;   /* neurons of the ground truth (synthetic; >= n with -fit_recorded) */
  PetscInt *texc;     /* [ntruth] the truth's types */
  double   *truth;    /* flat, in the model's layout for ntruth neurons (synthetic) */
  PetscInt  nwindows; /* recorded: windows in the fitting span */
  double   *starts;   /* recorded: [nwindows] start times (ms) */
  double  **target;   /* recorded: [nwindows] -> [T][n] binned target, NULL where this rank did not load it */
  PetscInt  nvalid;   /* recorded: validation windows, at the end of the fitting span after the training ones */
  double   *valid;    /* recorded: [nvalid][T][n] */
  double    valid_lo, valid_hi; /* recorded: the validation span (ms; empty without one) */
  PetscInt  nclipped; /* spikes dropped by binning (more than one per bin), this rank's windows */
  uint64_t  hash;     /* FNV-1a of what the fit uses: the truth, or the binned windows (same on every rank) */
  /* recorded: the held-out evaluation (docs/FORMAT.md /eval), the same on every rank */
  PetscInt     nspan;      /* held-out intervals, each a whole number of EVAL_BIN_MS bins (0: no holdout) */
  double      *span;       /* [nspan][2] start, end (ms, recording time) */
  SpikeTrains *held;       /* the recording's spikes from the first span's start to the last's end */
  double      *train_rate; /* [n] Hz over the observed time of the fitting span */
  PetscInt     nceil;      /* bins of the data ceiling (fewer than the holdout's when the fitting span is short) */
  double      *ceil;       /* [nceil][n] counts of the recorded stretch just before the holdout */
  double       ceil_lo;    /* where that stretch starts (ms) */
  PetscInt     nceil_span; /* its intervals (observed time before the holdout, whole bins) */
  double      *ceil_span;  /* [nceil_span][2] ms */
  double      *rate_hz;    /* recorded: [n] rates over the fitting windows (every rank, exact sum) */

  WindowPartition *part; /* which windows this rank loads, computes and evaluates */
} FitData;

PetscErrorCode FitOptionsProcess(MPI_Comm comm, FitOptions *opt);
/* Canonical text of every option that changes the result (hashed into checkpoints). */
PetscErrorCode FitOptionsCanonical(const FitOptions *opt, PetscInt n, char *buf, size_t len);
uint64_t       FitHash(const char *text);

/* The recipe for a recording (fit_recipe.h): unless -fit_recipe none, or the data hold a
 * ground truth fitted as such, measures the fitting span's rates (each rank counts its share
 * of the span; the sum is exact) and sets the recipe's options; summary gets its choices. */
PetscErrorCode FitRecipeFromData(MPI_Comm comm, char *summary, size_t len);

/* Runs `spikefit fit`; *exit_code is 0 when finished, FIT_EXIT_CHECKPOINTED when stopped. */
PetscErrorCode FitRun(MPI_Comm comm, int *exit_code);
#endif
