#ifndef SPIKEFIT_EVAL_TABLE_H
#define SPIKEFIT_EVAL_TABLE_H
/* The held-out comparison table (issue 14): one row per model (fitted, initial, poisson_null,
 * data_ceiling, glm, ...), each written as a group /eval/compare/<row> of a results file and
 * printed as one line. Used by `spikefit fit` and by any other app that adds a row (glm):
 *
 *   EvalRow row = {.name = "glm"};
 *   EvalMetricsCompute(n, nbins, EVAL_BIN_MS, glm_counts, target_counts, &row.m);
 *   row.runaway = EvalRunaway(&row.m, recorded.mean_rate, recorded.max_rate, row.note, sizeof(row.note));
 *   EvalRowWrite(h, "/eval/compare", &row);
 *   EvalTablePrint(comm, "", header, nrows, rows);
 *
 * The counts come from EvalCountSpikes over /eval/span_ms (bins of EVAL_BIN_MS), the
 * recorded ones from /eval/target. No MPI; writing goes through h5io (collective on h's
 * communicator), printing through PetscPrintf (rank 0 of comm). */
#include "eval_metrics.h"
#include "h5io.h"

#define EVAL_BIN_MS        20.0
#define EVAL_POISSON_DRAWS 20

typedef struct {
  char        name[32]; /* group name under /eval/compare */
  EvalMetrics m;
  PetscBool   runaway;   /* EvalRunaway said so */
  char        note[192]; /* printed under the row, written as the group's attribute "note" ("" : none) */
} EvalRow;

/* A runaway: some neuron above max(3 x the highest recorded rate, 20 Hz), or the mean above
 * 2 x the recorded mean. why (may be NULL) says which, or is emptied. */
PetscBool EvalRunaway(const EvalMetrics *m, double recorded_mean, double recorded_max, char *why, size_t len);
/* GROUP/<row.name>/{rate_error, rate_r, corr_r, mean_rate, max_rate} scalars,
 * {nrated, npairs, runaway} integer [1], attribute note. */
PetscErrorCode EvalRowWrite(H5Out *h, const char *group, const EvalRow *row);
/* A spike group GROUP/{times_ms, offsets} from per-unit offsets [n+1] and times. */
PetscErrorCode EvalSpikesWrite(H5Out *h, const char *group, PetscInt n, const PetscInt *offsets, const double *times);
/* "K intervals, L ms from A to B ms" of the intervals [nspan][2]. */
PetscErrorCode EvalSpanDescribe(PetscInt nspan, const double *span, char *buf, size_t len);
/* The header line, then one line per row: rate error, rate r, corr r, mean and max rate,
 * a runaway mark and the row's note. Every line starts with prefix. */
PetscErrorCode EvalTablePrint(MPI_Comm comm, const char *prefix, const char *header, PetscInt nrows,
                              const EvalRow *rows);
#endif
