/* Shared start-up for the libFuzzer targets: PETSc without its signal handler (ASan owns the
 * signals) and with an error handler that prints nothing. */
#ifndef SPIKEFIT_FUZZ_COMMON_H
#define SPIKEFIT_FUZZ_COMMON_H
#include "io_spikes.h"
#include <stdio.h>
#include <stdlib.h>
#ifndef FUZZ_PETSC_OPTIONS
  #define FUZZ_PETSC_OPTIONS "-no_signal_handler"
#endif

static PetscErrorCode FuzzQuiet(MPI_Comm comm, int line, const char *fun, const char *file, PetscErrorCode n,
                                PetscErrorType p, const char *mess, void *ctx)
{
  (void)comm;
  (void)line;
  (void)fun;
  (void)file;
  (void)p;
  (void)mess;
  (void)ctx;
  return n;
}

static void FuzzInit(int *argc, char ***argv)
{
  static int    dummy_argc = 1;
  static char  *dummy[]    = {(char *)"fuzz", NULL};
  static char **dummy_argv = dummy;
  (void)argc;
  (void)argv;
  setenv("PETSC_OPTIONS", FUZZ_PETSC_OPTIONS, 1);
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

/* No HDF5 object may stay open after a reader returns: nothing attached to a file, and no
 * more dataspaces, datatypes or property lists than before (the HDF5 library keeps its
 * predefined types and lists; base is the count taken once after start-up). */
typedef struct {
  int n[4];
} FuzzH5Counts;

static inline FuzzH5Counts FuzzH5Snapshot(void)
{
  static const H5I_type_t types[4] = {H5I_DATASPACE, H5I_DATATYPE, H5I_GENPROP_LST, H5I_ATTR};
  FuzzH5Counts            c;
  for (int i = 0; i < 4; i++) {
    hsize_t m = 0;
    H5Inmembers(types[i], &m);
    c.n[i] = (int)m;
  }
  return c;
}

static inline void FuzzCheckNoOpenObjects(const FuzzH5Counts *base)
{
  ssize_t n = H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL);
  if (n != 0) {
    fprintf(stderr, "HDF5 objects left open: %ld\n", (long)n);
    abort();
  }
  if (base) {
    static const char *names[4] = {"dataspaces", "datatypes", "property lists", "attributes"};
    FuzzH5Counts       now      = FuzzH5Snapshot();
    for (int i = 0; i < 4; i++)
      if (now.n[i] > base->n[i]) {
        fprintf(stderr, "HDF5 %s left open: %d (were %d)\n", names[i], now.n[i], base->n[i]);
        abort();
      }
  }
}
#endif
