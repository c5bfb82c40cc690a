#ifndef SPIKEFIT_IO_NPY_H
#define SPIKEFIT_IO_NPY_H
/* NumPy .npy files (format versions 1, 2 and 3) holding one column of numbers: shape (n,) or
 * (n, 1), dtype little- or big-endian uint64, int64, uint32, int32 or float64. The header is
 * parsed and checked in C (magic, version, the dict's descr/fortran_order/shape, the file
 * length); the data are read in blocks, converted to double. */
#include <petscsys.h>
#include <stdint.h>
#include <stdio.h>

typedef struct {
  char      kind;        /* 'u', 'i' or 'f' */
  int       size;        /* bytes per element: 4 or 8 */
  PetscBool swap;        /* stored big-endian */
  PetscBool fortran;     /* fortran_order: True (the same bytes for one column) */
  int       ndim;        /* 1 or 2 */
  uint64_t  n;           /* elements */
  size_t    data_offset; /* bytes before the data */
  char      descr[8];    /* as written, for messages */
} NpyHeader;

typedef struct {
  char      path[PETSC_MAX_PATH_LEN];
  FILE     *fp;
  NpyHeader h;
} NpyFile;

/* Parses the header at the start of buf (len bytes: at least the whole header). */
PetscErrorCode NpyParseHeader(const char *name, const unsigned char *buf, size_t len, NpyHeader *h);
/* Opens path, parses its header, checks the file holds exactly n elements. */
PetscErrorCode NpyOpen(const char *path, NpyFile **f);
PetscErrorCode NpyClose(NpyFile **f);
/* out[0..count) = elements [start, start + count) as double; integers beyond 2^53 and
 * non-finite floats are errors that name the file and the index. */
PetscErrorCode NpyRead(NpyFile *f, uint64_t start, uint64_t count, double *out);
#endif
