#include "h5io.h"
#include "spikes.h"
#include "hash.h"
#include "parallel.h"
#include <stdlib.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* A failed write ends the file at once (closed, PATH.tmp removed): the caller only returns
 * the error, and nothing is left open for HDF5's exit handler or on disk. */
#define H5OK(call, h, ...)                                      \
  do {                                                          \
    if ((call) < 0) return H5OutFail(h, __LINE__, __VA_ARGS__); \
  } while (0)

/* Files are built in memory (HDF5's core driver, no backing store) on every rank and rank 0
 * writes the image with plain write(): no MPI-IO (whose shared-file-pointer component fails
 * on long paths), and a full disk is an ordinary write error, never a failed H5Fclose that
 * would leave HDF5 a half-closed file to crash on at exit. Rank 0 holds all the data anyway. */
static hid_t MemoryAccess(void)
{
  hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
  H5Pset_fapl_core(fapl, (size_t)1 << 20, 0);
  return fapl;
}

PetscErrorCode H5OutCreate(MPI_Comm comm, const char *path, H5Out **out)
{
  H5Out *h;
  hid_t  fapl;

  PetscFunctionBeginUser;
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  PetscCall(PetscNew(&h));
  h->comm   = comm;
  h->rank   = ParallelRank(comm);
  h->serial = ParallelSize(comm) == 1;
  PetscCall(PetscStrncpy(h->path, path, sizeof(h->path)));
  PetscCall(PetscSNPrintf(h->tmp, sizeof(h->tmp), "%s.tmp", path));
  fapl    = MemoryAccess();
  h->file = H5Fcreate(h->tmp, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
  H5Pclose(fapl);
  if (h->file < 0) {
    PetscCall(PetscFree(h));
    SETERRQ(comm, PETSC_ERR_FILE_OPEN, "cannot create the HDF5 file %s in memory", path);
  }
  *out = h;
  PetscFunctionReturn(0);
}

PetscErrorCode H5OutCreateSerial(const char *path, H5Out **out)
{
  PetscFunctionBeginUser;
  PetscCall(H5OutCreate(PETSC_COMM_SELF, path, out)); /* in memory, written by this process alone */
  PetscFunctionReturn(0);
}

/* Copies src to dst through dst.tmp (fsynced, then renamed): for file systems without hard links. */
static int CopyFile(const char *src, const char *dst)
{
  char   tmp[PETSC_MAX_PATH_LEN + 16], buf[1 << 16];
  FILE  *in, *out;
  size_t got;
  int    ok = 1;

  if (snprintf(tmp, sizeof(tmp), "%s.tmp", dst) >= (int)sizeof(tmp)) return 0;
  in  = fopen(src, "rb");
  out = in ? fopen(tmp, "wb") : NULL;
  if (!in || !out) ok = 0;
  while (ok && (got = fread(buf, 1, sizeof(buf), in)) > 0)
    if (fwrite(buf, 1, got, out) != got) ok = 0;
  if (in) fclose(in);
  if (out && (fflush(out) != 0 || fsync(fileno(out)) != 0)) ok = 0;
  if (out && fclose(out) != 0) ok = 0;
  if (ok && rename(tmp, dst) != 0) ok = 0;
  if (!ok) unlink(tmp);
  return ok;
}

/* PATH stays in place while prev becomes a second name of it: at every instant PATH, or prev
 * once it is made, is a whole file (a rename would leave neither name for a moment). */
static int KeepPrevious(const char *path, const char *prev)
{
  if (access(path, F_OK) != 0) return 1; /* the first file: nothing to keep */
  if (unlink(prev) != 0 && errno != ENOENT) return 0;
  if (link(path, prev) == 0) return 1;
  if (errno == EEXIST) return 0;
  return CopyFile(path, prev);
}

/* fsync of the directory holding path, so the renames and links in it are on disk. */
static int SyncDirectory(const char *path)
{
  char        dir[PETSC_MAX_PATH_LEN];
  const char *slash = strrchr(path, '/');
  int         fd, ok;

  if (!slash) snprintf(dir, sizeof(dir), ".");
  else if (slash == path) snprintf(dir, sizeof(dir), "/");
  else snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
  fd = open(dir, O_RDONLY | O_DIRECTORY);
  if (fd < 0) return 0;
  ok = fsync(fd) == 0 || errno == EINVAL; /* some file systems cannot sync a directory */
  close(fd);
  return ok;
}

/* Rank 0: the image of the file to PATH.tmp, synced. 0, or the errno of the failure. */
static int WriteImage(H5Out *h)
{
  ssize_t size, got;
  char   *img;
  int     fd, err = 0;

  if (H5Fflush(h->file, H5F_SCOPE_GLOBAL) < 0 || (size = H5Fget_file_image(h->file, NULL, 0)) < 0) return EIO;
  if (!(img = (char *)malloc((size_t)size + 1))) return ENOMEM;
  if (H5Fget_file_image(h->file, img, (size_t)size) != size) err = EIO;
  fd = err ? -1 : open(h->tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (!err && fd < 0) err = errno;
  for (ssize_t off = 0; !err && off < size; off += got) {
    got = write(fd, img + off, (size_t)(size - off));
    if (got < 0 && errno != EINTR) err = errno;
    if (got < 0) got = 0;
  }
  if (fd >= 0 && !err && fsync(fd) != 0) err = errno;
  if (fd >= 0 && close(fd) != 0 && !err) err = errno;
  free(img);
  if (err) unlink(h->tmp);
  return err;
}

/* Closes the file once, however the writes went (a second H5Fclose after a failed one, when
 * there was no space to flush, crashes inside HDF5). */
static herr_t CloseFile(H5Out *h)
{
  herr_t st = h->file >= 0 ? H5Fclose(h->file) : 0;
  h->file   = -1;
  return st;
}

static PetscErrorCode H5OutFail(H5Out *h, int line, const char *fmt, ...)
{
  int     err = errno;
  char    msg[2 * PETSC_MAX_PATH_LEN + 256];
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  if (err == ENOSPC || err == EDQUOT || err == EFBIG || err == EIO) {
    size_t len = strlen(msg);
    snprintf(msg + len, sizeof(msg) - len, ": %s", strerror(err));
  }
  CloseFile(h);
  return PetscError(h->comm, line, PETSC_FUNCTION_NAME, __FILE__, PETSC_ERR_FILE_WRITE, PETSC_ERROR_INITIAL, "%s", msg);
}

PetscErrorCode H5OutCommit(H5Out **hp, const char *keep_prev)
{
  H5Out *h   = *hp;
  int    err = 0, all;

  PetscFunctionBeginUser;
  if (h->rank == 0) {
    err = WriteImage(h);
    if (!err && keep_prev && !KeepPrevious(h->path, keep_prev)) err = errno ? errno : EIO;
    if (!err && rename(h->tmp, h->path) != 0) err = errno;
    if (!err && keep_prev && !SyncDirectory(h->path)) err = errno ? errno : EIO;
    if (err) unlink(h->tmp);
  }
  CloseFile(h); /* in memory: nothing to flush */
  if (h->serial) all = err;
  else PetscCall(ParallelMaxInt(h->comm, err, &all));
  PetscCheck(!all, h->comm, PETSC_ERR_FILE_WRITE, "cannot write %s: %s (%s is not written)", h->tmp, strerror(all),
             h->path);
  PetscCall(PetscFree(*hp));
  PetscFunctionReturn(0);
}

PetscErrorCode H5OutAbort(H5Out **hp)
{
  PetscFunctionBeginUser;
  if (!hp || !*hp) PetscFunctionReturn(0);
  CloseFile(*hp);
  if ((*hp)->rank == 0) unlink((*hp)->tmp);
  PetscCall(PetscFree(*hp));
  PetscFunctionReturn(0);
}

PetscErrorCode H5OutUpdate(const char *path, H5Out **out)
{
  H5Out *h;
  hid_t  fapl;

  PetscFunctionBeginUser;
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  PetscCall(PetscNew(&h));
  h->comm   = PETSC_COMM_SELF;
  h->serial = 1;
  PetscCall(PetscStrncpy(h->path, path, sizeof(h->path)));
  PetscCall(PetscSNPrintf(h->tmp, sizeof(h->tmp), "%s.tmp", path));
  /* read into memory and changed there, under the name PATH.tmp (PATH may be open for
   * reading as well); PATH is replaced only by the commit */
  fapl = MemoryAccess();
  {
    FILE *in   = fopen(path, "rb");
    char *img  = NULL;
    long  size = -1;
    if (in && fseek(in, 0, SEEK_END) == 0) size = ftell(in);
    if (size > 0 && fseek(in, 0, SEEK_SET) == 0 && (img = (char *)malloc((size_t)size)) &&
        fread(img, 1, (size_t)size, in) == (size_t)size)
      H5Pset_file_image(fapl, img, (size_t)size);
    else size = -1;
    if (in) fclose(in);
    free(img);
    h->file = size > 0 ? H5Fopen(h->tmp, H5F_ACC_RDWR, fapl) : -1;
  }
  H5Pclose(fapl);
  if (h->file < 0) {
    PetscCall(PetscFree(h));
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s is not an HDF5 file spikefit can update", path);
  }
  *out = h;
  PetscFunctionReturn(0);
}

PetscErrorCode H5OutRemove(H5Out *h, const char *name)
{
  PetscFunctionBeginUser;
  if (H5Lexists(h->file, name, H5P_DEFAULT) > 0)
    PetscCheck(H5Ldelete(h->file, name, H5P_DEFAULT) >= 0, h->comm, PETSC_ERR_FILE_WRITE, "cannot remove %s from %s",
               name, h->tmp);
  PetscFunctionReturn(0);
}

static hid_t LinkCreatePlist(void)
{
  hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
  H5Pset_create_intermediate_group(lcpl, 1);
  return lcpl;
}

/* The checksum attribute of a dataset of `count` 8-byte values (H5Out.checksum). */
static PetscErrorCode WriteChecksum(H5Out *h, hid_t dset, const char *name, const void *data, hsize_t count)
{
  uint64_t sum   = HashWords(HASH_FNV_SEED, data, (size_t)count);
  hid_t    space = H5Screate(H5S_SCALAR), a;
  herr_t   st;

  PetscFunctionBeginUser;
  a = H5Acreate2(dset, H5IO_CHECKSUM_ATTR, H5T_STD_U64LE, space, H5P_DEFAULT, H5P_DEFAULT);
  H5Sclose(space);
  H5OK(a, h, "cannot create the checksum of %s in %s", name, h->tmp);
  st = H5Awrite(a, H5T_NATIVE_UINT64, &sum);
  H5Aclose(a);
  H5OK(st, h, "cannot write the checksum of %s in %s", name, h->tmp);
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteArray(H5Out *h, const char *name, hid_t memtype, hid_t filetype, int rank,
                                 const hsize_t *dims, const void *data)
{
  hid_t   space, dset, lcpl, xfer, fspace;
  hsize_t one = 1;

  PetscFunctionBeginUser;
  if (rank == 0) {
    rank = 1;
    dims = &one;
  }
  space = H5Screate_simple(rank, dims, NULL);
  lcpl  = LinkCreatePlist();
  dset  = H5Dcreate2(h->file, name, filetype, space, lcpl, H5P_DEFAULT, H5P_DEFAULT);
  H5Pclose(lcpl);
  H5OK(dset, h, "cannot create dataset %s in %s", name, h->tmp);
  {
    hsize_t total = 1;
    for (int k = 0; k < rank; k++) total *= dims[k];
    if (h->checksum) {
      PetscErrorCode ierr = WriteChecksum(h, dset, name, data, total);
      if (ierr) {
        H5Sclose(space);
        H5Dclose(dset);
      }
      PetscCall(ierr);
    }
    if (total == 0) { /* an empty dataset (no spikes): nothing to transfer */
      H5Sclose(space);
      H5Dclose(dset);
      PetscFunctionReturn(0);
    }
  }
  xfer   = H5Pcreate(H5P_DATASET_XFER);
  fspace = H5Scopy(space);
  if (h->rank != 0) {
    H5Sselect_none(space);
    H5Sselect_none(fspace);
  }
  {
    herr_t st = H5Dwrite(dset, memtype, space, fspace, xfer, data);
    H5Pclose(xfer);
    H5Sclose(fspace);
    H5Sclose(space);
    H5Dclose(dset);
    H5OK(st, h, "cannot write dataset %s in %s", name, h->tmp);
  }
  PetscFunctionReturn(0);
}

PetscErrorCode H5OutDoubles(H5Out *h, const char *name, int rank, const hsize_t *dims, const double *data)
{
  return WriteArray(h, name, H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, rank, dims, data);
}

PetscErrorCode H5OutInts(H5Out *h, const char *name, int rank, const hsize_t *dims, const int64_t *data)
{
  return WriteArray(h, name, H5T_NATIVE_INT64, H5T_STD_I64LE, rank, dims, data);
}

PetscErrorCode H5OutScalar(H5Out *h, const char *name, double value)
{
  hsize_t one = 1;
  return WriteArray(h, name, H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 1, &one, &value);
}

PetscErrorCode H5OutGroup(H5Out *h, const char *name)
{
  hid_t  lcpl, g;
  htri_t exists;

  PetscFunctionBeginUser;
  exists = H5Lexists(h->file, name, H5P_DEFAULT);
  if (exists > 0) PetscFunctionReturn(0);
  lcpl = LinkCreatePlist();
  g    = H5Gcreate2(h->file, name, lcpl, H5P_DEFAULT, H5P_DEFAULT);
  H5Pclose(lcpl);
  H5OK(g, h, "cannot create group %s in %s", name, h->tmp);
  H5Gclose(g);
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteAttr(H5Out *h, const char *obj, const char *attr, hid_t type, const void *value)
{
  hid_t  space = H5Screate(H5S_SCALAR), a;
  herr_t st;

  PetscFunctionBeginUser;
  a = H5Acreate_by_name(h->file, obj, attr, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  H5Sclose(space);
  H5OK(a, h, "cannot create attribute %s of %s in %s", attr, obj, h->tmp);
  st = H5Awrite(a, type, value);
  H5Aclose(a);
  H5OK(st, h, "cannot write attribute %s of %s in %s", attr, obj, h->tmp);
  PetscFunctionReturn(0);
}

PetscErrorCode H5OutAttrString(H5Out *h, const char *obj, const char *attr, const char *value)
{
  hid_t          type = H5Tcopy(H5T_C_S1);
  PetscErrorCode ierr;
  H5Tset_size(type, strlen(value) + 1);
  ierr = WriteAttr(h, obj, attr, type, value);
  H5Tclose(type);
  return ierr;
}

PetscErrorCode H5OutAttrDouble(H5Out *h, const char *obj, const char *attr, double value)
{
  return WriteAttr(h, obj, attr, H5T_NATIVE_DOUBLE, &value);
}
PetscErrorCode H5OutAttrInt(H5Out *h, const char *obj, const char *attr, int64_t value)
{
  return WriteAttr(h, obj, attr, H5T_NATIVE_INT64, &value);
}

PetscErrorCode H5OutString(H5Out *h, const char *name, const char *value)
{
  hid_t  type = H5Tcopy(H5T_C_S1), space = H5Screate(H5S_SCALAR), lcpl = LinkCreatePlist(), dset, xfer;
  herr_t st;

  PetscFunctionBeginUser;
  H5Tset_size(type, strlen(value) + 1);
  dset = H5Dcreate2(h->file, name, type, space, lcpl, H5P_DEFAULT, H5P_DEFAULT);
  H5Pclose(lcpl);
  H5OK(dset, h, "cannot create dataset %s in %s", name, h->tmp);
  xfer = H5Pcreate(H5P_DATASET_XFER);
  st   = H5Dwrite(dset, type, space, space, xfer, value); /* every rank writes the same bytes */
  H5Pclose(xfer);
  H5Sclose(space);
  H5Tclose(type);
  H5Dclose(dset);
  H5OK(st, h, "cannot write dataset %s in %s", name, h->tmp);
  PetscFunctionReturn(0);
}

PetscErrorCode H5OutBinnedSpikes(H5Out *h, const char *group, PetscInt n, PetscInt steps, const double *z, double dt)
{
  SpikeTrains *st;
  char         name[256];
  hsize_t      dims;
  int64_t     *off;

  PetscFunctionBeginUser;
  PetscCall(SpikeTrainsFromBinned(n, steps, z, 0.0, dt, &st));
  dims = (hsize_t)st->nspikes;
  PetscCall(PetscSNPrintf(name, sizeof(name), "%s/times_ms", group));
  PetscCall(H5OutDoubles(h, name, 1, &dims, st->times_ms));
  PetscCall(PetscMalloc1(n + 1, &off));
  for (PetscInt k = 0; k <= n; k++) off[k] = st->offsets[k];
  dims = (hsize_t)(n + 1);
  PetscCall(PetscSNPrintf(name, sizeof(name), "%s/offsets", group));
  PetscCall(H5OutInts(h, name, 1, &dims, off));
  PetscCall(PetscFree(off));
  PetscCall(SpikeTrainsDestroy(&st));
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- reading */

PetscErrorCode H5InOpen(const char *path, hid_t *file)
{
  htri_t is;

  PetscFunctionBeginUser;
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  PetscCheck(access(path, R_OK) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN,
             "cannot open %s: no such file or not readable", path);
  is = H5Fis_hdf5(path);
  PetscCheck(is > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s is not an HDF5 file", path);
  *file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  PetscCheck(*file >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "cannot open HDF5 file %s (damaged or truncated?)",
             path);
  PetscFunctionReturn(0);
}

PetscErrorCode H5InClose(hid_t *file, const char *path)
{
  PetscFunctionBeginUser;
  if (*file >= 0) PetscCheck(H5Fclose(*file) >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "cannot close %s", path);
  *file = -1;
  PetscFunctionReturn(0);
}

PetscErrorCode H5InExists(hid_t file, const char *name, PetscBool *exists)
{
  char   buf[PETSC_MAX_PATH_LEN];
  size_t len = strlen(name);

  PetscFunctionBeginUser;
  *exists = PETSC_FALSE;
  PetscCheck(len < sizeof(buf), PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "HDF5 path too long: %s", name);
  /* every prefix must exist as a link before H5Lexists may be asked about the next one */
  for (size_t k = 1; k <= len; k++) {
    if (k < len && name[k] != '/') continue;
    memcpy(buf, name, k);
    buf[k] = 0;
    if (H5Lexists(file, buf, H5P_DEFAULT) <= 0) PetscFunctionReturn(0);
  }
  *exists = PETSC_TRUE;
  PetscFunctionReturn(0);
}

PetscErrorCode H5InShape(hid_t file, const char *path, const char *name, int *rank, hsize_t dims[4])
{
  PetscBool exists;
  hid_t     dset, space;

  PetscFunctionBeginUser;
  PetscCall(H5InExists(file, name, &exists));
  PetscCheck(exists, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: dataset %s is missing", path, name);
  dset = H5Dopen2(file, name, H5P_DEFAULT);
  PetscCheck(dset >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s is not a dataset", path, name);
  space = H5Dget_space(dset);
  *rank = H5Sget_simple_extent_ndims(space);
  if (*rank > 4 || *rank < 0) {
    H5Sclose(space);
    H5Dclose(dset);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: dataset %s has rank %d", path, name, *rank);
  }
  H5Sget_simple_extent_dims(space, dims, NULL);
  H5Sclose(space);
  H5Dclose(dset);
  PetscFunctionReturn(0);
}

static PetscErrorCode ReadWhole(hid_t file, const char *path, const char *name, hsize_t expect, hid_t memtype,
                                H5T_class_t want, void *data)
{
  int         rank;
  hsize_t     dims[4], total = 1;
  hid_t       dset, type;
  H5T_class_t cls;
  herr_t      st;

  PetscFunctionBeginUser;
  PetscCall(H5InShape(file, path, name, &rank, dims));
  for (int k = 0; k < rank; k++) total *= dims[k];
  PetscCheck(total == expect, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: dataset %s has %llu values, expected %llu", path, name, (unsigned long long)total,
             (unsigned long long)expect);
  dset = H5Dopen2(file, name, H5P_DEFAULT);
  type = H5Dget_type(dset);
  cls  = H5Tget_class(type);
  H5Tclose(type);
  if (cls != want && !(want == H5T_FLOAT && cls == H5T_INTEGER)) {
    H5Dclose(dset);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: dataset %s has the wrong type (expected %s)", path, name,
            want == H5T_FLOAT ? "numbers" : "integers");
  }
  st = H5Dread(dset, memtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, data);
  H5Dclose(dset);
  PetscCheck(st >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "%s: cannot read dataset %s", path, name);
  PetscFunctionReturn(0);
}

PetscErrorCode H5InDoubles(hid_t file, const char *path, const char *name, hsize_t expect, double *data)
{
  return ReadWhole(file, path, name, expect, H5T_NATIVE_DOUBLE, H5T_FLOAT, data);
}

PetscErrorCode H5InInts(hid_t file, const char *path, const char *name, hsize_t expect, int64_t *data)
{
  return ReadWhole(file, path, name, expect, H5T_NATIVE_INT64, H5T_INTEGER, data);
}

static PetscErrorCode OpenAttr(hid_t file, const char *path, const char *obj, const char *attr, hid_t *a)
{
  PetscFunctionBeginUser;
  *a = H5Aexists_by_name(file, obj, attr, H5P_DEFAULT) > 0 ? H5Aopen_by_name(file, obj, attr, H5P_DEFAULT, H5P_DEFAULT)
                                                           : -1;
  PetscCheck(*a >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: attribute %s of %s is missing", path, attr, obj);
  PetscFunctionReturn(0);
}

PetscErrorCode H5InAttrString(hid_t file, const char *path, const char *obj, const char *attr, char *value, size_t len)
{
  hid_t  a, type, mem;
  size_t size;
  herr_t st;

  PetscFunctionBeginUser;
  PetscCall(OpenAttr(file, path, obj, attr, &a));
  type = H5Aget_type(a);
  if (H5Tget_class(type) != H5T_STRING || H5Tis_variable_str(type) > 0) {
    H5Tclose(type);
    H5Aclose(a);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: attribute %s of %s is not a fixed-length string", path,
            attr, obj);
  }
  size = H5Tget_size(type);
  H5Tclose(type);
  if (size + 1 > len) {
    H5Aclose(a);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: attribute %s of %s is too long", path, attr, obj);
  }
  mem = H5Tcopy(H5T_C_S1);
  H5Tset_size(mem, size + 1); /* room for the NUL of a null-padded string (h5py's np.bytes_) */
  memset(value, 0, len);
  st = H5Aread(a, mem, value);
  H5Tclose(mem);
  H5Aclose(a);
  PetscCheck(st >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "%s: cannot read attribute %s of %s", path, attr, obj);
  PetscFunctionReturn(0);
}

PetscErrorCode H5InAttrDouble(hid_t file, const char *path, const char *obj, const char *attr, double *value)
{
  hid_t  a;
  herr_t st;
  PetscFunctionBeginUser;
  PetscCall(OpenAttr(file, path, obj, attr, &a));
  st = H5Aread(a, H5T_NATIVE_DOUBLE, value);
  H5Aclose(a);
  PetscCheck(st >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "%s: cannot read attribute %s of %s as a number", path,
             attr, obj);
  PetscFunctionReturn(0);
}

PetscErrorCode H5InAttrInt(hid_t file, const char *path, const char *obj, const char *attr, int64_t *value)
{
  hid_t  a;
  herr_t st;
  PetscFunctionBeginUser;
  PetscCall(OpenAttr(file, path, obj, attr, &a));
  st = H5Aread(a, H5T_NATIVE_INT64, value);
  H5Aclose(a);
  PetscCheck(st >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "%s: cannot read attribute %s of %s as an integer", path,
             attr, obj);
  PetscFunctionReturn(0);
}
