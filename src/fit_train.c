/* The training loop of `spikefit fit`: iterations, the monitor with its ETA, the best
 * parameters, rollbacks of divergences, the time budget, signals and checkpoints.
 *
 * Divergence (docs/RELIABILITY.md): an iteration whose sums hold NaN, infinite or huge
 * (>= 2^60) values, whose validation loss is not finite, whose training loss exceeds the
 * best accepted one by more than 1e3 times its size, or whose gradient norm exceeds 1e6
 * times the median of the last accepted ones (at least 3). It is rolled back to the last
 * parameters and optimiser state known good, the learning rate is halved, and training goes
 * on, at most -fit_max_rollbacks times; then the fit stops with the best parameters. Every
 * test reads values that are the same on every rank (after the exact reductions), so the
 * ranks take the same branch. */
#include "fit_impl.h"
#include "checkpoint.h"
#include <math.h>
#include <stdlib.h>
#include <petsctime.h>

#define FIT_EXPLODE_LOSS 1e3
#define FIT_EXPLODE_GRAD 1e6
#define FIT_GRAD_HISTORY 25

/* The state at the start of one iteration: what a rollback restores. */
typedef struct {
  PetscInt  it, t; /* iteration, optimiser steps */
  double   *theta, *m, *v;
  PetscBool valid;
} Snapshot;

static PetscErrorCode SnapshotTake(Fit *f, PetscInt it, Snapshot *s)
{
  PetscFunctionBeginUser;
  s->it = it;
  s->t  = f->state.optim->t;
  PetscCall(PetscArraycpy(s->theta, f->state.theta, f->net.P));
  PetscCall(OptimGetMoments(f->state.optim, s->m, s->v));
  s->valid = PETSC_TRUE;
  PetscFunctionReturn(0);
}

static PetscErrorCode SnapshotRestore(Fit *f, const Snapshot *s)
{
  PetscFunctionBeginUser;
  PetscCall(OptimSetState(f->state.optim, s->t, s->theta, s->m, s->v));
  PetscCall(PetscArraycpy(f->state.theta, s->theta, f->net.P));
  f->state.done = s->it;
  PetscFunctionReturn(0);
}

static int CmpDouble(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Median of the gradient norms of the last accepted iterations before it (NAN: too few). */
static double GradMedian(const Fit *f, PetscInt it)
{
  double   buf[FIT_GRAD_HISTORY];
  PetscInt k = 0;
  for (PetscInt i = PetscMax(0, it - FIT_GRAD_HISTORY); i < it; i++) buf[k++] = f->history.gnorm[i];
  if (k < 3) return NAN;
  qsort(buf, (size_t)k, sizeof(double), CmpDouble);
  return k % 2 ? buf[k / 2] : 0.5 * (buf[k / 2 - 1] + buf[k / 2]);
}

/* Why iteration it diverged ("" if it did not), for a finished iteration. The loss is measured
 * against the larger of the best so far and the first iteration's: a minibatch loss near zero
 * on a good fit makes the best alone a hair trigger (a noisy window 1000x a tiny best is no
 * runaway, and rolling back replays the same windows to the same "divergence"). */
static void Exploded(const Fit *f, PetscInt it, double best_train, char *why, size_t len)
{
  double med = GradMedian(f, it), ref = best_train;
  why[0] = 0;
  if (isfinite(f->history.loss[0]) && fabs(f->history.loss[0]) > fabs(ref)) ref = f->history.loss[0];
  if (isfinite(ref) && f->history.loss[it] - ref > FIT_EXPLODE_LOSS * PetscMax(fabs(ref), 1e-300))
    PetscSNPrintf(
        why, len,
        "the loss %.6g exceeds the larger of the best so far and the first (%.6g) by more than %g times its size",
        f->history.loss[it], ref, FIT_EXPLODE_LOSS);
  else if (isfinite(med) && f->history.gnorm[it] > FIT_EXPLODE_GRAD * med)
    PetscSNPrintf(why, len, "|grad| %.4g is above %g times its running median %.4g", f->history.gnorm[it],
                  FIT_EXPLODE_GRAD, med);
}

/* theta (the parameters at the start of iteration it) with its score: the best so far? */
static PetscErrorCode ConsiderBest(Fit *f, const double *theta, double score, PetscInt it)
{
  PetscFunctionBeginUser;
  if (!isfinite(score) || (f->state.best_it >= 0 && !(score < f->state.best_loss))) PetscFunctionReturn(0);
  PetscCall(PetscArraycpy(f->state.best, theta, f->net.P));
  f->state.best_loss = score;
  f->state.best_it   = it;
  PetscFunctionReturn(0);
}

static void Duration(double s, char *buf, size_t len)
{
  if (s < 120) PetscSNPrintf(buf, len, "%.1f s", s);
  else if (s < 7200) PetscSNPrintf(buf, len, "%.1f min", s / 60);
  else PetscSNPrintf(buf, len, "%.1f h", s / 3600);
}

/* Seconds the held-out evaluation will take, roughly: a forward-only run costs about a third
 * of a window's forward and backward, two networks over every chunk (0 without holdout). */
static double EvalEstimate(const Fit *f, double avg)
{
  const FitData *d      = f->data;
  double         chunks = 0, per_window;
  if (!d->nspan) return 0;
  for (PetscInt k = 0; k < d->nspan; k++)
    chunks += ceil((d->span[2 * k + 1] - d->span[2 * k]) / (f->cfg.opt->window_steps * f->cfg.opt->dt));
  per_window = avg * f->cfg.par->gsize * f->cfg.nthreads / PetscMax(f->net.nwindows, 1);
  return 2.0 * chunks * per_window / 3.0 / (f->cfg.nthreads >= 2 ? 2 : 1);
}

static PetscErrorCode Monitor(Fit *f, PetscInt it, double secs, double avg, double left_budget)
{
  const FitOptions *o       = f->cfg.opt;
  char              rel[64] = "", terms[256] = "", item[64], eta[128], a[32], b[32];
  double            w[LOSS_NTERMS], rest = avg * (double)(o->iters - it - 1), ev = EvalEstimate(f, avg);

  PetscFunctionBeginUser;
  if (o->quiet) PetscFunctionReturn(0);
  if (f->history.dist && f->history.dist[f->net.layout->nblocks] > 0) {
    PetscInt nb = f->net.layout->nblocks;
    PetscCall(PetscSNPrintf(rel, sizeof(rel), "  dist/dist0 %.4f",
                            f->history.dist[(it + 1) * (nb + 1) + nb] / f->history.dist[nb]));
  }
  /* the terms the loss uses (frd and vrd always, as in the source paper's logs) */
  LossWeights(&o->lcfg, o->iters > 0 ? (double)it / (double)o->iters : 0.0, w);
  for (int k = 0; k < LOSS_NTERMS; k++) {
    if (k > LOSS_TERM_VRD && w[k] == 0) continue;
    PetscCall(PetscSNPrintf(item, sizeof(item), "  %s %.6g", LossTermNames[k], f->history.terms[it * LOSS_NTERMS + k]));
    PetscCall(PetscStrlcat(terms, item, sizeof(terms)));
  }
  if (f->history.vloss) {
    PetscCall(PetscSNPrintf(item, sizeof(item), "  validation %.6g", f->history.vloss[it]));
    PetscCall(PetscStrlcat(terms, item, sizeof(terms)));
  }
  /* the ETA: the remaining iterations (or the time budget, when it comes first) and the
   * held-out evaluation after them */
  Duration(PetscMin(rest, left_budget), a, sizeof(a));
  Duration(ev, b, sizeof(b));
  if (ev > 0)
    PetscCall(
        PetscSNPrintf(eta, sizeof(eta), "%s + ~%s evaluation%s", a, b, left_budget < rest ? " (time budget)" : ""));
  else PetscCall(PetscSNPrintf(eta, sizeof(eta), "%s%s", a, left_budget < rest ? " (time budget)" : ""));
  PetscCall(PetscPrintf(
      f->cfg.par->group, "%sit %3" PetscInt_FMT "/%" PetscInt_FMT "  loss %.6g%s  |grad| %.4g  %.6f s/it  ETA %s%s\n",
      f->cfg.prefix, it + 1, o->iters, f->history.loss[it], terms, f->history.gnorm[it], secs, eta, rel));
  PetscFunctionReturn(0);
}

/* A divergence at iteration it: roll back (cur: the state at its start, prev: at the start
 * of the one before) or, with the budget spent or nothing to go back to, stop. */
static PetscErrorCode Rollback(Fit *f, PetscInt it, FitStepStatus bad, const char *why, Snapshot *prev, Snapshot *cur,
                               PetscBool *stop)
{
  const FitOptions *o  = f->cfg.opt;
  Snapshot         *to = bad == FIT_BAD_START ? prev : cur;

  PetscFunctionBeginUser;
  *stop = PETSC_FALSE;
  if (!to->valid) to = NULL; /* e.g. the first iteration's own start is bad */
  if (!to || f->state.rollbacks >= o->max_rollbacks) {
    /* the last state known good becomes /params/final */
    if (bad == FIT_BAD_STEP && cur->valid) PetscCall(SnapshotRestore(f, cur));
    else if (prev->valid) PetscCall(SnapshotRestore(f, prev));
    else if (cur->valid) PetscCall(SnapshotRestore(f, cur));
    f->state.diverged = PETSC_TRUE;
    *stop             = PETSC_TRUE;
    PetscCall(
        PetscPrintf(f->cfg.par->group,
                    "%sspikefit: iteration %" PetscInt_FMT " diverged (%s); %s: stopping after %" PetscInt_FMT
                    " iterations, results from the %s parameters (exit %d)\n",
                    f->cfg.prefix, it + 1, why,
                    to ? "the rollback budget (-fit_max_rollbacks) is spent" : "no earlier good state to go back to",
                    f->state.done, f->state.best_it >= 0 ? "best" : "last good", FIT_EXIT_DIVERGED));
    PetscFunctionReturn(0);
  }
  PetscCall(SnapshotRestore(f, to));
  f->state.rollbacks++;
  f->state.optim->scale *= 0.5;
  PetscCall(PetscPrintf(
      f->cfg.par->group,
      "%sspikefit: iteration %" PetscInt_FMT " diverged (%s); rolled back to the state after iteration %" PetscInt_FMT
      ", learning rate halved to %.4g (rollback %" PetscInt_FMT " of %" PetscInt_FMT ")\n",
      f->cfg.prefix, it + 1, why, to->it, o->ocfg.lr * f->state.optim->scale, f->state.rollbacks, o->max_rollbacks));
  if (prev == to) cur->valid = PETSC_FALSE; /* cur was made from the bad state */
  prev->valid = PETSC_FALSE;                /* only one step back each time */
  PetscFunctionReturn(0);
}

/* Why iteration it is rejected ("" when it is not): non-finite values of its steps or of the
 * validation loss, or a loss that exploded (then *bad becomes FIT_BAD_START). */
static PetscErrorCode BadReason(Fit *f, PetscInt it, double best_train, FitStepStatus *bad, char *why, size_t len)
{
  PetscFunctionBeginUser;
  why[0] = 0;
  if (*bad == FIT_BAD_START)
    PetscCall(PetscSNPrintf(why, len, "%" PetscInt_FMT " gradient or loss values are NaN, infinite or huge",
                            f->state.nonfinite));
  else if (*bad == FIT_BAD_STEP)
    PetscCall(PetscSNPrintf(why, len,
                            f->state.nonfinite ? "%" PetscInt_FMT
                                                 " gradient or loss values of a later step are NaN, infinite or huge"
                                               : "the validation loss is NaN, infinite or huge",
                            f->state.nonfinite));
  else {
    Exploded(f, it, best_train, why, len);
    if (why[0]) *bad = FIT_BAD_START;
  }
  PetscFunctionReturn(0);
}

/* At an iteration boundary, elapsed seconds into training: the ranks agree on signals and the
 * time budgets; *brk when training ends here (*stopped: with a checkpoint to resume from). */
static PetscErrorCode AtBoundary(Fit *f, double elapsed, double budget, PetscBool *stopped, PetscBool *brk)
{
  const FitOptions *o = f->cfg.opt;
  PetscBool         stop, over, out_of_time;

  PetscFunctionBeginUser;
  *brk = PETSC_FALSE;
  PetscCall(ParallelSignalAgreed(f->cfg.par, &stop));
  PetscCall(ParallelAny(f->cfg.par->group, (PetscBool)(o->ckpt_max_hours > 0 && elapsed > o->ckpt_max_hours * 3600.0),
                        &over));
  PetscCall(ParallelAny(f->cfg.par->group, (PetscBool)(elapsed > budget), &out_of_time));
  if ((stop || over) && f->state.done < o->iters) {
    PetscCall(FitCheckpointWrite(f));
    PetscCall(PetscPrintf(f->cfg.par->group,
                          "%sspikefit: %s after iteration %" PetscInt_FMT
                          "; checkpoint %s written, resume with -resume %s (exit %d)\n",
                          f->cfg.prefix, stop ? "signal received" : "time budget reached", f->state.done, o->ckpt_file,
                          o->ckpt_file, FIT_EXIT_CHECKPOINTED));
    *stopped = PETSC_TRUE;
    *brk     = PETSC_TRUE;
    PetscFunctionReturn(0);
  }
  if (out_of_time && f->state.done < o->iters) {
    f->state.out_of_time = PETSC_TRUE;
    PetscCall(PetscPrintf(f->cfg.par->group,
                          "%sspikefit: stopped after %" PetscInt_FMT " of %" PetscInt_FMT
                          " iterations (time budget: -fit_max_minutes %g); results from the best parameters\n",
                          f->cfg.prefix, f->state.done, o->iters, o->max_minutes));
    *brk = PETSC_TRUE;
    PetscFunctionReturn(0);
  }
  PetscFunctionReturn(0);
}

/* Trains from f->state.done to the end, or until a signal, a time budget or a spent rollback
 * budget stops it. *stopped: stopped by a signal or -ckpt_max_hours (checkpoint written). */
PetscErrorCode FitTrain(Fit *f, PetscBool *stopped)
{
  const FitOptions *o = f->cfg.opt;
  PetscLogDouble    start, t0, t1;
  double            total = 0, best_train = NAN, budget = o->max_minutes > 0 ? o->max_minutes * 60.0 : INFINITY;
  PetscInt          count   = 0;
  Snapshot          snap[2] = {{0}};
  Snapshot         *prev = &snap[0], *cur = &snap[1];

  PetscBool at_end;

  PetscFunctionBeginUser;
  *stopped = PETSC_FALSE;
  /* with -ckpt_file, the last iteration is checkpointed too: a finished fit can be continued */
  PetscCall(PetscOptionsHasName(NULL, NULL, "-ckpt_file", &at_end));
  for (int k = 0; k < 2; k++)
    PetscCall(PetscMalloc3(f->net.P, &snap[k].theta, f->net.P, &snap[k].m, f->net.P, &snap[k].v));
  for (PetscInt i = 0; i < f->state.done; i++)
    best_train = isfinite(best_train) ? PetscMin(best_train, f->history.loss[i]) : f->history.loss[i];
  PetscCall(PetscTime(&start));
  for (PetscInt it = f->state.done; it < o->iters;) {
    PetscBool     stop;
    FitStepStatus bad;
    char          why[256] = "";
    Snapshot     *tmp;

    PetscCall(SnapshotTake(f, it, cur));
    PetscCall(PetscTime(&t0));
    PetscCall(FitIteration(f, it, &bad));
    PetscCall(PetscTime(&t1));
    PetscCall(BadReason(f, it, best_train, &bad, why, sizeof(why)));
    if (bad != FIT_STEP_OK) {
      PetscCall(Rollback(f, it, bad, why, prev, cur, &stop));
      if (stop) break;
      it = f->state.done;
      continue;
    }
    /* accepted: its start is a candidate for the best (scored by the validation loss at the
     * end of the iteration before, or without validation by its own training loss) */
    if (f->history.vloss && it > 0) PetscCall(ConsiderBest(f, cur->theta, f->history.vloss[it - 1], it));
    else if (!f->history.vloss) PetscCall(ConsiderBest(f, cur->theta, f->history.loss[it], it));
    best_train = isfinite(best_train) ? PetscMin(best_train, f->history.loss[it]) : f->history.loss[it];
    tmp        = prev;
    prev       = cur;
    cur        = tmp;
    PetscCall(ParallelMax(f->cfg.par->group, t1 - t0,
                          &f->history.secs[it])); /* the same on every rank (checkpoint checksums) */
    total += t1 - t0;
    count++;
    f->state.done = ++it;
    PetscCall(Monitor(f, it - 1, t1 - t0, total / count, budget - (t1 - start)));
    PetscCall(AtBoundary(f, t1 - start, budget, stopped, &stop));
    if (stop) break;
    if (f->state.done == o->iters ? at_end : (o->ckpt_every > 0 && f->state.done % o->ckpt_every == 0))
      PetscCall(FitCheckpointWrite(f));
  }
  /* the last parameters, validated at the end of the last iteration, are a candidate too */
  if (!*stopped && f->history.vloss && f->state.done > 0 && !f->state.diverged)
    PetscCall(ConsiderBest(f, f->state.theta, f->history.vloss[f->state.done - 1], f->state.done));
  for (int k = 0; k < 2; k++) PetscCall(PetscFree3(snap[k].theta, snap[k].m, snap[k].v));
  PetscFunctionReturn(0);
}
