#include "spikes.h"
#include "resources.h"
#include <math.h>

PetscErrorCode SpikeTrainsCreate(PetscInt nunits, PetscInt nspikes, PetscInt nintervals, SpikeTrains **out)
{
  SpikeTrains *st;

  PetscFunctionBeginUser;
  PetscCheck(nunits >= 0 && nspikes >= 0 && nintervals >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "SpikeTrainsCreate: negative size (units %" PetscInt_FMT ", spikes %" PetscInt_FMT ")", nunits, nspikes);
  PetscCall(PetscNew(&st));
  st->nunits     = nunits;
  st->nspikes    = nspikes;
  st->nintervals = nintervals;
  PetscCall(PetscCalloc1(nunits + 1, &st->offsets));
  PetscCall(PetscCalloc1(nspikes > 0 ? nspikes : 1, &st->times_ms));
  PetscCall(PetscCalloc1(nunits > 0 ? nunits : 1, &st->unit_ids));
  PetscCall(PetscCalloc1(2 * (nintervals > 0 ? nintervals : 1), &st->intervals_ms));
  for (PetscInt k = 0; k < nunits; k++) st->unit_ids[k] = k;
  *out = st;
  PetscFunctionReturn(0);
}

PetscErrorCode SpikeTrainsDestroy(SpikeTrains **st)
{
  PetscFunctionBeginUser;
  if (!st || !*st) PetscFunctionReturn(0);
  PetscCall(PetscFree((*st)->offsets));
  PetscCall(PetscFree((*st)->times_ms));
  PetscCall(PetscFree((*st)->unit_ids));
  PetscCall(PetscFree((*st)->intervals_ms));
  PetscCall(PetscFree(*st));
  PetscFunctionReturn(0);
}

PetscErrorCode SpikeTrainsValidate(const SpikeTrains *st)
{
  const char *src = st->source[0] ? st->source : "(spike trains)";

  PetscFunctionBeginUser;
  PetscCheck(st->offsets[0] == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: spike offsets must start at 0, got %" PetscInt_FMT, src, st->offsets[0]);
  for (PetscInt k = 0; k < st->nunits; k++) {
    PetscCheck(st->offsets[k + 1] >= st->offsets[k], PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s: spike offsets decrease at unit %" PetscInt_FMT " (%" PetscInt_FMT " then %" PetscInt_FMT ")", src,
               k, st->offsets[k], st->offsets[k + 1]);
    PetscCheck(st->offsets[k + 1] <= st->nspikes, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s: spike offset %" PetscInt_FMT " of unit %" PetscInt_FMT " is past the end (%" PetscInt_FMT
               " spikes)",
               src, st->offsets[k + 1], k, st->nspikes);
    for (PetscInt s = st->offsets[k]; s < st->offsets[k + 1]; s++) {
      PetscCheck(isfinite(st->times_ms[s]), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
                 "%s: spike time %" PetscInt_FMT " of unit %" PetscInt_FMT " is not finite (%g)", src,
                 s - st->offsets[k], st->unit_ids[k], st->times_ms[s]);
      PetscCheck(s == st->offsets[k] || st->times_ms[s] >= st->times_ms[s - 1], PETSC_COMM_SELF,
                 PETSC_ERR_FILE_UNEXPECTED,
                 "%s: spike times of unit %" PetscInt_FMT " are not sorted (%g ms after %g ms)", src, st->unit_ids[k],
                 st->times_ms[s], st->times_ms[s - 1]);
    }
  }
  for (PetscInt w = 0; w < st->nintervals; w++) {
    double a = st->intervals_ms[2 * w], b = st->intervals_ms[2 * w + 1];
    PetscCheck(isfinite(a) && isfinite(b) && b > a, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s: observation interval %" PetscInt_FMT " is [%g, %g) ms", src, w, a, b);
    PetscCheck(w == 0 || a >= st->intervals_ms[2 * w - 1], PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s: observation intervals overlap or are unsorted at interval %" PetscInt_FMT, src, w);
  }
  PetscFunctionReturn(0);
}

/* First index in [lo, hi) with times[idx] >= t. */
static PetscInt LowerBound(const double *times, PetscInt lo, PetscInt hi, double t)
{
  while (lo < hi) {
    PetscInt mid = lo + (hi - lo) / 2;
    if (times[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

PetscErrorCode SpikeTrainsBin(const SpikeTrains *st, double t0_ms, double dt_ms, PetscInt nsteps, double *out,
                              PetscInt *nclipped)
{
  PetscInt clipped = 0, n = st->nunits;
  /* times read from seconds (e.g. 0.007 s -> 6.999999999 ms) must not slip into the bin
   * before their edge: edges are moved down by a billionth of a bin */
  double tol   = 1e-9 * dt_ms;
  double t1_ms = t0_ms + nsteps * dt_ms - tol;

  PetscFunctionBeginUser;
  PetscCall(PetscArrayzero(out, (size_t)nsteps * n));
  for (PetscInt k = 0; k < n; k++) {
    PetscInt s = LowerBound(st->times_ms, st->offsets[k], st->offsets[k + 1], t0_ms - tol);
    for (; s < st->offsets[k + 1] && st->times_ms[s] < t1_ms; s++) {
      PetscInt t = (PetscInt)floor((st->times_ms[s] - t0_ms) / dt_ms + 1e-9);
      if (t < 0) t = 0;
      if (t >= nsteps) t = nsteps - 1; /* rounding at the upper edge */
      if (out[t * n + k] > 0) clipped++;
      else out[t * n + k] = 1.0;
    }
  }
  if (nclipped) *nclipped += clipped;
  PetscFunctionReturn(0);
}

PetscErrorCode SpikeTrainsFromBinned(PetscInt nunits, PetscInt nsteps, const double *s, double t0_ms, double dt_ms,
                                     SpikeTrains **out)
{
  PetscInt     total = 0;
  SpikeTrains *st;

  PetscFunctionBeginUser;
  for (PetscInt i = 0; i < nsteps * nunits; i++) total += s[i] > 0.5;
  PetscCall(SpikeTrainsCreate(nunits, total, 1, &st));
  for (PetscInt k = 0, pos = 0; k < nunits; k++) {
    st->offsets[k] = pos;
    for (PetscInt t = 0; t < nsteps; t++)
      if (s[t * nunits + k] > 0.5) st->times_ms[pos++] = t0_ms + t * dt_ms;
    st->offsets[k + 1] = pos;
  }
  st->intervals_ms[0] = t0_ms;
  st->intervals_ms[1] = t0_ms + nsteps * dt_ms;
  *out                = st;
  PetscFunctionReturn(0);
}

/* Whole windows of len ms in [a, b]: a + m*len for m < count. The count comes from a division
 * in double (a loop over a huge span would overflow its counter and never end), corrected by
 * the exact test a + (m + 1) * len <= b + tol that decides the windows. */
static double WindowsIn(double a, double b, double len)
{
  double tol = 1e-9 * len, c;
  if (!(b + tol >= a + len)) return 0;
  c = floor((b + tol - a) / len);
  while (c > 0 && !(a + c * len <= b + tol)) c--;
  while (a + (c + 1) * len <= b + tol) c++;
  return c;
}

PetscErrorCode SpikeTrainsWindows(const SpikeTrains *st, double t0_ms, double t1_ms, double dt_ms, PetscInt nsteps,
                                  PetscInt *nwindows, double **starts)
{
  double   len = (double)nsteps * dt_ms, total = 0;
  PetscInt count = 0;
  double  *list  = NULL;
  char     what[PETSC_MAX_PATH_LEN + 128];

  PetscFunctionBeginUser;
  PetscCheck(isfinite(len) && len > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "windows of %" PetscInt_FMT " steps of %g ms: not a positive length", nsteps, dt_ms);
  for (PetscInt w = 0; w < st->nintervals; w++) {
    double a = PetscMax(st->intervals_ms[2 * w], t0_ms), b = st->intervals_ms[2 * w + 1];
    if (t1_ms > 0) b = PetscMin(b, t1_ms);
    total += WindowsIn(a, b, len);
  }
  PetscCall(PetscSNPrintf(
      what, sizeof(what),
      "%s: the span of %g ms holds %.4g windows of %g ms (a spike time or interval in the wrong unit? see -data_time_unit, -data_t0, -data_t1)",
      st->source[0] ? st->source : "spike data",
      st->nintervals ? st->intervals_ms[2 * st->nintervals - 1] - st->intervals_ms[0] : 0.0, total, len));
  PetscCall(ResourceCheckCount(PETSC_COMM_SELF, what, total));
  PetscCall(ResourceCheckMemory(PETSC_COMM_SELF, what, total * sizeof(double)));
  PetscCall(PetscMalloc1(total > 0 ? (PetscInt)total : 1, &list));
  for (PetscInt w = 0; w < st->nintervals; w++) {
    double   a = PetscMax(st->intervals_ms[2 * w], t0_ms), b = st->intervals_ms[2 * w + 1];
    PetscInt c;
    if (t1_ms > 0) b = PetscMin(b, t1_ms);
    c = (PetscInt)WindowsIn(a, b, len);
    for (PetscInt m = 0; m < c; m++) list[count++] = a + m * len;
  }
  *nwindows = count;
  *starts   = list;
  PetscFunctionReturn(0);
}
