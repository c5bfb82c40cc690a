/* The two simple HDF5 layouts: spikefit's own (docs/FORMAT.md "Spike data") and the retina
 * layout of the Eglen et al. wave repository (/spikes in s, /sCount per unit). */
#include "io_spikes.h"
#include <math.h>

PetscErrorCode SpikefitH5Open(SpikeSource *src)
{
  hsize_t        dims[2] = {0, 0}, n;
  uint64_t      *off     = NULL;
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  src->times_name = "/spikes/times_ms";
  src->to_ms      = 1.0;
  PetscCall(SpikeSourceOpenDataset(src, src->times_name, H5T_FLOAT, 1, dims, &src->times));
  src->ntimes = dims[0];
  PetscCall(SpikeSourceReadU64(src, "/spikes/offsets", PETSC_FALSE, NULL, &n, &off));
  ierr = 0;
  if (n == 0) ierr = 1;
  else if (off[0] != 0) ierr = 2;
  else if (off[n - 1] != src->ntimes) ierr = 3;
  else if (n - 1 > (hsize_t)PETSC_MAX_INT) ierr = 4;
  if (ierr) {
    unsigned long long first = n ? (unsigned long long)off[0] : 0, last = n ? (unsigned long long)off[n - 1] : 0;
    PetscCall(PetscFree(off));
    PetscCheck(ierr != 1, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s: dataset /spikes/offsets is empty (expected N+1 entries)", src->path);
    PetscCheck(ierr != 2, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s: dataset /spikes/offsets must start at 0, got %llu", src->path, first);
    PetscCheck(ierr != 4, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s: dataset /spikes/offsets has too many entries", src->path);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
            "%s: dataset /spikes/offsets ends at %llu but /spikes/times_ms has %llu entries", src->path, last,
            (unsigned long long)src->ntimes);
  }
  ierr = SpikeSourceSegmentsFromEnds(src, "/spikes/offsets", off + 1, (PetscInt)(n - 1));
  PetscCall(PetscFree(off));
  PetscCall(ierr);
  PetscCall(SpikeSourceReadIds(src, "/spikes/unit_ids", src->nall, &src->ids));
  PetscCall(SpikeSourceReadIntervals(src, "/spikes/intervals_ms", 1.0, &src->nint, &src->int_ms));
  PetscCheck(src->nint > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: dataset /spikes/intervals_ms holds no observation interval", src->path);
  for (PetscInt w = 1; w < src->nint; w++)
    PetscCheck(src->int_ms[2 * w] >= src->int_ms[2 * w - 1], PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s: dataset /spikes/intervals_ms rows %" PetscInt_FMT " and %" PetscInt_FMT
               " overlap or are unsorted ([%g, %g) then [%g, %g))",
               src->path, w - 1, w, src->int_ms[2 * w - 2], src->int_ms[2 * w - 1], src->int_ms[2 * w],
               src->int_ms[2 * w + 1]);
  PetscFunctionReturn(0);
}

PetscErrorCode RetinaOpen(SpikeSource *src)
{
  hsize_t        dims[2] = {0, 0}, n;
  uint64_t      *cnt = NULL, sum = 0;
  PetscBool      has_dur;
  PetscErrorCode ierr = 0;

  PetscFunctionBeginUser;
  src->times_name = "/spikes";
  src->to_ms      = 1000.0; /* seconds */
  PetscCall(SpikeSourceOpenDataset(src, src->times_name, H5T_FLOAT, 1, dims, &src->times));
  src->ntimes = dims[0];
  PetscCall(SpikeSourceReadU64(src, "/sCount", PETSC_FALSE, NULL, &n, &cnt));
  for (hsize_t k = 0; k < n; k++) {
    if (cnt[k] > src->ntimes || sum + cnt[k] > src->ntimes) {
      sum  = src->ntimes + 1;
      ierr = 1;
      break;
    }
    sum += cnt[k];
    cnt[k] = sum; /* now cumulative end offsets */
  }
  if (ierr || sum != src->ntimes || n > (hsize_t)PETSC_MAX_INT) {
    PetscCall(PetscFree(cnt));
    if (ierr)
      SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: /sCount sums to more than the %llu entries of /spikes",
              src->path, (unsigned long long)src->ntimes);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: /sCount sums to %llu but /spikes has %llu entries",
            src->path, (unsigned long long)sum, (unsigned long long)src->ntimes);
  }
  ierr = SpikeSourceSegmentsFromEnds(src, "/sCount", cnt, (PetscInt)n);
  PetscCall(PetscFree(cnt));
  PetscCall(ierr);
  PetscCall(PetscMalloc1(n > 0 ? n : 1, &src->ids));
  for (PetscInt k = 0; k < (PetscInt)n; k++) src->ids[k] = k; /* units are numbered in file order */
  src->from_spikes = PETSC_TRUE;                              /* [0, last spike], or /summary/duration */
  PetscCall(SpikeSourceLinkExists(src, "/summary/duration", &has_dur));
  if (has_dur) {
    hid_t   d;
    hsize_t dd[2];
    double  v[1] = {0};
    PetscCall(SpikeSourceOpenDataset(src, "/summary/duration", H5T_FLOAT, 1, dd, &d));
    PetscCheck(dd[0] == 1, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s: dataset /summary/duration has %llu entries, expected 1", src->path, (unsigned long long)dd[0]);
    PetscCall(SpikeSourceReadAll(src, d, "/summary/duration", H5T_NATIVE_DOUBLE, v));
    PetscCall(SpikeSourceRelease(src, d));
    PetscCheck(isfinite(v[0]) && v[0] >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s: dataset /summary/duration is %g s", src->path, v[0]);
    src->duration_ms = v[0] * 1000.0;
  }
  PetscFunctionReturn(0);
}
