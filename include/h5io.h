#ifndef SPIKEFIT_H5IO_H
#define SPIKEFIT_H5IO_H
/* Small HDF5 helpers. Writers build the file in memory on every rank of the communicator
 * (every rank calls every function; rank 0 supplies the data, the others select nothing)
 * and rank 0 writes the image: files appear atomically, written to PATH.tmp, synced and
 * renamed, and a failed write leaves no PATH.tmp. Readers open the file on one rank. */
#include <petscsys.h>
#include <hdf5.h>
#include <stdint.h>

#define H5IO_CHECKSUM_ATTR "fnv1a64"

typedef struct {
  hid_t    file;
  MPI_Comm comm;
  int      rank;
  int      serial;   /* opened by one process without MPI-IO (H5OutUpdate) */
  int      checksum; /* every numeric dataset gets an attribute H5IO_CHECKSUM_ATTR, the FNV-1a
                      * of its values (hash.h); the data must then be the same on every rank */
  char     path[PETSC_MAX_PATH_LEN], tmp[PETSC_MAX_PATH_LEN + 8];
} H5Out;

PetscErrorCode H5OutCreate(MPI_Comm comm, const char *path, H5Out **out);
/* The same on this process alone (serial driver): for files other processes do not write,
 * and for what MPI-IO cannot write (variable-length strings). */
PetscErrorCode H5OutCreateSerial(const char *path, H5Out **out);
/* Opens a copy (PATH.tmp) of an existing file on this process alone to add to it; commit
 * renames it over PATH, so PATH is never seen half-written. */
PetscErrorCode H5OutUpdate(const char *path, H5Out **out);
/* Removes a link (and so a group or dataset) if it exists. */
PetscErrorCode H5OutRemove(H5Out *h, const char *name);
/* Closes, fsyncs and renames PATH.tmp to PATH. With keep_prev, the old PATH is kept under that
 * name and PATH never goes missing: keep_prev becomes a second link to it (a copy where the file
 * system has no hard links) before PATH.tmp is renamed over PATH, and the directory is synced,
 * so a kill at any instant leaves PATH or keep_prev whole. */
PetscErrorCode H5OutCommit(H5Out **h, const char *keep_prev);
/* Closes and deletes PATH.tmp (on an error path). A write that fails does this itself (the
 * H5Out stays allocated until Abort or the end of the process): no PATH.tmp is left. */
PetscErrorCode H5OutAbort(H5Out **h);

PetscErrorCode H5OutDoubles(H5Out *h, const char *name, int rank, const hsize_t *dims, const double *data);
PetscErrorCode H5OutInts(H5Out *h, const char *name, int rank, const hsize_t *dims, const int64_t *data);
PetscErrorCode H5OutScalar(H5Out *h, const char *name, double value);
PetscErrorCode H5OutGroup(H5Out *h, const char *name);
PetscErrorCode H5OutAttrString(H5Out *h, const char *obj, const char *attr, const char *value);
PetscErrorCode H5OutAttrDouble(H5Out *h, const char *obj, const char *attr, double value);
PetscErrorCode H5OutAttrInt(H5Out *h, const char *obj, const char *attr, int64_t value);
PetscErrorCode H5OutString(H5Out *h, const char *name, const char *value);
/* Spike trains given as a step-major 0/1 array [steps][n] (step t at t*dt ms), written as
 * GROUP/times_ms and GROUP/offsets (docs/FORMAT.md). */
PetscErrorCode H5OutBinnedSpikes(H5Out *h, const char *group, PetscInt n, PetscInt steps, const double *z, double dt);

/* Serial reading. */
PetscErrorCode H5InOpen(const char *path, hid_t *file);
PetscErrorCode H5InClose(hid_t *file, const char *path);
PetscErrorCode H5InExists(hid_t file, const char *name, PetscBool *exists);
/* Shape of a dataset (rank <= 4); fails with the file and dataset named. */
PetscErrorCode H5InShape(hid_t file, const char *path, const char *name, int *rank, hsize_t dims[4]);
/* Reads a whole dataset of `expect` values (checked) as doubles / int64. */
PetscErrorCode H5InDoubles(hid_t file, const char *path, const char *name, hsize_t expect, double *data);
PetscErrorCode H5InInts(hid_t file, const char *path, const char *name, hsize_t expect, int64_t *data);
PetscErrorCode H5InAttrString(hid_t file, const char *path, const char *obj, const char *attr, char *value, size_t len);
PetscErrorCode H5InAttrDouble(hid_t file, const char *path, const char *obj, const char *attr, double *value);
PetscErrorCode H5InAttrInt(hid_t file, const char *path, const char *obj, const char *attr, int64_t *value);
#endif
