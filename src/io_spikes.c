/* Recorded spike data: the layout-independent part of the HDF5 readers
 * (header, range reads by binary search, streaming validation); the whole-file formats are
 * dispatched to their readers. */
#include "io_spikes.h"
#include <math.h>
#include <string.h>
#include <ctype.h>
#include <stdlib.h>
#include <errno.h>
#include <sys/stat.h>

/* ------------------------------------------------------------------------------------------ */
/* the generic HDF5 reader                                                                     */

/* -data_units_where first, then -data_units among the rows it kept. */
static PetscErrorCode SelectWhere(SpikeSource *src, const DataOptions *opt)
{
  PetscBool     *keep;
  PetscInt      *idx, *kids, nk = 0;
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc3(src->nall, &keep, src->nall, &idx, src->nall, &kids));
  ierr = NwbUnitsWhere(src, opt->units_where, keep);
  for (PetscInt k = 0; !ierr && k < src->nall; k++)
    if (keep[k]) {
      idx[nk]    = k;
      kids[nk++] = src->ids[k];
    }
  if (!ierr) ierr = DataUnitsSelect(src->path, opt->units, nk, kids, &src->nsel, &src->sel);
  for (PetscInt s = 0; !ierr && s < src->nsel; s++) src->sel[s] = idx[src->sel[s]];
  PetscCall(PetscFree3(keep, idx, kids));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

static PetscErrorCode SourceOpen(const char *path, const DataOptions *opt, SpikeFileKind kind, SpikeSource *src)
{
  PetscFunctionBeginUser;
  src->kind  = kind;
  src->to_ms = 1.0;
  src->file  = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  PetscCheck(src->file >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s: cannot open the HDF5 file", path);
  switch (kind) {
  case SPIKE_FILE_NWB: PetscCall(NwbOpen(src)); break;
  case SPIKE_FILE_SPIKEFIT: PetscCall(SpikefitH5Open(src)); break;
  case SPIKE_FILE_RETINA: PetscCall(RetinaOpen(src)); break;
  default: SETERRQ(PETSC_COMM_SELF, PETSC_ERR_PLIB, "not an HDF5 layout");
  }
  PetscCheck(src->nall > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: empty recording: no units", path);
  PetscCheck(src->ntimes > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: empty recording: %s holds no spikes",
             path, src->times_name);
  for (PetscInt k = 0; k < src->nall; k++) {
    PetscCheck(src->begin[k] <= src->end[k] && src->end[k] <= src->ntimes, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s: unit %" PetscInt_FMT " owns [%llu, %llu) of %s, which has %llu entries", path, k,
               (unsigned long long)src->begin[k], (unsigned long long)src->end[k], src->times_name,
               (unsigned long long)src->ntimes);
    for (PetscInt j = 0; j < k && src->nall <= 4096; j++)
      PetscCheck(src->ids[j] != src->ids[k], PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
                 "%s: unit id %" PetscInt_FMT " appears twice", path, src->ids[k]);
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
             PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: reading %s[%llu] failed", src->path, src->times_name,
             (unsigned long long)idx);
  PetscCheck(isfinite(v), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s[%llu] is not finite (%g)", src->path,
             src->times_name, (unsigned long long)idx, v);
  PetscCheck(v >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s[%llu] is negative (%g)", src->path,
             src->times_name, (unsigned long long)idx, v);
  *t = v * src->to_ms;
  PetscCheck(isfinite(*t), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s[%llu] = %g is too large", src->path,
             src->times_name, (unsigned long long)idx, v);
  PetscFunctionReturn(0);
}

/* First index in [lo, hi) whose time is >= t (by single-element reads). */
static PetscErrorCode LowerBound(SpikeSource *src, hid_t fspace, hid_t mspace, uint64_t lo, uint64_t hi, double t,
                                 uint64_t *pos)
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
  PetscCheck(*fspace >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: cannot read the shape of %s", src->path,
             src->times_name);
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
    if (hi > lo) {
      out[2 * n]     = lo;
      out[2 * n + 1] = hi;
      n++;
    }
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
               "%s: observation interval [%g, %g) ms (from the file's %s) is empty or not finite: times too large?",
               src->path, a, b, src->from_spikes && !src->per_unit ? "first and last spikes" : "intervals");
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
      PetscInt k  = src->sel[s];
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
          SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
                  "%s: /units/obs_intervals of unit id %" PetscInt_FMT " overlap (%g ms starts before %g ms ends)",
                  src->path, src->ids[k], a, b);
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
      PetscCheck(*nint > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
                 "%s: the selected units' observation intervals have no common time", src->path);
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
    PetscCheck(hi >= lo, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s: empty recording: no unit owns a spike of %s (%llu entries)", src->path, src->times_name,
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
    if (b > a) {
      ints[2 * n]     = a;
      ints[2 * n + 1] = b;
      n++;
    }
  }
  *nint = n;
  PetscFunctionReturn(0);
}

/* The index range [lo[s], hi[s]) of every selected unit's spikes in [t_lo, t_hi); *total their sum. */
static PetscErrorCode UnitRanges(const char *path, SpikeSource *src, hid_t fspace, hid_t mspace, double t_lo,
                                 double t_hi, uint64_t *lo, uint64_t *hi, PetscInt *total)
{
  PetscFunctionBeginUser;
  *total = 0;
  for (PetscInt s = 0; s < src->nsel; s++) {
    PetscInt k = src->sel[s];
    PetscCall(LowerBound(src, fspace, mspace, src->begin[k], src->end[k], t_lo, &lo[s]));
    if (t_hi >= PETSC_INFINITY) hi[s] = src->end[k];
    else PetscCall(LowerBound(src, fspace, mspace, lo[s], src->end[k], t_hi, &hi[s]));
    PetscCheck((uint64_t)*total + (hi[s] - lo[s]) <= (uint64_t)PETSC_MAX_INT, PETSC_COMM_SELF, PETSC_ERR_SUP,
               "%s: the range [%g, %g) ms holds too many spikes for PetscInt", path, t_lo, t_hi);
    *total += (PetscInt)(hi[s] - lo[s]);
  }
  PetscFunctionReturn(0);
}

/* Reads times [lo, hi) of unit k into t (ms), checking each as it comes: finite, >= 0, sorted, in range. */
static PetscErrorCode UnitTimes(const char *path, SpikeSource *src, hid_t fspace, PetscInt k, uint64_t lo, uint64_t hi,
                                double t_lo, double t_hi, double *t)
{
  PetscInt cnt = (PetscInt)(hi - lo);

  PetscFunctionBeginUser;
  if (cnt > 0) {
    hsize_t start = lo, count = (hsize_t)cnt;
    hid_t   ms = H5Screate_simple(1, &count, NULL);
    herr_t  e  = -1;
    if (ms >= 0) {
      if (H5Sselect_hyperslab(fspace, H5S_SELECT_SET, &start, NULL, &count, NULL) >= 0)
        e = H5Dread(src->times, H5T_NATIVE_DOUBLE, ms, fspace, H5P_DEFAULT, t);
      H5Sclose(ms);
    }
    PetscCheck(e >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: reading %s[%llu..%llu) failed", path,
               src->times_name, (unsigned long long)start, (unsigned long long)(start + count));
  }
  for (PetscInt i = 0; i < cnt; i++) {
    double      v   = t[i];
    uint64_t    idx = lo + (uint64_t)i;
    const char *why = NULL;
    if (!isfinite(v)) why = "is not finite";
    else if (v < 0) why = "is negative";
    else {
      v *= src->to_ms;
      t[i] = v;
      if (!isfinite(v)) why = "is too large";
      else if (i > 0 && v < t[i - 1]) why = "is smaller than the spike before it (times of a unit must be sorted)";
      else if (v < t_lo || v >= t_hi) why = "is out of order (times of a unit must be sorted)";
    }
    PetscCheck(!why, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s[%llu] = %g (unit id %" PetscInt_FMT ") %s",
               path, src->times_name, (unsigned long long)idx, isfinite(v) && v >= 0 ? v / src->to_ms : t[i],
               src->ids[k], why);
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode ReadH5Inner(const char *path, const DataOptions *opt, SpikeFileKind kind, PetscBool info_only,
                                  double t_lo, double t_hi, SpikeSource *src, double **ints, SpikeTrains **out)
{
  PetscInt       nint, total = 0, pos = 0;
  uint64_t      *lo = NULL, *hi = NULL;
  hid_t          fspace = -1, mspace = -1;
  SpikeTrains   *st;
  PetscErrorCode ierr = 0;

  PetscFunctionBeginUser;
  PetscCall(SourceOpen(path, opt, kind, src));
  PetscCall(SourceIntervals(src, &nint, ints));
  if (!info_only) {
    PetscCall(ClipIntervals(&nint, *ints, t_lo, t_hi));
    PetscCall(OpenSpaces(src, &fspace, &mspace));
    /* one pair per selected unit, freed on every exit below */
    PetscCall(PetscMalloc1(src->nsel + 1, &lo));
    PetscCall(PetscMalloc1(src->nsel + 1, &hi));
    ierr = UnitRanges(path, src, fspace, mspace, t_lo, t_hi, lo, hi, &total);
  }
  if (!ierr) ierr = SpikeTrainsCreate(src->nsel, total, nint, out);
  if (!ierr) {
    st = *out;
    PetscCall(PetscStrncpy(st->source, path, sizeof(st->source)));
    for (PetscInt s = 0; s < src->nsel; s++) st->unit_ids[s] = src->ids[src->sel[s]];
    PetscCall(PetscArraycpy(st->intervals_ms, *ints, 2 * nint));
    for (PetscInt s = 0; !info_only && !ierr && s < src->nsel; s++) {
      st->offsets[s] = pos;
      ierr           = UnitTimes(path, src, fspace, src->sel[s], lo[s], hi[s], t_lo, t_hi, st->times_ms + pos);
      pos += (PetscInt)(hi[s] - lo[s]);
    }
    if (!info_only) st->offsets[src->nsel] = pos;
  }
  PetscCall(PetscFree(lo));
  PetscCall(PetscFree(hi));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

/* The formats read whole (no stored intervals; -data_intervals applies to them only). */
static PetscErrorCode ReadWhole(const char *path, const DataOptions *opt, SpikeFileKind kind, PetscBool info_only,
                                double t_lo, double t_hi, SpikeTrains **out)
{
  PetscFunctionBeginUser;
  PetscCheck(!opt->units_where[0], PETSC_COMM_SELF, PETSC_ERR_ARG_INCOMP,
             "%s: -data_units_where selects rows of an NWB /units table; this is a %s file%s", path,
             SpikeFileKindName(kind), kind == SPIKE_FILE_PHY ? " (use -data_labels)" : "");
  PetscCheck(!opt->labels[0] || kind == SPIKE_FILE_PHY, PETSC_COMM_SELF, PETSC_ERR_ARG_INCOMP,
             "%s: -data_labels selects clusters of a Kilosort/phy folder; this is a %s file", path,
             SpikeFileKindName(kind));
  PetscCheck(!opt->var[0] || kind == SPIKE_FILE_MAT, PETSC_COMM_SELF, PETSC_ERR_ARG_INCOMP,
             "%s: -data_var names a MATLAB variable; this is a %s file", path, SpikeFileKindName(kind));
  if (kind == SPIKE_FILE_TSV) PetscCall(TsvRead(path, opt, info_only, t_lo, t_hi, out));
  else if (kind == SPIKE_FILE_PHY) PetscCall(PhyRead(path, opt, info_only, t_lo, t_hi, out));
  else PetscCall(MatRead(path, opt, info_only, t_lo, t_hi, out));
  PetscFunctionReturn(0);
}

/* Options that only the whole-file formats or NWB understand are errors elsewhere. */
static PetscErrorCode CheckH5Options(const char *path, const DataOptions *opt, SpikeFileKind kind)
{
  PetscFunctionBeginUser;
  PetscCheck(!opt->intervals[0], PETSC_COMM_SELF, PETSC_ERR_ARG_INCOMP,
             "%s: -data_intervals is for text, phy and MATLAB files; this %s file stores its own observation intervals",
             path, SpikeFileKindName(kind));
  PetscCheck(!opt->labels[0], PETSC_COMM_SELF, PETSC_ERR_ARG_INCOMP,
             "%s: -data_labels selects clusters of a Kilosort/phy folder; this is a %s file%s", path,
             SpikeFileKindName(kind), kind == SPIKE_FILE_NWB ? " (use -data_units_where COLUMN=VALUE)" : "");
  PetscCheck(!opt->var[0], PETSC_COMM_SELF, PETSC_ERR_ARG_INCOMP,
             "%s: -data_var names a MATLAB variable; this is a %s file", path, SpikeFileKindName(kind));
  PetscCheck(!opt->units_where[0] || kind == SPIKE_FILE_NWB, PETSC_COMM_SELF, PETSC_ERR_ARG_INCOMP,
             "%s: -data_units_where selects rows of an NWB /units table; this is a %s file", path,
             SpikeFileKindName(kind));
  PetscFunctionReturn(0);
}

static PetscErrorCode ReadAny(const char *path, const DataOptions *opt, PetscBool info_only, double t_lo, double t_hi,
                              SpikeTrains **out)
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
  PetscCheck(info_only || (!PetscIsNanReal(t_lo) && !PetscIsNanReal(t_hi) && t_hi > t_lo), PETSC_COMM_SELF,
             PETSC_ERR_ARG_WRONG, "%s: empty or invalid time range [%g, %g) ms", path, t_lo, t_hi);
  PetscCall(SpikeFileDetect(path, &kind));
  if (kind == SPIKE_FILE_TSV || kind == SPIKE_FILE_PHY || kind == SPIKE_FILE_MAT) {
    PetscCall(ReadWhole(path, opt, kind, info_only, t_lo, t_hi, out));
    PetscFunctionReturn(0);
  }
  PetscCall(CheckH5Options(path, opt, kind));
  PetscCall(PetscMemzero(&src, sizeof(src)));
  src.file = src.times = -1;
  src.path             = path;
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

PetscErrorCode SpikeFileReadRange(const char *path, const DataOptions *opt, double t_lo_ms, double t_hi_ms,
                                  SpikeTrains **out)
{
  PetscFunctionBeginUser;
  PetscCall(ReadAny(path, opt, PETSC_FALSE, t_lo_ms, t_hi_ms, out));
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------------------------------ */
/* streaming validation                                                                        */

#define VALIDATE_BLOCK 65536

static PetscErrorCode ValidateInner(const char *path, const DataOptions *opt, SpikeFileKind kind, SpikeSource *src,
                                    double *buf, double **ints)
{
  hid_t    fspace, mspace;
  PetscInt nint;

  PetscFunctionBeginUser;
  PetscCall(SourceOpen(path, opt, kind, src));
  PetscCall(SourceIntervals(src, &nint, ints)); /* checks the intervals too */
  fspace = H5Dget_space(src->times);
  PetscCheck(fspace >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: cannot read the shape of %s", path,
             src->times_name);
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
                 PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: reading %s[%llu..%llu) failed", path, src->times_name,
                 (unsigned long long)start, (unsigned long long)(start + count));
      for (hsize_t i = 0; i < count; i++) {
        double v = buf[i];
        PetscCheck(isfinite(v) && v >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
                   "%s: %s[%llu] = %g (unit id %" PetscInt_FMT ") is %s", path, src->times_name,
                   (unsigned long long)(a + i), v, src->ids[k], isfinite(v) ? "negative" : "not finite");
        PetscCheck(v >= prev, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
                   "%s: %s[%llu] = %g (unit id %" PetscInt_FMT
                   ") is smaller than the spike before it (times of a unit must be sorted)",
                   path, src->times_name, (unsigned long long)(a + i), v, src->ids[k]);
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
  src.path             = path;
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
