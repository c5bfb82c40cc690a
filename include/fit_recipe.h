#ifndef SPIKEFIT_FIT_RECIPE_H
#define SPIKEFIT_FIT_RECIPE_H
/* The default recipe for fitting a recording: every option it controls that the user did not
 * set is chosen from the data (units, span, rates) and printed with its reason; and the
 * initial parameters that put each neuron at its recorded rate. No MPI here. */
#include "model.h"

typedef struct {
  PetscInt      n;          /* recorded units */
  double        span_ms;    /* observed time of the fitting span */
  double        holdout_ms; /* held-out span (0: none) */
  const double *rate_hz;    /* [n] rates over the fitting span */
} RecordingStats;

/* Mean, largest rate and the share of units below 1 Hz. */
void FitRecipeRateSummary(const RecordingStats *st, double *mean, double *max, double *sparse);

/* Applies the recipe: sets every recipe option that is not in the options database to its
 * chosen value there and prints one line per choice on comm; summary gets the choices as
 * "name=value ..." (hashed into checkpoints). */
PetscErrorCode FitRecipeChoose(MPI_Comm comm, const RecordingStats *st, char *summary, size_t len);

/* The iterations that fit the time budget for nm model neurons over span_ms of windows. */
PetscInt FitRecipeIterations(PetscInt nm, double span_ms);

/* Initial parameters of a model with escape noise (blocks E_L and beta): with W = 0 and no
 * input, neuron j rests at E_L and spikes with probability sig(beta (E_L - theta)) per step;
 * beta_j (then E_L_j when beta reaches a bound) is set so that this is its rate: rate_hz[j]
 * for j < nrec, hidden_hz for the others. Rates are floored at floor_hz. Fails for a model
 * without those blocks. */
PetscErrorCode FitRecipeInitRates(const ParamLayout *l, const ModelConfig *cfg, PetscInt nrec, const double *rate_hz,
                                  double hidden_hz, double floor_hz, double *theta);
#endif
