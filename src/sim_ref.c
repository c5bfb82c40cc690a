/* The simulator's reference loops (include/sim_ref.h): the recurrent products of -sim_ref, one
 * window's or a batch's, in plain C in a fixed order. */
#include "sim_ref.h"

/* -sim_ref: the batch's products as the plain loops of SimForward/SimBackward's reference
 * (no BLAS, no vector clones). Forward out[b][j] += sum_i S[b][i] W[i][j] over the spiked i in
 * the order of i; backward lamS[b][i] += sum_j W[i][j] LamI[b][j], each sum started at 0. */
void SimRowsTimes_ref(PetscInt n, PetscInt nb, const double *S, PetscInt lds, const double *W, double *out,
                      PetscInt ldo)
{
  for (PetscInt b = 0; b < nb; b++) {
    const double *sb = S + (size_t)b * lds;
    double       *ob = out + (size_t)b * ldo;
    for (PetscInt i = 0; i < n; i++) {
      double si = sb[i];
      if (si == 0.0) continue;
      for (PetscInt j = 0; j < n; j++) ob[j] += W[i * n + j] * si;
    }
  }
}

void SimAdjointRows_ref(PetscInt n, PetscInt nb, const double *lamI, const double *W, double *lsyn, PetscInt ldl)
{
  for (PetscInt b = 0; b < nb; b++) {
    const double *lb = lamI + (size_t)b * n;
    double       *ob = lsyn + (size_t)b * ldl;
    for (PetscInt i = 0; i < n; i++) {
      double acc = 0;
      for (PetscInt j = 0; j < n; j++) acc += W[i * n + j] * lb[j];
      ob[i] += acc;
    }
  }
}

/* gW[i][j] += sum_r syn[r][i] lam[r][j] over the rows in order, skipping zero syn. */
void SimOuterAccumulate_ref(PetscInt n, PetscInt rows, const double *syn, PetscInt lds, const double *lam, PetscInt ldl,
                            double *gW)
{
  for (PetscInt r = 0; r < rows; r++) {
    const double *sr = syn + (size_t)r * lds, *lr = lam + (size_t)r * ldl;
    for (PetscInt i = 0; i < n; i++) {
      if (sr[i] == 0.0) continue;
      for (PetscInt j = 0; j < n; j++) gW[i * n + j] += sr[i] * lr[j];
    }
  }
}
