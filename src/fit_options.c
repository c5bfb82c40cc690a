/* Options of `spikefit fit` as one table: parsing, -help, the defaults and the canonical text
 * hashed into checkpoints all come from it; then their validation. */
#include "fit.h"
#include "app.h"
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

static const char *const TargetModes[] = {"synthetic", "recorded", "TargetMode", "TARGET_", NULL};

typedef enum { OPT_STRING, OPT_INT, OPT_REAL, OPT_BOOL, OPT_ENUM } OptKind;

/* When a row enters the canonical text. The groups after HASH_SET are frozen: checkpoints
 * written before an option existed must keep their hash, so new ones appear only when used. */
typedef enum {
  HASH_NO,        /* does not change the result */
  HASH_ALWAYS,    /* always */
  HASH_SET,       /* when not 0 / not empty */
  HASH_ADAPTIVE,  /* with -loss adaptive (its weights follow the progress it / -fit_iters) */
  HASH_NETWORK,   /* with -fit_hidden or -fit_recorded */
  HASH_SELECTION, /* with any of the recording's selections (issue 16) */
  HASH_SM_HIDDEN, /* with hidden neurons and a loss with the sm term */
  HASH_SM,        /* with the sm term or -loss weighted */
  HASH_SPLIT,     /* with -fit_step_split other than 1 */
  HASH_HOLDOUT    /* with -data_holdout or -data_validation given */
} HashWhen;

/* The value text of a row whose value is not just its field. */
typedef PetscErrorCode (*ValueText)(const FitOptions *o, PetscInt n, char *buf, size_t len);

typedef struct {
  const char        *name;  /* the option; NULL: a hashed value that is no option */
  const char        *owner; /* module whose concept it is */
  OptKind            kind;
  size_t             off, size; /* the FitOptions field it fills (size 0: none, parsed for -help only) */
  const char        *def;       /* default as text; BY_OWNER: parsed by the owner's *FromOptions */
  int                order;     /* position in the canonical text (0: not hashed) */
  const char        *key;       /* key in the canonical text */
  HashWhen           when;
  const char        *help;
  const char *const *enums; /* OPT_ENUM: PETSc-style names */
  size_t             given; /* offset of a PetscBool set when the option is given (0: none) */
  ValueText          text;  /* canonical value text when not the field's */
} FitOptionSpec;

#define F(field)     offsetof(FitOptions, field), sizeof(((FitOptions *)0)->field)
#define NOFIELD      0, 0
#define BY_OWNER     NULL
#define GIVEN(field) .given = offsetof(FitOptions, field)

static PetscErrorCode TextN(const FitOptions *o, PetscInt n, char *buf, size_t len)
{
  PetscFunctionBeginUser;
  (void)o;
  PetscCall(PetscSNPrintf(buf, len, "%" PetscInt_FMT, n));
  PetscFunctionReturn(0);
}

static PetscErrorCode TextBatch(const FitOptions *o, PetscInt n, char *buf, size_t len)
{
  PetscFunctionBeginUser;
  (void)n;
  PetscCall(PetscSNPrintf(buf, len, "%" PetscInt_FMT, o->use_ref ? 0 : o->sim_batch));
  PetscFunctionReturn(0);
}

static PetscErrorCode TextUnits(const FitOptions *o, PetscInt n, char *buf, size_t len)
{
  PetscFunctionBeginUser;
  (void)n;
  PetscCall(PetscStrncpy(buf, o->dopt.units[0] ? o->dopt.units : "all", len));
  PetscFunctionReturn(0);
}

static PetscErrorCode TextWeights(const FitOptions *o, PetscInt n, char *buf, size_t len)
{
  const double *w = o->lcfg.weights;

  PetscFunctionBeginUser;
  (void)n;
  PetscCall(PetscSNPrintf(buf, len, "%.17g,%.17g,%.17g,%.17g,%.17g", w[0], w[1], w[2], w[3], w[4]));
  PetscFunctionReturn(0);
}

/* Every option of `spikefit fit` (the model's -bound_* and -init_* are hashed through the
 * layout by FitCheckpointIdentity). The loss's rows make their own -help section; the rows of
 * optim and data are parsed by OptimConfigFromOptions and DataOptionsProcess (their -help
 * sections) and the table gives their place in the canonical text. */
// clang-format off
static const FitOptionSpec Table[] = {
  /* option                   owner    kind        field                   default      hash: order, key, when */
  {"-data",                   "fit",   OPT_STRING, F(data),                "",          21, "data", HASH_ALWAYS, .help = "Spike data: spikefit HDF5 (generate), NWB, retina HDF5, text, MATLAB .mat, or a Kilosort/phy folder"},
  {"-o",                      "fit",   OPT_STRING, F(out),                 "",          0, NULL, HASH_NO, .help = "Results file (HDF5)"},
  {"-model",                  "model", OPT_STRING, F(model_name),          "lif",       1, "model", HASH_ALWAYS, .help = "Neuron model"},
  {NULL,                      "model", OPT_INT,    NOFIELD,                BY_OWNER,    2, "n", HASH_ALWAYS, .help = "recorded neurons", .text = TextN},
  {"-lif_theta",              "model", OPT_REAL,   F(mcfg.theta),          "30",        3, "theta", HASH_ALWAYS, .help = "Firing threshold (mV)"},
  {"-lif_input_gain",         "model", OPT_REAL,   F(mcfg.input_gain),     "0.9",       4, "input_gain", HASH_ALWAYS, .help = "Gain of the Poisson input"},
  {"-model_output_current",   "model", OPT_BOOL,   F(mcfg.output_current), "false",     22, "current", HASH_ALWAYS, .help = "Losses see the total synaptic input I instead of spikes (continuous targets)"},
  {"-model_latent_tau",       "model", OPT_REAL,   F(mcfg.latent_tau),     "0",         54, "latent_tau", HASH_SET, .help = "A shared latent input: an Ornstein-Uhlenbeck process with this time constant (ms) into every neuron with a fitted loading (block lat); 0: none; -1: the correlation time of the recording's population count (a recording's training windows)"},
  {"-model_output_hard",      "model", OPT_BOOL,   F(mcfg.hard_output),    "false",     5, "hard", HASH_ALWAYS, .help = "Losses see the hard spike z instead of the soft one"},
  {"-sim_dt",                 "sim",   OPT_REAL,   F(dt),                  "1",         7, "dt", HASH_ALWAYS, .help = "Time step (ms)"},
  {"-sim_ref",                "sim",   OPT_BOOL,   F(use_ref),             "false",     0, NULL, HASH_NO, .help = "Use the plain reference kernels"},
  {"-sim_batch",              "sim",   OPT_INT,    F(sim_batch),           "16",        23, "batch", HASH_ALWAYS, .help = "Windows simulated together; the exact sum adds whole batches of B consecutive windows, so bits depend on B (0: one window at a time)", .text = TextBatch},
  {"-sim_tape_stride",        "sim",   OPT_INT,    F(sim_tape_stride),     "0",         0, NULL, HASH_NO, .help = "Keep the state every K steps and recompute segments in the backward pass (0: the full tape; same gradient bits)"},
  {"-sim_precision",          "sim",   OPT_ENUM,   F(sim_precision),       "double",    24, "precision", HASH_ALWAYS, .help = "Precision of the recurrent matrix products (gradients accumulate in double)", .enums = SimPrecisions},
  {"-fit_iters",              "fit",   OPT_INT,    F(iters),               "20",        33, "iters", HASH_ADAPTIVE, .help = "Training iterations"},
  {"-fit_windows",            "fit",   OPT_INT,    F(windows),             "10",        15, "windows", HASH_ALWAYS, .help = "Windows per iteration (synthetic; for a recording: at most this many, 0 = every window of the span)", GIVEN(windows_set)},
  {"-fit_window_steps",       "fit",   OPT_INT,    F(window_steps),        "400",       16, "window_steps", HASH_ALWAYS, .help = "Steps per window"},
  {"-fit_windows_per_step",   "fit",   OPT_INT,    F(windows_per_step),    "0",         17, "windows_per_step", HASH_ALWAYS, .help = "Windows whose gradients make one optimiser step (0: all)"},
  {"-fit_step_split",         "fit",   OPT_INT,    F(step_split),          "1",         50, "step_split", HASH_SPLIT, .help = "Cut each step's part of a batch into S chunks that ranks and threads share (1: whole; the exact sum adds whole chunks, so bits depend on S, never on ranks or threads)"},
  {"-fit_eval_windows",       "fit",   OPT_INT,    F(eval_windows),        "10",        25, "eval_windows", HASH_ALWAYS, .help = "Windows of the validation loss and of a synthetic fit's evaluation; given, it also caps a recording's held-out evaluation at this many window lengths (default: the whole held-out span)", GIVEN(eval_windows_set)},
  {"-fit_max_rollbacks",      "fit",   OPT_INT,    F(max_rollbacks),       "5",         0, NULL, HASH_NO, .help = "Divergences (non-finite or exploding loss or gradient) rolled back, with the learning rate halved, before the fit stops with the best parameters (exit 3)"},
  {"-fit_max_minutes",        "fit",   OPT_REAL,   F(max_minutes),         "0",         0, NULL, HASH_NO, .help = "Stop training at the first iteration boundary after this many minutes and write the results of the best parameters (0: no budget)"},
  {"-fit_seed",               "fit",   OPT_INT,    F(seed),                "0",         18, "seed", HASH_ALWAYS, .help = "Seed of the initial parameters"},
  {"-fit_input_seed",         "fit",   OPT_INT,    F(input_seed),          "0",         19, "input_seed", HASH_ALWAYS, .help = "Seed of the Poisson input"},
  {"-fit_hidden",             "fit",   OPT_INT,    F(hidden),              "0",         34, "hidden", HASH_NETWORK, .help = "Hidden (unrecorded) neurons added to the model: simulated and fitted, not scored"},
  {"-fit_recorded",           "fit",   OPT_INT,    F(recorded),            "0",         35, "recorded", HASH_NETWORK, .help = "Synthetic target: only the truth's first R neurons are recorded (0: all)"},
  {"-fit_restarts",           "fit",   OPT_INT,    F(restarts),            "1",         0, NULL, HASH_NO, .help = "Independent fits (restart groups)"},
  {"-fit_dale",               "fit",   OPT_BOOL,   F(mcfg.dale),           "true",      6, "dale", HASH_ALWAYS, .help = "Keep the sign of each neuron's outgoing weights (needs neuron types; default true with a ground truth, false for recordings)", GIVEN(dale_set)},
  {"-fit_save_gradient",      "fit",   OPT_BOOL,   F(save_gradient),       "false",     0, NULL, HASH_NO, .help = "Write the first step's gradient to /gradient_check"},
  {"-fit_save_history",       "fit",   OPT_BOOL,   F(save_history),        "true",      0, NULL, HASH_NO, .help = "Write the parameters of every iteration"},
  {"-fit_validate",           "fit",   OPT_BOOL,   F(validate),            "true",      26, "validate", HASH_ALWAYS, .help = "Loss on the evaluation (held-out) windows after every iteration, in /loss/validation"},
  {"-fit_quiet",              "fit",   OPT_BOOL,   F(quiet),               "false",     0, NULL, HASH_NO, .help = "No monitor line per iteration"},
  {"-fit_target",             "fit",   OPT_ENUM,   F(mode),                "synthetic", 20, "target", HASH_ALWAYS, .help = "synthetic: regenerate targets from /truth every iteration; recorded: fit the file's spikes", .enums = TargetModes, GIVEN(mode_set)},
  {"-ckpt_file",              "ckpt",  OPT_STRING, F(ckpt_file),           "",          0, NULL, HASH_NO, .help = "Checkpoint file"},
  {"-ckpt_every",             "ckpt",  OPT_INT,    F(ckpt_every),          "0",         0, NULL, HASH_NO, .help = "Checkpoint every K iterations (0: only on signals and at the time budget)"},
  {"-ckpt_max_hours",         "ckpt",  OPT_REAL,   F(ckpt_max_hours),      "0",         0, NULL, HASH_NO, .help = "Checkpoint and stop (exit 75) after this many hours (0: no budget)"},
  {"-resume",                 "ckpt",  OPT_STRING, F(resume),              "",          0, NULL, HASH_NO, .help = "Continue from this checkpoint"},
  {"-fit_init_rates",         "fit",   OPT_BOOL,   F(init_rates),          "false",     42, "init_rates", HASH_SET, .help = "Each neuron starts at its recorded training rate (slif: beta, E_L; with W and the input near 0)"},
  {"-fit_init_latent",        "fit",   OPT_BOOL,   F(init_latent),         "false",     55, "init_latent", HASH_SET, .help = "The latent input's loadings start matched to the recording's co-modulation (the count covariance of the training windows; slif with -model_latent_tau, after -fit_init_rates)"},
  {"-fit_calibrate_rates",    "fit",   OPT_INT,    F(calibrate),           "0",         43, "calibrate_rates", HASH_SET, .help = "After the fit, K rounds of shifting each neuron's E_L so that its free-running rate over the fitting windows is its recorded rate (slif; 0: off)"},
  {"-fit_calibrate_best",     "fit",   OPT_BOOL,   F(calibrate_best),      "false",     53, "calibrate_best", HASH_SET, .help = "-fit_calibrate_rates also on the best-validated parameters (/params/best), which the held-out evaluation runs"},
  {"-fit_recipe",             "recipe", OPT_STRING, NOFIELD,               "default",   0, NULL, HASH_NO, .help = "default: options not given are chosen from a recording's data and printed; none: off"},
  {NULL,                      "recipe", OPT_STRING, F(recipe),             BY_OWNER,    44, "recipe", HASH_SET, .help = "the recipe's choices, also those (init ranges) the table does not list"},
  {"-par_expect_size",        "par",   OPT_INT,    F(expect_size),         "0",         0, NULL, HASH_NO, .help = "Fail unless the number of MPI ranks equals this (SLURM_NTASKS)"},
  /* the loss's section of -help */
  {"-loss",                   "loss",  OPT_ENUM,   F(lcfg.kind),           "frd",       8, "loss", HASH_ALWAYS, .help = "Loss function", .enums = LossKinds},
  {"-loss_vr_tau",            "loss",  OPT_REAL,   F(lcfg.vr_tau),         "20",        9, "vr_tau", HASH_ALWAYS, .help = "van Rossum time constant (ms)"},
  {"-loss_sm_bin_ms",         "loss",  OPT_REAL,   F(lcfg.sm_bin_ms),      "20",        48, "sm_bin_ms", HASH_SM, .help = "sm: PSTH bin (ms)"},
  {"-loss_sm_hidden_rate",    "loss",  OPT_REAL,   F(lcfg.sm_hidden_rate), "-1",        45, "sm_hidden_rate", HASH_SM_HIDDEN, .help = "sm: target rate of hidden neurons (Hz; -1: the recorded neurons' mean)"},
  {"-loss_sm_hidden_weight",  "loss",  OPT_REAL,   F(lcfg.sm_hidden_weight), "1",       46, "sm_hidden_weight", HASH_SM_HIDDEN, .help = "sm: weight of the hidden neurons' rate term (0: off)"},
  {"-loss_sm_pool",           "loss",  OPT_BOOL,   F(lcfg.sm_pool),        "false",     52, "sm_pool", HASH_SET, .help = "sm: stationary statistics (every bin of every window one sample: mean rates and lagged covariances) instead of the PSTH over the window's bins, for activity not locked to the window start"},
  {"-loss_sm_lags",           "loss",  OPT_INT,    F(lcfg.sm_lags),        "0",         49, "sm_lags", HASH_SM, .help = "sm: noise covariances at lags 0..L bins"},
  {"-loss_teacher_forcing",   "loss",  OPT_BOOL,   F(lcfg.teacher_forcing), "false",    40, "teacher_forcing", HASH_SET, .help = "bnll/pnll: drive the recorded neurons with the recorded spikes (the other terms run free)"},
  {"-loss_weights",           "loss",  OPT_STRING, F(loss_weights),        "",          47, "weights", HASH_SM, .help = "Weighted sum of terms, e.g. frd:0.5,bnll:1 (terms frd vrd bnll pnll sm); implies -loss weighted", .text = TextWeights, GIVEN(loss_weights_set)},
  /* parsed by their owners */
  {"-optim",                  "optim", OPT_ENUM,   F(ocfg.kind),           BY_OWNER,    10, "optim", HASH_ALWAYS, .help = NULL, .enums = OptimKinds},
  {"-optim_lr",               "optim", OPT_REAL,   F(ocfg.lr),             BY_OWNER,    11, "lr", HASH_ALWAYS, .help = NULL},
  {"-optim_beta1",            "optim", OPT_REAL,   F(ocfg.beta1),          BY_OWNER,    12, "beta1", HASH_ALWAYS, .help = NULL},
  {"-optim_beta2",            "optim", OPT_REAL,   F(ocfg.beta2),          BY_OWNER,    13, "beta2", HASH_ALWAYS, .help = NULL},
  {"-optim_eps",              "optim", OPT_REAL,   F(ocfg.eps),            BY_OWNER,    14, "eps", HASH_ALWAYS, .help = NULL},
  {"-optim_scaled",           "optim", OPT_BOOL,   F(ocfg.scaled),         BY_OWNER,    41, "optim_scaled", HASH_SET, .help = NULL},
  {"-data_units",             "data",  OPT_STRING, F(dopt.units),          BY_OWNER,    27, "data_units", HASH_ALWAYS, .help = NULL, .text = TextUnits},
  {"-data_time_unit",         "data",  OPT_STRING, F(dopt.time_unit),      BY_OWNER,    28, "data_time_unit", HASH_ALWAYS, .help = NULL},
  {"-data_sample_rate",       "data",  OPT_REAL,   F(dopt.sample_rate),    BY_OWNER,    29, "data_sample_rate", HASH_ALWAYS, .help = NULL},
  {"-data_t0",                "data",  OPT_REAL,   F(dopt.t0_ms),          BY_OWNER,    30, "data_t0", HASH_ALWAYS, .help = NULL},
  {"-data_t1",                "data",  OPT_REAL,   F(dopt.t1_ms),          BY_OWNER,    31, "data_t1", HASH_ALWAYS, .help = NULL},
  {"-data_holdout",           "data",  OPT_REAL,   F(dopt.holdout_ms),     BY_OWNER,    32, "data_holdout", HASH_ALWAYS, .help = NULL},
  {"-data_validation",        "data",  OPT_REAL,   F(dopt.validation_ms),  BY_OWNER,    51, "data_validation", HASH_HOLDOUT, .help = NULL},
  {"-data_intervals",         "data",  OPT_STRING, F(dopt.intervals),      BY_OWNER,    36, "data_intervals", HASH_SELECTION, .help = NULL},
  {"-data_labels",            "data",  OPT_STRING, F(dopt.labels),         BY_OWNER,    37, "data_labels", HASH_SELECTION, .help = NULL},
  {"-data_var",               "data",  OPT_STRING, F(dopt.var),            BY_OWNER,    38, "data_var", HASH_SELECTION, .help = NULL},
  {"-data_units_where",       "data",  OPT_STRING, F(dopt.units_where),    BY_OWNER,    39, "data_units_where", HASH_SELECTION, .help = NULL},
};
// clang-format on
#define NROWS ((int)(sizeof(Table) / sizeof(Table[0])))

static int EnumValue(const void *p)
{
  int v; /* every enum here (PetscEnum, TargetMode, LossKind, OptimKind) has the size of an int */
  memcpy(&v, p, sizeof(v));
  return v;
}

static PetscErrorCode SetDefault(const FitOptionSpec *r, FitOptions *o)
{
  char *p = (char *)o + r->off;

  PetscFunctionBeginUser;
  if (!r->def || !r->size) PetscFunctionReturn(0);
  switch (r->kind) {
  case OPT_STRING: PetscCall(PetscStrncpy(p, r->def, r->size)); break;
  case OPT_INT: *(PetscInt *)p = (PetscInt)strtoll(r->def, NULL, 10); break;
  case OPT_REAL: *(double *)p = strtod(r->def, NULL); break;
  case OPT_BOOL: *(PetscBool *)p = strcmp(r->def, "true") ? PETSC_FALSE : PETSC_TRUE; break;
  case OPT_ENUM: {
    int v = 0;
    while (r->enums[v] && strcmp(r->enums[v], r->def)) v++;
    PetscCheck(r->enums[v] && r->size == sizeof(int), PETSC_COMM_SELF, PETSC_ERR_PLIB, "%s: bad default %s", r->name,
               r->def);
    memcpy(p, &v, sizeof(v));
  } break;
  }
  PetscFunctionReturn(0);
}

/* One row through PETSc's options database (so -help and the unused-option check see it). */
static PetscErrorCode ParseRow(PetscOptionItems *PetscOptionsObject, const FitOptionSpec *r, FitOptions *o)
{
  char      scratch[PETSC_MAX_PATH_LEN], *p = r->size ? (char *)o + r->off : scratch;
  PetscBool set = PETSC_FALSE;

  PetscFunctionBeginUser;
  if (!r->size) PetscCall(PetscStrncpy(scratch, r->def, sizeof(scratch)));
  switch (r->kind) {
  case OPT_STRING:
    PetscCall(PetscOptionsString(r->name, r->help, NULL, p, p, r->size ? r->size : sizeof(scratch), &set));
    break;
  case OPT_INT: PetscCall(PetscOptionsInt(r->name, r->help, NULL, *(PetscInt *)p, (PetscInt *)p, &set)); break;
  case OPT_REAL: PetscCall(PetscOptionsReal(r->name, r->help, NULL, *(double *)p, (double *)p, &set)); break;
  case OPT_BOOL: PetscCall(PetscOptionsBool(r->name, r->help, NULL, *(PetscBool *)p, (PetscBool *)p, &set)); break;
  case OPT_ENUM: {
    PetscEnum v = (PetscEnum)EnumValue(p);
    PetscCall(PetscOptionsEnum(r->name, r->help, NULL, r->enums, v, &v, &set));
    memcpy(p, &v, sizeof(int));
  } break;
  }
  if (r->given) *(PetscBool *)((char *)o + r->given) = set;
  PetscFunctionReturn(0);
}

static PetscErrorCode FitOptionsValidate(MPI_Comm comm, const FitOptions *o)
{
  PetscFunctionBeginUser;
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
  PetscCheck(o->step_split >= 1, comm, PETSC_ERR_ARG_OUTOFRANGE, "-fit_step_split must be >= 1, got %" PetscInt_FMT,
             o->step_split);
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
  PetscCheck(isfinite(o->mcfg.latent_tau) && (o->mcfg.latent_tau >= 0 || o->mcfg.latent_tau == -1), comm,
             PETSC_ERR_ARG_OUTOFRANGE,
             "-model_latent_tau must be >= 0 ms (0: no latent input) or -1 (from the data), got %g",
             o->mcfg.latent_tau);
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
  PetscFunctionReturn(0);
}

/* The rows of one -help section: the loss's, or (loss = PETSC_FALSE) all others the table parses. */
static PetscErrorCode ParseSection(MPI_Comm comm, const char *title, PetscBool loss, FitOptions *o)
{
  PetscFunctionBeginUser;
  PetscOptionsBegin(comm, NULL, title, NULL);
  for (int k = 0; k < NROWS; k++)
    if (Table[k].name && Table[k].def && (strcmp(Table[k].owner, "loss") ? !loss : loss))
      PetscCall(ParseRow(PetscOptionsObject, &Table[k], o));
  PetscOptionsEnd();
  PetscFunctionReturn(0);
}

PetscErrorCode FitOptionsProcess(MPI_Comm comm, FitOptions *o)
{
  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(o, sizeof(*o)));
  for (int k = 0; k < NROWS; k++) PetscCall(SetDefault(&Table[k], o));
  PetscCall(ParseSection(comm, "spikefit fit", PETSC_FALSE, o));
  { /* the selected model's own options (include/model.h) */
    const NeuronModel *model;
    PetscCall(ModelFind(o->model_name, &model));
    PetscCall(ModelConfigSetFromOptions(comm, model, &o->mcfg));
  }
  if (!o->windows_set) o->windows = -1; /* 10 for a synthetic target, every window of a recording */
  PetscCall(DataOptionsDefault(&o->dopt));
  PetscCall(DataOptionsProcess(comm, &o->dopt));
  o->mcfg.dt = o->dt;
  PetscCall(ParseSection(comm, "Loss options", PETSC_TRUE, o));
  o->lcfg.dt = o->dt;
  PetscCall(LossConfigFinish(&o->lcfg, o->loss_weights, o->loss_weights_set));
  PetscCall(OptimConfigFromOptions(&o->ocfg));

  if (AppHelpRequested()) PetscFunctionReturn(0);
  PetscCall(FitOptionsValidate(comm, o));
  if (!o->ckpt_file[0]) PetscCall(PetscSNPrintf(o->ckpt_file, sizeof(o->ckpt_file), "%s.ckpt", o->out));
  if (o->expect_size > 0) {
    int size = ParallelSize(comm);
    PetscCheck(size == o->expect_size, comm, PETSC_ERR_ARG_INCOMP,
               "running on %d MPI ranks but -par_expect_size is %" PetscInt_FMT " (SLURM_NTASKS): check srun/mpirun",
               size, o->expect_size);
  }
  PetscFunctionReturn(0);
}

static PetscBool HashWanted(const FitOptionSpec *r, const FitOptions *o)
{
  const char *p = (const char *)o + r->off;

  switch (r->when) {
  case HASH_NO: return PETSC_FALSE;
  case HASH_ALWAYS: return PETSC_TRUE;
  case HASH_SET:
    switch (r->kind) {
    case OPT_STRING: return p[0] ? PETSC_TRUE : PETSC_FALSE;
    case OPT_INT: return *(const PetscInt *)p ? PETSC_TRUE : PETSC_FALSE;
    case OPT_REAL: return *(const double *)p != 0 ? PETSC_TRUE : PETSC_FALSE;
    case OPT_BOOL: return *(const PetscBool *)p;
    case OPT_ENUM: return EnumValue(p) ? PETSC_TRUE : PETSC_FALSE;
    }
    return PETSC_FALSE;
  case HASH_ADAPTIVE: return o->lcfg.kind == LOSS_ADAPTIVE ? PETSC_TRUE : PETSC_FALSE;
  case HASH_NETWORK: return o->hidden || o->recorded ? PETSC_TRUE : PETSC_FALSE;
  case HASH_SELECTION:
    return o->dopt.intervals[0] || o->dopt.labels[0] || o->dopt.var[0] || o->dopt.units_where[0] ? PETSC_TRUE
                                                                                                 : PETSC_FALSE;
  case HASH_SM_HIDDEN: return o->hidden && LossUsesSM(&o->lcfg) ? PETSC_TRUE : PETSC_FALSE;
  case HASH_SM: return LossUsesSM(&o->lcfg) || o->lcfg.kind == LOSS_WEIGHTED ? PETSC_TRUE : PETSC_FALSE;
  case HASH_SPLIT: return o->step_split != 1 ? PETSC_TRUE : PETSC_FALSE;
  case HASH_HOLDOUT: return o->dopt.holdout_ms > 0 || o->dopt.validation_ms >= 0 ? PETSC_TRUE : PETSC_FALSE;
  }
  return PETSC_FALSE;
}

/* " key=value" of one row (no leading space for the first). */
static PetscErrorCode RowText(const FitOptionSpec *r, const FitOptions *o, PetscInt n, PetscBool first, char *buf,
                              size_t len)
{
  const char *p = (const char *)o + r->off;
  char        value[PETSC_MAX_PATH_LEN + 64];

  PetscFunctionBeginUser;
  if (r->text) PetscCall(r->text(o, n, value, sizeof(value)));
  else switch (r->kind) {
    case OPT_STRING: PetscCall(PetscStrncpy(value, p, sizeof(value))); break;
    case OPT_INT: PetscCall(PetscSNPrintf(value, sizeof(value), "%" PetscInt_FMT, *(const PetscInt *)p)); break;
    case OPT_REAL: PetscCall(PetscSNPrintf(value, sizeof(value), "%.17g", *(const double *)p)); break;
    case OPT_BOOL: PetscCall(PetscSNPrintf(value, sizeof(value), "%d", (int)*(const PetscBool *)p)); break;
    case OPT_ENUM: PetscCall(PetscStrncpy(value, r->enums[EnumValue(p)], sizeof(value))); break;
    }
  if (!first) PetscCall(PetscStrlcat(buf, " ", len));
  PetscCall(PetscStrlcat(buf, r->key, len));
  PetscCall(PetscStrlcat(buf, "=", len));
  PetscCall(PetscStrlcat(buf, value, len));
  PetscFunctionReturn(0);
}

/* the model's share of the canonical text follows the row at this position (-sim_precision) */
#define CANONICAL_MODEL_SHARE_AFTER 24

PetscErrorCode FitOptionsCanonical(const FitOptions *o, PetscInt n, char *buf, size_t len)
{
  PetscFunctionBeginUser;
  buf[0] = 0;
  /* in the table's frozen order: the text must not change, or old checkpoints stop resuming */
  for (int order = 1;; order++) {
    int row = -1;
    for (int k = 0; k < NROWS; k++)
      if (Table[k].order == order) {
        PetscCheck(row < 0, PETSC_COMM_SELF, PETSC_ERR_PLIB, "option table: two rows at canonical position %d", order);
        row = k;
      }
    if (row < 0) break;
    if (HashWanted(&Table[row], o)) PetscCall(RowText(&Table[row], o, n, order == 1, buf, len));
    if (order == CANONICAL_MODEL_SHARE_AFTER) { /* the model's own options (none before AdEx: hashes unchanged) */
      const NeuronModel *model;
      PetscCall(ModelFind(o->model_name, &model));
      PetscCall(ModelConfigCanonical(model, &o->mcfg, buf, len));
    }
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
