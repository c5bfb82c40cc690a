#include "resources.h"
#include <math.h>
#include <stdio.h>
#include <sys/resource.h>
#include <unistd.h>

double ResourceMemoryLimit(void)
{
  long          pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
  double        lim = pages > 0 && psize > 0 ? (double)pages * (double)psize : INFINITY;
  struct rlimit rl;
  if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) lim = fmin(lim, (double)rl.rlim_cur);
  if (getrlimit(RLIMIT_DATA, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) lim = fmin(lim, (double)rl.rlim_cur);
  return lim;
}

void ResourceFormatBytes(double bytes, char *buf, size_t len)
{
  static const char *const unit[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
  int                      k      = 0;
  if (!isfinite(bytes)) {
    snprintf(buf, len, "more than 2^64 bytes");
    return;
  }
  while (bytes >= 1000.0 && k < 6) bytes /= 1000.0, k++;
  snprintf(buf, len, k ? "%.1f %s" : "%.0f %s", bytes, unit[k]);
}

PetscErrorCode ResourceCheckMemory(MPI_Comm comm, const char *what, double bytes)
{
  double lim = ResourceMemoryLimit();
  char   need[48], have[48];

  PetscFunctionBeginUser;
  ResourceFormatBytes(bytes, need, sizeof(need));
  ResourceFormatBytes(lim, have, sizeof(have));
  PetscCheck(isfinite(bytes) && bytes <= lim, comm, PETSC_ERR_MEM,
             "%s needs %s of memory, more than this machine's limit of %s (physical memory or ulimit -v)", what, need,
             have);
  PetscFunctionReturn(0);
}

PetscErrorCode ResourceCheckCount(MPI_Comm comm, const char *what, double count)
{
  PetscFunctionBeginUser;
  PetscCheck(isfinite(count) && count >= 0 && count <= (double)PETSC_MAX_INT, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "%s: %.4g is more than %d, the largest count spikefit handles", what, count, (int)PETSC_MAX_INT);
  PetscFunctionReturn(0);
}
