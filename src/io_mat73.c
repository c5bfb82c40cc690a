/* MATLAB v7.3 files through HDF5: each variable is a root dataset with a MATLAB_class
 * attribute; a cell array is a dataset of object references into /#refs#; an empty array is
 * stored as its dimensions with MATLAB_empty = 1. HDF5 lists MATLAB's dimensions reversed, so
 * the data are MATLAB's column-major order. */
#include "io_mat.h"
#include <hdf5.h>
#include <string.h>

static void ClassOf(hid_t obj, char *cls, size_t cap)
{
  cls[0] = '\0';
  if (H5Aexists(obj, "MATLAB_class") <= 0) return;
  hid_t a = H5Aopen(obj, "MATLAB_class", H5P_DEFAULT), t = a >= 0 ? H5Aget_type(a) : -1;
  if (t >= 0 && H5Tget_class(t) == H5T_STRING && !H5Tis_variable_str(t)) {
    size_t n = H5Tget_size(t);
    if (n < cap) {
      hid_t mt = H5Tcopy(t);
      H5Tset_size(mt, n + 1);
      H5Tset_strpad(mt, H5T_STR_NULLTERM);
      if (H5Aread(a, mt, cls) < 0) cls[0] = '\0';
      H5Tclose(mt);
    }
  }
  if (t >= 0) H5Tclose(t);
  if (a >= 0) H5Aclose(a);
}

static PetscBool IsEmpty(hid_t obj) { return (PetscBool)(H5Aexists(obj, "MATLAB_empty") > 0); }

/* A numeric dataset: its numbers (MATLAB order) and MATLAB shape. */
static PetscErrorCode Numbers(const char *path, const char *what, hid_t d, double **x, size_t *n, MatShapeInfo *sh)
{
  char    cls[32];
  hid_t   sp      = H5Dget_space(d);
  int     rank    = sp >= 0 ? H5Sget_simple_extent_ndims(sp) : -1;
  hsize_t dims[8] = {0};

  PetscFunctionBeginUser;
  *x = NULL;
  *n = 0;
  ClassOf(d, cls, sizeof(cls));
  PetscCheck(rank >= 0 && rank <= 8, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s: unreadable shape", path,
             what);
  H5Sget_simple_extent_dims(sp, dims, NULL);
  H5Sclose(sp);
  PetscCheck(strcmp(cls, "char"), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: %s is a char array, expected numeric", path, what);
  PetscCheck(strcmp(cls, "logical"), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s is logical, expected numbers",
             path, what);
  PetscCheck(!strcmp(cls, "double") || !strcmp(cls, "single") || !strncmp(cls, "int", 3) || !strncmp(cls, "uint", 4),
             PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s is of MATLAB class '%s', expected numeric", path, what,
             cls[0] ? cls : "(none)");
  sh->rank = rank;
  sh->rows = rank > 0 ? dims[rank - 1] : 1;
  sh->cols = 1;
  for (int r = rank - 2; r >= 0; r--) sh->cols *= dims[r];
  if (IsEmpty(d)) {
    sh->rows = sh->cols = 0;
    PetscFunctionReturn(0);
  }
  *n = sh->rows * sh->cols;
  {
    hid_t       t = H5Dget_type(d);
    H5T_class_t c = H5Tget_class(t);
    H5Tclose(t);
    PetscCheck(c == H5T_INTEGER || c == H5T_FLOAT, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s: %s is complex or not stored as numbers", path, what);
  }
  PetscCall(PetscMalloc1(*n ? *n : 1, x));
  if (*n && H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, *x) < 0) {
    PetscCall(PetscFree(*x));
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: reading %s failed", path, what);
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode Cells(const char *path, const char *name, hid_t d, MatCollect *c)
{
  hid_t          sp = H5Dget_space(d);
  hssize_t       n  = sp >= 0 ? H5Sget_simple_extent_npoints(sp) : -1;
  hobj_ref_t    *refs;
  PetscErrorCode ierr = 0;

  PetscFunctionBeginUser;
  if (sp >= 0) H5Sclose(sp);
  PetscCheck(n >= 0 && n < (1 << 26), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: variable '%s': unreadable cell array", path, name);
  PetscCall(PetscMalloc1(n ? n : 1, &refs));
  if (n && H5Dread(d, H5T_STD_REF_OBJ, H5S_ALL, H5S_ALL, H5P_DEFAULT, refs) < 0) ierr = 1;
  for (hssize_t k = 0; !ierr && k < n; k++) {
    char         what[320];
    hid_t        e = H5Rdereference2(d, H5P_DEFAULT, H5R_OBJECT, &refs[k]);
    double      *x = NULL;
    size_t       m = 0;
    MatShapeInfo sh;
    PetscCall(PetscSNPrintf(what, sizeof(what), "variable '%s' cell {%lld}", name, (long long)k + 1));
    if (e < 0) {
      ierr = 2;
      break;
    }
    ierr = Numbers(path, what, e, &x, &m, &sh);
    H5Oclose(e);
    if (!ierr) ierr = MatCollectUnit(c, path, what, (PetscInt)k + 1, x, m, &sh);
    PetscCall(PetscFree(x));
  }
  PetscCall(PetscFree(refs));
  PetscCheck(ierr != 1 && ierr != 2, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: variable '%s': cannot read the cell references", path, name);
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

static PetscErrorCode Variable(const char *path, hid_t f, const char *name, MatCollect *c, PetscBool times_only)
{
  hid_t          d = H5Dopen2(f, name, H5P_DEFAULT);
  char           cls[32], what[300];
  double        *x = NULL;
  size_t         n = 0;
  MatShapeInfo   sh;
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  PetscCheck(d >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: variable '%s' is a struct or object, expected a cell array or numbers", path, name);
  ClassOf(d, cls, sizeof(cls));
  PetscCall(PetscSNPrintf(what, sizeof(what), "variable '%s'", name));
  if (!strcmp(cls, "cell") && !times_only) ierr = Cells(path, name, d, c);
  else {
    ierr = Numbers(path, what, d, &x, &n, &sh);
    if (!ierr) ierr = MatCollectColumns(c, path, what, x, n, &sh, times_only);
  }
  H5Dclose(d);
  PetscCall(PetscFree(x));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

static PetscErrorCode Inner(const char *path, const DataOptions *opt, hid_t f, MatCollect *c)
{
  H5G_info_t info;
  char       names[1024] = "", first[256] = "";
  PetscInt   nvars = 0;

  PetscFunctionBeginUser;
  PetscCheck(H5Gget_info(f, &info) >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: cannot list the variables",
             path);
  for (hsize_t i = 0; i < info.nlinks; i++) {
    char    name[256];
    ssize_t len = H5Lget_name_by_idx(f, ".", H5_INDEX_NAME, H5_ITER_INC, i, name, sizeof(name), H5P_DEFAULT);
    if (len <= 0 || len >= (ssize_t)sizeof(name) || name[0] == '#') continue; /* #refs#, #subsystem# */
    if (!nvars) PetscCall(PetscStrncpy(first, name, sizeof(first)));
    if (nvars) PetscCall(PetscStrlcat(names, ", ", sizeof(names)));
    PetscCall(PetscStrlcat(names, name, sizeof(names)));
    nvars++;
  }
  PetscCall(MatChooseVariables(path, opt, nvars, names, first, c));
  PetscCall(Variable(path, f, c->first, c, PETSC_FALSE));
  if (c->second[0]) PetscCall(Variable(path, f, c->second, c, PETSC_TRUE));
  PetscFunctionReturn(0);
}

PetscErrorCode Mat73Read(const char *path, const DataOptions *opt, MatCollect *c)
{
  H5E_auto2_t    func;
  void          *data;
  hid_t          f;
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  H5Eget_auto2(H5E_DEFAULT, &func, &data);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f < 0) {
    H5Eset_auto2(H5E_DEFAULT, func, data);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s: a MATLAB 7.3 header but no readable HDF5 behind it", path);
  }
  ierr = Inner(path, opt, f, c);
  H5Fclose(f);
  H5Eset_auto2(H5E_DEFAULT, func, data);
  PetscCall(ierr);
  PetscFunctionReturn(0);
}
