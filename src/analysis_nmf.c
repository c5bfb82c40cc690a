/* NMF (Lee & Seung multiplicative updates, Frobenius objective) and the geodesic similarity
 * of module matrices. Definitions in include/analysis_nmf.h and docs/ANALYSIS.md. */
#include "analysis_nmf.h"
#include "rng.h"
#include <cblas.h>
#include <math.h>
#include <string.h>

void NmfOptionsDefault(NmfOptions *opt)
{
  opt->k         = 3;
  opt->nrestarts = 5;
  opt->maxit     = 1000;
  opt->rtol      = 1e-6;
  opt->eps       = 1e-12;
  opt->seed      = 0;
}

PetscInt NmfWorkSize(PetscInt n, PetscInt nbins, PetscInt k) { return 2 * k * nbins + 2 * k * k + 2 * n * k; }

static PetscErrorCode CheckDims(PetscInt n, PetscInt nbins, PetscInt k)
{
  PetscFunctionBeginUser;
  PetscCheck(n >= 1 && nbins >= 1 && k >= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "NMF: need n, nbins, k >= 1 (got n %" PetscInt_FMT ", nbins %" PetscInt_FMT ", k %" PetscInt_FMT ")", n,
             nbins, k);
  PetscCheck((double)n * (double)nbins < 2147483647.0 && (double)NmfWorkSize(n, nbins, k) < 2147483647.0,
             PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "NMF: matrix too large for BLAS int sizes (n %" PetscInt_FMT ", nbins %" PetscInt_FMT ")", n, nbins);
  PetscFunctionReturn(0);
}

/* Workspace views, in the order of NmfWorkSize(). */
typedef struct {
  double *WtX, *WtWH, *WtW, *HHt, *XHt, *WHHt;
} NmfWork;

static void WorkSplit(double *work, PetscInt n, PetscInt nbins, PetscInt k, NmfWork *w)
{
  w->WtX  = work;
  w->WtWH = w->WtX + k * nbins;
  w->WtW  = w->WtWH + k * nbins;
  w->HHt  = w->WtW + k * k;
  w->XHt  = w->HHt + k * k;
  w->WHHt = w->XHt + n * k;
}

/* The element-wise part shared by both updates: Y <- Y .* num ./ (den + eps). */
static void MulUpdate(PetscInt len, double *Y, const double *num, const double *den, double eps)
{
  for (PetscInt q = 0; q < len; q++) Y[q] *= num[q] / (den[q] + eps);
}

PetscErrorCode NmfUpdate(const double *X, PetscInt n, PetscInt nbins, PetscInt k, double *W, double *H, double eps,
                         double *work)
{
  double *own = NULL;
  NmfWork w;
  int     N = (int)n, B = (int)nbins, K = (int)k;

  PetscFunctionBeginUser;
  PetscCall(CheckDims(n, nbins, k));
  if (!work) {
    PetscCall(PetscMalloc1(NmfWorkSize(n, nbins, k), &own));
    work = own;
  }
  WorkSplit(work, n, nbins, k, &w);
  /* H <- H .* (W^T X) ./ ((W^T W) H + eps) */
  cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, K, B, N, 1.0, W, K, X, B, 0.0, w.WtX, B);
  cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, K, K, N, 1.0, W, K, W, K, 0.0, w.WtW, K);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, K, B, K, 1.0, w.WtW, K, H, B, 0.0, w.WtWH, B);
  MulUpdate(k * nbins, H, w.WtX, w.WtWH, eps);
  /* W <- W .* (X H^T) ./ (W (H H^T) + eps) */
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, N, K, B, 1.0, X, B, H, B, 0.0, w.XHt, K);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, K, K, B, 1.0, H, B, H, B, 0.0, w.HHt, K);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, K, K, 1.0, W, K, w.HHt, K, 0.0, w.WHHt, K);
  MulUpdate(n * k, W, w.XHt, w.WHHt, eps);
  PetscCall(PetscFree(own));
  PetscFunctionReturn(0);
}

PetscErrorCode NmfUpdate_ref(const double *X, PetscInt n, PetscInt nbins, PetscInt k, double *W, double *H, double eps,
                             double *work)
{
  double *own = NULL;
  NmfWork w;

  PetscFunctionBeginUser;
  PetscCall(CheckDims(n, nbins, k));
  if (!work) {
    PetscCall(PetscMalloc1(NmfWorkSize(n, nbins, k), &own));
    work = own;
  }
  WorkSplit(work, n, nbins, k, &w);
  for (PetscInt c = 0; c < k; c++) /* W^T X */
    for (PetscInt t = 0; t < nbins; t++) {
      double s = 0.0;
      for (PetscInt i = 0; i < n; i++) s += W[i * k + c] * X[i * nbins + t];
      w.WtX[c * nbins + t] = s;
    }
  for (PetscInt a = 0; a < k; a++) /* W^T W */
    for (PetscInt b = 0; b < k; b++) {
      double s = 0.0;
      for (PetscInt i = 0; i < n; i++) s += W[i * k + a] * W[i * k + b];
      w.WtW[a * k + b] = s;
    }
  for (PetscInt c = 0; c < k; c++) /* (W^T W) H */
    for (PetscInt t = 0; t < nbins; t++) {
      double s = 0.0;
      for (PetscInt b = 0; b < k; b++) s += w.WtW[c * k + b] * H[b * nbins + t];
      w.WtWH[c * nbins + t] = s;
    }
  MulUpdate(k * nbins, H, w.WtX, w.WtWH, eps);
  for (PetscInt i = 0; i < n; i++) /* X H^T */
    for (PetscInt c = 0; c < k; c++) {
      double s = 0.0;
      for (PetscInt t = 0; t < nbins; t++) s += X[i * nbins + t] * H[c * nbins + t];
      w.XHt[i * k + c] = s;
    }
  for (PetscInt a = 0; a < k; a++) /* H H^T */
    for (PetscInt b = 0; b < k; b++) {
      double s = 0.0;
      for (PetscInt t = 0; t < nbins; t++) s += H[a * nbins + t] * H[b * nbins + t];
      w.HHt[a * k + b] = s;
    }
  for (PetscInt i = 0; i < n; i++) /* W (H H^T) */
    for (PetscInt c = 0; c < k; c++) {
      double s = 0.0;
      for (PetscInt b = 0; b < k; b++) s += W[i * k + b] * w.HHt[b * k + c];
      w.WHHt[i * k + c] = s;
    }
  MulUpdate(n * k, W, w.XHt, w.WHHt, eps);
  PetscCall(PetscFree(own));
  PetscFunctionReturn(0);
}

PetscErrorCode NmfError(const double *X, PetscInt n, PetscInt nbins, PetscInt k, const double *W, const double *H,
                        double *work, double *err)
{
  double *own = NULL, s = 0.0;

  PetscFunctionBeginUser;
  PetscCall(CheckDims(n, nbins, k));
  if (!work) {
    PetscCall(PetscMalloc1(n * nbins, &own));
    work = own;
  }
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)nbins, (int)k, 1.0, W, (int)k, H, (int)nbins, 0.0,
              work, (int)nbins);
  for (PetscInt q = 0; q < n * nbins; q++) {
    double d = X[q] - work[q];
    s += d * d;
  }
  *err = sqrt(s);
  PetscCall(PetscFree(own));
  PetscFunctionReturn(0);
}

PetscErrorCode NmfNormalize(PetscInt n, PetscInt nbins, PetscInt k, double *W, double *H)
{
  double   *tot, *Wc, *Hc;
  PetscInt *order;

  PetscFunctionBeginUser;
  PetscCall(CheckDims(n, nbins, k));
  PetscCall(PetscMalloc4(k, &tot, k, &order, n * k, &Wc, k * nbins, &Hc));
  for (PetscInt c = 0; c < k; c++) {
    double nrm = 0.0;
    for (PetscInt i = 0; i < n; i++) nrm += W[i * k + c] * W[i * k + c];
    nrm = sqrt(nrm);
    if (nrm > 0.0) {
      for (PetscInt i = 0; i < n; i++) W[i * k + c] /= nrm;
      for (PetscInt t = 0; t < nbins; t++) H[c * nbins + t] *= nrm;
    } else {
      for (PetscInt t = 0; t < nbins; t++) H[c * nbins + t] = 0.0;
    }
    tot[c] = 0.0;
    for (PetscInt t = 0; t < nbins; t++) tot[c] += H[c * nbins + t];
    order[c] = c;
  }
  /* stable insertion sort by total activation, descending */
  for (PetscInt a = 1; a < k; a++) {
    PetscInt m = order[a], b = a;
    while (b > 0 && tot[order[b - 1]] < tot[m]) {
      order[b] = order[b - 1];
      b--;
    }
    order[b] = m;
  }
  PetscCall(PetscArraycpy(Wc, W, n * k));
  PetscCall(PetscArraycpy(Hc, H, k * nbins));
  for (PetscInt c = 0; c < k; c++) {
    PetscInt src = order[c];
    for (PetscInt i = 0; i < n; i++) W[i * k + c] = Wc[i * k + src];
    PetscCall(PetscArraycpy(H + c * nbins, Hc + src * nbins, nbins));
  }
  PetscCall(PetscFree4(tot, order, Wc, Hc));
  PetscFunctionReturn(0);
}

PetscErrorCode NmfFit(const double *X, PetscInt n, PetscInt nbins, const NmfOptions *optin, double *W, double *H,
                      NmfInfo *info)
{
  NmfOptions opt;
  double    *Wr, *Hr, *work, *ework, mean = 0.0, xnorm = 0.0, scale, best = PETSC_MAX_REAL;
  PetscInt   k, best_r = -1, best_it = 0;
  PetscBool  best_conv = PETSC_FALSE;

  PetscFunctionBeginUser;
  if (optin) opt = *optin;
  else NmfOptionsDefault(&opt);
  k = opt.k;
  PetscCall(CheckDims(n, nbins, k));
  PetscCheck(opt.nrestarts >= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "NMF: need at least one restart (got %" PetscInt_FMT ")", opt.nrestarts);
  PetscCheck(opt.maxit >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "NMF: maxit must be >= 0 (got %" PetscInt_FMT ")", opt.maxit);
  PetscCheck(opt.eps > 0.0 && opt.rtol >= 0.0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "NMF: need eps > 0 and rtol >= 0 (got %g, %g)", opt.eps, opt.rtol);
  PetscCheck(opt.nrestarts <= 0xFFFFFF, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "NMF: too many restarts for the RNG stream id");
  for (PetscInt q = 0; q < n * nbins; q++) {
    PetscCheck(isfinite(X[q]) && X[q] >= 0.0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
               "NMF: X must be finite and nonnegative; X[%" PetscInt_FMT "][%" PetscInt_FMT "] = %g", q / nbins,
               q % nbins, X[q]);
    mean += X[q];
    xnorm += X[q] * X[q];
  }
  mean /= (double)(n * nbins);
  xnorm = sqrt(xnorm);
  scale = sqrt(mean / (double)k);

  PetscCall(PetscMalloc4(n * k, &Wr, k * nbins, &Hr, NmfWorkSize(n, nbins, k), &work, n * nbins, &ework));
  for (PetscInt r = 0; r < opt.nrestarts; r++) {
    uint32_t  stream = RngStreamId(RNG_STREAM_ANALYSIS, (uint32_t)r);
    double    prev, err;
    PetscInt  it   = 0;
    PetscBool conv = PETSC_FALSE;

    for (PetscInt i = 0; i < n; i++)
      for (PetscInt c = 0; c < k; c++)
        Wr[i * k + c] = scale * (0.01 + RngUniform(opt.seed, stream, 0, (uint32_t)i, (uint32_t)c));
    for (PetscInt c = 0; c < k; c++)
      for (PetscInt t = 0; t < nbins; t++)
        Hr[c * nbins + t] = scale * (0.01 + RngUniform(opt.seed, stream, 1, (uint32_t)c, (uint32_t)t));
    PetscCall(NmfError(X, n, nbins, k, Wr, Hr, ework, &prev));
    err = prev;
    if (prev == 0.0) conv = PETSC_TRUE;
    while (!conv && it < opt.maxit) {
      PetscCall(NmfUpdate(X, n, nbins, k, Wr, Hr, opt.eps, work));
      it++;
      if (it % NMF_CHECK_EVERY == 0 || it == opt.maxit) {
        PetscCall(NmfError(X, n, nbins, k, Wr, Hr, ework, &err));
        if (prev - err <= opt.rtol * prev) conv = PETSC_TRUE;
        prev = err;
      }
    }
    PetscCheck(isfinite(err), PETSC_COMM_SELF, PETSC_ERR_FP, "NMF: non-finite error in restart %" PetscInt_FMT, r);
    if (err < best) {
      best      = err;
      best_r    = r;
      best_it   = it;
      best_conv = conv;
      PetscCall(PetscArraycpy(W, Wr, n * k));
      PetscCall(PetscArraycpy(H, Hr, k * nbins));
    }
  }
  PetscCall(NmfNormalize(n, nbins, k, W, H));
  if (info) {
    PetscCall(NmfError(X, n, nbins, k, W, H, ework, &info->err));
    info->relerr       = xnorm > 0.0 ? info->err / xnorm : 0.0;
    info->best_restart = best_r;
    info->iterations   = best_it;
    info->converged    = best_conv;
  }
  PetscCall(PetscFree4(Wr, Hr, work, ework));
  PetscFunctionReturn(0);
}

/* ---------------- assignment ---------------- */

typedef struct {
  const double *score;
  PetscInt      k;
  PetscInt     *cur, *best;
  PetscBool    *used;
  double        best_total;
  PetscBool     have;
} BruteCtx;

static void BruteRec(BruteCtx *b, PetscInt row, double partial)
{
  if (row == b->k) {
    if (!b->have || partial > b->best_total) {
      b->have       = PETSC_TRUE;
      b->best_total = partial;
      memcpy(b->best, b->cur, (size_t)b->k * sizeof(PetscInt));
    }
    return;
  }
  for (PetscInt j = 0; j < b->k; j++) {
    if (b->used[j]) continue;
    b->used[j]  = PETSC_TRUE;
    b->cur[row] = j;
    BruteRec(b, row + 1, partial + b->score[row * b->k + j]);
    b->used[j] = PETSC_FALSE;
  }
}

static PetscErrorCode AssignBrute(const double *score, PetscInt k, PetscInt *match)
{
  BruteCtx b;

  PetscFunctionBeginUser;
  PetscCheck(k <= 10, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "brute-force assignment limited to k <= 10 (got %" PetscInt_FMT ")", k);
  b.score      = score;
  b.k          = k;
  b.best       = match;
  b.best_total = 0.0;
  b.have       = PETSC_FALSE;
  PetscCall(PetscMalloc1(k, &b.cur));
  PetscCall(PetscCalloc1(k, &b.used));
  BruteRec(&b, 0, 0.0);
  PetscCall(PetscFree(b.cur));
  PetscCall(PetscFree(b.used));
  PetscFunctionReturn(0);
}

/* Hungarian algorithm with row/column potentials, minimising cost = -score; 1-based
 * internal arrays, column 0 is a virtual start. O(k^3). */
static PetscErrorCode AssignHungarian(const double *score, PetscInt k, PetscInt *match)
{
  double    *u, *v, *minv;
  PetscInt  *p, *way;
  PetscBool *used;

  PetscFunctionBeginUser;
  PetscCall(PetscCalloc3(k + 1, &u, k + 1, &v, k + 1, &minv));
  PetscCall(PetscCalloc3(k + 1, &p, k + 1, &way, k + 1, &used));
  for (PetscInt i = 1; i <= k; i++) {
    PetscInt j0 = 0;
    p[0]        = i;
    for (PetscInt j = 0; j <= k; j++) {
      minv[j] = PETSC_MAX_REAL;
      used[j] = PETSC_FALSE;
    }
    do {
      PetscInt i0 = p[j0], j1 = 0;
      double   delta = PETSC_MAX_REAL;
      used[j0]       = PETSC_TRUE;
      for (PetscInt j = 1; j <= k; j++) {
        if (used[j]) continue;
        double cur = -score[(i0 - 1) * k + (j - 1)] - u[i0] - v[j];
        if (cur < minv[j]) {
          minv[j] = cur;
          way[j]  = j0;
        }
        if (minv[j] < delta) {
          delta = minv[j];
          j1    = j;
        }
      }
      for (PetscInt j = 0; j <= k; j++) {
        if (used[j]) {
          u[p[j]] += delta;
          v[j] -= delta;
        } else minv[j] -= delta;
      }
      j0 = j1;
    } while (p[j0] != 0);
    do {
      PetscInt j1 = way[j0];
      p[j0]       = p[j1];
      j0          = j1;
    } while (j0 != 0);
  }
  for (PetscInt j = 1; j <= k; j++) match[p[j] - 1] = j - 1;
  PetscCall(PetscFree3(u, v, minv));
  PetscCall(PetscFree3(p, way, used));
  PetscFunctionReturn(0);
}

PetscErrorCode AnalysisAssignMax(const double *score, PetscInt k, AnalysisAssignMethod method, PetscInt *match,
                                 double *total)
{
  PetscFunctionBeginUser;
  PetscCheck(k >= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "assignment: need k >= 1 (got %" PetscInt_FMT ")", k);
  for (PetscInt q = 0; q < k * k; q++)
    PetscCheck(isfinite(score[q]), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
               "assignment: score[%" PetscInt_FMT "] is not finite", q);
  if (method == ANALYSIS_ASSIGN_AUTO) method = k <= 8 ? ANALYSIS_ASSIGN_BRUTE : ANALYSIS_ASSIGN_HUNGARIAN;
  if (method == ANALYSIS_ASSIGN_BRUTE) PetscCall(AssignBrute(score, k, match));
  else if (method == ANALYSIS_ASSIGN_HUNGARIAN) PetscCall(AssignHungarian(score, k, match));
  else SETERRQ(PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "assignment: unknown method %d", (int)method);
  if (total) {
    *total = 0.0;
    for (PetscInt i = 0; i < k; i++) *total += score[i * k + match[i]];
  }
  PetscFunctionReturn(0);
}

/* ---------------- geodesic similarity ---------------- */

/* Copies M [n][k] and scales each column to unit norm; zero[c] marks zero columns. */
static PetscErrorCode NormalizedColumns(const double *M, PetscInt n, PetscInt k, double *out, PetscBool *zero)
{
  PetscFunctionBeginUser;
  for (PetscInt q = 0; q < n * k; q++)
    PetscCheck(isfinite(M[q]), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
               "geodesic similarity: entry [%" PetscInt_FMT "][%" PetscInt_FMT "] is not finite", q / k, q % k);
  for (PetscInt c = 0; c < k; c++) {
    double nrm = 0.0;
    for (PetscInt i = 0; i < n; i++) nrm += M[i * k + c] * M[i * k + c];
    nrm     = sqrt(nrm);
    zero[c] = nrm > 0.0 ? PETSC_FALSE : PETSC_TRUE;
    for (PetscInt i = 0; i < n; i++) out[i * k + c] = nrm > 0.0 ? M[i * k + c] / nrm : 0.0;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode AnalysisGeodesicSimilarity(const double *A, const double *B, PetscInt n, PetscInt k, double *sim,
                                          PetscInt *match)
{
  double    *An, *Bn, *score, s = 0.0;
  PetscBool *za, *zb;
  PetscInt  *m;

  PetscFunctionBeginUser;
  PetscCheck(n >= 1 && k >= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "geodesic similarity: need n, k >= 1 (got %" PetscInt_FMT ", %" PetscInt_FMT ")", n, k);
  PetscCall(PetscMalloc3(n * k, &An, n * k, &Bn, k * k, &score));
  PetscCall(PetscMalloc3(k, &za, k, &zb, k, &m));
  PetscCall(NormalizedColumns(A, n, k, An, za));
  PetscCall(NormalizedColumns(B, n, k, Bn, zb));
  for (PetscInt a = 0; a < k; a++)
    for (PetscInt b = 0; b < k; b++) {
      double d = 0.0;
      for (PetscInt i = 0; i < n; i++) d += An[i * k + a] * Bn[i * k + b];
      score[a * k + b] = fabs(d);
    }
  PetscCall(AnalysisAssignMax(score, k, ANALYSIS_ASSIGN_AUTO, m, NULL));
  for (PetscInt a = 0; a < k; a++) {
    PetscInt b = m[a];
    double   angle;
    if (za[a] || zb[b]) angle = 0.5 * M_PI;
    else {
      double dm = 0.0, dp = 0.0;
      for (PetscInt i = 0; i < n; i++) {
        double x = An[i * k + a], y = Bn[i * k + b];
        dm += (x - y) * (x - y);
        dp += (x + y) * (x + y);
      }
      angle = 2.0 * atan2(sqrt(dm), sqrt(dp));
    }
    s += 1.0 - (2.0 / M_PI) * angle;
  }
  *sim = s / (double)k;
  if (match) PetscCall(PetscArraycpy(match, m, k));
  PetscCall(PetscFree3(An, Bn, score));
  PetscCall(PetscFree3(za, zb, m));
  PetscFunctionReturn(0);
}
