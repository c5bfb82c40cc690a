/* What `spikefit glm` fits and evaluates on (include/glm_data.h). */
#include "glm_data.h"
#include "h5io.h"
#include <math.h>
#include <string.h>
#include <unistd.h>

/* The fixed-length string dataset name of file, or "" when absent; *value PetscMalloc'd. */
static PetscErrorCode ReadString(hid_t file, const char *path, const char *name, char **value)
{
  PetscBool has;
  hid_t     d, ty;
  size_t    size;
  herr_t    st;

  PetscFunctionBeginUser;
  PetscCall(H5InExists(file, name, &has));
  if (!has) {
    PetscCall(PetscCalloc1(1, value));
    PetscFunctionReturn(0);
  }
  d = H5Dopen2(file, name, H5P_DEFAULT);
  PetscCheck(d >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "%s: cannot open dataset %s", path, name);
  ty   = H5Dget_type(d);
  size = H5Tget_size(ty);
  if (H5Tget_class(ty) != H5T_STRING || H5Tis_variable_str(ty) > 0) size = 0;
  if (!size) {
    H5Tclose(ty);
    H5Dclose(d);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: dataset %s is not a fixed-length string", path, name);
  }
  PetscCall(PetscCalloc1(size + 1, value));
  st = H5Dread(d, ty, H5S_ALL, H5S_ALL, H5P_DEFAULT, *value);
  H5Tclose(ty);
  H5Dclose(d);
  PetscCheck(st >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "%s: cannot read dataset %s", path, name);
  PetscFunctionReturn(0);
}

/* The last value given to option name in the options string of a fit (PetscOptionsGetAll's
 * "-name value -name2 value2 ..."); *found false when absent. */
static PetscErrorCode OptionValue(const char *all, const char *name, char *value, size_t len, PetscBool *found)
{
  const char *p  = all;
  size_t      nl = strlen(name);

  PetscFunctionBeginUser;
  *found = PETSC_FALSE;
  while ((p = strstr(p, name))) {
    const char *q     = p + nl, *e;
    PetscBool   start = (PetscBool)(p == all || p[-1] == ' ');
    p                 = q;
    if (!start || (*q && *q != ' ')) continue;
    while (*q == ' ') q++;
    if (*q == '-' && ((q[1] >= 'a' && q[1] <= 'z') || (q[1] >= 'A' && q[1] <= 'Z')))
      continue; /* next option: no value */
    for (e = q; *e && *e != ' '; e++) {}
    PetscCheck((size_t)(e - q) < len, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ,
               "the value of %s in the run's /options is too long", name);
    memcpy(value, q, (size_t)(e - q));
    value[e - q] = 0;
    *found       = PETSC_TRUE;
  }
  PetscFunctionReturn(0);
}

/* The fit's -data_* options from its /options string, validated as the fit did. */
static PetscErrorCode RunDataOptions(const char *run, const char *all, DataOptions *o)
{
  const char *reals[] = {"-data_t0", "-data_t1", "-data_holdout", "-data_sample_rate"};
  double     *dst[]   = {&o->t0_ms, &o->t1_ms, &o->holdout_ms, &o->sample_rate};
  char        v[PETSC_MAX_PATH_LEN];
  PetscBool   found;

  PetscFunctionBeginUser;
  PetscCall(DataOptionsDefault(o));
  PetscCall(OptionValue(all, "-data_units", o->units, sizeof(o->units), &found));
  PetscCall(OptionValue(all, "-data_time_unit", v, sizeof(v), &found));
  if (found) PetscCall(PetscStrncpy(o->time_unit, v, sizeof(o->time_unit)));
  for (int k = 0; k < 4; k++) {
    char *end;
    PetscCall(OptionValue(all, reals[k], v, sizeof(v), &found));
    if (!found) continue;
    *dst[k] = strtod(v, &end);
    PetscCheck(end != v && !*end, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s: /options gives %s the value '%s', not a number", run, reals[k], v);
  }
  PetscCall(DataOptionsValidate(o));
  PetscFunctionReturn(0);
}

/* data as the fit saw it (relative to its working directory), else next to the run */
static PetscErrorCode ResolveData(const char *run, const char *data, char *out, size_t len)
{
  const char *slash = strrchr(run, '/');

  PetscFunctionBeginUser;
  PetscCall(PetscStrncpy(out, data, len));
  if (access(data, R_OK) && data[0] != '/' && slash)
    PetscCall(PetscSNPrintf(out, len, "%.*s/%s", (int)(slash - run), run, data));
  PetscCheck(!access(out, R_OK), PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN,
             "%s: the fit's data file '%s' (attribute data) is not readable from here%s; give it with -glm_data FILE",
             run, data, slash ? " nor next to the run" : "");
  PetscFunctionReturn(0);
}

typedef struct {
  PetscInt windows, wsteps, nspan;
  double  *span; /* [nspan][2] /eval/span_ms, or NULL */
  char    *options;
} RunHeader;

static PetscErrorCode ReadHeader(const char *path, GlmData *d, RunHeader *h)
{
  hid_t          in      = -1;
  char           fmt[32] = "", data[PETSC_MAX_PATH_LEN] = "";
  int64_t        n64 = 0, windows = 0, wsteps = 0;
  PetscBool      has = PETSC_FALSE, hspan = PETSC_FALSE;
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  PetscCall(H5InOpen(path, &in));
  ierr = H5Aexists(in, "spikefit_format") > 0 ? H5InAttrString(in, path, "/", "spikefit_format", fmt, sizeof(fmt)) : 0;
  if (!ierr && strcmp(fmt, "run")) {
    H5InClose(&in, path);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
            "%s is %s%s%s, not the results of a fit (spikefit glm needs RUN.h5 with /eval/target)", path,
            fmt[0] ? "a spikefit '" : "not a spikefit file", fmt, fmt[0] ? "' file" : "");
  }
  if (!ierr) ierr = H5InExists(in, "/eval/target/times_ms", &has);
  if (!ierr && !has) {
    H5InClose(&in, path);
    SETERRQ(
        PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
        "%s has no /eval/target (the evaluation spikes a fit writes when it ends; was it run with -fit_eval_windows 0 or interrupted?)",
        path);
  }
  if (!ierr) ierr = H5InAttrInt(in, path, "/", H5Aexists(in, "recorded") > 0 ? "recorded" : "n", &n64);
  if (!ierr) ierr = H5InAttrDouble(in, path, "/", "dt", &d->dt);
  if (!ierr) ierr = H5InAttrString(in, path, "/", "target", d->target, sizeof(d->target));
  if (!ierr) ierr = H5InAttrString(in, path, "/", "data", data, sizeof(data));
  if (!ierr) ierr = H5InAttrInt(in, path, "/eval", "windows", &windows);
  if (!ierr) ierr = H5InAttrInt(in, path, "/eval", "window_steps", &wsteps);
  if (!ierr) ierr = ReadString(in, path, "/options", &h->options);
  if (!ierr) ierr = H5InExists(in, "/eval/span_ms", &hspan);
  if (!ierr && hspan) {
    int     rank;
    hsize_t dims[4];
    ierr = H5InShape(in, path, "/eval/span_ms", &rank, dims);
    if (!ierr && (rank != 2 || dims[1] != 2)) ierr = PETSC_ERR_FILE_UNEXPECTED;
    if (!ierr) ierr = PetscMalloc1(2 * dims[0] + 2, &h->span);
    if (!ierr) ierr = H5InDoubles(in, path, "/eval/span_ms", 2 * dims[0], h->span);
    h->nspan = (PetscInt)dims[0];
  }
  H5InClose(&in, path);
  PetscCheck(
      !ierr, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
      "%s: cannot read the run's header (attributes n/recorded, dt, target, data; /eval windows, window_steps; /options; /eval/span_ms [K][2])",
      path);
  /* a held-out run's evaluation is its intervals (/eval/span_ms, attribute windows 0) */
  PetscCheck(n64 > 0 && (windows > 0 || h->nspan > 0) && wsteps > 0 && isfinite(d->dt) && d->dt > 0, PETSC_COMM_SELF,
             PETSC_ERR_FILE_UNEXPECTED,
             "%s: /eval holds no evaluation spikes to fit (n %lld, windows %lld, window_steps %lld, dt %g)", path,
             (long long)n64, (long long)windows, (long long)wsteps, d->dt);
  d->n       = (PetscInt)n64;
  h->windows = (PetscInt)windows;
  h->wsteps  = (PetscInt)wsteps;
  PetscCall(PetscStrncpy(d->data, data, sizeof(d->data)));
  PetscFunctionReturn(0);
}

/* /eval/target on the segments /eval/span_ms, or on [0, windows * window_steps * dt). */
static PetscErrorCode EvalFromTarget(const char *path, GlmData *d, const RunHeader *h)
{
  hid_t        in;
  int          rank;
  hsize_t      dims[4];
  int64_t     *off;
  SpikeTrains *st;
  double       whole[2] = {0, h->windows * h->wsteps * d->dt};

  PetscFunctionBeginUser;
  PetscCall(H5InOpen(path, &in));
  PetscCall(H5InShape(in, path, "/eval/target/times_ms", &rank, dims));
  PetscCall(SpikeTrainsCreate(d->n, (PetscInt)dims[0], 1, &st));
  if (dims[0]) PetscCall(H5InDoubles(in, path, "/eval/target/times_ms", dims[0], st->times_ms));
  PetscCall(PetscMalloc1(d->n + 1, &off));
  PetscCall(H5InInts(in, path, "/eval/target/offsets", (hsize_t)(d->n + 1), off));
  PetscCall(H5InClose(&in, path));
  for (PetscInt k = 0; k <= d->n; k++) st->offsets[k] = (PetscInt)off[k];
  PetscCall(PetscFree(off));
  st->intervals_ms[0] = h->span ? h->span[0] : 0.0;
  st->intervals_ms[1] = h->span ? h->span[2 * h->nspan - 1] : whole[1];
  PetscCall(SpikeTrainsValidate(st));
  PetscCall(GlmSpikesCreate(st, h->span ? h->nspan : 1, h->span ? h->span : whole, d->dt, &d->eval));
  PetscCall(SpikeTrainsDestroy(&st));
  PetscFunctionReturn(0);
}

/* All of a spike file's observation intervals; its first n units (hidden ones dropped) or
 * exactly n units (exact). */
static PetscErrorCode TrainOnFile(const char *file, const GlmData *d, PetscBool exact, GlmSpikes **out)
{
  DataOptions  dopt;
  SpikeTrains *st;
  PetscInt     k, nu;
  double      *iv;

  PetscFunctionBeginUser;
  PetscCall(DataOptionsDefault(&dopt));
  PetscCall(SpikeFileReadRange(file, &dopt, 0.0, PETSC_INFINITY, &st));
  nu = st->nunits;
  if (exact ? nu != d->n : nu < d->n) {
    PetscCall(SpikeTrainsDestroy(&st));
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
            "%s %s has %" PetscInt_FMT " units but the run has %" PetscInt_FMT " neurons",
            exact ? "-glm_data" : "the data file", file, nu, d->n);
  }
  PetscCall(GlmSpans(st, -PETSC_INFINITY, PETSC_INFINITY, d->dt, &k, &iv));
  PetscCheck(k > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s has no observation interval of at least one bin (%g ms)", file, d->dt);
  st->nunits = d->n; /* the first n units: the recorded neurons of a -fit_recorded run */
  PetscCall(GlmSpikesCreate(st, k, iv, d->dt, out));
  st->nunits = nu;
  PetscCall(PetscFree(iv));
  PetscCall(SpikeTrainsDestroy(&st));
  PetscFunctionReturn(0);
}

/* A recording: its fitting span for training, its held-out intervals for the evaluation. */
static PetscErrorCode LoadRecording(GlmData *d, RunHeader *h, PetscBool train)
{
  SpikeTrains *info, *st;
  double       flo, fhi, hlo, hhi, *iv;
  PetscInt     k;

  PetscFunctionBeginUser;
  PetscCall(RunDataOptions(d->run, h->options, &d->dopt));
  PetscCall(SpikeFileReadInfo(d->data, &d->dopt, &info));
  PetscCheck(info->nunits == d->n, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s has %" PetscInt_FMT " units (with the fit's -data_units '%s') but the run %s has %" PetscInt_FMT
             " neurons",
             d->data, info->nunits, d->dopt.units, d->run, d->n);
  PetscCall(DataOptionsSpan(&d->dopt, info, &flo, &fhi, &hlo, &hhi));
  if (train) {
    PetscCall(GlmSpans(info, flo, fhi, d->dt, &k, &iv));
    PetscCheck(k > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s: the fitting span [%g, %g) ms holds no observed bin", d->data, flo, fhi);
    PetscCall(SpikeFileReadRange(d->data, &d->dopt, flo, fhi, &st));
    PetscCall(GlmSpikesCreate(st, k, iv, d->dt, &d->train));
    PetscCall(SpikeTrainsDestroy(&st));
    PetscCall(PetscFree(iv));
    PetscCall(PetscSNPrintf(d->train_desc, sizeof(d->train_desc), "the fitting span [%.0f, %.0f) ms of %s", flo, fhi,
                            d->data));
  }
  if (hhi > hlo) {
    if (!h->span) PetscCall(GlmSpans(info, hlo, hhi, d->dt, &h->nspan, &h->span));
    PetscCheck(h->nspan > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s: the held-out span [%g, %g) ms holds no observed bin", d->data, hlo, hhi);
    PetscCall(SpikeFileReadRange(d->data, &d->dopt, h->span[0], h->span[2 * h->nspan - 1], &st));
    PetscCall(GlmSpikesCreate(st, h->nspan, h->span, d->dt, &d->eval));
    PetscCall(SpikeTrainsDestroy(&st));
    d->heldout = PETSC_TRUE;
    PetscCall(PetscSNPrintf(d->eval_desc, sizeof(d->eval_desc),
                            "the held-out span [%.0f, %.0f) ms of the recording (%" PetscInt_FMT " interval%s)",
                            h->span[0], h->span[2 * h->nspan - 1], h->nspan, h->nspan > 1 ? "s" : ""));
  }
  PetscCall(SpikeTrainsDestroy(&info));
  PetscFunctionReturn(0);
}

PetscErrorCode GlmDataLoad(const char *run, const char *glm_data, GlmData *d)
{
  RunHeader h = {0};
  PetscBool recorded;

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(d, sizeof(*d)));
  PetscCall(PetscStrncpy(d->run, run, sizeof(d->run)));
  PetscCall(ReadHeader(run, d, &h));
  recorded = (PetscBool)!strcmp(d->target, "recorded");
  if (glm_data[0]) {
    PetscCall(TrainOnFile(glm_data, d, PETSC_TRUE, &d->train));
    PetscCall(PetscSNPrintf(d->train_desc, sizeof(d->train_desc), "all of -glm_data %s", glm_data));
  }
  if (recorded) {
    char tmp[PETSC_MAX_PATH_LEN];
    PetscCall(PetscStrncpy(tmp, d->data, sizeof(tmp)));
    PetscCall(ResolveData(run, tmp, d->data, sizeof(d->data)));
    PetscCall(LoadRecording(d, &h, (PetscBool)!glm_data[0]));
  } else if (!glm_data[0]) {
    char tmp[PETSC_MAX_PATH_LEN];
    PetscCall(PetscStrncpy(tmp, d->data, sizeof(tmp)));
    PetscCall(ResolveData(run, tmp, d->data, sizeof(d->data)));
    PetscCall(TrainOnFile(d->data, d, PETSC_FALSE, &d->train));
    PetscCall(PetscSNPrintf(d->train_desc, sizeof(d->train_desc),
                            "the spikes of the ground truth's data file %s (not the evaluation's draws)", d->data));
  }
  if (!d->eval) {
    PetscCall(EvalFromTarget(run, d, &h));
    PetscCall(
        PetscSNPrintf(d->eval_desc, sizeof(d->eval_desc), "%s",
                      recorded ? "/eval/target: training windows (the fit had no -data_holdout, so nothing is held out)"
                               : "/eval/target: fresh synthetic windows"));
  }
  PetscCall(PetscFree(h.span));
  PetscCall(PetscFree(h.options));
  PetscFunctionReturn(0);
}

PetscErrorCode GlmDataFree(GlmData *d)
{
  PetscFunctionBeginUser;
  PetscCall(GlmSpikesDestroy(&d->train));
  PetscCall(GlmSpikesDestroy(&d->eval));
  PetscFunctionReturn(0);
}
