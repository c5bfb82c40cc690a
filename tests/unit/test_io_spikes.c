/* The recorded-data readers on the shared fixtures, on small generated files of every layout,
 * and on a large generated recording read by time range (memory must not follow its length). */
#include "testutil.h"
#include "io_spikes.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/time.h>

#ifndef SPIKEFIT_DATA_DIR
  #define SPIKEFIT_DATA_DIR "/work/shared/data"
#endif
#define NWB_FIXTURE   SPIKEFIT_DATA_DIR "/A8604-211122.nwb"
#define ADULT_FIXTURE SPIKEFIT_DATA_DIR "/Wong1993_Adult.h5"
#define P15A_FIXTURE  SPIKEFIT_DATA_DIR "/Wong1993_P15a.h5"

static char g_dir[256];

static const char *TmpPath(const char *name)
{
  static char buf[4][512];
  static int  k = 0;
  if (!g_dir[0]) {
    snprintf(g_dir, sizeof(g_dir), "%s/spikefit_io_XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(g_dir)) return NULL;
  }
  k = (k + 1) % 4;
  snprintf(buf[k], sizeof(buf[k]), "%s/%s", g_dir, name);
  return buf[k];
}

static int SkipIfMissing(const char *path)
{
  if (access(path, R_OK) == 0) return 0;
  print_message("fixture %s not found, skipping\n", path);
  return 1;
}

static PetscInt Count(const SpikeTrains *st, PetscInt k) { return st->offsets[k + 1] - st->offsets[k]; }

/* ---- small HDF5 writers ---- */
static void Put(hid_t f, const char *name, hid_t ftype, hid_t mtype, int rank, const hsize_t *dims, const void *v)
{
  hid_t lcpl = H5Pcreate(H5P_LINK_CREATE), sp, d;
  H5Pset_create_intermediate_group(lcpl, 1);
  sp = H5Screate_simple(rank, dims, NULL);
  d  = H5Dcreate2(f, name, ftype, sp, lcpl, H5P_DEFAULT, H5P_DEFAULT);
  assert_true(d >= 0);
  if (dims[0] > 0) assert_true(H5Dwrite(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0);
  H5Dclose(d);
  H5Sclose(sp);
  H5Pclose(lcpl);
}

static void WriteSpikefit(const char *path, PetscInt n, const int64_t *off, const int64_t *ids, const double *t,
                          PetscInt nint, const double *iv)
{
  hid_t   f  = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  hsize_t d1 = (hsize_t)off[n], d2 = (hsize_t)n + 1, d3 = (hsize_t)n, d4[2] = {(hsize_t)nint, 2};
  assert_true(f >= 0);
  Put(f, "/spikes/times_ms", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, &d1, t);
  Put(f, "/spikes/offsets", H5T_STD_I64LE, H5T_NATIVE_INT64, 1, &d2, off);
  Put(f, "/spikes/unit_ids", H5T_STD_I64LE, H5T_NATIVE_INT64, 1, &d3, ids);
  Put(f, "/spikes/intervals_ms", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2, d4, iv);
  H5Fclose(f);
}

static void WriteText(const char *path, const char *text)
{
  FILE *fp = fopen(path, "w");
  assert_non_null(fp);
  fputs(text, fp);
  fclose(fp);
}

/* ---- fixtures ---- */
static void test_nwb_fixture(void **state)
{
  SpikeTrains  *info = NULL, *st = NULL;
  SpikeFileKind kind;
  (void)state;
  if (SkipIfMissing(NWB_FIXTURE)) return;
  assert_int_equal(0, SpikeFileDetect(NWB_FIXTURE, &kind));
  assert_int_equal(SPIKE_FILE_NWB, kind);
  assert_int_equal(0, SpikeFileReadInfo(NWB_FIXTURE, NULL, &info));
  assert_int_equal(3, info->nunits);
  assert_int_equal(0, info->nspikes);
  assert_int_equal(6, info->unit_ids[0]);
  assert_int_equal(191, info->unit_ids[1]);
  assert_int_equal(206, info->unit_ids[2]);
  /* no obs_intervals: [first spike, last spike] rounded out to whole ms */
  assert_int_equal(1, info->nintervals);
  assert_true(info->intervals_ms[0] >= 0 && info->intervals_ms[0] <= 100);
  assert_true(info->intervals_ms[1] > 1087000 && info->intervals_ms[1] <= 1087600);
  assert_int_equal(0, SpikeFileReadRange(NWB_FIXTURE, NULL, 0, PETSC_INFINITY, &st));
  assert_int_equal(21354, st->nspikes);
  assert_int_equal(11020, Count(st, 0));
  assert_int_equal(4690, Count(st, 1));
  assert_int_equal(5644, Count(st, 2));
  assert_true(fabs(st->times_ms[0] - 30.333) < 1e-6);
  assert_int_equal(0, SpikeTrainsValidate(st));
  assert_int_equal(0, SpikeFileValidate(NWB_FIXTURE, NULL));
  assert_int_equal(0, SpikeTrainsDestroy(&st));
  assert_int_equal(0, SpikeTrainsDestroy(&info));
}

static void test_nwb_units_selection(void **state)
{
  SpikeTrains *st = NULL;
  DataOptions  opt;
  (void)state;
  if (SkipIfMissing(NWB_FIXTURE)) return;
  assert_int_equal(0, DataOptionsDefault(&opt));
  strcpy(opt.units, "191, 206");
  assert_int_equal(0, SpikeFileReadRange(NWB_FIXTURE, &opt, 0, PETSC_INFINITY, &st));
  assert_int_equal(2, st->nunits);
  assert_int_equal(191, st->unit_ids[0]);
  assert_int_equal(4690 + 5644, st->nspikes);
  assert_int_equal(0, SpikeTrainsDestroy(&st));
  strcpy(opt.units, "6");
  assert_int_equal(0, SpikeFileReadInfo(NWB_FIXTURE, &opt, &st));
  assert_int_equal(1, st->nunits);
  assert_int_equal(6, st->unit_ids[0]);
  assert_int_equal(0, SpikeTrainsDestroy(&st));
}

static void test_retina_adult(void **state)
{
  SpikeTrains  *st = NULL, *part = NULL;
  SpikeFileKind kind;
  double        lo, hi;
  (void)state;
  if (SkipIfMissing(ADULT_FIXTURE)) return;
  assert_int_equal(0, SpikeFileDetect(ADULT_FIXTURE, &kind));
  assert_int_equal(SPIKE_FILE_RETINA, kind);
  assert_int_equal(0, SpikeFileReadRange(ADULT_FIXTURE, NULL, 0, PETSC_INFINITY, &st));
  assert_int_equal(57, st->nunits);
  assert_int_equal(15510, st->nspikes);
  assert_int_equal(0, st->unit_ids[0]);
  assert_int_equal(56, st->unit_ids[56]);
  /* interval [0, max(/summary/duration = 146 s, last spike rounded up to whole ms)) */
  assert_int_equal(1, st->nintervals);
  {
    double last = 0;
    for (PetscInt k = 0; k < 57; k++)
      if (Count(st, k)) last = fmax(last, st->times_ms[st->offsets[k + 1] - 1]);
    assert_true(st->intervals_ms[0] == 0 && st->intervals_ms[1] == fmax(146000, floor(last) + 1));
    assert_true(st->intervals_ms[1] >= 146000);
  }
  assert_int_equal(0, SpikeTrainsValidate(st));
  /* a range read returns exactly the spikes of the full read inside the range */
  lo = floor(st->times_ms[st->nspikes / 2]) - 1000;
  hi = lo + 4000;
  assert_int_equal(0, SpikeFileReadRange(ADULT_FIXTURE, NULL, lo, hi, &part));
  assert_int_equal(57, part->nunits);
  assert_int_equal(1, part->nintervals);
  assert_true(part->intervals_ms[0] == lo && part->intervals_ms[1] == hi);
  for (PetscInt k = 0, total = 0; k < 57; k++) {
    PetscInt c = 0;
    for (PetscInt s = st->offsets[k]; s < st->offsets[k + 1]; s++)
      if (st->times_ms[s] >= lo && st->times_ms[s] < hi) {
        assert_true(st->times_ms[s] == part->times_ms[part->offsets[k] + c]);
        c++;
      }
    assert_int_equal(c, Count(part, k));
    total += c;
    if (k == 56) assert_int_equal(total, part->nspikes);
  }
  assert_true(part->nspikes > 0);
  assert_int_equal(0, SpikeTrainsDestroy(&part));
  assert_int_equal(0, SpikeTrainsDestroy(&st));
}

static void test_retina_p15a_duplicates(void **state)
{
  SpikeTrains *st      = NULL;
  PetscInt     clipped = 0, dups = 0, nsteps;
  double      *bins;
  (void)state;
  if (SkipIfMissing(P15A_FIXTURE)) return;
  assert_int_equal(0, SpikeFileReadRange(P15A_FIXTURE, NULL, 0, PETSC_INFINITY, &st));
  assert_int_equal(58, st->nunits);
  assert_int_equal(36476, st->nspikes);
  assert_int_equal(0, SpikeTrainsValidate(st));
  assert_int_equal(0, SpikeFileValidate(P15A_FIXTURE, NULL));
  /* spikes closer than 1 ms within a unit, in a 300 s window (the file's timestamps have 0.05 ms
   * resolution; the README's 631 repeats are repeats at h5dump's 6-digit print precision) */
  nsteps = 300000;
  for (PetscInt k = 0; k < st->nunits; k++)
    for (PetscInt s = st->offsets[k] + 1; s < st->offsets[k + 1]; s++)
      dups += st->times_ms[s - 1] >= 60000 && st->times_ms[s] < 60000 + nsteps &&
              st->times_ms[s] - st->times_ms[s - 1] < 1.0;
  assert_true(dups > 0);
  bins = malloc(sizeof(double) * (size_t)nsteps * (size_t)st->nunits);
  assert_non_null(bins);
  assert_int_equal(0, SpikeTrainsBin(st, 60000, 1.0, nsteps, bins, &clipped));
  assert_true(clipped > 0 && clipped <= dups);
  free(bins);
  assert_int_equal(0, SpikeTrainsDestroy(&st));
}

/* ---- a small retina-layout file with exact duplicate timestamps ---- */
static void test_retina_duplicates(void **state)
{
  const char  *path = TmpPath("retina.h5");
  double       t[] = {0.5, 0.5, 0.75, 0.1, 2.0, 2.0, 2.0}, dur = 1.0;
  int32_t      cnt[] = {3, 0, 4};
  hsize_t      n = 7, m = 3, one = 1;
  hid_t        f       = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  SpikeTrains *st      = NULL;
  PetscInt     clipped = 0;
  double       bins[3 * 2001];
  (void)state;
  Put(f, "/spikes", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, &n, t);
  Put(f, "/sCount", H5T_STD_I32LE, H5T_NATIVE_INT32, 1, &m, cnt);
  Put(f, "/summary/duration", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, &one, &dur);
  H5Fclose(f);
  assert_int_equal(0, SpikeFileReadRange(path, NULL, 0, PETSC_INFINITY, &st));
  assert_int_equal(3, st->nunits);
  assert_int_equal(7, st->nspikes);
  assert_int_equal(0, Count(st, 1));
  assert_true(st->intervals_ms[0] == 0 && st->intervals_ms[1] == 2001); /* last spike beyond /summary/duration */
  assert_int_equal(0, SpikeTrainsBin(st, 0, 1.0, 2001, bins, &clipped));
  assert_int_equal(3, clipped);
  assert_int_equal(0, SpikeFileValidate(path, NULL));
  assert_int_equal(0, SpikeTrainsDestroy(&st));
  unlink(path);
}

/* ---- spikefit's own layout ---- */
static void test_spikefit_layout(void **state)
{
  const char   *path  = TmpPath("own.h5");
  int64_t       off[] = {0, 3, 3, 5}, ids[] = {4, 7, 9};
  double        t[] = {1.5, 20, 900, 0, 999.5}, iv[] = {0, 500, 600, 1000};
  SpikeTrains  *st = NULL;
  SpikeFileKind kind;
  DataOptions   opt;
  (void)state;
  WriteSpikefit(path, 3, off, ids, t, 2, iv);
  assert_int_equal(0, SpikeFileDetect(path, &kind));
  assert_int_equal(SPIKE_FILE_SPIKEFIT, kind);
  assert_int_equal(0, SpikeFileReadInfo(path, NULL, &st));
  assert_int_equal(3, st->nunits);
  assert_int_equal(2, st->nintervals);
  assert_true(st->intervals_ms[2] == 600 && st->intervals_ms[3] == 1000);
  assert_int_equal(0, SpikeTrainsDestroy(&st));
  assert_int_equal(0, SpikeFileReadRange(path, NULL, 10, 950, &st));
  assert_int_equal(2, st->nspikes);
  assert_int_equal(2, Count(st, 0));
  assert_int_equal(0, Count(st, 1));
  assert_int_equal(0, Count(st, 2));
  assert_true(st->times_ms[0] == 20 && st->times_ms[1] == 900);
  assert_int_equal(2, st->nintervals);
  assert_true(st->intervals_ms[0] == 10 && st->intervals_ms[3] == 950);
  assert_int_equal(0, SpikeTrainsDestroy(&st));
  /* ranges and selection: units 7-9 */
  assert_int_equal(0, DataOptionsDefault(&opt));
  strcpy(opt.units, "7-9");
  assert_int_equal(0, SpikeFileReadRange(path, &opt, 0, PETSC_INFINITY, &st));
  assert_int_equal(2, st->nunits);
  assert_int_equal(9, st->unit_ids[1]);
  assert_int_equal(2, st->nspikes);
  assert_true(st->times_ms[0] == 0 && st->times_ms[1] == 999.5);
  assert_int_equal(0, SpikeTrainsDestroy(&st));
  /* a range exactly between two spikes, and an empty range past the end */
  assert_int_equal(0, SpikeFileReadRange(path, NULL, 20, 20.5, &st));
  assert_int_equal(1, st->nspikes);
  assert_int_equal(0, SpikeTrainsDestroy(&st));
  assert_int_equal(0, SpikeFileReadRange(path, NULL, 5000, 6000, &st));
  assert_int_equal(0, st->nspikes);
  assert_int_equal(0, st->nintervals);
  assert_int_equal(0, SpikeTrainsDestroy(&st));
  unlink(path);
}

/* ---- text ---- */
static void test_text_reader(void **state)
{
  const char   *path = TmpPath("spikes.tsv");
  SpikeTrains  *st   = NULL;
  SpikeFileKind kind;
  DataOptions   opt;
  (void)state;
  WriteText(path, "# unit time (s)\n"
                  "12\t0.5\n"
                  "3, 0.25\n"
                  "\n"
                  "12 0.125   # out of order: sorted on reading\n"
                  "3 1e-1\r\n"
                  "  7 , 2\n"
                  "12 0.5\n");
  assert_int_equal(0, SpikeFileDetect(path, &kind));
  assert_int_equal(SPIKE_FILE_TSV, kind);
  assert_int_equal(0, SpikeFileReadRange(path, NULL, 0, PETSC_INFINITY, &st));
  assert_int_equal(3, st->nunits);
  assert_int_equal(3, st->unit_ids[0]);
  assert_int_equal(7, st->unit_ids[1]);
  assert_int_equal(12, st->unit_ids[2]);
  assert_int_equal(6, st->nspikes);
  assert_true(st->times_ms[0] == 100 && st->times_ms[1] == 250);
  assert_true(st->times_ms[2] == 2000);
  assert_true(st->times_ms[3] == 125 && st->times_ms[4] == 500 && st->times_ms[5] == 500);
  assert_true(st->intervals_ms[0] == 0 && st->intervals_ms[1] == 2001);
  assert_int_equal(0, SpikeTrainsValidate(st));
  assert_int_equal(0, SpikeTrainsDestroy(&st));

  assert_int_equal(0, DataOptionsDefault(&opt));
  strcpy(opt.time_unit, "ms");
  strcpy(opt.units, "12");
  assert_int_equal(0, SpikeFileReadRange(path, &opt, 0.2, 0.6, &st));
  assert_int_equal(1, st->nunits);
  assert_int_equal(2, st->nspikes);
  assert_true(st->times_ms[0] == 0.5);
  assert_int_equal(0, SpikeTrainsDestroy(&st));

  strcpy(opt.time_unit, "samples");
  opt.sample_rate = 20000;
  opt.units[0]    = '\0';
  assert_int_equal(0, SpikeFileReadInfo(path, &opt, &st));
  assert_int_equal(3, st->nunits);
  assert_int_equal(0, st->nspikes);
  assert_true(st->intervals_ms[1] == 1); /* last spike at 2 samples = 0.1 ms */
  assert_int_equal(0, SpikeTrainsDestroy(&st));
  unlink(path);
}

/* ---- options ---- */
static void test_options(void **state)
{
  DataOptions  opt;
  SpikeTrains *info = NULL;
  double       a, b, c, d;
  (void)state;
  assert_int_equal(0, DataOptionsDefault(&opt));
  assert_int_equal(0, PetscOptionsSetValue(NULL, "-data_units", "1,3-4"));
  assert_int_equal(0, PetscOptionsSetValue(NULL, "-data_time_unit", "samples"));
  assert_int_equal(0, PetscOptionsSetValue(NULL, "-data_sample_rate", "30000"));
  assert_int_equal(0, PetscOptionsSetValue(NULL, "-data_t0", "1000"));
  assert_int_equal(0, PetscOptionsSetValue(NULL, "-data_holdout", "500"));
  assert_int_equal(0, DataOptionsProcess(PETSC_COMM_WORLD, &opt));
  assert_string_equal("1,3-4", opt.units);
  assert_string_equal("samples", opt.time_unit);
  assert_true(opt.sample_rate == 30000 && opt.t0_ms == 1000 && opt.t1_ms == 0 && opt.holdout_ms == 500);
  assert_int_equal(0, PetscOptionsClearValue(NULL, "-data_units"));
  assert_int_equal(0, PetscOptionsClearValue(NULL, "-data_time_unit"));
  assert_int_equal(0, PetscOptionsClearValue(NULL, "-data_sample_rate"));
  assert_int_equal(0, PetscOptionsClearValue(NULL, "-data_t0"));
  assert_int_equal(0, PetscOptionsClearValue(NULL, "-data_holdout"));
  /* span to the end of the recording, with a holdout */
  assert_int_equal(0, SpikeTrainsCreate(1, 0, 2, &info));
  info->intervals_ms[0] = 0;
  info->intervals_ms[1] = 3000;
  info->intervals_ms[2] = 4000;
  info->intervals_ms[3] = 10000;
  assert_int_equal(0, DataOptionsSpan(&opt, info, &a, &b, &c, &d));
  assert_true(a == 1000 && b == 9500 && c == 9500 && d == 10000);
  opt.t1_ms = 5000;
  assert_int_equal(0, DataOptionsSpan(&opt, info, &a, &b, &c, &d));
  assert_true(a == 1000 && b == 4500 && d == 5000);
  assert_int_equal(0, SpikeTrainsDestroy(&info));
}

/* ---- a large recording, read by range ---- */
static double Uniform(uint64_t *s)
{
  /* xorshift64*: a small generator for test data */
  *s ^= *s >> 12;
  *s ^= *s << 25;
  *s ^= *s >> 27;
  return ((*s * 2685821657736338717ULL) >> 11) * (1.0 / 9007199254740992.0);
}

static long PeakKB(void)
{
  FILE *fp = fopen("/proc/self/status", "r");
  char  line[256];
  long  kb = -1;
  if (!fp) return -1;
  while (fgets(line, sizeof(line), fp))
    if (!strncmp(line, "VmHWM:", 6)) kb = strtol(line + 6, NULL, 10);
  fclose(fp);
  return kb;
}

static void test_large_range_read(void **state)
{
  const PetscInt N       = 1000;
  double         minutes = getenv("SPIKEFIT_IO_BIG_MINUTES") ? atof(getenv("SPIKEFIT_IO_BIG_MINUTES")) : 60;
  double         T = minutes * 60000.0, rate = 5.0 / 1000.0; /* per ms */
  double         lo = T / 2 + 123.25, hi = lo + 4000;
  const char    *path = TmpPath("large.h5");
  hid_t          f, dcpl, sp, d;
  hsize_t        cur = 0, maxd = H5S_UNLIMITED, chunk = 65536;
  int64_t       *off = malloc(sizeof(int64_t) * (N + 1)), *ids = malloc(sizeof(int64_t) * N);
  double        *buf = malloc(sizeof(double) * 200000), *expect = malloc(sizeof(double) * 200000);
  PetscInt      *ecount = calloc(N, sizeof(PetscInt)), nexp = 0;
  uint64_t       seed = 0x9E3779B97F4A7C15ULL;
  struct timeval t0, t1, t2;
  struct rusage  ru0, ru1;
  long           hwm0, hwm1;
  SpikeTrains   *st = NULL;
  (void)state;
  assert_non_null(off);
  assert_non_null(buf);
  gettimeofday(&t0, NULL);
  f    = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  dcpl = H5Pcreate(H5P_DATASET_CREATE);
  H5Pset_chunk(dcpl, 1, &chunk);
  sp = H5Screate_simple(1, &cur, &maxd);
  {
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    d = H5Dcreate2(f, "/spikes/times_ms", H5T_IEEE_F64LE, sp, lcpl, dcpl, H5P_DEFAULT);
    H5Pclose(lcpl);
  }
  assert_true(d >= 0);
  H5Sclose(sp);
  off[0] = 0;
  for (PetscInt k = 0; k < N; k++) {
    size_t n = 0;
    double t = 0;
    while (1) {
      t += -log(1.0 - Uniform(&seed)) / rate;
      if (t >= T) break;
      assert_true(n < 200000);
      buf[n++] = t;
      if (t >= lo && t < hi) {
        expect[nexp++] = t;
        ecount[k]++;
      }
    }
    ids[k]     = 1000 + k;
    off[k + 1] = off[k] + (int64_t)n;
    if (n) {
      hsize_t start = cur, cnt = n, nsize = cur + n;
      hid_t   fs, ms;
      assert_true(H5Dset_extent(d, &nsize) >= 0);
      fs = H5Dget_space(d);
      ms = H5Screate_simple(1, &cnt, NULL);
      H5Sselect_hyperslab(fs, H5S_SELECT_SET, &start, NULL, &cnt, NULL);
      assert_true(H5Dwrite(d, H5T_NATIVE_DOUBLE, ms, fs, H5P_DEFAULT, buf) >= 0);
      H5Sclose(ms);
      H5Sclose(fs);
      cur = nsize;
    }
  }
  H5Dclose(d);
  H5Pclose(dcpl);
  {
    hsize_t d2 = N + 1, d3 = N, d4[2] = {1, 2};
    double  iv[2] = {0, T};
    Put(f, "/spikes/offsets", H5T_STD_I64LE, H5T_NATIVE_INT64, 1, &d2, off);
    Put(f, "/spikes/unit_ids", H5T_STD_I64LE, H5T_NATIVE_INT64, 1, &d3, ids);
    Put(f, "/spikes/intervals_ms", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2, d4, iv);
  }
  H5Fclose(f);
  free(buf);
  gettimeofday(&t1, NULL);

  /* reset the peak-RSS mark (Linux: clear_refs 5), then read a 4 s span */
  {
    FILE *fp = fopen("/proc/self/clear_refs", "w");
    if (fp) {
      fputs("5", fp);
      fclose(fp);
    }
  }
  hwm0 = PeakKB();
  getrusage(RUSAGE_SELF, &ru0);
  assert_int_equal(0, SpikeFileReadRange(path, NULL, lo, hi, &st));
  getrusage(RUSAGE_SELF, &ru1);
  hwm1 = PeakKB();
  gettimeofday(&t2, NULL);
  assert_int_equal(N, st->nunits);
  assert_int_equal(nexp, st->nspikes);
  for (PetscInt k = 0; k < N; k++) assert_int_equal(ecount[k], Count(st, k));
  for (PetscInt s = 0; s < nexp; s++) assert_true(st->times_ms[s] == expect[s]);
  assert_true(st->unit_ids[N - 1] == 1000 + N - 1);
  print_message(
      "large recording: %" PetscInt_FMT " units x %.0f min, %lld spikes (%.0f MB of times); generated in %.1f s; "
      "4 s range read: %" PetscInt_FMT
      " spikes in %.3f s; peak RSS (VmHWM) before %ld kB, after %ld kB (+%ld kB); ru_maxrss %ld -> %ld kB\n",
      N, minutes, (long long)off[N], off[N] * 8.0 / 1e6, (t1.tv_sec - t0.tv_sec) + 1e-6 * (t1.tv_usec - t0.tv_usec),
      st->nspikes, (t2.tv_sec - t1.tv_sec) + 1e-6 * (t2.tv_usec - t1.tv_usec), hwm0, hwm1, hwm1 - hwm0, ru0.ru_maxrss,
      ru1.ru_maxrss);
  /* the read must not hold the recording: far less than the file's size in memory */
  if (hwm0 > 0 && hwm1 > 0) assert_true((double)(hwm1 - hwm0) * 1024.0 < 0.25 * off[N] * 8.0);
  assert_int_equal(0, SpikeTrainsDestroy(&st));
  free(off);
  free(ids);
  free(expect);
  free(ecount);
  unlink(path);
}

static void cleanup_dir(void)
{
  if (g_dir[0]) rmdir(g_dir);
}

static void test_zz_cleanup(void **state)
{
  (void)state;
  cleanup_dir();
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_large_range_read), /* first: its peak-RSS numbers are the process's */
    cmocka_unit_test(test_nwb_fixture),       cmocka_unit_test(test_nwb_units_selection),
    cmocka_unit_test(test_retina_adult),      cmocka_unit_test(test_retina_p15a_duplicates),
    cmocka_unit_test(test_retina_duplicates), cmocka_unit_test(test_spikefit_layout),
    cmocka_unit_test(test_text_reader),       cmocka_unit_test(test_options),
    cmocka_unit_test(test_zz_cleanup),
};

TEST_MAIN(tests)
