/* Checkpoints of a fit: everything a resumed run needs to continue bit for bit
 * (docs/FORMAT.md), written atomically, checksummed, and checked against the run when read. */
#include "checkpoint.h"
#include "h5io.h"
#include "hash.h"
#include <math.h>
#include <string.h>

#define HEADER_ATTR "header_fnv1a64"

/* Bounds or initial ranges of one block as canonical text: one lo,hi pair when every entry
 * that is not fixed at 0 shares it, else a hash of the block's pairs. */
static PetscErrorCode BlockRanges(const ParamLayout *l, const ParamBlock *b, PetscBool init, char *buf, size_t len)
{
  const double *lo = init ? l->init_lo : l->lo, *hi = init ? l->init_hi : l->hi;
  PetscInt      first = -1;
  PetscBool     same  = PETSC_TRUE;
  uint64_t      h     = HASH_FNV_SEED;

  PetscFunctionBeginUser;
  for (PetscInt k = b->offset; k < b->offset + b->size; k++) {
    h = HashWords(HashWords(h, &lo[k], 1), &hi[k], 1);
    if (l->lo[k] == 0 && l->hi[k] == 0 && l->init_lo[k] == 0 && l->init_hi[k] == 0) continue; /* W's diagonal */
    if (first < 0) first = k;
    else if (lo[k] != lo[first] || hi[k] != hi[first]) same = PETSC_FALSE;
  }
  if (first < 0) PetscCall(PetscSNPrintf(buf, len, " %s_%s=fixed", init ? "init" : "bound", b->name));
  else if (same)
    PetscCall(PetscSNPrintf(buf, len, " %s_%s=%.17g,%.17g", init ? "init" : "bound", b->name, lo[first], hi[first]));
  else
    PetscCall(
        PetscSNPrintf(buf, len, " %s_%s=varies:%016llx", init ? "init" : "bound", b->name, (unsigned long long)h));
  PetscFunctionReturn(0);
}

PetscErrorCode FitCheckpointIdentity(Fit *f)
{
  char item[256];

  PetscFunctionBeginUser;
  PetscCall(FitOptionsCanonical(f->cfg.opt, f->data->n, f->cfg.canonical, sizeof(f->cfg.canonical)));
  /* the layout after -bound_* and -init_*: the bounds and initial ranges actually used */
  for (PetscInt b = 0; b < f->net.layout->nblocks; b++)
    for (int init = 0; init < 2; init++) {
      PetscCall(BlockRanges(f->net.layout, &f->net.layout->blocks[b], (PetscBool)init, item, sizeof(item)));
      PetscCall(PetscStrlcat(f->cfg.canonical, item, sizeof(f->cfg.canonical)));
    }
  if (f->cfg.opt->restarts > 1) {
    PetscCall(PetscSNPrintf(item, sizeof(item), " restart=%" PetscInt_FMT, f->cfg.restart));
    PetscCall(PetscStrlcat(f->cfg.canonical, item, sizeof(f->cfg.canonical)));
  }
  /* the data this run loaded (a regenerated file at the same path differs here) */
  PetscCall(PetscSNPrintf(item, sizeof(item), " data_content=%016llx", (unsigned long long)f->data->hash));
  PetscCall(PetscStrlcat(f->cfg.canonical, item, sizeof(f->cfg.canonical)));
  f->cfg.hash = FitHash(f->cfg.canonical);
  PetscFunctionReturn(0);
}

/* The checksum of the attributes that say where the fit stands. */
static uint64_t HeaderChecksum(int64_t iterations, int64_t steps, int64_t parameters, const char *hash)
{
  char text[160];
  snprintf(text, sizeof(text), "iterations=%lld optim_steps=%lld parameters=%lld options_hash=%s",
           (long long)iterations, (long long)steps, (long long)parameters, hash);
  return FitHash(text);
}

PetscErrorCode FitCheckpointWrite(Fit *f)
{
  const FitOptions *o = f->cfg.opt;
  H5Out            *h;
  double           *m, *v;
  hsize_t           P = (hsize_t)f->net.P;
  char              prev[PETSC_MAX_PATH_LEN + 8], hash[32], sum[32];

  PetscFunctionBeginUser;
  PetscCall(PetscLogEventBegin(FIT_EVENT_IO, 0, 0, 0, 0));
  PetscCall(PetscMalloc2(f->net.P, &m, f->net.P, &v));
  PetscCall(OptimGetMoments(f->state.optim, m, v));
  PetscCall(H5OutCreate(f->cfg.par->group, o->ckpt_file, &h));
  h->checksum = 1; /* every array here is the same on every rank of the group */
  PetscCall(H5OutAttrString(h, "/", "spikefit_format", "checkpoint"));
  PetscCall(PetscSNPrintf(hash, sizeof(hash), "%016llx", (unsigned long long)f->cfg.hash));
  PetscCall(H5OutAttrString(h, "/", "options_hash", hash));
  PetscCall(H5OutAttrInt(h, "/", "parameters", f->net.P));
  PetscCall(H5OutAttrInt(h, "/", "optim_steps", f->state.optim->t));
  PetscCall(PetscSNPrintf(sum, sizeof(sum), "%016llx",
                          (unsigned long long)HeaderChecksum(f->state.done, f->state.optim->t, f->net.P, hash)));
  PetscCall(H5OutAttrString(h, "/", HEADER_ATTR, sum));
  PetscCall(H5OutAttrInt(h, "/", "fit_seed", o->seed));
  PetscCall(H5OutAttrString(
      h, "/", "rng",
      "counter-based (Philox4x32-10) keyed by (seed, iteration, window, neuron, step): no generator state to save"));
  PetscCall(FitWriteCommon(f, h));
  PetscCall(H5OutDoubles(h, "/state/theta", 1, &P, f->state.theta));
  PetscCall(H5OutDoubles(h, "/state/m", 1, &P, m));
  PetscCall(H5OutDoubles(h, "/state/v", 1, &P, v));
  /* the best parameters so far and the rollback state, so that a resumed fit keeps its best and its
   * lowered learning rate */
  PetscCall(H5OutDoubles(h, "/state/best", 1, &P, f->state.best_it >= 0 ? f->state.best : f->state.theta));
  PetscCall(H5OutAttrInt(h, "/state/best", "iteration", f->state.best_it));
  PetscCall(H5OutAttrDouble(h, "/state/best", "loss", f->state.best_it >= 0 ? f->state.best_loss : 0.0));
  PetscCall(H5OutAttrDouble(h, "/state/best", "lr_scale", f->state.optim->scale));
  PetscCall(H5OutAttrInt(h, "/state/best", "rollbacks", f->state.rollbacks));
  PetscCall(PetscSNPrintf(prev, sizeof(prev), "%s.prev", o->ckpt_file));
  PetscCall(H5OutCommit(&h, prev));
  PetscCall(PetscFree2(m, v));
  PetscCall(PetscLogEventEnd(FIT_EVENT_IO, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* Reads a dataset of `expect` doubles and checks it against its stored checksum. */
static PetscErrorCode CkptDoubles(hid_t file, const char *path, const char *name, hsize_t expect, double *data)
{
  uint64_t stored = 0, mine;
  hid_t    d, a = -1;
  herr_t   st = -1;

  PetscFunctionBeginUser;
  PetscCall(H5InDoubles(file, path, name, expect, data));
  d = H5Dopen2(file, name, H5P_DEFAULT);
  if (d >= 0 && H5Aexists(d, H5IO_CHECKSUM_ATTR) > 0) a = H5Aopen(d, H5IO_CHECKSUM_ATTR, H5P_DEFAULT);
  if (a >= 0) st = H5Aread(a, H5T_NATIVE_UINT64, &stored);
  if (a >= 0) H5Aclose(a);
  if (d >= 0) H5Dclose(d);
  PetscCheck(st >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "checkpoint %s: dataset %s has no checksum (damaged, or written by a spikefit without checksums)", path,
             name);
  mine = HashWords(HASH_FNV_SEED, data, (size_t)expect);
  PetscCheck(mine == stored, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "checkpoint %s: dataset %s fails its checksum (stored %016llx, read %016llx): the file is damaged", path,
             name, (unsigned long long)stored, (unsigned long long)mine);
  PetscFunctionReturn(0);
}

/* Appends to msg the keys whose values differ between two canonical texts ("key=value ..."). */
static void CanonicalDiff(const char *theirs, const char *mine, char *msg, size_t len)
{
  const char *texts[2] = {mine, theirs};

  msg[0] = 0;
  for (int side = 0; side < 2; side++) {
    const char *p = texts[side], *other = texts[1 - side];
    while (*p) {
      const char *end = strchr(p, ' '), *eq;
      size_t      n   = end ? (size_t)(end - p) : strlen(p);
      eq              = memchr(p, '=', n);
      if (eq) {
        size_t      klen = (size_t)(eq - p) + 1, olen = 0;
        const char *q = other, *found = NULL;
        while (q && *q) { /* the same key in the other text */
          const char *qe = strchr(q, ' ');
          size_t      qn = qe ? (size_t)(qe - q) : strlen(q);
          if (qn >= klen && !strncmp(q, p, klen)) {
            found = q;
            olen  = qn;
            break;
          }
          q = qe ? qe + 1 : NULL;
        }
        if (!found || olen != n || strncmp(found, p, n)) {
          if (side == 0) {
            size_t used = strlen(msg);
            snprintf(msg + used, len - used, "%s%.*s: checkpoint %.*s, this run %.*s", used ? "; " : "",
                     (int)(klen - 1), p, found ? (int)(olen - klen) : 6, found ? found + klen : "absent",
                     (int)(n - klen), eq + 1);
          } else if (!found) {
            size_t used = strlen(msg);
            snprintf(msg + used, len - used, "%s%.*s: checkpoint %.*s, this run absent", used ? "; " : "",
                     (int)(klen - 1), p, (int)(n - klen), eq + 1);
          }
        }
      }
      p = end ? end + 1 : p + n;
    }
  }
}

/* The checkpoint's header: format, model, size, where it stands (checksummed), and the identity
 * of the problem it belongs to. */
static PetscErrorCode ReadHeader(Fit *f, hid_t file, const char *path, int64_t *done, int64_t *t)
{
  const FitOptions *o = f->cfg.opt;
  char              fmt[32], hash[32], mine[32], model[32], sum[32], want[32];
  int64_t           P, n;

  PetscFunctionBeginUser;
  PetscCall(H5InAttrString(file, path, "/", "spikefit_format", fmt, sizeof(fmt)));
  PetscCheck(!strcmp(fmt, "checkpoint"), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s is a spikefit '%s' file, not a checkpoint", path, fmt);
  PetscCall(H5InAttrInt(file, path, "/", "parameters", &P));
  PetscCall(H5InAttrString(file, path, "/", "options_hash", hash, sizeof(hash)));
  PetscCall(H5InAttrInt(file, path, "/", "iterations", done));
  PetscCall(H5InAttrInt(file, path, "/", "optim_steps", t));
  PetscCall(H5InAttrString(file, path, "/", HEADER_ATTR, sum, sizeof(sum)));
  PetscCall(PetscSNPrintf(want, sizeof(want), "%016llx", (unsigned long long)HeaderChecksum(*done, *t, P, hash)));
  PetscCheck(!strcmp(sum, want), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "checkpoint %s: the attributes iterations, optim_steps, parameters and "
             "options_hash fail their checksum: the file is damaged",
             path);
  PetscCall(PetscSNPrintf(mine, sizeof(mine), "%016llx", (unsigned long long)f->cfg.hash));
  if (strcmp(hash, mine)) {
    static char theirs[sizeof(f->cfg.canonical)], diff[4096];
    hid_t       d = H5Dopen2(file, "/canonical_options", H5P_DEFAULT);
    theirs[0]     = 0;
    if (d >= 0) {
      hid_t ty = H5Dget_type(d);
      if (H5Tget_class(ty) == H5T_STRING && H5Tget_size(ty) < sizeof(theirs) &&
          H5Dread(d, ty, H5S_ALL, H5S_ALL, H5P_DEFAULT, theirs) < 0)
        theirs[0] = 0;
      H5Tclose(ty);
      H5Dclose(d);
    }
    CanonicalDiff(theirs, f->cfg.canonical, diff, sizeof(diff));
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_ARG_INCOMP,
            "checkpoint %s belongs to another problem: options/data differ from the checkpoint's (hash "
            "%s, this run %s)%s%s\n  checkpoint: %s\n  this run:   %s",
            path, hash, mine, diff[0] ? "; what differs: " : "", diff, theirs, f->cfg.canonical);
  }
  /* the same identity implies these; they guard against a hash collision */
  PetscCall(H5InAttrString(file, path, "/", "model", model, sizeof(model)));
  PetscCheck(!strcmp(model, o->model_name), PETSC_COMM_SELF, PETSC_ERR_ARG_INCOMP,
             "checkpoint %s is of model %s, this run is %s", path, model, o->model_name);
  PetscCall(H5InAttrInt(file, path, "/", "n", &n));
  PetscCheck(n == f->net.layout->n, PETSC_COMM_SELF, PETSC_ERR_ARG_INCOMP,
             "checkpoint %s has %lld neurons, this run %" PetscInt_FMT, path, (long long)n, f->net.layout->n);
  PetscCheck(P == f->net.P, PETSC_COMM_SELF, PETSC_ERR_ARG_INCOMP,
             "checkpoint %s has %lld parameters, this run %" PetscInt_FMT, path, (long long)P, f->net.P);
  PetscCheck(*done >= 0 && *done <= o->iters, PETSC_COMM_SELF, PETSC_ERR_ARG_INCOMP,
             "checkpoint %s has done %lld iterations but -fit_iters is %" PetscInt_FMT, path, (long long)*done,
             o->iters);
  PetscFunctionReturn(0);
}

/* The histories: losses, parameters and distances to the truth of iterations [0, done). */
static PetscErrorCode ReadHistory(Fit *f, hid_t file, const char *path, PetscInt done, double *col)
{
  PetscFunctionBeginUser;
  PetscCall(CkptDoubles(file, path, "/loss/train", (hsize_t)done, f->history.loss));
  PetscCall(CkptDoubles(file, path, "/loss/grad_norm", (hsize_t)done, f->history.gnorm));
  PetscCall(CkptDoubles(file, path, "/loss/seconds", (hsize_t)done, f->history.secs));
  if (f->history.vloss) PetscCall(CkptDoubles(file, path, "/loss/validation", (hsize_t)done, f->history.vloss));
  for (int k = 0; k < LOSS_NTERMS; k++) {
    char      name[64];
    PetscBool has;
    PetscCall(PetscSNPrintf(name, sizeof(name), "/loss/%s", LossTermNames[k]));
    PetscCall(H5InExists(file, name, &has));
    PetscCheck(has, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "checkpoint %s: dataset %s is missing", path, name);
    PetscCall(CkptDoubles(file, path, name, (hsize_t)done, col));
    for (PetscInt i = 0; i < done; i++) f->history.terms[i * LOSS_NTERMS + k] = col[i];
  }
  if (f->history.params) {
    PetscBool has;
    PetscCall(H5InExists(file, "/params/history", &has));
    PetscCheck(has, PETSC_COMM_SELF, PETSC_ERR_ARG_INCOMP,
               "checkpoint %s has no parameter history; resume with -fit_save_history false", path);
    for (PetscInt b = 0; b < f->net.layout->nblocks; b++) {
      const ParamBlock *blk = &f->net.layout->blocks[b];
      char              name[64];
      double           *buf;
      PetscCall(PetscMalloc1((done + 1) * blk->size, &buf));
      PetscCall(PetscSNPrintf(name, sizeof(name), "/params/history/%s", blk->name));
      PetscCall(CkptDoubles(file, path, name, (hsize_t)((done + 1) * blk->size), buf));
      for (PetscInt i = 0; i <= done; i++)
        PetscCall(PetscArraycpy(f->history.params + i * f->net.P + blk->offset, buf + i * blk->size, blk->size));
      PetscCall(PetscFree(buf));
    }
  }
  if (f->history.dist) {
    PetscInt nb = f->net.layout->nblocks;
    for (PetscInt b = 0; b <= nb; b++) {
      char name[64];
      PetscCall(PetscSNPrintf(name, sizeof(name), "/distance/%s", b < nb ? f->net.layout->blocks[b].name : "total"));
      PetscCall(CkptDoubles(file, path, name, (hsize_t)(done + 1), col));
      for (PetscInt i = 0; i <= done; i++) f->history.dist[i * (nb + 1) + b] = col[i];
    }
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode ReadCheckpoint(Fit *f, const char *path)
{
  hid_t   file = -1;
  int64_t done, t;
  double *m = NULL, *v = NULL, *col = NULL;

  PetscFunctionBeginUser;
  PetscCall(H5InOpen(path, &file));
  PetscCall(ReadHeader(f, file, path, &done, &t));
  PetscCall(PetscMalloc3(f->net.P, &m, f->net.P, &v, done + 1, &col));
  PetscCall(CkptDoubles(file, path, "/state/theta", (hsize_t)f->net.P, f->state.theta));
  PetscCall(CkptDoubles(file, path, "/state/m", (hsize_t)f->net.P, m));
  PetscCall(CkptDoubles(file, path, "/state/v", (hsize_t)f->net.P, v));
  {
    int64_t bi, rb;
    PetscCall(CkptDoubles(file, path, "/state/best", (hsize_t)f->net.P, f->state.best));
    PetscCall(H5InAttrInt(file, path, "/state/best", "iteration", &bi));
    PetscCall(H5InAttrDouble(file, path, "/state/best", "loss", &f->state.best_loss));
    PetscCall(H5InAttrDouble(file, path, "/state/best", "lr_scale", &f->state.optim->scale));
    PetscCall(H5InAttrInt(file, path, "/state/best", "rollbacks", &rb));
    PetscCheck(isfinite(f->state.best_loss) && f->state.optim->scale > 0 && f->state.optim->scale <= 1 && rb >= 0 &&
                   bi >= -1 && bi <= done,
               PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "checkpoint %s: /state/best has invalid attributes (iteration %lld, lr_scale %g, rollbacks %lld)", path,
               (long long)bi, f->state.optim->scale, (long long)rb);
    f->state.best_it   = (PetscInt)bi;
    f->state.rollbacks = (PetscInt)rb;
  }
  PetscCall(ReadHistory(f, file, path, (PetscInt)done, col));
  for (PetscInt b = 0; b < f->net.layout->nblocks; b++) {
    const ParamBlock *blk = &f->net.layout->blocks[b];
    char              name[64];
    PetscCall(PetscSNPrintf(name, sizeof(name), "/params/init/%s", blk->name));
    PetscCall(CkptDoubles(file, path, name, (hsize_t)blk->size, f->state.theta0 + blk->offset));
  }
  for (PetscInt k = 0; k < f->net.P; k++)
    PetscCheck(isfinite(f->state.theta[k]) && isfinite(m[k]) && isfinite(v[k]) && v[k] >= 0, PETSC_COMM_SELF,
               PETSC_ERR_FILE_UNEXPECTED, "checkpoint %s: state entry %" PetscInt_FMT " is not finite", path, k);
  PetscCall(OptimSetState(f->state.optim, (PetscInt)t, f->state.theta, m, v));
  f->state.done = (PetscInt)done;
  PetscCall(PetscFree3(m, v, col));
  PetscCall(H5InClose(&file, path));
  PetscFunctionReturn(0);
}

/* Reads path quietly on every rank of the group; *failed when any rank failed, *other when the
 * reason was another problem (not damage: a .prev of the same run would not help). The message
 * of this rank's error goes to msg. */
static PetscErrorCode TryRead(Fit *f, const char *path, PetscBool *failed, PetscBool *other, char *msg, size_t len)
{
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  msg[0] = 0;
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  ierr = ReadCheckpoint(f, path);
  PetscCall(PetscPopErrorHandler());
  if (ierr) {
    char *specific = NULL;
    PetscErrorMessage(ierr, NULL, &specific);
    PetscCall(PetscStrncpy(msg, specific && specific[0] ? specific : "unreadable", len));
  }
  PetscCall(ParallelAny(f->cfg.par->group, ierr ? PETSC_TRUE : PETSC_FALSE, failed));
  PetscCall(ParallelAny(f->cfg.par->group, ierr == PETSC_ERR_ARG_INCOMP ? PETSC_TRUE : PETSC_FALSE, other));
  PetscFunctionReturn(0);
}

PetscErrorCode FitCheckpointRead(Fit *f, const char *path)
{
  char      prev[PETSC_MAX_PATH_LEN + 8], msg[4096], pmsg[4096];
  PetscBool failed, other, pfailed = PETSC_TRUE, pother = PETSC_FALSE;

  PetscFunctionBeginUser;
  /* every rank reads; a damaged file fails on all of them, and they agree before going on */
  PetscCall(TryRead(f, path, &failed, &other, msg, sizeof(msg)));
  if (!failed) {
    PetscCall(PetscPrintf(f->cfg.par->group, "%sresumed from %s at iteration %" PetscInt_FMT "\n", f->cfg.prefix, path,
                          f->state.done));
    PetscFunctionReturn(0);
  }
  PetscCall(PetscSNPrintf(prev, sizeof(prev), "%s.prev", path));
  if (!other) { /* missing or damaged: the previous checkpoint, kept by every commit */
    PetscBool exists;
    PetscCall(PetscTestFile(prev, 'r', &exists));
    PetscCall(PetscPrintf(f->cfg.par->group, "%sspikefit: checkpoint %s is missing or damaged (%s)%s%s\n",
                          f->cfg.prefix, path, msg, exists ? "; falling back to " : "; no ", prev));
    if (exists) PetscCall(TryRead(f, prev, &pfailed, &pother, pmsg, sizeof(pmsg)));
    if (!pfailed) {
      PetscCall(PetscPrintf(f->cfg.par->group,
                            "%sresumed from %s at iteration %" PetscInt_FMT " (the previous checkpoint)\n",
                            f->cfg.prefix, prev, f->state.done));
      PetscFunctionReturn(0);
    }
    if (exists)
      PetscCall(
          PetscPrintf(f->cfg.par->group, "%sspikefit: %s cannot be used either (%s)\n", f->cfg.prefix, prev, pmsg));
  }
  PetscCall(ReadCheckpoint(f, path)); /* again, loudly, for the message */
  SETERRQ(f->cfg.par->group, PETSC_ERR_FILE_UNEXPECTED, "checkpoint %s could not be read on every rank", path);
}
