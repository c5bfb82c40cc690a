#ifndef SPIKEFIT_SPIKES_H
#define SPIKEFIT_SPIKES_H
/* The in-memory spike-train container: per-unit offsets into one array of sorted times,
 * plus the observation intervals in which the units were recorded. Times are in ms. */
#include <petscsys.h>
#include <stdint.h>

typedef struct {
  PetscInt  nunits;
  PetscInt  nspikes;
  PetscInt *offsets;                    /* [nunits+1]: unit k owns times_ms[offsets[k] .. offsets[k+1]) */
  double   *times_ms;                   /* [nspikes], sorted ascending within each unit */
  PetscInt *unit_ids;                   /* [nunits]: the ids the source file gave the units */
  PetscInt  nintervals;                 /* observation intervals, disjoint and sorted */
  double   *intervals_ms;               /* [nintervals][2]: start, end (end exclusive) */
  char      source[PETSC_MAX_PATH_LEN]; /* file it came from, for messages */
} SpikeTrains;

PetscErrorCode SpikeTrainsCreate(PetscInt nunits, PetscInt nspikes, PetscInt nintervals, SpikeTrains **out);
PetscErrorCode SpikeTrainsDestroy(SpikeTrains **st);

/* Checks offsets monotone, times finite and sorted per unit, intervals well formed. */
PetscErrorCode SpikeTrainsValidate(const SpikeTrains *st);

/* Bins [t0_ms, t0_ms + nsteps*dt_ms) into out[t*nunits + i] in {0,1} (step-major, like the
 * simulator's output). A spike at time s falls in bin floor((s - t0)/dt). Extra spikes in a
 * bin are dropped; their number is added to *nclipped (may be NULL). */
PetscErrorCode SpikeTrainsBin(const SpikeTrains *st, double t0_ms, double dt_ms, PetscInt nsteps, double *out,
                              PetscInt *nclipped);

/* Builds a container from a binned array s[t*nunits+i] (bin t -> time t0 + t*dt). */
PetscErrorCode SpikeTrainsFromBinned(PetscInt nunits, PetscInt nsteps, const double *s, double t0_ms, double dt_ms,
                                     SpikeTrains **out);

/* Start times of every whole window of nsteps*dt_ms that fits inside one observation
 * interval within [t0_ms, t1_ms) (t1_ms <= 0 means no upper limit), packed back to back
 * from each interval's start. *starts is allocated with PetscMalloc (caller frees). */
PetscErrorCode SpikeTrainsWindows(const SpikeTrains *st, double t0_ms, double t1_ms, double dt_ms, PetscInt nsteps,
                                  PetscInt *nwindows, double **starts);
#endif
