#include "parallel.h"
#include <signal.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef _OPENMP
  #include <omp.h>
#endif

static volatile sig_atomic_t signal_seen = 0;
static MPI_Comm              error_comm  = MPI_COMM_NULL; /* only for agreeing on a failure */

PetscErrorCode ParallelCreate(MPI_Comm world, PetscInt ngroups, Parallel **out)
{
  Parallel *par;

  PetscFunctionBeginUser;
  PetscCall(PetscNew(&par));
  par->world = world;
  PetscCallMPI(MPI_Comm_rank(world, &par->rank));
  PetscCallMPI(MPI_Comm_size(world, &par->size));
  PetscCheck(ngroups >= 1, world, PETSC_ERR_ARG_OUTOFRANGE, "-fit_restarts must be at least 1, got %" PetscInt_FMT,
             ngroups);
  par->ngroups = (int)PetscMin(ngroups, (PetscInt)par->size);
  {
    PetscInt lo, hi;
    /* rank r belongs to the group whose contiguous block holds r */
    for (int g = 0; g < par->ngroups; g++) {
      ParallelBlock(par->size, g, par->ngroups, &lo, &hi);
      if (par->rank >= lo && par->rank < hi) par->group_id = g;
    }
  }
  PetscCallMPI(MPI_Comm_split(world, par->group_id, par->rank, &par->group));
  PetscCallMPI(MPI_Comm_rank(par->group, &par->grank));
  PetscCallMPI(MPI_Comm_size(par->group, &par->gsize));
  par->threads = 1;
#ifdef _OPENMP
  if (getenv("OMP_NUM_THREADS")) par->threads = omp_get_max_threads();
  else {
    /* unbound ranks (mpirun --bind-to none) would each start a thread per processor of the
     * node, and idle OpenMP threads spin: share the processors among the node's ranks */
    MPI_Comm node;
    int      local;
    PetscCallMPI(MPI_Comm_split_type(world, MPI_COMM_TYPE_SHARED, par->rank, MPI_INFO_NULL, &node));
    PetscCallMPI(MPI_Comm_size(node, &local));
    PetscCallMPI(MPI_Comm_free(&node));
    par->threads = PetscMax(1, PetscMin(omp_get_max_threads(), omp_get_num_procs() / local));
  }
#endif
  *out = par;
  PetscFunctionReturn(0);
}

PetscErrorCode ParallelDestroy(Parallel **par)
{
  PetscFunctionBeginUser;
  if (!par || !*par) PetscFunctionReturn(0);
  PetscCallMPI(MPI_Comm_free(&(*par)->group));
  PetscCall(PetscFree(*par));
  PetscFunctionReturn(0);
}

void ParallelBlock(PetscInt nitems, int part, int nparts, PetscInt *lo, PetscInt *hi)
{
  PetscInt base = nitems / nparts, extra = nitems % nparts;
  *lo = part * base + PetscMin((PetscInt)part, extra);
  *hi = *lo + base + (part < extra ? 1 : 0);
}

PetscErrorCode ParallelSumFixedOver(MPI_Comm comm, FixedSum *fs)
{
  PetscInt nonfinite = fs->nonfinite;
  int      size;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  if (size == 1) PetscFunctionReturn(0);
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, fs->limb, (int)(fs->n * FIXEDSUM_LIMBS), MPI_INT64_T, MPI_SUM, comm));
  PetscCallMPI(MPI_Allreduce(&nonfinite, &fs->nonfinite, 1, MPIU_INT, MPI_SUM, comm));
  PetscFunctionReturn(0);
}

PetscErrorCode ParallelSumFixed(const Parallel *par, FixedSum *fs) { return ParallelSumFixedOver(par->group, fs); }

PetscErrorCode ParallelXorWords(MPI_Comm comm, PetscInt n, uint64_t *words)
{
  int size;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  if (size == 1 || n == 0) PetscFunctionReturn(0);
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, words, (int)n, MPI_UINT64_T, MPI_BXOR, comm));
  PetscFunctionReturn(0);
}

PetscErrorCode ParallelAny(MPI_Comm comm, PetscBool local, PetscBool *any)
{
  int l = local ? 1 : 0, g;
  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Allreduce(&l, &g, 1, MPI_INT, MPI_MAX, comm));
  *any = g ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(0);
}

int ParallelRank(MPI_Comm comm)
{
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  return rank;
}

int ParallelSize(MPI_Comm comm)
{
  int size = 1;
  MPI_Comm_size(comm, &size);
  return size;
}

PetscErrorCode ParallelMaxInt(MPI_Comm comm, int local, int *global)
{
  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Allreduce(&local, global, 1, MPI_INT, MPI_MAX, comm));
  PetscFunctionReturn(0);
}

PetscErrorCode ParallelMax(MPI_Comm comm, double local, double *global)
{
  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Allreduce(&local, global, 1, MPI_DOUBLE, MPI_MAX, comm));
  PetscFunctionReturn(0);
}

static void OnSignal(int sig)
{
  (void)sig;
  signal_seen = 1;
}

int ParallelCatchSignals(void)
{
  struct sigaction sa;
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  return sigaction(SIGUSR1, &sa, NULL) == 0 && sigaction(SIGTERM, &sa, NULL) == 0 ? 0 : -1;
}

PetscErrorCode ParallelInstallSignalHandlers(void)
{
  PetscFunctionBeginUser;
  PetscCheck(ParallelCatchSignals() == 0, PETSC_COMM_SELF, PETSC_ERR_SYS, "cannot install signal handlers");
  PetscFunctionReturn(0);
}

int  ParallelSignalReceived(void) { return signal_seen; }
void ParallelSignalReset(void) { signal_seen = 0; }

PetscErrorCode ParallelSignalAgreed(const Parallel *par, PetscBool *stop)
{
  PetscFunctionBeginUser;
  PetscCall(ParallelAny(par->group, signal_seen ? PETSC_TRUE : PETSC_FALSE, stop));
  PetscFunctionReturn(0);
}

double ParallelPeakMemoryMB(void)
{
  struct rusage ru;
  if (getrusage(RUSAGE_SELF, &ru) != 0) return 0;
  return ru.ru_maxrss / 1024.0; /* Linux reports kB */
}

void ParallelLibraryVersion(char *buf, size_t len)
{
  char v[MPI_MAX_LIBRARY_VERSION_STRING] = "";
  int  n                                 = 0;

  /* allowed before MPI_Init (MPI 3.1); the first line is the name and version */
  if (MPI_Get_library_version(v, &n) != MPI_SUCCESS) snprintf(v, sizeof(v), "unknown");
  v[strcspn(v, "\n")] = 0;
  snprintf(buf, len, "%s", v);
}
PetscErrorCode ParallelErrorSetup(MPI_Comm world)
{
  PetscFunctionBeginUser;
  if (error_comm == MPI_COMM_NULL) PetscCallMPI(MPI_Comm_dup(world, &error_comm));
  PetscFunctionReturn(0);
}

void ParallelErrorCleanup(void)
{
  if (error_comm != MPI_COMM_NULL) MPI_Comm_free(&error_comm);
}

int ParallelErrorAgree(double timeout_s)
{
  MPI_Request     req;
  int             done = 0;
  double          t0;
  struct timespec pause = {0, 1000000}; /* 1 ms between polls */

  if (error_comm == MPI_COMM_NULL || MPI_Ibarrier(error_comm, &req) != MPI_SUCCESS) return 0;
  t0 = MPI_Wtime();
  /* the ranks without the error never join: give up at the deadline (the caller aborts) */
  while (!done && MPI_Wtime() - t0 < timeout_s) {
    if (MPI_Test(&req, &done, MPI_STATUS_IGNORE) != MPI_SUCCESS) return 0;
    if (!done) nanosleep(&pause, NULL);
  }
  return done;
}

void ParallelAbort(MPI_Comm comm, int code) { MPI_Abort(comm, code); }
