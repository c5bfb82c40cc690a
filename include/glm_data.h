#ifndef SPIKEFIT_GLM_DATA_H
#define SPIKEFIT_GLM_DATA_H
/* What `spikefit glm RUN.h5` fits and evaluates on, found from the results file of a fit:
 * - a recording fitted with -data_holdout: trained on the fitting span of the recording (the
 *   fit's own -data_* options, read back from /options), evaluated on the held-out intervals
 *   (/eval/span_ms when the run has it, else the holdout span of those options);
 * - a recording without holdout: trained on the fitting span, evaluated on /eval/target
 *   (training windows: not held out, and said so);
 * - a synthetic ground truth: trained on the data file's spikes (the generator's run of the
 *   truth, noise independent of the evaluation's), evaluated on /eval/target (fresh windows);
 * - -glm_data FILE: trained on all of FILE, evaluated as above.
 * Reads files only (HDF5 through h5io / io_spikes); no MPI. */
#include "glm_batch.h"
#include "io_spikes.h"

typedef struct {
  char        run[PETSC_MAX_PATH_LEN];
  char        data[PETSC_MAX_PATH_LEN]; /* the training file (resolved) */
  char        target[16];               /* "recorded" or "synthetic" */
  char        train_desc[PETSC_MAX_PATH_LEN + 128], eval_desc[256];
  PetscInt    n; /* recorded neurons: those of /eval/target */
  double      dt;
  DataOptions dopt;         /* the fit's -data_* options (recordings) */
  PetscBool   heldout;      /* the evaluation is held-out data */
  GlmSpikes  *train, *eval; /* training spikes; recorded spikes on the evaluation segments */
} GlmData;

/* glm_data: -glm_data FILE or "" (then the run's own data). */
PetscErrorCode GlmDataLoad(const char *run, const char *glm_data, GlmData *d);
PetscErrorCode GlmDataFree(GlmData *d);
#endif
