/* `spikefit generate`: the synthetic ground truth of SCIENCE.md section 7, simulated in
 * windows from rest and written with its true parameters (docs/FORMAT.md "Spike data"). */
#include "app.h"
#include "groundtruth.h"
#include "h5io.h"
#include "parallel.h"
#include "resources.h"
#include "rng.h"
#include "sim.h"
#include "spikes.h"
#include <math.h>

#define GENERATE_STREAM RngStreamId(RNG_STREAM_INPUT, 0xFFFFFEu)

PetscErrorCode GenerateRun(MPI_Comm comm, int *exit_code)
{
  char               out[PETSC_MAX_PATH_LEN] = "";
  PetscInt           seed = 0, n = 12, T = 400, nwin;
  double             duration = 4000, dt = 1.0, exc_fraction = 0;
  char               model_name[32] = "lif", models[256], help[320];
  const NeuronModel *model;
  ModelConfig  cfg = {.theta = 30.0, .input_gain = 0.9, .dt = 1.0, .hard_output = PETSC_FALSE, .dale = PETSC_TRUE};
  PetscInt    *exc;
  ParamLayout *layout;
  double      *truth, *z;
  SimSetup     sim;
  SimWork     *w;
  SpikeTrains *st;
  H5Out       *h;
  int64_t     *buf;
  hsize_t      dims[2];

  PetscFunctionBeginUser;
  *exit_code = 0;
  PetscOptionsBegin(comm, NULL, "spikefit generate: the source paper's synthetic ground truth", NULL);
  PetscCall(PetscOptionsString("-o", "Output file (HDF5)", NULL, out, out, sizeof(out), NULL));
  PetscCall(ModelList(models, sizeof(models)));
  PetscCall(PetscSNPrintf(help, sizeof(help), "Neuron model of the ground truth (%s)", models));
  PetscCall(PetscOptionsString("-gen_model", help, NULL, model_name, model_name, sizeof(model_name), NULL));
  PetscCall(PetscOptionsInt("-gen_seed", "Ground-truth seed (the paper uses 0..3)", NULL, seed, &seed, NULL));
  PetscCall(PetscOptionsInt("-gen_n", "Number of neurons (three populations)", NULL, n, &n, NULL));
  PetscCall(PetscOptionsReal("-gen_duration_ms", "Duration of the spike trains (ms)", NULL, duration, &duration, NULL));
  PetscCall(PetscOptionsReal(
      "-gen_exc_fraction",
      "Fraction of excitatory neurons spread over the indices (0: the paper's three populations, 2/3 excitatory)", NULL,
      exc_fraction, &exc_fraction, NULL));
  PetscCall(PetscOptionsInt("-gen_window_steps", "Steps per window (each starts from rest)", NULL, T, &T, NULL));
  PetscCall(PetscOptionsReal("-sim_dt", "Time step (ms)", NULL, dt, &dt, NULL));
  PetscCall(PetscOptionsReal("-lif_theta", "Firing threshold (mV)", NULL, cfg.theta, &cfg.theta, NULL));
  PetscCall(
      PetscOptionsReal("-lif_input_gain", "Gain of the Poisson input", NULL, cfg.input_gain, &cfg.input_gain, NULL));
  PetscOptionsEnd();
  PetscCall(ModelFind(model_name, &model));
  PetscCall(ModelConfigSetFromOptions(comm, model, &cfg)); /* the model's own options */
  if (AppHelpRequested()) PetscFunctionReturn(0);
  PetscCall(AppCheckUnusedOptions(comm));
  PetscCheck(out[0], comm, PETSC_ERR_ARG_WRONG, "spikefit generate needs -o FILE");
  {
    const AppFile files[] = {{"-o", out, PETSC_TRUE, PETSC_FALSE, NULL}};
    PetscCall(AppCheckFiles(comm, files, 1));
  }
  PetscCheck(n >= 3, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-gen_n must be at least 3 (three populations), got %" PetscInt_FMT, n);
  PetscCheck(seed >= 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "-gen_seed must be >= 0, got %" PetscInt_FMT, seed);
  PetscCheck(T > 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "-gen_window_steps must be positive, got %" PetscInt_FMT, T);
  PetscCheck(isfinite(dt) && dt > 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "-sim_dt must be a positive number of ms, got %g",
             dt);
  PetscCheck(isfinite(duration) && duration >= T * dt, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-gen_duration_ms must be at least one window (%g ms), got %g", T * dt, duration);
  PetscCheck(isfinite(cfg.theta) && isfinite(cfg.input_gain), comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-lif_theta and -lif_input_gain must be finite");
  cfg.dt = dt;
  {
    /* sizes in double before any allocation: the weights, and the spikes of every step */
    double dn = (double)n, steps = floor(duration / (T * dt) + 1e-9) * T;
    char   what[128];
    PetscCall(PetscSNPrintf(what, sizeof(what),
                            "a ground truth of -gen_n %" PetscInt_FMT " neurons over -gen_duration_ms %g", n,
                            duration));
    PetscCall(ResourceCheckCount(comm, what, dn * dn));
    PetscCall(ResourceCheckCount(comm, what, steps * dn));
    PetscCall(ResourceCheckMemory(comm, what, 8.0 * (4.0 * dn * dn + 2.0 * steps * dn) + 8.0 * 16.0 * T * dn));
  }
  nwin = (PetscInt)floor(duration / (T * dt) + 1e-9);

  PetscCall(PetscMalloc1(n, &exc));
  PetscCheck(isfinite(exc_fraction) && exc_fraction >= 0 && exc_fraction < 1, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-gen_exc_fraction must be in [0, 1) (0: the paper's populations), got %g", exc_fraction);
  GroundTruthTypes(n, exc_fraction, exc);
  PetscCall(ModelLayoutCreate(model, &cfg, n, exc, &layout));
  PetscCall(PetscMalloc1(layout->total, &truth));
  PetscCall(GroundTruthModel(layout, model_name, exc_fraction, (uint64_t)seed, truth));
  PetscCall(SimSetupInit(&sim, model, &cfg, layout, T));
  PetscCall(SimWorkCreate(&sim, &w));
  PetscCall(PetscMalloc1(nwin * T * n, &z));
  for (PetscInt win = 0; win < nwin; win++) {
    PetscCheck(!ParallelSignalReceived(), PETSC_COMM_SELF, PARALLEL_ERR_SIGNAL,
               "stopped by a signal at window %" PetscInt_FMT " of %" PetscInt_FMT "; %s was not written", win, nwin,
               out);
    SimDrawInput((uint64_t)seed, GENERATE_STREAM, win, n, T, truth[sim.offRp], dt, w->x);
    w->window       = win; /* stochastic models: spike noise keyed by the window */
    w->noise_seed   = (uint64_t)seed;
    w->noise_stream = RngStreamId(RNG_STREAM_SPIKE, 0xFFFFFEu);
    SimForward(&sim, truth, w);
    SimHardSpikes(&sim, w, z + win * T * n);
  }
  PetscCall(SpikeTrainsFromBinned(n, nwin * T, z, 0.0, dt, &st));

  PetscCall(H5OutCreate(comm, out, &h));
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
  PetscCall(H5OutAttrString(h, "/truth", "model", model_name));
  PetscCall(H5OutAttrInt(h, "/truth", "gen_seed", seed));
  PetscCall(H5OutAttrDouble(h, "/truth", "exc_fraction", exc_fraction));
  PetscCall(H5OutAttrDouble(h, "/truth", "dt", dt));
  PetscCall(H5OutAttrInt(h, "/truth", "window_steps", T));
  PetscCall(H5OutAttrDouble(h, "/truth", "theta", cfg.theta));
  PetscCall(H5OutAttrDouble(h, "/truth", "input_gain", cfg.input_gain));
  for (PetscInt k = 0; k < model->noptions; k++)
    PetscCall(H5OutAttrDouble(h, "/truth", model->options[k].name, cfg.opt[k]));
  PetscCall(H5OutCommit(&h, NULL));

  PetscCall(PetscPrintf(comm,
                        "generate: model %s, %" PetscInt_FMT " neurons, seed %" PetscInt_FMT ", %" PetscInt_FMT
                        " windows of %" PetscInt_FMT " steps, %" PetscInt_FMT " spikes -> %s\n",
                        model_name, n, seed, nwin, T, st->nspikes, out));
  PetscCall(PetscPrintf(comm, "generate: rates (Hz):"));
  for (PetscInt k = 0; k < n && k < 24; k++)
    PetscCall(PetscPrintf(comm, " %.1f", (st->offsets[k + 1] - st->offsets[k]) / (nwin * T * dt / 1000.0)));
  PetscCall(PetscPrintf(comm, n > 24 ? " ...\n" : "\n"));
  PetscCall(PetscFree(buf));
  PetscCall(SpikeTrainsDestroy(&st));
  PetscCall(PetscFree(z));
  PetscCall(SimWorkDestroy(&w));
  PetscCall(PetscFree(truth));
  PetscCall(ParamLayoutDestroy(&layout));
  PetscCall(PetscFree(exc));
  PetscFunctionReturn(0);
}
