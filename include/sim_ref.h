#ifndef SPIKEFIT_SIM_REF_H
#define SPIKEFIT_SIM_REF_H
/* The reference twins of the simulator's recurrent products (-sim_ref, SimSetup.use_ref):
 * plain loops, no BLAS and no vector clones, used by SimForward/SimBackward and by the batched
 * kernels alike, so that a reference run does not depend on the batch layout's BLAS calls.
 * S, LamI: rows of n, one per window (or per step); W row-major [pre][post]. */
#include <petscsys.h>

/* out[b][j] += sum_i S[b][i] W[i][j] over the i with S[b][i] != 0, in the order of i. */
void SimRowsTimes_ref(PetscInt n, PetscInt nb, const double *S, PetscInt lds, const double *W, double *out,
                      PetscInt ldo);
/* lsyn[b][i] += sum_j W[i][j] LamI[b][j] (each sum from 0, in the order of j); LamI rows contiguous. */
void SimAdjointRows_ref(PetscInt n, PetscInt nb, const double *lamI, const double *W, double *lsyn, PetscInt ldl);
/* gW[i][j] += sum_r syn[r][i] lam[r][j] over the rows in order, skipping zero syn. */
void SimOuterAccumulate_ref(PetscInt n, PetscInt rows, const double *syn, PetscInt lds, const double *lam, PetscInt ldl,
                            double *gW);
#endif
