/* The MATLAB reader's version-independent part: which variable, and its numbers checked and
 * turned into (unit id, time) pairs. Messages name the variable and the element (1-based, as
 * MATLAB counts). */
#include "io_mat.h"
#include <math.h>
#include <string.h>

PetscErrorCode MatCollectInit(MatCollect *c, const DataOptions *opt)
{
  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(c, sizeof(*c)));
  c->scale = DataTimeScale(opt);
  c->tmax  = -1;
  PetscFunctionReturn(0);
}

PetscErrorCode MatCollectFree(MatCollect *c)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree(c->pairs));
  PetscCall(PetscFree(c->ids));
  PetscCall(PetscFree(c->idcol));
  PetscFunctionReturn(0);
}

static PetscBool InList(const char *names, const char *want)
{
  size_t n = strlen(want);
  for (const char *p = names; *p;) {
    const char *q = strstr(p, ", ");
    size_t      m = q ? (size_t)(q - p) : strlen(p);
    if (m == n && !strncmp(p, want, n)) return PETSC_TRUE;
    p += m;
    if (*p) p += 2;
  }
  return PETSC_FALSE;
}

PetscErrorCode MatChooseVariables(const char *path, const DataOptions *opt, PetscInt nvars, const char *names,
                                  const char *only, MatCollect *c)
{
  const char *comma = strchr(opt->var, ',');

  PetscFunctionBeginUser;
  PetscCheck(nvars > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: the MATLAB file holds no variable", path);
  if (!opt->var[0]) {
    PetscCheck(nvars == 1, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
               "%s holds %" PetscInt_FMT " variables (%s): choose with -data_var NAME (or -data_var IDS,TIMES)", path,
               nvars, names);
    PetscCall(PetscStrncpy(c->first, only, sizeof(c->first)));
  } else if (comma) {
    size_t k = (size_t)(comma - opt->var);
    PetscCheck(k > 0 && k < sizeof(c->first) && comma[1] && !strchr(comma + 1, ','), PETSC_COMM_SELF,
               PETSC_ERR_ARG_WRONG, "-data_var \"%s\": expected NAME or IDS,TIMES", opt->var);
    memcpy(c->first, opt->var, k);
    c->first[k] = '\0';
    PetscCall(PetscStrncpy(c->second, comma + 1, sizeof(c->second)));
  } else PetscCall(PetscStrncpy(c->first, opt->var, sizeof(c->first)));
  PetscCheck(InList(names, c->first), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "%s: -data_var: no variable '%s' (the file has: %s)", path, c->first, names);
  PetscCheck(!c->second[0] || InList(names, c->second), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "%s: -data_var: no variable '%s' (the file has: %s)", path, c->second, names);
  PetscFunctionReturn(0);
}

static PetscErrorCode AddId(MatCollect *c, PetscInt id)
{
  PetscFunctionBeginUser;
  if (c->nids == c->capids) {
    PetscInt *more;
    c->capids = c->capids ? 2 * c->capids : 64;
    PetscCall(PetscMalloc1(c->capids, &more));
    if (c->nids) PetscCall(PetscArraycpy(more, c->ids, c->nids));
    PetscCall(PetscFree(c->ids));
    c->ids = more;
  }
  c->ids[c->nids++] = id;
  PetscFunctionReturn(0);
}

static PetscErrorCode AddSpike(MatCollect *c, const char *path, const char *what, size_t elem, PetscInt id, double x)
{
  double t;

  PetscFunctionBeginUser;
  PetscCheck(!PetscIsNanReal(x), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: %s element %zu is NaN, expected a spike time", path, what, elem);
  PetscCheck(isfinite(x), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: %s element %zu is infinite, expected a spike time", path, what, elem);
  PetscCheck(x >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: %s element %zu is negative (%g), expected a spike time", path, what, elem, x);
  t = x * c->scale;
  PetscCheck(isfinite(t), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s element %zu = %g is too large", path,
             what, elem, x);
  if (c->n == c->cap) {
    SpikePair *more;
    c->cap = c->cap ? 2 * c->cap : 4096;
    PetscCall(PetscMalloc1(c->cap, &more));
    if (c->n) PetscCall(PetscArraycpy(more, c->pairs, c->n));
    PetscCall(PetscFree(c->pairs));
    c->pairs = more;
  }
  c->pairs[c->n].id  = id;
  c->pairs[c->n++].t = t;
  c->tmax            = PetscMax(c->tmax, t);
  PetscFunctionReturn(0);
}

static PetscErrorCode CheckVector(const char *path, const char *what, size_t n, const MatShapeInfo *sh)
{
  PetscFunctionBeginUser;
  PetscCheck(n == 0 || sh->rows == 1 || sh->cols == 1, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: %s is a %zux%zu matrix, expected a vector", path, what, sh->rows, sh->cols);
  PetscFunctionReturn(0);
}

PetscErrorCode MatCollectUnit(MatCollect *c, const char *path, const char *what, PetscInt id, const double *x, size_t n,
                              const MatShapeInfo *sh)
{
  PetscFunctionBeginUser;
  if (n) PetscCall(CheckVector(path, what, n, sh));
  PetscCall(AddId(c, id));
  for (size_t i = 0; i < n; i++) PetscCall(AddSpike(c, path, what, i + 1, id, x[i]));
  PetscFunctionReturn(0);
}

static PetscErrorCode UnitId(const char *path, const char *what, size_t elem, double v, PetscInt *id)
{
  PetscFunctionBeginUser;
  PetscCheck(isfinite(v) && v >= 0 && v == floor(v) && v <= PETSC_MAX_INT, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: %s element %zu = %g is not a unit id (non-negative integer)", path, what, elem, v);
  *id = (PetscInt)v;
  PetscFunctionReturn(0);
}

PetscErrorCode MatCollectColumns(MatCollect *c, const char *path, const char *what, const double *x, size_t n,
                                 const MatShapeInfo *sh, PetscBool times_only)
{
  PetscFunctionBeginUser;
  if (c->second[0] && !times_only) { /* the ids of an ids,times pair */
    PetscCall(CheckVector(path, what, n, sh));
    PetscCall(PetscMalloc1(n ? n : 1, &c->idcol));
    PetscCall(PetscArraycpy(c->idcol, x, n));
    c->nidcol = n;
    PetscFunctionReturn(0);
  }
  if (times_only) {
    PetscCall(CheckVector(path, what, n, sh));
    PetscCheck(n == c->nidcol, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s: -data_var %s,%s: a ragged pair: '%s' has %zu elements but '%s' has %zu", path, c->first, c->second,
               c->first, c->nidcol, c->second, n);
    for (size_t i = 0; i < n; i++) {
      PetscInt id;
      char     idwhat[300];
      PetscCall(PetscSNPrintf(idwhat, sizeof(idwhat), "variable '%s'", c->first));
      PetscCall(UnitId(path, idwhat, i + 1, c->idcol[i], &id));
      PetscCall(AddId(c, id));
      PetscCall(AddSpike(c, path, what, i + 1, id, x[i]));
    }
    PetscFunctionReturn(0);
  }
  PetscCheck(
      sh->cols == 2 && sh->rank == 2, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
      "%s: %s is a %zux%zu numeric array: expected a cell array of spike-time vectors, an [n x 2] (unit id, time) matrix, or -data_var IDS,TIMES",
      path, what, sh->rows, sh->cols);
  for (size_t i = 0; i < sh->rows; i++) { /* column-major: ids first, then times */
    PetscInt id;
    char     rwhat[300];
    PetscCall(PetscSNPrintf(rwhat, sizeof(rwhat), "%s row %zu", what, i + 1));
    PetscCall(UnitId(path, rwhat, 1, x[i], &id));
    PetscCall(AddId(c, id));
    PetscCall(AddSpike(c, path, rwhat, 2, id, x[sh->rows + i]));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode MatCollectFinish(MatCollect *c, const char *path, const DataOptions *opt, PetscBool info_only,
                                double t_lo, double t_hi, SpikeTrains **out)
{
  PetscInt       nsel, *sel = NULL, nint;
  double        *ints = NULL;
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  PetscCheck(c->n > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: empty recording: variable '%s' holds no spike",
             path, c->second[0] ? c->second : c->first);
  PetscCall(PetscSortRemoveDupsInt(&c->nids, c->ids));
  PetscCall(DataUnitsSelect(path, opt->units, c->nids, c->ids, &nsel, &sel));
  for (PetscInt s = 0; s < nsel; s++) sel[s] = c->ids[sel[s]];
  ierr = SpikeIntervalsFor(path, opt, 0, NULL, c->tmax, &nint, &ints);
  if (!ierr) ierr = SpikePairsToTrains(path, c->n, c->pairs, nsel, sel, nint, ints, info_only, t_lo, t_hi, out);
  PetscCall(PetscFree(sel));
  PetscCall(PetscFree(ints));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}
