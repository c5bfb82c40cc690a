/* The latent input's starting loadings from a recording's count covariance (fit_latent.h). */
#include "fit_latent.h"
#include "eval_table.h"
#include "fixedsum.h"
#include "parallel.h"
#include <math.h>

#define LATENT_SWEEPS 200
/* The largest |c| started from: the rare-spike picture (rates exp(c l), mean raised by
 * exp(c^2/2), undone by E_L) holds for moderate c; a recording whose co-modulation asks for
 * more (on/off waves: Wong1993_P15a's c is about 3) starts at this and lets the fit decide. */
#define LATENT_MAX_C 1.5

/* The counts of window w in nbins bins of per steps, bins [nbins][n] (whole numbers). */
static void WindowCounts(const FitData *d, PetscInt w, PetscInt per, PetscInt nbins, double *bins)
{
  const PetscInt n = d->n;
  PetscArrayzero(bins, nbins * n);
  for (PetscInt b = 0; b < nbins; b++)
    for (PetscInt t = b * per; t < (b + 1) * per; t++)
      for (PetscInt i = 0; i < n; i++) bins[b * n + i] += d->target[w][t * n + i];
}

PetscErrorCode FitLatentCountStats(Parallel *par, const FitData *d, PetscInt T, double dt, double *mean, double *cov)
{
  const PetscInt n = d->n, per = (PetscInt)llround(EVAL_BIN_MS / dt), nbins = T / PetscMax(per, 1);
  const PetscInt len = n + n * n + 1; /* sums of counts, of their products, and the bin count */
  FixedSum      *fs;
  double        *acc, *bins;

  PetscFunctionBeginUser;
  PetscCheck(nbins > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "-fit_init_latent needs windows of at least %g ms, got %g ms", EVAL_BIN_MS, (double)T * dt);
  PetscCall(PetscCalloc1(len, &acc));
  PetscCall(PetscMalloc1(nbins * n, &bins));
  for (PetscInt w = 0; w < d->nwindows; w++) {
    if (!WindowPartitionComputes(d->part, w)) continue;
    WindowCounts(d, w, per, nbins, bins);
    for (PetscInt b = 0; b < nbins; b++) {
      const double *bin = bins + b * n;
      for (PetscInt i = 0; i < n; i++) {
        acc[i] += bin[i];
        if (bin[i] != 0.0)
          for (PetscInt j = 0; j < n; j++) acc[n + i * n + j] += bin[i] * bin[j]; /* whole numbers: exact */
      }
      acc[len - 1] += 1.0;
    }
  }
  PetscCall(FixedSumCreate(len, &fs));
  FixedSumAdd(fs, acc);
  PetscCall(ParallelSumFixed(par, fs));
  FixedSumGet(fs, acc);
  PetscCall(FixedSumDestroy(&fs));
  {
    double K = PetscMax(acc[len - 1], 2.0);
    for (PetscInt i = 0; i < n; i++) mean[i] = acc[i] / K;
    for (PetscInt i = 0; i < n; i++)
      for (PetscInt j = 0; j < n; j++) cov[i * n + j] = (acc[n + i * n + j] - K * mean[i] * mean[j]) / (K - 1.0);
  }
  PetscCall(PetscFree(acc));
  PetscCall(PetscFree(bins));
  PetscFunctionReturn(0);
}

/* The population count of each bin of window w, pop [nbins] (bins: [nbins][n] scratch). */
static void PopulationBins(const FitData *d, PetscInt w, PetscInt per, PetscInt nbins, double *bins, double *pop)
{
  WindowCounts(d, w, per, nbins, bins);
  for (PetscInt b = 0; b < nbins; b++) {
    pop[b] = 0;
    for (PetscInt i = 0; i < d->n; i++) pop[b] += bins[b * d->n + i];
  }
}

PetscErrorCode FitLatentTimeConstant(Parallel *par, const FitData *d, PetscInt T, double dt, double *tau_ms)
{
  const PetscInt per = (PetscInt)llround(EVAL_BIN_MS / dt), nbins = T / PetscMax(per, 1);
  FixedSum      *fs;
  double        *acc, *bins, *pop, *ac, sum = 0;

  PetscFunctionBeginUser;
  PetscCheck(nbins >= 2, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "-model_latent_tau -1 needs windows of at least %g ms, got %g ms", 2 * EVAL_BIN_MS, (double)T * dt);
  /* per lag k: sum of pop[b] pop[b+k], of pop[b], of pop[b+k], and the pair count (whole numbers) */
  PetscCall(PetscCalloc1(4 * nbins, &acc));
  PetscCall(PetscMalloc3(nbins * d->n, &bins, nbins, &pop, nbins, &ac));
  for (PetscInt w = 0; w < d->nwindows; w++) {
    if (!WindowPartitionComputes(d->part, w)) continue;
    PopulationBins(d, w, per, nbins, bins, pop);
    for (PetscInt k = 0; k < nbins; k++)
      for (PetscInt b = 0; b + k < nbins; b++) {
        acc[4 * k] += pop[b] * pop[b + k];
        acc[4 * k + 1] += pop[b];
        acc[4 * k + 2] += pop[b + k];
        acc[4 * k + 3] += 1.0;
      }
  }
  PetscCall(FixedSumCreate(4 * nbins, &fs));
  FixedSumAdd(fs, acc);
  PetscCall(ParallelSumFixed(par, fs));
  FixedSumGet(fs, acc);
  PetscCall(FixedSumDestroy(&fs));
  for (PetscInt k = 0; k < nbins; k++) {
    double N = PetscMax(acc[4 * k + 3], 1.0);
    ac[k]    = acc[4 * k] / N - (acc[4 * k + 1] / N) * (acc[4 * k + 2] / N);
  }
  if (ac[1] > 0)
    for (PetscInt k = 1; k < nbins && ac[k] > 0; k++) sum += ac[k] / ac[1];
  *tau_ms = PetscMin(sum * EVAL_BIN_MS, (double)T * dt);
  PetscCall(PetscFree(acc));
  PetscCall(PetscFree3(bins, pop, ac));
  PetscFunctionReturn(0);
}

void FitLatentLoadings(PetscInt n, const double *mean, const double *cov, double *c)
{
  double *mc = malloc(sizeof(double) * (size_t)PetscMax(n, 1)), s2;
  for (PetscInt i = 0; i < n; i++) c[i] = mean[i] > 0 ? 0.5 : 0.0;
  /* d/dc_i sum_{j != i} (cov_ij - m_i m_j c_i c_j)^2 = 0 gives
   * c_i = sum_{j != i} cov_ij m_j c_j / (m_i sum_{j != i} (m_j c_j)^2); half steps for stability */
  for (int sweep = 0; sweep < LATENT_SWEEPS; sweep++) {
    s2 = 0;
    for (PetscInt j = 0; j < n; j++) {
      mc[j] = mean[j] * c[j];
      s2 += mc[j] * mc[j];
    }
    for (PetscInt i = 0; i < n; i++) {
      double num = 0, den = mean[i] * (s2 - mc[i] * mc[i]);
      if (!(mean[i] > 0) || !(den > 0)) continue;
      for (PetscInt j = 0; j < n; j++)
        if (j != i) num += cov[i * n + j] * mc[j];
      c[i] = 0.5 * c[i] + 0.5 * num / den;
    }
  }
  free(mc);
}

PetscErrorCode FitLatentApply(const ParamLayout *l, PetscInt nrec, const double *c, double *theta)
{
  const ParamBlock *lat = ParamLayoutBlock(l, "lat"), *B = ParamLayoutBlock(l, "beta");
  const ParamBlock *R = ParamLayoutBlock(l, "R_I"), *E = ParamLayoutBlock(l, "E_L");

  PetscFunctionBeginUser;
  PetscCheck(lat, PETSC_COMM_SELF, PETSC_ERR_ARG_INCOMP,
             "-fit_init_latent sets the latent input's loadings: give -model_latent_tau MS (> 0)");
  PetscCheck(B && R && E, PETSC_COMM_SELF, PETSC_ERR_ARG_INCOMP,
             "-fit_init_latent needs a model with escape noise (blocks beta, R_I, E_L): -model slif");
  for (PetscInt j = 0; j < nrec; j++) {
    PetscInt ka = lat->offset + j, ke = E->offset + j;
    double   beta = theta[B->offset + j], gain = beta * theta[R->offset + j];
    double   cj = PetscMin(PetscMax(c[j], -LATENT_MAX_C), LATENT_MAX_C);
    theta[ka] = PetscMin(PetscMax(cj / gain, l->lo[ka]), l->hi[ka]);
    /* the shift of the mean rate by exp(c^2 / 2), of the loading that was kept */
    double ck = theta[ka] * gain;
    theta[ke] = PetscMin(PetscMax(theta[ke] - ck * ck / (2.0 * beta), l->lo[ke]), l->hi[ke]);
  }
  PetscFunctionReturn(0);
}
