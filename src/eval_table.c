/* The held-out comparison table: rows written to a results file and printed. */
#include "eval_table.h"
#include <math.h>

PetscBool EvalRunaway(const EvalMetrics *m, double recorded_mean, double recorded_max, char *why, size_t len)
{
  double    cap  = PetscMax(3.0 * recorded_max, 20.0);
  PetscBool high = (PetscBool)(m->max_rate > cap), mean = (PetscBool)(m->mean_rate > 2.0 * recorded_mean);
  if (why && len) why[0] = 0;
  if (why && high)
    PetscSNPrintf(why, len,
                  "runaway: a neuron fires at %.1f Hz, above max(3 x the highest recorded rate, 20 Hz) = %.1f Hz",
                  m->max_rate, cap);
  else if (why && mean)
    PetscSNPrintf(why, len, "runaway: mean rate %.2f Hz is above 2 x the recorded mean %.2f Hz", m->mean_rate,
                  recorded_mean);
  return (PetscBool)(high || mean);
}

PetscErrorCode EvalRowWrite(H5Out *h, const char *group, const EvalRow *row)
{
  char        name[256];
  const char *sn[5] = {"rate_error", "rate_r", "corr_r", "mean_rate", "max_rate"};
  double      sv[5] = {row->m.rate_error, row->m.rate_r, row->m.corr_r, row->m.mean_rate, row->m.max_rate};
  const char *in[3] = {"nrated", "npairs", "runaway"};
  int64_t     iv[3] = {row->m.nrated, row->m.npairs, row->runaway ? 1 : 0};
  hsize_t     one   = 1;

  PetscFunctionBeginUser;
  for (int k = 0; k < 5; k++) {
    PetscCall(PetscSNPrintf(name, sizeof(name), "%s/%s/%s", group, row->name, sn[k]));
    PetscCall(H5OutScalar(h, name, sv[k]));
  }
  for (int k = 0; k < 3; k++) {
    PetscCall(PetscSNPrintf(name, sizeof(name), "%s/%s/%s", group, row->name, in[k]));
    PetscCall(H5OutInts(h, name, 1, &one, &iv[k]));
  }
  PetscCall(PetscSNPrintf(name, sizeof(name), "%s/%s", group, row->name));
  PetscCall(H5OutAttrString(h, name, "note", row->note));
  PetscFunctionReturn(0);
}

PetscErrorCode EvalSpikesWrite(H5Out *h, const char *group, PetscInt n, const PetscInt *offsets, const double *times)
{
  char     name[256];
  hsize_t  dims = (hsize_t)offsets[n];
  int64_t *off;

  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(name, sizeof(name), "%s/times_ms", group));
  PetscCall(H5OutDoubles(h, name, 1, &dims, times));
  PetscCall(PetscMalloc1(n + 1, &off));
  for (PetscInt k = 0; k <= n; k++) off[k] = offsets[k];
  dims = (hsize_t)(n + 1);
  PetscCall(PetscSNPrintf(name, sizeof(name), "%s/offsets", group));
  PetscCall(H5OutInts(h, name, 1, &dims, off));
  PetscCall(PetscFree(off));
  PetscFunctionReturn(0);
}

PetscErrorCode EvalSpanDescribe(PetscInt nspan, const double *span, char *buf, size_t len)
{
  double total = 0;
  PetscFunctionBeginUser;
  for (PetscInt k = 0; k < nspan; k++) total += span[2 * k + 1] - span[2 * k];
  if (nspan)
    PetscCall(PetscSNPrintf(buf, len, "%" PetscInt_FMT " interval%s, %.0f ms from %.6g to %.6g ms", nspan,
                            nspan == 1 ? "" : "s", total, span[0], span[2 * nspan - 1]));
  else PetscCall(PetscSNPrintf(buf, len, "no interval"));
  PetscFunctionReturn(0);
}

PetscErrorCode EvalTablePrint(MPI_Comm comm, const char *prefix, const char *header, PetscInt nrows,
                              const EvalRow *rows)
{
  PetscFunctionBeginUser;
  PetscCall(PetscPrintf(comm, "%s%s\n", prefix, header));
  PetscCall(PetscPrintf(comm, "%s  %-14s %9s %7s %7s %9s %9s\n", prefix, "row", "rate_err", "rate_r", "corr_r",
                        "mean_Hz", "max_Hz"));
  for (PetscInt r = 0; r < nrows; r++) {
    const EvalMetrics *m = &rows[r].m;
    PetscCall(PetscPrintf(comm, "%s  %-14s %9.4f %7.3f %7.3f %9.3f %9.3f%s\n", prefix, rows[r].name, m->rate_error,
                          m->rate_r, m->corr_r, m->mean_rate, m->max_rate, rows[r].runaway ? "  RUNAWAY" : ""));
    if (rows[r].note[0]) PetscCall(PetscPrintf(comm, "%s  %-14s (%s)\n", prefix, "", rows[r].note));
  }
  PetscFunctionReturn(0);
}
