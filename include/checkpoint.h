#ifndef SPIKEFIT_CHECKPOINT_H
#define SPIKEFIT_CHECKPOINT_H
/* Checkpoints of a fit (docs/FORMAT.md): written atomically, read back on -resume. */
#include "fit_impl.h"

PetscErrorCode FitCheckpointWrite(Fit *f);
PetscErrorCode FitCheckpointRead(Fit *f, const char *path);
#endif
