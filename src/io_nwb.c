/* NWB /units table: spike_times (float64, s), spike_times_index (cumulative END offsets, any
 * integer width), id, optional obs_intervals (+ obs_intervals_index). */
#include "io_spikes.h"

PetscErrorCode NwbOpen(SpikeSource *src)
{
  hsize_t   dims[2] = {0, 0}, n;
  uint64_t *ends = NULL;
  PetscBool has_id, has_obs;
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  src->times_name = "/units/spike_times";
  src->to_ms      = 1000.0; /* NWB times are seconds */
  PetscCall(SpikeSourceOpenDataset(src, src->times_name, H5T_FLOAT, 1, dims, &src->times));
  src->ntimes = dims[0];
  PetscCall(SpikeSourceReadU64(src, "/units/spike_times_index", PETSC_FALSE, NULL, &n, &ends));
  if (n > (hsize_t)PETSC_MAX_INT) {
    PetscCall(PetscFree(ends));
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: /units/spike_times_index has too many entries", src->path);
  }
  ierr = SpikeSourceSegmentsFromEnds(src, "/units/spike_times_index", ends, (PetscInt)n);
  PetscCall(PetscFree(ends));
  PetscCall(ierr);

  PetscCall(SpikeSourceLinkExists(src, "/units/id", &has_id));
  if (has_id) PetscCall(SpikeSourceReadIds(src, "/units/id", (PetscInt)n, &src->ids));
  else { /* tolerated: ids are the row numbers */
    PetscCall(PetscMalloc1(n > 0 ? n : 1, &src->ids));
    for (PetscInt k = 0; k < (PetscInt)n; k++) src->ids[k] = k;
  }

  PetscCall(SpikeSourceLinkExists(src, "/units/obs_intervals", &has_obs));
  if (!has_obs) {
    src->from_spikes = PETSC_TRUE; /* [first spike, last spike] rounded out to whole ms */
    PetscFunctionReturn(0);
  }
  {
    PetscInt  m;
    hsize_t   ni;
    uint64_t *oends = NULL;
    PetscCall(SpikeSourceReadIntervals(src, "/units/obs_intervals", 1000.0, &m, &src->int_ms));
    PetscCall(SpikeSourceReadU64(src, "/units/obs_intervals_index", PETSC_FALSE, NULL, &ni, &oends));
    src->int_off = NULL;
    ierr = 0;
    if (ni != n) ierr = 1;
    for (hsize_t k = 0; !ierr && k < ni; k++)
      if ((k > 0 && oends[k] < oends[k - 1]) || oends[k] > (uint64_t)m) ierr = 2 + (PetscErrorCode)k;
    if (ierr) {
      unsigned long long bad = ierr >= 2 ? (unsigned long long)oends[ierr - 2] : 0;
      PetscCall(PetscFree(oends));
      PetscCheck(ierr != 1, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: /units/obs_intervals_index has %llu entries, expected %llu (one per unit)", src->path,
                 (unsigned long long)ni, (unsigned long long)n);
      SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: /units/obs_intervals_index entry %d is %llu: not monotone or past the %" PetscInt_FMT " rows of /units/obs_intervals",
              src->path, (int)(ierr - 2), bad, m);
    }
    PetscCall(PetscMalloc1(n + 1, &src->int_off));
    src->int_off[0] = 0;
    for (hsize_t k = 0; k < n; k++) src->int_off[k + 1] = oends[k];
    PetscCall(PetscFree(oends));
    src->per_unit = PETSC_TRUE;
  }
  PetscFunctionReturn(0);
}
