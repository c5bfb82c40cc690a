/* spikefit: fits spiking network models to spike trains. main() only dispatches the
 * subcommand and turns an error into one clear message and a non-zero exit on every rank. */
#include "app.h"
#include "parallel.h"
#include <cblas.h>
#include <hdf5.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char usage[] = "usage: spikefit <subcommand> [options]\n"
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
static int  first_error_shared; /* raised on a communicator of several ranks: all have it */

/* Keeps the innermost message of the first error; main prints it once. */
static PetscErrorCode RecordError(MPI_Comm comm, int line, const char *fun, const char *file, PetscErrorCode n, PetscErrorType p, const char *mess, void *ctx)
{
  int size = 1;
  (void)line; (void)fun; (void)file; (void)ctx;
  if (p == PETSC_ERROR_INITIAL && !first_error[0]) {
    snprintf(first_error, sizeof(first_error), "%s", mess && mess[0] ? mess : "internal error");
    if (comm != MPI_COMM_NULL) MPI_Comm_size(comm, &size);
    first_error_shared = size > 1;
  }
  return n;
}

extern void openblas_set_num_threads(int);

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
  if (PetscInitialize(&argc, &argv, NULL, usage)) return 1;
  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  MPI_Comm_size(PETSC_COMM_WORLD, &size);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  ParallelCatchSignals(); /* again: PETSc installs its own handlers at start-up */
  openblas_set_num_threads(1); /* our threads are OpenMP over windows: BLAS must not add more */
  PetscPushErrorHandler(RecordError, NULL);

  if (!cmd) {
    if (!AppHelpRequested()) fprintf(stderr, "%s", usage), exit_code = 2;
    ierr = 0;
  } else if (!strcmp(cmd, "fit")) {
    ierr = FitRun(PETSC_COMM_WORLD, &exit_code);
  } else if (!strcmp(cmd, "analyze")) {
    ierr = AnalyzeRun(PETSC_COMM_WORLD, positional, &exit_code);
  } else if (!strcmp(cmd, "glm")) {
    ierr = GlmRun(PETSC_COMM_WORLD, positional, &exit_code);
  } else if (!strcmp(cmd, "export")) {
    ierr = ExportRun(PETSC_COMM_WORLD, positional, &exit_code);
  } else if (!strcmp(cmd, "bench")) {
    ierr = BenchRun(PETSC_COMM_WORLD, &exit_code);
  } else if (!strcmp(cmd, "landscape")) {
    ierr = LandscapeRun(PETSC_COMM_WORLD, &exit_code);
  } else if (!strcmp(cmd, "generate")) {
    ierr = GenerateRun(PETSC_COMM_WORLD, &exit_code);
  } else {
    if (rank == 0) fprintf(stderr, "spikefit: unknown subcommand '%s'\n%s", cmd, usage);
    ierr      = 0;
    exit_code = 2;
  }
  if (ierr) {
    /* one message; a failure on one rank alone must not leave the others waiting */
    if (rank == 0) {
      fprintf(stderr, "spikefit: error: %s\n", first_error);
      fflush(stderr);
      if (size > 1) MPI_Abort(PETSC_COMM_WORLD, 1);
    } else {
      sleep(first_error_shared ? 10 : 2); /* rank 0 reports a shared error and ends the job */
      if (!first_error_shared) fprintf(stderr, "spikefit: error (rank %d): %s\n", rank, first_error);
      fflush(stderr);
      MPI_Abort(PETSC_COMM_WORLD, 1);
    }
    PetscPopErrorHandler();
    PetscFinalize();
    return 1;
  }
  PetscPopErrorHandler();
  if (PetscFinalize()) return 1;
  return exit_code;
}
