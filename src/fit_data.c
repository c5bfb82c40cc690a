/* What a fit needs from its data file: the network size, neuron types, and either the
 * ground truth (synthetic targets) or the binned recorded windows. */
#include "fit_impl.h"
#include "h5io.h"
#include <math.h>

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
  PetscCall(H5InShape(file, o->data, "/truth/E_L", &rank, dims));
  PetscCheck(rank == 1 && dims[0] > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: /truth/E_L must be a non-empty vector", o->data);
  d->n = (PetscInt)dims[0];
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
  PetscCall(ParamLayoutDestroy(&layout));
  PetscCall(H5InClose(&file, o->data));
  PetscFunctionReturn(0);
}

PetscErrorCode FitDataLoad(FitOptions *o, Parallel *par, FitData **out)
{
  FitData *d;

  PetscFunctionBeginUser;
  PetscCall(PetscNew(&d));
  if (o->mode == TARGET_SYNTHETIC) {
    hid_t     file;
    PetscBool has;
    PetscCall(H5InOpen(o->data, &file));
    PetscCall(H5InExists(file, "/truth", &has));
    PetscCall(H5InClose(&file, o->data));
    PetscCheck(has, par->world, PETSC_ERR_ARG_INCOMP, "%s has no ground truth (/truth): fit a recording with -fit_target recorded", o->data);
    PetscCall(LoadTruth(o, d));
  } else {
    SETERRQ(par->world, PETSC_ERR_SUP, "recorded targets: not yet");
  }
  *out = d;
  PetscFunctionReturn(0);
}

PetscErrorCode FitDataDestroy(FitData **d)
{
  PetscFunctionBeginUser;
  if (!d || !*d) PetscFunctionReturn(0);
  PetscCall(PetscFree((*d)->exc));
  PetscCall(PetscFree((*d)->truth));
  PetscCall(PetscFree((*d)->targets));
  PetscCall(PetscFree(*d));
  PetscFunctionReturn(0);
}
