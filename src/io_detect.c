/* Recorded spike data: which format a path holds (a Kilosort/phy folder, MATLAB, an HDF5 spike
 * layout, or text), judged by its contents; a name promising a format the contents lack is an error. */
#include "io_spikes.h"
#include <string.h>
#include <strings.h>
#include <errno.h>
#include <sys/stat.h>

static PetscBool EndsWith(const char *s, const char *suffix)
{
  size_t a = strlen(s), b = strlen(suffix);
  return (PetscBool)(a >= b && !strcasecmp(s + a - b, suffix));
}

/* A directory that is no known folder layout, a device or a pipe (an endless stream) is not
 * read at all. */
static PetscErrorCode SpikeFileCheckRegular(const char *path)
{
  struct stat sb;

  PetscFunctionBeginUser;
  PetscCheck(stat(path, &sb) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s: cannot open the spike data file (%s)",
             path, strerror(errno));
  PetscCheck(!S_ISDIR(sb.st_mode), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s is a directory, not a spike data file or a recognised spike folder layout", path);
  PetscCheck(S_ISREG(sb.st_mode), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s is not a regular file (a device, pipe or socket): spike data must be a file", path);
  PetscFunctionReturn(0);
}

static PetscErrorCode DetectInner(const char *path, SpikeFileKind *kind, SpikeSource *src)
{
  FILE     *fp;
  htri_t    is5;
  PetscBool e1, e2;

  PetscFunctionBeginUser;
  {
    struct stat sb;
    PetscCheck(stat(path, &sb) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s: cannot open the spike data file (%s)",
               path, strerror(errno));
    if (S_ISDIR(sb.st_mode)) {
      *kind = SPIKE_FILE_PHY;
      PetscFunctionReturn(0);
    } /* a Kilosort/phy folder (io_phy.c checks its files) */
  }
  PetscCall(SpikeFileCheckRegular(path));
  fp = fopen(path, "rb");
  PetscCheck(fp, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s: cannot open the spike data file", path);
  {
    char   head[20] = {0};
    size_t got      = fread(head, 1, 19, fp);
    fclose(fp);
    /* MATLAB 5.0 (v5/v7) and 7.3 (HDF5 behind a 512-byte header) files name themselves */
    if (got == 19 && (!strncmp(head, "MATLAB 5.0 MAT-file", 19) || !strncmp(head, "MATLAB 7.3 MAT-file", 19))) {
      *kind = SPIKE_FILE_MAT;
      PetscFunctionReturn(0);
    }
  }
  PetscCheck(
      !EndsWith(path, ".mat"), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
      "%s: not a MATLAB v5/v7/v7.3 file (no \"MATLAB 5.0/7.3 MAT-file\" header; v4 files are not read: save with -v7 or -v7.3)",
      path);
  is5 = H5Fis_hdf5(path);
  if (is5 <= 0) {
    PetscCheck(!EndsWith(path, ".h5") && !EndsWith(path, ".hdf5") && !EndsWith(path, ".nwb"), PETSC_COMM_SELF,
               PETSC_ERR_FILE_UNEXPECTED, "%s: not an HDF5 file (no HDF5 signature), although its name says so", path);
    *kind = SPIKE_FILE_TSV;
    PetscFunctionReturn(0);
  }
  src->file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  PetscCheck(src->file >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s: cannot open the HDF5 file (damaged?)", path);
  PetscCall(SpikeSourceLinkExists(src, "/units", &e1));
  if (e1) {
    *kind = SPIKE_FILE_NWB;
    PetscFunctionReturn(0);
  }
  PetscCall(SpikeSourceLinkExists(src, "/spikes/times_ms", &e1));
  if (e1) {
    *kind = SPIKE_FILE_SPIKEFIT;
    PetscFunctionReturn(0);
  }
  PetscCall(SpikeSourceLinkExists(src, "/sCount", &e1));
  PetscCall(SpikeSourceLinkExists(src, "/spikes", &e2));
  if (e1 || e2) {
    H5O_info_t info;
    /* a /spikes group is spikefit's layout (with a missing dataset); a dataset is the retina layout */
    if (e2 && H5Oget_info_by_name(src->file, "/spikes", &info, H5P_DEFAULT) >= 0 && info.type == H5O_TYPE_GROUP)
      *kind = SPIKE_FILE_SPIKEFIT;
    else *kind = SPIKE_FILE_RETINA;
    PetscFunctionReturn(0);
  }
  SETERRQ(
      PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
      "%s: HDF5 file without a known spike layout (looked for /units/spike_times (NWB), /spikes/times_ms (spikefit), /spikes + /sCount (retina))",
      path);
}

PetscErrorCode SpikeFileDetect(const char *path, SpikeFileKind *kind)
{
  SpikeSource    src;
  H5Silence      s;
  PetscErrorCode ierr, ierr2;

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(&src, sizeof(src)));
  src.file = src.times = -1;
  src.path             = path;
  SilenceBegin(&s);
  ierr  = DetectInner(path, kind, &src);
  ierr2 = SpikeSourceClose(&src);
  SilenceEnd(&s);
  PetscCall(ierr);
  PetscCall(ierr2);
  PetscFunctionReturn(0);
}
