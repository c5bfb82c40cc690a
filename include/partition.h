#ifndef SPIKEFIT_PARTITION_H
#define SPIKEFIT_PARTITION_H
/* The one decomposition of a fit's windows over the ranks of a group, made once before any
 * data is read: which training windows a rank loads, which it computes at every optimiser
 * step, which evaluation windows it computes, and how many threads it uses.
 *
 * The unit of work is a chunk: the windows of one step that lie in one batch of B
 * consecutive windows (batch k = [kB, (k+1)B)), cut into `split` near-equal parts. A chunk's
 * windows are simulated together and their summed loss and gradient enter the exact sum as
 * one value, so the bits depend on the chunks (on B, K and split), never on which rank or
 * thread computes them. The chunks of every step are dealt in contiguous blocks over the
 * ranks, balanced by windows, so the ranks share each step's work. */
#include <petscsys.h>

typedef struct {
  PetscInt  nwindows; /* training windows */
  PetscInt  per_step; /* windows per optimiser step (0, or >= nwindows: one step of all) */
  PetscInt  batch;    /* B: windows simulated together (1 with -sim_batch 0 or -sim_ref) */
  PetscInt  split;    /* parts each step's piece of a batch is cut into (1: whole pieces) */
  PetscInt  shared;   /* training windows [0, shared) every rank loads (gradient check, evaluation) */
  PetscInt  neval;    /* evaluation windows */
  PetscBool validate; /* the evaluation windows are computed every iteration (they count for threads) */
  PetscBool heldout;  /* a held-out simulation after training (two networks: two threads) */
  int       rank, size, threads;
} PartitionSpec;

typedef struct {
  PartitionSpec spec;
  PetscInt      K, nsteps, nchunks;
  PetscInt     *chunk;           /* [nchunks + 1] chunk c = windows [chunk[c], chunk[c + 1]) */
  int          *owner;           /* [nchunks] the rank that computes chunk c */
  PetscInt     *step;            /* [nsteps + 1] step s = chunks [step[s], step[s + 1]) */
  PetscInt     *wchunk;          /* [nwindows] the chunk of each window */
  PetscBool    *load;            /* [nwindows] this rank loads the window */
  PetscInt      nload, ncompute; /* windows this rank loads; computes per iteration */
  PetscInt      elo, ehi;        /* this rank's evaluation windows */
  int           threads;         /* threads this rank uses */
} WindowPartition;

PetscErrorCode WindowPartitionCreate(const PartitionSpec *spec, WindowPartition **out);
PetscErrorCode WindowPartitionDestroy(WindowPartition **p);
/* Windows [lo, hi) of optimiser step s. */
void WindowPartitionStep(const WindowPartition *p, PetscInt s, PetscInt *lo, PetscInt *hi);
/* The chunks that meet windows [wlo, whi): [c0, c1) (empty when the range is). */
void WindowPartitionChunks(const WindowPartition *p, PetscInt wlo, PetscInt whi, PetscInt *c0, PetscInt *c1);
/* The most windows one rank computes in one step, over all steps and ranks: what bounds a
 * step's wall time (K for every step on one rank; about K / ranks when they share it). */
PetscInt WindowPartitionStepLoad(const WindowPartition *p);
/* Whether this rank computes window w (each window has exactly one such rank). */
PetscBool WindowPartitionComputes(const WindowPartition *p, PetscInt w);
#endif
