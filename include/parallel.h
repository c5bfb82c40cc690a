#ifndef SPIKEFIT_PARALLEL_H
#define SPIKEFIT_PARALLEL_H
/* The only module that calls MPI: how ranks split into restart groups and windows, the
 * exact reductions, and agreement on errors and signals. */
#include <petscsys.h>
#include "fixedsum.h"

typedef struct {
  MPI_Comm world;        /* all ranks of the run */
  MPI_Comm group;        /* the ranks of this restart group */
  int      rank, size;   /* in world */
  int      grank, gsize; /* in group */
  int      group_id, ngroups;
  int      threads; /* OpenMP threads a rank may use: OMP_NUM_THREADS when set, else
                           * the processors it may run on shared by the ranks of its node */
} Parallel;

/* Splits world into ngroups contiguous groups (ngroups <= size; ngroups > size runs the
 * extra fits one after another, see ParallelGroupFits). */
PetscErrorCode ParallelCreate(MPI_Comm world, PetscInt ngroups, Parallel **out);
PetscErrorCode ParallelDestroy(Parallel **par);

/* Contiguous block [lo, hi) of nitems owned by `part` of `nparts`; sizes differ by at most 1. */
void ParallelBlock(PetscInt nitems, int part, int nparts, PetscInt *lo, PetscInt *hi);

/* Sums fixed-point accumulators over the group, in place (exact). */
PetscErrorCode ParallelSumFixed(const Parallel *par, FixedSum *fs);
PetscErrorCode ParallelSumFixedOver(MPI_Comm comm, FixedSum *fs);
/* Bitwise XOR of n 64-bit words over comm, in place (hashes of parts each rank owns). */
PetscErrorCode ParallelXorWords(MPI_Comm comm, PetscInt n, uint64_t *words);
/* Logical OR of a flag over comm (for signals and errors found on one rank). */
PetscErrorCode ParallelAny(MPI_Comm comm, PetscBool local, PetscBool *any);
/* This process's rank in comm. */
int ParallelRank(MPI_Comm comm);
/* Number of ranks in comm. */
int ParallelSize(MPI_Comm comm);
/* Error exits. Setup (right after PetscInitialize) keeps a private communicator; after a
 * failure main calls Agree: true when every rank of the world reached it within timeout_s
 * (the error was collective: finalize normally), false otherwise (then Abort, once the
 * message is printed). */
PetscErrorCode ParallelErrorSetup(MPI_Comm world);
void           ParallelErrorCleanup(void);
int            ParallelErrorAgree(double timeout_s);
void           ParallelAbort(MPI_Comm comm, int code);
/* Peak resident memory of this process (MB). */
double ParallelPeakMemoryMB(void);
/* Max of a double over comm. */
PetscErrorCode ParallelMax(MPI_Comm comm, double local, double *global);
/* Max of an int over comm (an error code found on one rank, for all). */
PetscErrorCode ParallelMaxInt(MPI_Comm comm, int local, int *global);

/* The MPI library's own version string (first line); callable before MPI starts. */
void ParallelLibraryVersion(char *buf, size_t len);

/* Installs SIGUSR1/SIGTERM handlers that only set a flag; the raw form runs before PETSc
 * starts (main's first line), so an early signal is remembered, not fatal. */
int            ParallelCatchSignals(void);
PetscErrorCode ParallelInstallSignalHandlers(void);
/* The flag, agreed over the group: true on every rank of it if any rank saw a signal
 * (groups run independent fits and reach their iteration boundaries at different times). */
PetscErrorCode ParallelSignalAgreed(const Parallel *par, PetscBool *stop);
int            ParallelSignalReceived(void);
/* A PetscErrorCode for "stopped by SIGTERM/SIGUSR1 before there was anything to save"
 * (loading data, the GLM); main exits with PARALLEL_EXIT_SIGNAL and no output is left. */
#define PARALLEL_ERR_SIGNAL  1076
#define PARALLEL_EXIT_SIGNAL 76
void ParallelSignalReset(void);
#endif
