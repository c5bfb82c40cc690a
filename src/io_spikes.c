/* Recorded spike data: options, format detection, and the layout-independent part of the
 * HDF5 readers (header, range reads by binary search, streaming validation). */
#include "io_spikes.h"
#include <math.h>
#include <string.h>
#include <ctype.h>
#include <stdlib.h>
#include <sys/stat.h>

/* Per-unit tables (indices, ids, counts, intervals) longer than this are taken for damage. */
#define SPIKE_MAX_UNITS_ENTRIES ((hsize_t)1 << 26)

/* ------------------------------------------------------------------------------------------ */
/* options                                                                                      */

PetscErrorCode DataOptionsDefault(DataOptions *opt)
{
  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(opt, sizeof(*opt)));
  PetscCall(PetscStrncpy(opt->time_unit, "s", sizeof(opt->time_unit)));
  PetscFunctionReturn(0);
}

/* Parses one non-negative decimal integer from s[*pos..], skipping blanks around it. */
static PetscBool ParseId(const char *s, size_t *pos, PetscInt *val)
{
  size_t    i = *pos;
  long long v = 0;
  PetscBool any = PETSC_FALSE;

  while (s[i] == ' ' || s[i] == '\t') i++;
  while (s[i] >= '0' && s[i] <= '9') {
    v = v * 10 + (s[i] - '0');
    if (v > PETSC_MAX_INT) return PETSC_FALSE;
    any = PETSC_TRUE;
    i++;
  }
  while (s[i] == ' ' || s[i] == '\t') i++;
  if (!any) return PETSC_FALSE;
  *val = (PetscInt)v;
  *pos = i;
  return PETSC_TRUE;
}

/* Splits "3,5,10-12" into ranges; *nr = number of ranges; lo/hi may be NULL (syntax check). */
static PetscErrorCode UnitsParse(const char *list, PetscInt *nr, PetscInt *lo, PetscInt *hi)
{
  size_t   pos = 0, len = strlen(list);
  PetscInt n   = 0;

  PetscFunctionBeginUser;
  *nr = 0;
  {
    size_t k = 0;
    while (k < len && isspace((unsigned char)list[k])) k++;
    if (k == len) PetscFunctionReturn(0); /* empty: all units */
  }
  while (1) {
    PetscInt a, b;
    PetscCheck(ParseId(list, &pos, &a), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
               "-data_units \"%s\": expected a unit id (non-negative integer) at character %d", list, (int)pos + 1);
    b = a;
    if (list[pos] == '-') {
      pos++;
      PetscCheck(ParseId(list, &pos, &b), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
                 "-data_units \"%s\": expected the end of the range %" PetscInt_FMT "- at character %d", list, a, (int)pos + 1);
      PetscCheck(b >= a, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "-data_units \"%s\": range %" PetscInt_FMT "-%" PetscInt_FMT " is reversed", list, a, b);
    }
    if (lo) { lo[n] = a; hi[n] = b; }
    n++;
    if (list[pos] == '\0') break;
    PetscCheck(list[pos] == ',', PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "-data_units \"%s\": unexpected character '%c' at character %d (use \"3,5,10-12\")", list,
               list[pos], (int)pos + 1);
    pos++;
  }
  *nr = n;
  PetscFunctionReturn(0);
}

PetscErrorCode DataUnitsSelect(const char *path, const char *list, PetscInt nall, const PetscInt *ids, PetscInt *nsel, PetscInt **sel)
{
  PetscInt  nr, *lo = NULL, *hi = NULL, n = 0;
  PetscBool *take = NULL;

  PetscFunctionBeginUser;
  PetscCall(UnitsParse(list, &nr, NULL, NULL));
  PetscCall(PetscMalloc1(nall > 0 ? nall : 1, sel));
  if (nr == 0) {
    for (PetscInt k = 0; k < nall; k++) (*sel)[k] = k;
    *nsel = nall;
    PetscFunctionReturn(0);
  }
  PetscCall(PetscMalloc2(nr, &lo, nr, &hi));
  PetscCall(PetscCalloc1(nall > 0 ? nall : 1, &take));
  PetscCall(UnitsParse(list, &nr, lo, hi));
  /* a single id must exist in the file; a range must hold at least one of the file's ids */
  for (PetscInt r = 0; r < nr; r++) {
    PetscInt count = 0;
    for (PetscInt k = 0; k < nall; k++)
      if (ids[k] >= lo[r] && ids[k] <= hi[r]) { count++; take[k] = PETSC_TRUE; }
    if (!count) {
      PetscInt maxid = nall > 0 ? ids[0] : 0, minid = maxid, a = lo[r], b = hi[r];
      for (PetscInt k = 0; k < nall; k++) { maxid = PetscMax(maxid, ids[k]); minid = PetscMin(minid, ids[k]); }
      PetscCall(PetscFree2(lo, hi));
      PetscCall(PetscFree(take));
      PetscCall(PetscFree(*sel));
      if (a == b)
        SETERRQ(PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "%s: -data_units asks for unit id %" PetscInt_FMT ", which the file does not have (%" PetscInt_FMT " units, ids %" PetscInt_FMT "..%" PetscInt_FMT ")",
                path, a, nall, minid, maxid);
      SETERRQ(PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "%s: -data_units range %" PetscInt_FMT "-%" PetscInt_FMT " holds none of the file's unit ids (%" PetscInt_FMT " units, ids %" PetscInt_FMT "..%" PetscInt_FMT ")",
              path, a, b, nall, minid, maxid);
    }
  }
  for (PetscInt k = 0; k < nall; k++)
    if (take[k]) (*sel)[n++] = k;
  *nsel = n;
  PetscCall(PetscFree2(lo, hi));
  PetscCall(PetscFree(take));
  PetscFunctionReturn(0);
}

PetscErrorCode DataOptionsValidate(const DataOptions *opt)
{
  PetscInt nr;

  PetscFunctionBeginUser;
  PetscCheck(isfinite(opt->t0_ms), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "-data_t0 must be finite, got %g", opt->t0_ms);
  PetscCheck(isfinite(opt->t1_ms), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "-data_t1 must be finite, got %g", opt->t1_ms);
  PetscCheck(isfinite(opt->holdout_ms), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "-data_holdout must be finite, got %g", opt->holdout_ms);
  PetscCheck(isfinite(opt->sample_rate), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "-data_sample_rate must be finite, got %g", opt->sample_rate);
  PetscCheck(opt->t0_ms >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "-data_t0 must be >= 0 ms, got %g", opt->t0_ms);
  PetscCheck(opt->t1_ms >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "-data_t1 must be >= 0 ms (0 = to the end), got %g", opt->t1_ms);
  PetscCheck(opt->t1_ms <= 0 || opt->t1_ms > opt->t0_ms, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "-data_t1 %g ms must be after -data_t0 %g ms", opt->t1_ms, opt->t0_ms);
  PetscCheck(opt->holdout_ms >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "-data_holdout must be >= 0 ms, got %g", opt->holdout_ms);
  PetscCheck(opt->t1_ms <= 0 || opt->holdout_ms < opt->t1_ms - opt->t0_ms, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "-data_holdout %g ms leaves nothing to fit in the span [%g, %g) ms", opt->holdout_ms, opt->t0_ms, opt->t1_ms);
  PetscCheck(opt->sample_rate >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "-data_sample_rate must be > 0 Hz, got %g", opt->sample_rate);
  PetscCheck(!strcmp(opt->time_unit, "s") || !strcmp(opt->time_unit, "ms") || !strcmp(opt->time_unit, "samples"), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "-data_time_unit must be s, ms or samples, got \"%s\"", opt->time_unit);
  PetscCheck(strcmp(opt->time_unit, "samples") || opt->sample_rate > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "-data_time_unit samples needs -data_sample_rate (Hz)");
  PetscCall(UnitsParse(opt->units, &nr, NULL, NULL));
  PetscFunctionReturn(0);
}

PetscErrorCode DataOptionsProcess(MPI_Comm comm, DataOptions *opt)
{
  PetscReal t0 = opt->t0_ms, t1 = opt->t1_ms, ho = opt->holdout_ms, sr = opt->sample_rate;

  PetscFunctionBeginUser;
  if (!opt->time_unit[0]) PetscCall(PetscStrncpy(opt->time_unit, "s", sizeof(opt->time_unit)));
  PetscOptionsBegin(comm, NULL, "Recorded spike data", "DataOptions");
  PetscCall(PetscOptionsString("-data_units", "Unit ids to fit: comma list of ids or ranges, e.g. 3,5,10-12 (empty: all)", "DataOptionsProcess", opt->units,
                               opt->units, sizeof(opt->units), NULL));
  PetscCall(PetscOptionsString("-data_time_unit", "Unit of the times in text files: s, ms or samples", "DataOptionsProcess", opt->time_unit, opt->time_unit,
                               sizeof(opt->time_unit), NULL));
  PetscCall(PetscOptionsReal("-data_sample_rate", "Sample rate (Hz) for -data_time_unit samples", "DataOptionsProcess", sr, &sr, NULL));
  PetscCall(PetscOptionsReal("-data_t0", "Start of the fitting span (ms)", "DataOptionsProcess", t0, &t0, NULL));
  PetscCall(PetscOptionsReal("-data_t1", "End of the fitting span (ms); <= 0: to the end of the recording", "DataOptionsProcess", t1, &t1, NULL));
  PetscCall(PetscOptionsReal("-data_holdout", "Time (ms) at the end of the span kept for validation", "DataOptionsProcess", ho, &ho, NULL));
  PetscCall(PetscOptionsString("-data_intervals", "Observation intervals of a text, phy or MATLAB recording: a file of \"start end\" lines in -data_time_unit", "DataOptionsProcess",
                               opt->intervals, opt->intervals, sizeof(opt->intervals), NULL));
  PetscCall(PetscOptionsString("-data_labels", "Kilosort/phy folder: cluster labels to fit, e.g. good,mua (default), good, all; unsorted = clusters without a label", "DataOptionsProcess",
                               opt->labels, opt->labels, sizeof(opt->labels), NULL));
  PetscCall(PetscOptionsString("-data_var", "MATLAB file: the variable to read (a cell array of spike-time vectors, or an [n][2] ids,times matrix), or IDS,TIMES: two equal-length vectors",
                               "DataOptionsProcess", opt->var, opt->var, sizeof(opt->var), NULL));
  PetscCall(PetscOptionsString("-data_units_where", "NWB: keep the /units rows whose column COL holds one of the values, e.g. quality=good or KSLabel=good,mua", "DataOptionsProcess",
                               opt->units_where, opt->units_where, sizeof(opt->units_where), NULL));
  PetscOptionsEnd();
  opt->t0_ms       = t0;
  opt->t1_ms       = t1;
  opt->holdout_ms  = ho;
  opt->sample_rate = sr;
  PetscCall(DataOptionsValidate(opt));
  PetscFunctionReturn(0);
}

PetscErrorCode DataOptionsSpan(const DataOptions *opt, const SpikeTrains *info, double *fit_lo, double *fit_hi, double *hold_lo, double *hold_hi)
{
  double end;

  PetscFunctionBeginUser;
  PetscCall(DataOptionsValidate(opt));
  PetscCheck(info->nintervals > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: the recording has no observation interval", info->source);
  end = opt->t1_ms > 0 ? opt->t1_ms : info->intervals_ms[2 * info->nintervals - 1];
  PetscCheck(end > opt->t0_ms, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "%s: -data_t0 %g ms is at or after the end of the recording (%g ms)", info->source, opt->t0_ms, end);
  PetscCheck(opt->holdout_ms < end - opt->t0_ms, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "%s: -data_holdout %g ms leaves nothing to fit in the span [%g, %g) ms",
             info->source, opt->holdout_ms, opt->t0_ms, end);
  *fit_lo  = opt->t0_ms;
  *fit_hi  = end - opt->holdout_ms;
  *hold_lo = end - opt->holdout_ms;
  *hold_hi = end;
  PetscFunctionReturn(0);
}

const char *SpikeFileKindName(SpikeFileKind kind)
{
  switch (kind) {
  case SPIKE_FILE_NWB: return "NWB";
  case SPIKE_FILE_SPIKEFIT: return "spikefit HDF5";
  case SPIKE_FILE_RETINA: return "retina HDF5 (/spikes, /sCount)";
  case SPIKE_FILE_TSV: return "text";
  case SPIKE_FILE_PHY: return "Kilosort/phy folder";
  case SPIKE_FILE_MAT: return "MATLAB";
  }
  return "unknown";
}

/* ------------------------------------------------------------------------------------------ */
/* HDF5 helpers: silence HDF5's error printing, track handles                                  */

typedef struct {
  H5E_auto2_t func;
  void       *data;
} H5Silence;

static void SilenceBegin(H5Silence *s)
{
  s->func = NULL;
  s->data = NULL;
  H5Eget_auto2(H5E_DEFAULT, &s->func, &s->data);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

static void SilenceEnd(H5Silence *s)
{
  H5Eset_auto2(H5E_DEFAULT, s->func, s->data);
}

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

static PetscErrorCode SpikeSourceClose(SpikeSource *src)
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
      e = H5Lexists(src->file, buf, H5P_DEFAULT);
      if (e <= 0) PetscFunctionReturn(0);
      if (i < len) {
        H5O_info_t info;
        if (H5Oget_info_by_name(src->file, buf, &info, H5P_DEFAULT) < 0 || info.type != H5O_TYPE_GROUP) PetscFunctionReturn(0);
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

PetscErrorCode SpikeSourceOpenDataset(SpikeSource *src, const char *name, H5T_class_t want_class, int want_rank, hsize_t dims[2], hid_t *dset)
{
  PetscBool   exists;
  hid_t       d, type, space;
  H5T_class_t cls;
  int         rank;
  H5O_info_t  oinfo;

  PetscFunctionBeginUser;
  *dset = -1;
  PetscCall(SpikeSourceLinkExists(src, name, &exists));
  PetscCheck(exists, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: dataset %s is missing (%s layout)", src->path, name, SpikeFileKindName(src->kind));
  PetscCheck(H5Oget_info_by_name(src->file, name, &oinfo, H5P_DEFAULT) >= 0 && oinfo.type == H5O_TYPE_DATASET, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: %s is not a dataset", src->path, name);
  d = H5Dopen2(src->file, name, H5P_DEFAULT);
  PetscCheck(d >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: cannot open dataset %s", src->path, name);
  PetscCall(SpikeSourceTrack(src, d));
  type = H5Dget_type(d);
  PetscCheck(type >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: cannot read the type of dataset %s", src->path, name);
  cls = H5Tget_class(type);
  {
    size_t tsize = H5Tget_size(type);
    H5Tclose(type);
    PetscCheck(tsize >= 1 && tsize <= 16, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: dataset %s has %zu-byte elements: damaged file?", src->path, name, tsize);
    /* HDF5 1.10 trusts the sizes a damaged header claims and can crash reading them: a
     * contiguous or compact dataset must fit in the file and hold all of its elements */
    hid_t dcpl = H5Dget_create_plist(d);
    if (dcpl >= 0) {
      H5D_layout_t layout = H5Pget_layout(dcpl);
      H5Pclose(dcpl);
      if (layout == H5D_CONTIGUOUS || layout == H5D_COMPACT) {
        hid_t    sp      = H5Dget_space(d);
        hssize_t npoints = sp >= 0 ? H5Sget_simple_extent_npoints(sp) : -1;
        hsize_t  stored  = H5Dget_storage_size(d), fsize = 0;
        if (sp >= 0) H5Sclose(sp);
        H5Fget_filesize(src->file, &fsize);
        /* an unallocated contiguous dataset reads as fill values; compact data lives in the header */
        PetscBool unallocated = layout == H5D_CONTIGUOUS && stored == 0;
        PetscCheck(npoints >= 0 && (unallocated || (stored >= (hsize_t)npoints * tsize && stored <= fsize)), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
                   "%s: dataset %s claims %lld elements in %llu stored bytes of a %llu-byte file: damaged file?", src->path, name, (long long)npoints, (unsigned long long)stored,
                   (unsigned long long)fsize);
      }
    }
  }
  PetscCheck(cls == want_class, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: dataset %s has type class %s, expected %s", src->path, name, ClassName(cls),
             ClassName(want_class));
  space = H5Dget_space(d);
  PetscCheck(space >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: cannot read the shape of dataset %s", src->path, name);
  rank = H5Sget_simple_extent_ndims(space);
  if (rank == want_rank) H5Sget_simple_extent_dims(space, dims, NULL);
  H5Sclose(space);
  PetscCheck(rank == want_rank, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: dataset %s has rank %d, expected %d", src->path, name, rank, want_rank);
  *dset = d;
  PetscFunctionReturn(0);
}

PetscErrorCode SpikeSourceReadAll(SpikeSource *src, hid_t dset, const char *name, hid_t memtype, void *buf)
{
  PetscFunctionBeginUser;
  PetscCheck(H5Dread(dset, memtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: reading dataset %s failed (unreadable or values out of range)", src->path, name);
  PetscFunctionReturn(0);
}

PetscErrorCode SpikeSourceReadU64(SpikeSource *src, const char *name, PetscBool optional, PetscBool *found, hsize_t *n, uint64_t **vals)
{
  hid_t     d, type;
  hsize_t   dims[2] = {0, 0};
  PetscBool exists;
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
  PetscCheck(dims[0] <= SPIKE_MAX_UNITS_ENTRIES, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: dataset %s claims %llu entries (more than %llu): damaged file?", src->path, name,
             (unsigned long long)dims[0], (unsigned long long)SPIKE_MAX_UNITS_ENTRIES);
  PetscCall(PetscMalloc1(dims[0] > 0 ? dims[0] : 1, vals));
  if (sign == H5T_SGN_2) {
    /* a signed index: read as int64 so that a negative entry is seen, not clipped to 0 */
    int64_t *tmp = (int64_t *)*vals;
    PetscErrorCode ierr = 0;
    if (H5Dread(d, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, tmp) < 0) ierr = 1;
    for (hsize_t i = 0; !ierr && i < dims[0]; i++)
      if (tmp[i] < 0) {
        long long bad = (long long)tmp[i];
        PetscCall(PetscFree(*vals));
        SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: dataset %s has a negative entry %lld at index %llu", src->path, name, bad, (unsigned long long)i);
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
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: dataset %s has %llu entries, expected %" PetscInt_FMT " (one per unit)", src->path, name,
            (unsigned long long)len, n);
  }
  PetscCall(PetscMalloc1(n > 0 ? n : 1, ids));
  for (PetscInt k = 0; k < n; k++) {
    if (v[k] > (uint64_t)PETSC_MAX_INT) {
      unsigned long long bad = (unsigned long long)v[k];
      PetscCall(PetscFree(v));
      PetscCall(PetscFree(*ids));
      SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: dataset %s: unit id %llu at index %" PetscInt_FMT " is too large", src->path, name, bad, k);
    }
    (*ids)[k] = (PetscInt)v[k];
  }
  PetscCall(PetscFree(v));
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------------------------------ */
/* detection                                                                                   */

static PetscBool EndsWith(const char *s, const char *suffix)
{
  size_t a = strlen(s), b = strlen(suffix);
  return (PetscBool)(a >= b && !strcasecmp(s + a - b, suffix));
}

static PetscErrorCode DetectInner(const char *path, SpikeFileKind *kind, SpikeSource *src)
{
  FILE     *fp;
  htri_t    is5;
  PetscBool e1, e2;

  PetscFunctionBeginUser;
  {
    struct stat sb;
    PetscCheck(stat(path, &sb) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s: cannot open the spike data file", path);
    if (S_ISDIR(sb.st_mode)) { *kind = SPIKE_FILE_PHY; PetscFunctionReturn(0); }
  }
  fp = fopen(path, "rb");
  PetscCheck(fp, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s: cannot open the spike data file", path);
  {
    char   head[20] = {0};
    size_t got      = fread(head, 1, 19, fp);
    fclose(fp);
    /* MATLAB 5.0 (v5/v7) and 7.3 (HDF5 behind a 512-byte header) files name themselves */
    if (got == 19 && (!strncmp(head, "MATLAB 5.0 MAT-file", 19) || !strncmp(head, "MATLAB 7.3 MAT-file", 19))) { *kind = SPIKE_FILE_MAT; PetscFunctionReturn(0); }
  }
  PetscCheck(!EndsWith(path, ".mat"), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: not a MATLAB v5/v7/v7.3 file (no \"MATLAB 5.0/7.3 MAT-file\" header; v4 files are not read: save with -v7 or -v7.3)", path);
  is5 = H5Fis_hdf5(path);
  if (is5 <= 0) {
    PetscCheck(!EndsWith(path, ".h5") && !EndsWith(path, ".hdf5") && !EndsWith(path, ".nwb"), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s: not an HDF5 file (no HDF5 signature), although its name says so", path);
    *kind = SPIKE_FILE_TSV;
    PetscFunctionReturn(0);
  }
  src->file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  PetscCheck(src->file >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s: cannot open the HDF5 file (damaged?)", path);
  PetscCall(SpikeSourceLinkExists(src, "/units", &e1));
  if (e1) { *kind = SPIKE_FILE_NWB; PetscFunctionReturn(0); }
  PetscCall(SpikeSourceLinkExists(src, "/spikes/times_ms", &e1));
  if (e1) { *kind = SPIKE_FILE_SPIKEFIT; PetscFunctionReturn(0); }
  PetscCall(SpikeSourceLinkExists(src, "/sCount", &e1));
  PetscCall(SpikeSourceLinkExists(src, "/spikes", &e2));
  if (e1 || e2) {
    H5O_info_t info;
    /* a /spikes group is spikefit's layout (with a missing dataset); a dataset is the retina layout */
    if (e2 && H5Oget_info_by_name(src->file, "/spikes", &info, H5P_DEFAULT) >= 0 && info.type == H5O_TYPE_GROUP) *kind = SPIKE_FILE_SPIKEFIT;
    else *kind = SPIKE_FILE_RETINA;
    PetscFunctionReturn(0);
  }
  SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
          "%s: HDF5 file without a known spike layout (looked for /units/spike_times (NWB), /spikes/times_ms (spikefit), /spikes + /sCount (retina))", path);
}

PetscErrorCode SpikeFileDetect(const char *path, SpikeFileKind *kind)
{
  SpikeSource    src;
  H5Silence      s;
  PetscErrorCode ierr, ierr2;

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(&src, sizeof(src)));
  src.file = src.times = -1;
  src.path = path;
  SilenceBegin(&s);
  ierr  = DetectInner(path, kind, &src);
  ierr2 = SpikeSourceClose(&src);
  SilenceEnd(&s);
  PetscCall(ierr);
  PetscCall(ierr2);
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------------------------------ */
/* the generic HDF5 reader                                                                     */

/* -data_units_where first, then -data_units among the rows it kept. */
static PetscErrorCode SelectWhere(SpikeSource *src, const DataOptions *opt)
{
  PetscBool *keep;
  PetscInt  *idx, *kids, nk = 0;
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc3(src->nall, &keep, src->nall, &idx, src->nall, &kids));
  ierr = NwbUnitsWhere(src, opt->units_where, keep);
  for (PetscInt k = 0; !ierr && k < src->nall; k++)
    if (keep[k]) { idx[nk] = k; kids[nk++] = src->ids[k]; }
  if (!ierr) ierr = DataUnitsSelect(src->path, opt->units, nk, kids, &src->nsel, &src->sel);
  for (PetscInt s = 0; !ierr && s < src->nsel; s++) src->sel[s] = idx[src->sel[s]];
  PetscCall(PetscFree3(keep, idx, kids));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

static PetscErrorCode SourceOpen(const char *path, const DataOptions *opt, SpikeFileKind kind, SpikeSource *src)
{
  PetscFunctionBeginUser;
  src->kind = kind;
  src->to_ms = 1.0;
  src->file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  PetscCheck(src->file >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s: cannot open the HDF5 file", path);
  switch (kind) {
  case SPIKE_FILE_NWB: PetscCall(NwbOpen(src)); break;
  case SPIKE_FILE_SPIKEFIT: PetscCall(SpikefitH5Open(src)); break;
  case SPIKE_FILE_RETINA: PetscCall(RetinaOpen(src)); break;
  default: SETERRQ(PETSC_COMM_SELF, PETSC_ERR_PLIB, "not an HDF5 layout");
  }
  PetscCheck(src->nall > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: empty recording: no units", path);
  PetscCheck(src->ntimes > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: empty recording: %s holds no spikes", path, src->times_name);
  for (PetscInt k = 0; k < src->nall; k++) {
    PetscCheck(src->begin[k] <= src->end[k] && src->end[k] <= src->ntimes, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s: unit %" PetscInt_FMT " owns [%llu, %llu) of %s, which has %llu entries", path, k, (unsigned long long)src->begin[k],
               (unsigned long long)src->end[k], src->times_name, (unsigned long long)src->ntimes);
    for (PetscInt j = 0; j < k && src->nall <= 4096; j++)
      PetscCheck(src->ids[j] != src->ids[k], PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: unit id %" PetscInt_FMT " appears twice", path, src->ids[k]);
  }
  if (src->nall > 4096) { /* large: sort a copy to find duplicate ids */
    PetscInt *c;
    PetscCall(PetscMalloc1(src->nall, &c));
    PetscCall(PetscArraycpy(c, src->ids, src->nall));
    PetscCall(PetscSortInt(src->nall, c));
    for (PetscInt k = 1; k < src->nall; k++)
      if (c[k] == c[k - 1]) {
        PetscInt bad = c[k];
        PetscCall(PetscFree(c));
        SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: unit id %" PetscInt_FMT " appears twice", path, bad);
      }
    PetscCall(PetscFree(c));
  }
  if (opt->units_where[0]) PetscCall(SelectWhere(src, opt));
  else PetscCall(DataUnitsSelect(path, opt->units, src->nall, src->ids, &src->nsel, &src->sel));
  PetscFunctionReturn(0);
}

/* Reads times[idx] (in ms), checks it is finite and non-negative. */
static PetscErrorCode ReadOne(SpikeSource *src, hid_t fspace, hid_t mspace, uint64_t idx, double *t)
{
  hsize_t start = idx, count = 1;
  double  v;

  PetscFunctionBeginUser;
  PetscCheck(H5Sselect_hyperslab(fspace, H5S_SELECT_SET, &start, NULL, &count, NULL) >= 0 &&
               H5Dread(src->times, H5T_NATIVE_DOUBLE, mspace, fspace, H5P_DEFAULT, &v) >= 0,
             PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: reading %s[%llu] failed", src->path, src->times_name, (unsigned long long)idx);
  PetscCheck(isfinite(v), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s[%llu] is not finite (%g)", src->path, src->times_name, (unsigned long long)idx, v);
  PetscCheck(v >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s[%llu] is negative (%g)", src->path, src->times_name, (unsigned long long)idx, v);
  *t = v * src->to_ms;
  PetscCheck(isfinite(*t), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s[%llu] = %g is too large", src->path, src->times_name, (unsigned long long)idx, v);
  PetscFunctionReturn(0);
}

/* First index in [lo, hi) whose time is >= t (by single-element reads). */
static PetscErrorCode LowerBound(SpikeSource *src, hid_t fspace, hid_t mspace, uint64_t lo, uint64_t hi, double t, uint64_t *pos)
{
  PetscFunctionBeginUser;
  while (lo < hi) {
    uint64_t mid = lo + (hi - lo) / 2;
    double   v;
    PetscCall(ReadOne(src, fspace, mspace, mid, &v));
    if (v < t) lo = mid + 1;
    else hi = mid;
  }
  *pos = lo;
  PetscFunctionReturn(0);
}

static PetscErrorCode OpenSpaces(SpikeSource *src, hid_t *fspace, hid_t *mspace)
{
  hsize_t one = 1;

  PetscFunctionBeginUser;
  *fspace = H5Dget_space(src->times);
  PetscCheck(*fspace >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: cannot read the shape of %s", src->path, src->times_name);
  PetscCall(SpikeSourceTrack(src, *fspace));
  *mspace = H5Screate_simple(1, &one, NULL);
  PetscCheck(*mspace >= 0, PETSC_COMM_SELF, PETSC_ERR_LIB, "H5Screate_simple failed");
  PetscCall(SpikeSourceTrack(src, *mspace));
  PetscFunctionReturn(0);
}

/* Intersection of two sorted disjoint interval lists (a is replaced). */
static PetscErrorCode IntersectIntervals(PetscInt *na, double **a, PetscInt nb, const double *b)
{
  double  *out;
  PetscInt n = 0, i = 0, j = 0;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(2 * (*na + nb) + 2, &out));
  while (i < *na && j < nb) {
    double lo = PetscMax((*a)[2 * i], b[2 * j]), hi = PetscMin((*a)[2 * i + 1], b[2 * j + 1]);
    if (hi > lo) { out[2 * n] = lo; out[2 * n + 1] = hi; n++; }
    if ((*a)[2 * i + 1] < b[2 * j + 1]) i++;
    else j++;
  }
  PetscCall(PetscFree(*a));
  *a  = out;
  *na = n;
  PetscFunctionReturn(0);
}

static int CmpInterval(const void *x, const void *y)
{
  const double *a = (const double *)x, *b = (const double *)y;
  return (a[0] > b[0]) - (a[0] < b[0]);
}

static PetscErrorCode SourceIntervalsRaw(SpikeSource *src, PetscInt *nint, double **ints);

/* Observation intervals of the selected units: stored shared ones, the intersection of the
 * per-unit ones, or derived from the first and last spikes. */
static PetscErrorCode SourceIntervals(SpikeSource *src, PetscInt *nint, double **ints)
{
  PetscFunctionBeginUser;
  PetscCall(SourceIntervalsRaw(src, nint, ints));
  for (PetscInt w = 0; w < *nint; w++) {
    double a = (*ints)[2 * w], b = (*ints)[2 * w + 1];
    PetscCheck(isfinite(a) && isfinite(b) && b > a, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s: observation interval [%g, %g) ms (from the file's %s) is empty or not finite: times too large?", src->path, a, b,
               src->from_spikes && !src->per_unit ? "first and last spikes" : "intervals");
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode SourceIntervalsRaw(SpikeSource *src, PetscInt *nint, double **ints)
{
  PetscFunctionBeginUser;
  *nint = 0;
  *ints = NULL;
  if (!src->per_unit && !src->from_spikes) {
    PetscCall(PetscMalloc1(2 * src->nint + 2, ints));
    PetscCall(PetscArraycpy(*ints, src->int_ms, 2 * src->nint));
    *nint = src->nint;
    PetscFunctionReturn(0);
  }
  if (src->per_unit) {
    PetscBool any = PETSC_FALSE;
    for (PetscInt s = 0; s < src->nsel; s++) {
      PetscInt k = src->sel[s];
      PetscInt nk = (PetscInt)(src->int_off[k + 1] - src->int_off[k]);
      double  *mine;
      if (nk == 0) continue; /* a unit without rows does not constrain the span */
      PetscCall(PetscMalloc1(2 * nk, &mine));
      PetscCall(PetscArraycpy(mine, src->int_ms + 2 * src->int_off[k], 2 * nk));
      qsort(mine, (size_t)nk, 2 * sizeof(double), CmpInterval);
      for (PetscInt w = 1; w < nk; w++)
        if (mine[2 * w] < mine[2 * w - 1]) {
          double a = mine[2 * w], b = mine[2 * w - 1];
          PetscCall(PetscFree(mine));
          SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: /units/obs_intervals of unit id %" PetscInt_FMT " overlap (%g ms starts before %g ms ends)", src->path,
                  src->ids[k], a, b);
        }
      if (!any) {
        *ints = mine;
        *nint = nk;
        any   = PETSC_TRUE;
      } else {
        PetscCall(IntersectIntervals(nint, ints, nk, mine));
        PetscCall(PetscFree(mine));
      }
    }
    if (any) {
      PetscCheck(*nint > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: the selected units' observation intervals have no common time", src->path);
      PetscFunctionReturn(0);
    }
  }
  {
    /* from the spikes of all units of the file: [floor(first), floor(last) + 1) ms; the retina
     * layout starts at 0 and extends to /summary/duration when that is longer */
    hid_t  fspace, mspace;
    double lo = PETSC_INFINITY, hi = -PETSC_INFINITY;
    PetscCall(OpenSpaces(src, &fspace, &mspace));
    for (PetscInt k = 0; k < src->nall; k++) {
      double a, b;
      if (src->end[k] == src->begin[k]) continue;
      PetscCall(ReadOne(src, fspace, mspace, src->begin[k], &a));
      PetscCall(ReadOne(src, fspace, mspace, src->end[k] - 1, &b));
      lo = PetscMin(lo, a);
      hi = PetscMax(hi, b);
    }
    PetscCall(SpikeSourceRelease(src, fspace));
    PetscCall(SpikeSourceRelease(src, mspace));
    PetscCheck(hi >= lo, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: empty recording: no unit owns a spike of %s (%llu entries)", src->path, src->times_name,
               (unsigned long long)src->ntimes);
    PetscCall(PetscMalloc1(2, ints));
    *nint = 1;
    if (src->kind == SPIKE_FILE_RETINA) {
      (*ints)[0] = 0;
      (*ints)[1] = PetscMax(floor(hi) + 1, src->duration_ms);
    } else {
      (*ints)[0] = floor(lo);
      (*ints)[1] = floor(hi) + 1;
    }
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode ClipIntervals(PetscInt *nint, double *ints, double lo, double hi)
{
  PetscInt n = 0;

  PetscFunctionBeginUser;
  for (PetscInt w = 0; w < *nint; w++) {
    double a = PetscMax(ints[2 * w], lo), b = PetscMin(ints[2 * w + 1], hi);
    if (b > a) { ints[2 * n] = a; ints[2 * n + 1] = b; n++; }
  }
  *nint = n;
  PetscFunctionReturn(0);
}

static PetscErrorCode ReadH5Inner(const char *path, const DataOptions *opt, SpikeFileKind kind, PetscBool info_only, double t_lo, double t_hi, SpikeSource *src,
                                  double **ints, SpikeTrains **out)
{
  PetscInt  nint;
  uint64_t *lo = NULL, *hi = NULL;
  hid_t     fspace = -1, mspace = -1;
  PetscInt  total = 0;
  SpikeTrains *st;

  PetscFunctionBeginUser;
  PetscCall(SourceOpen(path, opt, kind, src));
  PetscCall(SourceIntervals(src, &nint, ints));
  if (!info_only) PetscCall(ClipIntervals(&nint, *ints, t_lo, t_hi));
  if (!info_only) {
    PetscCall(OpenSpaces(src, &fspace, &mspace));
    /* lo/hi reuse the source's begin/end arrays' shape: one pair per selected unit */
    PetscCall(PetscMalloc1(src->nsel + 1, &lo));
    PetscCall(PetscMalloc1(src->nsel + 1, &hi));
    /* park them in the source's cleanup path by swapping into int_off when unused is not
     * possible; free explicitly on every exit below instead */
    for (PetscInt s = 0; s < src->nsel; s++) {
      PetscInt k = src->sel[s];
      PetscErrorCode ierr;
      ierr = LowerBound(src, fspace, mspace, src->begin[k], src->end[k], t_lo, &lo[s]);
      if (!ierr) {
        if (t_hi >= PETSC_INFINITY) hi[s] = src->end[k];
        else ierr = LowerBound(src, fspace, mspace, lo[s], src->end[k], t_hi, &hi[s]);
      }
      if (!ierr && (uint64_t)total + (hi[s] - lo[s]) > (uint64_t)PETSC_MAX_INT) ierr = PETSC_ERR_SUP;
      if (ierr) {
        PetscCall(PetscFree(lo));
        PetscCall(PetscFree(hi));
        PetscCheck(ierr != PETSC_ERR_SUP, PETSC_COMM_SELF, PETSC_ERR_SUP, "%s: the range [%g, %g) ms holds too many spikes for PetscInt", path, t_lo, t_hi);
        PetscCall(ierr);
      }
      total += (PetscInt)(hi[s] - lo[s]);
    }
  }
  PetscCall(SpikeTrainsCreate(src->nsel, total, nint, out));
  st = *out;
  PetscCall(PetscStrncpy(st->source, path, sizeof(st->source)));
  for (PetscInt s = 0; s < src->nsel; s++) st->unit_ids[s] = src->ids[src->sel[s]];
  PetscCall(PetscArraycpy(st->intervals_ms, *ints, 2 * nint));
  if (!info_only) {
    PetscInt pos = 0;
    for (PetscInt s = 0; s < src->nsel; s++) {
      PetscInt k = src->sel[s], cnt = (PetscInt)(hi[s] - lo[s]);
      st->offsets[s] = pos;
      if (cnt > 0) {
        hsize_t start = lo[s], count = (hsize_t)cnt;
        hid_t   ms    = H5Screate_simple(1, &count, NULL);
        herr_t  e     = -1;
        if (ms >= 0) {
          if (H5Sselect_hyperslab(fspace, H5S_SELECT_SET, &start, NULL, &count, NULL) >= 0)
            e = H5Dread(src->times, H5T_NATIVE_DOUBLE, ms, fspace, H5P_DEFAULT, st->times_ms + pos);
          H5Sclose(ms);
        }
        if (e < 0) {
          PetscCall(PetscFree(lo));
          PetscCall(PetscFree(hi));
          SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: reading %s[%llu..%llu) failed", path, src->times_name, (unsigned long long)start,
                  (unsigned long long)(start + count));
        }
      }
      for (PetscInt i = 0; i < cnt; i++) {
        double   v   = st->times_ms[pos + i];
        uint64_t idx = lo[s] + (uint64_t)i;
        const char *why = NULL;
        if (!isfinite(v)) why = "is not finite";
        else if (v < 0) why = "is negative";
        else {
          v *= src->to_ms;
          st->times_ms[pos + i] = v;
          if (!isfinite(v)) why = "is too large";
          else if (i > 0 && v < st->times_ms[pos + i - 1]) why = "is smaller than the spike before it (times of a unit must be sorted)";
          else if (v < t_lo || v >= t_hi) why = "is out of order (times of a unit must be sorted)";
        }
        if (why) {
          double raw = isfinite(v) && v >= 0 ? v / src->to_ms : st->times_ms[pos + i];
          PetscCall(PetscFree(lo));
          PetscCall(PetscFree(hi));
          SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s[%llu] = %g (unit id %" PetscInt_FMT ") %s", path, src->times_name, (unsigned long long)idx,
                  raw, src->ids[k], why);
        }
      }
      pos += cnt;
    }
    st->offsets[src->nsel] = pos;
    PetscCall(PetscFree(lo));
    PetscCall(PetscFree(hi));
  }
  PetscFunctionReturn(0);
}

/* The formats read whole (no stored intervals; -data_intervals applies to them only). */
static PetscErrorCode ReadWhole(const char *path, const DataOptions *opt, SpikeFileKind kind, PetscBool info_only, double t_lo, double t_hi, SpikeTrains **out)
{
  PetscFunctionBeginUser;
  PetscCheck(!opt->units_where[0], PETSC_COMM_SELF, PETSC_ERR_ARG_INCOMP, "%s: -data_units_where selects rows of an NWB /units table; this is a %s file%s", path,
             SpikeFileKindName(kind), kind == SPIKE_FILE_PHY ? " (use -data_labels)" : "");
  PetscCheck(!opt->labels[0] || kind == SPIKE_FILE_PHY, PETSC_COMM_SELF, PETSC_ERR_ARG_INCOMP, "%s: -data_labels selects clusters of a Kilosort/phy folder; this is a %s file",
             path, SpikeFileKindName(kind));
  PetscCheck(!opt->var[0] || kind == SPIKE_FILE_MAT, PETSC_COMM_SELF, PETSC_ERR_ARG_INCOMP, "%s: -data_var names a MATLAB variable; this is a %s file", path,
             SpikeFileKindName(kind));
  if (kind == SPIKE_FILE_TSV) PetscCall(TsvRead(path, opt, info_only, t_lo, t_hi, out));
  else if (kind == SPIKE_FILE_PHY) PetscCall(PhyRead(path, opt, info_only, t_lo, t_hi, out));
  else PetscCall(MatRead(path, opt, info_only, t_lo, t_hi, out));
  PetscFunctionReturn(0);
}

/* Options that only the whole-file formats or NWB understand are errors elsewhere. */
static PetscErrorCode CheckH5Options(const char *path, const DataOptions *opt, SpikeFileKind kind)
{
  PetscFunctionBeginUser;
  PetscCheck(!opt->intervals[0], PETSC_COMM_SELF, PETSC_ERR_ARG_INCOMP, "%s: -data_intervals is for text, phy and MATLAB files; this %s file stores its own observation intervals",
             path, SpikeFileKindName(kind));
  PetscCheck(!opt->labels[0], PETSC_COMM_SELF, PETSC_ERR_ARG_INCOMP, "%s: -data_labels selects clusters of a Kilosort/phy folder; this is a %s file%s", path,
             SpikeFileKindName(kind), kind == SPIKE_FILE_NWB ? " (use -data_units_where COLUMN=VALUE)" : "");
  PetscCheck(!opt->var[0], PETSC_COMM_SELF, PETSC_ERR_ARG_INCOMP, "%s: -data_var names a MATLAB variable; this is a %s file", path, SpikeFileKindName(kind));
  PetscCheck(!opt->units_where[0] || kind == SPIKE_FILE_NWB, PETSC_COMM_SELF, PETSC_ERR_ARG_INCOMP, "%s: -data_units_where selects rows of an NWB /units table; this is a %s file",
             path, SpikeFileKindName(kind));
  PetscFunctionReturn(0);
}

static PetscErrorCode ReadAny(const char *path, const DataOptions *opt, PetscBool info_only, double t_lo, double t_hi, SpikeTrains **out)
{
  SpikeFileKind  kind;
  DataOptions    def;
  SpikeSource    src;
  H5Silence      s;
  double        *ints = NULL;
  PetscErrorCode ierr, ierr2;

  PetscFunctionBeginUser;
  *out = NULL;
  if (!opt) {
    PetscCall(DataOptionsDefault(&def));
    opt = &def;
  }
  PetscCall(DataOptionsValidate(opt));
  PetscCheck(info_only || (!PetscIsNanReal(t_lo) && !PetscIsNanReal(t_hi) && t_hi > t_lo), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "%s: empty or invalid time range [%g, %g) ms", path, t_lo, t_hi);
  PetscCall(SpikeFileDetect(path, &kind));
  if (kind == SPIKE_FILE_TSV || kind == SPIKE_FILE_PHY || kind == SPIKE_FILE_MAT) {
    PetscCall(ReadWhole(path, opt, kind, info_only, t_lo, t_hi, out));
    PetscFunctionReturn(0);
  }
  PetscCall(CheckH5Options(path, opt, kind));
  PetscCall(PetscMemzero(&src, sizeof(src)));
  src.file = src.times = -1;
  src.path = path;
  SilenceBegin(&s);
  ierr  = ReadH5Inner(path, opt, kind, info_only, t_lo, t_hi, &src, &ints, out);
  ierr2 = SpikeSourceClose(&src);
  SilenceEnd(&s);
  PetscCall(PetscFree(ints));
  if (ierr) PetscCall(SpikeTrainsDestroy(out));
  PetscCall(ierr);
  PetscCall(ierr2);
  PetscFunctionReturn(0);
}

PetscErrorCode SpikeFileReadInfo(const char *path, const DataOptions *opt, SpikeTrains **info)
{
  PetscFunctionBeginUser;
  PetscCall(ReadAny(path, opt, PETSC_TRUE, 0, PETSC_INFINITY, info));
  PetscFunctionReturn(0);
}

PetscErrorCode SpikeFileReadRange(const char *path, const DataOptions *opt, double t_lo_ms, double t_hi_ms, SpikeTrains **out)
{
  PetscFunctionBeginUser;
  PetscCall(ReadAny(path, opt, PETSC_FALSE, t_lo_ms, t_hi_ms, out));
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------------------------------ */
/* streaming validation                                                                        */

#define VALIDATE_BLOCK 65536

static PetscErrorCode ValidateInner(const char *path, const DataOptions *opt, SpikeFileKind kind, SpikeSource *src, double *buf, double **ints)
{
  hid_t    fspace, mspace;
  PetscInt nint;

  PetscFunctionBeginUser;
  PetscCall(SourceOpen(path, opt, kind, src));
  PetscCall(SourceIntervals(src, &nint, ints)); /* checks the intervals too */
  fspace = H5Dget_space(src->times);
  PetscCheck(fspace >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: cannot read the shape of %s", path, src->times_name);
  PetscCall(SpikeSourceTrack(src, fspace));
  {
    hsize_t blk = VALIDATE_BLOCK;
    mspace      = H5Screate_simple(1, &blk, NULL);
    PetscCheck(mspace >= 0, PETSC_COMM_SELF, PETSC_ERR_LIB, "H5Screate_simple failed");
    PetscCall(SpikeSourceTrack(src, mspace));
  }
  for (PetscInt s = 0; s < src->nsel; s++) {
    PetscInt k    = src->sel[s];
    double   prev = -1;
    for (uint64_t a = src->begin[k]; a < src->end[k]; a += VALIDATE_BLOCK) {
      hsize_t start = a, count = PetscMin((uint64_t)VALIDATE_BLOCK, src->end[k] - a), mstart = 0;
      PetscCheck(H5Sselect_hyperslab(fspace, H5S_SELECT_SET, &start, NULL, &count, NULL) >= 0 &&
                   H5Sselect_hyperslab(mspace, H5S_SELECT_SET, &mstart, NULL, &count, NULL) >= 0 &&
                   H5Dread(src->times, H5T_NATIVE_DOUBLE, mspace, fspace, H5P_DEFAULT, buf) >= 0,
                 PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: reading %s[%llu..%llu) failed", path, src->times_name, (unsigned long long)start,
                 (unsigned long long)(start + count));
      for (hsize_t i = 0; i < count; i++) {
        double v = buf[i];
        PetscCheck(isfinite(v) && v >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s[%llu] = %g (unit id %" PetscInt_FMT ") is %s", path, src->times_name,
                   (unsigned long long)(a + i), v, src->ids[k], isfinite(v) ? "negative" : "not finite");
        PetscCheck(v >= prev, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
                   "%s: %s[%llu] = %g (unit id %" PetscInt_FMT ") is smaller than the spike before it (times of a unit must be sorted)", path, src->times_name,
                   (unsigned long long)(a + i), v, src->ids[k]);
        prev = v;
      }
    }
  }
  PetscFunctionReturn(0);
}

PetscErrorCode SpikeFileValidate(const char *path, const DataOptions *opt)
{
  SpikeFileKind  kind;
  DataOptions    def;
  SpikeSource    src;
  H5Silence      s;
  double        *buf, *ints = NULL;
  PetscErrorCode ierr, ierr2;

  PetscFunctionBeginUser;
  if (!opt) {
    PetscCall(DataOptionsDefault(&def));
    opt = &def;
  }
  PetscCall(DataOptionsValidate(opt));
  PetscCall(SpikeFileDetect(path, &kind));
  if (kind == SPIKE_FILE_TSV || kind == SPIKE_FILE_PHY || kind == SPIKE_FILE_MAT) {
    SpikeTrains *st;
    PetscCall(ReadWhole(path, opt, kind, PETSC_FALSE, 0, PETSC_INFINITY, &st));
    PetscCall(SpikeTrainsDestroy(&st));
    PetscFunctionReturn(0);
  }
  PetscCall(CheckH5Options(path, opt, kind));
  PetscCall(PetscMemzero(&src, sizeof(src)));
  src.file = src.times = -1;
  src.path = path;
  PetscCall(PetscMalloc1(VALIDATE_BLOCK, &buf));
  SilenceBegin(&s);
  ierr  = ValidateInner(path, opt, kind, &src, buf, &ints);
  ierr2 = SpikeSourceClose(&src);
  SilenceEnd(&s);
  PetscCall(PetscFree(buf));
  PetscCall(PetscFree(ints));
  PetscCall(ierr);
  PetscCall(ierr2);
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
    PetscCheck(ends[k] >= b, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s is not monotone: entry %" PetscInt_FMT " is %llu after %llu", src->path, name, k,
               (unsigned long long)ends[k], (unsigned long long)b);
    PetscCheck(ends[k] <= src->ntimes, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s points past the end: entry %" PetscInt_FMT " is %llu but %s has %llu entries",
               src->path, name, k, (unsigned long long)ends[k], src->times_name, (unsigned long long)src->ntimes);
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
  PetscCheck(dims[1] == 2, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: dataset %s has shape [%llu][%llu], expected [n][2] (start, end)", src->path, name,
             (unsigned long long)dims[0], (unsigned long long)dims[1]);
  PetscCheck(dims[0] <= SPIKE_MAX_UNITS_ENTRIES, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: dataset %s claims %llu rows: damaged file?", src->path, name,
             (unsigned long long)dims[0]);
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
      SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: dataset %s row %llu is [%g, %g): an interval needs finite 0 <= start < end", src->path, name,
              (unsigned long long)w, a, b);
    }
    (*vals)[2 * w] = a * to_ms;
    (*vals)[2 * w + 1] = b * to_ms;
  }
  *m = (PetscInt)dims[0];
  PetscFunctionReturn(0);
}
