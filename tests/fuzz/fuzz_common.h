/* Shared start-up for the libFuzzer targets: PETSc without its signal handler (ASan owns the
 * signals) and with an error handler that prints nothing. */
#ifndef SPIKEFIT_FUZZ_COMMON_H
#define SPIKEFIT_FUZZ_COMMON_H
#include "io_spikes.h"
#include <stdio.h>
#include <stdlib.h>

static PetscErrorCode FuzzQuiet(MPI_Comm comm, int line, const char *fun, const char *file, PetscErrorCode n, PetscErrorType p, const char *mess, void *ctx)
{
  (void)comm; (void)line; (void)fun; (void)file; (void)p; (void)mess; (void)ctx;
  return n;
}

static void FuzzInit(int *argc, char ***argv)
{
  static int   dummy_argc = 1;
  static char *dummy[]    = {(char *)"fuzz", NULL};
  static char **dummy_argv = dummy;
  (void)argc; (void)argv;
  setenv("PETSC_OPTIONS", "-no_signal_handler", 1);
  /* PETSc must not see libFuzzer's arguments */
  if (PetscInitialize(&dummy_argc, &dummy_argv, NULL, NULL)) abort();
  PetscPushErrorHandler(FuzzQuiet, NULL);
}

/* A reader that succeeded must have produced a valid container. */
static void FuzzCheck(const SpikeTrains *st)
{
  PetscErrorCode ierr;
  PetscPopErrorHandler(); /* show why */
  ierr = SpikeTrainsValidate(st);
  PetscPushErrorHandler(FuzzQuiet, NULL);
  if (ierr) {
    fprintf(stderr, "reader returned an invalid container\n");
    abort();
  }
}
#endif
