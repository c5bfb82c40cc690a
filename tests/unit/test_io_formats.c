/* The readers of users' formats: NPY files (written by numpy, and damaged by hand), Kilosort/phy
 * folders and their cluster labels, MATLAB v5 and v7.3 files, observation intervals of text
 * files, and NWB /units selection by a column and ragged layouts. Fixtures: tests/data (made by
 * tests/data/make_fixtures.py); bad files are written here into a temporary directory. */
#include "testutil.h"
#include "io_spikes.h"
#include "io_npy.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#ifndef SPIKEFIT_TEST_DATA
  #define SPIKEFIT_TEST_DATA "tests/data"
#endif
#define NPY SPIKEFIT_TEST_DATA "/npy/"
#define PHY SPIKEFIT_TEST_DATA "/phy"
#define MAT SPIKEFIT_TEST_DATA "/mat/"

static char g_dir[256];
static char g_msg[4096];
static int  g_nerr;

static const char *TmpPath(const char *name)
{
  static char buf[4][512];
  static int  k = 0;
  if (!g_dir[0]) {
    snprintf(g_dir, sizeof(g_dir), "%s/spikefit_fmt_XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(g_dir)) return NULL;
  }
  k = (k + 1) % 4;
  snprintf(buf[k], sizeof(buf[k]), "%s/%s", g_dir, name);
  return buf[k];
}

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

static void CheckMsg(const char *a, const char *b)
{
  if (a && !strstr(g_msg, a)) print_message("message \"%s\" lacks \"%s\"\n", g_msg, a);
  if (b && !strstr(g_msg, b)) print_message("message \"%s\" lacks \"%s\"\n", g_msg, b);
  if (a) assert_non_null(strstr(g_msg, a));
  if (b) assert_non_null(strstr(g_msg, b));
}

/* The call must fail with a message holding a and b, and leave no HDF5 object open. */
#define EXPECT_FAIL(call, a, b)                                           \
  do {                                                                    \
    PetscErrorCode e_;                                                    \
    g_msg[0] = '\0';                                                      \
    g_nerr   = 0;                                                         \
    PetscPushErrorHandler(Capture, NULL);                                 \
    e_ = (call);                                                          \
    PetscPopErrorHandler();                                               \
    assert_int_not_equal(0, e_);                                          \
    assert_int_equal(0, (int)H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL)); \
    CheckMsg(a, b);                                                       \
  } while (0)

static PetscInt Count(const SpikeTrains *st, PetscInt k) { return st->offsets[k + 1] - st->offsets[k]; }

static PetscErrorCode Info(const char *path, const DataOptions *opt)
{
  SpikeTrains *st = NULL;
  PetscFunctionBeginUser;
  PetscCall(SpikeFileReadInfo(path, opt, &st));
  PetscCall(SpikeTrainsDestroy(&st));
  PetscFunctionReturn(0);
}

static void Opts(DataOptions *o) { assert_int_equal(0, DataOptionsDefault(o)); }

/* ---------------------------------------------------------------------------------------- NPY */
static void WriteBytes(const char *path, const void *a, size_t n, const void *b, size_t m)
{
  FILE *fp = fopen(path, "wb");
  assert_non_null(fp);
  if (n) assert_int_equal(n, fwrite(a, 1, n, fp));
  if (m) assert_int_equal(m, fwrite(b, 1, m, fp));
  fclose(fp);
}

/* A version-1 NPY file with the given dict text (padded like numpy) and raw data. */
static const char *HandNpy(const char *name, const char *dict, const void *data, size_t nbytes)
{
  unsigned char head[256];
  size_t        len = strlen(dict), total = (10 + len + 1 + 63) / 64 * 64;
  const char   *p = TmpPath(name);
  memcpy(head, "\x93NUMPY\x01\x00", 8);
  head[8] = (unsigned char)((total - 10) & 0xff);
  head[9] = (unsigned char)((total - 10) >> 8);
  memcpy(head + 10, dict, len);
  memset(head + 10 + len, ' ', total - 10 - len);
  head[total - 1] = '\n';
  WriteBytes(p, head, total, data, nbytes);
  return p;
}

static PetscErrorCode NpyValues(const char *path, uint64_t *n, double *v)
{
  NpyFile *f;
  PetscFunctionBeginUser;
  PetscCall(NpyOpen(path, &f));
  *n = f->h.n;
  if (*n <= 8) PetscCall(NpyRead(f, 0, *n, v));
  PetscCall(NpyClose(&f));
  PetscFunctionReturn(0);
}

static PetscErrorCode NpyOpenClose(const char *path)
{
  NpyFile *f = NULL;
  double   v[8];
  PetscFunctionBeginUser;
  PetscCall(NpyOpen(path, &f));
  if (f->h.n <= 8) PetscCall(NpyRead(f, 0, f->h.n, v));
  PetscCall(NpyClose(&f));
  PetscFunctionReturn(0);
}

static void test_npy_numpy_files(void **state)
{
  const char *names[] = {"col_u8",   "col_i8", "col_f8", "col_u8_be", "col_f8_be",
                         "col2d_u8", "v2_u8",  "v3_u8",  "col_u4",    "col_i4"};
  (void)state;
  for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
    char     path[512];
    uint64_t n      = 0;
    double   v[8]   = {0};
    int      narrow = !strcmp(names[k], "col_u4") || !strcmp(names[k], "col_i4");
    snprintf(path, sizeof(path), NPY "%s.npy", names[k]);
    assert_int_equal(0, NpyValues(path, &n, v));
    assert_int_equal(4, n);
    assert_true(v[0] == 0 && v[1] == 3 && v[2] == 30000);
    assert_true(v[3] == (narrow ? 0 : 1099511627776.0)); /* 2^40, reduced mod 2^31 in the 4-byte files */
  }
}

static void test_npy_bad(void **state)
{
  uint64_t    four[4] = {1, 2, 3, 4}, huge = (1ULL << 53) + 1;
  const char *dict = "{'descr': '<u8', 'fortran_order': False, 'shape': (4,), }";
  const char *p;
  (void)state;
  /* the hand writer itself is right */
  assert_int_equal(0, NpyOpenClose(HandNpy("good.npy", dict, four, sizeof(four))));
  /* one column in Fortran order is the same bytes: accepted */
  assert_int_equal(0, NpyOpenClose(HandNpy("fortran.npy", "{'descr': '<u8', 'fortran_order': True, 'shape': (4, 1), }",
                                           four, sizeof(four))));
  p = HandNpy("trunc.npy", dict, four, sizeof(four) - 3);
  EXPECT_FAIL(NpyOpenClose(p), p, "truncated");
  p = HandNpy("trailing.npy", dict, four, sizeof(four));
  {
    FILE *fp = fopen(p, "ab");
    fputs("xyz", fp);
    fclose(fp);
  }
  EXPECT_FAIL(NpyOpenClose(p), p, "trailing bytes");
  EXPECT_FAIL(NpyOpenClose(NPY "f4.npy"), "dtype '<f4'", "not supported");
  EXPECT_FAIL(NpyOpenClose(HandNpy("u2.npy", "{'descr': '<u2', 'fortran_order': False, 'shape': (4,), }", four, 8)),
              "dtype '<u2'", NULL);
  EXPECT_FAIL(NpyOpenClose(HandNpy("obj.npy", "{'descr': '|O', 'fortran_order': False, 'shape': (4,), }", four, 8)),
              "dtype '|O'", NULL);
  EXPECT_FAIL(NpyOpenClose(NPY "wide_u8.npy"), "wide_u8.npy", "not one column");
  EXPECT_FAIL(NpyOpenClose(HandNpy("scalar.npy", "{'descr': '<u8', 'fortran_order': False, 'shape': (), }", four, 8)),
              "scalar", NULL);
  EXPECT_FAIL(NpyOpenClose(HandNpy("noshape.npy", "{'descr': '<u8', 'fortran_order': False, }", four, 8)),
              "missing 'shape'", NULL);
  EXPECT_FAIL(NpyOpenClose(HandNpy("fo.npy", "{'descr': '<u8', 'fortran_order': maybe, 'shape': (4,), }", four, 32)),
              "'fortran_order' must be True or False", NULL);
  EXPECT_FAIL(
      NpyOpenClose(HandNpy("key.npy", "{'descr': '<u8', 'fortran_order': False, 'shape': (4,), 'extra': 1}", four, 32)),
      "unknown key 'extra'", NULL);
  EXPECT_FAIL(NpyOpenClose(HandNpy("nodict.npy", "['<u8']", four, 32)), "expected a dict", NULL);
  EXPECT_FAIL(NpyOpenClose(HandNpy("big.npy", "{'descr': '<u8', 'fortran_order': False, 'shape': (1,), }", &huge, 8)),
              "over 2^53", NULL);
  p = TmpPath("magic.npy");
  WriteBytes(p, "PK\x03\x04 not numpy at all", 22, NULL, 0);
  EXPECT_FAIL(NpyOpenClose(p), p, "no \\x93NUMPY magic");
  p = TmpPath("version.npy");
  WriteBytes(p, "\x93NUMPY\x04\x00\x10\x00{}              ", 26, NULL, 0);
  EXPECT_FAIL(NpyOpenClose(p), "version 4.0", NULL);
  p = TmpPath("shorthead.npy");
  WriteBytes(p, "\x93NUMPY\x01\x00\x76\x00{'descr'", 17, NULL, 0);
  EXPECT_FAIL(NpyOpenClose(p), p, "truncated NPY header");
}

/* ---------------------------------------------------------------------------------------- phy */
static void CopyFile(const char *from, const char *to)
{
  char   buf[8192];
  size_t n;
  FILE  *a = fopen(from, "rb"), *b = fopen(to, "wb");
  assert_non_null(a);
  assert_non_null(b);
  while ((n = fread(buf, 1, sizeof(buf), a)) > 0) assert_int_equal(n, fwrite(buf, 1, n, b));
  fclose(a);
  fclose(b);
}

/* A copy of the phy fixture in a fresh folder, with label text appended to cluster_group.tsv. */
static const char *PhyCopy(const char *name, const char *extra_labels)
{
  static char dir[512];
  const char *files[] = {"spike_times.npy", "spike_clusters.npy", "params.py", "cluster_group.tsv"};
  snprintf(dir, sizeof(dir), "%s", TmpPath(name));
  assert_int_equal(0, mkdir(dir, 0700));
  for (int k = 0; k < 4; k++) {
    char a[600], b[600];
    snprintf(a, sizeof(a), PHY "/%s", files[k]);
    snprintf(b, sizeof(b), "%s/%s", dir, files[k]);
    CopyFile(a, b);
  }
  if (extra_labels) {
    char  p[600];
    FILE *fp;
    snprintf(p, sizeof(p), "%s/cluster_group.tsv", dir);
    fp = fopen(p, "a");
    fputs(extra_labels, fp);
    fclose(fp);
  }
  return dir;
}

static void Unlink(const char *dir, const char *file)
{
  char p[600];
  snprintf(p, sizeof(p), "%s/%s", dir, file);
  assert_int_equal(0, unlink(p));
}

static void test_phy_fixture(void **state)
{
  DataOptions   o;
  SpikeTrains  *st;
  SpikeFileKind kind;
  (void)state;
  assert_int_equal(0, SpikeFileDetect(PHY, &kind));
  assert_int_equal(SPIKE_FILE_PHY, kind);
  Opts(&o);
  /* default: good (2) and mua (5); noise (7) and the unlabelled 9 left out */
  assert_int_equal(0, SpikeFileReadInfo(PHY, &o, &st));
  assert_int_equal(2, st->nunits);
  assert_int_equal(2, st->unit_ids[0]);
  assert_int_equal(5, st->unit_ids[1]);
  assert_int_equal(1, st->nintervals);
  assert_true(st->intervals_ms[0] == 0 && st->intervals_ms[1] == 1101);
  assert_int_equal(0, SpikeTrainsDestroy(&st));
  assert_int_equal(0, SpikeFileReadRange(PHY, &o, 0, PETSC_INFINITY, &st));
  assert_int_equal(4, Count(st, 0));
  assert_int_equal(4, Count(st, 1));
  assert_true(st->times_ms[0] == 10 && st->times_ms[1] == 200 && st->times_ms[2] == 500 && st->times_ms[3] == 900);
  assert_true(st->times_ms[4] == 20 && st->times_ms[7] == 1100);
  assert_int_equal(0, SpikeTrainsDestroy(&st));
  /* a windowed read holds only its range */
  assert_int_equal(0, SpikeFileReadRange(PHY, &o, 100, 600, &st));
  assert_int_equal(2, Count(st, 0));
  assert_int_equal(1, Count(st, 1));
  assert_true(st->times_ms[0] == 200 && st->times_ms[1] == 500 && st->times_ms[2] == 400);
  assert_true(st->intervals_ms[0] == 100 && st->intervals_ms[1] == 600);
  assert_int_equal(0, SpikeTrainsDestroy(&st));
  /* label choices */
  assert_int_equal(0, PetscStrncpy(o.labels, "good", sizeof(o.labels)));
  assert_int_equal(0, SpikeFileReadInfo(PHY, &o, &st));
  assert_int_equal(1, st->nunits);
  assert_int_equal(2, st->unit_ids[0]);
  assert_int_equal(0, SpikeTrainsDestroy(&st));
  assert_int_equal(0, PetscStrncpy(o.labels, "all", sizeof(o.labels)));
  assert_int_equal(0, SpikeFileReadInfo(PHY, &o, &st));
  assert_int_equal(4, st->nunits);
  assert_int_equal(9, st->unit_ids[3]);
  assert_int_equal(0, SpikeTrainsDestroy(&st));
  assert_int_equal(0, PetscStrncpy(o.labels, "unsorted,noise", sizeof(o.labels)));
  assert_int_equal(0, SpikeFileReadInfo(PHY, &o, &st));
  assert_int_equal(2, st->nunits);
  assert_int_equal(7, st->unit_ids[0]);
  assert_int_equal(9, st->unit_ids[1]);
  assert_int_equal(0, SpikeTrainsDestroy(&st));
  /* -data_units among the labelled ones */
  Opts(&o);
  assert_int_equal(0, PetscStrncpy(o.units, "5", sizeof(o.units)));
  assert_int_equal(0, SpikeFileReadInfo(PHY, &o, &st));
  assert_int_equal(1, st->nunits);
  assert_int_equal(5, st->unit_ids[0]);
  assert_int_equal(0, SpikeTrainsDestroy(&st));
  assert_int_equal(0, PetscStrncpy(o.units, "7", sizeof(o.units)));
  EXPECT_FAIL(Info(PHY, &o), "unit id 7", NULL); /* noise is not among the units */
}

static void test_phy_labels_and_files(void **state)
{
  DataOptions  o;
  SpikeTrains *st;
  const char  *d;
  (void)state;
  Opts(&o);
  /* a good cluster without spikes: the label file is not this sorting's */
  d = PhyCopy("stale_good", "11\tgood\n");
  EXPECT_FAIL(Info(d, &o), "cluster_group.tsv: line 5", "owns no spike");
  /* a spikeless noise row is harmless */
  d = PhyCopy("stale_noise", "11\tnoise\n");
  assert_int_equal(0, Info(d, &o));
  d = PhyCopy("twice", "2\tmua\n");
  EXPECT_FAIL(Info(d, &o), "line 5", "second label row");
  d = PhyCopy("badid", "x2\tgood\n");
  EXPECT_FAIL(Info(d, &o), "cluster_id \"x2\"", NULL);
  /* without spike_clusters.npy, the templates are the clusters */
  d = PhyCopy("templates", NULL);
  {
    char a[600], b[600];
    snprintf(a, sizeof(a), "%s/spike_clusters.npy", d);
    snprintf(b, sizeof(b), "%s/spike_templates.npy", d);
    assert_int_equal(0, rename(a, b));
  }
  assert_int_equal(0, SpikeFileReadInfo(d, &o, &st));
  assert_int_equal(2, st->nunits);
  assert_int_equal(0, SpikeTrainsDestroy(&st));
  Unlink(d, "spike_templates.npy");
  EXPECT_FAIL(Info(d, &o), "neither spike_clusters.npy nor spike_templates.npy", NULL);
  /* params.py gives the rate; -data_sample_rate replaces it */
  d = PhyCopy("norate", NULL);
  Unlink(d, "params.py");
  EXPECT_FAIL(Info(d, &o), "no params.py", "-data_sample_rate");
  o.sample_rate = 15000;
  assert_int_equal(0, SpikeFileReadInfo(d, &o, &st));
  assert_true(st->intervals_ms[1] == 2201); /* twice as long at half the rate */
  assert_int_equal(0, SpikeTrainsDestroy(&st));
  Opts(&o);
  d = PhyCopy("badrate", NULL);
  {
    char  p[600];
    FILE *fp;
    snprintf(p, sizeof(p), "%s/params.py", d);
    fp = fopen(p, "w");
    fputs("n_channels_dat = 4\nsample_rate = fast\n", fp);
    fclose(fp);
  }
  EXPECT_FAIL(Info(d, &o), "params.py: line 2", "sample_rate must be a positive number");
  /* without a label file every cluster is a unit, and -data_labels is an error */
  d = PhyCopy("nolabels", NULL);
  Unlink(d, "cluster_group.tsv");
  assert_int_equal(0, SpikeFileReadInfo(d, &o, &st));
  assert_int_equal(4, st->nunits);
  assert_int_equal(0, SpikeTrainsDestroy(&st));
  assert_int_equal(0, PetscStrncpy(o.labels, "good", sizeof(o.labels)));
  EXPECT_FAIL(Info(d, &o), "-data_labels good needs a label file", NULL);
  /* cluster_KSLabel.tsv with its own column name */
  {
    char  p[600];
    FILE *fp;
    snprintf(p, sizeof(p), "%s/cluster_KSLabel.tsv", d);
    fp = fopen(p, "w");
    fputs("cluster_id\tKSLabel\n2\tgood\n5\tgood\n7\tmua\n9\tnoise\n", fp);
    fclose(fp);
  }
  assert_int_equal(0, SpikeFileReadInfo(d, &o, &st));
  assert_int_equal(2, st->nunits);
  assert_int_equal(5, st->unit_ids[1]);
  assert_int_equal(0, SpikeTrainsDestroy(&st));
  assert_int_equal(0, PetscStrncpy(o.labels, "unknownlabel", sizeof(o.labels)));
  EXPECT_FAIL(Info(d, &o), "no cluster is labelled unknownlabel", NULL);
  /* spike_times and spike_clusters of different lengths */
  Opts(&o);
  d = PhyCopy("mismatch", NULL);
  {
    char     p[600];
    uint64_t t[3] = {1, 2, 3};
    snprintf(p, sizeof(p), "%s/spike_times.npy", d);
    CopyFile(HandNpy("t3.npy", "{'descr': '<u8', 'fortran_order': False, 'shape': (3,), }", t, sizeof(t)), p);
  }
  EXPECT_FAIL(Info(d, &o), "spike_times.npy has 3 spikes but spike_clusters.npy has 12", NULL);
  /* a truncated spike_times.npy is named */
  d = PhyCopy("truncated", NULL);
  {
    char p[600];
    snprintf(p, sizeof(p), "%s/spike_times.npy", d);
    assert_int_equal(0, truncate(p, 200));
    EXPECT_FAIL(Info(d, &o), "spike_times.npy", "truncated");
  }
}

/* ---------------------------------------------------------------------------------------- MATLAB */
static void ExpectCells(const char *path, const char *var)
{
  DataOptions  o;
  SpikeTrains *st;
  Opts(&o);
  if (var) assert_int_equal(0, PetscStrncpy(o.var, var, sizeof(o.var)));
  assert_int_equal(0, SpikeFileReadRange(path, &o, 0, PETSC_INFINITY, &st));
  assert_int_equal(3, st->nunits);
  assert_true(st->unit_ids[0] == 1 && st->unit_ids[1] == 2 && st->unit_ids[2] == 3);
  assert_true(Count(st, 0) == 3 && Count(st, 1) == 2 && Count(st, 2) == 0);
  assert_true(fabs(st->times_ms[0] - 100) < 1e-9 && fabs(st->times_ms[2] - 500) < 1e-9 &&
              fabs(st->times_ms[3] - 50) < 1e-9);
  assert_true(st->intervals_ms[0] == 0 && st->intervals_ms[1] == 501);
  assert_int_equal(0, SpikeTrainsDestroy(&st));
}

static void ExpectPairs(const char *path, const char *var)
{
  DataOptions  o;
  SpikeTrains *st;
  Opts(&o);
  if (var) assert_int_equal(0, PetscStrncpy(o.var, var, sizeof(o.var)));
  assert_int_equal(0, SpikeFileReadRange(path, &o, 0, PETSC_INFINITY, &st));
  assert_int_equal(2, st->nunits);
  assert_true(st->unit_ids[0] == 3 && st->unit_ids[1] == 8);
  assert_true(Count(st, 0) == 2 && Count(st, 1) == 1);
  assert_true(fabs(st->times_ms[1] - 200) < 1e-9 && fabs(st->times_ms[2] - 150) < 1e-9);
  assert_int_equal(0, SpikeTrainsDestroy(&st));
}

static void test_mat_good(void **state)
{
  SpikeFileKind kind;
  DataOptions   o;
  SpikeTrains  *st;
  (void)state;
  assert_int_equal(0, SpikeFileDetect(MAT "cells.mat", &kind));
  assert_int_equal(SPIKE_FILE_MAT, kind);
  assert_int_equal(0, SpikeFileDetect(MAT "cells73.mat", &kind));
  assert_int_equal(SPIKE_FILE_MAT, kind);
  ExpectCells(MAT "cells.mat", NULL);
  ExpectCells(MAT "cells73.mat", NULL);
  ExpectCells(MAT "several.mat", "spikes");
  ExpectPairs(MAT "matrix.mat", NULL);
  ExpectPairs(MAT "pair.mat", "ids,times");
  /* times follow -data_time_unit */
  Opts(&o);
  assert_int_equal(0, PetscStrncpy(o.time_unit, "ms", sizeof(o.time_unit)));
  assert_int_equal(0, SpikeFileReadRange(MAT "cells.mat", &o, 0, PETSC_INFINITY, &st));
  assert_true(fabs(st->times_ms[2] - 0.5) < 1e-12);
  assert_int_equal(0, SpikeTrainsDestroy(&st));
  /* -data_units picks cells by their 1-based index */
  Opts(&o);
  assert_int_equal(0, PetscStrncpy(o.units, "2", sizeof(o.units)));
  assert_int_equal(0, SpikeFileReadInfo(MAT "cells73.mat", &o, &st));
  assert_int_equal(1, st->nunits);
  assert_int_equal(2, st->unit_ids[0]);
  assert_int_equal(0, SpikeTrainsDestroy(&st));
}

static void test_mat_bad(void **state)
{
  DataOptions o;
  (void)state;
  Opts(&o);
  EXPECT_FAIL(Info(MAT "bad_char.mat", &o),
              "bad_char.mat: variable 'spikes' cell {3} is a char array, expected numeric", NULL);
  EXPECT_FAIL(Info(MAT "bad_char73.mat", &o),
              "bad_char73.mat: variable 'spikes' cell {3} is a char array, expected numeric", NULL);
  EXPECT_FAIL(Info(MAT "bad_nan.mat", &o), "variable 'spikes' cell {1} element 2 is NaN", NULL);
  EXPECT_FAIL(Info(MAT "bad_wide.mat", &o), "variable 'st' is a 3x4 numeric array", NULL);
  EXPECT_FAIL(Info(MAT "several.mat", &o), "holds 3 variables", "-data_var");
  EXPECT_FAIL(Info(MAT "pair.mat", &o), "holds 2 variables (ids, times)", NULL);
  EXPECT_FAIL(Info(MAT "cells_v4.mat", &o), "cells_v4.mat: not a MATLAB v5/v7/v7.3 file", NULL);
  assert_int_equal(0, PetscStrncpy(o.var, "ids,times", sizeof(o.var)));
  EXPECT_FAIL(Info(MAT "bad_ragged.mat", &o), "ragged pair: 'ids' has 3 elements but 'times' has 2", NULL);
  assert_int_equal(0, PetscStrncpy(o.var, "nope", sizeof(o.var)));
  EXPECT_FAIL(Info(MAT "several.mat", &o), "no variable 'nope'", "spikes");
  /* a text-only option on a MATLAB file, a MATLAB option on text */
  Opts(&o);
  assert_int_equal(0, PetscStrncpy(o.labels, "good", sizeof(o.labels)));
  EXPECT_FAIL(Info(MAT "cells.mat", &o), "-data_labels", "MATLAB");
}

/* ---------------------------------------------------------------------------------------- intervals */
static void WriteText(const char *path, const char *text)
{
  FILE *fp = fopen(path, "w");
  assert_non_null(fp);
  fputs(text, fp);
  fclose(fp);
}

static void CheckGapped(const SpikeTrains *info, const SpikeTrains *all)
{
  PetscInt nw;
  double  *starts;
  assert_int_equal(2, info->nintervals);
  assert_true(info->intervals_ms[0] == 0 && info->intervals_ms[1] == 1000 && info->intervals_ms[2] == 2000 &&
              info->intervals_ms[3] == 3000);
  /* the spike at 1.5 s lies in the gap: dropped */
  assert_int_equal(2, all->nspikes);
  assert_true(all->times_ms[0] == 500 && all->times_ms[1] == 2500);
  /* 400-ms windows: two in each interval, none across the gap */
  assert_int_equal(0, SpikeTrainsWindows(info, 0, 0, 1.0, 400, &nw, &starts));
  assert_int_equal(4, nw);
  for (PetscInt w = 0; w < nw; w++) {
    PetscBool inside = PETSC_FALSE;
    for (PetscInt i = 0; i < info->nintervals; i++)
      if (starts[w] >= info->intervals_ms[2 * i] && starts[w] + 400 <= info->intervals_ms[2 * i + 1])
        inside = PETSC_TRUE;
    assert_true(inside);
  }
  assert_true(starts[2] == 2000);
  assert_int_equal(0, PetscFree(starts));
}

static void test_text_intervals(void **state)
{
  DataOptions  o;
  SpikeTrains *info, *all;
  const char  *tsv = TmpPath("gapped.tsv"), *plain = TmpPath("plain.tsv"), *ivs = TmpPath("ivs.txt");
  (void)state;
  Opts(&o);
  WriteText(tsv, "# two trials\n# interval 0 1\n#interval 2 3\n0 0.5\n0 1.5\n0 2.5\n");
  assert_int_equal(0, SpikeFileReadInfo(tsv, &o, &info));
  assert_int_equal(0, SpikeFileReadRange(tsv, &o, 0, PETSC_INFINITY, &all));
  CheckGapped(info, all);
  assert_int_equal(0, SpikeTrainsDestroy(&info));
  assert_int_equal(0, SpikeTrainsDestroy(&all));
  /* the same from -data_intervals, in ms */
  WriteText(plain, "0 0.5\n0 1.5\n0 2.5\n");
  WriteText(ivs, "# start end (ms)\n0 1000\n2000, 3000\n");
  assert_int_equal(0, PetscStrncpy(o.intervals, ivs, sizeof(o.intervals)));
  assert_int_equal(0, PetscStrncpy(o.time_unit, "ms", sizeof(o.time_unit)));
  WriteText(plain, "0 500\n0 1500\n0 2500\n");
  assert_int_equal(0, SpikeFileReadInfo(plain, &o, &info));
  assert_int_equal(0, SpikeFileReadRange(plain, &o, 0, PETSC_INFINITY, &all));
  CheckGapped(info, all);
  assert_int_equal(0, SpikeTrainsDestroy(&info));
  assert_int_equal(0, SpikeTrainsDestroy(&all));
  /* a phy folder takes them as well */
  WriteText(ivs, "0 0.1\n0.5 1.2\n");
  assert_int_equal(0, PetscStrncpy(o.time_unit, "s", sizeof(o.time_unit)));
  assert_int_equal(0, SpikeFileReadRange(PHY, &o, 0, PETSC_INFINITY, &all));
  assert_int_equal(2, all->nintervals);
  assert_int_equal(3, Count(all, 0)); /* 10, 500, 900 ms; 200 ms is in the gap */
  assert_int_equal(0, SpikeTrainsDestroy(&all));
  /* both kinds at once, overlapping or bad lines, and HDF5 layouts refuse */
  assert_int_equal(0, PetscStrncpy(o.time_unit, "s", sizeof(o.time_unit)));
  EXPECT_FAIL(Info(tsv, &o), "\"# interval\" lines and -data_intervals", NULL);
  WriteText(ivs, "0 2\n1 3\n");
  EXPECT_FAIL(Info(plain, &o), "overlap or are unsorted", ivs);
  WriteText(ivs, "0 2\n3\n");
  EXPECT_FAIL(Info(plain, &o), "line 2: an interval needs two numbers", NULL);
  WriteText(ivs, "2 1\n");
  EXPECT_FAIL(Info(plain, &o), "ivs.txt: line 1: interval [2", "needs finite 0 <= start < end");
  WriteText(ivs, "# nothing\n");
  EXPECT_FAIL(Info(plain, &o), "no \"start end\" line", NULL);
  Opts(&o);
  WriteText(tsv, "# interval 0 x\n0 0.5\n");
  EXPECT_FAIL(Info(tsv, &o), "line 1: an interval needs two numbers", NULL);
}

/* ---------------------------------------------------------------------------------------- NWB */
static void Put(hid_t f, const char *name, hid_t ftype, hid_t mtype, hsize_t n, const void *v)
{
  hid_t lcpl = H5Pcreate(H5P_LINK_CREATE), sp, d;
  H5Pset_create_intermediate_group(lcpl, 1);
  sp = H5Screate_simple(1, &n, NULL);
  d  = H5Dcreate2(f, name, ftype, sp, lcpl, H5P_DEFAULT, H5P_DEFAULT);
  assert_true(d >= 0);
  assert_true(H5Dwrite(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0);
  H5Dclose(d);
  H5Sclose(sp);
  H5Pclose(lcpl);
}

static const char *NwbWithColumns(void)
{
  const char *p = TmpPath("cols.nwb");
  hid_t       f = H5Fcreate(p, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), vs = H5Tcopy(H5T_C_S1), fs = H5Tcopy(H5T_C_S1);
  double      t[8]   = {0.1, 0.2, 0.3, 0.1, 0.4, 0.5, 0.2, 0.9};
  int32_t     idx[4] = {2, 4, 6, 8}, ch[4] = {1, 2, 3, 1};
  int64_t     ids[4]     = {10, 11, 12, 13};
  const char *quality[4] = {"good", "noise", "good", "mua"};
  char        ks[4][5]   = {"mua", "good", "good", "mua"};
  H5Tset_size(vs, H5T_VARIABLE);
  H5Tset_size(fs, 5);
  Put(f, "/units/spike_times", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 8, t);
  Put(f, "/units/spike_times_index", H5T_STD_I32LE, H5T_NATIVE_INT32, 4, idx); /* int32 index */
  Put(f, "/units/id", H5T_STD_I64LE, H5T_NATIVE_INT64, 4, ids);
  Put(f, "/units/quality", vs, vs, 4, quality);
  Put(f, "/units/KSLabel", fs, fs, 4, ks);
  Put(f, "/units/ch", H5T_STD_I32LE, H5T_NATIVE_INT32, 4, ch);
  H5Tclose(vs);
  H5Tclose(fs);
  H5Fclose(f);
  return p;
}

static void ExpectIds(const char *path, const char *where, const char *units, PetscInt n, const PetscInt *ids)
{
  DataOptions  o;
  SpikeTrains *st;
  Opts(&o);
  assert_int_equal(0, PetscStrncpy(o.units_where, where, sizeof(o.units_where)));
  if (units) assert_int_equal(0, PetscStrncpy(o.units, units, sizeof(o.units)));
  assert_int_equal(0, SpikeFileReadInfo(path, &o, &st));
  assert_int_equal(n, st->nunits);
  for (PetscInt k = 0; k < n; k++) assert_int_equal(ids[k], st->unit_ids[k]);
  assert_int_equal(0, SpikeTrainsDestroy(&st));
}

static void test_nwb_units_where(void **state)
{
  const char    *p = NwbWithColumns();
  DataOptions    o;
  const PetscInt a[] = {10, 12}, b[] = {11, 12}, c[] = {10, 13}, d[] = {10, 11, 12, 13}, e[] = {12};
  (void)state;
  ExpectIds(p, "quality=good", NULL, 2, a); /* variable-length strings */
  ExpectIds(p, "KSLabel=good", NULL, 2, b); /* fixed-length strings */
  ExpectIds(p, "ch=1", NULL, 2, c);         /* integers */
  ExpectIds(p, "quality=good,mua,noise", NULL, 4, d);
  ExpectIds(p, "quality=good", "12", 1, e); /* then -data_units among them */
  Opts(&o);
  assert_int_equal(0, PetscStrncpy(o.units_where, "qualty=good", sizeof(o.units_where)));
  EXPECT_FAIL(Info(p, &o), "no column 'qualty'", "quality");
  assert_int_equal(0, PetscStrncpy(o.units_where, "quality=great", sizeof(o.units_where)));
  EXPECT_FAIL(Info(p, &o), "matches no unit", "'good', 'noise', 'mua'");
  assert_int_equal(0, PetscStrncpy(o.units_where, "quality", sizeof(o.units_where)));
  EXPECT_FAIL(Info(p, &o), "expected COLUMN=VALUE", NULL);
  assert_int_equal(0, PetscStrncpy(o.units_where, "quality=good", sizeof(o.units_where)));
  EXPECT_FAIL(Info(PHY, &o), "-data_units_where", "-data_labels");
}

static void test_nwb_ragged_layouts(void **state)
{
  const char  *p = TmpPath("single.nwb");
  hid_t        f;
  double       t[3] = {0.1, 0.2, 0.7}, iv[4] = {0, 0.5, 0.6, 1.0};
  DataOptions  o;
  SpikeTrains *st;
  (void)state;
  Opts(&o);
  /* one unit: spike_times without an index, obs_intervals without an index */
  f = H5Fcreate(p, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  Put(f, "/units/spike_times", H5T_IEEE_F32LE, H5T_NATIVE_DOUBLE, 3, t);
  {
    hid_t   lcpl    = H5Pcreate(H5P_LINK_CREATE), sp, d;
    hsize_t dims[2] = {2, 2};
    H5Pset_create_intermediate_group(lcpl, 1);
    sp = H5Screate_simple(2, dims, NULL);
    d  = H5Dcreate2(f, "/units/obs_intervals", H5T_IEEE_F64LE, sp, lcpl, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, iv);
    H5Dclose(d);
    H5Sclose(sp);
    H5Pclose(lcpl);
  }
  H5Fclose(f);
  assert_int_equal(0, SpikeFileReadRange(p, &o, 0, PETSC_INFINITY, &st));
  assert_int_equal(1, st->nunits);
  assert_int_equal(3, st->nspikes);
  assert_int_equal(2, st->nintervals);
  assert_true(st->intervals_ms[2] == 600 && st->intervals_ms[3] == 1000);
  assert_int_equal(0, SpikeTrainsDestroy(&st));
  /* uint32 and int64 indices */
  for (int w = 0; w < 2; w++) {
    uint32_t i32[2] = {1, 3};
    int64_t  i64[2] = {1, 3};
    p               = TmpPath(w ? "i64.nwb" : "u32.nwb");
    f               = H5Fcreate(p, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    Put(f, "/units/spike_times", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 3, t);
    if (w) Put(f, "/units/spike_times_index", H5T_STD_I64LE, H5T_NATIVE_INT64, 2, i64);
    else Put(f, "/units/spike_times_index", H5T_STD_U32LE, H5T_NATIVE_UINT32, 2, i32);
    H5Fclose(f);
    assert_int_equal(0, SpikeFileReadRange(p, &o, 0, PETSC_INFINITY, &st));
    assert_int_equal(2, st->nunits);
    assert_int_equal(1, Count(st, 0));
    assert_int_equal(2, Count(st, 1));
    assert_int_equal(0, SpikeTrainsDestroy(&st));
  }
  /* -data_intervals is for the formats without stored intervals */
  assert_int_equal(0, PetscStrncpy(o.intervals, "x.txt", sizeof(o.intervals)));
  EXPECT_FAIL(Info(p, &o), "-data_intervals is for text, phy and MATLAB files", NULL);
}

static void test_zz_cleanup(void **state)
{
  char cmd[400];
  (void)state;
  if (!g_dir[0]) return;
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
  assert_int_equal(0, system(cmd));
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_npy_numpy_files),    cmocka_unit_test(test_npy_bad),
    cmocka_unit_test(test_phy_fixture),        cmocka_unit_test(test_phy_labels_and_files),
    cmocka_unit_test(test_mat_good),           cmocka_unit_test(test_mat_bad),
    cmocka_unit_test(test_text_intervals),     cmocka_unit_test(test_nwb_units_where),
    cmocka_unit_test(test_nwb_ragged_layouts), cmocka_unit_test(test_zz_cleanup),
};

TEST_MAIN(tests)
