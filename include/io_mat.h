#ifndef SPIKEFIT_IO_MAT_H
#define SPIKEFIT_IO_MAT_H
/* Internal to the MATLAB reader (io_mat.c, io_mat73.c, io_mat_collect.c): the variables' numbers
 * are collected as (unit id, time) pairs whichever file version they came from. */
#include "io_spikes.h"

typedef struct {
  int    rank;
  size_t rows, cols; /* MATLAB's size (trailing dimensions folded into cols) */
} MatShapeInfo;

typedef struct {
  double     scale;                   /* ms per -data_time_unit */
  char       first[256], second[256]; /* the variable, or the ids and times variables */
  SpikePair *pairs;
  size_t     n, cap;
  PetscInt  *ids; /* units seen (cells, or ids in the ids column) */
  PetscInt   nids, capids;
  double    *idcol; /* the ids vector of a pair, until the times arrive */
  size_t     nidcol;
  double     tmax;
} MatCollect;

PetscErrorCode MatCollectInit(MatCollect *c, const DataOptions *opt);
PetscErrorCode MatCollectFree(MatCollect *c);
/* Picks the variable(s) from -data_var or the only one; names = "a, b, c" for messages. */
PetscErrorCode MatChooseVariables(const char *path, const DataOptions *opt, PetscInt nvars, const char *names,
                                  const char *only, MatCollect *c);
/* One cell's spike-time vector (x may be NULL when n == 0). */
PetscErrorCode MatCollectUnit(MatCollect *c, const char *path, const char *what, PetscInt id, const double *x, size_t n,
                              const MatShapeInfo *sh);
/* A numeric variable: an [n][2] (id, time) matrix, or one vector of an ids,times pair. */
PetscErrorCode MatCollectColumns(MatCollect *c, const char *path, const char *what, const double *x, size_t n,
                                 const MatShapeInfo *sh, PetscBool times_only);
PetscErrorCode MatCollectFinish(MatCollect *c, const char *path, const DataOptions *opt, PetscBool info_only,
                                double t_lo, double t_hi, SpikeTrains **out);
/* v7.3: the same through HDF5. */
PetscErrorCode Mat73Read(const char *path, const DataOptions *opt, MatCollect *c);
#endif
