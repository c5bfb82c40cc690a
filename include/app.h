#ifndef SPIKEFIT_APP_H
#define SPIKEFIT_APP_H
/* Subcommands and the checks every subcommand shares. */
#include <petscsys.h>

PetscErrorCode GenerateRun(MPI_Comm comm, int *exit_code);
PetscErrorCode FitRun(MPI_Comm comm, int *exit_code);
/* run: the results file named right after the subcommand, or NULL (then -run FILE). */
PetscErrorCode LandscapeRun(MPI_Comm comm, int *exit_code);
PetscErrorCode BenchRun(MPI_Comm comm, int *exit_code);
PetscErrorCode AnalyzeRun(MPI_Comm comm, const char *run, int *exit_code);
PetscErrorCode GlmRun(MPI_Comm comm, const char *run, int *exit_code);
/* spikefit --version | -version | version: prints the versions (no MPI or PETSc needed). */
PetscBool      AppVersionRequested(const char *arg);
int            AppVersionPrint(void);
/* spikefit export RUN.h5 -o SIM.nwb */
PetscErrorCode ExportRun(MPI_Comm comm, const char *run, int *exit_code);
/* The work of export on this process: /units holds the target when target_in_units, else the
 * fitted network; refuses out naming the input file. */
PetscErrorCode ExportNwb(const char *run, const char *out, PetscBool target_in_units);

/* Fails naming every option that was given but never used (a typo or a wrong subcommand). */
PetscErrorCode AppCheckUnusedOptions(MPI_Comm comm);
/* True when -help was given: the subcommand has just listed its options and should stop. */
PetscBool      AppHelpRequested(void);
#endif
