#include "sim.h"
#include "rng.h"
#include <cblas.h>
#include <math.h>

PetscErrorCode SimSetupInit(SimSetup *s, const NeuronModel *model, const ModelConfig *cfg, const ParamLayout *layout, PetscInt T)
{
  const ParamBlock *W = ParamLayoutBlock(layout, "W"), *rp = ParamLayoutBlock(layout, "r_p");

  PetscFunctionBeginUser;
  PetscCheck(W && rp, PETSC_COMM_SELF, PETSC_ERR_PLIB, "layout lacks W or r_p");
  PetscCheck(T > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "window length must be positive, got %" PetscInt_FMT, T);
  s->model  = model;
  s->cfg    = *cfg;
  s->layout = layout;
  s->n      = layout->n;
  s->T      = T;
  s->offW   = W->offset;
  s->offRp  = rp->offset;
  s->use_ref = PETSC_FALSE;
  PetscFunctionReturn(0);
}

PetscErrorCode SimWorkCreate(const SimSetup *s, SimWork **out)
{
  SimWork *w;
  PetscInt n = s->n, T = s->T, ns = s->model->nstate, na = s->model->naux;

  PetscFunctionBeginUser;
  PetscCall(PetscNew(&w));
  w->n = n; w->T = T; w->nstate = ns; w->naux = na;
  PetscCall(PetscMalloc1((T + 1) * ns * n, &w->state));
  PetscCall(PetscMalloc1(T * (na > 0 ? na : 1) * n, &w->aux));
  PetscCall(PetscMalloc6(T * n, &w->cur, T * n, &w->x, T * n, &w->y, T * n, &w->dy, T * n, &w->lamI, T * n, &w->scratch));
  PetscCall(PetscMalloc2(ns * n, &w->lam, ns * n, &w->lam_prev));
  *out = w;
  PetscFunctionReturn(0);
}

PetscErrorCode SimWorkDestroy(SimWork **w)
{
  PetscFunctionBeginUser;
  if (!w || !*w) PetscFunctionReturn(0);
  PetscCall(PetscFree((*w)->state));
  PetscCall(PetscFree((*w)->aux));
  PetscCall(PetscFree6((*w)->cur, (*w)->x, (*w)->y, (*w)->dy, (*w)->lamI, (*w)->scratch));
  PetscCall(PetscFree2((*w)->lam, (*w)->lam_prev));
  PetscCall(PetscFree(*w));
  PetscFunctionReturn(0);
}

void SimDrawInput(uint64_t seed, uint32_t stream, PetscInt window, PetscInt n, PetscInt T, double rate_hz, double dt, double *x)
{
  double mean = rate_hz * dt / 1000.0;
  for (PetscInt t = 0; t < T; t++)
    for (PetscInt j = 0; j < n; j++) x[t * n + j] = RngPoisson(seed, stream, (uint32_t)window, (uint32_t)j, (uint32_t)t, mean);
}

/* I = W^T s + gain * x, with W row-major [pre][post]. */
static void RecurrentInput(const SimSetup *s, const double *W, const double *syn, const double *x, double *cur)
{
  PetscInt n = s->n;
  double   gain = s->cfg.input_gain;
  for (PetscInt j = 0; j < n; j++) cur[j] = gain * x[j];
  if (s->use_ref) {
    for (PetscInt i = 0; i < n; i++) {
      double si = syn[i];
      if (si == 0.0) continue;
      for (PetscInt j = 0; j < n; j++) cur[j] += W[i * n + j] * si;
    }
  } else {
    cblas_dgemv(CblasRowMajor, CblasTrans, (int)n, (int)n, 1.0, W, (int)n, syn, 1, 1.0, cur, 1);
  }
}

void SimForward(const SimSetup *s, const double *theta, SimWork *w)
{
  const PetscInt     n = s->n, ns = s->model->nstate, na = s->model->naux;
  const double      *W = theta + s->offW;
  ModelCtx           ctx;

  ModelCtxSetup(&ctx, &s->cfg, s->layout, theta);
  s->model->init_state(&ctx, w->state);
  for (PetscInt t = 0; t < s->T; t++) {
    const double *prev = w->state + t * ns * n;
    double       *next = w->state + (t + 1) * ns * n;
    RecurrentInput(s, W, prev + s->model->syn * n, w->x + t * n, w->cur + t * n);
    s->model->step(&ctx, prev, w->cur + t * n, next, w->aux + t * na * n, w->y + t * n);
  }
}

void SimBackward(const SimSetup *s, const double *theta, SimWork *w, double *grad)
{
  const PetscInt n = s->n, ns = s->model->nstate, na = s->model->naux, T = s->T;
  const double  *W = theta + s->offW;
  double        *gW = grad + s->offW;
  double         sumI = 0;
  ModelCtx       ctx;

  ModelCtxSetup(&ctx, &s->cfg, s->layout, theta);
  PetscArrayzero(w->lam, ns * n);
  for (PetscInt t = T - 1; t >= 0; t--) {
    const double *prev = w->state + t * ns * n, *next = w->state + (t + 1) * ns * n;
    double       *lamI = w->lamI + t * n, *lsyn = w->lam_prev + s->model->syn * n;
    double       *tmp;

    s->model->step_adjoint(&ctx, prev, w->cur + t * n, next, w->aux + t * na * n, w->dy + t * n, w->lam, w->lam_prev, lamI, grad);
    /* the recurrent share: syn_prev[i] reaches I[j] through W[i][j] */
    if (s->use_ref) {
      for (PetscInt i = 0; i < n; i++) {
        double acc = 0;
        for (PetscInt j = 0; j < n; j++) acc += W[i * n + j] * lamI[j];
        lsyn[i] += acc;
      }
    } else {
      cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)n, (int)n, 1.0, W, (int)n, lamI, 1, 1.0, lsyn, 1);
    }
    for (PetscInt j = 0; j < n; j++) sumI += lamI[j];
    tmp = w->lam; w->lam = w->lam_prev; w->lam_prev = tmp;
  }
  s->model->init_adjoint(&ctx, w->lam, grad);

  /* dW[i][j] = sum_t syn_{t-1}[i] * lamI_t[j]: one product over the whole window */
  if (s->use_ref) {
    for (PetscInt t = 0; t < T; t++) {
      const double *syn = w->state + t * ns * n + s->model->syn * n, *lamI = w->lamI + t * n;
      for (PetscInt i = 0; i < n; i++) {
        if (syn[i] == 0.0) continue;
        for (PetscInt j = 0; j < n; j++) gW[i * n + j] += syn[i] * lamI[j];
      }
    }
  } else {
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)n, (int)n, (int)T, 1.0, w->state + s->model->syn * n, (int)(ns * n), w->lamI, (int)n, 1.0, gW, (int)n);
  }
  for (PetscInt i = 0; i < n; i++) gW[i * n + i] = 0.0; /* the diagonal is fixed */
  /* pathwise r_p gradient: x = r_p*dt/1000 + const, dI/dx = gain */
  grad[s->offRp] += sumI * s->cfg.input_gain * s->cfg.dt / 1000.0;
}

void SimHardSpikes(const SimSetup *s, const SimWork *w, double *z)
{
  const PetscInt n = s->n, na = s->model->naux;
  /* every model keeps its pre-reset potential as aux variable 0 */
  for (PetscInt t = 0; t < s->T; t++)
    for (PetscInt j = 0; j < n; j++) z[t * n + j] = w->aux[t * na * n + j] >= s->cfg.theta ? 1.0 : 0.0;
}
