/* MATLAB files: v5/v7 through libmatio, v7.3 (HDF5 behind a 512-byte header) through our own
 * HDF5 (io_mat73.c), since Debian's matio links the serial HDF5, which must not touch files in
 * a process that uses the parallel one. A variable is either a cell array of numeric spike-time
 * vectors (unit id = the cell's 1-based index, as MATLAB shows it), or an [n][2] numeric matrix
 * of (unit id, time) rows; -data_var IDS,TIMES names two equal-length vectors instead. */
#include "io_spikes.h"
#include "io_mat.h"
#include <matio.h>
#include <math.h>
#include <string.h>

static const char *MatClassName(enum matio_classes c)
{
  switch (c) {
  case MAT_C_CELL: return "a cell array";
  case MAT_C_STRUCT: return "a struct";
  case MAT_C_OBJECT: return "an object";
  case MAT_C_CHAR: return "a char array";
  case MAT_C_SPARSE: return "a sparse matrix";
  case MAT_C_FUNCTION: return "a function handle";
  case MAT_C_OPAQUE: return "an opaque object";
  case MAT_C_EMPTY: return "empty";
  default: return "numeric";
  }
}

/* The numbers of v, in MATLAB's column-major order, as doubles. */
static PetscErrorCode MatNumbers(const char *path, const char *what, matvar_t *v, double **out, size_t *n)
{
  size_t m = 1;

  PetscFunctionBeginUser;
  *out = NULL;
  *n   = 0;
  PetscCheck(v->class_type >= MAT_C_DOUBLE && v->class_type <= MAT_C_UINT64, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: %s is %s, expected numeric", path, what, MatClassName(v->class_type));
  PetscCheck(!v->isComplex, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s is complex, expected real numbers",
             path, what);
  PetscCheck(!v->isLogical, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s is logical, expected numbers", path,
             what);
  for (int r = 0; r < v->rank; r++) m *= v->dims[r];
  PetscCheck(m == 0 || v->data, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s holds no data", path, what);
  PetscCall(PetscMalloc1(m ? m : 1, out));
  for (size_t i = 0; i < m; i++) {
    double x;
    switch (v->data_type) {
    case MAT_T_DOUBLE: x = ((const double *)v->data)[i]; break;
    case MAT_T_SINGLE: x = ((const float *)v->data)[i]; break;
    case MAT_T_INT8: x = ((const int8_t *)v->data)[i]; break;
    case MAT_T_UINT8: x = ((const uint8_t *)v->data)[i]; break;
    case MAT_T_INT16: x = ((const int16_t *)v->data)[i]; break;
    case MAT_T_UINT16: x = ((const uint16_t *)v->data)[i]; break;
    case MAT_T_INT32: x = ((const int32_t *)v->data)[i]; break;
    case MAT_T_UINT32: x = ((const uint32_t *)v->data)[i]; break;
    case MAT_T_INT64: x = (double)((const int64_t *)v->data)[i]; break;
    case MAT_T_UINT64: x = (double)((const uint64_t *)v->data)[i]; break;
    default:
      PetscCall(PetscFree(*out));
      SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s has storage type %d, not a number type", path, what,
              (int)v->data_type);
    }
    (*out)[i] = x;
  }
  *n = m;
  PetscFunctionReturn(0);
}

static PetscErrorCode MatShape(const matvar_t *v, MatShapeInfo *s)
{
  PetscFunctionBeginUser;
  s->rank = v->rank;
  s->rows = v->rank > 0 ? v->dims[0] : 0;
  s->cols = v->rank > 1 ? v->dims[1] : 1;
  for (int r = 2; r < v->rank; r++) s->cols *= v->dims[r];
  PetscFunctionReturn(0);
}

static PetscErrorCode MatV5Variable(const char *path, mat_t *mat, const char *name, MatCollect *col,
                                    PetscBool times_only)
{
  matvar_t      *v = Mat_VarRead(mat, name);
  char           what[320];
  double        *x = NULL;
  size_t         n = 0;
  MatShapeInfo   sh;
  PetscErrorCode ierr = 0;

  PetscFunctionBeginUser;
  PetscCheck(v, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: cannot read variable '%s' (damaged file?)", path,
             name);
  PetscCall(MatShape(v, &sh));
  if (v->class_type == MAT_C_CELL && !times_only) {
    size_t ncell = sh.rows * sh.cols;
    for (size_t k = 0; !ierr && k < ncell; k++) {
      matvar_t *c = Mat_VarGetCell(v, (int)k);
      PetscCall(PetscSNPrintf(what, sizeof(what), "variable '%s' cell {%zu}", name, k + 1));
      if (!c)
        ierr = MatCollectUnit(col, path, what, (PetscInt)(k + 1), NULL, 0,
                              NULL); /* an empty cell: a unit without spikes */
      else {
        PetscCall(MatShape(c, &sh));
        ierr = MatNumbers(path, what, c, &x, &n);
        if (!ierr) ierr = MatCollectUnit(col, path, what, (PetscInt)(k + 1), x, n, &sh);
        PetscCall(PetscFree(x));
      }
    }
  } else {
    PetscCall(PetscSNPrintf(what, sizeof(what), "variable '%s'", name));
    ierr = MatNumbers(path, what, v, &x, &n);
    if (!ierr) ierr = MatCollectColumns(col, path, what, x, n, &sh, times_only);
    PetscCall(PetscFree(x));
  }
  Mat_VarFree(v);
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

static PetscErrorCode MatV5(const char *path, const DataOptions *opt, MatCollect *col)
{
  mat_t         *mat = Mat_Open(path, MAT_ACC_RDONLY);
  matvar_t      *v;
  char           names[1024] = "", first[256] = "";
  PetscInt       nvars = 0;
  PetscErrorCode ierr  = 0;

  PetscFunctionBeginUser;
  PetscCheck(mat, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s: matio cannot open this MATLAB file", path);
  while ((v = Mat_VarReadNextInfo(mat))) {
    if (v->name) {
      if (!nvars) PetscCall(PetscStrncpy(first, v->name, sizeof(first)));
      if (nvars) PetscCall(PetscStrlcat(names, ", ", sizeof(names)));
      PetscCall(PetscStrlcat(names, v->name, sizeof(names)));
      nvars++;
    }
    Mat_VarFree(v);
  }
  Mat_Rewind(mat);
  ierr = MatChooseVariables(path, opt, nvars, names, first, col);
  if (!ierr && col->second[0]) {
    ierr = MatV5Variable(path, mat, col->first, col, PETSC_FALSE);
    if (!ierr) ierr = MatV5Variable(path, mat, col->second, col, PETSC_TRUE);
  } else if (!ierr) ierr = MatV5Variable(path, mat, col->first, col, PETSC_FALSE);
  Mat_Close(mat);
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

PetscErrorCode MatRead(const char *path, const DataOptions *opt, PetscBool info_only, double t_lo, double t_hi,
                       SpikeTrains **out)
{
  MatCollect     col;
  char           head[20] = {0};
  FILE          *fp;
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  *out = NULL;
  fp   = fopen(path, "rb");
  PetscCheck(fp, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s: cannot open", path);
  if (fread(head, 1, 19, fp) != 19) head[0] = '\0';
  fclose(fp);
  PetscCall(MatCollectInit(&col, opt));
  if (!strncmp(head, "MATLAB 7.3", 10)) ierr = Mat73Read(path, opt, &col);
  else ierr = MatV5(path, opt, &col);
  if (!ierr) ierr = MatCollectFinish(&col, path, opt, info_only, t_lo, t_hi, out);
  PetscCall(MatCollectFree(&col));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}
