#include "optim.h"
#include <math.h>

const char *const OptimKinds[] = {"adam", "sgd", "OptimKind", "OPTIM_", NULL};

PetscErrorCode OptimConfigFromOptions(OptimConfig *cfg)
{
  PetscEnum kind = (PetscEnum)OPTIM_ADAM;
  PetscBool set;

  PetscFunctionBeginUser;
  cfg->beta1 = 0.9;
  cfg->beta2 = 0.999;
  cfg->eps   = 1e-8;
  PetscOptionsBegin(PETSC_COMM_WORLD, NULL, "Optimiser options", NULL);
  PetscCall(PetscOptionsEnum("-optim", "Optimiser", NULL, OptimKinds, kind, &kind, NULL));
  cfg->kind = (OptimKind)kind;
  cfg->lr   = cfg->kind == OPTIM_ADAM ? 0.05 : 0.01;
  PetscCall(PetscOptionsReal("-optim_lr", "Learning rate", NULL, cfg->lr, &cfg->lr, &set));
  PetscCall(PetscOptionsReal("-optim_beta1", "Adam beta1", NULL, cfg->beta1, &cfg->beta1, NULL));
  PetscCall(PetscOptionsReal("-optim_beta2", "Adam beta2", NULL, cfg->beta2, &cfg->beta2, NULL));
  PetscCall(PetscOptionsReal("-optim_eps", "Adam epsilon", NULL, cfg->eps, &cfg->eps, NULL));
  cfg->scaled = PETSC_FALSE;
  PetscCall(PetscOptionsBool(
      "-optim_scaled", "Optimise theta/(hi - lo): one learning rate moves every block by the same share of its bounds",
      NULL, cfg->scaled, &cfg->scaled, NULL));
  PetscOptionsEnd();
  PetscCheck(isfinite(cfg->lr) && cfg->lr > 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
             "-optim_lr must be a positive number, got %g", cfg->lr);
  PetscCheck(isfinite(cfg->beta1) && cfg->beta1 >= 0 && cfg->beta1 < 1, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
             "-optim_beta1 must be in [0,1), got %g", cfg->beta1);
  PetscCheck(isfinite(cfg->beta2) && cfg->beta2 >= 0 && cfg->beta2 < 1, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
             "-optim_beta2 must be in [0,1), got %g", cfg->beta2);
  PetscCheck(isfinite(cfg->eps) && cfg->eps > 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
             "-optim_eps must be positive, got %g", cfg->eps);
  PetscFunctionReturn(0);
}

/* Sets the rank's owned part of v from a whole array. */
static PetscErrorCode VecSetOwned(Vec v, const double *whole)
{
  PetscInt     lo, hi;
  PetscScalar *a;
  PetscFunctionBeginUser;
  PetscCall(VecGetOwnershipRange(v, &lo, &hi));
  PetscCall(VecGetArray(v, &a));
  for (PetscInt k = lo; k < hi; k++) a[k - lo] = whole[k];
  PetscCall(VecRestoreArray(v, &a));
  PetscFunctionReturn(0);
}

static PetscErrorCode GatherAll(Optim *o, Vec v, double *whole)
{
  const PetscScalar *a;
  PetscFunctionBeginUser;
  PetscCall(VecScatterBegin(o->toall, v, o->all, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecScatterEnd(o->toall, v, o->all, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecGetArrayRead(o->all, &a));
  PetscCall(PetscArraycpy(whole, a, o->P));
  PetscCall(VecRestoreArrayRead(o->all, &a));
  PetscFunctionReturn(0);
}

PetscErrorCode OptimCreate(MPI_Comm comm, const OptimConfig *cfg, PetscInt P, const double *theta0, const double *lo,
                           const double *hi, Optim **out)
{
  Optim *o;

  PetscFunctionBeginUser;
  PetscCall(PetscNew(&o));
  o->cfg   = *cfg;
  o->P     = P;
  o->scale = 1.0;
  PetscCall(VecCreateMPI(comm, PETSC_DECIDE, P, &o->theta));
  PetscCall(VecDuplicate(o->theta, &o->m));
  PetscCall(VecDuplicate(o->theta, &o->v));
  PetscCall(VecDuplicate(o->theta, &o->lo));
  PetscCall(VecDuplicate(o->theta, &o->hi));
  PetscCall(VecDuplicate(o->theta, &o->grad));
  PetscCall(VecSet(o->m, 0));
  PetscCall(VecSet(o->v, 0));
  PetscCall(VecSetOwned(o->theta, theta0));
  PetscCall(VecSetOwned(o->lo, lo));
  PetscCall(VecSetOwned(o->hi, hi));
  PetscCall(VecScatterCreateToAll(o->theta, &o->toall, &o->all));
  *out = o;
  PetscFunctionReturn(0);
}

PetscErrorCode OptimDestroy(Optim **o)
{
  PetscFunctionBeginUser;
  if (!o || !*o) PetscFunctionReturn(0);
  PetscCall(VecDestroy(&(*o)->theta));
  PetscCall(VecDestroy(&(*o)->m));
  PetscCall(VecDestroy(&(*o)->v));
  PetscCall(VecDestroy(&(*o)->lo));
  PetscCall(VecDestroy(&(*o)->hi));
  PetscCall(VecDestroy(&(*o)->grad));
  PetscCall(VecDestroy(&(*o)->all));
  PetscCall(VecScatterDestroy(&(*o)->toall));
  PetscCall(PetscFree(*o));
  PetscFunctionReturn(0);
}

PetscErrorCode OptimStep(Optim *o, const double *grad)
{
  PetscInt           lo, hi, n;
  PetscScalar       *x, *m, *v;
  const PetscScalar *g, *l, *h;
  const OptimConfig *c  = &o->cfg;
  const double       lr = c->lr * o->scale; /* (exactly cfg.lr at scale 1) */

  PetscFunctionBeginUser;
  PetscCall(VecSetOwned(o->grad, grad));
  o->t++;
  PetscCall(VecGetOwnershipRange(o->theta, &lo, &hi));
  n = hi - lo;
  PetscCall(VecGetArray(o->theta, &x));
  PetscCall(VecGetArray(o->m, &m));
  PetscCall(VecGetArray(o->v, &v));
  PetscCall(VecGetArrayRead(o->grad, &g));
  PetscCall(VecGetArrayRead(o->lo, &l));
  PetscCall(VecGetArrayRead(o->hi, &h));
  if (c->kind == OPTIM_ADAM) {
    double bc1 = 1.0 - pow(c->beta1, (double)o->t), bc2 = 1.0 - pow(c->beta2, (double)o->t);
    for (PetscInt k = 0; k < n; k++) {
      /* scaled: the step of Adam on theta/s, s = hi - lo, whose gradient is s g; the moments
       * are those of s g (fixed entries, s = 0, do not move) */
      double s = c->scaled ? h[k] - l[k] : 1.0, gs = s * g[k];
      m[k] = c->beta1 * m[k] + (1.0 - c->beta1) * gs;
      v[k] = c->beta2 * v[k] + (1.0 - c->beta2) * gs * gs;
      x[k] -= s * (lr * (m[k] / bc1) / (sqrt(v[k] / bc2) + c->eps));
    }
  } else {
    for (PetscInt k = 0; k < n; k++) {
      double s = c->scaled ? h[k] - l[k] : 1.0;
      x[k] -= s * (lr * (s * g[k]));
    }
  }
  for (PetscInt k = 0; k < n; k++) x[k] = PetscMin(PetscMax(x[k], l[k]), h[k]);
  PetscCall(VecRestoreArrayRead(o->hi, &h));
  PetscCall(VecRestoreArrayRead(o->lo, &l));
  PetscCall(VecRestoreArrayRead(o->grad, &g));
  PetscCall(VecRestoreArray(o->v, &v));
  PetscCall(VecRestoreArray(o->m, &m));
  PetscCall(VecRestoreArray(o->theta, &x));
  PetscFunctionReturn(0);
}

PetscErrorCode OptimGetTheta(Optim *o, double *theta) { return GatherAll(o, o->theta, theta); }

PetscErrorCode OptimGetMoments(Optim *o, double *m, double *v)
{
  PetscFunctionBeginUser;
  PetscCall(GatherAll(o, o->m, m));
  PetscCall(GatherAll(o, o->v, v));
  PetscFunctionReturn(0);
}

PetscErrorCode OptimSetState(Optim *o, PetscInt t, const double *theta, const double *m, const double *v)
{
  PetscFunctionBeginUser;
  o->t = t;
  PetscCall(VecSetOwned(o->theta, theta));
  PetscCall(VecSetOwned(o->m, m));
  PetscCall(VecSetOwned(o->v, v));
  PetscFunctionReturn(0);
}
