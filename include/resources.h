#ifndef SPIKEFIT_RESOURCES_H
#define SPIKEFIT_RESOURCES_H
/* Memory a request needs, checked before allocating: sizes are computed in double (no
 * integer overflow) and compared with what this machine can give. */
#include <petscsys.h>

/* Bytes this process may allocate: the smaller of physical memory and RLIMIT_AS/RLIMIT_DATA. */
double ResourceMemoryLimit(void);
/* Fails with "WHAT needs X of memory, more than the limit Y" when bytes exceed the limit or
 * are not finite (an overflowing product). */
PetscErrorCode ResourceCheckMemory(MPI_Comm comm, const char *what, double bytes);
/* Fails unless count is a whole number that fits in PetscInt (sizes, counts of elements). */
PetscErrorCode ResourceCheckCount(MPI_Comm comm, const char *what, double count);
/* Human-readable byte count, e.g. "12.5 GB". */
void ResourceFormatBytes(double bytes, char *buf, size_t len);
#endif
