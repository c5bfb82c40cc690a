/* Formats read whole (text, Kilosort/phy, MATLAB): their observation intervals (-data_intervals,
 * "# interval" lines, or the span of the spikes) and the step from (unit id, time) pairs to the
 * spike-train container. */
#include "io_spikes.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

double DataTimeScale(const DataOptions *opt)
{
  if (!strcmp(opt->time_unit, "ms")) return 1.0;
  if (!strcmp(opt->time_unit, "samples")) return 1000.0 / opt->sample_rate;
  return 1000.0;
}

PetscErrorCode SpikeIntervalParse(const char *name, long lineno, const char *text, double scale, double *a, double *b)
{
  char       *end;
  const char *p = text;

  PetscFunctionBeginUser;
  *a = strtod(p, &end);
  PetscCheck(end != p, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: line %ld: an interval needs two numbers \"start end\", got \"%s\"", name, lineno, text);
  p = end;
  while (*p == ',') p++;
  *b = strtod(p, &end);
  PetscCheck(end != p, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: line %ld: an interval needs two numbers \"start end\", got \"%s\"", name, lineno, text);
  for (p = end; *p; p++)
    PetscCheck(*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n', PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s: line %ld: an interval line holds more than \"start end\": \"%s\"", name, lineno, text);
  PetscCheck(isfinite(*a) && isfinite(*b) && *a >= 0 && *b > *a, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: line %ld: interval [%g, %g) needs finite 0 <= start < end", name, lineno, *a, *b);
  *a *= scale;
  *b *= scale;
  PetscFunctionReturn(0);
}

static PetscErrorCode ReadIntervalsFile(const char *path, double scale, PetscInt *n, double **ints)
{
  FILE          *fp;
  char          *line = NULL;
  size_t         cap  = 0;
  PetscInt       m = 0, capi = 16;
  long           lineno = 0;
  PetscErrorCode ierr   = 0;

  PetscFunctionBeginUser;
  fp = fopen(path, "r");
  PetscCheck(fp, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "-data_intervals %s: cannot open the file", path);
  PetscCall(PetscMalloc1(2 * capi, ints));
  while (!ierr && getline(&line, &cap, fp) >= 0) {
    char *h = strchr(line, '#'), *s = line;
    lineno++;
    if (h) *h = '\0';
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n') s++;
    if (!*s) continue;
    if (m == capi) {
      double *more;
      ierr = PetscMalloc1(4 * capi, &more);
      if (ierr) break;
      memcpy(more, *ints, 2 * capi * sizeof(double));
      PetscCall(PetscFree(*ints));
      *ints = more;
      capi *= 2;
    }
    ierr = SpikeIntervalParse(path, lineno, s, scale, &(*ints)[2 * m], &(*ints)[2 * m + 1]);
    m++;
  }
  free(line);
  fclose(fp);
  if (ierr) PetscCall(PetscFree(*ints));
  PetscCall(ierr);
  if (!m) PetscCall(PetscFree(*ints));
  PetscCheck(m > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "-data_intervals %s: no \"start end\" line", path);
  *n = m;
  PetscFunctionReturn(0);
}

PetscErrorCode SpikeIntervalsFor(const char *name, const DataOptions *opt, PetscInt nfile, const double *file_ints,
                                 double tmax_ms, PetscInt *nint, double **ints)
{
  const char *from = "the file's \"# interval\" lines";

  PetscFunctionBeginUser;
  *ints = NULL;
  if (opt->intervals[0]) {
    PetscCheck(nfile == 0, PETSC_COMM_SELF, PETSC_ERR_ARG_INCOMP,
               "%s holds \"# interval\" lines and -data_intervals %s is given: use one of them", name, opt->intervals);
    PetscCall(ReadIntervalsFile(opt->intervals, DataTimeScale(opt), nint, ints));
    from = opt->intervals;
  } else if (nfile > 0) {
    PetscCall(PetscMalloc1(2 * nfile, ints));
    PetscCall(PetscArraycpy(*ints, file_ints, 2 * nfile));
    *nint = nfile;
  } else {
    PetscCall(PetscMalloc1(2, ints));
    (*ints)[0] = 0;
    (*ints)[1] = floor(tmax_ms) + 1;
    *nint      = 1;
    PetscFunctionReturn(0);
  }
  for (PetscInt w = 1; w < *nint; w++)
    if ((*ints)[2 * w] < (*ints)[2 * w - 1]) {
      double a0 = (*ints)[2 * w - 2], a1 = (*ints)[2 * w - 1], b0 = (*ints)[2 * w], b1 = (*ints)[2 * w + 1];
      PetscCall(PetscFree(*ints));
      SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
              "%s: observation intervals %" PetscInt_FMT " and %" PetscInt_FMT
              " of %s overlap or are unsorted ([%g, %g) then [%g, %g) ms)",
              name, w - 1, w, from, a0, a1, b0, b1);
    }
  PetscFunctionReturn(0);
}

static int CmpPairId(const void *x, const void *y)
{
  const SpikePair *a = (const SpikePair *)x, *b = (const SpikePair *)y;
  if (a->id != b->id) return (a->id > b->id) - (a->id < b->id);
  return (a->t > b->t) - (a->t < b->t);
}

static PetscBool Inside(PetscInt nint, const double *ints, double t)
{
  PetscInt lo = 0, hi = nint;
  while (lo < hi) { /* first interval ending after t */
    PetscInt mid = lo + (hi - lo) / 2;
    if (ints[2 * mid + 1] <= t) lo = mid + 1;
    else hi = mid;
  }
  return (PetscBool)(lo < nint && t >= ints[2 * lo]);
}

PetscErrorCode SpikePairsToTrains(const char *name, size_t npairs, SpikePair *pairs, PetscInt nsel,
                                  const PetscInt *sel_ids, PetscInt nint, const double *ints, PetscBool info_only,
                                  double t_lo, double t_hi, SpikeTrains **out)
{
  PetscInt    *sorted, *slot, n = 0;
  size_t       m = 0, dropped = 0;
  SpikeTrains *st;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc2(nsel > 0 ? nsel : 1, &sorted, nsel > 0 ? nsel : 1, &slot));
  PetscCall(PetscArraycpy(sorted, sel_ids, nsel));
  PetscCall(PetscSortInt(nsel, sorted));
  for (size_t i = 0; i < npairs; i++) {
    PetscInt loc;
    PetscCall(PetscFindInt(pairs[i].id, nsel, sorted, &loc));
    if (loc < 0) continue;
    if (!Inside(nint, ints, pairs[i].t)) {
      dropped++;
      continue;
    }
    if (!info_only && (pairs[i].t < t_lo || pairs[i].t >= t_hi)) continue;
    pairs[m++] = pairs[i];
  }
  if (dropped)
    PetscCall(PetscInfo(NULL, "%s: %zu spikes of the selected units lie outside the observation intervals: dropped\n",
                        name, dropped));
  PetscCheck(info_only || m <= (size_t)PETSC_MAX_INT, PETSC_COMM_SELF, PETSC_ERR_SUP,
             "%s: too many spikes for PetscInt", name);
  if (info_only) m = 0;
  if (m > 1) qsort(pairs, m, sizeof(SpikePair), CmpPairId);
  PetscCall(SpikeTrainsCreate(nsel, (PetscInt)m, nint, out));
  st = *out;
  PetscCall(PetscStrncpy(st->source, name, sizeof(st->source)));
  /* spikes are sorted by id; the units come out in sel_ids' order */
  for (PetscInt s = 0; s < nsel; s++) {
    PetscInt loc;
    PetscCall(PetscFindInt(sel_ids[s], nsel, sorted, &loc));
    slot[loc] = s;
  }
  {
    PetscInt *cnt;
    size_t    i = 0;
    PetscCall(PetscCalloc1(nsel + 1, &cnt));
    for (size_t j = 0; j < m; j++) {
      PetscInt loc;
      PetscCall(PetscFindInt(pairs[j].id, nsel, sorted, &loc));
      cnt[slot[loc] + 1]++;
    }
    for (PetscInt s = 0; s < nsel; s++) cnt[s + 1] += cnt[s];
    for (PetscInt s = 0; s < nsel; s++) {
      st->unit_ids[s] = sel_ids[s];
      st->offsets[s]  = cnt[s];
    }
    st->offsets[nsel] = (PetscInt)m;
    while (i < m) { /* one run of equal ids at a time */
      PetscInt loc, pos;
      PetscCall(PetscFindInt(pairs[i].id, nsel, sorted, &loc));
      pos = cnt[slot[loc]];
      for (PetscInt id = pairs[i].id; i < m && pairs[i].id == id; i++) st->times_ms[pos++] = pairs[i].t;
    }
    PetscCall(PetscFree(cnt));
  }
  for (PetscInt w = 0; w < nint; w++) {
    double a = ints[2 * w], b = ints[2 * w + 1];
    if (!info_only) {
      a = PetscMax(a, t_lo);
      b = PetscMin(b, t_hi);
    }
    if (b > a) {
      st->intervals_ms[2 * n]     = a;
      st->intervals_ms[2 * n + 1] = b;
      n++;
    }
  }
  st->nintervals = n;
  PetscCall(PetscFree2(sorted, slot));
  PetscFunctionReturn(0);
}
