/* NWB 2.5 writer for spike trains (include/io_nwbout.h). Text is written as variable-length
 * UTF-8 strings, as pynwb writes it (hence serial HDF5: MPI-IO cannot write them); every typed
 * object carries namespace, neurodata_type and object_id. */
#include "io_nwbout.h"
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NWBOK(call, h, what) \
  PetscCheck((call) >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot write %s in %s", what, (h)->tmp)

/* A random (version 4) UUID: object ids and the file identifier must be unique. */
static void Uuid(char out[37])
{
  unsigned char b[16];
  int           fd = open("/dev/urandom", O_RDONLY), ok = 0;

  if (fd >= 0) {
    ok = read(fd, b, sizeof(b)) == (ssize_t)sizeof(b);
    close(fd);
  }
  if (!ok) { /* no /dev/urandom: time and pid, still unique enough between exports */
    unsigned long x = (unsigned long)time(NULL) * 2654435761UL ^ (unsigned long)getpid() * 40503UL;
    for (int k = 0; k < 16; k++) x = x * 6364136223846793005UL + 1442695040888963407UL, b[k] = (unsigned char)(x >> 56);
  }
  b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
  b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
  snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3],
           b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

static hid_t VlenString(void)
{
  hid_t t = H5Tcopy(H5T_C_S1);
  H5Tset_size(t, H5T_VARIABLE);
  H5Tset_cset(t, H5T_CSET_UTF8);
  return t;
}

/* Attribute attr of object obj: n variable-length strings (n = 0: a scalar holding values[0]). */
static PetscErrorCode AttrStrings(H5Out *h, const char *obj, const char *attr, hsize_t n, const char *const *values)
{
  hid_t  type = VlenString(), space = n ? H5Screate_simple(1, &n, NULL) : H5Screate(H5S_SCALAR), a;
  herr_t st = -1;

  PetscFunctionBeginUser;
  a = H5Acreate_by_name(h->file, obj, attr, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  if (a >= 0) st = H5Awrite(a, type, values);
  if (a >= 0) H5Aclose(a);
  H5Sclose(space);
  H5Tclose(type);
  PetscCheck(st >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot write attribute %s of %s in %s", attr, obj,
             h->tmp);
  PetscFunctionReturn(0);
}

static PetscErrorCode AttrText(H5Out *h, const char *obj, const char *attr, const char *value)
{
  return AttrStrings(h, obj, attr, 0, &value);
}

/* The three attributes of every NWB-typed object. */
static PetscErrorCode Typed(H5Out *h, const char *obj, const char *ns, const char *type)
{
  char id[37];

  PetscFunctionBeginUser;
  Uuid(id);
  PetscCall(AttrText(h, obj, "namespace", ns));
  PetscCall(AttrText(h, obj, "neurodata_type", type));
  PetscCall(AttrText(h, obj, "object_id", id));
  PetscFunctionReturn(0);
}

/* A text dataset: a scalar (n = 0) or n strings. */
static PetscErrorCode DatasetText(H5Out *h, const char *name, hsize_t n, const char *const *values)
{
  hid_t  type = VlenString(), space = n ? H5Screate_simple(1, &n, NULL) : H5Screate(H5S_SCALAR), d;
  herr_t st = -1;

  PetscFunctionBeginUser;
  d = H5Dcreate2(h->file, name, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  if (d >= 0) st = H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values);
  if (d >= 0) H5Dclose(d);
  H5Sclose(space);
  H5Tclose(type);
  NWBOK(st, h, name);
  PetscFunctionReturn(0);
}

static PetscErrorCode DatasetU64(H5Out *h, const char *name, hsize_t n, const uint64_t *values)
{
  hid_t  space = H5Screate_simple(1, &n, NULL), d;
  herr_t st    = -1;

  PetscFunctionBeginUser;
  d = H5Dcreate2(h->file, name, H5T_STD_U64LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  if (d >= 0) st = n ? H5Dwrite(d, H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, values) : 0;
  if (d >= 0) H5Dclose(d);
  H5Sclose(space);
  NWBOK(st, h, name);
  PetscFunctionReturn(0);
}

/* VectorIndex's `target`: an object reference to the column it indexes. */
static PetscErrorCode AttrRef(H5Out *h, const char *obj, const char *attr, const char *target)
{
  hobj_ref_t ref;
  hid_t      space, a = -1;
  herr_t     st = H5Rcreate(&ref, h->file, target, H5R_OBJECT, -1);

  PetscFunctionBeginUser;
  if (st >= 0) {
    space = H5Screate(H5S_SCALAR);
    a     = H5Acreate_by_name(h->file, obj, attr, H5T_STD_REF_OBJ, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    st    = a >= 0 ? H5Awrite(a, H5T_STD_REF_OBJ, &ref) : -1;
    if (a >= 0) H5Aclose(a);
    H5Sclose(space);
  }
  PetscCheck(st >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot write the reference %s of %s in %s", attr, obj,
             h->tmp);
  PetscFunctionReturn(0);
}

static void IsoNow(char *buf, size_t len)
{
  time_t    now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  strftime(buf, len, "%Y-%m-%dT%H:%M:%S+00:00", &tm);
}

PetscErrorCode NwbOutCreate(const char *path, const char *session_description, H5Out **out)
{
  static const char *const groups[] = {"/acquisition",        "/analysis", "/general",
                                       "/processing",         "/stimulus", "/stimulus/presentation",
                                       "/stimulus/templates", NULL};
  char                     now[40], id[37];
  const char              *v;
  H5Out                   *h;
  PetscErrorCode           ierr;

  PetscFunctionBeginUser;
  PetscCall(H5OutCreateSerial(path, &h));
  IsoNow(now, sizeof(now));
  Uuid(id);
  ierr = 0;
  for (int k = 0; groups[k] && !ierr; k++) ierr = H5OutGroup(h, groups[k]);
  if (!ierr) ierr = Typed(h, "/", "core", "NWBFile");
  if (!ierr) ierr = AttrText(h, "/", "nwb_version", NWB_VERSION);
  v = now;
  if (!ierr) ierr = DatasetText(h, "/file_create_date", 1, &v);
  if (!ierr) ierr = DatasetText(h, "/session_start_time", 0, &v);
  if (!ierr) ierr = DatasetText(h, "/timestamps_reference_time", 0, &v);
  v = id;
  if (!ierr) ierr = DatasetText(h, "/identifier", 0, &v);
  if (!ierr) ierr = DatasetText(h, "/session_description", 0, &session_description);
  if (ierr) {
    H5OutAbort(&h);
    return ierr;
  }
  *out = h;
  PetscFunctionReturn(0);
}

PetscErrorCode NwbOutProcessingModule(H5Out *h, const char *group, const char *description)
{
  PetscFunctionBeginUser;
  PetscCall(H5OutGroup(h, group));
  PetscCall(Typed(h, group, "core", "ProcessingModule"));
  PetscCall(AttrText(h, group, "description", description));
  PetscFunctionReturn(0);
}

/* A VectorData column and, for a ragged one, its VectorIndex of cumulative end offsets. */
static PetscErrorCode Column(H5Out *h, const char *group, const char *col, const char *description, int rank,
                             const hsize_t *dims, const double *data, PetscInt n, const uint64_t *ends)
{
  char data_name[256], index_name[256], index_desc[300];

  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(data_name, sizeof(data_name), "%s/%s", group, col));
  PetscCall(PetscSNPrintf(index_name, sizeof(index_name), "%s/%s_index", group, col));
  PetscCall(PetscSNPrintf(index_desc, sizeof(index_desc), "Index for VectorData '%s'", col));
  PetscCall(H5OutDoubles(h, data_name, rank, dims, data));
  PetscCall(Typed(h, data_name, "hdmf-common", "VectorData"));
  PetscCall(AttrText(h, data_name, "description", description));
  PetscCall(DatasetU64(h, index_name, (hsize_t)n, ends));
  PetscCall(Typed(h, index_name, "hdmf-common", "VectorIndex"));
  PetscCall(AttrText(h, index_name, "description", index_desc));
  PetscCall(AttrRef(h, index_name, "target", data_name));
  PetscFunctionReturn(0);
}

static PetscErrorCode UnitsColumns(H5Out *h, const char *group, const SpikeTrains *st, double *sec, uint64_t *ends,
                                   int64_t *ids, double *obs)
{
  PetscInt n = st->nunits, m = st->nintervals;
  hsize_t  dims[2];
  char     name[256];

  PetscFunctionBeginUser;
  for (PetscInt s = 0; s < st->nspikes; s++) sec[s] = st->times_ms[s] / 1000.0;
  for (PetscInt k = 0; k < n; k++) {
    ends[k] = (uint64_t)st->offsets[k + 1];
    ids[k]  = st->unit_ids[k];
  }
  dims[0] = (hsize_t)n;
  PetscCall(PetscSNPrintf(name, sizeof(name), "%s/id", group));
  PetscCall(H5OutInts(h, name, 1, dims, ids));
  PetscCall(Typed(h, name, "hdmf-common", "ElementIdentifiers"));
  dims[0] = (hsize_t)st->nspikes;
  PetscCall(Column(h, group, "spike_times", "the spike times for each unit in seconds", 1, dims, sec, n, ends));
  /* every unit was observed over the same intervals */
  for (PetscInt k = 0; k < n; k++) {
    for (PetscInt i = 0; i < m; i++)
      obs[(k * m + i) * 2]                       = st->intervals_ms[2 * i] / 1000.0,
                        obs[(k * m + i) * 2 + 1] = st->intervals_ms[2 * i + 1] / 1000.0;
    ends[k] = (uint64_t)((k + 1) * m);
  }
  dims[0] = (hsize_t)(n * m);
  dims[1] = 2;
  PetscCall(Column(h, group, "obs_intervals", "the observation intervals for each unit", 2, dims, obs, n, ends));
  PetscFunctionReturn(0);
}

PetscErrorCode NwbOutUnits(H5Out *h, const char *group, const char *description, const SpikeTrains *st)
{
  static const char *const colnames[] = {"spike_times", "obs_intervals"};
  double                  *sec = NULL, *obs = NULL;
  uint64_t                *ends = NULL;
  int64_t                 *ids  = NULL;
  PetscErrorCode           ierr;

  PetscFunctionBeginUser;
  PetscCall(H5OutGroup(h, group));
  PetscCall(Typed(h, group, "core", "Units"));
  PetscCall(AttrText(h, group, "description", description));
  PetscCall(AttrStrings(h, group, "colnames", 2, colnames));
  PetscCall(PetscMalloc4(st->nspikes + 1, &sec, st->nunits + 1, &ends, st->nunits + 1, &ids,
                         2 * st->nunits * st->nintervals + 2, &obs));
  ierr = UnitsColumns(h, group, st, sec, ends, ids, obs);
  PetscCall(PetscFree4(sec, ends, ids, obs));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}
