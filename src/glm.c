/* The Poisson GLM baseline: raised-cosine basis, design matrix, penalised likelihood with its
 * gradient and Hessian, per-neuron maximum-likelihood fits with PETSc TAO, and simulation.
 * See include/glm.h and docs/ANALYSIS.md ("GLM baseline"). */
#include "glm.h"
#include "parallel.h"
#include "glm_batch.h"
#include <cblas.h>
#include <math.h>
#include <petsctao.h>
#include <string.h>

#define GLM_CHUNK 256 /* rows of X scaled at once for the Hessian's syrk */

/* The intensity exp(eta) and its first two derivatives, continued as the second-order Taylor
 * polynomial of exp beyond GLM_ETA_MAX (lambda = e^40 ~ 2e17 expected spikes per bin, never
 * near an optimum). The objective stays finite, smooth (C2) and convex where a quasi-Newton
 * trial step would overflow exp, so the line search can backtrack. */
static inline void GlmIntensity(double eta, double *l0, double *l1, double *l2)
{
  if (eta <= GLM_ETA_MAX) {
    *l0 = *l1 = *l2 = exp(eta);
  } else {
    const double e = exp(GLM_ETA_MAX), d = eta - GLM_ETA_MAX;
    *l0 = e * (1 + d + 0.5 * d * d);
    *l1 = e * (1 + d);
    *l2 = e;
  }
}

void GlmBasisOptionsDefault(GlmBasisOptions *opt)
{
  opt->nbasis     = 5;
  opt->history_ms = 100.0;
  opt->stretch_ms = 2.0;
}

void GlmFitOptionsDefault(GlmFitOptions *opt)
{
  opt->l2 = 1.0;
  strcpy(opt->tao_type, TAONLS);
  opt->prefix = NULL;
}

PetscErrorCode GlmBasisCreate(const GlmBasisOptions *opt, double dt, PetscInt *nlags, double **basis)
{
  PetscInt K = opt->nbasis, L;
  double   c = opt->stretch_ms, y1, D, *B;

  PetscFunctionBeginUser;
  PetscCheck(isfinite(dt) && dt > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "GLM basis: dt must be positive, got %g", dt);
  PetscCheck(K >= 1 && K <= 64, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "-glm_nbasis must be in [1, 64], got %" PetscInt_FMT, K);
  PetscCheck(isfinite(c) && c > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "-glm_stretch_ms must be positive, got %g", c);
  PetscCheck(isfinite(opt->history_ms) && opt->history_ms > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "-glm_history_ms must be positive, got %g", opt->history_ms);
  L = (PetscInt)floor(opt->history_ms / dt + 0.5);
  PetscCheck(L >= 2 && L <= 100000, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "-glm_history_ms %g at dt %g ms gives %" PetscInt_FMT " lags; need 2 .. 100000", opt->history_ms, dt, L);
  y1 = log(dt + c);
  D  = (log(L * dt + c) - y1) / (K + 1);
  PetscCall(PetscMalloc1(K * L, &B));
  for (PetscInt k = 0; k < K; k++) {
    double yk = y1 + k * D;
    for (PetscInt l = 1; l <= L; l++) {
      double a         = (log(l * dt + c) - yk) * M_PI / (2 * D);
      a                = PetscMax(-M_PI, PetscMin(M_PI, a));
      B[k * L + l - 1] = 0.5 * (1 + cos(a));
    }
  }
  *nlags = L;
  *basis = B;
  PetscFunctionReturn(0);
}

PetscErrorCode GlmDesignCreate(PetscInt n, PetscInt nwin, PetscInt wsteps, const double *s, PetscInt nbasis,
                               PetscInt nlags, const double *basis, double **Xout)
{
  PetscInt T = nwin * wsteps, P = 1 + n * nbasis;
  double  *X;

  PetscFunctionBeginUser;
  PetscCheck(n > 0 && nwin > 0 && wsteps > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "GLM design: empty data (%" PetscInt_FMT " neurons, %" PetscInt_FMT " windows of %" PetscInt_FMT " steps)",
             n, nwin, wsteps);
  PetscCall(PetscCalloc1((size_t)T * P, &X));
  for (PetscInt t = 0; t < T; t++) X[(size_t)t * P] = 1.0;
  /* every spike of j at step u adds B_k[l] to row u + l (same window) */
  for (PetscInt w = 0; w < nwin; w++)
    for (PetscInt u = 0; u < wsteps; u++)
      for (PetscInt j = 0; j < n; j++) {
        const double sp = s[(size_t)(w * wsteps + u) * n + j];
        if (sp == 0) continue;
        PetscCheck(sp == 1, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
                   "GLM design: spike array entry (step %" PetscInt_FMT ", neuron %" PetscInt_FMT ") is %g, not 0 or 1",
                   w * wsteps + u, j, sp);
        for (PetscInt l = 1; l <= nlags && u + l < wsteps; l++) {
          double *row = X + (size_t)(w * wsteps + u + l) * P + 1 + j * nbasis;
          for (PetscInt k = 0; k < nbasis; k++) row[k] += basis[k * nlags + l - 1];
        }
      }
  *Xout = X;
  PetscFunctionReturn(0);
}

PetscErrorCode GlmObjective_ref(const double *X, PetscInt T, PetscInt P, const double *s, PetscInt n, PetscInt i,
                                double l2, const double *theta, double *f, double *grad, double *hess)
{
  double val = 0;

  PetscFunctionBeginUser;
  if (grad)
    for (PetscInt p = 0; p < P; p++) grad[p] = 0;
  if (hess)
    for (PetscInt p = 0; p < P * P; p++) hess[p] = 0;
  for (PetscInt t = 0; t < T; t++) {
    const double *x   = X + (size_t)t * P;
    double        eta = 0, lam, lam1, lam2, y = s[(size_t)t * n + i];
    for (PetscInt p = 0; p < P; p++) eta += x[p] * theta[p];
    GlmIntensity(eta, &lam, &lam1, &lam2);
    val += lam - y * eta;
    if (grad)
      for (PetscInt p = 0; p < P; p++) grad[p] += (lam1 - y) * x[p];
    if (hess)
      for (PetscInt p = 0; p < P; p++)
        for (PetscInt q = 0; q < P; q++) hess[p * P + q] += lam2 * x[p] * x[q];
  }
  for (PetscInt p = 1; p < P; p++) {
    val += 0.5 * l2 * theta[p] * theta[p];
    if (grad) grad[p] += l2 * theta[p];
    if (hess) hess[p * P + p] += l2;
  }
  *f = val;
  PetscFunctionReturn(0);
}

PetscErrorCode GlmObjective(const double *X, PetscInt T, PetscInt P, const double *s, PetscInt n, PetscInt i, double l2,
                            const double *theta, double *f, double *grad, double *hess, double *work)
{
  double *eta = work, *r, *Z = NULL, val = 0, pen = 0;

  PetscFunctionBeginUser;
  if (!work) PetscCall(PetscMalloc1(2 * T, &eta));
  r = eta + T;
  cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)T, (int)P, 1.0, X, (int)P, theta, 1, 0.0, eta, 1);
  for (PetscInt t = 0; t < T; t++) {
    double y = s[(size_t)t * n + i], lam, lam1, lam2;
    GlmIntensity(eta[t], &lam, &lam1, &lam2);
    val += lam - y * eta[t];
    r[t]   = lam1 - y; /* residual for the gradient */
    eta[t] = lam2;     /* eta now holds the Hessian weights */
  }
  for (PetscInt p = 1; p < P; p++) pen += theta[p] * theta[p];
  *f = val + 0.5 * l2 * pen;
  if (hess) {
    PetscCall(PetscMalloc1((size_t)GLM_CHUNK * P, &Z));
    for (PetscInt p = 0; p < P * P; p++) hess[p] = 0;
    for (PetscInt t0 = 0; t0 < T; t0 += GLM_CHUNK) {
      PetscInt m = PetscMin(GLM_CHUNK, T - t0);
      for (PetscInt r = 0; r < m; r++) {
        double sq = sqrt(eta[t0 + r]);
        for (PetscInt p = 0; p < P; p++) Z[(size_t)r * P + p] = sq * X[(size_t)(t0 + r) * P + p];
      }
      cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)P, (int)m, 1.0, Z, (int)P, 1.0, hess, (int)P);
    }
    for (PetscInt p = 0; p < P; p++)
      for (PetscInt q = 0; q < p; q++) hess[p * P + q] = hess[q * P + p];
    for (PetscInt p = 1; p < P; p++) hess[p * P + p] += l2;
    PetscCall(PetscFree(Z));
  }
  if (grad) {
    cblas_dgemv(CblasRowMajor, CblasTrans, (int)T, (int)P, 1.0, X, (int)P, r, 1, 0.0, grad, 1);
    for (PetscInt p = 1; p < P; p++) grad[p] += l2 * theta[p];
  }
  if (!work) PetscCall(PetscFree(eta));
  PetscFunctionReturn(0);
}

double GlmLogLikelihoodBiasOnly(PetscInt C, PetscInt T) { return C > 0 && T > 0 ? C * log((double)C / T) - C : 0.0; }

/* ------------------------------------------------------------------ TAO */
typedef struct {
  const double *X, *s;
  PetscInt      T, P, n, i;
  double        l2;
  double       *work, *hess;
} GlmTaoCtx;

static PetscErrorCode GlmTaoObjGrad(Tao tao, Vec x, PetscReal *f, Vec g, void *ptr)
{
  GlmTaoCtx         *c = (GlmTaoCtx *)ptr;
  const PetscScalar *xa;
  PetscScalar       *ga;

  PetscFunctionBeginUser;
  (void)tao;
  /* SIGTERM/SIGUSR1: the GLM has no checkpoint, so it stops here and writes nothing */
  PetscCheck(!ParallelSignalReceived(), PETSC_COMM_SELF, PARALLEL_ERR_SIGNAL,
             "stopped by a signal during the GLM fit of neuron %" PetscInt_FMT "; nothing was written", c->i);
  PetscCall(VecGetArrayRead(x, &xa));
  PetscCall(VecGetArray(g, &ga));
  PetscCall(GlmObjective(c->X, c->T, c->P, c->s, c->n, c->i, c->l2, xa, f, ga, NULL, c->work));
  PetscCall(VecRestoreArray(g, &ga));
  PetscCall(VecRestoreArrayRead(x, &xa));
  PetscFunctionReturn(0);
}

static PetscErrorCode GlmTaoHess(Tao tao, Vec x, Mat H, Mat Hpre, void *ptr)
{
  GlmTaoCtx         *c = (GlmTaoCtx *)ptr;
  const PetscScalar *xa;
  PetscScalar       *ha;
  double             f;

  PetscFunctionBeginUser;
  (void)tao;
  PetscCall(VecGetArrayRead(x, &xa));
  PetscCall(GlmObjective(c->X, c->T, c->P, c->s, c->n, c->i, c->l2, xa, &f, NULL, c->hess, c->work));
  PetscCall(VecRestoreArrayRead(x, &xa));
  /* symmetric: the column-major dense storage is the same array */
  PetscCall(MatDenseGetArrayWrite(H, &ha));
  PetscCall(PetscArraycpy(ha, c->hess, c->P * c->P));
  PetscCall(MatDenseRestoreArrayWrite(H, &ha));
  PetscCall(MatAssemblyBegin(H, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(H, MAT_FINAL_ASSEMBLY));
  if (Hpre != H) {
    PetscCall(MatAssemblyBegin(Hpre, MAT_FINAL_ASSEMBLY));
    PetscCall(MatAssemblyEnd(Hpre, MAT_FINAL_ASSEMBLY));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode GlmTaoCreate(const GlmFitOptions *opt, Tao *out)
{
  Tao tao;

  PetscFunctionBeginUser;
  PetscCall(TaoCreate(PETSC_COMM_SELF, &tao));
  PetscCall(TaoSetType(tao, opt->tao_type));
  PetscCall(TaoSetTolerances(tao, 1e-8, 1e-7, 0.0)); /* ||g|| <= 1e-8 or ||g|| <= 1e-7 |f| */
  PetscCall(TaoSetMaximumIterations(tao, 500));
  PetscCall(TaoSetMaximumFunctionEvaluations(tao, 5000));
  if (opt->prefix) {
    PetscCall(TaoSetOptionsPrefix(tao, opt->prefix));
    PetscCall(TaoSetFromOptions(tao));
  }
  *out = tao;
  PetscFunctionReturn(0);
}

PetscErrorCode GlmFitNeuron(const double *X, PetscInt T, PetscInt P, const double *s, PetscInt n, PetscInt i,
                            const GlmFitOptions *opt, double *theta, GlmNeuronInfo *info)
{
  GlmTaoCtx          c = {.X = X, .s = s, .T = T, .P = P, .n = n, .i = i, .l2 = opt->l2};
  Tao                tao;
  Vec                x;
  Mat                H, H0 = NULL;
  PetscBool          qn;
  PetscInt           C = 0, its;
  PetscReal          f, gnorm, cnorm, xdiff;
  TaoConvergedReason reason;
  PetscScalar       *xa;

  PetscFunctionBeginUser;
  PetscCheck(isfinite(opt->l2) && opt->l2 >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "-glm_l2 must be >= 0, got %g", opt->l2);
  for (PetscInt t = 0; t < T; t++) C += s[(size_t)t * n + i] > 0.5;
  PetscCall(PetscMalloc2(2 * T, &c.work, P * P, &c.hess));
  PetscCall(VecCreateSeq(PETSC_COMM_SELF, P, &x));
  PetscCall(VecSet(x, 0.0));
  PetscCall(VecSetValue(x, 0, log((C > 0 ? (double)C : 0.5) / T), INSERT_VALUES));
  PetscCall(VecAssemblyBegin(x));
  PetscCall(VecAssemblyEnd(x));
  PetscCall(MatCreateSeqDense(PETSC_COMM_SELF, P, P, NULL, &H));
  PetscCall(GlmTaoCreate(opt, &tao));
  PetscCall(TaoSetSolution(tao, x));
  PetscCall(TaoSetObjectiveAndGradient(tao, NULL, GlmTaoObjGrad, &c));
  PetscCall(TaoSetHessian(tao, H, H, GlmTaoHess, &c));
  /* quasi-Newton: the initial Hessian approximation is the exact Hessian at the start (the
   * default, a scaled identity, takes a first step of the gradient's size: ~100s in the
   * log-rate, which overflows exp and stalls the More-Thuente line search) */
  PetscCall(PetscObjectTypeCompareAny((PetscObject)tao, &qn, TAOLMVM, TAOBLMVM, ""));
  if (qn) {
    PetscCall(MatDuplicate(H, MAT_DO_NOT_COPY_VALUES, &H0));
    PetscCall(GlmTaoHess(tao, x, H0, H0, &c));
    PetscCall(TaoLMVMSetH0(tao, H0));
  }
  PetscCall(TaoSolve(tao));
  PetscCall(TaoGetSolutionStatus(tao, &its, &f, &gnorm, &cnorm, &xdiff, &reason));
  PetscCall(VecGetArray(x, &xa));
  for (PetscInt p = 0; p < P; p++) theta[p] = xa[p];
  PetscCall(VecRestoreArray(x, &xa));
  if (info) {
    double ll = 0, pen = 0;
    PetscCall(GlmObjective(X, T, P, s, n, i, 0.0, theta, &ll, NULL, NULL, c.work));
    for (PetscInt p = 1; p < P; p++) pen += theta[p] * theta[p];
    info->loglik     = -ll;
    info->loglik0    = GlmLogLikelihoodBiasOnly(C, T);
    info->fval       = ll + 0.5 * opt->l2 * pen; /* ll is the negative log-likelihood */
    info->gnorm      = gnorm;
    info->iterations = its;
    info->reason     = (PetscInt)reason;
    info->spikes     = C;
  }
  PetscCall(TaoDestroy(&tao));
  PetscCall(MatDestroy(&H));
  PetscCall(MatDestroy(&H0));
  PetscCall(VecDestroy(&x));
  PetscCall(PetscFree2(c.work, c.hess));
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------ model */
PetscErrorCode GlmModelCreate(PetscInt n, PetscInt nbasis, PetscInt nlags, double dt, const double *basis,
                              GlmModel **out)
{
  GlmModel *m;

  PetscFunctionBeginUser;
  PetscCheck(n > 0 && nbasis > 0 && nlags > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "GLM model: bad sizes n %" PetscInt_FMT " nbasis %" PetscInt_FMT " nlags %" PetscInt_FMT, n, nbasis,
             nlags);
  PetscCall(PetscNew(&m));
  m->n      = n;
  m->nbasis = nbasis;
  m->nlags  = nlags;
  m->dt     = dt;
  PetscCall(PetscMalloc1(nbasis * nlags, &m->basis));
  PetscCall(PetscCalloc1(n, &m->bias));
  PetscCall(PetscCalloc1(n * n * nbasis, &m->filters));
  if (basis) PetscCall(PetscArraycpy(m->basis, basis, nbasis * nlags));
  *out = m;
  PetscFunctionReturn(0);
}

PetscErrorCode GlmModelDestroy(GlmModel **m)
{
  PetscFunctionBeginUser;
  if (!*m) PetscFunctionReturn(0);
  PetscCall(PetscFree((*m)->basis));
  PetscCall(PetscFree((*m)->bias));
  PetscCall(PetscFree((*m)->filters));
  PetscCall(PetscFree(*m));
  PetscFunctionReturn(0);
}

PetscErrorCode GlmFit(GlmModel *m, PetscInt nwin, PetscInt wsteps, const double *s, const GlmFitOptions *opt,
                      GlmNeuronInfo *info)
{
  PetscInt n = m->n, K = m->nbasis, P = 1 + n * K, T = nwin * wsteps;
  double  *X, *theta;

  PetscFunctionBeginUser;
  PetscCall(GlmDesignCreate(n, nwin, wsteps, s, K, m->nlags, m->basis, &X));
  PetscCall(PetscMalloc1(P, &theta));
  for (PetscInt i = 0; i < n; i++) {
    PetscCall(GlmFitNeuron(X, T, P, s, n, i, opt, theta, info ? &info[i] : NULL));
    m->bias[i] = theta[0];
    for (PetscInt j = 0; j < n; j++)
      for (PetscInt k = 0; k < K; k++) m->filters[(j * n + i) * K + k] = theta[1 + j * K + k];
  }
  PetscCall(PetscFree(theta));
  PetscCall(PetscFree(X));
  PetscFunctionReturn(0);
}

/* the simulated spikes as (row, neuron) pairs in time order, grown by doubling */
typedef struct {
  PetscInt  count, cap;
  PetscInt *row, *unit;
} SpikeList;

static PetscErrorCode SpikeListPush(SpikeList *l, PetscInt row, PetscInt unit)
{
  PetscFunctionBeginUser;
  if (l->count == l->cap) {
    PetscInt cap = PetscMax(1024, 2 * l->cap), *r, *u;
    PetscCall(PetscMalloc2(cap, &r, cap, &u));
    if (l->count) {
      PetscCall(PetscArraycpy(r, l->row, l->count));
      PetscCall(PetscArraycpy(u, l->unit, l->count));
    }
    PetscCall(PetscFree2(l->row, l->unit));
    l->row  = r;
    l->unit = u;
    l->cap  = cap;
  }
  l->row[l->count]  = row;
  l->unit[l->count] = unit;
  l->count++;
  PetscFunctionReturn(0);
}

/* One segment of len steps starting at global row r0: the drive of the next L steps lives in
 * a ring of L + 1 rows, so memory does not grow with the segment's length. */
static PetscErrorCode SimulateSegment(const GlmModel *m, const double *F, PetscInt q, PetscInt r0, PetscInt len,
                                      uint64_t seed, double *ring, SpikeList *l)
{
  const PetscInt n = m->n, L = m->nlags;
  const uint32_t stream = RngStreamId(RNG_STREAM_ANALYSIS, GLM_RNG_SUB);

  PetscFunctionBeginUser;
  for (PetscInt s = 0; s <= L; s++)
    for (PetscInt i = 0; i < n; i++) ring[s * n + i] = m->bias[i];
  for (PetscInt t = 0; t < len; t++) {
    double  *cur   = ring + (t % (L + 1)) * n;
    PetscInt first = l->count;
    for (PetscInt i = 0; i < n; i++) {
      double u = RngUniform(seed, stream, (uint32_t)q, (uint32_t)i, (uint32_t)t);
      if (u < -expm1(-exp(cur[i]))) PetscCall(SpikeListPush(l, r0 + t, i));
    }
    for (PetscInt s = first; s < l->count; s++) {
      const double *Fj = F + (size_t)l->unit[s] * L * n;
      for (PetscInt lag = 1; lag <= L && t + lag < len; lag++) {
        double *row = ring + ((t + lag) % (L + 1)) * n;
        for (PetscInt i = 0; i < n; i++) row[i] += Fj[(lag - 1) * n + i];
      }
    }
    for (PetscInt i = 0; i < n; i++) cur[i] = m->bias[i]; /* this slot is now step t + L + 1 */
  }
  PetscFunctionReturn(0);
}

PetscErrorCode GlmSimulateSpikes(const GlmModel *m, const GlmSpikes *segs, uint64_t seed, GlmSpikes **out)
{
  const PetscInt n = m->n, K = m->nbasis, L = m->nlags;
  double        *F, *ring;
  SpikeList      l = {0};
  PetscInt      *len, *fill;
  GlmSpikes     *sp;

  PetscFunctionBeginUser;
  PetscCheck(segs->n == n, PETSC_COMM_SELF, PETSC_ERR_ARG_INCOMP,
             "GLM simulation: %" PetscInt_FMT " units for a model of %" PetscInt_FMT, segs->n, n);
  /* filters in lag space, F[(j*L + l-1)*n + i] = sum_k h[j][i][k] B_k[l]: contiguous in i */
  PetscCall(PetscMalloc2((size_t)n * L * n, &F, (size_t)(L + 1) * n, &ring));
  for (PetscInt j = 0; j < n; j++)
    for (PetscInt lag = 0; lag < L; lag++)
      for (PetscInt i = 0; i < n; i++) {
        double v = 0;
        for (PetscInt k = 0; k < K; k++) v += m->filters[(j * n + i) * K + k] * m->basis[k * L + lag];
        F[((size_t)j * L + lag) * n + i] = v;
      }
  for (PetscInt q = 0; q < segs->nseg; q++)
    PetscCall(SimulateSegment(m, F, q, segs->seg[q], segs->seg[q + 1] - segs->seg[q], seed, ring, &l));
  PetscCall(PetscMalloc2(segs->nseg, &len, n + 1, &fill));
  for (PetscInt q = 0; q < segs->nseg; q++) len[q] = segs->seg[q + 1] - segs->seg[q];
  PetscCall(GlmSpikesCreateEmpty(n, segs->nseg, len, segs->t0, segs->dt, &sp));
  PetscCall(PetscFree2(sp->rows, sp->rowend));
  PetscCall(PetscMalloc2(PetscMax(l.count, 1), &sp->rows, PetscMax(l.count, 1), &sp->rowend));
  /* counting sort by unit; rows stay in time order within a unit */
  for (PetscInt s = 0; s < l.count; s++) sp->off[l.unit[s] + 1]++;
  for (PetscInt i = 0; i < n; i++) sp->off[i + 1] += sp->off[i];
  PetscCall(PetscArraycpy(fill, sp->off, n + 1));
  for (PetscInt s = 0, q = 0; s < l.count; s++) {
    PetscInt r = l.row[s], d = fill[l.unit[s]]++;
    while (r >= sp->seg[q + 1]) q++;
    sp->rows[d]   = r;
    sp->rowend[d] = sp->seg[q + 1];
  }
  *out = sp;
  PetscCall(PetscFree2(len, fill));
  PetscCall(PetscFree2(l.row, l.unit));
  PetscCall(PetscFree2(F, ring));
  PetscFunctionReturn(0);
}

PetscErrorCode GlmSimulate(const GlmModel *m, PetscInt nwin, PetscInt wsteps, uint64_t seed, double *out)
{
  GlmSpikes *segs, *sim;
  PetscInt  *len;
  double    *t0;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc2(nwin, &len, nwin, &t0));
  for (PetscInt w = 0; w < nwin; w++) len[w] = wsteps, t0[w] = w * wsteps * m->dt;
  PetscCall(GlmSpikesCreateEmpty(m->n, nwin, len, t0, m->dt, &segs));
  PetscCall(GlmSimulateSpikes(m, segs, seed, &sim));
  PetscCall(PetscArrayzero(out, (size_t)nwin * wsteps * m->n));
  for (PetscInt i = 0; i < m->n; i++)
    for (PetscInt s = sim->off[i]; s < sim->off[i + 1]; s++) out[(size_t)sim->rows[s] * m->n + i] = 1.0;
  PetscCall(GlmSpikesDestroy(&sim));
  PetscCall(GlmSpikesDestroy(&segs));
  PetscCall(PetscFree2(len, t0));
  PetscFunctionReturn(0);
}
