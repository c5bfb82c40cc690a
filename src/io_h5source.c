/* An opened HDF5 recording (SpikeSource): silenced HDF5 errors, tracked handles, and the checked
 * dataset readers the layouts (io_nwb.c, io_h5spikes.c) build on. */
#include "io_spikes.h"
#include <math.h>
#include <string.h>
/* ------------------------------------------------------------------------------------------ */
/* HDF5 helpers: silence HDF5's error printing, track handles                                  */

void SilenceBegin(H5Silence *s)
{
  s->func = NULL;
  s->data = NULL;
  H5Eget_auto2(H5E_DEFAULT, &s->func, &s->data);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

void SilenceEnd(H5Silence *s) { H5Eset_auto2(H5E_DEFAULT, s->func, s->data); }

static void CloseId(hid_t id)
{
  if (id < 0) return;
  switch (H5Iget_type(id)) {
  case H5I_FILE: H5Fclose(id); break;
  case H5I_DATASET: H5Dclose(id); break;
  case H5I_DATASPACE: H5Sclose(id); break;
  case H5I_DATATYPE: H5Tclose(id); break;
  case H5I_GROUP: H5Gclose(id); break;
  case H5I_ATTR: H5Aclose(id); break;
  case H5I_GENPROP_LST: H5Pclose(id); break;
  default: break;
  }
}

PetscErrorCode SpikeSourceTrack(SpikeSource *src, hid_t id)
{
  PetscFunctionBeginUser;
  PetscCheck(src->nh < SPIKE_SOURCE_MAXH, PETSC_COMM_SELF, PETSC_ERR_PLIB, "%s: too many open HDF5 handles", src->path);
  src->h[src->nh++] = id;
  PetscFunctionReturn(0);
}

PetscErrorCode SpikeSourceRelease(SpikeSource *src, hid_t id)
{
  PetscFunctionBeginUser;
  for (int i = src->nh - 1; i >= 0; i--)
    if (src->h[i] == id) {
      CloseId(id);
      src->h[i] = src->h[--src->nh];
      break;
    }
  PetscFunctionReturn(0);
}

PetscErrorCode SpikeSourceClose(SpikeSource *src)
{
  PetscFunctionBeginUser;
  for (int i = src->nh - 1; i >= 0; i--) CloseId(src->h[i]);
  src->nh = 0;
  if (src->file >= 0) CloseId(src->file); /* src->times is one of the tracked ids */
  src->times = src->file = -1;
  PetscCall(PetscFree(src->begin));
  PetscCall(PetscFree(src->end));
  PetscCall(PetscFree(src->ids));
  PetscCall(PetscFree(src->int_ms));
  PetscCall(PetscFree(src->int_off));
  PetscCall(PetscFree(src->sel));
  PetscFunctionReturn(0);
}

PetscErrorCode SpikeSourceLinkExists(SpikeSource *src, const char *name, PetscBool *exists)
{
  char   buf[PETSC_MAX_PATH_LEN];
  size_t len = strlen(name);

  PetscFunctionBeginUser;
  *exists = PETSC_FALSE;
  PetscCheck(len < sizeof(buf), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "dataset name too long");
  /* check every component, since H5Lexists fails on a missing intermediate group */
  for (size_t i = 1; i <= len; i++) {
    if (i == len || name[i] == '/') {
      htri_t e;
      memcpy(buf, name, i);
      buf[i] = '\0';
      e      = H5Lexists(src->file, buf, H5P_DEFAULT);
      if (e <= 0) PetscFunctionReturn(0);
      if (i < len) {
        H5O_info_t info;
        if (H5Oget_info_by_name(src->file, buf, &info, H5P_DEFAULT) < 0 || info.type != H5O_TYPE_GROUP)
          PetscFunctionReturn(0);
      }
    }
  }
  *exists = PETSC_TRUE;
  PetscFunctionReturn(0);
}

static const char *ClassName(H5T_class_t c)
{
  switch (c) {
  case H5T_INTEGER: return "integer";
  case H5T_FLOAT: return "float";
  case H5T_STRING: return "string";
  case H5T_COMPOUND: return "compound";
  case H5T_REFERENCE: return "reference";
  case H5T_ENUM: return "enum";
  case H5T_VLEN: return "variable-length";
  case H5T_ARRAY: return "array";
  case H5T_OPAQUE: return "opaque";
  case H5T_BITFIELD: return "bitfield";
  case H5T_TIME: return "time";
  default: return "unknown";
  }
}

PetscErrorCode SpikeSourceOpenDataset(SpikeSource *src, const char *name, H5T_class_t want_class, int want_rank,
                                      hsize_t dims[2], hid_t *dset)
{
  PetscBool   exists;
  hid_t       d, type, space;
  H5T_class_t cls;
  int         rank;
  H5O_info_t  oinfo;

  PetscFunctionBeginUser;
  *dset = -1;
  PetscCall(SpikeSourceLinkExists(src, name, &exists));
  PetscCheck(exists, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: dataset %s is missing (%s layout)", src->path,
             name, SpikeFileKindName(src->kind));
  PetscCheck(H5Oget_info_by_name(src->file, name, &oinfo, H5P_DEFAULT) >= 0 && oinfo.type == H5O_TYPE_DATASET,
             PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s is not a dataset", src->path, name);
  d = H5Dopen2(src->file, name, H5P_DEFAULT);
  PetscCheck(d >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: cannot open dataset %s", src->path, name);
  PetscCall(SpikeSourceTrack(src, d));
  type = H5Dget_type(d);
  PetscCheck(type >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: cannot read the type of dataset %s", src->path,
             name);
  cls = H5Tget_class(type);
  {
    size_t tsize = H5Tget_size(type);
    H5Tclose(type);
    PetscCheck(tsize >= 1 && tsize <= 16, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s: dataset %s has %zu-byte elements: damaged file?", src->path, name, tsize);
    /* HDF5 1.10 trusts the sizes a damaged header claims and can crash reading them: a
     * contiguous or compact dataset must fit in the file and hold all of its elements */
    hid_t dcpl = H5Dget_create_plist(d);
    if (dcpl >= 0) {
      H5D_layout_t layout = H5Pget_layout(dcpl);
      H5Pclose(dcpl);
      if (layout == H5D_CONTIGUOUS || layout == H5D_COMPACT) {
        hid_t    sp      = H5Dget_space(d);
        hssize_t npoints = sp >= 0 ? H5Sget_simple_extent_npoints(sp) : -1;
        hsize_t  stored = H5Dget_storage_size(d), fsize = 0;
        if (sp >= 0) H5Sclose(sp);
        H5Fget_filesize(src->file, &fsize);
        /* an unallocated contiguous dataset reads as fill values; compact data lives in the header */
        PetscBool unallocated = layout == H5D_CONTIGUOUS && stored == 0;
        PetscCheck(npoints >= 0 && (unallocated || (stored >= (hsize_t)npoints * tsize && stored <= fsize)),
                   PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
                   "%s: dataset %s claims %lld elements in %llu stored bytes of a %llu-byte file: damaged file?",
                   src->path, name, (long long)npoints, (unsigned long long)stored, (unsigned long long)fsize);
      }
    }
  }
  PetscCheck(cls == want_class, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: dataset %s has type class %s, expected %s", src->path, name, ClassName(cls), ClassName(want_class));
  space = H5Dget_space(d);
  PetscCheck(space >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: cannot read the shape of dataset %s",
             src->path, name);
  rank = H5Sget_simple_extent_ndims(space);
  if (rank == want_rank) H5Sget_simple_extent_dims(space, dims, NULL);
  H5Sclose(space);
  PetscCheck(rank == want_rank, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: dataset %s has rank %d, expected %d",
             src->path, name, rank, want_rank);
  *dset = d;
  PetscFunctionReturn(0);
}

PetscErrorCode SpikeSourceReadAll(SpikeSource *src, hid_t dset, const char *name, hid_t memtype, void *buf)
{
  PetscFunctionBeginUser;
  PetscCheck(H5Dread(dset, memtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0, PETSC_COMM_SELF,
             PETSC_ERR_FILE_UNEXPECTED, "%s: reading dataset %s failed (unreadable or values out of range)", src->path,
             name);
  PetscFunctionReturn(0);
}

PetscErrorCode SpikeSourceReadU64(SpikeSource *src, const char *name, PetscBool optional, PetscBool *found, hsize_t *n,
                                  uint64_t **vals)
{
  hid_t      d, type;
  hsize_t    dims[2] = {0, 0};
  PetscBool  exists;
  H5T_sign_t sign;

  PetscFunctionBeginUser;
  *vals = NULL;
  *n    = 0;
  if (found) *found = PETSC_FALSE;
  if (optional) {
    PetscCall(SpikeSourceLinkExists(src, name, &exists));
    if (!exists) PetscFunctionReturn(0);
  }
  PetscCall(SpikeSourceOpenDataset(src, name, H5T_INTEGER, 1, dims, &d));
  type = H5Dget_type(d);
  sign = H5Tget_sign(type);
  H5Tclose(type);
  /* a damaged header can claim any length: refuse before allocating */
  PetscCheck(dims[0] <= SPIKE_MAX_UNITS_ENTRIES, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: dataset %s claims %llu entries (more than %llu): damaged file?", src->path, name,
             (unsigned long long)dims[0], (unsigned long long)SPIKE_MAX_UNITS_ENTRIES);
  PetscCall(PetscMalloc1(dims[0] > 0 ? dims[0] : 1, vals));
  if (sign == H5T_SGN_2) {
    /* a signed index: read as int64 so that a negative entry is seen, not clipped to 0 */
    int64_t       *tmp  = (int64_t *)*vals;
    PetscErrorCode ierr = 0;
    if (H5Dread(d, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, tmp) < 0) ierr = 1;
    for (hsize_t i = 0; !ierr && i < dims[0]; i++)
      if (tmp[i] < 0) {
        long long bad = (long long)tmp[i];
        PetscCall(PetscFree(*vals));
        SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: dataset %s has a negative entry %lld at index %llu",
                src->path, name, bad, (unsigned long long)i);
      }
    if (ierr) {
      PetscCall(PetscFree(*vals));
      SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: reading dataset %s failed", src->path, name);
    }
  } else if (H5Dread(d, H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, *vals) < 0) {
    PetscCall(PetscFree(*vals));
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: reading dataset %s failed", src->path, name);
  }
  PetscCall(SpikeSourceRelease(src, d));
  *n = dims[0];
  if (found) *found = PETSC_TRUE;
  PetscFunctionReturn(0);
}

PetscErrorCode SpikeSourceReadIds(SpikeSource *src, const char *name, PetscInt n, PetscInt **ids)
{
  hsize_t   len;
  uint64_t *v;

  PetscFunctionBeginUser;
  PetscCall(SpikeSourceReadU64(src, name, PETSC_FALSE, NULL, &len, &v));
  if ((PetscInt)len != n || len > (hsize_t)PETSC_MAX_INT) {
    PetscCall(PetscFree(v));
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
            "%s: dataset %s has %llu entries, expected %" PetscInt_FMT " (one per unit)", src->path, name,
            (unsigned long long)len, n);
  }
  PetscCall(PetscMalloc1(n > 0 ? n : 1, ids));
  for (PetscInt k = 0; k < n; k++) {
    if (v[k] > (uint64_t)PETSC_MAX_INT) {
      unsigned long long bad = (unsigned long long)v[k];
      PetscCall(PetscFree(v));
      PetscCall(PetscFree(*ids));
      SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
              "%s: dataset %s: unit id %llu at index %" PetscInt_FMT " is too large", src->path, name, bad, k);
    }
    (*ids)[k] = (PetscInt)v[k];
  }
  PetscCall(PetscFree(v));
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------------------------------ */
/* helpers shared by the layouts                                                               */

PetscErrorCode SpikeSourceSegmentsFromEnds(SpikeSource *src, const char *name, const uint64_t *ends, PetscInt n)
{
  PetscFunctionBeginUser;
  src->nall = n;
  PetscCall(PetscMalloc1(n > 0 ? n : 1, &src->begin));
  PetscCall(PetscMalloc1(n > 0 ? n : 1, &src->end));
  for (PetscInt k = 0; k < n; k++) {
    uint64_t b = k ? ends[k - 1] : 0;
    PetscCheck(ends[k] >= b, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s: %s is not monotone: entry %" PetscInt_FMT " is %llu after %llu", src->path, name, k,
               (unsigned long long)ends[k], (unsigned long long)b);
    PetscCheck(ends[k] <= src->ntimes, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s: %s points past the end: entry %" PetscInt_FMT " is %llu but %s has %llu entries", src->path, name,
               k, (unsigned long long)ends[k], src->times_name, (unsigned long long)src->ntimes);
    src->begin[k] = b;
    src->end[k]   = ends[k];
  }
  PetscFunctionReturn(0);
}

PetscErrorCode SpikeSourceReadIntervals(SpikeSource *src, const char *name, double to_ms, PetscInt *m, double **vals)
{
  hid_t   d;
  hsize_t dims[2] = {0, 0};

  PetscFunctionBeginUser;
  *vals = NULL;
  PetscCall(SpikeSourceOpenDataset(src, name, H5T_FLOAT, 2, dims, &d));
  PetscCheck(dims[1] == 2, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: dataset %s has shape [%llu][%llu], expected [n][2] (start, end)", src->path, name,
             (unsigned long long)dims[0], (unsigned long long)dims[1]);
  PetscCheck(dims[0] <= SPIKE_MAX_UNITS_ENTRIES, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: dataset %s claims %llu rows: damaged file?", src->path, name, (unsigned long long)dims[0]);
  PetscCall(PetscMalloc1(2 * dims[0] + 2, vals));
  if (dims[0] > 0 && H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, *vals) < 0) {
    PetscCall(PetscFree(*vals));
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: reading dataset %s failed", src->path, name);
  }
  PetscCall(SpikeSourceRelease(src, d));
  for (hsize_t w = 0; w < dims[0]; w++) {
    double a = (*vals)[2 * w], b = (*vals)[2 * w + 1];
    if (!(isfinite(a) && isfinite(b) && a >= 0 && b > a)) {
      PetscCall(PetscFree(*vals));
      SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
              "%s: dataset %s row %llu is [%g, %g): an interval needs finite 0 <= start < end", src->path, name,
              (unsigned long long)w, a, b);
    }
    (*vals)[2 * w]     = a * to_ms;
    (*vals)[2 * w + 1] = b * to_ms;
  }
  *m = (PetscInt)dims[0];
  PetscFunctionReturn(0);
}
