#ifndef SPIKEFIT_LOSS_H
#define SPIKEFIT_LOSS_H
/* Losses between the model output y[t][i] and the target s[t][i] of one window
 * (SCIENCE.md section 4), each with its exact gradient dL/dy. */
#include <petscsys.h>

typedef enum { LOSS_FRD, LOSS_VRD, LOSS_MIX, LOSS_ADAPTIVE, LOSS_BNLL, LOSS_PNLL, LOSS_WEIGHTED } LossKind;
extern const char *const LossKinds[];

enum { LOSS_TERM_FRD, LOSS_TERM_VRD, LOSS_TERM_BNLL, LOSS_TERM_PNLL, LOSS_NTERMS };
extern const char *const LossTermNames[];

typedef struct {
  LossKind kind;
  double   vr_tau; /* ms, van Rossum time constant */
  double   dt;     /* ms */
  double   weights[LOSS_NTERMS]; /* LOSS_WEIGHTED: -loss_weights frd:a,vrd:b,bnll:c,pnll:d */
} LossConfig;

typedef struct {
  double total;              /* the weighted loss */
  double term[LOSS_NTERMS];  /* the unweighted terms (0 if not computed) */
} LossValue;

/* Term weights at training fraction progress in [0,1] (only `adaptive` depends on it). */
void LossWeights(const LossConfig *cfg, double progress, double w[LOSS_NTERMS]);

/* Loss of one window; dy (may be NULL) receives dL/dy; scratch holds T*n doubles. */
void LossEvaluate(const LossConfig *cfg, double progress, PetscInt n, PetscInt T, const double *y, const double *s, double *dy, double *scratch, LossValue *val);

/* The plain-definition loss used by tests (no gradient, no shared scratch). */
double LossValue_ref(const LossConfig *cfg, double progress, PetscInt n, PetscInt T, const double *y, const double *s);

PetscErrorCode LossConfigFromOptions(LossConfig *cfg, double dt);
#endif
