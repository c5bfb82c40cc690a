#ifndef SPIKEFIT_FIT_IMPL_H
#define SPIKEFIT_FIT_IMPL_H
/* The state of one fit, shared by the training loop, its I/O and its tests. */
#include "fit.h"
#include "fixedsum.h"
#include "h5io.h"
#include "eval_table.h"

typedef struct {
  FitOptions        *opt;
  Parallel          *par;
  FitData           *data;
  PetscInt           restart;
  char               prefix[32];
  const NeuronModel *model;
  ParamLayout       *layout;
  SimSetup           sim;
  PetscInt           P, nwindows;
  PetscInt           nrec, nm; /* recorded neurons (scored) and model neurons nrec + hidden */
  SimSetup           tsim;     /* the truth's simulation (synthetic; ntruth neurons) */
  ParamLayout       *tlayout;  /* the truth's layout, or NULL */
  double           **lwork;    /* per thread: 3*T*nrec doubles for the losses */
  LossSMShape        smsh;     /* sm: shape of the statistics */
  LossSMStats       *sm;       /* sm: statistics of the current step, or NULL without sm */
  FixedSum         **smacc;    /* per thread: sm sums */
  double           **smbuf;    /* per thread: one window's sm sums */
  double            *smsums;   /* reduced sm sums */
  int                nthreads;
  SimWork          **work, **twork; /* per thread: the model's and the truth's */
  SimBatch         **batch;         /* per thread: batched kernels (NULL with -sim_batch 0 or -sim_ref) */
  SimBatch         **tbatch;        /* per thread: a synthetic truth's windows of a batch (or NULL) */
  FixedSum         **acc;           /* per thread */
  double           **gbuf, **target;
  double            *gfull; /* reduced [P + 1 + LOSS_NTERMS] */
  double            *theta, *theta0, *grad;
  Optim             *optim;
  PetscInt           done; /* iterations completed */
  PetscBool          gradient_saved;
  /* history, on every rank */
  double *loss, *terms, *gnorm, *secs;        /* [iters] */
  double *vloss;                              /* [iters] loss on the evaluation windows, or NULL */
  double *hist;                               /* [iters+1][P] or NULL */
  double *dist;                               /* [iters+1][nblocks+1] or NULL (no truth) */
  double *rate_target, *rate_fit, *rate_init; /* [n] Hz over the evaluation windows */
  /* the first step's evaluation, kept for /gradient_check */
  double  *gc_params, *gc_grad, *gc_input, *gc_target, *gc_output, gc_loss;
  PetscInt gc_windows;
  /* teacher forcing: the likelihood part (forced run) and the rest (free run) of the loss */
  LossConfig      lforced, lfree;
  PetscBool       free_pass; /* the rest has terms: a second, free-running simulation */
  double        **btarget;   /* per thread: [Bmax][T][nrec] synthetic targets of a batch, or NULL */
  const double ***bsrc;      /* per thread: [Bmax] the batch's targets (btarget or the recording) */
  double        **uni;       /* per thread: [T][nuni] the uniforms of one window's input */
  PetscInt        nuni;      /* max(model neurons, truth neurons) */
  /* validation: this rank's block [vlo, vhi) of the evaluation windows, made once */
  PetscInt  vlo, vhi;
  double   *vuni, *vtarget;   /* [vhi-vlo][T][nm] input uniforms, [vhi-vlo][T][nrec] targets */
  FixedSum *vacc, **vaccs;    /* loss and sm sums: total, per thread */
  double  **vbuf;             /* per thread: one window's [1 + sm length] */
  char      canonical[16384]; /* every input that changes the result (FitCheckpointIdentity) */
  uint64_t  hash;
  /* the parameters with the best validation loss (the best training loss without
   * validation) and the iteration after which they were reached (-1: none yet) */
  double  *best;
  double   best_loss;
  PetscInt best_it;
  /* divergences rolled back so far, and whether training stopped because of them or the time budget */
  PetscInt  rollbacks;
  PetscInt  nonfinite; /* non-finite values of the last evaluation (after the reduction) */
  PetscBool diverged, out_of_time;
  /* the evaluation's table (FitEvalWrite) */
  EvalRow  rows[8];
  PetscInt nrows;
  double   rec_mean, rec_max; /* the target's mean and largest rate there */
  char     span_desc[256];

  const WindowPartition *part; /* data->part: the windows this rank loads, computes and evaluates */
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
 * whose target is s: the passes of FitPasses; adds its sm sums to smsums when not NULL. */
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
