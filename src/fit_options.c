/* Options of `spikefit fit`, their validation, and the canonical text hashed into checkpoints. */
#include "fit.h"
#include "app.h"
#include <math.h>

static const char *const TargetModes[] = {"synthetic", "recorded", "TargetMode", "TARGET_", NULL};

PetscErrorCode FitOptionsProcess(MPI_Comm comm, FitOptions *o)
{
  PetscBool set, mode_set;
  PetscEnum mode = (PetscEnum)TARGET_SYNTHETIC;

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(o, sizeof(*o)));
  PetscCall(PetscStrncpy(o->model_name, "lif", sizeof(o->model_name)));
  o->mcfg.theta       = 30.0;
  o->mcfg.input_gain  = 0.9;
  o->mcfg.dt          = 1.0;
  o->mcfg.dale        = PETSC_TRUE;
  o->dt               = 1.0;
  o->iters            = 20;
  o->windows          = 10;
  o->window_steps     = 400;
  o->windows_per_step = 0;
  o->eval_windows     = 10;
  o->restarts         = 1;
  o->save_history     = PETSC_TRUE;
  o->validate         = PETSC_TRUE;
  o->ckpt_every       = 0;
  o->ckpt_max_hours   = 0;
  o->sim_batch        = 16;
  o->max_rollbacks    = 5;
  o->max_minutes      = 0;

  PetscOptionsBegin(comm, NULL, "spikefit fit", NULL);
  PetscCall(PetscOptionsString(
      "-data", "Spike data: spikefit HDF5 (generate), NWB, retina HDF5, text, MATLAB .mat, or a Kilosort/phy folder",
      NULL, o->data, o->data, sizeof(o->data), &set));
  PetscCall(PetscOptionsString("-o", "Results file (HDF5)", NULL, o->out, o->out, sizeof(o->out), NULL));
  PetscCall(
      PetscOptionsString("-model", "Neuron model", NULL, o->model_name, o->model_name, sizeof(o->model_name), NULL));
  PetscCall(PetscOptionsReal("-lif_theta", "Firing threshold (mV)", NULL, o->mcfg.theta, &o->mcfg.theta, NULL));
  PetscCall(PetscOptionsReal("-lif_input_gain", "Gain of the Poisson input", NULL, o->mcfg.input_gain,
                             &o->mcfg.input_gain, NULL));
  PetscCall(PetscOptionsBool("-model_output_current",
                             "Losses see the total synaptic input I instead of spikes (continuous targets)", NULL,
                             o->mcfg.output_current, &o->mcfg.output_current, NULL));
  PetscCall(PetscOptionsBool("-model_output_hard", "Losses see the hard spike z instead of the soft one", NULL,
                             o->mcfg.hard_output, &o->mcfg.hard_output, NULL));
  PetscCall(PetscOptionsReal("-sim_dt", "Time step (ms)", NULL, o->dt, &o->dt, NULL));
  PetscCall(PetscOptionsBool("-sim_ref", "Use the plain reference kernels", NULL, o->use_ref, &o->use_ref, NULL));
  PetscCall(PetscOptionsInt(
      "-sim_batch",
      "Windows simulated together; the exact sum adds whole batches of B consecutive windows, so bits depend on B (0: one window at a time)",
      NULL, o->sim_batch, &o->sim_batch, NULL));
  PetscCall(PetscOptionsInt(
      "-sim_tape_stride",
      "Keep the state every K steps and recompute segments in the backward pass (0: the full tape; same gradient bits)",
      NULL, o->sim_tape_stride, &o->sim_tape_stride, NULL));
  PetscCall(PetscOptionsEnum("-sim_precision",
                             "Precision of the recurrent matrix products (gradients accumulate in double)", NULL,
                             SimPrecisions, o->sim_precision, &o->sim_precision, NULL));
  PetscCall(PetscOptionsInt("-fit_iters", "Training iterations", NULL, o->iters, &o->iters, NULL));
  PetscCall(PetscOptionsInt(
      "-fit_windows",
      "Windows per iteration (synthetic; for a recording: at most this many, 0 = every window of the span)", NULL,
      o->windows, &o->windows, &set));
  if (!set) o->windows = -1; /* 10 for a synthetic target, every window of a recording */
  PetscCall(PetscOptionsInt("-fit_window_steps", "Steps per window", NULL, o->window_steps, &o->window_steps, NULL));
  PetscCall(PetscOptionsInt("-fit_windows_per_step", "Windows whose gradients make one optimiser step (0: all)", NULL,
                            o->windows_per_step, &o->windows_per_step, NULL));
  PetscCall(PetscOptionsInt(
      "-fit_eval_windows",
      "Windows of the validation loss and of a synthetic fit's evaluation; given, it also caps a recording's held-out evaluation at this many window lengths (default: the whole held-out span)",
      NULL, o->eval_windows, &o->eval_windows, &o->eval_windows_set));
  PetscCall(PetscOptionsInt(
      "-fit_max_rollbacks",
      "Divergences (non-finite or exploding loss or gradient) rolled back, with the learning rate halved, before the fit stops with the best parameters (exit 3)",
      NULL, o->max_rollbacks, &o->max_rollbacks, NULL));
  PetscCall(PetscOptionsReal(
      "-fit_max_minutes",
      "Stop training at the first iteration boundary after this many minutes and write the results of the best parameters (0: no budget)",
      NULL, o->max_minutes, &o->max_minutes, NULL));
  PetscCall(PetscOptionsInt("-fit_seed", "Seed of the initial parameters", NULL, o->seed, &o->seed, NULL));
  PetscCall(PetscOptionsInt("-fit_input_seed", "Seed of the Poisson input", NULL, o->input_seed, &o->input_seed, NULL));
  PetscCall(PetscOptionsInt("-fit_hidden",
                            "Hidden (unrecorded) neurons added to the model: simulated and fitted, not scored", NULL,
                            o->hidden, &o->hidden, NULL));
  PetscCall(PetscOptionsInt("-fit_recorded", "Synthetic target: only the truth's first R neurons are recorded (0: all)",
                            NULL, o->recorded, &o->recorded, NULL));
  PetscCall(
      PetscOptionsInt("-fit_restarts", "Independent fits (restart groups)", NULL, o->restarts, &o->restarts, NULL));
  PetscCall(PetscOptionsBool(
      "-fit_dale",
      "Keep the sign of each neuron's outgoing weights (needs neuron types; default true with a ground truth, false for recordings)",
      NULL, o->mcfg.dale, &o->mcfg.dale, &o->dale_set));
  PetscCall(PetscOptionsBool("-fit_save_gradient", "Write the first step's gradient to /gradient_check", NULL,
                             o->save_gradient, &o->save_gradient, NULL));
  PetscCall(PetscOptionsBool("-fit_save_history", "Write the parameters of every iteration", NULL, o->save_history,
                             &o->save_history, NULL));
  PetscCall(PetscOptionsBool("-fit_validate",
                             "Loss on the evaluation (held-out) windows after every iteration, in /loss/validation",
                             NULL, o->validate, &o->validate, NULL));
  PetscCall(PetscOptionsBool("-fit_quiet", "No monitor line per iteration", NULL, o->quiet, &o->quiet, NULL));
  PetscCall(PetscOptionsEnum(
      "-fit_target", "synthetic: regenerate targets from /truth every iteration; recorded: fit the file's spikes", NULL,
      TargetModes, mode, &mode, &mode_set));
  PetscCall(PetscOptionsString("-ckpt_file", "Checkpoint file", NULL, o->ckpt_file, o->ckpt_file, sizeof(o->ckpt_file),
                               NULL));
  PetscCall(PetscOptionsInt("-ckpt_every", "Checkpoint every K iterations (0: only on signals and at the time budget)",
                            NULL, o->ckpt_every, &o->ckpt_every, NULL));
  PetscCall(PetscOptionsReal("-ckpt_max_hours", "Checkpoint and stop (exit 75) after this many hours (0: no budget)",
                             NULL, o->ckpt_max_hours, &o->ckpt_max_hours, NULL));
  PetscCall(PetscOptionsString("-resume", "Continue from this checkpoint", NULL, o->resume, o->resume,
                               sizeof(o->resume), NULL));
  PetscCall(PetscOptionsBool(
      "-fit_init_rates",
      "Each neuron starts at its recorded training rate (slif: beta, E_L; with W and the input near 0)", NULL,
      o->init_rates, &o->init_rates, NULL));
  PetscCall(PetscOptionsInt(
      "-fit_calibrate_rates",
      "After the fit, K rounds of shifting each neuron's E_L so that its free-running rate over the fitting windows is its recorded rate (slif; 0: off)",
      NULL, o->calibrate, &o->calibrate, NULL));
  {
    char recipe[32] = "default";
    PetscCall(PetscOptionsString("-fit_recipe",
                                 "default: options not given are chosen from a recording's data and printed; none: off",
                                 NULL, recipe, recipe, sizeof(recipe), NULL));
  }
  PetscCall(PetscOptionsInt("-par_expect_size", "Fail unless the number of MPI ranks equals this (SLURM_NTASKS)", NULL,
                            o->expect_size, &o->expect_size, NULL));
  PetscOptionsEnd();
  { /* the selected model's own options (include/model.h) */
    const NeuronModel *model;
    PetscCall(ModelFind(o->model_name, &model));
    PetscCall(ModelConfigSetFromOptions(comm, model, &o->mcfg));
  }
  o->mode     = mode_set ? (TargetMode)mode : TARGET_SYNTHETIC;
  o->mode_set = mode_set;
  PetscCall(DataOptionsProcess(comm, &o->dopt));
  o->mcfg.dt = o->dt;
  PetscCall(LossConfigFromOptions(&o->lcfg, o->dt));
  PetscCall(OptimConfigFromOptions(&o->ocfg));

  if (AppHelpRequested()) PetscFunctionReturn(0);
  PetscCheck(o->data[0], comm, PETSC_ERR_ARG_WRONG,
             "spikefit fit needs -data FILE (spikefit generate -o GT.h5 makes one)");
  PetscCheck(o->out[0], comm, PETSC_ERR_ARG_WRONG, "spikefit fit needs -o RUN.h5");
  PetscCheck(o->iters >= 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "-fit_iters must be >= 0, got %" PetscInt_FMT, o->iters);
  PetscCheck(o->windows >= -1, comm, PETSC_ERR_ARG_OUTOFRANGE, "-fit_windows must be >= 0, got %" PetscInt_FMT,
             o->windows);
  PetscCheck(o->window_steps > 0, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-fit_window_steps must be positive, got %" PetscInt_FMT, o->window_steps);
  PetscCheck(o->windows_per_step >= 0, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-fit_windows_per_step must be >= 0, got %" PetscInt_FMT, o->windows_per_step);
  PetscCheck(o->eval_windows >= 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "-fit_eval_windows must be >= 0, got %" PetscInt_FMT,
             o->eval_windows);
  PetscCheck(o->calibrate >= 0, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-fit_calibrate_rates must be >= 0 (rounds; 0: off), got %" PetscInt_FMT, o->calibrate);
  PetscCheck(o->hidden >= 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "-fit_hidden must be >= 0, got %" PetscInt_FMT, o->hidden);
  PetscCheck(o->recorded >= 0, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-fit_recorded must be >= 0 (0: all of the truth's neurons), got %" PetscInt_FMT, o->recorded);
  PetscCheck(o->restarts >= 1, comm, PETSC_ERR_ARG_OUTOFRANGE, "-fit_restarts must be at least 1, got %" PetscInt_FMT,
             o->restarts);
  PetscCheck(o->seed >= 0 && o->input_seed >= 0, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-fit_seed and -fit_input_seed must be >= 0");
  PetscCheck(isfinite(o->dt) && o->dt > 0, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-sim_dt must be a positive number of ms, got %g", o->dt);
  PetscCheck(isfinite(o->mcfg.theta), comm, PETSC_ERR_ARG_OUTOFRANGE, "-lif_theta must be finite, got %g",
             o->mcfg.theta);
  PetscCheck(isfinite(o->mcfg.input_gain), comm, PETSC_ERR_ARG_OUTOFRANGE, "-lif_input_gain must be finite, got %g",
             o->mcfg.input_gain);
  PetscCheck(o->ckpt_every >= 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "-ckpt_every must be >= 0, got %" PetscInt_FMT,
             o->ckpt_every);
  PetscCheck(o->max_rollbacks >= 0, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-fit_max_rollbacks must be >= 0, got %" PetscInt_FMT, o->max_rollbacks);
  PetscCheck(isfinite(o->max_minutes) && o->max_minutes >= 0, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-fit_max_minutes must be >= 0, got %g", o->max_minutes);
  PetscCheck(isfinite(o->ckpt_max_hours) && o->ckpt_max_hours >= 0, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-ckpt_max_hours must be >= 0, got %g", o->ckpt_max_hours);
  PetscCheck(
      !o->lcfg.teacher_forcing || (!o->mcfg.hard_output && !o->mcfg.output_current), comm, PETSC_ERR_ARG_INCOMP,
      "-loss_teacher_forcing scores the spike probability of a forced run: it does not go with -model_output_hard or -model_output_current");
  if (!o->ckpt_file[0]) PetscCall(PetscSNPrintf(o->ckpt_file, sizeof(o->ckpt_file), "%s.ckpt", o->out));
  if (o->expect_size > 0) {
    int size;
    PetscCallMPI(MPI_Comm_size(comm, &size));
    PetscCheck(size == o->expect_size, comm, PETSC_ERR_ARG_INCOMP,
               "running on %d MPI ranks but -par_expect_size is %" PetscInt_FMT " (SLURM_NTASKS): check srun/mpirun",
               size, o->expect_size);
  }
  PetscFunctionReturn(0);
}

PetscErrorCode FitOptionsCanonical(const FitOptions *o, PetscInt n, char *buf, size_t len)
{
  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(
      buf, len,
      "model=%s n=%" PetscInt_FMT
      " theta=%.17g input_gain=%.17g hard=%d dale=%d dt=%.17g loss=%s vr_tau=%.17g optim=%s lr=%.17g beta1=%.17g beta2=%.17g eps=%.17g "
      "windows=%" PetscInt_FMT " window_steps=%" PetscInt_FMT " windows_per_step=%" PetscInt_FMT " seed=%" PetscInt_FMT
      " input_seed=%" PetscInt_FMT " target=%s data=%s "
      "current=%d batch=%" PetscInt_FMT " precision=%s",
      o->model_name, n, o->mcfg.theta, o->mcfg.input_gain, (int)o->mcfg.hard_output, (int)o->mcfg.dale, o->dt,
      LossKinds[o->lcfg.kind], o->lcfg.vr_tau, OptimKinds[o->ocfg.kind], o->ocfg.lr, o->ocfg.beta1, o->ocfg.beta2,
      o->ocfg.eps, o->windows, o->window_steps, o->windows_per_step, o->seed, o->input_seed,
      o->mode == TARGET_SYNTHETIC ? "synthetic" : "recorded", o->data, (int)o->mcfg.output_current,
      o->use_ref ? 0 : o->sim_batch, SimPrecisions[o->sim_precision]));
  { /* the model's share: its own options (none for the models before AdEx: their hash is unchanged) */
    const NeuronModel *model;
    PetscCall(ModelFind(o->model_name, &model));
    PetscCall(ModelConfigCanonical(model, &o->mcfg, buf, len));
  }
  /* the options below appear only when they differ from their defaults (the bounds, initial
   * ranges and data content are added by FitCheckpointIdentity) */
  {
    /* the data's selection and span, and the evaluation windows (validation loss) */
    char more[PETSC_MAX_PATH_LEN + 512];
    PetscCall(PetscSNPrintf(
        more, sizeof(more),
        " eval_windows=%" PetscInt_FMT
        " validate=%d data_units=%s data_time_unit=%s data_sample_rate=%.17g data_t0=%.17g data_t1=%.17g data_holdout=%.17g",
        o->eval_windows, (int)o->validate, o->dopt.units[0] ? o->dopt.units : "all", o->dopt.time_unit,
        o->dopt.sample_rate, o->dopt.t0_ms, o->dopt.t1_ms, o->dopt.holdout_ms));
    PetscCall(PetscStrlcat(buf, more, len));
  }
  if (o->lcfg.kind == LOSS_ADAPTIVE) { /* its weights follow the progress it / -fit_iters */
    char more[64];
    PetscCall(PetscSNPrintf(more, sizeof(more), " iters=%" PetscInt_FMT, o->iters));
    PetscCall(PetscStrlcat(buf, more, len));
  }
  if (o->hidden || o->recorded) {
    char more[128];
    PetscCall(
        PetscSNPrintf(more, sizeof(more), " hidden=%" PetscInt_FMT " recorded=%" PetscInt_FMT, o->hidden, o->recorded));
    PetscCall(PetscStrlcat(buf, more, len));
  }
  if (o->dopt.intervals[0] || o->dopt.labels[0] || o->dopt.var[0] ||
      o->dopt.units_where[0]) { /* which spikes of the recording (issue 16) */
    char more[1200];
    PetscCall(PetscSNPrintf(more, sizeof(more), " data_intervals=%s data_labels=%s data_var=%s data_units_where=%s",
                            o->dopt.intervals, o->dopt.labels, o->dopt.var, o->dopt.units_where));
    PetscCall(PetscStrlcat(buf, more, len));
  }
  if (o->lcfg.teacher_forcing) PetscCall(PetscStrlcat(buf, " teacher_forcing=1", len));
  if (o->ocfg.scaled) PetscCall(PetscStrlcat(buf, " optim_scaled=1", len));
  if (o->init_rates) PetscCall(PetscStrlcat(buf, " init_rates=1", len));
  if (o->calibrate) {
    char more[64];
    PetscCall(PetscSNPrintf(more, sizeof(more), " calibrate_rates=%" PetscInt_FMT, o->calibrate));
    PetscCall(PetscStrlcat(buf, more, len));
  }
  if (o->recipe[0]) { /* the recipe's choices, also those (init ranges) not listed above */
    PetscCall(PetscStrlcat(buf, " recipe=", len));
    PetscCall(PetscStrlcat(buf, o->recipe, len));
  }
  if (o->hidden && LossUsesSM(&o->lcfg)) { /* the hidden neurons' rate term of sm */
    char more[128];
    PetscCall(PetscSNPrintf(more, sizeof(more), " sm_hidden_rate=%.17g sm_hidden_weight=%.17g", o->lcfg.sm_hidden_rate,
                            o->lcfg.sm_hidden_weight));
    PetscCall(PetscStrlcat(buf, more, len));
  }
  if (LossUsesSM(&o->lcfg) || o->lcfg.kind == LOSS_WEIGHTED) {
    char more[256];
    PetscCall(PetscSNPrintf(more, sizeof(more),
                            " weights=%.17g,%.17g,%.17g,%.17g,%.17g sm_bin_ms=%.17g sm_lags=%" PetscInt_FMT,
                            o->lcfg.weights[0], o->lcfg.weights[1], o->lcfg.weights[2], o->lcfg.weights[3],
                            o->lcfg.weights[4], o->lcfg.sm_bin_ms, o->lcfg.sm_lags));
    PetscCall(PetscStrlcat(buf, more, len));
  }
  PetscFunctionReturn(0);
}

uint64_t FitHash(const char *text)
{
  uint64_t h = 1469598103934665603ULL; /* FNV-1a */
  for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
    h ^= *p;
    h *= 1099511628211ULL;
  }
  return h;
}
