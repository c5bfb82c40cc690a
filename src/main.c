/* spikefit: fits spiking network models to spike trains. main() only dispatches the
 * subcommand and turns an error into one clear message and a non-zero exit on every rank. */
#include "app.h"
#include "parallel.h"
#include <cblas.h>
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: spikefit <subcommand> [options]\n"
    "  generate   write the synthetic ground truth (-o GT.h5 -gen_seed S -gen_n N -gen_duration_ms T)\n"
    "  fit        fit a network to spike data (-data GT.h5 -o RUN.h5 [-options_file F] ...)\n"
    "  landscape  the loss over a grid of two parameters (-data GT.h5 -o LAND.h5 -land_x E_L:0 -land_y tau_m:0)\n"
    "  analyze    judge a fit: NMF modules, correlations, rates, distances (spikefit analyze RUN.h5)\n"
    "  bench      time the simulator (-bench_n N -bench_b B -bench_t T)\n"
    "  export     the fitted network's and the target's held-out spikes as NWB /units tables (spikefit export RUN.h5 -o SIM.nwb)\n"
    "  version    spikefit's version and git commit and the library versions (also --version, -version)\n"
    "  glm        the Poisson GLM baseline fitted to a fit's evaluation target, simulated and compared (spikefit glm RUN.h5)\n"
    "Options come from the command line and -options_file; `spikefit SUBCOMMAND -help` lists them.\n"
    "Parameter bounds and initial ranges: -bound_<block> lo,hi and -init_<block> lo,hi\n"
    "(blocks E_L tau_m tau_g R_I W r_p).\n";

static char first_error[4096];
static int  first_error_shared;
static int  first_error_code;
/* the innermost code: outer checks may re-raise it as another */ /* raised on a communicator of several ranks: all have it */

/* Keeps the innermost message of the first error; main prints it once. */
static PetscErrorCode RecordError(MPI_Comm comm, int line, const char *fun, const char *file, PetscErrorCode n,
                                  PetscErrorType p, const char *mess, void *ctx)
{
  int size = 1;
  (void)line;
  (void)fun;
  (void)file;
  (void)ctx;
  if (p == PETSC_ERROR_INITIAL && !first_error[0]) {
    snprintf(first_error, sizeof(first_error), "%s", mess && mess[0] ? mess : "internal error");
    first_error_code = (int)n;
    if (comm != MPI_COMM_NULL) size = ParallelSize(comm);
    /* shared: raised on a communicator of every rank, so every rank has it */
    first_error_shared = size > 1 && size == ParallelSize(PETSC_COMM_WORLD);
  }
  return n;
}

extern void openblas_set_num_threads(int);

/* Before PETSc, which would stop with a raw error block on a bad -options_file: the
 * arguments' shape, and a positional argument only where a subcommand takes one. */
static int CheckArguments(int argc, char **argv, const char *cmd, const char *positional)
{
  char        bad[PETSC_MAX_PATH_LEN + 256];
  const char *r    = getenv("OMPI_COMM_WORLD_RANK") ? getenv("OMPI_COMM_WORLD_RANK") : getenv("PMI_RANK");
  int         fail = AppCheckArguments(argc, argv, bad, sizeof(bad));
  if (!fail && positional && strcmp(cmd, "analyze") && strcmp(cmd, "glm") && strcmp(cmd, "export")) {
    snprintf(bad, sizeof(bad), "unexpected argument '%s': spikefit %s takes options only (-name [value])", positional,
             cmd);
    fail = 1;
  }
  if (fail) {
    if (!r || !strcmp(r, "0")) fprintf(stderr, "spikefit: error: %s\n", bad);
    return 1;
  }
  return 0;
}

/* Runs the subcommand cmd (usage when there is none). */
static PetscErrorCode Dispatch(const char *cmd, const char *positional, int rank, int *exit_code)
{
  if (!cmd) {
    if (!AppHelpRequested()) fprintf(stderr, "%s", usage), *exit_code = 2;
    return 0;
  }
  if (!strcmp(cmd, "fit")) return FitRun(PETSC_COMM_WORLD, exit_code);
  if (!strcmp(cmd, "analyze")) return AnalyzeRun(PETSC_COMM_WORLD, positional, exit_code);
  if (!strcmp(cmd, "glm")) return GlmRun(PETSC_COMM_WORLD, positional, exit_code);
  if (!strcmp(cmd, "export")) return ExportRun(PETSC_COMM_WORLD, positional, exit_code);
  if (!strcmp(cmd, "bench")) return BenchRun(PETSC_COMM_WORLD, exit_code);
  if (!strcmp(cmd, "landscape")) return LandscapeRun(PETSC_COMM_WORLD, exit_code);
  if (!strcmp(cmd, "generate")) return GenerateRun(PETSC_COMM_WORLD, exit_code);
  if (rank == 0) fprintf(stderr, "spikefit: unknown subcommand '%s'\n%s", cmd, usage);
  *exit_code = 2;
  return 0;
}

/* One message for a failed run, and its exit code. When every rank failed (a collective check,
 * or the same bad file seen by each rank) the ranks agree and end normally; a failure that
 * only some ranks saw cannot wait for the others, which may be blocked in a collective call:
 * each failing rank prints its message and the job is aborted. */
static int FailExit(PetscErrorCode ierr, int rank, int size)
{
  int code = ierr == PARALLEL_ERR_SIGNAL || first_error_code == PARALLEL_ERR_SIGNAL ? PARALLEL_EXIT_SIGNAL : 1;
  if (size == 1 || ParallelErrorAgree(first_error_shared ? 30.0 : 5.0)) {
    if (rank == 0) fprintf(stderr, "spikefit: error: %s\n", first_error);
    fflush(stderr);
    PetscPopErrorHandler();
    ParallelErrorCleanup();
    PetscFinalize();
    return code;
  }
  fprintf(stderr, "spikefit: error (rank %d): %s\n", rank, first_error);
  fflush(stderr);
  ParallelAbort(PETSC_COMM_WORLD, code);
  return code;
}

int main(int argc, char **argv)
{
  const char    *cmd = argc > 1 && argv[1][0] != '-' ? argv[1] : NULL, *positional = NULL;
  PetscErrorCode ierr;
  int            exit_code = 0, rank = 0, size = 1;

  if (argc > 1 && AppVersionRequested(argv[1])) {
    if (argc > 2) {
      fprintf(stderr, "spikefit: %s takes no arguments (got '%s')\n", argv[1], argv[2]);
      return 2;
    }
    return AppVersionPrint();
  }
  ParallelCatchSignals();
  if (cmd) { /* PETSc sees the options after the subcommand */
    argv[1] = argv[0];
    argv++;
    argc--;
    if (argc > 1 && argv[1][0] != '-') { /* spikefit analyze RUN.h5 */
      positional = argv[1];
      argv[1]    = argv[0];
      argv++;
      argc--;
    }
  }
  if (CheckArguments(argc, argv, cmd, positional)) return 1;
  if (PetscInitialize(&argc, &argv, NULL, usage)) return 1;
  rank = ParallelRank(PETSC_COMM_WORLD);
  size = ParallelSize(PETSC_COMM_WORLD);
  if (ParallelErrorSetup(PETSC_COMM_WORLD)) return 1;
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  ParallelCatchSignals();      /* again: PETSc installs its own handlers at start-up */
  openblas_set_num_threads(1); /* our threads are OpenMP over windows: BLAS must not add more */
  PetscPushErrorHandler(RecordError, NULL);

  ierr = Dispatch(cmd, positional, rank, &exit_code);
  if (ierr) return FailExit(ierr, rank, size);
  ParallelErrorCleanup();
  PetscPopErrorHandler();
  if (PetscFinalize()) return 1;
  return exit_code;
}
