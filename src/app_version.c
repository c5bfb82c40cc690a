/* `spikefit --version`: the program's version and git commit, and the versions of the
 * libraries it was compiled against. Runs before PETSc and MPI start, so it works on a login
 * node without mpirun. */
#include "app.h"
#include "parallel.h"
#include "spikefit_git.h" /* generated at build time by cmake/GitVersion.cmake */
#include <cblas.h>
#include <hdf5.h>
#include <petscversion.h>
#include <stdio.h>
#include <string.h>

#ifndef SPIKEFIT_VERSION
  #define SPIKEFIT_VERSION "unknown"
#endif

PetscBool AppVersionRequested(const char *arg)
{
  return arg && (!strcmp(arg, "--version") || !strcmp(arg, "-version") || !strcmp(arg, "version")) ? PETSC_TRUE
                                                                                                   : PETSC_FALSE;
}

/* OPENBLAS_VERSION is " OpenBLAS 0.3.21 ": the number without the padding. */
static void BlasVersion(char *buf, size_t len)
{
#ifdef OPENBLAS_VERSION
  const char *v = OPENBLAS_VERSION, *p = strstr(v, "OpenBLAS");
  size_t      n;
  p = p ? p + strlen("OpenBLAS") : v;
  while (*p == ' ') p++;
  n = strcspn(p, " ");
  snprintf(buf, len, "OpenBLAS %.*s", (int)n, p);
#else
  snprintf(buf, len, "CBLAS (unknown vendor)");
#endif
}

static void MpiCompiledVersion(char *buf, size_t len)
{
#if defined(OMPI_MAJOR_VERSION)
  snprintf(buf, len, "MPI %d.%d (Open MPI %d.%d.%d)", MPI_VERSION, MPI_SUBVERSION, OMPI_MAJOR_VERSION,
           OMPI_MINOR_VERSION, OMPI_RELEASE_VERSION);
#elif defined(MPICH_VERSION)
  snprintf(buf, len, "MPI %d.%d (MPICH %s)", MPI_VERSION, MPI_SUBVERSION, MPICH_VERSION);
#else
  snprintf(buf, len, "MPI %d.%d", MPI_VERSION, MPI_SUBVERSION);
#endif
}

int AppVersionPrint(void)
{
  char     mpi[128], blas[64], lib[256];
  unsigned maj = 0, min = 0, rel = 0;

  MpiCompiledVersion(mpi, sizeof(mpi));
  BlasVersion(blas, sizeof(blas));
  ParallelLibraryVersion(lib, sizeof(lib));
  printf("spikefit %s\n", SPIKEFIT_VERSION);
  printf("git commit: %s\n", SPIKEFIT_GIT_COMMIT);
  printf("built with: PETSc %d.%d.%d%s, HDF5 %d.%d.%d%s%s, %s, %s\n", PETSC_VERSION_MAJOR, PETSC_VERSION_MINOR,
         PETSC_VERSION_SUBMINOR, PETSC_VERSION_RELEASE ? "" : " (development)", H5_VERS_MAJOR, H5_VERS_MINOR,
         H5_VERS_RELEASE, H5_VERS_SUBRELEASE[0] ? "-" : "", H5_VERS_SUBRELEASE, mpi, blas);
  /* the libraries found at run time may be newer builds than the headers */
  if (H5get_libversion(&maj, &min, &rel) >= 0) printf("HDF5 library: %u.%u.%u\n", maj, min, rel);
  printf("MPI library: %s\n", lib);
  return fflush(stdout) == 0 ? 0 : 1;
}
