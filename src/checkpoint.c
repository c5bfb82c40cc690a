/* Checkpoints of a fit: everything a resumed run needs to continue bit for bit
 * (docs/FORMAT.md), written atomically and checked when read. */
#include "checkpoint.h"
#include "h5io.h"
#include <math.h>
#include <string.h>

PetscErrorCode FitCheckpointWrite(Fit *f)
{
  const FitOptions *o = f->opt;
  H5Out            *h;
  double           *m, *v;
  hsize_t           P = (hsize_t)f->P;
  char              prev[PETSC_MAX_PATH_LEN + 8], hash[32];

  PetscFunctionBeginUser;
  PetscCall(PetscLogEventBegin(FIT_EVENT_IO, 0, 0, 0, 0));
  PetscCall(PetscMalloc2(f->P, &m, f->P, &v));
  PetscCall(OptimGetMoments(f->optim, m, v));
  PetscCall(H5OutCreate(f->par->group, o->ckpt_file, &h));
  PetscCall(H5OutAttrString(h, "/", "spikefit_format", "checkpoint"));
  PetscCall(PetscSNPrintf(hash, sizeof(hash), "%016llx", (unsigned long long)f->hash));
  PetscCall(H5OutAttrString(h, "/", "options_hash", hash));
  PetscCall(H5OutAttrInt(h, "/", "parameters", f->P));
  PetscCall(H5OutAttrInt(h, "/", "optim_steps", f->optim->t));
  PetscCall(H5OutAttrInt(h, "/", "fit_seed", o->seed));
  PetscCall(H5OutAttrString(h, "/", "rng", "counter-based (Philox4x32-10) keyed by (seed, iteration, window, neuron, step): no generator state to save"));
  PetscCall(FitWriteCommon(f, h));
  PetscCall(H5OutDoubles(h, "/state/theta", 1, &P, f->theta));
  PetscCall(H5OutDoubles(h, "/state/m", 1, &P, m));
  PetscCall(H5OutDoubles(h, "/state/v", 1, &P, v));
  PetscCall(PetscSNPrintf(prev, sizeof(prev), "%s.prev", o->ckpt_file));
  PetscCall(H5OutCommit(&h, prev));
  PetscCall(PetscFree2(m, v));
  PetscCall(PetscLogEventEnd(FIT_EVENT_IO, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

static PetscErrorCode ReadCheckpoint(Fit *f, const char *path)
{
  const FitOptions *o = f->opt;
  hid_t             file = -1;
  char              fmt[32], hash[32], mine[32], model[32];
  int64_t           P, done, t, n;
  double           *m = NULL, *v = NULL, *col = NULL;

  PetscFunctionBeginUser;
  PetscCall(H5InOpen(path, &file));
  PetscCall(H5InAttrString(file, path, "/", "spikefit_format", fmt, sizeof(fmt)));
  PetscCheck(!strcmp(fmt, "checkpoint"), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s is a spikefit '%s' file, not a checkpoint", path, fmt);
  PetscCall(H5InAttrString(file, path, "/", "model", model, sizeof(model)));
  PetscCheck(!strcmp(model, o->model_name), PETSC_COMM_SELF, PETSC_ERR_ARG_INCOMP, "checkpoint %s is of model %s, this run is %s", path, model, o->model_name);
  PetscCall(H5InAttrInt(file, path, "/", "n", &n));
  PetscCheck(n == f->layout->n, PETSC_COMM_SELF, PETSC_ERR_ARG_INCOMP, "checkpoint %s has %lld neurons, this run %" PetscInt_FMT, path, (long long)n, f->layout->n);
  PetscCall(H5InAttrInt(file, path, "/", "parameters", &P));
  PetscCheck(P == f->P, PETSC_COMM_SELF, PETSC_ERR_ARG_INCOMP, "checkpoint %s has %lld parameters, this run %" PetscInt_FMT, path, (long long)P, f->P);
  PetscCall(H5InAttrString(file, path, "/", "options_hash", hash, sizeof(hash)));
  PetscCall(PetscSNPrintf(mine, sizeof(mine), "%016llx", (unsigned long long)f->hash));
  if (strcmp(hash, mine)) {
    char theirs[2048] = "";
    hid_t d = H5Dopen2(file, "/canonical_options", H5P_DEFAULT);
    if (d >= 0) {
      hid_t ty = H5Dget_type(d);
      if (H5Tget_size(ty) < sizeof(theirs)) H5Dread(d, ty, H5S_ALL, H5S_ALL, H5P_DEFAULT, theirs);
      H5Tclose(ty);
      H5Dclose(d);
    }
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_ARG_INCOMP, "checkpoint %s was written with other options (hash %s, this run %s):\n  checkpoint: %s\n  this run:   %s", path, hash, mine, theirs, f->canonical);
  }
  PetscCall(H5InAttrInt(file, path, "/", "iterations", &done));
  PetscCall(H5InAttrInt(file, path, "/", "optim_steps", &t));
  PetscCheck(done >= 0 && done <= o->iters, PETSC_COMM_SELF, PETSC_ERR_ARG_INCOMP, "checkpoint %s has done %lld iterations but -fit_iters is %" PetscInt_FMT, path, (long long)done, o->iters);
  PetscCall(PetscMalloc3(f->P, &m, f->P, &v, done + 1, &col));
  PetscCall(H5InDoubles(file, path, "/state/theta", (hsize_t)f->P, f->theta));
  PetscCall(H5InDoubles(file, path, "/state/m", (hsize_t)f->P, m));
  PetscCall(H5InDoubles(file, path, "/state/v", (hsize_t)f->P, v));
  PetscCall(H5InDoubles(file, path, "/loss/train", (hsize_t)done, f->loss));
  PetscCall(H5InDoubles(file, path, "/loss/grad_norm", (hsize_t)done, f->gnorm));
  PetscCall(H5InDoubles(file, path, "/loss/seconds", (hsize_t)done, f->secs));
  if (f->vloss) PetscCall(H5InDoubles(file, path, "/loss/validation", (hsize_t)done, f->vloss));
  for (int k = 0; k < LOSS_NTERMS; k++) {
    char name[64];
    PetscCall(PetscSNPrintf(name, sizeof(name), "/loss/%s", LossTermNames[k]));
    {
      PetscBool has;
      PetscCall(H5InExists(file, name, &has));
      if (has) PetscCall(H5InDoubles(file, path, name, (hsize_t)done, col));
      else PetscCall(PetscArrayzero(col, done + 1)); /* a term added after the checkpoint was written */
    }
    for (PetscInt i = 0; i < done; i++) f->terms[i * LOSS_NTERMS + k] = col[i];
  }
  for (PetscInt b = 0; b < f->layout->nblocks; b++) {
    const ParamBlock *blk = &f->layout->blocks[b];
    char              name[64];
    PetscCall(PetscSNPrintf(name, sizeof(name), "/params/init/%s", blk->name));
    PetscCall(H5InDoubles(file, path, name, (hsize_t)blk->size, f->theta0 + blk->offset));
  }
  if (f->hist) {
    PetscBool has;
    PetscCall(H5InExists(file, "/params/history", &has));
    PetscCheck(has, PETSC_COMM_SELF, PETSC_ERR_ARG_INCOMP, "checkpoint %s has no parameter history; resume with -fit_save_history false", path);
    for (PetscInt b = 0; b < f->layout->nblocks; b++) {
      const ParamBlock *blk = &f->layout->blocks[b];
      char              name[64];
      double           *buf;
      PetscCall(PetscMalloc1((done + 1) * blk->size, &buf));
      PetscCall(PetscSNPrintf(name, sizeof(name), "/params/history/%s", blk->name));
      PetscCall(H5InDoubles(file, path, name, (hsize_t)((done + 1) * blk->size), buf));
      for (PetscInt i = 0; i <= done; i++) PetscCall(PetscArraycpy(f->hist + i * f->P + blk->offset, buf + i * blk->size, blk->size));
      PetscCall(PetscFree(buf));
    }
  }
  if (f->dist) {
    PetscInt nb = f->layout->nblocks;
    for (PetscInt b = 0; b <= nb; b++) {
      char name[64];
      PetscCall(PetscSNPrintf(name, sizeof(name), "/distance/%s", b < nb ? f->layout->blocks[b].name : "total"));
      PetscCall(H5InDoubles(file, path, name, (hsize_t)(done + 1), col));
      for (PetscInt i = 0; i <= done; i++) f->dist[i * (nb + 1) + b] = col[i];
    }
  }
  for (PetscInt k = 0; k < f->P; k++)
    PetscCheck(isfinite(f->theta[k]) && isfinite(m[k]) && isfinite(v[k]) && v[k] >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "checkpoint %s: state entry %" PetscInt_FMT " is not finite", path, k);
  PetscCall(OptimSetState(f->optim, (PetscInt)t, f->theta, m, v));
  f->done = (PetscInt)done;
  PetscCall(PetscFree3(m, v, col));
  PetscCall(H5InClose(&file, path));
  PetscFunctionReturn(0);
}

PetscErrorCode FitCheckpointRead(Fit *f, const char *path)
{
  PetscErrorCode ierr;
  PetscBool      failed;

  PetscFunctionBeginUser;
  /* every rank reads; a damaged file fails on all of them, and they agree before going on */
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  ierr = ReadCheckpoint(f, path);
  PetscCall(PetscPopErrorHandler());
  PetscCall(ParallelAny(f->par->group, ierr ? PETSC_TRUE : PETSC_FALSE, &failed));
  if (failed) {
    PetscCall(ReadCheckpoint(f, path)); /* again, loudly, for the message */
    SETERRQ(f->par->group, PETSC_ERR_FILE_UNEXPECTED, "checkpoint %s could not be read on every rank", path);
  }
  PetscCall(PetscPrintf(f->par->group, "%sresumed from %s at iteration %" PetscInt_FMT "\n", f->prefix, path, f->done));
  PetscFunctionReturn(0);
}
