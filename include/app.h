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
PetscBool AppVersionRequested(const char *arg);
int       AppVersionPrint(void);
/* spikefit export RUN.h5 -o SIM.nwb */
PetscErrorCode ExportRun(MPI_Comm comm, const char *run, int *exit_code);
/* The work of export on this process: /units holds the target when target_in_units, else the
 * fitted network; refuses out naming the input file. */
PetscErrorCode ExportNwb(const char *run, const char *out, PetscBool target_in_units);

/* Fails naming every option that was given but never used (a typo or a wrong subcommand). */
PetscErrorCode AppCheckUnusedOptions(MPI_Comm comm);
/* A file a subcommand reads or writes, named by the option that gave it. */
typedef struct {
  const char *option; /* "-o", "-data", ... */
  const char *path;   /* NULL or "" when not given */
  PetscBool   output;
  PetscBool   keeps_prev; /* a checkpoint also writes PATH.prev */
  const char *may_equal;  /* an option whose file this one may be (-ckpt_file and -resume) */
} AppFile;
/* Before any work: fails when an output (or the PATH.tmp/PATH.prev it writes) is the same
 * file as an input or another output (device and inode for existing files, the resolved
 * path otherwise), or is a directory. */
PetscErrorCode AppCheckFiles(MPI_Comm comm, const AppFile *files, PetscInt nfiles);
/* Before PetscInitialize: 1 (with the message in err) for a word that is neither an option
 * nor its value, or an -options_file that is missing, not a file or binary. */
int AppCheckArguments(int argc, char **argv, char *err, size_t len);
/* True when -help was given: the subcommand has just listed its options and should stop. */
PetscBool AppHelpRequested(void);
#endif
