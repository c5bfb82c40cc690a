/* `spikefit generate`: the synthetic ground truth of SCIENCE.md section 7, simulated in
 * windows from rest and written with its true parameters (docs/FORMAT.md "Spike data"). */
#include "app.h"
#include "groundtruth.h"
#include "h5io.h"
#include "parallel.h"
#include "resources.h"
#include "sim.h"
#include "spikes.h"
#include "window_source.h"
#include <math.h>

typedef struct {
  char        out[PETSC_MAX_PATH_LEN], model_name[32];
  PetscInt    seed, n, T, nwin;
  double      duration, dt, exc_fraction;
  ModelConfig cfg;
} GenOptions;

/* The sizes in double before any allocation: the weights, and the spikes of every step. */
static PetscErrorCode GenerateCheckResources(MPI_Comm comm, const GenOptions *g)
{
  double dn = (double)g->n, steps = floor(g->duration / (g->T * g->dt) + 1e-9) * g->T;
  char   what[128];

  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(what, sizeof(what),
                          "a ground truth of -gen_n %" PetscInt_FMT " neurons over -gen_duration_ms %g", g->n,
                          g->duration));
  PetscCall(ResourceCheckCount(comm, what, dn * dn));
  PetscCall(ResourceCheckCount(comm, what, steps * dn));
  PetscCall(ResourceCheckMemory(comm, what, 8.0 * (4.0 * dn * dn + 2.0 * steps * dn) + 8.0 * 16.0 * g->T * dn));
  PetscFunctionReturn(0);
}

/* Parses and checks the options; *help when -help asked for them only. */
static PetscErrorCode GenerateOptions(MPI_Comm comm, GenOptions *g, PetscBool *help)
{
  ModelConfig       *cfg = &g->cfg;
  char               models[256], mhelp[320];
  const NeuronModel *model;

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(g, sizeof(*g)));
  PetscCall(PetscStrncpy(g->model_name, "lif", sizeof(g->model_name)));
  g->n        = 12;
  g->T        = 400;
  g->duration = 4000;
  g->dt       = 1.0;
  *cfg = (ModelConfig){.theta = 30.0, .input_gain = 0.9, .dt = 1.0, .hard_output = PETSC_FALSE, .dale = PETSC_TRUE};
  PetscOptionsBegin(comm, NULL, "spikefit generate: the source paper's synthetic ground truth", NULL);
  PetscCall(PetscOptionsString("-o", "Output file (HDF5)", NULL, g->out, g->out, sizeof(g->out), NULL));
  PetscCall(ModelList(models, sizeof(models)));
  PetscCall(PetscSNPrintf(mhelp, sizeof(mhelp), "Neuron model of the ground truth (%s)", models));
  PetscCall(PetscOptionsString("-gen_model", mhelp, NULL, g->model_name, g->model_name, sizeof(g->model_name), NULL));
  PetscCall(PetscOptionsInt("-gen_seed", "Ground-truth seed (the paper uses 0..3)", NULL, g->seed, &g->seed, NULL));
  PetscCall(PetscOptionsInt("-gen_n", "Number of neurons (three populations)", NULL, g->n, &g->n, NULL));
  PetscCall(
      PetscOptionsReal("-gen_duration_ms", "Duration of the spike trains (ms)", NULL, g->duration, &g->duration, NULL));
  PetscCall(PetscOptionsReal(
      "-gen_exc_fraction",
      "Fraction of excitatory neurons spread over the indices (0: the paper's three populations, 2/3 excitatory)", NULL,
      g->exc_fraction, &g->exc_fraction, NULL));
  PetscCall(PetscOptionsInt("-gen_window_steps", "Steps per window (each starts from rest)", NULL, g->T, &g->T, NULL));
  PetscCall(PetscOptionsReal("-sim_dt", "Time step (ms)", NULL, g->dt, &g->dt, NULL));
  PetscCall(PetscOptionsReal("-lif_theta", "Firing threshold (mV)", NULL, cfg->theta, &cfg->theta, NULL));
  PetscCall(
      PetscOptionsReal("-lif_input_gain", "Gain of the Poisson input", NULL, cfg->input_gain, &cfg->input_gain, NULL));
  PetscOptionsEnd();
  PetscCall(ModelFind(g->model_name, &model));
  PetscCall(ModelConfigSetFromOptions(comm, model, cfg)); /* the model's own options */
  *help = AppHelpRequested();
  if (*help) PetscFunctionReturn(0);
  PetscCall(AppCheckUnusedOptions(comm));
  PetscCheck(g->out[0], comm, PETSC_ERR_ARG_WRONG, "spikefit generate needs -o FILE");
  {
    const AppFile files[] = {{"-o", g->out, PETSC_TRUE, PETSC_FALSE, NULL}};
    PetscCall(AppCheckFiles(comm, files, 1));
  }
  PetscCheck(g->n >= 3, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-gen_n must be at least 3 (three populations), got %" PetscInt_FMT, g->n);
  PetscCheck(g->seed >= 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "-gen_seed must be >= 0, got %" PetscInt_FMT, g->seed);
  PetscCheck(g->T > 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "-gen_window_steps must be positive, got %" PetscInt_FMT, g->T);
  PetscCheck(isfinite(g->dt) && g->dt > 0, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-sim_dt must be a positive number of ms, got %g", g->dt);
  PetscCheck(isfinite(g->duration) && g->duration >= g->T * g->dt, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-gen_duration_ms must be at least one window (%g ms), got %g", g->T * g->dt, g->duration);
  PetscCheck(isfinite(cfg->theta) && isfinite(cfg->input_gain), comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-lif_theta and -lif_input_gain must be finite");
  cfg->dt = g->dt;
  PetscCall(GenerateCheckResources(comm, g));
  g->nwin = (PetscInt)floor(g->duration / (g->T * g->dt) + 1e-9);
  PetscCheck(isfinite(g->exc_fraction) && g->exc_fraction >= 0 && g->exc_fraction < 1, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-gen_exc_fraction must be in [0, 1) (0: the paper's populations), got %g", g->exc_fraction);
  PetscFunctionReturn(0);
}

/* Simulates the truth window by window from rest: z [nwin][T][n] hard spikes. */
static PetscErrorCode GenerateSimulate(const GenOptions *g, const NeuronModel *model, const ParamLayout *layout,
                                       const double *truth, double *z)
{
  const PetscInt n = g->n, T = g->T;
  SimSetup       sim;
  SimWork       *w;

  PetscFunctionBeginUser;
  PetscCall(SimSetupInit(&sim, model, &g->cfg, layout, T));
  PetscCall(SimWorkCreate(&sim, &w));
  for (PetscInt win = 0; win < g->nwin; win++) {
    PetscCheck(!ParallelSignalReceived(), PETSC_COMM_SELF, PARALLEL_ERR_SIGNAL,
               "stopped by a signal at window %" PetscInt_FMT " of %" PetscInt_FMT "; %s was not written", win, g->nwin,
               g->out);
    WindowKey k = WindowKeyGenerate((uint64_t)g->seed, win);
    WindowKeyDrawInput(&k, n, T, truth[sim.offRp], g->dt, w->x);
    WindowKeyApply(&k, w); /* stochastic models: spike noise keyed by the window */
    SimForward(&sim, truth, w);
    SimHardSpikes(&sim, w, z + win * T * n);
  }
  PetscCall(SimWorkDestroy(&w));
  PetscFunctionReturn(0);
}

/* The spikes and the truth in the "spikes" layout of docs/FORMAT.md. */
static PetscErrorCode GenerateWrite(MPI_Comm comm, const GenOptions *g, const ParamLayout *layout, const double *truth,
                                    const PetscInt *exc, const SpikeTrains *st)
{
  const PetscInt n = g->n;
  H5Out         *h;
  int64_t       *buf;
  hsize_t        dims[2];

  PetscFunctionBeginUser;
  PetscCall(H5OutCreate(comm, g->out, &h));
  PetscCall(H5OutAttrString(h, "/", "spikefit_format", "spikes"));
  dims[0] = (hsize_t)st->nspikes;
  PetscCall(H5OutDoubles(h, "/spikes/times_ms", 1, dims, st->times_ms));
  PetscCall(PetscMalloc1(n + 1, &buf));
  for (PetscInt k = 0; k <= n; k++) buf[k] = st->offsets[k];
  dims[0] = (hsize_t)(n + 1);
  PetscCall(H5OutInts(h, "/spikes/offsets", 1, dims, buf));
  for (PetscInt k = 0; k < n; k++) buf[k] = k;
  dims[0] = (hsize_t)n;
  PetscCall(H5OutInts(h, "/spikes/unit_ids", 1, dims, buf));
  dims[0] = 1;
  dims[1] = 2;
  PetscCall(H5OutDoubles(h, "/spikes/intervals_ms", 2, dims, st->intervals_ms));
  for (PetscInt b = 0; b < layout->nblocks; b++) {
    const ParamBlock *blk = &layout->blocks[b];
    char              name[64];
    int               r = 1;
    dims[0]             = (hsize_t)blk->size;
    if (blk->rows == n && blk->cols == n) {
      r       = 2;
      dims[0] = dims[1] = (hsize_t)n;
    }
    PetscCall(PetscSNPrintf(name, sizeof(name), "/truth/%s", blk->name));
    PetscCall(H5OutDoubles(h, name, r, dims, truth + blk->offset));
  }
  for (PetscInt k = 0; k < n; k++) buf[k] = exc[k];
  dims[0] = (hsize_t)n;
  PetscCall(H5OutInts(h, "/truth/exc", 1, dims, buf));
  PetscCall(H5OutAttrString(h, "/truth", "model", g->model_name));
  PetscCall(H5OutAttrInt(h, "/truth", "gen_seed", g->seed));
  PetscCall(H5OutAttrDouble(h, "/truth", "exc_fraction", g->exc_fraction));
  PetscCall(H5OutAttrDouble(h, "/truth", "dt", g->dt));
  PetscCall(H5OutAttrInt(h, "/truth", "window_steps", g->T));
  PetscCall(H5OutAttrDouble(h, "/truth", "theta", g->cfg.theta));
  PetscCall(H5OutAttrDouble(h, "/truth", "input_gain", g->cfg.input_gain));
  {
    const NeuronModel *model;
    PetscCall(ModelFind(g->model_name, &model));
    for (PetscInt k = 0; k < model->noptions; k++)
      PetscCall(H5OutAttrDouble(h, "/truth", model->options[k].name, g->cfg.opt[k]));
  }
  PetscCall(H5OutCommit(&h, NULL));
  PetscCall(PetscFree(buf));
  PetscFunctionReturn(0);
}

PetscErrorCode GenerateRun(MPI_Comm comm, int *exit_code)
{
  GenOptions         g;
  PetscBool          help = PETSC_FALSE;
  const NeuronModel *model;
  PetscInt          *exc, n;
  ParamLayout       *layout;
  double            *truth, *z;
  SpikeTrains       *st;

  PetscFunctionBeginUser;
  *exit_code = 0;
  PetscCall(GenerateOptions(comm, &g, &help));
  if (help) PetscFunctionReturn(0);
  n = g.n;
  PetscCall(PetscMalloc1(n, &exc));
  GroundTruthTypes(n, g.exc_fraction, exc);
  PetscCall(ModelFind(g.model_name, &model));
  PetscCall(ModelLayoutCreate(model, &g.cfg, n, exc, &layout));
  PetscCall(PetscMalloc1(layout->total, &truth));
  PetscCall(GroundTruthModel(layout, g.model_name, g.exc_fraction, (uint64_t)g.seed, truth));
  PetscCall(PetscMalloc1(g.nwin * g.T * n, &z));
  PetscCall(GenerateSimulate(&g, model, layout, truth, z));
  PetscCall(SpikeTrainsFromBinned(n, g.nwin * g.T, z, 0.0, g.dt, &st));
  PetscCall(GenerateWrite(comm, &g, layout, truth, exc, st));

  PetscCall(PetscPrintf(comm,
                        "generate: model %s, %" PetscInt_FMT " neurons, seed %" PetscInt_FMT ", %" PetscInt_FMT
                        " windows of %" PetscInt_FMT " steps, %" PetscInt_FMT " spikes -> %s\n",
                        g.model_name, n, g.seed, g.nwin, g.T, st->nspikes, g.out));
  PetscCall(PetscPrintf(comm, "generate: rates (Hz):"));
  for (PetscInt k = 0; k < n && k < 24; k++)
    PetscCall(PetscPrintf(comm, " %.1f", (st->offsets[k + 1] - st->offsets[k]) / (g.nwin * g.T * g.dt / 1000.0)));
  PetscCall(PetscPrintf(comm, n > 24 ? " ...\n" : "\n"));
  PetscCall(SpikeTrainsDestroy(&st));
  PetscCall(PetscFree(z));
  PetscCall(PetscFree(truth));
  PetscCall(ParamLayoutDestroy(&layout));
  PetscCall(PetscFree(exc));
  PetscFunctionReturn(0);
}
