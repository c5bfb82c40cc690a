#ifndef SPIKEFIT_LOSS_H
#define SPIKEFIT_LOSS_H
/* Losses between the model output y[t][i] and the target s[t][i] of one window
 * (SCIENCE.md section 4), each with its exact gradient dL/dy. */
#include <petscsys.h>

typedef enum { LOSS_FRD, LOSS_VRD, LOSS_MIX, LOSS_ADAPTIVE, LOSS_BNLL, LOSS_PNLL, LOSS_SM, LOSS_WEIGHTED } LossKind;
extern const char *const LossKinds[];

enum { LOSS_TERM_FRD, LOSS_TERM_VRD, LOSS_TERM_BNLL, LOSS_TERM_PNLL, LOSS_TERM_SM, LOSS_NTERMS };
extern const char *const LossTermNames[];

typedef struct {
  LossKind  kind;
  double    vr_tau;               /* ms, van Rossum time constant */
  double    dt;                   /* ms */
  double    weights[LOSS_NTERMS]; /* LOSS_WEIGHTED: -loss_weights frd:a,vrd:b,bnll:c,pnll:d,sm:e */
  double    sm_bin_ms;            /* sm: PSTH bin (ms) */
  PetscInt  sm_lags;              /* sm: noise covariances at lags 0..sm_lags (bins) */
  double    sm_hidden_rate;       /* sm: target rate (Hz) of hidden neurons; < 0: the recorded neurons' mean */
  double    sm_hidden_weight;     /* sm: weight of the hidden neurons' rate term (0: off) */
  PetscBool sm_pool;              /* sm: stationary statistics, every bin of every window one sample (below) */
  PetscBool teacher_forcing;      /* -loss_teacher_forcing: bnll/pnll on a run driven by the recorded spikes */
} LossConfig;

typedef struct {
  double total;             /* the weighted loss */
  double term[LOSS_NTERMS]; /* the unweighted terms (0 if not computed) */
} LossValue;

/* Term weights at training fraction progress in [0,1] (only `adaptive` depends on it). */
void LossWeights(const LossConfig *cfg, double progress, double w[LOSS_NTERMS]);

/* Loss of one window; dy (may be NULL) receives dL/dy; scratch holds T*n doubles.
 * The window-coupled term sm is not part of it (see LossSM* below): its term stays 0. */
void LossEvaluate(const LossConfig *cfg, double progress, PetscInt n, PetscInt T, const double *y, const double *s,
                  double *dy, double *scratch, LossValue *val);

/* LossEvaluate on the first n of ld columns of y [T][ld] (hidden neurons: only the
 * recorded ones are scored); s is [T][n]; dy [T][ld] gets 0 in the other columns;
 * work holds 3*T*n doubles. With ld == n it is LossEvaluate itself. */
void LossEvaluateColumns(const LossConfig *cfg, double progress, PetscInt n, PetscInt ld, PetscInt T, const double *y,
                         const double *s, double *dy, double *work, LossValue *val);

/* ---- sm, sample-and-measure (docs/LOSSES.md): statistics over the K windows of a step ----
 * Per window w the output of the first n neurons is binned, c_w[k][i] = sum over bin k of
 * y[t][i] (nb = T / bin_steps bins; trailing steps outside a whole bin are not scored).
 * PSTH m[k][i] = mean_w c_w[k][i]; noise covariance at lag l
 * C_l[i][j] = 1/(nb-l) sum_{k<nb-l} (mean_w c_w[k][i] c_w[k+l][j] - m[k][i] m[k+l][j]).
 * Hidden neurons h (columns n..n+nh-1 of y) have no target; their mean count per bin
 * r_h = 1/(K nb) sum_w sum_k c_w[k][h] is pulled to r* (-loss_sm_hidden_rate in Hz times the
 * bin, or the recorded neurons' mean count per bin, mean_{k,i} m^s[k][i]):
 * sm = K * ( sum_{k,i} (m^y - m^s)^2 + sum_{l,i,j} (C^y_l - C^s_l)^2 + w_h sum_h (r_h - r*)^2 ).
 * Pooled (-loss_sm_pool, for activity not locked to the window start, e.g. a spontaneous
 * recording): every bin of every window is one sample, m[i] = 1/(K nb) sum_{w,k} c_w[k][i],
 * C_l[i][j] = 1/(K (nb-l)) sum_w sum_{k<nb-l} c_w[k][i] c_w[k+l][j] - m[i] m[j], and
 * sm = K * ( nb sum_i (m^y - m^s)^2 + sum_{l,i,j} (C^y_l - C^s_l)^2 + w_h sum_h (r_h - r*)^2 ).
 * The sums over windows are exact (fixed point), so the statistics are those of the step's
 * windows wherever they are computed. */
typedef struct {
  PetscInt n, nh, bin, nb, L; /* recorded neurons, hidden neurons, steps per bin, bins, lags 0..L */
  PetscInt half;              /* nb*n + (L+1)*n*n: the model's (then the target's) moments */
  PetscInt len;               /* doubles per window contribution: 2*half + nh */
  double   hidden_rate;       /* r* in counts per bin, or < 0: the recorded mean */
  double   hidden_weight;     /* w_h */
  PetscBool pooled;           /* stationary statistics (-loss_sm_pool) */
} LossSMShape;
typedef struct {
  LossSMShape sh;
  double      K;
  double     *m_y, *m_s; /* [nb][n] PSTHs (pooled: the first n are the mean counts per bin) */
  double     *D;         /* [L+1][n][n] C^y - C^s */
  double     *r_h;       /* [nh] hidden neurons' mean count per bin */
  double      r_star;    /* their target */
  double      value;     /* sm (unweighted) */
} LossSMStats;

PetscBool      LossUsesSM(const LossConfig *cfg);
PetscErrorCode LossSMShapeInit(const LossConfig *cfg, PetscInt n, PetscInt nh, PetscInt T, LossSMShape *sh);
/* Adds window w's sums (y: [T][ld], ld = n + nh, the first n recorded; s: [T][n]) to acc[sh->len]. */
void LossSMAccumulate(const LossSMShape *sh, PetscInt ld, PetscInt T, const double *y, const double *s, double *acc);
/* From the sums over K windows: the statistics, their difference and the value. */
PetscErrorCode LossSMStatsCreate(const LossSMShape *sh, LossSMStats **st);
PetscErrorCode LossSMStatsDestroy(LossSMStats **st);
void           LossSMFinish(LossSMStats *st, PetscInt K, const double *sums);
/* Adds weight * dsm/dy of one window (y [T][ld], ld = n + nh) to dy; work holds nb*n doubles. */
void LossSMGradient(const LossSMStats *st, PetscInt ld, PetscInt T, const double *y, double weight, double *dy,
                    double *work);
/* sm from its plain definition on K windows y[K][T][n+nh], s[K][T][n] (tests). */
double LossSM_ref(const LossConfig *cfg, PetscInt n, PetscInt nh, PetscInt T, PetscInt K, const double *y,
                  const double *s);

/* The plain-definition loss used by tests (no gradient, no shared scratch). */
double LossValue_ref(const LossConfig *cfg, double progress, PetscInt n, PetscInt T, const double *y, const double *s);

/* Completes a LossConfig whose fields the options filled (fit_options.c's table): the weights
 * of -loss_weights (when given; it makes the loss `weighted`), then checks every field. */
PetscErrorCode LossConfigFinish(LossConfig *cfg, const char *weights, PetscBool wset);

/* Teacher forcing splits a loss in two: the likelihood terms (bnll, pnll), scored on a run
 * whose recorded neurons are driven by the recorded spikes, and the rest (frd, vrd, sm),
 * scored on a free-running run. forced and free get those two parts as weighted losses;
 * the return value says whether free has any term. */
PetscBool LossSplitForced(const LossConfig *cfg, LossConfig *forced, LossConfig *free_run);
#endif
