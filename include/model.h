#ifndef SPIKEFIT_MODEL_H
#define SPIKEFIT_MODEL_H
/* One neuron model behind one interface. The simulator owns time, the recurrent input
 * I = W^T s_prev + gain * x and the tape; a model owns its per-neuron state update and its
 * exact adjoint, its parameter blocks and its own options.
 *
 * Plug-in convention: a model is ONE file src/model_<name>.c that defines
 *
 *   const NeuronModel model_<name> = {.name = "<name>", ...};
 *
 * and nothing else needs an edit. CMake globs src/model_*.c and generates the registry
 * (BUILD/generated/model_registry.c, the table ModelRegistry below), compiles every model
 * file with the kernels' flags, and the unit tests loop over ModelRegistry. <name> must be
 * the file's suffix (a descriptor named otherwise fails to link). */
#include "params.h"
#include <stdint.h>

#define MODEL_MAX_OPTIONS 4

/* A model's own option, read as -<name> (a real number) when that model is selected. Its
 * default must be 0: programs and tests that fill a ModelConfig by hand leave opt[] zero,
 * which must mean "the defaults". */
typedef struct {
  const char *name; /* without the dash; prefixed by the model's name, e.g. "adex_reset_offset" */
  const char *help;
} ModelOption;

typedef struct {
  double    theta;          /* firing threshold (mV) */
  double    input_gain;     /* gain of the Poisson input */
  double    dt;             /* ms per step */
  PetscBool hard_output;    /* y = z instead of the soft spike */
  PetscBool dale;           /* row signs follow the neuron types */
  PetscBool output_current; /* y = I, the total synaptic input (continuous targets); any model */
  PetscBool z_constant;     /* slif: no straight-through term, z held constant in the gradient too
                          * (the exact adjoint that finite differences check) */
  double opt[MODEL_MAX_OPTIONS]; /* the selected model's own options (NeuronModel.options), 0 = default */
  /* a shared latent input (any model): I_j += lat_j * l(t), l an Ornstein-Uhlenbeck process of
   * unit variance and this time constant (ms), drawn per window from the spike-noise key;
   * 0: none (no "lat" block); -1: from the data (the fit resolves it before simulating) */
  double latent_tau;
} ModelConfig;

typedef struct {
  const ModelConfig *cfg;
  const ParamLayout *layout;
  const double      *theta; /* flat parameters */
  PetscInt           n;
  /* block offsets resolved once, so kernels index theta directly */
  PetscInt off[PARAMS_MAX_BLOCKS];
  /* set by the simulator: the key of stochastic models' draws (seed, stream, window, step) */
  uint64_t seed;
  uint32_t stream;
  PetscInt window, step;
  /* teacher forcing, set by the simulator per step: neurons j < nforce spike when
   * force[j] > 0.5 (the recorded spike), whatever their own potential says; the reset, the
   * synaptic output and every spike-triggered jump follow the forced spike. The output y
   * (the spike probability) and the hard spike kept on the tape stay the model's own.
   * NULL: every neuron runs free. */
  const double *force;
  PetscInt      nforce;
  /* per-neuron values the model derives from theta once per pass (reciprocals of time
   * constants), [npre][n]; set by ModelPrepare */
  const double *pre;
} ModelCtx;

typedef struct NeuronModel {
  const char *name;
  PetscInt    nstate; /* state variables per neuron, stored [nstate][n] */
  PetscInt    naux;   /* per-step values kept on the tape for the adjoint, [naux][n] */
  PetscInt    syn;    /* the state variable that W carries to other neurons */
  PetscInt    npre;   /* per-neuron values of prepare, [npre][n] (0: none) */
  /* The model's per-neuron blocks in layout order (W and r_p are appended by
   * ModelLayoutCreate); LIF-family blocks take their bounds from params.h (PARAM_SPEC_*). */
  const ParamSpec *blocks;
  PetscInt         nblocks;
  /* The model's own options (may be NULL): read by ModelConfigSetFromOptions into cfg->opt,
   * hashed by ModelConfigCanonical. */
  const ModelOption *options;
  PetscInt           noptions;
  /* Derives ctx->pre from theta (may be NULL when npre is 0). */
  void (*prepare)(const ModelCtx *, double *pre);
  void (*init_state)(const ModelCtx *, double *state);
  /* Adjoint of init_state: dL/dstate0 -> accumulate into grad. */
  void (*init_adjoint)(const ModelCtx *, const double *lam_state, double *grad);
  /* One step for all n neurons: prev state and total input I -> next state, aux, output y. */
  void (*step)(const ModelCtx *, const double *prev, const double *cur, double *next, double *aux, double *y);
  /* Exact adjoint of step (z held constant): given dL/dy and dL/dnext, sets dL/dprev and
   * dL/dI and accumulates parameter gradients into grad. The simulator adds W's share. */
  void (*step_adjoint)(const ModelCtx *, const double *prev, const double *cur, const double *next, const double *aux,
                       const double *dy, const double *lam_next, double *lam_prev, double *lam_I, double *grad);
} NeuronModel;

/* The registry generated by CMake from src/model_*.c: lif first, then by name; NULL-terminated. */
extern const NeuronModel *const ModelRegistry[];
extern const PetscInt           ModelRegistrySize;

PetscErrorCode ModelFind(const char *name, const NeuronModel **model);
PetscErrorCode ModelList(char *buf, size_t len);

/* Reads the model's own options (-<option name>, a section of -help of their own) into
 * cfg->opt; options of other models stay unread, so they are reported as unknown. */
PetscErrorCode ModelConfigSetFromOptions(MPI_Comm comm, const NeuronModel *model, ModelConfig *cfg);
/* Appends the model's share of the canonical options text: " <option>=<%.17g value>" per own
 * option; nothing for models without options, so their options hash is what it was before. */
PetscErrorCode ModelConfigCanonical(const NeuronModel *model, const ModelConfig *cfg, char *buf, size_t len);

/* Full layout: the model's blocks, then W (n x n, diagonal fixed at 0, signs by exc when
 * cfg->dale), r_p and, with cfg->latent_tau != 0, the latent input's loadings "lat" [n]. exc may be NULL (types unknown; Dale then not allowed). */
/* A ground truth's configuration: the fit's without a latent input (a truth never has one). */
static inline ModelConfig ModelConfigOfTruth(const ModelConfig *cfg)
{
  ModelConfig t = *cfg;
  t.latent_tau  = 0;
  return t;
}
PetscErrorCode ModelLayoutCreate(const NeuronModel *model, const ModelConfig *cfg, PetscInt n, const PetscInt *exc,
                                 ParamLayout **layout);
void           ModelCtxSetup(ModelCtx *ctx, const ModelConfig *cfg, const ParamLayout *layout, const double *theta);
/* Fills buf (model->npre * n values, may be NULL when npre is 0) and points ctx->pre at it:
 * after ModelCtxSetup, before the first step of a pass. */
void ModelPrepare(const NeuronModel *model, ModelCtx *ctx, double *buf);
#endif
