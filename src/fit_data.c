/* What a fit needs from its data file: the network size, neuron types, and either the
 * ground truth (synthetic targets) or the binned recorded windows. */
#include "fit_impl.h"
#include "h5io.h"
#include <math.h>
#include <string.h>
#include "io_spikes.h"
#include "app.h"
#include "fixedsum.h"
#include "fit_recipe.h"

static PetscErrorCode LoadTruth(FitOptions *o, FitData *d)
{
  hid_t              file = -1;
  int                rank;
  hsize_t            dims[4];
  int64_t           *exc64;
  ParamLayout       *layout;
  const NeuronModel *model;
  PetscBool          has;

  PetscFunctionBeginUser;
  PetscCall(H5InOpen(o->data, &file));
  PetscCall(H5InShape(file, o->data, "/truth/exc", &rank, dims));
  PetscCheck(rank == 1 && dims[0] > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: /truth/exc must be a non-empty vector", o->data);
  PetscCall(ModelFind(o->model_name, &model)); /* an unknown -model is named first */
  {
    char truth_model[32] = "lif";
    if (H5Aexists_by_name(file, "/truth", "model", H5P_DEFAULT) > 0) PetscCall(H5InAttrString(file, o->data, "/truth", "model", truth_model, sizeof(truth_model)));
    PetscCheck(!strcmp(truth_model, o->model_name), PETSC_COMM_SELF, PETSC_ERR_ARG_INCOMP,
               "%s holds a ground truth of model %s but the fit uses -model %s: fit it with -model %s, or fit its spikes with -fit_target recorded", o->data, truth_model, o->model_name, truth_model);
  }
  d->ntruth = (PetscInt)dims[0];
  d->n      = d->ntruth;
  PetscCall(PetscMalloc1(d->n, &d->exc));
  PetscCall(PetscMalloc1(d->n, &exc64));
  PetscCall(H5InExists(file, "/truth/exc", &has));
  PetscCheck(has, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: dataset /truth/exc (neuron types) is missing", o->data);
  PetscCall(H5InInts(file, o->data, "/truth/exc", (hsize_t)d->n, exc64));
  for (PetscInt i = 0; i < d->n; i++) {
    PetscCheck(exc64[i] == 0 || exc64[i] == 1, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: /truth/exc[%" PetscInt_FMT "] is %lld, must be 0 or 1", o->data, i, (long long)exc64[i]);
    d->exc[i] = (PetscInt)exc64[i];
  }
  PetscCall(PetscFree(exc64));
  PetscCall(ModelFind(o->model_name, &model));
  PetscCall(PetscMalloc1(d->ntruth, &d->texc));
  PetscCall(PetscArraycpy(d->texc, d->exc, d->ntruth));
  PetscCall(ModelLayoutCreate(model, &o->mcfg, d->n, d->exc, &layout));
  PetscCall(PetscMalloc1(layout->total, &d->truth));
  for (PetscInt b = 0; b < layout->nblocks; b++) {
    char name[64];
    PetscCall(PetscSNPrintf(name, sizeof(name), "/truth/%s", layout->blocks[b].name));
    PetscCall(H5InDoubles(file, o->data, name, (hsize_t)layout->blocks[b].size, d->truth + layout->blocks[b].offset));
  }
  for (PetscInt k = 0; k < layout->total; k++)
    PetscCheck(isfinite(d->truth[k]), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: ground-truth parameter %" PetscInt_FMT " is not finite", o->data, k);
  d->has_truth = PETSC_TRUE;
  /* -fit_recorded R: only the truth's first R neurons are observed */
  PetscCheck(o->recorded <= d->ntruth, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "-fit_recorded %" PetscInt_FMT " exceeds the %" PetscInt_FMT " neurons of the ground truth in %s", o->recorded, d->ntruth, o->data);
  if (o->recorded > 0) d->n = o->recorded;
  PetscCall(ParamLayoutDestroy(&layout));
  PetscCall(H5InClose(&file, o->data));
  PetscFunctionReturn(0);
}

/* Rates of the fitting windows: this rank's windows [lo, hi) counted, the counts summed
 * exactly over the group, so every rank has the same rates. */
static PetscErrorCode WindowRates(Parallel *par, FitData *d, PetscInt lo, PetscInt hi, PetscInt T, double dt)
{
  FixedSum *fs;
  double   *c;
  PetscInt  n = d->n;

  PetscFunctionBeginUser;
  PetscCall(PetscCalloc1(n, &c));
  PetscCall(PetscMalloc1(n, &d->rate_hz));
  for (PetscInt w = lo; w < hi; w++)
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

/* Recorded targets: the windows of the fitting span, each rank reading only the time range
 * of the windows it owns (plus the first ones, which every rank needs for the gradient
 * check and the evaluation when nothing is held out), and the held-out windows. */
static PetscErrorCode LoadRecorded(FitOptions *o, Parallel *par, FitData *d)
{
  SpikeTrains *info = NULL;
  double       fit_lo, fit_hi, hold_lo, hold_hi, *hstarts = NULL;
  PetscInt     T = o->window_steps, n, lo, hi, shared, nh = 0;
  double       len = T * o->dt;

  PetscFunctionBeginUser;
  PetscCall(SpikeFileReadInfo(o->data, &o->dopt, &info));
  n = d->n = info->nunits;
  PetscCheck(n > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: no units to fit", o->data);
  PetscCall(DataOptionsSpan(&o->dopt, info, &fit_lo, &fit_hi, &hold_lo, &hold_hi));
  PetscCall(SpikeTrainsWindows(info, fit_lo, fit_hi, o->dt, T, &d->nwindows, &d->starts));
  PetscCheck(d->nwindows > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "%s: the fitting span [%g, %g) ms holds no whole window of %" PetscInt_FMT " steps (%g ms) inside an observation interval; shorten -fit_window_steps or widen -data_t0/-data_t1",
             o->data, fit_lo, fit_hi, T, len);
  if (o->windows > 0 && o->windows < d->nwindows) d->nwindows = o->windows;
  if (hold_hi > hold_lo) {
    PetscCall(SpikeTrainsWindows(info, hold_lo, hold_hi, o->dt, T, &nh, &hstarts));
    PetscCheck(nh > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "%s: the held-out span [%g, %g) ms holds no whole window of %g ms; lengthen -data_holdout", o->data, hold_lo, hold_hi, len);
    nh = PetscMin(nh, o->eval_windows);
  }
  ParallelBlock(d->nwindows, par->grank, par->gsize, &lo, &hi);
  shared = PetscMax(o->save_gradient ? (o->windows_per_step > 0 ? o->windows_per_step : d->nwindows) : 0, nh ? 0 : o->eval_windows);
  shared = PetscMin(shared, d->nwindows);
  PetscCall(PetscCalloc1(d->nwindows, &d->target));
  /* two ranges: [0, shared) and [lo, hi); each read as one span of the file */
  for (int pass = 0; pass < 2; pass++) {
    PetscInt     a = pass ? lo : 0, b = pass ? hi : shared;
    SpikeTrains *st;
    if (b <= a) continue;
    PetscCall(SpikeFileReadRange(o->data, &o->dopt, d->starts[a], d->starts[b - 1] + len, &st));
    for (PetscInt w = a; w < b; w++) {
      if (d->target[w]) continue;
      PetscCall(PetscMalloc1(T * n, &d->target[w]));
      PetscCall(SpikeTrainsBin(st, d->starts[w], o->dt, T, d->target[w], pass ? &d->nclipped : NULL));
    }
    PetscCall(SpikeTrainsDestroy(&st));
  }
  PetscCall(WindowRates(par, d, lo, hi, T, o->dt));
  if (nh) {
    SpikeTrains *st;
    PetscCall(SpikeFileReadRange(o->data, &o->dopt, hstarts[0], hstarts[nh - 1] + len, &st));
    PetscCall(PetscMalloc1(nh * T * n, &d->holdout));
    for (PetscInt w = 0; w < nh; w++) PetscCall(SpikeTrainsBin(st, hstarts[w], o->dt, T, d->holdout + w * T * n, NULL));
    PetscCall(SpikeTrainsDestroy(&st));
    d->nholdout = nh;
  }
  PetscCall(PetscFree(hstarts));
  PetscCall(SpikeTrainsDestroy(&info));
  PetscFunctionReturn(0);
}

PetscErrorCode FitDataLoad(FitOptions *o, Parallel *par, FitData **out)
{
  FitData      *d;
  SpikeFileKind kind;
  PetscBool     has_truth = PETSC_FALSE;

  PetscFunctionBeginUser;
  PetscCall(PetscNew(&d));
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
    PetscCheck(has_truth, par->world, PETSC_ERR_ARG_INCOMP, "%s has no ground truth (/truth): it can only be fitted with -fit_target recorded", o->data);
    PetscCall(LoadTruth(o, d));
  } else {
    /* a recording's neuron types are unknown: signs are free unless asked otherwise */
    if (!o->dale_set) o->mcfg.dale = PETSC_FALSE;
    PetscCheck(o->recorded == 0, par->world, PETSC_ERR_ARG_INCOMP, "-fit_recorded selects neurons of a ground truth (synthetic target); a recording's units are all recorded");
    PetscCall(LoadRecorded(o, par, d));
  }
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
  PetscCall(PetscFree((*d)->holdout));
  PetscCall(PetscFree((*d)->rate_hz));
  PetscCall(PetscFree(*d));
  PetscFunctionReturn(0);
}

/* Spikes per unit in this rank's share of [lo, hi) (a block of equal time), summed exactly
 * over comm; and the observed time of [lo, hi). */
static PetscErrorCode SpanCounts(MPI_Comm comm, const char *path, const DataOptions *dopt, const SpikeTrains *info, double lo, double hi, double *count, double *observed)
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
  for (PetscInt k = 0; k < info->nintervals; k++) *observed += PetscMax(0.0, PetscMin(hi, info->intervals_ms[2 * k + 1]) - PetscMax(lo, info->intervals_ms[2 * k]));
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
  PetscCall(PetscMemzero(&dopt, sizeof(dopt)));
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
