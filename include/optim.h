#ifndef SPIKEFIT_OPTIM_H
#define SPIKEFIT_OPTIM_H
/* Adam and SGD on PETSc Vecs (the parameter vector and the moments are distributed over
 * the group's ranks), each step followed by projection onto the bounds. The simulation gets
 * the whole parameter vector by a scatter to every rank. */
#include <petscvec.h>

typedef enum { OPTIM_ADAM, OPTIM_SGD } OptimKind;
extern const char *const OptimKinds[];

typedef struct {
  OptimKind kind;
  double    lr, beta1, beta2, eps;
  PetscBool scaled; /* -optim_scaled: steps in units of each parameter's bound range hi - lo */
} OptimConfig;

typedef struct {
  OptimConfig cfg;
  PetscInt    P;
  PetscInt    t;     /* steps taken */
  double      scale; /* factor on cfg.lr (1; halved by each rollback of a divergence) */
  Vec         theta, m, v, lo, hi, grad;
  Vec         all; /* sequential copy of theta on every rank */
  VecScatter  toall;
} Optim;

PetscErrorCode OptimConfigFromOptions(OptimConfig *cfg);
PetscErrorCode OptimCreate(MPI_Comm comm, const OptimConfig *cfg, PetscInt P, const double *theta0, const double *lo,
                           const double *hi, Optim **out);
PetscErrorCode OptimDestroy(Optim **opt);
/* One step with the full gradient (identical on every rank); then projection. */
PetscErrorCode OptimStep(Optim *opt, const double *grad);
/* Copies the whole parameter vector into theta (every rank). */
PetscErrorCode OptimGetTheta(Optim *opt, double *theta);
/* Whole moment vectors (every rank), for checkpoints; and back. */
PetscErrorCode OptimGetMoments(Optim *opt, double *m, double *v);
PetscErrorCode OptimSetState(Optim *opt, PetscInt t, const double *theta, const double *m, const double *v);
#endif
