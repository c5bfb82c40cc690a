#ifndef SPIKEFIT_SIM_H
#define SPIKEFIT_SIM_H
/* The simulator: one window of T steps forward with a tape, and the exact backward pass
 * (backpropagation through time). The recurrent products use OpenBLAS; the *_ref kernels
 * are the plain loops the fast ones are tested against. */
#include "model.h"
#include <stdint.h>

typedef struct {
  const NeuronModel *model;
  ModelConfig        cfg;
  const ParamLayout *layout;
  PetscInt           n, T;
  PetscInt           offW, offRp; /* offsets of the W block and the r_p scalar */
  PetscBool          use_ref;     /* plain loops instead of BLAS */
} SimSetup;

/* Per-window workspace and tape; one per thread. */
typedef struct {
  PetscInt n, T, nstate, naux;
  double  *state; /* [T+1][nstate][n] */
  double  *aux;   /* [T][naux][n] */
  double  *cur;    /* [T][n] total input */
  double  *x;     /* [T][n] Poisson counts as drawn */
  double  *y;     /* [T][n] model output */
  double  *dy;    /* [T][n] dLoss/dy */
  double  *lamI;  /* [T][n] dLoss/dI */
  double  *lam, *lam_prev; /* [nstate][n] */
  double  *scratch; /* [T][n] for losses */
} SimWork;

PetscErrorCode SimSetupInit(SimSetup *s, const NeuronModel *model, const ModelConfig *cfg, const ParamLayout *layout, PetscInt T);
PetscErrorCode SimWorkCreate(const SimSetup *s, SimWork **w);
PetscErrorCode SimWorkDestroy(SimWork **w);

/* Draws x[t][j] ~ Poisson(rate_hz*dt/1000) from the uniform keyed by (seed, stream, window, j, t). */
void SimDrawInput(uint64_t seed, uint32_t stream, PetscInt window, PetscInt n, PetscInt T, double rate_hz, double dt, double *x);
/* Runs the window with input w->x; fills the tape and w->y. */
void SimForward(const SimSetup *s, const double *theta, SimWork *w);
/* Given w->dy, accumulates dLoss/dtheta of this window into grad (zeroed by the caller). */
void SimBackward(const SimSetup *s, const double *theta, SimWork *w, double *grad);
/* Hard spikes z[t][j] of the last forward run (from the tape). */
void SimHardSpikes(const SimSetup *s, const SimWork *w, double *z);
#endif
