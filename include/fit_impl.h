#ifndef SPIKEFIT_FIT_IMPL_H
#define SPIKEFIT_FIT_IMPL_H
/* The state of one fit, shared by the training loop, its I/O and its tests. */
#include "fit.h"
#include "fixedsum.h"
#include "h5io.h"
#include "eval_table.h"

/* Configuration: what the fit was made from and how it is spread over ranks and threads. */
typedef struct {
  FitOptions            *opt;
  Parallel              *par;
  PetscInt               restart;
  char                   prefix[32];       /* "[fit k] " with restarts, else "" */
  char                   canonical[16384]; /* every input that changes the result (FitCheckpointIdentity) */
  uint64_t               hash;
  const WindowPartition *part;     /* data->part: the windows this rank loads, computes and evaluates */
  int                    nthreads; /* part->threads: the size of Fit.thread */
} FitConfig;

/* The model and its parameters: layouts, simulation set-ups, sizes and the loss split. */
typedef struct {
  const NeuronModel *model;
  ParamLayout       *layout;
  SimSetup           sim;
  SimSetup           tsim;    /* the truth's simulation (synthetic; ntruth neurons) */
  ParamLayout       *tlayout; /* the truth's layout, or NULL */
  PetscInt           P, nwindows;
  PetscInt           nrec, nm; /* recorded neurons (scored) and model neurons nrec + hidden */
  PetscInt           nuni;     /* max(model neurons, truth neurons): the uniforms' row length */
  /* teacher forcing: the likelihood part (forced run) and the rest (free run) of the loss */
  LossConfig  lforced, lfree;
  PetscBool   free_pass; /* the rest has terms: a second, free-running simulation */
  LossSMShape smsh;      /* sm: shape of the statistics */
} FitNet;

/* The optimiser's state and the step's reduced sums. */
typedef struct {
  double      *theta, *theta0, *grad;
  double      *gfull; /* reduced [P + 1 + LOSS_NTERMS] */
  Optim       *optim;
  PetscInt     done;   /* iterations completed */
  LossSMStats *sm;     /* sm: statistics of the current step, or NULL without sm */
  double      *smsums; /* reduced sm sums */
  /* the parameters with the best validation loss (the best training loss without
   * validation) and the iteration after which they were reached (-1: none yet) */
  double  *best;
  double   best_loss;
  PetscInt best_it;
  /* divergences rolled back so far, and whether training stopped because of them or the time budget */
  PetscInt  rollbacks;
  PetscInt  nonfinite; /* non-finite values of the last evaluation (after the reduction) */
  PetscBool diverged, out_of_time;
} FitState;

/* History, on every rank, and the first step's evaluation kept for /gradient_check. */
typedef struct {
  double   *loss, *terms, *gnorm, *secs;        /* [iters] */
  double   *vloss;                              /* [iters] loss on the evaluation windows, or NULL */
  double   *params;                             /* [iters+1][P] or NULL */
  double   *dist;                               /* [iters+1][nblocks+1] or NULL (no truth) */
  double   *rate_target, *rate_fit, *rate_init; /* [n] Hz over the evaluation windows */
  PetscBool gradient_saved;
  double   *gc_params, *gc_grad, *gc_input, *gc_target, *gc_output, gc_loss;
  PetscInt  gc_windows;
} FitHistory;

/* Validation: this rank's block [lo, hi) of the evaluation windows, made once. */
typedef struct {
  PetscInt  lo, hi;
  double   *uni, *target; /* [hi-lo][T][nm] input uniforms, [hi-lo][T][nrec] targets */
  FixedSum *acc;          /* loss and sm sums over threads and ranks */
} FitValidCache;

/* The evaluation's table (FitEvalWrite). */
typedef struct {
  EvalRow  rows[8];
  PetscInt nrows;
  double   rec_mean, rec_max; /* the target's mean and largest rate there */
  char     span_desc[256];
} FitEvalTable;

/* One thread's workspace (Fit.thread[tid]); FitThreadCreate makes every buffer, FitThreadDestroy frees them. */
typedef struct {
  SimWork       *work, *twork; /* one window of the model and of a synthetic truth */
  SimBatch      *batch;        /* the batched kernels (B = 1 with -sim_batch 0 or -sim_ref) */
  SimBatch      *tbatch;       /* a synthetic truth's windows of a batch, or NULL */
  FixedSum      *acc;          /* the step's loss and gradient */
  double        *gbuf;         /* one batch's [P + 1 + LOSS_NTERMS] */
  double        *target;       /* one window's target [T][nrec] (room for [T][nm]) */
  double        *btarget;      /* [Bmax][T][nrec] synthetic targets of a batch, or NULL */
  const double **bsrc;         /* [Bmax] the batch's targets (btarget or the recording) */
  double        *uni;          /* [T][nuni] the uniforms of one window's input */
  double        *lwork;        /* 3*T*nrec doubles for the losses */
  FixedSum      *smacc;        /* sm sums, or NULL without sm */
  double        *smbuf;        /* one window's sm sums, or NULL */
  SimBatch      *vbatch;       /* validation: one window in double, forward only (SimForward's bits), or NULL */
  FixedSum      *vacc;         /* validation: loss and sm sums */
  double        *vbuf;         /* validation: one window's [1 + sm length] */
} FitThread;

typedef struct {
  FitConfig     cfg;
  FitData      *data; /* the binned windows, a truth (fit_data.c; owned by the caller) */
  FitNet        net;
  FitState      state;
  FitHistory    history;
  FitValidCache valid;
  FitEvalTable  table;
  FitThread    *thread; /* [cfg.nthreads] */
} Fit;

typedef enum { FIT_STEP_OK, FIT_BAD_START, FIT_BAD_STEP } FitStepStatus;
PetscErrorCode FitIteration(Fit *f, PetscInt it, FitStepStatus *bad);

/* The simulations of one window's loss: one free-running run with the whole loss, or with
 * teacher forcing a forced run for the likelihood terms and, when other terms remain, a
 * free-running run for them (sm only there). */
typedef struct {
  const LossConfig *lcfg;
  PetscBool         forced, sm;
} FitPass;
PetscInt FitPasses(const Fit *f, FitPass pass[2]);

extern PetscLogEvent FIT_EVENT_IO, FIT_EVENT_VALIDATE;

/* The fit's PETSc log events (once per process). */
PetscErrorCode FitRegisterEvents(void);
/* Keeps theta (and its distances to the truth) as the parameters after it iterations. */
void FitRecordParams(Fit *f, PetscInt it);

/* This OpenMP thread's index (0 without OpenMP): the per-thread workspaces' index. */
int FitThreadId(void);

/* Derives the options the data decides (target mode, window count, Dale's law for a
 * recording); called once, before FitDataLoad. */
PetscErrorCode FitDataResolveOptions(FitOptions *o, Parallel *par);
/* Reads what the fit needs, and for a recording only the windows its partition has this rank load. */
PetscErrorCode FitDataLoad(const FitOptions *o, Parallel *par, FitData **out);
PetscErrorCode FitDataDestroy(FitData **data);
PetscErrorCode FitCreate(FitOptions *o, Parallel *par, FitData *data, PetscInt restart, Fit **out);
PetscErrorCode FitDestroy(Fit **f);
/* The per-thread workspace of a fit whose configuration, model and step sums are set:
 * f->cfg.nthreads FitThread in one array; destroy frees every buffer and sets *t to NULL. */
PetscErrorCode FitThreadCreate(const Fit *f, FitThread **t);
PetscErrorCode FitThreadDestroy(int nthreads, FitThread **t);
PetscErrorCode FitTrain(Fit *f, PetscBool *stopped);
/* Loss and gradient summed over windows [wlo, whi) at theta (every rank of the group). */
PetscErrorCode FitEvaluate(Fit *f, PetscInt it, PetscInt wlo, PetscInt whi, const double *theta, double *grad,
                           LossValue *val);
/* A window's input and target: window_source.h. */

/* The datasets and attributes a results file and a checkpoint share. */
PetscErrorCode FitWriteCommon(Fit *f, H5Out *h);

/* After training: K rounds of shifting each slif neuron's E_L so that its free-running rate
 * over the fitting windows is its recorded rate (fit_calibrate.c). */
PetscErrorCode FitCalibrateRates(Fit *f, PetscInt rounds);

PetscErrorCode FitWriteResults(Fit *f);
/* Windows of the evaluation (held-out windows of a recording, fresh ones for a synthetic target). */
PetscInt FitEvalWindows(const Fit *f);
/* Loss over the evaluation windows at theta (forward only, the same on every rank). */
PetscErrorCode FitValidationLoss(Fit *f, const double *theta, double progress, double *loss);
PetscErrorCode FitValidationCacheDestroy(Fit *f);
/* Loss of one window (forward only) whose input is in w->x (window and noise keys set) and
 * whose target is s: the passes of FitPasses; adds its sm sums to smsums when not NULL. The
 * landscape's (it reads the hard spikes off w's tape); the validation loss runs the same passes
 * on the thread's one-window batch (FitThread.vbatch). */
double FitWindowLoss(Fit *f, const double *theta, SimWork *w, const double *s, double progress, int tid,
                     double *smsums);
/* The weighted sm term from the sums over K windows. */
PetscErrorCode FitSMTerm(Fit *f, PetscInt K, const double *sums, double progress, double *term);
PetscErrorCode FitSaveGradientCheck(Fit *f, double loss);
PetscErrorCode FitPrintSummary(Fit *f);
/* The parameters the evaluation uses: the best ones when kept, else the final ones. */
const double *FitEvalTheta(const Fit *f);
/* Simulates the evaluation and writes /eval (spans, spike groups, rates, the table's rows). */
PetscErrorCode FitEvalWrite(Fit *f, H5Out *h);
/* Prints the table of FitEvalWrite and a runaway warning. */
PetscErrorCode FitEvalPrint(Fit *f);
/* Joins the restart files OUT.fit<k> into OUT: /fit_<k>/... for each, and the best fit
 * (lowest last training loss) at the root; then removes the per-fit files. */
PetscErrorCode FitMergeRestarts(Parallel *par, const char *out, PetscInt restarts);
#endif
