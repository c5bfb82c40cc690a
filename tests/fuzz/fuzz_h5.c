/* libFuzzer target: the HDF5 readers (NWB, spikefit, retina) on arbitrary file images. The
 * bytes are written to a temporary .h5 file and read back with every entry point; a reader that
 * succeeds must return a valid container, and no HDF5 object may stay open afterwards.
 * With FUZZ_WRITE_SEEDS=DIR in the environment it writes small valid files of each layout
 * into DIR (the seed corpus) and exits. */
#include "fuzz_common.h"
#include <string.h>
#include <unistd.h>

static char g_path[512];

static void Put(hid_t f, const char *name, hid_t ftype, hid_t mtype, int rank, const hsize_t *dims, const void *v)
{
  hid_t lcpl = H5Pcreate(H5P_LINK_CREATE), sp, d;
  H5Pset_create_intermediate_group(lcpl, 1);
  sp = H5Screate_simple(rank, dims, NULL);
  d  = H5Dcreate2(f, name, ftype, sp, lcpl, H5P_DEFAULT, H5P_DEFAULT);
  H5Dwrite(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
  H5Dclose(d);
  H5Sclose(sp);
  H5Pclose(lcpl);
}

static void WriteSeeds(const char *dir)
{
  char   p[600];
  double t[] = {0.1, 0.2, 0.3, 0.5, 0.7, 0.9}, tms[] = {1, 2, 3, 500, 700, 900}, iv[] = {0, 1000},
         obs[]   = {0, 1, 0, 2, 0.1, 1.5};
  uint16_t ix[]  = {2, 4, 6};
  int64_t  ids[] = {3, 5, 9}, off[] = {0, 2, 4, 6}, oix[] = {1, 2, 3};
  int32_t  cnt[] = {2, 1, 3};
  hsize_t  n = 6, nu = 3, n1 = 4, d2[2] = {1, 2}, d3[2] = {3, 2};
  hid_t    f;

  snprintf(p, sizeof(p), "%s/nwb.h5", dir);
  f = H5Fcreate(p, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  Put(f, "/units/spike_times", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, &n, t);
  Put(f, "/units/spike_times_index", H5T_STD_U16LE, H5T_NATIVE_UINT16, 1, &nu, ix);
  Put(f, "/units/id", H5T_STD_I64LE, H5T_NATIVE_INT64, 1, &nu, ids);
  H5Fclose(f);
  snprintf(p, sizeof(p), "%s/nwb_obs.h5", dir);
  f = H5Fcreate(p, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  Put(f, "/units/spike_times", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, &n, t);
  Put(f, "/units/spike_times_index", H5T_STD_I32LE, H5T_NATIVE_UINT16, 1, &nu, ix);
  Put(f, "/units/obs_intervals", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2, d3, obs);
  Put(f, "/units/obs_intervals_index", H5T_STD_I64LE, H5T_NATIVE_INT64, 1, &nu, oix);
  H5Fclose(f);
  snprintf(p, sizeof(p), "%s/spikefit.h5", dir);
  f = H5Fcreate(p, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  Put(f, "/spikes/times_ms", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, &n, tms);
  Put(f, "/spikes/offsets", H5T_STD_I64LE, H5T_NATIVE_INT64, 1, &n1, off);
  Put(f, "/spikes/unit_ids", H5T_STD_I64LE, H5T_NATIVE_INT64, 1, &nu, ids);
  Put(f, "/spikes/intervals_ms", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2, d2, iv);
  H5Fclose(f);
  snprintf(p, sizeof(p), "%s/retina.h5", dir);
  f = H5Fcreate(p, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  Put(f, "/spikes", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, &n, t);
  Put(f, "/sCount", H5T_STD_I32LE, H5T_NATIVE_INT32, 1, &nu, cnt);
  H5Fclose(f);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
  const char *seeds = getenv("FUZZ_WRITE_SEEDS");
  FuzzInit(argc, argv);
  if (seeds) {
    WriteSeeds(seeds);
    PetscFinalize();
    exit(0);
  }
  snprintf(g_path, sizeof(g_path), "%s/spikefit_fuzz_%d.h5", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
           (int)getpid());
  return 0;
}

static void CheckNoOpenObjects(void)
{
  if (H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL) != 0) {
    fprintf(stderr, "HDF5 objects left open: %ld\n", (long)H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL));
    abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  FILE        *fp = fopen(g_path, "wb");
  SpikeTrains *st = NULL;
  DataOptions  opt;

  if (!fp) return 0;
  if (size) fwrite(data, 1, size, fp);
  fclose(fp);
  DataOptionsDefault(&opt);
  if (!SpikeFileReadInfo(g_path, &opt, &st)) {
    FuzzCheck(st);
    SpikeTrainsDestroy(&st);
  }
  CheckNoOpenObjects();
  if (!SpikeFileReadRange(g_path, &opt, 0, PETSC_INFINITY, &st)) {
    FuzzCheck(st);
    SpikeTrainsDestroy(&st);
  }
  CheckNoOpenObjects();
  if (!SpikeFileReadRange(g_path, &opt, 150, 600, &st)) {
    FuzzCheck(st);
    for (PetscInt s = 0; s < st->nspikes; s++)
      if (st->times_ms[s] < 150 || st->times_ms[s] >= 600) abort();
    SpikeTrainsDestroy(&st);
  }
  CheckNoOpenObjects();
  SpikeFileValidate(g_path, &opt);
  CheckNoOpenObjects();
  unlink(g_path);
  return 0;
}
