#ifndef SPIKEFIT_CHECKPOINT_H
#define SPIKEFIT_CHECKPOINT_H
/* Checkpoints of a fit (docs/FORMAT.md): written atomically, read back on -resume. */
#include "fit_impl.h"

/* f->cfg.canonical and f->cfg.hash: the options (FitOptionsCanonical), the bounds and initial ranges
 * in use, the restart and the hash of the data loaded; a checkpoint resumes only the same. */
PetscErrorCode FitCheckpointIdentity(Fit *f);
/* Writes -ckpt_file, keeping the previous one as CKPT.prev (H5OutCommit). */
PetscErrorCode FitCheckpointWrite(Fit *f);
/* Reads path, or path.prev when path is missing or damaged (checksums, structure); refuses a
 * checkpoint of another problem. */
PetscErrorCode FitCheckpointRead(Fit *f, const char *path);
#endif
