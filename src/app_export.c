/* `spikefit export RUN.h5 -o SIM.nwb`: the held-out activity of a fit, the fitted network's
 * (/eval/fitted) and the target's (/eval/target), as NWB Units tables for NWB tools (pynwb,
 * pynapple, ...). /units holds one of them (-export_units, default the fitted network) and
 * /processing/spikefit/<fitted|target>_units the other. The observation intervals are
 * /eval/span_ms when the run has them, else the evaluation's span from 0 ms. The file appears
 * atomically (SIM.nwb.tmp, renamed) and only when everything worked. */
#include "app.h"
#include "h5io.h"
#include "io_nwbout.h"
#include "parallel.h"
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The observation intervals of the evaluation: /eval/span_ms [K][2] or [0, windows * steps * dt). */
static PetscErrorCode ReadSpan(hid_t in, const char *path, PetscInt *nint, double **iv)
{
  PetscBool has;
  int       rank;
  hsize_t   dims[4];

  PetscFunctionBeginUser;
  PetscCall(H5InExists(in, "/eval/span_ms", &has));
  if (has) {
    PetscCall(H5InShape(in, path, "/eval/span_ms", &rank, dims));
    PetscCheck(rank == 2 && dims[1] == 2 && dims[0] >= 1, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s: /eval/span_ms must have shape [K][2] with K >= 1", path);
    *nint = (PetscInt)dims[0];
    PetscCall(PetscMalloc1(2 * *nint, iv));
    if (H5InDoubles(in, path, "/eval/span_ms", dims[0] * 2, *iv)) {
      PetscCall(PetscFree(*iv));
      SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "%s: cannot read /eval/span_ms as numbers", path);
    }
  } else {
    int64_t windows, wsteps;
    double  dt;
    PetscCall(H5InAttrInt(in, path, "/eval", "windows", &windows));
    PetscCall(H5InAttrInt(in, path, "/eval", "window_steps", &wsteps));
    PetscCall(H5InAttrDouble(in, path, "/", "dt", &dt));
    PetscCheck(windows > 0 && wsteps > 0 && isfinite(dt) && dt > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s: /eval has no evaluation span (windows %lld, window_steps %lld, dt %g)", path, (long long)windows,
               (long long)wsteps, dt);
    *nint = 1;
    PetscCall(PetscMalloc1(2, iv));
    (*iv)[0] = 0;
    (*iv)[1] = (double)windows * (double)wsteps * dt;
  }
  PetscFunctionReturn(0);
}

/* Every spike must lie in an observation interval: NWB tools take the intervals at their word. */
static PetscErrorCode CheckInside(const SpikeTrains *st, const char *group)
{
  PetscFunctionBeginUser;
  for (PetscInt k = 0; k < st->nunits; k++)
    for (PetscInt s = st->offsets[k]; s < st->offsets[k + 1]; s++) {
      double    t  = st->times_ms[s];
      PetscBool in = PETSC_FALSE;
      for (PetscInt i = 0; i < st->nintervals && !in; i++)
        in = t >= st->intervals_ms[2 * i] && t < st->intervals_ms[2 * i + 1] ? PETSC_TRUE : PETSC_FALSE;
      PetscCheck(in, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
                 "%s: %s spike %" PetscInt_FMT " of unit %" PetscInt_FMT
                 " at %g ms lies outside the evaluation intervals",
                 st->source, group, s - st->offsets[k], k, t);
    }
  PetscFunctionReturn(0);
}

/* Offsets as read (int64) into st, checked: from 0, monotone, ending at the spike count. */
static PetscErrorCode SetOffsets(SpikeTrains *st, const char *oname, const int64_t *off, hsize_t noff)
{
  PetscFunctionBeginUser;
  for (hsize_t k = 0; k < noff; k++) {
    PetscCheck(off[k] >= 0 && off[k] <= (int64_t)st->nspikes && (k == 0 ? off[0] == 0 : off[k] >= off[k - 1]),
               PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s: %s entry %llu is %lld: offsets must start at 0, not decrease and not pass the %" PetscInt_FMT
               " spikes",
               st->source, oname, (unsigned long long)k, (long long)off[k], st->nspikes);
    st->offsets[k] = (PetscInt)off[k];
  }
  PetscCheck(off[noff - 1] == (int64_t)st->nspikes, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: %s ends at %lld but there are %" PetscInt_FMT " spikes", st->source, oname, (long long)off[noff - 1],
             st->nspikes);
  PetscFunctionReturn(0);
}

/* GROUP/times_ms and GROUP/offsets [n+1] of a results file, with the given intervals. */
static PetscErrorCode ReadTrains(hid_t in, const char *path, const char *group, PetscInt nint, const double *iv,
                                 SpikeTrains **out)
{
  char           tname[64], oname[64];
  int            rank;
  hsize_t        dt[4], doff[4];
  int64_t       *off = NULL;
  SpikeTrains   *st;
  PetscBool      has;
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(tname, sizeof(tname), "%s/times_ms", group));
  PetscCall(PetscSNPrintf(oname, sizeof(oname), "%s/offsets", group));
  PetscCall(H5InExists(in, tname, &has));
  PetscCheck(
      has, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
      "%s has no %s (the evaluation spikes a fit writes when it ends; was it run with -fit_eval_windows 0 or interrupted?)",
      path, group);
  PetscCall(H5InShape(in, path, tname, &rank, dt));
  PetscCheck(rank == 1, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s must be one-dimensional", path, tname);
  PetscCall(H5InShape(in, path, oname, &rank, doff));
  PetscCheck(rank == 1 && doff[0] >= 2, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: %s must be one-dimensional with at least 2 entries", path, oname);
  PetscCall(SpikeTrainsCreate((PetscInt)doff[0] - 1, (PetscInt)dt[0], nint, &st));
  PetscCall(PetscStrncpy(st->source, path, sizeof(st->source)));
  PetscCall(PetscArraycpy(st->intervals_ms, iv, 2 * nint));
  ierr = dt[0] ? H5InDoubles(in, path, tname, dt[0], st->times_ms) : 0;
  if (!ierr) ierr = PetscMalloc1(doff[0], &off);
  if (!ierr) ierr = H5InInts(in, path, oname, doff[0], off);
  if (!ierr) ierr = SetOffsets(st, oname, off, doff[0]);
  PetscFree(off);
  if (!ierr) ierr = SpikeTrainsValidate(st);
  if (!ierr) ierr = CheckInside(st, group);
  if (ierr) SpikeTrainsDestroy(&st);
  PetscCall(ierr);
  *out = st;
  PetscFunctionReturn(0);
}

/* Both evaluation groups; on an error neither is returned. */
static PetscErrorCode ReadRun(const char *path, SpikeTrains **fitted, SpikeTrains **target)
{
  hid_t          in      = -1;
  char           fmt[32] = "";
  double        *iv      = NULL;
  PetscInt       nint    = 0;
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  PetscCall(H5InOpen(path, &in));
  ierr = H5Aexists(in, "spikefit_format") > 0 ? H5InAttrString(in, path, "/", "spikefit_format", fmt, sizeof(fmt)) : 0;
  if (!ierr && strcmp(fmt, "run")) {
    H5InClose(&in, path);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
            "%s is %s%s%s, not the results of a fit (spikefit export needs RUN.h5 with /eval)", path,
            fmt[0] ? "a spikefit '" : "not a spikefit file", fmt, fmt[0] ? "' file" : "");
  }
  if (!ierr) ierr = ReadSpan(in, path, &nint, &iv);
  if (!ierr) ierr = ReadTrains(in, path, "/eval/fitted", nint, iv, fitted);
  if (!ierr) ierr = ReadTrains(in, path, "/eval/target", nint, iv, target);
  PetscCall(PetscFree(iv));
  H5InClose(&in, path);
  if (!ierr && (*fitted)->nunits != (*target)->nunits) {
    PetscInt nf = (*fitted)->nunits, nt = (*target)->nunits;
    SpikeTrainsDestroy(fitted);
    SpikeTrainsDestroy(target);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
            "%s: /eval/fitted has %" PetscInt_FMT " units but /eval/target %" PetscInt_FMT, path, nf, nt);
  }
  if (ierr) SpikeTrainsDestroy(fitted); /* the target's reader failed, or nothing was read */
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

/* Same file, even when out does not exist yet or is named another way (./, links). */
static PetscBool SameFile(const char *a, const char *b)
{
  char ra[PATH_MAX], rb[PATH_MAX], dir[2 * PATH_MAX + 2], base[PATH_MAX];

  if (!realpath(a, ra)) return PETSC_FALSE;
  if (realpath(b, rb)) return strcmp(ra, rb) ? PETSC_FALSE : PETSC_TRUE;
  snprintf(dir, sizeof(dir), "%s", b);
  snprintf(base, sizeof(base), "%s", b);
  if (!realpath(dirname(dir), rb)) return PETSC_FALSE;
  snprintf(dir, sizeof(dir), "%s/%s", rb, basename(base));
  return strcmp(ra, dir) ? PETSC_FALSE : PETSC_TRUE;
}

PetscErrorCode ExportNwb(const char *run, const char *out, PetscBool target_in_units)
{
  SpikeTrains *fitted = NULL, *target = NULL;
  H5Out       *h = NULL;
  char         desc[PETSC_MAX_PATH_LEN + 256];
  const char  *fdesc =
      "simulated spikes of the fitted network over the held-out (evaluation) intervals, driven by the evaluation input";
  const char *tdesc =
      "the target's spikes over the same intervals (the recording's held-out spikes, or the ground truth's simulation)";
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  PetscCheck(!SameFile(run, out), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "-o %s is the input file %s: choose another output name", out, run);
  PetscCall(ReadRun(run, &fitted, &target));
  PetscCall(PetscSNPrintf(
      desc, sizeof(desc),
      "spikefit export of %s: held-out activity of the fitted network and of the target (/units holds the %s)", run,
      target_in_units ? "target" : "fitted network"));
  ierr = NwbOutCreate(out, desc, &h);
  if (!ierr) ierr = NwbOutUnits(h, "/units", target_in_units ? tdesc : fdesc, target_in_units ? target : fitted);
  if (!ierr)
    ierr = NwbOutProcessingModule(h, "/processing/spikefit", "spikefit: the other activity of the fit's evaluation");
  if (!ierr)
    ierr = NwbOutUnits(h, target_in_units ? "/processing/spikefit/fitted_units" : "/processing/spikefit/target_units",
                       target_in_units ? fdesc : tdesc, target_in_units ? fitted : target);
  if (!ierr) ierr = H5OutCommit(&h, NULL);
  if (ierr && h) H5OutAbort(&h);
  PetscCall(SpikeTrainsDestroy(&fitted));
  PetscCall(SpikeTrainsDestroy(&target));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

PetscErrorCode ExportRun(MPI_Comm comm, const char *run, int *exit_code)
{
  char           path[PETSC_MAX_PATH_LEN] = "", out[PETSC_MAX_PATH_LEN] = "", which[16] = "fitted";
  PetscErrorCode ierr = 0;
  PetscBool      failed, target;

  PetscFunctionBeginUser;
  *exit_code = 0;
  if (run) PetscCall(PetscStrncpy(path, run, sizeof(path)));
  PetscOptionsBegin(comm, NULL, "spikefit export RUN.h5 -o SIM.nwb: a fit's held-out activity as NWB Units tables",
                    NULL);
  PetscCall(PetscOptionsString("-run", "Results file of a fit (or give it right after 'export')", NULL, path, path,
                               sizeof(path), NULL));
  PetscCall(PetscOptionsString("-o", "NWB file to write", NULL, out, out, sizeof(out), NULL));
  PetscCall(PetscOptionsString("-export_units",
                               "Activity in /units: fitted or target (the other goes to /processing/spikefit)", NULL,
                               which, which, sizeof(which), NULL));
  PetscOptionsEnd();
  if (AppHelpRequested()) PetscFunctionReturn(0);
  PetscCall(AppCheckUnusedOptions(comm));
  PetscCheck(path[0], comm, PETSC_ERR_ARG_WRONG,
             "spikefit export needs the results file: spikefit export RUN.h5 -o SIM.nwb");
  PetscCheck(out[0], comm, PETSC_ERR_ARG_WRONG, "spikefit export needs the output file: spikefit export %s -o SIM.nwb",
             path);
  PetscCheck(!strcmp(which, "fitted") || !strcmp(which, "target"), comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-export_units must be fitted or target, got '%s'", which);
  target = strcmp(which, "target") ? PETSC_FALSE : PETSC_TRUE;
  /* serial: rank 0 writes and the others learn whether it worked */
  if (ParallelRank(comm) == 0) ierr = ExportNwb(path, out, target);
  PetscCall(ParallelAny(comm, ierr ? PETSC_TRUE : PETSC_FALSE, &failed));
  PetscCheck(!failed, comm, PETSC_ERR_FILE_UNEXPECTED, "export of %s failed", path);
  if (ParallelRank(comm) == 0)
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "wrote %s (NWB %s: /units the %s, /processing/spikefit/%s_units the %s)\n",
                          out, NWB_VERSION, target ? "target" : "fitted network", target ? "fitted" : "target",
                          target ? "fitted network" : "target"));
  PetscFunctionReturn(0);
}
