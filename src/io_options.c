/* Options of recorded data (-data_*), the unit list syntax, the fitting and holdout spans. */
#include "io_spikes.h"
#include <math.h>
#include <string.h>
#include <ctype.h>

/* ------------------------------------------------------------------------------------------ */
/* options                                                                                      */

PetscErrorCode DataOptionsDefault(DataOptions *opt)
{
  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(opt, sizeof(*opt)));
  PetscCall(PetscStrncpy(opt->time_unit, "s", sizeof(opt->time_unit)));
  opt->validation_ms = -1;
  PetscFunctionReturn(0);
}

/* Parses one non-negative decimal integer from s[*pos..], skipping blanks around it. */
static PetscBool ParseId(const char *s, size_t *pos, PetscInt *val)
{
  size_t    i   = *pos;
  long long v   = 0;
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
  PetscInt n = 0;

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
                 "-data_units \"%s\": expected the end of the range %" PetscInt_FMT "- at character %d", list, a,
                 (int)pos + 1);
      PetscCheck(b >= a, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
                 "-data_units \"%s\": range %" PetscInt_FMT "-%" PetscInt_FMT " is reversed", list, a, b);
    }
    if (lo) {
      lo[n] = a;
      hi[n] = b;
    }
    n++;
    if (list[pos] == '\0') break;
    PetscCheck(list[pos] == ',', PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
               "-data_units \"%s\": unexpected character '%c' at character %d (use \"3,5,10-12\")", list, list[pos],
               (int)pos + 1);
    pos++;
  }
  *nr = n;
  PetscFunctionReturn(0);
}

PetscErrorCode DataUnitsSelect(const char *path, const char *list, PetscInt nall, const PetscInt *ids, PetscInt *nsel,
                               PetscInt **sel)
{
  PetscInt   nr, *lo = NULL, *hi = NULL, n = 0;
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
      if (ids[k] >= lo[r] && ids[k] <= hi[r]) {
        count++;
        take[k] = PETSC_TRUE;
      }
    if (!count) {
      PetscInt maxid = nall > 0 ? ids[0] : 0, minid = maxid, a = lo[r], b = hi[r];
      for (PetscInt k = 0; k < nall; k++) {
        maxid = PetscMax(maxid, ids[k]);
        minid = PetscMin(minid, ids[k]);
      }
      PetscCall(PetscFree2(lo, hi));
      PetscCall(PetscFree(take));
      PetscCall(PetscFree(*sel));
      if (a == b)
        SETERRQ(PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
                "%s: -data_units asks for unit id %" PetscInt_FMT ", which the file does not have (%" PetscInt_FMT
                " units, ids %" PetscInt_FMT "..%" PetscInt_FMT ")",
                path, a, nall, minid, maxid);
      SETERRQ(PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
              "%s: -data_units range %" PetscInt_FMT "-%" PetscInt_FMT
              " holds none of the file's unit ids (%" PetscInt_FMT " units, ids %" PetscInt_FMT "..%" PetscInt_FMT ")",
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
  PetscCheck(isfinite(opt->holdout_ms), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "-data_holdout must be finite, got %g",
             opt->holdout_ms);
  PetscCheck(isfinite(opt->sample_rate), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "-data_sample_rate must be finite, got %g", opt->sample_rate);
  PetscCheck(opt->t0_ms >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "-data_t0 must be >= 0 ms, got %g", opt->t0_ms);
  PetscCheck(opt->t1_ms >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "-data_t1 must be >= 0 ms (0 = to the end), got %g",
             opt->t1_ms);
  PetscCheck(opt->t1_ms <= 0 || opt->t1_ms > opt->t0_ms, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "-data_t1 %g ms must be after -data_t0 %g ms", opt->t1_ms, opt->t0_ms);
  PetscCheck(isfinite(opt->validation_ms) && (opt->validation_ms >= 0 || opt->validation_ms == -1), PETSC_COMM_SELF,
             PETSC_ERR_ARG_WRONG, "-data_validation must be >= 0 ms (or -1: the default), got %g", opt->validation_ms);
  PetscCheck(opt->holdout_ms >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "-data_holdout must be >= 0 ms, got %g",
             opt->holdout_ms);
  PetscCheck(opt->t1_ms <= 0 || opt->holdout_ms < opt->t1_ms - opt->t0_ms, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "-data_holdout %g ms leaves nothing to fit in the span [%g, %g) ms", opt->holdout_ms, opt->t0_ms,
             opt->t1_ms);
  PetscCheck(opt->sample_rate >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "-data_sample_rate must be > 0 Hz, got %g",
             opt->sample_rate);
  PetscCheck(!strcmp(opt->time_unit, "s") || !strcmp(opt->time_unit, "ms") || !strcmp(opt->time_unit, "samples"),
             PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "-data_time_unit must be s, ms or samples, got \"%s\"",
             opt->time_unit);
  PetscCheck(strcmp(opt->time_unit, "samples") || opt->sample_rate > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "-data_time_unit samples needs -data_sample_rate (Hz)");
  PetscCall(UnitsParse(opt->units, &nr, NULL, NULL));
  PetscFunctionReturn(0);
}

PetscErrorCode DataOptionsProcess(MPI_Comm comm, DataOptions *opt)
{
  PetscReal t0 = opt->t0_ms, t1 = opt->t1_ms, ho = opt->holdout_ms, va = opt->validation_ms, sr = opt->sample_rate;

  PetscFunctionBeginUser;
  if (!opt->time_unit[0]) PetscCall(PetscStrncpy(opt->time_unit, "s", sizeof(opt->time_unit)));
  PetscOptionsBegin(comm, NULL, "Recorded spike data", "DataOptions");
  PetscCall(PetscOptionsString("-data_units",
                               "Unit ids to fit: comma list of ids or ranges, e.g. 3,5,10-12 (empty: all)",
                               "DataOptionsProcess", opt->units, opt->units, sizeof(opt->units), NULL));
  PetscCall(PetscOptionsString("-data_time_unit",
                               "Unit of the times in text and MATLAB files and -data_intervals: s, ms or samples",
                               "DataOptionsProcess", opt->time_unit, opt->time_unit, sizeof(opt->time_unit), NULL));
  PetscCall(PetscOptionsReal("-data_sample_rate", "Sample rate (Hz) for -data_time_unit samples", "DataOptionsProcess",
                             sr, &sr, NULL));
  PetscCall(PetscOptionsReal("-data_t0", "Start of the fitting span (ms)", "DataOptionsProcess", t0, &t0, NULL));
  PetscCall(PetscOptionsReal("-data_t1", "End of the fitting span (ms); <= 0: to the end of the recording",
                             "DataOptionsProcess", t1, &t1, NULL));
  PetscCall(PetscOptionsReal("-data_holdout", "Time (ms) at the end of the span kept for validation",
                             "DataOptionsProcess", ho, &ho, NULL));
  PetscCall(PetscOptionsReal("-data_validation",
                             "Time (ms) at the end of the fitting span scored every iteration and never trained on, for "
                             "/params/best (-1: with -data_holdout, 10% of the fitting span; 0: validate on training windows)",
                             "DataOptionsProcess", va, &va, NULL));
  PetscCall(PetscOptionsString(
      "-data_intervals",
      "Observation intervals of a text, phy or MATLAB recording: a file of \"start end\" lines in -data_time_unit",
      "DataOptionsProcess", opt->intervals, opt->intervals, sizeof(opt->intervals), NULL));
  PetscCall(PetscOptionsString(
      "-data_labels",
      "Kilosort/phy folder: cluster labels to fit, e.g. good,mua (default), good, all; unsorted = clusters without a label",
      "DataOptionsProcess", opt->labels, opt->labels, sizeof(opt->labels), NULL));
  PetscCall(PetscOptionsString(
      "-data_var",
      "MATLAB file: the variable to read (a cell array of spike-time vectors, or an [n][2] ids,times matrix), or IDS,TIMES: two equal-length vectors",
      "DataOptionsProcess", opt->var, opt->var, sizeof(opt->var), NULL));
  PetscCall(PetscOptionsString(
      "-data_units_where",
      "NWB: keep the /units rows whose column COL holds one of the values, e.g. quality=good or KSLabel=good,mua",
      "DataOptionsProcess", opt->units_where, opt->units_where, sizeof(opt->units_where), NULL));
  PetscOptionsEnd();
  opt->t0_ms       = t0;
  opt->t1_ms       = t1;
  opt->holdout_ms  = ho;
  opt->validation_ms = va;
  opt->sample_rate = sr;
  PetscCall(DataOptionsValidate(opt));
  PetscFunctionReturn(0);
}

double DataOptionsValidationMs(const DataOptions *opt, double span_ms, double min_ms)
{
  if (opt->validation_ms >= 0) return opt->validation_ms;
  return opt->holdout_ms > 0 ? PetscMax(0.1 * span_ms, min_ms) : 0;
}

PetscErrorCode DataOptionsSpan(const DataOptions *opt, const SpikeTrains *info, double *fit_lo, double *fit_hi,
                               double *hold_lo, double *hold_hi)
{
  double end;

  PetscFunctionBeginUser;
  PetscCall(DataOptionsValidate(opt));
  PetscCheck(info->nintervals > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: the recording has no observation interval", info->source);
  end = opt->t1_ms > 0 ? opt->t1_ms : info->intervals_ms[2 * info->nintervals - 1];
  PetscCheck(end > opt->t0_ms, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "%s: -data_t0 %g ms is at or after the end of the recording (%g ms)", info->source, opt->t0_ms, end);
  PetscCheck(opt->holdout_ms < end - opt->t0_ms, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "%s: -data_holdout %g ms leaves nothing to fit in the span [%g, %g) ms", info->source, opt->holdout_ms,
             opt->t0_ms, end);
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
