/* `spikefit fit`: options, data, and the restarts each group of ranks runs. */
#include "fit_impl.h"
#include "checkpoint.h"
#include "app.h"
#include "fit_recipe.h"

/* PATH for fit k of R: PATH itself for a single fit, PATH.fit<k> for restarts. */
static PetscErrorCode RestartPath(const char *path, PetscInt k, PetscInt R, char *out, size_t len)
{
  PetscFunctionBeginUser;
  if (R == 1) PetscCall(PetscStrncpy(out, path, len));
  else PetscCall(PetscSNPrintf(out, len, "%s.fit%" PetscInt_FMT, path, k));
  PetscFunctionReturn(0);
}

/* -resume with restarts continues PATH.fit<k>: at least one must exist, or every fit would
 * silently start afresh. */
static PetscErrorCode CheckResumeRestarts(MPI_Comm comm, const FitOptions *o)
{
  PetscBool any = PETSC_FALSE;

  PetscFunctionBeginUser;
  if (!(o->resume[0] && o->restarts > 1)) PetscFunctionReturn(0);
  for (PetscInt k = 0; k < o->restarts && !any; k++) {
    char p[PETSC_MAX_PATH_LEN + 32];
    PetscCall(RestartPath(o->resume, k, o->restarts, p, sizeof(p)));
    PetscCall(PetscTestFile(p, 'r', &any));
    if (!any) PetscCall(RestartPath(o->out, k, o->restarts, p, sizeof(p)));
    if (!any) PetscCall(PetscTestFile(p, 'r', &any));
  }
  PetscCheck(any, comm, PETSC_ERR_FILE_OPEN,
             "-resume %s with -fit_restarts %" PetscInt_FMT
             " continues the restarts' checkpoints %s.fit0 ... %s.fit%" PetscInt_FMT
             ", but none of them (nor a finished %s.fit<k>) exists",
             o->resume, o->restarts, o->resume, o->resume, o->restarts - 1, o->out);
  PetscFunctionReturn(0);
}

/* The options of a fit (with the recipe's choices for a recording) and a check of its files. */
static PetscErrorCode FitRunOptions(MPI_Comm comm, FitOptions *o)
{
  char recipe[sizeof(o->recipe)];

  PetscFunctionBeginUser;
  PetscCall(FitRecipeFromData(comm, recipe, sizeof(recipe)));
  PetscCall(FitOptionsProcess(comm, o));
  PetscCall(PetscStrncpy(o->recipe, recipe, sizeof(o->recipe)));
  if (AppHelpRequested()) PetscFunctionReturn(0);
  {
    const AppFile files[] = {
        {"-data", o->data, PETSC_FALSE, PETSC_FALSE, NULL},
        {"-resume", o->resume, PETSC_FALSE, PETSC_FALSE, NULL},
        {"-o", o->out, PETSC_TRUE, PETSC_FALSE, NULL},
        {"-ckpt_file", o->ckpt_file, PETSC_TRUE, PETSC_TRUE, "-resume"},
    };
    PetscCall(AppCheckFiles(comm, files, 4));
  }
  PetscFunctionReturn(0);
}

/* Fit k of the restarts on this group: skipped when it finished before an interruption,
 * resumed from its checkpoint when there is one; results written unless a signal stopped it. */
static PetscErrorCode RunRestart(const FitOptions *o, Parallel *par, FitData *data, PetscInt k, PetscBool *checked,
                                 PetscBool *stopped, PetscBool *diverged)
{
  FitOptions ok;
  Fit       *f      = NULL;
  PetscBool  resume = o->resume[0] ? PETSC_TRUE : PETSC_FALSE, done_before = PETSC_FALSE;

  PetscFunctionBeginUser;
  ok = *o;
  PetscCall(RestartPath(o->out, k, o->restarts, ok.out, sizeof(ok.out)));
  PetscCall(RestartPath(o->ckpt_file, k, o->restarts, ok.ckpt_file, sizeof(ok.ckpt_file)));
  PetscCall(RestartPath(o->resume, k, o->restarts, ok.resume, sizeof(ok.resume)));
  if (resume && o->restarts > 1) {
    /* a restart that finished before the interruption is not run again; one that had not
     * started yet has no checkpoint and starts afresh */
    PetscCall(PetscTestFile(ok.out, 'r', &done_before));
    if (!done_before) PetscCall(PetscTestFile(ok.resume, 'r', &resume));
    if (!done_before && !resume) { /* a kill may have left only the previous checkpoint */
      char prev[PETSC_MAX_PATH_LEN + 8];
      PetscCall(PetscSNPrintf(prev, sizeof(prev), "%s.prev", ok.resume));
      PetscCall(PetscTestFile(prev, 'r', &resume));
    }
  }
  PetscCall(FitCreate(&ok, par, data, k, &f));
  if (!*checked) {
    PetscCall(AppCheckUnusedOptions(par->world));
    *checked = PETSC_TRUE;
  }
  if (done_before) {
    PetscCall(PetscPrintf(par->group, "%salready finished: %s\n", f->cfg.prefix, ok.out));
  } else {
    if (resume) PetscCall(FitCheckpointRead(f, ok.resume));
    PetscCall(FitTrain(f, stopped));
    if (f->state.diverged) *diverged = PETSC_TRUE;
    if (!*stopped) {
      PetscCall(FitCalibrateRates(f, ok.calibrate));
      PetscCall(FitWriteResults(f));
      PetscCall(FitPrintSummary(f));
    }
  }
  PetscCall(FitDestroy(&f));
  PetscFunctionReturn(0);
}

PetscErrorCode FitRun(MPI_Comm comm, int *exit_code)
{
  FitOptions o;
  Parallel  *par     = NULL;
  FitData   *data    = NULL;
  PetscBool  stopped = PETSC_FALSE, any_stopped, checked = PETSC_FALSE, diverged = PETSC_FALSE, any_diverged;

  PetscFunctionBeginUser;
  *exit_code = 0;
  PetscCall(FitRegisterEvents());
  PetscCall(FitRunOptions(comm, &o));
  if (AppHelpRequested()) PetscFunctionReturn(0);
  PetscCall(ParallelCreate(comm, o.restarts, &par));
  PetscCall(ParallelInstallSignalHandlers());
  PetscCall(CheckResumeRestarts(comm, &o));
  PetscCall(FitDataResolveOptions(&o, par));
  PetscCall(FitDataLoad(&o, par, &data));
  /* groups take fits k = group, group + ngroups, ...: independent initial seeds seed + k */
  for (PetscInt k = par->group_id; k < o.restarts && !stopped; k += par->ngroups) {
    PetscCall(RunRestart(&o, par, data, k, &checked, &stopped, &diverged));
  }
  if (!checked) PetscCall(AppCheckUnusedOptions(comm));
  PetscCall(ParallelAny(par->world, stopped, &any_stopped));
  PetscCall(ParallelAny(par->world, diverged, &any_diverged));
  if (any_stopped) {
    *exit_code = FIT_EXIT_CHECKPOINTED;
  } else {
    if (o.restarts > 1) PetscCall(FitMergeRestarts(par, o.out, o.restarts));
    if (any_diverged) *exit_code = FIT_EXIT_DIVERGED; /* results written, from the best parameters */
  }
  PetscCall(FitDataDestroy(&data));
  PetscCall(ParallelDestroy(&par));
  PetscFunctionReturn(0);
}
