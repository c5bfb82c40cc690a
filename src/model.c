#include "model.h"
#include "model_util.h"

/* ModelRegistry and ModelRegistrySize come from BUILD/generated/model_registry.c (CMake). */

PetscErrorCode ModelFind(const char *name, const NeuronModel **model)
{
  char list[256];

  PetscFunctionBeginUser;
  for (PetscInt k = 0; k < ModelRegistrySize; k++) {
    PetscBool eq;
    PetscCall(PetscStrcmp(ModelRegistry[k]->name, name, &eq));
    if (eq) {
      *model = ModelRegistry[k];
      PetscFunctionReturn(0);
    }
  }
  PetscCall(ModelList(list, sizeof(list)));
  SETERRQ(PETSC_COMM_SELF, PETSC_ERR_ARG_UNKNOWN_TYPE, "unknown model '%s' (-model): known models are %s", name, list);
}

PetscErrorCode ModelList(char *buf, size_t len)
{
  PetscFunctionBeginUser;
  buf[0] = 0;
  for (PetscInt k = 0; k < ModelRegistrySize; k++) {
    if (k) PetscCall(PetscStrlcat(buf, ", ", len));
    PetscCall(PetscStrlcat(buf, ModelRegistry[k]->name, len));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode ModelConfigSetFromOptions(MPI_Comm comm, const NeuronModel *model, ModelConfig *cfg)
{
  char title[64];

  PetscFunctionBeginUser;
  PetscCheck(model->noptions <= MODEL_MAX_OPTIONS, PETSC_COMM_SELF, PETSC_ERR_PLIB,
             "model %s declares %" PetscInt_FMT " options, at most %d fit in ModelConfig", model->name,
             model->noptions, MODEL_MAX_OPTIONS);
  if (model->noptions == 0) PetscFunctionReturn(0);
  PetscCall(PetscSNPrintf(title, sizeof(title), "Options of the model %s", model->name));
  PetscOptionsBegin(comm, NULL, title, NULL);
  for (PetscInt k = 0; k < model->noptions; k++) {
    char opt[64];
    PetscCall(PetscSNPrintf(opt, sizeof(opt), "-%s", model->options[k].name));
    PetscCall(PetscOptionsReal(opt, model->options[k].help, NULL, cfg->opt[k], &cfg->opt[k], NULL));
  }
  PetscOptionsEnd();
  for (PetscInt k = 0; k < model->noptions; k++)
    PetscCheck(isfinite(cfg->opt[k]), comm, PETSC_ERR_ARG_OUTOFRANGE, "-%s must be finite, got %g",
               model->options[k].name, cfg->opt[k]);
  PetscFunctionReturn(0);
}

PetscErrorCode ModelConfigCanonical(const NeuronModel *model, const ModelConfig *cfg, char *buf, size_t len)
{
  PetscFunctionBeginUser;
  for (PetscInt k = 0; k < model->noptions; k++) {
    char item[96];
    PetscCall(PetscSNPrintf(item, sizeof(item), " %s=%.17g", model->options[k].name, cfg->opt[k]));
    PetscCall(PetscStrlcat(buf, item, len));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode ModelLayoutCreate(const NeuronModel *model, const ModelConfig *cfg, PetscInt n, const PetscInt *exc,
                                 ParamLayout **out)
{
  ParamLayout      *l;
  const ParamBlock *W;

  PetscFunctionBeginUser;
  PetscCall(ParamLayoutCreate(n, &l));
  if (exc) PetscCall(PetscArraycpy(l->exc, exc, n));
  PetscCheck(
      !cfg->dale || exc, PETSC_COMM_WORLD, PETSC_ERR_ARG_INCOMP,
      "-fit_dale true needs the neuron types (excitatory/inhibitory), which this data does not give; use -fit_dale false");
  PetscCall(ParamLayoutAddSpecs(l, model->blocks, model->nblocks));
  PetscCall(ParamLayoutAddBlock(l, "W", n, n, -1, 1, 0.1, 0.5));
  W = ParamLayoutBlock(l, "W");
  /* the paper's ranges are for 12 neurons; larger networks start with weights scaled by 12/n
   * (as the ground truth is), so the total recurrent input stays comparable */
  double scale = n > 12 ? 12.0 / (double)n : 1.0;
  for (PetscInt i = 0; i < n; i++) {
    for (PetscInt j = 0; j < n; j++) {
      PetscInt k = W->offset + i * n + j;
      if (i == j) {
        l->lo[k] = l->hi[k] = l->init_lo[k] = l->init_hi[k] = 0;
      } else if (exc && exc[i] == 0) { /* inhibitory row */
        l->init_lo[k] = -0.5 * scale;
        l->init_hi[k] = -0.1 * scale;
        if (cfg->dale) {
          l->lo[k] = -1;
          l->hi[k] = 0;
        }
      } else if (exc && exc[i] == 1) {
        l->init_lo[k] = 0.1 * scale;
        l->init_hi[k] = 0.5 * scale;
        if (cfg->dale) {
          l->lo[k] = 0;
          l->hi[k] = 1;
        }
      } else { /* unknown type: free sign, symmetric start */
        l->init_lo[k] = -0.5 * scale;
        l->init_hi[k] = 0.5 * scale;
      }
    }
  }
  PetscCall(ParamLayoutAddBlock(l, "r_p", 1, 1, 0, 100, 10, 10));
  /* loadings of the shared latent input: R_I * 0.2 is about 27 mV per standard deviation, the
   * start a small positive co-modulation (the sign of l is arbitrary) */
  if (cfg->latent_tau != 0) PetscCall(ParamLayoutAddBlock(l, "lat", n, 1, -0.2, 0.2, 0.002, 0.01));
  *out = l;
  PetscFunctionReturn(0);
}

void ModelCtxSetup(ModelCtx *ctx, const ModelConfig *cfg, const ParamLayout *layout, const double *theta)
{
  ctx->cfg    = cfg;
  ctx->layout = layout;
  ctx->theta  = theta;
  ctx->n      = layout->n;
  ctx->force  = NULL;
  ctx->nforce = 0;
  ctx->pre    = NULL;
  for (PetscInt b = 0; b < layout->nblocks; b++) ctx->off[b] = layout->blocks[b].offset;
}

void ModelPrepare(const NeuronModel *model, ModelCtx *ctx, double *buf)
{
  if (model->npre > 0) model->prepare(ctx, buf);
  ctx->pre = buf;
}

void ModelRestStateEL(const ModelCtx *c, double *s)
{
  const double *E = c->theta + c->off[0];
  for (PetscInt j = 0; j < c->n; j++) {
    s[j]        = E[j];
    s[c->n + j] = 0;
  }
}

void ModelRestAdjointEL(const ModelCtx *c, const double *lam, double *grad)
{
  for (PetscInt j = 0; j < c->n; j++) grad[c->off[0] + j] += lam[j];
}
