/* What a fit needs from its data file: the network size, neuron types, and either the
 * ground truth (synthetic targets) or the binned recorded windows. */
#include "fit_impl.h"
#include "h5io.h"
#include <math.h>
#include <string.h>
#include "io_spikes.h"
#include "resources.h"
#include "hash.h"
#include "eval_table.h"
#include "app.h"
#include "fixedsum.h"
#include "fit_recipe.h"

static PetscErrorCode LoadTruth(const FitOptions *o, FitData *d)
{
  hid_t              file = -1;
  int                rank;
  hsize_t            dims[4];
  int64_t           *exc64;
  ParamLayout       *layout;
  const NeuronModel *model;
  PetscBool          has;
  ModelConfig        tcfg = ModelConfigOfTruth(&o->mcfg);

  PetscFunctionBeginUser;
  PetscCall(H5InOpen(o->data, &file));
  PetscCall(H5InShape(file, o->data, "/truth/exc", &rank, dims));
  PetscCheck(rank == 1 && dims[0] > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: /truth/exc must be a non-empty vector", o->data);
  PetscCall(ModelFind(o->model_name, &model)); /* an unknown -model is named first */
  {
    char truth_model[32] = "lif";
    if (H5Aexists_by_name(file, "/truth", "model", H5P_DEFAULT) > 0)
      PetscCall(H5InAttrString(file, o->data, "/truth", "model", truth_model, sizeof(truth_model)));
    PetscCheck(!strcmp(truth_model, o->model_name), PETSC_COMM_SELF, PETSC_ERR_ARG_INCOMP,
               "%s holds a ground truth of model %s but the fit uses -model %s: fit it with -model %s, or fit "
               "its spikes with -fit_target recorded",
               o->data, truth_model, o->model_name, truth_model);
  }
  d->ntruth = (PetscInt)dims[0];
  d->n      = d->ntruth;
  PetscCall(PetscMalloc1(d->n, &d->exc));
  PetscCall(PetscMalloc1(d->n, &exc64));
  PetscCall(H5InExists(file, "/truth/exc", &has));
  PetscCheck(has, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: dataset /truth/exc (neuron types) is missing",
             o->data);
  PetscCall(H5InInts(file, o->data, "/truth/exc", (hsize_t)d->n, exc64));
  for (PetscInt i = 0; i < d->n; i++) {
    PetscCheck(exc64[i] == 0 || exc64[i] == 1, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s: /truth/exc[%" PetscInt_FMT "] is %lld, must be 0 or 1", o->data, i, (long long)exc64[i]);
    d->exc[i] = (PetscInt)exc64[i];
  }
  PetscCall(PetscFree(exc64));
  PetscCall(ModelFind(o->model_name, &model));
  PetscCall(PetscMalloc1(d->ntruth, &d->texc));
  PetscCall(PetscArraycpy(d->texc, d->exc, d->ntruth));
  PetscCall(ModelLayoutCreate(model, &tcfg, d->n, d->exc, &layout));
  PetscCall(PetscMalloc1(layout->total, &d->truth));
  for (PetscInt b = 0; b < layout->nblocks; b++) {
    char name[64];
    PetscCall(PetscSNPrintf(name, sizeof(name), "/truth/%s", layout->blocks[b].name));
    PetscCall(H5InDoubles(file, o->data, name, (hsize_t)layout->blocks[b].size, d->truth + layout->blocks[b].offset));
  }
  for (PetscInt k = 0; k < layout->total; k++)
    PetscCheck(isfinite(d->truth[k]), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s: ground-truth parameter %" PetscInt_FMT " is not finite", o->data, k);
  d->has_truth = PETSC_TRUE;
  /* -fit_recorded R: only the truth's first R neurons are observed */
  PetscCheck(o->recorded <= d->ntruth, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "-fit_recorded %" PetscInt_FMT " exceeds the %" PetscInt_FMT " neurons of the ground truth in %s",
             o->recorded, d->ntruth, o->data);
  if (o->recorded > 0) d->n = o->recorded;
  {
    /* what the targets come from: the truth's size, types and parameters */
    int64_t head[2] = {d->ntruth, d->n};
    d->hash         = HashWords(HASH_FNV_SEED, head, 2);
    for (PetscInt i = 0; i < d->ntruth; i++) d->hash = HashWords(d->hash, &(int64_t){d->texc[i]}, 1);
    d->hash = HashWords(d->hash, d->truth, (size_t)layout->total);
  }
  PetscCall(ParamLayoutDestroy(&layout));
  PetscCall(H5InClose(&file, o->data));
  PetscFunctionReturn(0);
}

/* The hash of the binned windows a recorded fit uses: each rank hashes the windows it computes
 * (every window has exactly one such rank), the XOR over the ranks puts each window's hash in
 * its slot, so the result does not depend on the number of ranks; then the starts and the
 * validation windows, which every rank holds. */
static PetscErrorCode HashRecorded(FitData *d, PetscInt T, Parallel *par)
{
  uint64_t *wh;
  int64_t   head[4] = {d->n, d->nwindows, T, d->nvalid};

  PetscFunctionBeginUser;
  PetscCall(PetscCalloc1(d->nwindows + 1, &wh));
  for (PetscInt w = 0; w < d->nwindows; w++)
    if (WindowPartitionComputes(d->part, w)) wh[w] = HashWords(HASH_FNV_SEED, d->target[w], (size_t)(T * d->n));
  PetscCall(ParallelXorWords(par->group, d->nwindows, wh));
  d->hash = HashWords(HASH_FNV_SEED, head, 4);
  d->hash = HashWords(d->hash, d->starts, (size_t)d->nwindows);
  d->hash = HashWords(d->hash, wh, (size_t)d->nwindows);
  if (d->nvalid) d->hash = HashWords(d->hash, d->valid, (size_t)(d->nvalid * T * d->n));
  PetscCall(PetscFree(wh));
  PetscFunctionReturn(0);
}

/* The overlaps of the observation intervals with [lo, hi), [k][2] (at most nintervals). */
static PetscInt Overlaps(const SpikeTrains *info, double lo, double hi, double *out)
{
  PetscInt k = 0;
  for (PetscInt i = 0; i < info->nintervals; i++) {
    double a = PetscMax(info->intervals_ms[2 * i], lo), b = PetscMin(info->intervals_ms[2 * i + 1], hi);
    if (b <= a) continue;
    out[2 * k]     = a;
    out[2 * k + 1] = b;
    k++;
  }
  return k;
}

/* The held-out evaluation's data (the same on every rank): the holdout's observed intervals
 * cut to whole bins (at most -fit_eval_windows window lengths in all when that is given),
 * their spikes, the fitting span's rates, and the data ceiling: the recorded stretch of as
 * many bins just before the holdout (fewer when the fitting span is shorter). */
static PetscErrorCode LoadHeldOut(const FitOptions *o, const SpikeTrains *info, double fit_lo, double fit_hi,
                                  double hold_lo, double hold_hi, FitData *d)
{
  const double bin = EVAL_BIN_MS;
  double      *ov, *cs, left = o->eval_windows_set ? o->eval_windows * o->window_steps * o->dt : INFINITY, observed = 0;
  PetscInt     nov, n = d->n, need, got = 0, nc = 0;
  SpikeTrains *st;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(2 * info->nintervals + 2, &ov));
  PetscCall(PetscMalloc1(2 * info->nintervals + 2, &d->span));
  nov = Overlaps(info, hold_lo, hold_hi, ov);
  for (PetscInt k = 0; k < nov && left >= bin; k++) {
    PetscInt m = (PetscInt)PetscMin(floor((ov[2 * k + 1] - ov[2 * k]) / bin), floor(left / bin));
    if (m < 1) continue;
    d->span[2 * d->nspan]     = ov[2 * k];
    d->span[2 * d->nspan + 1] = ov[2 * k] + m * bin;
    d->nspan++;
    left -= m * bin;
  }
  PetscCheck(d->nspan > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "%s: the held-out span [%g, %g) ms holds no whole %g ms bin of observed time; lengthen -data_holdout",
             o->data, hold_lo, hold_hi, bin);
  PetscCall(SpikeFileReadRange(o->data, &o->dopt, d->span[0], d->span[2 * d->nspan - 1], &d->held));
  /* the fitting span: rates over its observed time, and the ceiling's stretch */
  PetscCall(SpikeFileReadRange(o->data, &o->dopt, fit_lo, fit_hi, &st));
  nov = Overlaps(info, fit_lo, PetscMin(fit_hi, hold_lo), ov);
  PetscCall(PetscCalloc1(n, &d->train_rate));
  for (PetscInt k = 0; k < nov; k++) observed += ov[2 * k + 1] - ov[2 * k];
  for (PetscInt i = 0; i < n; i++) {
    PetscInt k = 0, c = 0;
    for (PetscInt q = st->offsets[i]; q < st->offsets[i + 1]; q++) {
      while (k < nov && st->times_ms[q] >= ov[2 * k + 1]) k++;
      if (k < nov && st->times_ms[q] >= ov[2 * k]) c++;
    }
    d->train_rate[i] = observed > 0 ? c / (observed / 1000.0) : 0;
  }
  need = EvalSpanBins(d->nspan, d->span, bin, NULL);
  PetscCall(PetscMalloc1(2 * nov + 2, &cs));
  for (PetscInt k = nov - 1; k >= 0 && got < need; k--) { /* backwards from the holdout */
    PetscInt m = PetscMin((PetscInt)floor((ov[2 * k + 1] - ov[2 * k]) / bin), need - got);
    if (m < 1) continue;
    cs[2 * nc]     = ov[2 * k + 1] - m * bin;
    cs[2 * nc + 1] = ov[2 * k + 1];
    got += m;
    nc++;
  }
  for (PetscInt k = 0; k < nc / 2; k++) { /* in time order */
    double a = cs[2 * k], b = cs[2 * k + 1];
    cs[2 * k]                = cs[2 * (nc - 1 - k)];
    cs[2 * k + 1]            = cs[2 * (nc - 1 - k) + 1];
    cs[2 * (nc - 1 - k)]     = a;
    cs[2 * (nc - 1 - k) + 1] = b;
  }
  PetscCall(PetscMalloc1((size_t)PetscMax(got, 1) * n, &d->ceil));
  d->nceil   = got;
  d->ceil_lo = nc ? cs[0] : hold_lo;
  if (nc) PetscCall(EvalCountSpikes(n, st->offsets, st->times_ms, nc, cs, bin, d->ceil));
  d->nceil_span = nc;
  d->ceil_span  = cs;
  PetscCall(SpikeTrainsDestroy(&st));
  PetscCall(PetscFree(ov));
  PetscFunctionReturn(0);
}

/* Rates of the fitting windows: the windows this rank computes counted, the counts summed
 * exactly over the group, so every rank has the same rates. */
static PetscErrorCode WindowRates(Parallel *par, FitData *d, PetscInt T, double dt)
{
  FixedSum *fs;
  double   *c;
  PetscInt  n = d->n;

  PetscFunctionBeginUser;
  PetscCall(PetscCalloc1(n, &c));
  PetscCall(PetscMalloc1(n, &d->rate_hz));
  for (PetscInt w = 0; w < d->nwindows; w++)
    if (WindowPartitionComputes(d->part, w))
      for (PetscInt t = 0; t < T; t++)
        for (PetscInt i = 0; i < n; i++) c[i] += d->target[w][t * n + i]; /* whole counts: exact */
  PetscCall(FixedSumCreate(n, &fs));
  FixedSumAdd(fs, c);
  PetscCall(ParallelSumFixed(par, fs));
  FixedSumGet(fs, c);
  for (PetscInt i = 0; i < n; i++) d->rate_hz[i] = c[i] / ((double)d->nwindows * T * dt / 1000.0);
  PetscCall(FixedSumDestroy(&fs));
  PetscCall(PetscFree(c));
  PetscFunctionReturn(0);
}

/* The decomposition of a fit with nwindows training windows, nv validation windows and a
 * held-out span or not: the one place where the options that shape it are read. Every rank
 * loads windows [0, shared): the gradient check recomputes the first step's windows, and
 * without validation windows the validation (and, without a holdout, the evaluation) uses the
 * first training windows. */
static PetscErrorCode FitPartition(const FitOptions *o, const Parallel *par, PetscInt nwindows, PetscInt nv,
                                   PetscBool heldout, WindowPartition **out)
{
  PartitionSpec s;
  PetscInt      all = nwindows;

  PetscFunctionBeginUser;
  s.nwindows = PetscMax(nwindows, 0);
  s.per_step = o->windows_per_step;
  s.batch    = o->sim_batch > 0 && !o->use_ref ? o->sim_batch : 1;
  s.split    = o->step_split;
  s.shared =
      PetscMax(o->save_gradient ? (o->windows_per_step > 0 ? o->windows_per_step : all) : 0, nv ? 0 : o->eval_windows);
  s.neval    = o->mode == TARGET_SYNTHETIC ? o->eval_windows : PetscMin(o->eval_windows, nv ? nv : nwindows);
  s.validate = o->validate;
  s.heldout  = heldout;
  s.rank     = par->grank;
  s.size     = par->gsize;
  s.threads  = par->threads;
  PetscCall(WindowPartitionCreate(&s, out));
  PetscFunctionReturn(0);
}

/* Reads the span of the nw consecutive windows from starts[0] to starts[nw - 1] + T dt in one
 * read and bins window k into dst[k] ([T][n]); the clipped spikes of the windows the partition
 * p has this rank compute (w0 + k; p NULL: none) add to d->nclipped. */
static PetscErrorCode ReadBinWindows(const FitOptions *o, const double *starts, PetscInt nw, double *const *dst,
                                     const WindowPartition *p, PetscInt w0, FitData *d)
{
  PetscInt     T = o->window_steps;
  SpikeTrains *st;

  PetscFunctionBeginUser;
  PetscCall(SpikeFileReadRange(o->data, &o->dopt, starts[0], starts[nw - 1] + T * o->dt, &st));
  for (PetscInt k = 0; k < nw; k++)
    PetscCall(
        SpikeTrainsBin(st, starts[k], o->dt, T, dst[k], p && WindowPartitionComputes(p, w0 + k) ? &d->nclipped : NULL));
  PetscCall(SpikeTrainsDestroy(&st));
  PetscFunctionReturn(0);
}

/* Reads and bins the training windows the partition has this rank load, each contiguous run of
 * them as one span of the file; counts the clipped spikes of the windows it computes. */
static PetscErrorCode LoadWindows(const FitOptions *o, FitData *d)
{
  const WindowPartition *p = d->part;
  PetscInt               T = o->window_steps, n = d->n;

  PetscFunctionBeginUser;
  PetscCall(PetscCalloc1(d->nwindows, &d->target));
  for (PetscInt a = 0; a < d->nwindows;) {
    PetscInt b;
    if (!p->load[a]) {
      a++;
      continue;
    }
    for (b = a; b < d->nwindows && p->load[b]; b++) PetscCall(PetscMalloc1(T * n, &d->target[b]));
    PetscCall(ReadBinWindows(o, d->starts + a, b - a, d->target + a, p, a, d));
    a = b;
  }
  PetscFunctionReturn(0);
}

/* Reads and bins the nv validation windows from starts (every rank holds them). */
static PetscErrorCode LoadValidation(const FitOptions *o, PetscInt nv, const double *starts, FitData *d)
{
  PetscInt T = o->window_steps, n = d->n;
  double **dst;

  PetscFunctionBeginUser;
  if (!nv) PetscFunctionReturn(0);
  PetscCall(PetscMalloc1(nv * T * n, &d->valid));
  PetscCall(PetscMalloc1(nv, &dst));
  for (PetscInt w = 0; w < nv; w++) dst[w] = d->valid + w * T * n;
  PetscCall(ReadBinWindows(o, starts, nv, dst, NULL, 0, d));
  PetscCall(PetscFree(dst));
  d->nvalid = nv;
  PetscFunctionReturn(0);
}

/* The windows of the validation span [*val_lo, fit_hi) at the end of the fitting span (at
 * most -fit_eval_windows of them): the parameters are scored there every iteration and never
 * trained on it, so that /params/best is chosen without looking at the held-out span. */
static PetscErrorCode ValidationWindows(const FitOptions *o, const SpikeTrains *info, double fit_lo, double fit_hi,
                                        double *val_lo, PetscInt *nv, double **starts)
{
  double len = o->window_steps * o->dt, ms = DataOptionsValidationMs(&o->dopt, fit_hi - fit_lo, 2 * len);

  PetscFunctionBeginUser;
  *val_lo = fit_hi;
  *nv     = 0;
  *starts = NULL;
  if (ms <= 0 || !o->validate) PetscFunctionReturn(0);
  PetscCheck(
      ms < fit_hi - fit_lo, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
      "%s: the validation span of %g ms (-data_validation) leaves nothing to train on in the fitting span [%g, %g) ms",
      o->data, ms, fit_lo, fit_hi);
  *val_lo = fit_hi - ms;
  PetscCall(SpikeTrainsWindows(info, *val_lo, fit_hi, o->dt, o->window_steps, nv, starts));
  PetscCheck(*nv > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "%s: the validation span [%g, %g) ms holds no whole window of %g ms inside an observation "
             "interval; lengthen -data_validation (or 0: validate on training windows)",
             o->data, *val_lo, fit_hi, len);
  *nv = PetscMin(*nv, o->eval_windows);
  PetscFunctionReturn(0);
}

/* One line that says what is trained on, validated on and held out. */
static PetscErrorCode PrintSplit(const Parallel *par, const FitOptions *o, const FitData *d, double fit_lo,
                                 double hold_lo, double hold_hi)
{
  double len = o->window_steps * o->dt;
  char   v[256], h[160];

  PetscFunctionBeginUser;
  if (d->nvalid)
    PetscCall(PetscSNPrintf(v, sizeof(v),
                            "validation on the %" PetscInt_FMT
                            " windows from %.6g to %.6g ms (never trained on; -data_validation)",
                            d->nvalid, d->valid_lo, d->valid_hi));
  else
    PetscCall(PetscStrncpy(v, o->validate ? "validation on the first training windows" : "no validation", sizeof(v)));
  if (hold_hi > hold_lo)
    PetscCall(PetscSNPrintf(h, sizeof(h), "held out [%.6g, %.6g) ms, simulated only after training", hold_lo, hold_hi));
  else PetscCall(PetscStrncpy(h, "nothing held out (-data_holdout)", sizeof(h)));
  PetscCall(PetscPrintf(par->world, "data: %" PetscInt_FMT " training windows of %.6g ms from %.6g ms; %s; %s\n",
                        d->nwindows, len, fit_lo, v, h));
  PetscFunctionReturn(0);
}

/* Recorded targets: the training windows of the fitting span the partition has this rank
 * load, the validation windows after them, and the held-out span's data. */
static PetscErrorCode LoadRecorded(const FitOptions *o, Parallel *par, FitData *d)
{
  SpikeTrains *info = NULL;
  double       fit_lo, fit_hi, hold_lo, hold_hi, val_lo, *vstarts = NULL;
  PetscInt     T = o->window_steps, n, nv = 0;
  double       len = T * o->dt;

  PetscFunctionBeginUser;
  PetscCall(SpikeFileReadInfo(o->data, &o->dopt, &info));
  n = d->n = info->nunits;
  PetscCheck(n > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: no units to fit", o->data);
  PetscCall(DataOptionsSpan(&o->dopt, info, &fit_lo, &fit_hi, &hold_lo, &hold_hi));
  PetscCall(ValidationWindows(o, info, fit_lo, fit_hi, &val_lo, &nv, &vstarts));
  PetscCall(SpikeTrainsWindows(info, fit_lo, val_lo, o->dt, T, &d->nwindows, &d->starts));
  PetscCheck(d->nwindows > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "%s: the training span [%g, %g) ms holds no whole window of %" PetscInt_FMT
             " steps (%g ms) inside an observation interval; shorten -fit_window_steps or -data_validation, "
             "or widen -data_t0/-data_t1",
             o->data, fit_lo, val_lo, T, len);
  if (o->windows > 0 && o->windows < d->nwindows) d->nwindows = o->windows;
  d->valid_lo = val_lo;
  d->valid_hi = nv ? vstarts[nv - 1] + len : val_lo; /* the end of the last window used (-fit_eval_windows caps them) */
  PetscCall(FitPartition(o, par, d->nwindows, nv, (PetscBool)(hold_hi > hold_lo), &d->part));
  {
    /* before any allocation: the binned windows this rank keeps (a long recording cut into
     * short windows, or a huge span, must be refused here with sizes, not by the allocator) */
    char what[PETSC_MAX_PATH_LEN + 128];
    PetscCall(PetscSNPrintf(what, sizeof(what),
                            "%s: %" PetscInt_FMT " windows of %" PetscInt_FMT " steps x %" PetscInt_FMT
                            " units (this rank's share)",
                            o->data, d->part->nload + nv, T, n));
    PetscCall(ResourceCheckMemory(PETSC_COMM_SELF, what,
                                  8.0 * ((double)d->nwindows + ((double)d->part->nload + nv) * T * n)));
  }
  PetscCall(LoadWindows(o, d));
  PetscCall(WindowRates(par, d, T, o->dt));
  PetscCall(LoadValidation(o, nv, vstarts, d));
  PetscCall(PrintSplit(par, o, d, fit_lo, hold_lo, hold_hi));
  if (hold_hi > hold_lo) PetscCall(LoadHeldOut(o, info, fit_lo, fit_hi, hold_lo, hold_hi, d));
  PetscCall(PetscFree(vstarts));
  PetscCall(SpikeTrainsDestroy(&info));
  PetscCall(HashRecorded(d, T, par));
  PetscFunctionReturn(0);
}

PetscErrorCode FitDataResolveOptions(FitOptions *o, Parallel *par)
{
  SpikeFileKind kind;
  PetscBool     has_truth = PETSC_FALSE;

  PetscFunctionBeginUser;
  PetscCall(SpikeFileDetect(o->data, &kind));
  if (kind == SPIKE_FILE_SPIKEFIT) {
    hid_t file;
    PetscCall(H5InOpen(o->data, &file));
    PetscCall(H5InExists(file, "/truth/exc", &has_truth));
    PetscCall(H5InClose(&file, o->data));
  }
  if (!o->mode_set) o->mode = has_truth ? TARGET_SYNTHETIC : TARGET_RECORDED;
  if (o->windows < 0) o->windows = o->mode == TARGET_SYNTHETIC ? 10 : 0;
  if (o->mode == TARGET_SYNTHETIC) {
    PetscCheck(has_truth, par->world, PETSC_ERR_ARG_INCOMP,
               "%s has no ground truth (/truth): it can only be fitted with -fit_target recorded", o->data);
    /* the recording options would be silently ignored: a synthetic target regenerates spikes */
    PetscCheck(!o->dopt.units[0] && o->dopt.t0_ms == 0 && o->dopt.t1_ms <= 0 && o->dopt.holdout_ms == 0 &&
                   o->dopt.validation_ms < 0,
               par->world, PETSC_ERR_ARG_INCOMP,
               "-data_units, -data_t0, -data_t1, -data_validation and -data_holdout select parts of a "
               "recording, but %s is fitted as a synthetic target (its ground truth regenerates the spikes): "
               "use -fit_recorded R to see only the first R neurons, or -fit_target recorded to fit the file's "
               "spikes",
               o->data);
  } else {
    /* a recording's neuron types are unknown: signs are free unless asked otherwise */
    if (!o->dale_set) o->mcfg.dale = PETSC_FALSE;
    PetscCheck(
        o->recorded == 0, par->world, PETSC_ERR_ARG_INCOMP,
        "-fit_recorded selects neurons of a ground truth (synthetic target); a recording's units are all recorded");
  }
  PetscFunctionReturn(0);
}

PetscErrorCode FitDataLoad(const FitOptions *o, Parallel *par, FitData **out)
{
  FitData *d;

  PetscFunctionBeginUser;
  PetscCall(PetscNew(&d));
  if (o->mode == TARGET_SYNTHETIC) {
    PetscCall(LoadTruth(o, d));
    PetscCall(FitPartition(o, par, o->windows, 0, PETSC_FALSE, &d->part));
  } else PetscCall(LoadRecorded(o, par, d));
  *out = d;
  PetscFunctionReturn(0);
}

PetscErrorCode FitDataDestroy(FitData **d)
{
  PetscFunctionBeginUser;
  if (!d || !*d) PetscFunctionReturn(0);
  PetscCall(PetscFree((*d)->exc));
  PetscCall(PetscFree((*d)->texc));
  PetscCall(PetscFree((*d)->truth));
  if ((*d)->target)
    for (PetscInt w = 0; w < (*d)->nwindows; w++) PetscCall(PetscFree((*d)->target[w]));
  PetscCall(PetscFree((*d)->target));
  PetscCall(PetscFree((*d)->starts));
  PetscCall(PetscFree((*d)->valid));
  PetscCall(PetscFree((*d)->span));
  PetscCall(SpikeTrainsDestroy(&(*d)->held));
  PetscCall(PetscFree((*d)->train_rate));
  PetscCall(PetscFree((*d)->ceil));
  PetscCall(PetscFree((*d)->ceil_span));
  PetscCall(PetscFree((*d)->rate_hz));
  PetscCall(WindowPartitionDestroy(&(*d)->part));
  PetscCall(PetscFree(*d));
  PetscFunctionReturn(0);
}

/* Spikes per unit in this rank's share of [lo, hi) (a block of equal time), summed exactly
 * over comm; and the observed time of [lo, hi). */
static PetscErrorCode SpanCounts(MPI_Comm comm, const char *path, const DataOptions *dopt, const SpikeTrains *info,
                                 double lo, double hi, double *count, double *observed)
{
  int          rank = ParallelRank(comm), size = ParallelSize(comm);
  double       a = lo + (hi - lo) * rank / size, b = rank + 1 == size ? hi : lo + (hi - lo) * (rank + 1) / size;
  SpikeTrains *st;
  FixedSum    *fs;
  PetscInt     n = info->nunits;

  PetscFunctionBeginUser;
  PetscCall(PetscArrayzero(count, n));
  if (b > a) {
    PetscCall(SpikeFileReadRange(path, dopt, a, b, &st));
    for (PetscInt i = 0; i < n; i++) count[i] = (double)(st->offsets[i + 1] - st->offsets[i]);
    PetscCall(SpikeTrainsDestroy(&st));
  }
  PetscCall(FixedSumCreate(n, &fs));
  FixedSumAdd(fs, count);
  PetscCall(ParallelSumFixedOver(comm, fs));
  FixedSumGet(fs, count);
  PetscCall(FixedSumDestroy(&fs));
  *observed = 0;
  for (PetscInt k = 0; k < info->nintervals; k++)
    *observed += PetscMax(0.0, PetscMin(hi, info->intervals_ms[2 * k + 1]) - PetscMax(lo, info->intervals_ms[2 * k]));
  PetscFunctionReturn(0);
}

PetscErrorCode FitRecipeFromData(MPI_Comm comm, char *summary, size_t len)
{
  char           data[PETSC_MAX_PATH_LEN], recipe[32] = "default", target[32] = "";
  PetscBool      has, none, dflt, truth = PETSC_FALSE, recorded;
  SpikeFileKind  kind;
  DataOptions    dopt;
  SpikeTrains   *info = NULL;
  RecordingStats st;
  double         fit_lo, fit_hi, hold_lo, hold_hi, *rate;

  PetscFunctionBeginUser;
  summary[0] = 0;
  if (AppHelpRequested()) PetscFunctionReturn(0);
  PetscCall(PetscOptionsGetString(NULL, NULL, "-fit_recipe", recipe, sizeof(recipe), NULL));
  PetscCall(PetscStrcmp(recipe, "none", &none));
  PetscCall(PetscStrcmp(recipe, "default", &dflt));
  PetscCheck(none || dflt, comm, PETSC_ERR_ARG_WRONG, "-fit_recipe must be default or none, got '%s'", recipe);
  PetscCall(PetscOptionsGetString(NULL, NULL, "-data", data, sizeof(data), &has));
  if (none || !has || !data[0]) PetscFunctionReturn(0);
  PetscCall(SpikeFileDetect(data, &kind));
  if (kind == SPIKE_FILE_SPIKEFIT) {
    hid_t file;
    PetscCall(H5InOpen(data, &file));
    PetscCall(H5InExists(file, "/truth/exc", &truth));
    PetscCall(H5InClose(&file, data));
  }
  PetscCall(PetscOptionsGetString(NULL, NULL, "-fit_target", target, sizeof(target), NULL));
  PetscCall(PetscStrcmp(target, "recorded", &recorded));
  if (truth && !recorded) PetscFunctionReturn(0); /* a ground truth fitted as such */
  PetscCall(DataOptionsDefault(&dopt));
  PetscCall(DataOptionsProcess(comm, &dopt));
  PetscCall(SpikeFileReadInfo(data, &dopt, &info));
  PetscCall(DataOptionsSpan(&dopt, info, &fit_lo, &fit_hi, &hold_lo, &hold_hi));
  PetscCall(PetscMalloc1(PetscMax(info->nunits, 1), &rate));
  st.n = info->nunits;
  PetscCall(SpanCounts(comm, data, &dopt, info, fit_lo, fit_hi, rate, &st.span_ms));
  for (PetscInt i = 0; i < st.n; i++) rate[i] = st.span_ms > 0 ? rate[i] / (st.span_ms / 1000.0) : 0;
  st.rate_hz    = rate;
  st.holdout_ms = hold_hi - hold_lo;
  if (st.n > 0 && st.span_ms > 0) PetscCall(FitRecipeChoose(comm, &st, summary, len));
  PetscCall(PetscFree(rate));
  PetscCall(SpikeTrainsDestroy(&info));
  PetscFunctionReturn(0);
}
