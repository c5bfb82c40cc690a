#include "app.h"
#include <string.h>

/* PETSc's own options that are consumed after our check (at PetscFinalize) or by PETSc
 * internals; they are not typos. */
static const char *const petsc_prefixes[] = {"log", "malloc", "info", "help", "options_", "no_signal_handler", "on_error", "start_in_debugger", "debugger", "memory_view", "checkstack",
                                             "use_gpu_aware_mpi", "fp_trap", "history", "viewer", "objects_dump", "skip_petscrc", "mpi", "display", "vecscatter", "sf_", "check_pointer_intensity",
                                             "petscspace", "nox", "x_virtual", "saws", "v", "version", "error_output_stdout", "stop_for_debugger", NULL};

static PetscBool IsPetscOption(const char *name)
{
  for (int k = 0; petsc_prefixes[k]; k++) {
    size_t len = strlen(petsc_prefixes[k]);
    if (!strncmp(name, petsc_prefixes[k], len) && (petsc_prefixes[k][len - 1] == '_' || name[len] == 0 || name[len] == '_')) return PETSC_TRUE;
  }
  return PETSC_FALSE;
}

PetscErrorCode AppCheckUnusedOptions(MPI_Comm comm)
{
  PetscInt nleft;
  char   **names, **values;
  char     list[4096] = "";
  PetscInt bad = 0;

  PetscFunctionBeginUser;
  PetscCall(PetscOptionsLeftGet(NULL, &nleft, &names, &values));
  for (PetscInt k = 0; k < nleft; k++) {
    if (IsPetscOption(names[k])) continue;
    if (bad++) PetscCall(PetscStrlcat(list, ", ", sizeof(list)));
    PetscCall(PetscStrlcat(list, "-", sizeof(list)));
    PetscCall(PetscStrlcat(list, names[k], sizeof(list)));
    if (values[k]) {
      PetscCall(PetscStrlcat(list, " ", sizeof(list)));
      PetscCall(PetscStrlcat(list, values[k], sizeof(list)));
    }
  }
  PetscCall(PetscOptionsLeftRestore(NULL, &nleft, &names, &values));
  PetscCheck(bad == 0, comm, PETSC_ERR_ARG_WRONG, "unknown option%s for this subcommand: %s (see -help)", bad > 1 ? "s" : "", list);
  PetscFunctionReturn(0);
}

PetscBool AppHelpRequested(void)
{
  PetscBool help = PETSC_FALSE;
  PetscOptionsHasHelp(NULL, &help);
  return help;
}
