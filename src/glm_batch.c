/* The GLM fitted to long continuous spans, all neurons at once (include/glm_batch.h). */
#include "glm_batch.h"
#include "fixedsum.h"
#include "parallel.h"
#include <cblas.h>
#include <math.h>
#include <petscblaslapack.h>
#include <petsctao.h>
#include <string.h>
#if defined(_OPENMP)
  #include <omp.h>
#endif

static int GlmThreads(void)
{
#if defined(_OPENMP)
  return omp_get_max_threads();
#else
  return 1;
#endif
}

static int GlmThreadId(void)
{
#if defined(_OPENMP)
  return omp_get_thread_num();
#else
  return 0;
#endif
}

/* the intensity as in glm.c: exp, continued quadratically beyond GLM_BATCH_ETA_MAX */
static inline void GlmLambda(double eta, double *l0, double *l1)
{
  if (eta <= GLM_BATCH_ETA_MAX) {
    *l0 = *l1 = exp(eta);
  } else {
    const double e = exp(GLM_BATCH_ETA_MAX), d = eta - GLM_BATCH_ETA_MAX;
    *l0 = e * (1 + d + 0.5 * d * d);
    *l1 = e * (1 + d);
  }
}

/* ------------------------------------------------------------------ spikes on segments */
PetscErrorCode GlmSpans(const SpikeTrains *st, double lo, double hi, double dt, PetscInt *k, double **iv)
{
  PetscInt m = 0;
  double  *v;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(2 * PetscMax(st->nintervals, 1), &v));
  for (PetscInt q = 0; q < st->nintervals; q++) {
    double a = PetscMax(lo, st->intervals_ms[2 * q]), b = PetscMin(hi, st->intervals_ms[2 * q + 1]);
    if (b - a < dt) continue;
    v[2 * m]     = a;
    v[2 * m + 1] = b;
    m++;
  }
  *k  = m;
  *iv = v;
  PetscFunctionReturn(0);
}

static PetscErrorCode GlmSpikesAlloc(PetscInt n, PetscInt nseg, PetscInt nspikes, GlmSpikes **out)
{
  GlmSpikes *sp;

  PetscFunctionBeginUser;
  PetscCall(PetscNew(&sp));
  sp->n    = n;
  sp->nseg = nseg;
  PetscCall(PetscCalloc3(nseg + 1, &sp->seg, PetscMax(nseg, 1), &sp->t0, n + 1, &sp->off));
  PetscCall(PetscMalloc2(PetscMax(nspikes, 1), &sp->rows, PetscMax(nspikes, 1), &sp->rowend));
  *out = sp;
  PetscFunctionReturn(0);
}

PetscErrorCode GlmSpikesCreate(const SpikeTrains *st, PetscInt k, const double *iv, double dt, GlmSpikes **out)
{
  GlmSpikes *sp;
  PetscInt   c = 0;

  PetscFunctionBeginUser;
  PetscCheck(isfinite(dt) && dt > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "GLM: dt must be positive, got %g", dt);
  PetscCall(GlmSpikesAlloc(st->nunits, k, st->nspikes, &sp));
  sp->dt = dt;
  for (PetscInt q = 0; q < k; q++) {
    sp->t0[q]      = iv[2 * q];
    sp->seg[q + 1] = sp->seg[q] + (PetscInt)floor((iv[2 * q + 1] - iv[2 * q]) / dt + 1e-9);
  }
  sp->T = sp->seg[k];
  for (PetscInt i = 0; i < st->nunits; i++) {
    PetscInt q = 0;
    sp->off[i] = c;
    for (PetscInt s = st->offsets[i]; s < st->offsets[i + 1]; s++) {
      double   t = st->times_ms[s];
      PetscInt r;
      while (q < k && t >= sp->t0[q] + (sp->seg[q + 1] - sp->seg[q]) * dt) q++; /* times are sorted */
      if (q == k) break;
      if (t < sp->t0[q]) continue;
      r = sp->seg[q] + (PetscInt)floor((t - sp->t0[q]) / dt);
      if (r >= sp->seg[q + 1]) r = sp->seg[q + 1] - 1;
      if (c > sp->off[i] && sp->rows[c - 1] == r) {
        sp->nclipped++;
        continue;
      }
      sp->rows[c]   = r;
      sp->rowend[c] = sp->seg[q + 1];
      c++;
    }
  }
  sp->off[st->nunits] = c;
  *out                = sp;
  PetscFunctionReturn(0);
}

PetscErrorCode GlmSpikesCreateEmpty(PetscInt n, PetscInt nseg, const PetscInt *len, const double *t0, double dt,
                                    GlmSpikes **out)
{
  GlmSpikes *sp;

  PetscFunctionBeginUser;
  PetscCall(GlmSpikesAlloc(n, nseg, 0, &sp));
  sp->dt = dt;
  for (PetscInt q = 0; q < nseg; q++) {
    sp->t0[q]      = t0[q];
    sp->seg[q + 1] = sp->seg[q] + len[q];
  }
  sp->T = sp->seg[nseg];
  *out  = sp;
  PetscFunctionReturn(0);
}

PetscErrorCode GlmSpikesDestroy(GlmSpikes **sp)
{
  PetscFunctionBeginUser;
  if (!*sp) PetscFunctionReturn(0);
  PetscCall(PetscFree3((*sp)->seg, (*sp)->t0, (*sp)->off));
  PetscCall(PetscFree2((*sp)->rows, (*sp)->rowend));
  PetscCall(PetscFree(*sp));
  PetscFunctionReturn(0);
}

PetscErrorCode GlmSpikesCounts(const GlmSpikes *sp, PetscInt bsteps, PetscInt *nbins, double *counts)
{
  PetscInt nb = 0, *first;

  PetscFunctionBeginUser;
  PetscCheck(bsteps >= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "GLM counts: bin of %" PetscInt_FMT " steps",
             bsteps);
  PetscCall(PetscMalloc1(sp->nseg + 1, &first)); /* first bin of each segment */
  for (PetscInt q = 0; q < sp->nseg; q++) {
    first[q] = nb;
    nb += (sp->seg[q + 1] - sp->seg[q]) / bsteps;
  }
  first[sp->nseg] = nb;
  if (counts) {
    PetscCall(PetscArrayzero(counts, (size_t)nb * sp->n));
    for (PetscInt i = 0; i < sp->n; i++) {
      PetscInt q = 0;
      for (PetscInt s = sp->off[i]; s < sp->off[i + 1]; s++) {
        PetscInt r = sp->rows[s], b;
        while (r >= sp->seg[q + 1]) q++;
        b = (r - sp->seg[q]) / bsteps;
        if (first[q] + b < first[q + 1]) counts[(size_t)(first[q] + b) * sp->n + i] += 1;
      }
    }
  }
  *nbins = nb;
  PetscCall(PetscFree(first));
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------ design blocks */
static PetscInt LowerBound(const PetscInt *v, PetscInt n, PetscInt x)
{
  PetscInt lo = 0, hi = n;
  while (lo < hi) {
    PetscInt mid = lo + (hi - lo) / 2;
    if (v[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

void GlmDesignBlock(const GlmSpikes *sp, PetscInt K, PetscInt L, const double *basisT, PetscInt a, PetscInt b,
                    double *X, double *Y)
{
  const PetscInt n = sp->n, P = 1 + n * K, m = b - a;

  memset(X, 0, sizeof(double) * (size_t)m * P);
  memset(Y, 0, sizeof(double) * (size_t)m * n);
  for (PetscInt r = 0; r < m; r++) X[(size_t)r * P] = 1.0;
  for (PetscInt j = 0; j < n; j++) {
    const PetscInt *rows = sp->rows + sp->off[j], *ends = sp->rowend + sp->off[j], cnt = sp->off[j + 1] - sp->off[j];
    for (PetscInt q = LowerBound(rows, cnt, a - L); q < cnt && rows[q] < b; q++) {
      const PetscInt u = rows[q], end = PetscMin(b, PetscMin(u + L + 1, ends[q]));
      if (u >= a) Y[(size_t)(u - a) * n + j] = 1.0;
      for (PetscInt t = PetscMax(a, u + 1); t < end; t++) {
        const double *Bl = basisT + (size_t)(t - u - 1) * K;
        double       *x  = X + (size_t)(t - a) * P + 1 + j * K;
        for (PetscInt k = 0; k < K; k++) x[k] += Bl[k];
      }
    }
  }
}

/* ------------------------------------------------------------------ evaluation */
typedef struct {
  double   *X, *Y, *E, *acc; /* [BR][P], [BR][n], [BR][n], [n + P*n] group partial */
  FixedSum *fs;
} GlmThreadWork;

static PetscErrorCode BasisTranspose(const GlmModel *m, double **bt)
{
  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(m->nbasis * m->nlags, bt));
  for (PetscInt k = 0; k < m->nbasis; k++)
    for (PetscInt l = 0; l < m->nlags; l++) (*bt)[l * m->nbasis + k] = m->basis[k * m->nlags + l];
  PetscFunctionReturn(0);
}

/* One group's rows [a, b): acc = [sum_t (lambda - y eta) per neuron | X^T (lambda' - y)]. */
static void GroupEvaluate(const GlmSpikes *sp, const GlmModel *m, const double *bt, const double *Theta, PetscInt a,
                          PetscInt b, GlmThreadWork *w)
{
  const PetscInt n = sp->n, P = 1 + n * m->nbasis;
  double        *f = w->acc, *G = w->acc + n;

  memset(w->acc, 0, sizeof(double) * (size_t)(n + P * n));
  for (PetscInt r0 = a; r0 < b; r0 += GLM_BLOCK_ROWS) {
    const PetscInt r1 = PetscMin(b, r0 + GLM_BLOCK_ROWS), rows = r1 - r0;
    GlmDesignBlock(sp, m->nbasis, m->nlags, bt, r0, r1, w->X, w->Y);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, (int)n, (int)P, 1.0, w->X, (int)P, Theta, (int)n,
                0.0, w->E, (int)n);
    for (PetscInt t = 0; t < rows; t++)
      for (PetscInt i = 0; i < n; i++) {
        double eta = w->E[t * n + i], y = w->Y[t * n + i], l0, l1;
        GlmLambda(eta, &l0, &l1);
        f[i] += l0 - y * eta;
        w->E[t * n + i] = l1 - y; /* the residual */
      }
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)P, (int)n, (int)rows, 1.0, w->X, (int)P, w->E, (int)n,
                1.0, G, (int)n);
  }
}

/* One group's Gram matrix X^T X (upper triangle, row-major) into acc [P][P]. */
static void GroupGram(const GlmSpikes *sp, const GlmModel *m, const double *bt, PetscInt a, PetscInt b,
                      GlmThreadWork *w)
{
  const PetscInt P = 1 + sp->n * m->nbasis;

  memset(w->acc, 0, sizeof(double) * (size_t)P * P);
  for (PetscInt r0 = a; r0 < b; r0 += GLM_BLOCK_ROWS) {
    const PetscInt r1 = PetscMin(b, r0 + GLM_BLOCK_ROWS);
    GlmDesignBlock(sp, m->nbasis, m->nlags, bt, r0, r1, w->X, w->Y);
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)P, (int)(r1 - r0), 1.0, w->X, (int)P, 1.0, w->acc, (int)P);
  }
}

typedef struct {
  const GlmSpikes *sp;
  const GlmModel  *m;
  MPI_Comm         comm;
  double          *bt;
  int              nthreads;
  GlmThreadWork   *w;
  PetscInt         len; /* values per group partial */
} GlmEval;

static PetscErrorCode GlmEvalCreate(const GlmSpikes *sp, const GlmModel *m, MPI_Comm comm, PetscInt len, GlmEval *ev)
{
  const PetscInt n = sp->n, P = 1 + n * m->nbasis;

  PetscFunctionBeginUser;
  ev->sp       = sp;
  ev->m        = m;
  ev->comm     = comm;
  ev->len      = len;
  ev->nthreads = GlmThreads();
  PetscCall(BasisTranspose(m, &ev->bt));
  PetscCall(PetscCalloc1(ev->nthreads, &ev->w));
  for (int t = 0; t < ev->nthreads; t++) {
    GlmThreadWork *w = &ev->w[t];
    PetscCall(PetscMalloc4((size_t)GLM_BLOCK_ROWS * P, &w->X, (size_t)GLM_BLOCK_ROWS * n, &w->Y,
                           (size_t)GLM_BLOCK_ROWS * n, &w->E, len, &w->acc));
    PetscCall(FixedSumCreate(len, &w->fs));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode GlmEvalDestroy(GlmEval *ev)
{
  PetscFunctionBeginUser;
  for (int t = 0; t < ev->nthreads; t++) {
    PetscCall(PetscFree4(ev->w[t].X, ev->w[t].Y, ev->w[t].E, ev->w[t].acc));
    PetscCall(FixedSumDestroy(&ev->w[t].fs));
  }
  PetscCall(PetscFree(ev->w));
  PetscCall(PetscFree(ev->bt));
  PetscFunctionReturn(0);
}

/* Sums the group partials of this rank's groups (gram: X^T X, else the objective at Theta)
 * exactly, then over the ranks; out [len]. */
static PetscErrorCode GlmEvalRun(GlmEval *ev, PetscBool gram, const double *Theta, double *out)
{
  const PetscInt ngroups = (ev->sp->T + GLM_GROUP_ROWS - 1) / GLM_GROUP_ROWS;
  PetscInt       glo, ghi;

  PetscFunctionBeginUser;
  ParallelBlock(ngroups, ParallelRank(ev->comm), ParallelSize(ev->comm), &glo, &ghi);
  for (int t = 0; t < ev->nthreads; t++) FixedSumZero(ev->w[t].fs);
#pragma omp parallel for schedule(dynamic, 1)
  for (PetscInt g = glo; g < ghi; g++) {
    GlmThreadWork *w = &ev->w[GlmThreadId()];
    PetscInt       a = g * GLM_GROUP_ROWS, b = PetscMin(ev->sp->T, a + GLM_GROUP_ROWS);
    if (gram) GroupGram(ev->sp, ev->m, ev->bt, a, b, w);
    else GroupEvaluate(ev->sp, ev->m, ev->bt, Theta, a, b, w);
    FixedSumAdd(w->fs, w->acc);
  }
  for (int t = 1; t < ev->nthreads; t++) FixedSumMerge(ev->w[0].fs, ev->w[t].fs);
  PetscCall(ParallelSumFixedOver(ev->comm, ev->w[0].fs));
  FixedSumGet(ev->w[0].fs, out);
  if (ev->w[0].fs->nonfinite) out[0] = NAN; /* an overflow: the caller sees a non-finite value */
  PetscFunctionReturn(0);
}

PetscErrorCode GlmBatchEvaluate(const GlmSpikes *sp, const GlmModel *m, MPI_Comm comm, const double *Theta, double *f,
                                double *G)
{
  const PetscInt n = sp->n, P = 1 + n * m->nbasis;
  GlmEval        ev;
  double        *out;

  PetscFunctionBeginUser;
  PetscCall(GlmEvalCreate(sp, m, comm, n + P * n, &ev));
  PetscCall(PetscMalloc1(n + P * n, &out));
  PetscCall(GlmEvalRun(&ev, PETSC_FALSE, Theta, out));
  PetscCall(PetscArraycpy(f, out, n));
  if (G) PetscCall(PetscArraycpy(G, out + n, P * n));
  PetscCall(PetscFree(out));
  PetscCall(GlmEvalDestroy(&ev));
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------ the joint fit */
typedef struct {
  GlmEval   ev;
  PetscInt  n, P, nevals;
  double    l2;
  double   *theta0, *U; /* [n][P] start, [n][P][P] upper factors of the start Hessians */
  double   *Theta, *th; /* [P][n] and [n][P]: the current coefficients */
  double   *out;        /* [max(n + P*n, P*P)] */
  GlmStopFn stop;
  void     *stopctx;
  PetscBool stopped;
} GlmBatchCtx;

/* theta_i = theta0_i + U_i^{-1} z_i */
static void ZToTheta(GlmBatchCtx *c, const double *z)
{
  const PetscInt n = c->n, P = c->P;

  for (PetscInt i = 0; i < n; i++) {
    double *w = c->th + (size_t)i * P;
    memcpy(w, z + (size_t)i * P, sizeof(double) * P);
    cblas_dtrsv(CblasRowMajor, CblasUpper, CblasNoTrans, CblasNonUnit, (int)P, c->U + (size_t)i * P * P, (int)P, w, 1);
    for (PetscInt p = 0; p < P; p++) {
      w[p] += c->theta0[(size_t)i * P + p];
      c->Theta[(size_t)p * n + i] = w[p];
    }
  }
}

static PetscErrorCode GlmBatchObjGrad(Tao tao, Vec z, PetscReal *f, Vec g, void *ptr)
{
  GlmBatchCtx       *c = (GlmBatchCtx *)ptr;
  const PetscInt     n = c->n, P = c->P;
  const PetscScalar *za;
  PetscScalar       *ga;
  double             val = 0, pen = 0;

  PetscFunctionBeginUser;
  (void)tao;
  PetscCall(VecGetArrayRead(z, &za));
  ZToTheta(c, za);
  PetscCall(GlmEvalRun(&c->ev, PETSC_FALSE, c->Theta, c->out));
  c->nevals++;
  PetscCall(VecGetArray(g, &ga));
  for (PetscInt i = 0; i < n; i++) {
    double *gi = ga + (size_t)i * P, *ti = c->th + (size_t)i * P;
    val += c->out[i];
    for (PetscInt p = 0; p < P; p++) gi[p] = c->out[n + (size_t)p * n + i] + (p ? c->l2 * ti[p] : 0.0);
    for (PetscInt p = 1; p < P; p++) pen += ti[p] * ti[p];
    cblas_dtrsv(CblasRowMajor, CblasUpper, CblasTrans, CblasNonUnit, (int)P, c->U + (size_t)i * P * P, (int)P, gi, 1);
  }
  val += 0.5 * c->l2 * pen;
  if (!isfinite(val)) { /* an overflowing trial step: a huge value pointing back to the start */
    val = 1e300;
    for (PetscInt q = 0; q < n * P; q++) ga[q] = za[q];
  }
  *f = val;
  PetscCall(VecRestoreArray(g, &ga));
  PetscCall(VecRestoreArrayRead(z, &za));
  PetscFunctionReturn(0);
}

/* TAO's own test, then the stop callback (every rank, every iteration) */
static PetscErrorCode GlmBatchConverged(Tao tao, void *ptr)
{
  GlmBatchCtx       *c = (GlmBatchCtx *)ptr;
  TaoConvergedReason reason;
  PetscBool          stop = PETSC_FALSE;

  PetscFunctionBeginUser;
  PetscCall(TaoDefaultConvergenceTest(tao, NULL));
  PetscCall(TaoGetConvergedReason(tao, &reason));
  if (c->stop) PetscCall(c->stop(c->stopctx, &stop));
  if (stop && reason == TAO_CONTINUE_ITERATING) {
    PetscCall(TaoSetConvergedReason(tao, TAO_CONVERGED_USER));
    c->stopped = PETSC_TRUE;
  }
  PetscFunctionReturn(0);
}

/* U_i from H_i = c_i X^T X + l2 (filters): the exact Hessian at a constant intensity c_i */
static PetscErrorCode GlmWhitening(GlmBatchCtx *c, const double *gram, const PetscInt *C, PetscInt T)
{
  const PetscInt P = c->P;
  PetscBLASInt   bP, info;

  PetscFunctionBeginUser;
  PetscCall(PetscBLASIntCast(P, &bP));
  for (PetscInt i = 0; i < c->n; i++) {
    double b0 = log((C[i] > 0 ? (double)C[i] : 0.5) / T), ci = exp(b0), *H = c->U + (size_t)i * P * P;
    for (PetscInt p = 0; p < P; p++) {
      c->theta0[(size_t)i * P + p] = p ? 0.0 : b0;
      for (PetscInt q = p; q < P; q++) H[p * P + q] = H[q * P + p] = ci * gram[p * P + q];
      if (p) H[p * P + p] += c->l2;
      /* a filter of a unit that never fires has a zero column: give it unit curvature */
      H[p * P + p] = H[p * P + p] > 0 ? H[p * P + p] * (1 + 1e-12) : ci;
    }
    /* column-major lower = row-major upper: H = U^T U with U upper (row-major) */
    LAPACKpotrf_("L", &bP, H, &bP, &info);
    PetscCheck(info == 0, PETSC_COMM_SELF, PETSC_ERR_LIB,
               "GLM: the start Hessian of neuron %" PetscInt_FMT
               " is not positive definite (potrf info %d); try -glm_l2 > 0",
               i, (int)info);
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode GlmBatchTao(GlmBatchCtx *c, const GlmFitOptions *opt, Vec z, Tao *out)
{
  Tao       tao;
  PetscBool ok;

  PetscFunctionBeginUser;
  PetscCall(TaoCreate(PETSC_COMM_SELF, &tao));
  PetscCall(TaoSetType(tao, opt->tao_type));
  /* whitened units: ||g||^2 / 2 is about the distance to the optimum in nats */
  PetscCall(TaoSetTolerances(tao, 1e-2 * sqrt((double)c->n), 0.0, 0.0));
  PetscCall(TaoSetMaximumIterations(tao, 1000));
  PetscCall(TaoSetMaximumFunctionEvaluations(tao, 10000));
  if (opt->prefix) {
    PetscCall(TaoSetOptionsPrefix(tao, opt->prefix));
    PetscCall(TaoSetFromOptions(tao));
  }
  PetscCall(PetscObjectTypeCompareAny((PetscObject)tao, &ok, TAOLMVM, TAOBLMVM, ""));
  PetscCheck(ok, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "the GLM of a long recording is fitted with a quasi-Newton method: -glm_tao_type lmvm or blmvm");
  PetscCall(TaoSetSolution(tao, z));
  PetscCall(TaoSetObjectiveAndGradient(tao, NULL, GlmBatchObjGrad, c));
  PetscCall(TaoSetConvergenceTest(tao, GlmBatchConverged, c));
  *out = tao;
  PetscFunctionReturn(0);
}

static PetscErrorCode GlmBatchResult(GlmBatchCtx *c, GlmModel *m, const PetscInt *C, PetscInt T, GlmNeuronInfo *info)
{
  const PetscInt n = c->n, P = c->P, K = m->nbasis;

  PetscFunctionBeginUser;
  PetscCall(GlmEvalRun(&c->ev, PETSC_FALSE, c->Theta, c->out));
  for (PetscInt i = 0; i < n; i++) {
    const double *ti  = c->th + (size_t)i * P;
    double        pen = 0;
    m->bias[i]        = ti[0];
    for (PetscInt j = 0; j < n; j++)
      for (PetscInt k = 0; k < K; k++) m->filters[(j * n + i) * K + k] = ti[1 + j * K + k];
    for (PetscInt p = 1; p < P; p++) pen += ti[p] * ti[p];
    if (info) {
      info[i].loglik  = -c->out[i];
      info[i].loglik0 = GlmLogLikelihoodBiasOnly(C[i], T);
      info[i].fval    = c->out[i] + 0.5 * c->l2 * pen;
      info[i].spikes  = C[i];
    }
  }
  PetscFunctionReturn(0);
}

PetscErrorCode GlmBatchFit(GlmModel *m, const GlmSpikes *sp, const GlmFitOptions *opt, MPI_Comm comm, GlmStopFn stop,
                           void *stopctx, GlmNeuronInfo *info, GlmBatchStatus *st)
{
  GlmBatchCtx        c = {.n = sp->n, .P = 1 + sp->n * m->nbasis, .l2 = opt->l2, .stop = stop, .stopctx = stopctx};
  const PetscInt     n = c.n, P = c.P;
  PetscInt          *C, its;
  Vec                z;
  Tao                tao;
  PetscReal          f, gnorm, cnorm, xdiff;
  TaoConvergedReason reason;
  PetscLogDouble     t0, t1, t2;
  const PetscScalar *za;

  PetscFunctionBeginUser;
  PetscCheck(sp->n == m->n, PETSC_COMM_SELF, PETSC_ERR_ARG_INCOMP,
             "GLM: %" PetscInt_FMT " spike trains for a model of %" PetscInt_FMT " neurons", sp->n, m->n);
  PetscCheck(sp->T > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "GLM: no bins to fit");
  PetscCheck(isfinite(opt->l2) && opt->l2 >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "-glm_l2 must be >= 0, got %g", opt->l2);
  PetscCall(PetscTime(&t0));
  PetscCall(PetscMalloc6(n, &C, (size_t)n * P, &c.theta0, (size_t)n * P * P, &c.U, (size_t)P * n, &c.Theta,
                         (size_t)n * P, &c.th, PetscMax(n + P * n, P * P), &c.out));
  for (PetscInt i = 0; i < n; i++) C[i] = sp->off[i + 1] - sp->off[i];
  /* X^T X once, with sums of its own size; then the objective's */
  PetscCall(GlmEvalCreate(sp, m, comm, P * P, &c.ev));
  PetscCall(GlmEvalRun(&c.ev, PETSC_TRUE, NULL, c.out));
  PetscCall(GlmEvalDestroy(&c.ev));
  PetscCall(GlmWhitening(&c, c.out, C, sp->T));
  PetscCall(GlmEvalCreate(sp, m, comm, n + P * n, &c.ev));
  PetscCall(PetscTime(&t1));
  PetscCall(VecCreateSeq(PETSC_COMM_SELF, n * P, &z));
  PetscCall(VecSet(z, 0.0));
  PetscCall(GlmBatchTao(&c, opt, z, &tao));
  PetscCall(TaoSolve(tao));
  PetscCall(TaoGetSolutionStatus(tao, &its, &f, &gnorm, &cnorm, &xdiff, &reason));
  PetscCall(VecGetArrayRead(z, &za));
  ZToTheta(&c, za);
  PetscCall(VecRestoreArrayRead(z, &za));
  PetscCall(GlmBatchResult(&c, m, C, sp->T, info));
  PetscCall(PetscTime(&t2));
  for (PetscInt i = 0; info && i < n; i++) {
    info[i].gnorm      = gnorm;
    info[i].iterations = its;
    info[i].reason     = (PetscInt)reason;
  }
  if (st) {
    st->iterations    = its;
    st->reason        = (PetscInt)reason;
    st->stopped       = c.stopped;
    st->gnorm         = gnorm;
    st->evaluations   = c.nevals;
    st->seconds_gram  = t1 - t0;
    st->seconds_solve = t2 - t1;
  }
  PetscCall(TaoDestroy(&tao));
  PetscCall(VecDestroy(&z));
  PetscCall(PetscFree6(C, c.theta0, c.U, c.Theta, c.th, c.out));
  PetscCall(GlmEvalDestroy(&c.ev));
  PetscFunctionReturn(0);
}
