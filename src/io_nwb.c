/* NWB /units table: spike_times (float32/64, s), spike_times_index (cumulative END offsets, any
 * integer width; absent: one unit), id, optional obs_intervals (+ obs_intervals_index; absent
 * with one unit: its rows), and the selection of rows by a column (-data_units_where). */
#include "io_spikes.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* obs_intervals of every unit (obs_intervals_index; absent with one unit: every row is its). */
static PetscErrorCode NwbObsIntervals(SpikeSource *src, hsize_t n)
{
  PetscInt       m;
  hsize_t        ni;
  uint64_t      *oends = NULL;
  PetscBool      has_obs_index;
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  PetscCall(SpikeSourceReadIntervals(src, "/units/obs_intervals", 1000.0, &m, &src->int_ms));
  PetscCall(SpikeSourceLinkExists(src, "/units/obs_intervals_index", &has_obs_index));
  if (has_obs_index || n != 1)
    PetscCall(SpikeSourceReadU64(src, "/units/obs_intervals_index", PETSC_FALSE, NULL, &ni, &oends));
  else { /* one unit owns every row */ ni = 1;
    PetscCall(PetscMalloc1(1, &oends));
    oends[0] = (uint64_t)m;
  }
  src->int_off = NULL;
  ierr         = 0;
  if (ni != n) ierr = 1;
  for (hsize_t k = 0; !ierr && k < ni; k++)
    if ((k > 0 && oends[k] < oends[k - 1]) || oends[k] > (uint64_t)m) ierr = 2 + (PetscErrorCode)k;
  if (ierr) {
    unsigned long long bad = ierr >= 2 ? (unsigned long long)oends[ierr - 2] : 0;
    PetscCall(PetscFree(oends));
    PetscCheck(ierr != 1, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s: /units/obs_intervals_index has %llu entries, expected %llu (one per unit)", src->path,
               (unsigned long long)ni, (unsigned long long)n);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
            "%s: /units/obs_intervals_index entry %d is %llu: not monotone or past the %" PetscInt_FMT
            " rows of /units/obs_intervals",
            src->path, (int)(ierr - 2), bad, m);
  }
  PetscCall(PetscMalloc1(n + 1, &src->int_off));
  src->int_off[0] = 0;
  for (hsize_t k = 0; k < n; k++) src->int_off[k + 1] = oends[k];
  PetscCall(PetscFree(oends));
  src->per_unit = PETSC_TRUE;
  PetscFunctionReturn(0);
}

PetscErrorCode NwbOpen(SpikeSource *src)
{
  hsize_t        dims[2] = {0, 0}, n;
  uint64_t      *ends    = NULL;
  PetscBool      has_id, has_obs, has_index;
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  src->times_name = "/units/spike_times";
  src->to_ms      = 1000.0; /* NWB times are seconds */
  PetscCall(SpikeSourceOpenDataset(src, src->times_name, H5T_FLOAT, 1, dims, &src->times));
  src->ntimes = dims[0];
  PetscCall(SpikeSourceLinkExists(src, "/units/spike_times_index", &has_index));
  if (has_index) PetscCall(SpikeSourceReadU64(src, "/units/spike_times_index", PETSC_FALSE, NULL, &n, &ends));
  else { /* one unit: a column without an index holds one row */ PetscBool has_ids;
    PetscCall(SpikeSourceLinkExists(src, "/units/id", &has_ids));
    if (has_ids) {
      hid_t   d;
      hsize_t dd[2] = {0, 0};
      PetscCall(SpikeSourceOpenDataset(src, "/units/id", H5T_INTEGER, 1, dd, &d));
      PetscCall(SpikeSourceRelease(src, d));
      PetscCheck(
          dd[0] == 1, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
          "%s: /units/spike_times_index is missing but /units/id has %llu units (without an index the table holds one unit)",
          src->path, (unsigned long long)dd[0]);
    }
    n = 1;
    PetscCall(PetscMalloc1(1, &ends));
    ends[0] = src->ntimes;
  }
  if (n > (hsize_t)PETSC_MAX_INT) {
    PetscCall(PetscFree(ends));
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: /units/spike_times_index has too many entries", src->path);
  }
  ierr = SpikeSourceSegmentsFromEnds(src, "/units/spike_times_index", ends, (PetscInt)n);
  PetscCall(PetscFree(ends));
  PetscCall(ierr);

  PetscCall(SpikeSourceLinkExists(src, "/units/id", &has_id));
  if (has_id) PetscCall(SpikeSourceReadIds(src, "/units/id", (PetscInt)n, &src->ids));
  else { /* tolerated: ids are the row numbers */ PetscCall(PetscMalloc1(n > 0 ? n : 1, &src->ids));
    for (PetscInt k = 0; k < (PetscInt)n; k++) src->ids[k] = k;
  }

  PetscCall(SpikeSourceLinkExists(src, "/units/obs_intervals", &has_obs));
  if (!has_obs) {
    src->from_spikes = PETSC_TRUE; /* [first spike, last spike] rounded out to whole ms */
    PetscFunctionReturn(0);
  }
  PetscCall(NwbObsIntervals(src, n));
  PetscFunctionReturn(0);
}

/* "a, b, c": the /units members, for the message of an unknown column. */
static void UnitsColumns(SpikeSource *src, char *out, size_t cap)
{
  hid_t      g = H5Gopen2(src->file, "/units", H5P_DEFAULT);
  H5G_info_t info;
  size_t     k = 0;
  out[0]       = '\0';
  if (g < 0) return;
  if (H5Gget_info(g, &info) >= 0)
    for (hsize_t i = 0; i < info.nlinks && k + 40 < cap; i++) {
      char    name[64];
      ssize_t len = H5Lget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, i, name, sizeof(name), H5P_DEFAULT);
      if (len <= 0 || len >= (ssize_t)sizeof(name)) continue;
      k += (size_t)snprintf(out + k, cap - k, "%s%s", k ? ", " : "", name);
    }
  H5Gclose(g);
}

/* The column's values as text, one per unit (strings as stored, numbers printed %.17g). */
static PetscErrorCode ColumnText(SpikeSource *src, const char *col, const char *name, char ***vals)
{
  hid_t       d, type;
  H5T_class_t cls;
  hsize_t     dims[2] = {0, 0};
  PetscInt    n       = src->nall;

  PetscFunctionBeginUser;
  d = H5Dopen2(src->file, name, H5P_DEFAULT);
  PetscCheck(d >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: cannot open %s", src->path, name);
  PetscCall(SpikeSourceTrack(src, d));
  type = H5Dget_type(d);
  cls  = H5Tget_class(type);
  H5Tclose(type);
  PetscCall(SpikeSourceRelease(src, d));
  PetscCall(SpikeSourceOpenDataset(src, name, cls, 1, dims, &d));
  PetscCheck(dims[0] == (hsize_t)n, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: -data_units_where: column %s has %llu rows but /units has %" PetscInt_FMT " units%s", src->path, col,
             (unsigned long long)dims[0], n,
             dims[0] > (hsize_t)n ? " (a ragged column with an index is not supported)" : "");
  PetscCall(PetscCalloc1(n, vals));
  if (cls == H5T_STRING) {
    hid_t  ft = H5Dget_type(d), mt = H5Tcopy(H5T_C_S1);
    htri_t vl = H5Tis_variable_str(ft);
    size_t sz = H5Tget_size(ft);
    H5Tclose(ft);
    if (vl > 0) {
      char **tmp;
      PetscCall(PetscCalloc1(n, &tmp));
      H5Tset_size(mt, H5T_VARIABLE);
      PetscCheck(H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, tmp) >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
                 "%s: reading column %s failed", src->path, name);
      for (PetscInt k = 0; k < n; k++) PetscCall(PetscStrallocpy(tmp[k] ? tmp[k] : "", &(*vals)[k]));
      for (PetscInt k = 0; k < n; k++) free(tmp[k]); /* HDF5 allocated them with malloc */
      PetscCall(PetscFree(tmp));
    } else {
      char *buf;
      H5Tset_size(mt, sz + 1);
      H5Tset_strpad(mt, H5T_STR_NULLTERM);
      PetscCall(PetscCalloc1(n * (sz + 1), &buf));
      PetscCheck(H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
                 "%s: reading column %s failed", src->path, name);
      for (PetscInt k = 0; k < n; k++) PetscCall(PetscStrallocpy(buf + k * (sz + 1), &(*vals)[k]));
      PetscCall(PetscFree(buf));
    }
    H5Tclose(mt);
  } else {
    double *v;
    PetscCheck(cls == H5T_INTEGER || cls == H5T_FLOAT, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s: -data_units_where: column %s is neither text nor numbers", src->path, col);
    PetscCall(PetscMalloc1(n, &v));
    PetscCall(SpikeSourceReadAll(src, d, name, H5T_NATIVE_DOUBLE, v));
    for (PetscInt k = 0; k < n; k++) {
      char buf[32];
      PetscCall(PetscSNPrintf(buf, sizeof(buf), "%.17g", v[k]));
      PetscCall(PetscStrallocpy(buf, &(*vals)[k]));
    }
    PetscCall(PetscFree(v));
  }
  PetscCall(SpikeSourceRelease(src, d));
  PetscFunctionReturn(0);
}

static PetscBool ValueMatches(const char *want, size_t len, const char *have)
{
  char  *end;
  double a, b;
  if (strlen(have) == len && !strncmp(want, have, len)) return PETSC_TRUE;
  /* numbers compare by value: "3" matches 3.0 */
  b = strtod(have, &end);
  if (end == have || *end) return PETSC_FALSE;
  {
    char tmp[64];
    if (len >= sizeof(tmp)) return PETSC_FALSE;
    memcpy(tmp, want, len);
    tmp[len] = '\0';
    a        = strtod(tmp, &end);
    return (PetscBool)(end != tmp && !*end && a == b);
  }
}

PetscErrorCode NwbUnitsWhere(SpikeSource *src, const char *where, PetscBool *keep)
{
  char        col[64], name[96], cols[512];
  const char *eq   = strchr(where, '='), *list;
  char      **vals = NULL;
  PetscBool   exists;
  PetscInt    nkeep = 0;

  PetscFunctionBeginUser;
  PetscCheck(eq && eq > where && eq[1] && (size_t)(eq - where) < sizeof(col), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "-data_units_where \"%s\": expected COLUMN=VALUE[,VALUE...], e.g. quality=good", where);
  memcpy(col, where, (size_t)(eq - where));
  col[eq - where] = '\0';
  list            = eq + 1;
  PetscCall(PetscSNPrintf(name, sizeof(name), "/units/%s", col));
  PetscCall(SpikeSourceLinkExists(src, name, &exists));
  if (!exists) {
    UnitsColumns(src, cols, sizeof(cols));
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "%s: -data_units_where: /units has no column '%s' (it has: %s)",
            src->path, col, cols);
  }
  PetscCall(ColumnText(src, col, name, &vals));
  for (PetscInt k = 0; k < src->nall; k++) {
    keep[k] = PETSC_FALSE;
    for (const char *p = list; *p;) {
      const char *q = strchr(p, ',');
      size_t      m = q ? (size_t)(q - p) : strlen(p);
      if (ValueMatches(p, m, vals[k])) keep[k] = PETSC_TRUE;
      p += m;
      if (*p == ',') p++;
    }
    if (keep[k]) nkeep++;
  }
  if (!nkeep) { /* name the values there are */
    size_t k = 0;
    cols[0]  = '\0';
    for (PetscInt u = 0; u < src->nall && k + 40 < sizeof(cols); u++) {
      PetscBool seen = PETSC_FALSE;
      for (PetscInt v = 0; v < u && !seen; v++) seen = (PetscBool)!strcmp(vals[u], vals[v]);
      if (!seen) k += (size_t)snprintf(cols + k, sizeof(cols) - k, "%s'%s'", k ? ", " : "", vals[u]);
    }
  }
  for (PetscInt k = 0; k < src->nall; k++) PetscCall(PetscFree(vals[k]));
  PetscCall(PetscFree(vals));
  PetscCheck(nkeep > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "%s: -data_units_where %s matches no unit: column %s holds %s", src->path, where, col, cols);
  PetscFunctionReturn(0);
}
