/* Every kind of bad recorded-data input gets one clear PETSc error naming the file, dataset or
 * line and the bad value; HDF5 prints nothing; no HDF5 handle stays open. The bad files are
 * written at test time into a temporary directory. */
#include "testutil.h"
#include "io_spikes.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/stat.h>

static char g_dir[256];
static char g_msg[4096];
static int  g_nerr;

static const char *TmpPath(const char *name)
{
  static char buf[4][512];
  static int  k = 0;
  if (!g_dir[0]) {
    snprintf(g_dir, sizeof(g_dir), "%s/spikefit_bad_XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(g_dir)) return NULL;
  }
  k = (k + 1) % 4;
  snprintf(buf[k], sizeof(buf[k]), "%s/%s", g_dir, name);
  return buf[k];
}

/* Stores the first message of an error (the later calls are the traceback). */
static PetscErrorCode Capture(MPI_Comm comm, int line, const char *fun, const char *file, PetscErrorCode n,
                              PetscErrorType p, const char *mess, void *ctx)
{
  (void)comm;
  (void)line;
  (void)fun;
  (void)file;
  (void)ctx;
  if (p == PETSC_ERROR_INITIAL && mess) {
    if (g_nerr == 0) snprintf(g_msg, sizeof(g_msg), "%s", mess);
    g_nerr++;
  }
  return n;
}

/* Runs while capturing PETSc's error message and everything written to stderr (HDF5 must
 * print nothing). */
typedef struct {
  int  saved_fd;
  char errfile[600];
} Quiet;

static void QuietBegin(Quiet *q)
{
  int fd;
  g_msg[0] = '\0';
  g_nerr   = 0;
  PetscPushErrorHandler(Capture, NULL);
  snprintf(q->errfile, sizeof(q->errfile), "%s", TmpPath("stderr.txt"));
  fflush(stderr);
  q->saved_fd = dup(2);
  fd          = open(q->errfile, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  dup2(fd, 2);
  close(fd);
}

static long QuietEnd(Quiet *q)
{
  struct stat sb;
  fflush(stderr);
  dup2(q->saved_fd, 2);
  close(q->saved_fd);
  PetscPopErrorHandler();
  if (stat(q->errfile, &sb)) return -1;
  if (sb.st_size) {
    char  buf[512] = "";
    FILE *fp       = fopen(q->errfile, "r");
    if (fp) {
      size_t n = fread(buf, 1, sizeof(buf) - 1, fp);
      buf[n]   = '\0';
      fclose(fp);
    }
    print_message("unexpected stderr output: %s\n", buf);
  }
  unlink(q->errfile);
  return (long)sb.st_size;
}

static void CheckMsg(const char *a, const char *b)
{
  if (a && !strstr(g_msg, a)) print_message("message \"%s\" lacks \"%s\"\n", g_msg, a);
  if (b && !strstr(g_msg, b)) print_message("message \"%s\" lacks \"%s\"\n", g_msg, b);
  if (a) assert_non_null(strstr(g_msg, a));
  if (b) assert_non_null(strstr(g_msg, b));
}

static long OpenHdf5Objects(void) { return (long)H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL); }

/* The call must fail, print nothing, leave no HDF5 object open, and its message must hold a and b. */
#define EXPECT_FAIL(call, a, b)             \
  do {                                      \
    Quiet          q_;                      \
    PetscErrorCode e_;                      \
    QuietBegin(&q_);                        \
    e_ = (call);                            \
    assert_int_equal(0, QuietEnd(&q_));     \
    assert_int_not_equal(0, e_);            \
    assert_int_equal(0, OpenHdf5Objects()); \
    CheckMsg(a, b);                         \
  } while (0)

/* ---- writers ---- */
static void Put(hid_t f, const char *name, hid_t ftype, hid_t mtype, int rank, const hsize_t *dims, const void *v)
{
  hid_t lcpl = H5Pcreate(H5P_LINK_CREATE), sp, d;
  H5Pset_create_intermediate_group(lcpl, 1);
  sp = H5Screate_simple(rank, dims, NULL);
  d  = H5Dcreate2(f, name, ftype, sp, lcpl, H5P_DEFAULT, H5P_DEFAULT);
  assert_true(d >= 0);
  if (dims[0] > 0 && (rank < 2 || dims[1] > 0)) assert_true(H5Dwrite(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0);
  H5Dclose(d);
  H5Sclose(sp);
  H5Pclose(lcpl);
}

static void PutD(hid_t f, const char *name, hsize_t n, const double *v)
{
  Put(f, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, &n, v);
}
static void PutI(hid_t f, const char *name, hsize_t n, const int64_t *v)
{
  Put(f, name, H5T_STD_I64LE, H5T_NATIVE_INT64, 1, &n, v);
}

/* An NWB-like /units table; index in uint16 like the fixture. Parts may be left out. */
static const char *Nwb(const char *name, hsize_t n, const double *t, hsize_t nu, const uint16_t *idx,
                       PetscBool with_index)
{
  const char *path   = TmpPath(name);
  hid_t       f      = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  int64_t     ids[8] = {10, 11, 12, 13, 14, 15, 16, 17};
  PutD(f, "/units/spike_times", n, t);
  if (with_index) Put(f, "/units/spike_times_index", H5T_STD_U16LE, H5T_NATIVE_UINT16, 1, &nu, idx);
  PutI(f, "/units/id", nu, ids);
  H5Fclose(f);
  return path;
}

static const char *Spikefit(const char *name, hsize_t n, const double *t, hsize_t nu, const int64_t *off, hsize_t nint,
                            const double *iv)
{
  const char *path   = TmpPath(name);
  hid_t       f      = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  int64_t     ids[8] = {0, 1, 2, 3, 4, 5, 6, 7};
  hsize_t     d2[2]  = {nint, 2};
  PutD(f, "/spikes/times_ms", n, t);
  PutI(f, "/spikes/offsets", nu + 1, off);
  PutI(f, "/spikes/unit_ids", nu, ids);
  Put(f, "/spikes/intervals_ms", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2, d2, iv);
  H5Fclose(f);
  return path;
}

static const char *Text(const char *name, const char *text)
{
  const char *path = TmpPath(name);
  FILE       *fp   = fopen(path, "w");
  assert_non_null(fp);
  fputs(text, fp);
  fclose(fp);
  return path;
}

static const double   T3[]  = {0.1, 0.2, 0.3, 0.5, 0.7, 0.9};
static const uint16_t IX3[] = {2, 4, 6};
static const double   IV1[] = {0, 1000};

static PetscErrorCode ReadAll(const char *path, const DataOptions *opt)
{
  SpikeTrains   *st = NULL;
  PetscErrorCode ierr;
  ierr = SpikeFileReadRange(path, opt, 0, PETSC_INFINITY, &st);
  if (!ierr) SpikeTrainsDestroy(&st);
  return ierr;
}

static PetscErrorCode ReadInfo(const char *path, const DataOptions *opt)
{
  SpikeTrains   *st = NULL;
  PetscErrorCode ierr;
  ierr = SpikeFileReadInfo(path, opt, &st);
  if (!ierr) SpikeTrainsDestroy(&st);
  return ierr;
}

/* Runs DataOptionsProcess with the given "-name value" pairs set, then clears them. */
static PetscErrorCode Options(int n, const char *const *kv)
{
  DataOptions    opt;
  PetscErrorCode ierr;
  DataOptionsDefault(&opt);
  for (int i = 0; i < n; i++) PetscOptionsSetValue(NULL, kv[2 * i], kv[2 * i + 1]);
  ierr = DataOptionsProcess(PETSC_COMM_WORLD, &opt);
  for (int i = 0; i < n; i++) PetscOptionsClearValue(NULL, kv[2 * i]);
  return ierr;
}

/* ---- the good file first: the bad ones differ from it in one thing ---- */
static void test_good_nwb_reads(void **state)
{
  const char  *p  = Nwb("good.nwb", 6, T3, 3, IX3, PETSC_TRUE);
  SpikeTrains *st = NULL;
  (void)state;
  assert_int_equal(0, SpikeFileReadRange(p, NULL, 0, PETSC_INFINITY, &st));
  assert_int_equal(3, st->nunits);
  assert_int_equal(6, st->nspikes);
  assert_int_equal(0, SpikeTrainsDestroy(&st));
  assert_int_equal(0, OpenHdf5Objects());
}

static void test_missing_file(void **state)
{
  const char *p = TmpPath("does_not_exist.nwb");
  (void)state;
  EXPECT_FAIL(ReadInfo(p, NULL), p, "cannot open");
}

static void test_not_hdf5_random_bytes(void **state)
{
  const char *p  = TmpPath("random.h5");
  FILE       *fp = fopen(p, "wb");
  (void)state;
  srand(7);
  for (int i = 0; i < 4096; i++) fputc(rand() & 0xff, fp);
  fclose(fp);
  EXPECT_FAIL(ReadInfo(p, NULL), p, "not an HDF5 file");
}

static void test_random_bytes_as_text(void **state)
{
  const char *p  = TmpPath("random.dat");
  FILE       *fp = fopen(p, "wb");
  (void)state;
  srand(8);
  for (int i = 0; i < 4096; i++) fputc(rand() & 0xff, fp);
  fclose(fp);
  EXPECT_FAIL(ReadInfo(p, NULL), p, "line ");
}

static void test_hdf5_unknown_layout(void **state)
{
  const char *p = TmpPath("other.h5");
  hid_t       f = H5Fcreate(p, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  (void)state;
  PutD(f, "/data/values", 6, T3);
  H5Fclose(f);
  EXPECT_FAIL(ReadInfo(p, NULL), p, "without a known spike layout");
}

static void test_nwb_missing_index(void **state)
{
  const char *p = Nwb("noindex.nwb", 6, T3, 3, IX3, PETSC_FALSE);
  (void)state;
  EXPECT_FAIL(ReadInfo(p, NULL), p, "/units/spike_times_index is missing");
}

static void test_nwb_times_rank2(void **state)
{
  const char *p    = TmpPath("rank2.nwb");
  hid_t       f    = H5Fcreate(p, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  hsize_t     d[2] = {3, 2}, nu = 3;
  (void)state;
  Put(f, "/units/spike_times", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2, d, T3);
  Put(f, "/units/spike_times_index", H5T_STD_U16LE, H5T_NATIVE_UINT16, 1, &nu, IX3);
  H5Fclose(f);
  EXPECT_FAIL(ReadInfo(p, NULL), "/units/spike_times has rank 2", p);
}

static void test_nwb_times_string(void **state)
{
  const char *p  = TmpPath("string.nwb");
  hid_t       f  = H5Fcreate(p, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  hid_t       st = H5Tcopy(H5T_C_S1);
  hsize_t     n = 2, nu = 1;
  uint16_t    ix[] = {2};
  (void)state;
  H5Tset_size(st, 4);
  Put(f, "/units/spike_times", st, st, 1, &n, "abcdefgh");
  Put(f, "/units/spike_times_index", H5T_STD_U16LE, H5T_NATIVE_UINT16, 1, &nu, ix);
  H5Tclose(st);
  H5Fclose(f);
  EXPECT_FAIL(ReadInfo(p, NULL), "/units/spike_times has type class string", p);
}

static void test_nwb_index_not_monotone(void **state)
{
  uint16_t    ix[] = {4, 2, 6};
  const char *p    = Nwb("nonmono.nwb", 6, T3, 3, ix, PETSC_TRUE);
  (void)state;
  EXPECT_FAIL(ReadInfo(p, NULL), "/units/spike_times_index is not monotone", "entry 1 is 2 after 4");
}

static void test_nwb_index_past_end(void **state)
{
  uint16_t    ix[] = {2, 4, 9};
  const char *p    = Nwb("pastend.nwb", 6, T3, 3, ix, PETSC_TRUE);
  (void)state;
  EXPECT_FAIL(ReadInfo(p, NULL), "/units/spike_times_index points past the end", "is 9");
}

static void test_nwb_negative_time(void **state)
{
  double      t[] = {0.1, 0.2, 0.3, -0.5, 0.7, 0.9};
  const char *p   = Nwb("negative.nwb", 6, t, 3, IX3, PETSC_TRUE);
  (void)state;
  EXPECT_FAIL(ReadAll(p, NULL), "/units/spike_times[3]", "negative");
}

static void test_nwb_nan_time(void **state)
{
  double      t[] = {0.1, 0.2, 0.3, 0.5, NAN, 0.9};
  const char *p   = Nwb("nan.nwb", 6, t, 3, IX3, PETSC_TRUE);
  (void)state;
  EXPECT_FAIL(ReadAll(p, NULL), "/units/spike_times[4]", "not finite");
}

static void test_nwb_unsorted_times(void **state)
{
  double      t[]  = {0.1, 0.2, 0.3, 0.5, 0.9, 0.8, 0.85, 0.95};
  uint16_t    ix[] = {2, 4, 8};
  const char *p    = Nwb("unsorted.nwb", 8, t, 3, ix, PETSC_TRUE);
  (void)state;
  EXPECT_FAIL(ReadAll(p, NULL), p, "sorted");
  EXPECT_FAIL(SpikeFileValidate(p, NULL), "/units/spike_times[5] = 0.8", "sorted");
}

static void test_spikefit_unsorted_times(void **state)
{
  double      t[]   = {1, 5, 3, 7};
  int64_t     off[] = {0, 4};
  const char *p     = Spikefit("unsorted.h5", 4, t, 1, off, 1, IV1);
  (void)state;
  EXPECT_FAIL(ReadAll(p, NULL), "/spikes/times_ms", "sorted");
}

static void test_units_out_of_range(void **state)
{
  const char *p = Nwb("units.nwb", 6, T3, 3, IX3, PETSC_TRUE);
  DataOptions opt;
  (void)state;
  DataOptionsDefault(&opt);
  strcpy(opt.units, "10,99");
  EXPECT_FAIL(ReadInfo(p, &opt), p, "unit id 99");
  strcpy(opt.units, "20-30");
  EXPECT_FAIL(ReadInfo(p, &opt), p, "range 20-30");
}

static void test_units_syntax(void **state)
{
  const char *bad[] = {"3,,5", "3-", "a", "5-3", "3;4", "1,"};
  (void)state;
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    const char *kv[] = {"-data_units", bad[i]};
    EXPECT_FAIL(Options(1, kv), "-data_units", bad[i]);
  }
}

static void test_empty_recording_no_spikes(void **state)
{
  int64_t     off[] = {0, 0, 0};
  const char *p     = Spikefit("nospikes.h5", 0, NULL, 2, off, 1, IV1);
  (void)state;
  EXPECT_FAIL(ReadInfo(p, NULL), p, "empty recording");
}

static void test_empty_recording_no_units(void **state)
{
  const char *p = Nwb("nounits.nwb", 6, T3, 0, IX3, PETSC_TRUE);
  (void)state;
  EXPECT_FAIL(ReadInfo(p, NULL), p, "no units");
}

static void test_t1_before_t0(void **state)
{
  const char *kv[] = {"-data_t0", "500", "-data_t1", "200"};
  const char *eq[] = {"-data_t0", "500", "-data_t1", "500"};
  (void)state;
  EXPECT_FAIL(Options(2, kv), "-data_t1 200", "after -data_t0 500");
  EXPECT_FAIL(Options(2, eq), "-data_t1 500", NULL);
}

static void test_nan_t0(void **state)
{
  const char *kv[] = {"-data_t0", "nan"};
  DataOptions opt;
  (void)state;
  EXPECT_FAIL(Options(1, kv), NULL, NULL); /* either the options parser or the check rejects it */
  DataOptionsDefault(&opt);
  opt.t0_ms = NAN;
  EXPECT_FAIL(DataOptionsValidate(&opt), "-data_t0", "finite");
}

static void test_inf_t0(void **state)
{
  const char *kv[] = {"-data_t0", "inf"};
  DataOptions opt;
  (void)state;
  EXPECT_FAIL(Options(1, kv), NULL, NULL);
  DataOptionsDefault(&opt);
  opt.t0_ms = INFINITY;
  EXPECT_FAIL(DataOptionsValidate(&opt), "-data_t0", "inf");
}

static void test_negative_holdout(void **state)
{
  const char *kv[] = {"-data_holdout", "-100"};
  (void)state;
  EXPECT_FAIL(Options(1, kv), "-data_holdout", "-100");
}

static void test_holdout_ge_span(void **state)
{
  const char  *kv[] = {"-data_t0", "1000", "-data_t1", "3000", "-data_holdout", "2000"};
  const char  *p    = Nwb("span.nwb", 6, T3, 3, IX3, PETSC_TRUE);
  SpikeTrains *info = NULL;
  DataOptions  opt;
  double       a, b, c, d;
  (void)state;
  EXPECT_FAIL(Options(3, kv), "-data_holdout 2000", NULL);
  /* to the end of the recording (interval [100, 901) ms): the span is [t0 = 0, 901) */
  DataOptionsDefault(&opt);
  opt.holdout_ms = 901;
  assert_int_equal(0, SpikeFileReadInfo(p, &opt, &info));
  EXPECT_FAIL(DataOptionsSpan(&opt, info, &a, &b, &c, &d), p, "-data_holdout 901");
  assert_int_equal(0, SpikeTrainsDestroy(&info));
}

static void test_samples_without_rate(void **state)
{
  const char *kv[] = {"-data_time_unit", "samples"};
  const char *bu[] = {"-data_time_unit", "minutes"};
  (void)state;
  EXPECT_FAIL(Options(1, kv), "samples", "-data_sample_rate");
  EXPECT_FAIL(Options(1, bu), "-data_time_unit", "minutes");
}

static void test_text_bad_columns(void **state)
{
  const char *p = Text("cols.tsv", "1 0.5\n2 0.7 9\n");
  (void)state;
  EXPECT_FAIL(ReadInfo(p, NULL), "line 2 has 3 columns", p);
}

static void test_text_non_numeric(void **state)
{
  const char *p = Text("nonnum.tsv", "# header\n1 0.5\n1 0.5x\n");
  const char *q = Text("nonint.tsv", "1 0.5\n1.5 0.7\n");
  (void)state;
  EXPECT_FAIL(ReadInfo(p, NULL), "line 3: time \"0.5x\"", p);
  EXPECT_FAIL(ReadInfo(q, NULL), "line 2: unit id \"1.5\"", q);
}

static void test_text_nan_time(void **state)
{
  const char *p = Text("nan.tsv", "1 0.5\n1 nan\n");
  (void)state;
  EXPECT_FAIL(ReadInfo(p, NULL), "line 2: time nan is not finite", p);
}

static void test_text_negative_time(void **state)
{
  const char *p = Text("neg.csv", "1,0.5\n2,-0.25\n");
  (void)state;
  EXPECT_FAIL(ReadInfo(p, NULL), "line 2: time -0.25 is negative", p);
}

static void test_text_empty(void **state)
{
  const char *p = Text("empty.tsv", "");
  const char *q = Text("comments.tsv", "# nothing\n\n   \n");
  (void)state;
  EXPECT_FAIL(ReadInfo(p, NULL), p, "empty recording");
  EXPECT_FAIL(ReadInfo(q, NULL), q, "empty recording");
}

static void test_retina_scount_sum(void **state)
{
  const char *p   = TmpPath("retina_sum.h5");
  hid_t       f   = H5Fcreate(p, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  int32_t     c[] = {2, 3};
  hsize_t     n = 6, m = 2;
  (void)state;
  Put(f, "/spikes", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, &n, T3);
  Put(f, "/sCount", H5T_STD_I32LE, H5T_NATIVE_INT32, 1, &m, c);
  H5Fclose(f);
  EXPECT_FAIL(ReadInfo(p, NULL), "/sCount sums to 5", "/spikes has 6 entries");
}

static void test_offsets_not_zero(void **state)
{
  double      t[]   = {1, 2, 3, 4};
  int64_t     off[] = {1, 2, 4};
  const char *p     = Spikefit("offsets.h5", 4, t, 2, off, 1, IV1);
  (void)state;
  EXPECT_FAIL(ReadInfo(p, NULL), "/spikes/offsets must start at 0", p);
}

static void test_intervals_end_before_start(void **state)
{
  double      t[]   = {1, 2, 3, 4};
  int64_t     off[] = {0, 2, 4};
  double      iv[]  = {0, 100, 500, 500};
  const char *p     = Spikefit("intervals.h5", 4, t, 2, off, 2, iv);
  (void)state;
  EXPECT_FAIL(ReadInfo(p, NULL), "/spikes/intervals_ms row 1 is [500", p);
}

static void test_nwb_obs_intervals_bad(void **state)
{
  const char *p  = TmpPath("obs.nwb");
  hid_t       f  = H5Fcreate(p, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  hsize_t     nu = 3, d2[2] = {3, 2};
  double      obs[]  = {0, 1, 0, 1, 2, 1};
  int64_t     oidx[] = {1, 2, 3};
  (void)state;
  PutD(f, "/units/spike_times", 6, T3);
  Put(f, "/units/spike_times_index", H5T_STD_U16LE, H5T_NATIVE_UINT16, 1, &nu, IX3);
  Put(f, "/units/obs_intervals", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2, d2, obs);
  PutI(f, "/units/obs_intervals_index", 3, oidx);
  H5Fclose(f);
  EXPECT_FAIL(ReadInfo(p, NULL), "/units/obs_intervals row 2 is [2", p);
}

static void test_nwb_negative_signed_index(void **state)
{
  const char *p    = TmpPath("negindex.nwb");
  hid_t       f    = H5Fcreate(p, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  int64_t     ix[] = {2, -4, 6};
  (void)state;
  PutD(f, "/units/spike_times", 6, T3);
  PutI(f, "/units/spike_times_index", 3, ix);
  H5Fclose(f);
  EXPECT_FAIL(ReadInfo(p, NULL), "/units/spike_times_index has a negative entry -4", p);
}

static void test_bad_time_range(void **state)
{
  const char  *p  = Nwb("range.nwb", 6, T3, 3, IX3, PETSC_TRUE);
  SpikeTrains *st = NULL;
  (void)state;
  EXPECT_FAIL(SpikeFileReadRange(p, NULL, 500, 500, &st), p, "time range");
  assert_null(st);
}

static void test_zz_cleanup(void **state)
{
  (void)state;
  /* every file above was written into g_dir: remove them */
  if (g_dir[0]) {
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
    assert_int_equal(0, system(cmd));
  }
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_good_nwb_reads),
    cmocka_unit_test(test_missing_file),
    cmocka_unit_test(test_not_hdf5_random_bytes),
    cmocka_unit_test(test_random_bytes_as_text),
    cmocka_unit_test(test_hdf5_unknown_layout),
    cmocka_unit_test(test_nwb_missing_index),
    cmocka_unit_test(test_nwb_times_rank2),
    cmocka_unit_test(test_nwb_times_string),
    cmocka_unit_test(test_nwb_index_not_monotone),
    cmocka_unit_test(test_nwb_index_past_end),
    cmocka_unit_test(test_nwb_negative_time),
    cmocka_unit_test(test_nwb_nan_time),
    cmocka_unit_test(test_nwb_unsorted_times),
    cmocka_unit_test(test_spikefit_unsorted_times),
    cmocka_unit_test(test_units_out_of_range),
    cmocka_unit_test(test_units_syntax),
    cmocka_unit_test(test_empty_recording_no_spikes),
    cmocka_unit_test(test_empty_recording_no_units),
    cmocka_unit_test(test_t1_before_t0),
    cmocka_unit_test(test_nan_t0),
    cmocka_unit_test(test_inf_t0),
    cmocka_unit_test(test_negative_holdout),
    cmocka_unit_test(test_holdout_ge_span),
    cmocka_unit_test(test_samples_without_rate),
    cmocka_unit_test(test_text_bad_columns),
    cmocka_unit_test(test_text_non_numeric),
    cmocka_unit_test(test_text_nan_time),
    cmocka_unit_test(test_text_negative_time),
    cmocka_unit_test(test_text_empty),
    cmocka_unit_test(test_retina_scount_sum),
    cmocka_unit_test(test_offsets_not_zero),
    cmocka_unit_test(test_intervals_end_before_start),
    cmocka_unit_test(test_nwb_obs_intervals_bad),
    cmocka_unit_test(test_nwb_negative_signed_index),
    cmocka_unit_test(test_bad_time_range),
    cmocka_unit_test(test_zz_cleanup),
};

TEST_MAIN(tests)
