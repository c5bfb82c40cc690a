/* Recorded spike data: format detection and the layout-independent part of the HDF5 readers
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
/* detection                                                                                   */

static PetscBool EndsWith(const char *s, const char *suffix)
{
  size_t a = strlen(s), b = strlen(suffix);
  return (PetscBool)(a >= b && !strcasecmp(s + a - b, suffix));
}

/* A directory that is no known folder layout, a device or a pipe (an endless stream) is not
 * read at all. */
static PetscErrorCode SpikeFileCheckRegular(const char *path)
{
  struct stat sb;

  PetscFunctionBeginUser;
  PetscCheck(stat(path, &sb) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s: cannot open the spike data file (%s)",
             path, strerror(errno));
  PetscCheck(!S_ISDIR(sb.st_mode), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s is a directory, not a spike data file or a recognised spike folder layout", path);
  PetscCheck(S_ISREG(sb.st_mode), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s is not a regular file (a device, pipe or socket): spike data must be a file", path);
  PetscFunctionReturn(0);
}

static PetscErrorCode DetectInner(const char *path, SpikeFileKind *kind, SpikeSource *src)
{
  FILE     *fp;
  htri_t    is5;
  PetscBool e1, e2;

  PetscFunctionBeginUser;
  {
    struct stat sb;
    PetscCheck(stat(path, &sb) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s: cannot open the spike data file (%s)",
               path, strerror(errno));
    if (S_ISDIR(sb.st_mode)) {
      *kind = SPIKE_FILE_PHY;
      PetscFunctionReturn(0);
    } /* a Kilosort/phy folder (io_phy.c checks its files) */
  }
  PetscCall(SpikeFileCheckRegular(path));
  fp = fopen(path, "rb");
  PetscCheck(fp, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s: cannot open the spike data file", path);
  {
    char   head[20] = {0};
    size_t got      = fread(head, 1, 19, fp);
    fclose(fp);
    /* MATLAB 5.0 (v5/v7) and 7.3 (HDF5 behind a 512-byte header) files name themselves */
    if (got == 19 && (!strncmp(head, "MATLAB 5.0 MAT-file", 19) || !strncmp(head, "MATLAB 7.3 MAT-file", 19))) {
      *kind = SPIKE_FILE_MAT;
      PetscFunctionReturn(0);
    }
  }
  PetscCheck(
      !EndsWith(path, ".mat"), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
      "%s: not a MATLAB v5/v7/v7.3 file (no \"MATLAB 5.0/7.3 MAT-file\" header; v4 files are not read: save with -v7 or -v7.3)",
      path);
  is5 = H5Fis_hdf5(path);
  if (is5 <= 0) {
    PetscCheck(!EndsWith(path, ".h5") && !EndsWith(path, ".hdf5") && !EndsWith(path, ".nwb"), PETSC_COMM_SELF,
               PETSC_ERR_FILE_UNEXPECTED, "%s: not an HDF5 file (no HDF5 signature), although its name says so", path);
    *kind = SPIKE_FILE_TSV;
    PetscFunctionReturn(0);
  }
  src->file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  PetscCheck(src->file >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s: cannot open the HDF5 file (damaged?)", path);
  PetscCall(SpikeSourceLinkExists(src, "/units", &e1));
  if (e1) {
    *kind = SPIKE_FILE_NWB;
    PetscFunctionReturn(0);
  }
  PetscCall(SpikeSourceLinkExists(src, "/spikes/times_ms", &e1));
  if (e1) {
    *kind = SPIKE_FILE_SPIKEFIT;
    PetscFunctionReturn(0);
  }
  PetscCall(SpikeSourceLinkExists(src, "/sCount", &e1));
  PetscCall(SpikeSourceLinkExists(src, "/spikes", &e2));
  if (e1 || e2) {
    H5O_info_t info;
    /* a /spikes group is spikefit's layout (with a missing dataset); a dataset is the retina layout */
    if (e2 && H5Oget_info_by_name(src->file, "/spikes", &info, H5P_DEFAULT) >= 0 && info.type == H5O_TYPE_GROUP)
      *kind = SPIKE_FILE_SPIKEFIT;
    else *kind = SPIKE_FILE_RETINA;
    PetscFunctionReturn(0);
  }
  SETERRQ(
      PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
      "%s: HDF5 file without a known spike layout (looked for /units/spike_times (NWB), /spikes/times_ms (spikefit), /spikes + /sCount (retina))",
      path);
}

PetscErrorCode SpikeFileDetect(const char *path, SpikeFileKind *kind)
{
  SpikeSource    src;
  H5Silence      s;
  PetscErrorCode ierr, ierr2;

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(&src, sizeof(src)));
  src.file = src.times = -1;
  src.path             = path;
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

static PetscErrorCode ReadH5Inner(const char *path, const DataOptions *opt, SpikeFileKind kind, PetscBool info_only,
                                  double t_lo, double t_hi, SpikeSource *src, double **ints, SpikeTrains **out)
{
  PetscInt     nint;
  uint64_t    *lo = NULL, *hi = NULL;
  hid_t        fspace = -1, mspace = -1;
  PetscInt     total = 0;
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
      PetscInt       k = src->sel[s];
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
        PetscCheck(ierr != PETSC_ERR_SUP, PETSC_COMM_SELF, PETSC_ERR_SUP,
                   "%s: the range [%g, %g) ms holds too many spikes for PetscInt", path, t_lo, t_hi);
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
        hid_t   ms = H5Screate_simple(1, &count, NULL);
        herr_t  e  = -1;
        if (ms >= 0) {
          if (H5Sselect_hyperslab(fspace, H5S_SELECT_SET, &start, NULL, &count, NULL) >= 0)
            e = H5Dread(src->times, H5T_NATIVE_DOUBLE, ms, fspace, H5P_DEFAULT, st->times_ms + pos);
          H5Sclose(ms);
        }
        if (e < 0) {
          PetscCall(PetscFree(lo));
          PetscCall(PetscFree(hi));
          SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: reading %s[%llu..%llu) failed", path,
                  src->times_name, (unsigned long long)start, (unsigned long long)(start + count));
        }
      }
      for (PetscInt i = 0; i < cnt; i++) {
        double      v   = st->times_ms[pos + i];
        uint64_t    idx = lo[s] + (uint64_t)i;
        const char *why = NULL;
        if (!isfinite(v)) why = "is not finite";
        else if (v < 0) why = "is negative";
        else {
          v *= src->to_ms;
          st->times_ms[pos + i] = v;
          if (!isfinite(v)) why = "is too large";
          else if (i > 0 && v < st->times_ms[pos + i - 1])
            why = "is smaller than the spike before it (times of a unit must be sorted)";
          else if (v < t_lo || v >= t_hi) why = "is out of order (times of a unit must be sorted)";
        }
        if (why) {
          double raw = isfinite(v) && v >= 0 ? v / src->to_ms : st->times_ms[pos + i];
          PetscCall(PetscFree(lo));
          PetscCall(PetscFree(hi));
          SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s[%llu] = %g (unit id %" PetscInt_FMT ") %s", path,
                  src->times_name, (unsigned long long)idx, raw, src->ids[k], why);
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
