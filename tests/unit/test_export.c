/* spikefit export: a results file made here is exported to NWB and read back with spikefit's
 * own NWB reader (same units, counts, times and observation intervals), with and without
 * /eval/span_ms; bad results files and -o equal to the input are refused, leaving no file. */
#include "testutil.h"
#include "app.h"
#include "h5io.h"
#include "io_spikes.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char g_dir[256];

static const char *TmpPath(const char *name)
{
  static char buf[4][512];
  static int  k = 0;
  if (!g_dir[0]) {
    snprintf(g_dir, sizeof(g_dir), "%s/spikefit_export_XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(g_dir)) return NULL;
  }
  k = (k + 1) % 4;
  snprintf(buf[k], sizeof(buf[k]), "%s/%s", g_dir, name);
  return buf[k];
}

/* 3 units: fitted {5.25, 17, 180.5 | - | 3, 199}, target {1 | 2, 4 | 150}; times + shift. */
static const int64_t fit_off[] = {0, 3, 3, 5}, tgt_off[] = {0, 1, 3, 4};
static const double  fit_t[] = {5.25, 17, 180.5, 3, 199}, tgt_t[] = {1, 2, 4, 150};

typedef struct {
  const char   *format;   /* root spikefit_format */
  double        shift;    /* added to every time */
  const double *span;     /* [2][2] /eval/span_ms or NULL */
  double        bad_time; /* != 0: replaces the first fitted time */
  PetscBool     no_fitted;
  PetscBool     fewer_targets; /* /eval/target with 2 units instead of 3 */
} RunSpec;

static void WriteRun(const char *path, const RunSpec *r)
{
  H5Out  *h;
  double  ft[5], tt[4];
  hsize_t d5 = 5, d4 = 4, doff = 4, dtoff = r->fewer_targets ? 3 : 4, dspan[2] = {2, 2};
  int64_t toff[4] = {0, 1, 4, 4};

  for (int k = 0; k < 5; k++) ft[k] = fit_t[k] + r->shift;
  for (int k = 0; k < 4; k++) tt[k] = tgt_t[k] + r->shift;
  if (r->bad_time != 0) ft[0] = r->bad_time;
  assert_int_equal(0, H5OutCreate(PETSC_COMM_SELF, path, &h));
  assert_int_equal(0, H5OutAttrString(h, "/", "spikefit_format", r->format));
  assert_int_equal(0, H5OutAttrDouble(h, "/", "dt", 1.0));
  if (!r->no_fitted) {
    assert_int_equal(0, H5OutDoubles(h, "/eval/fitted/times_ms", 1, &d5, ft));
    assert_int_equal(0, H5OutInts(h, "/eval/fitted/offsets", 1, &doff, fit_off));
  }
  assert_int_equal(0, H5OutDoubles(h, "/eval/target/times_ms", 1, &d4, tt));
  assert_int_equal(0, H5OutInts(h, "/eval/target/offsets", 1, &dtoff, r->fewer_targets ? toff : tgt_off));
  assert_int_equal(0, H5OutAttrInt(h, "/eval", "windows", 2));
  assert_int_equal(0, H5OutAttrInt(h, "/eval", "window_steps", 100));
  if (r->span) assert_int_equal(0, H5OutDoubles(h, "/eval/span_ms", 2, dspan, r->span));
  assert_int_equal(0, H5OutCommit(&h, NULL));
}

/* The NWB file's /units, read by spikefit's reader, equals the given trains. */
static void CheckReadBack(const char *nwb, const int64_t *off, const double *t, double shift, PetscInt nint,
                          const double *iv)
{
  DataOptions   opt;
  SpikeTrains  *st;
  SpikeFileKind kind;

  assert_int_equal(0, SpikeFileDetect(nwb, &kind));
  assert_int_equal(SPIKE_FILE_NWB, kind);
  assert_int_equal(0, DataOptionsDefault(&opt));
  assert_int_equal(0, SpikeFileReadRange(nwb, &opt, 0.0, PETSC_INFINITY, &st));
  assert_int_equal(3, st->nunits);
  for (PetscInt k = 0; k < 3; k++) {
    assert_int_equal(k, st->unit_ids[k]);
    assert_int_equal(off[k + 1] - off[k], st->offsets[k + 1] - st->offsets[k]);
  }
  for (PetscInt s = 0; s < st->nspikes; s++) assert_true(fabs(st->times_ms[s] - (t[s] + shift)) < 1e-9);
  assert_int_equal(nint, st->nintervals);
  for (PetscInt i = 0; i < 2 * nint; i++) assert_true(fabs(st->intervals_ms[i] - iv[i]) < 1e-9);
  assert_int_equal(0, SpikeTrainsDestroy(&st));
}

static void test_export_roundtrip(void **state)
{
  const char *run = TmpPath("run.h5"), *nwb = TmpPath("sim.nwb");
  RunSpec     r     = {.format = "run"};
  double      iv[2] = {0, 200};

  (void)state;
  WriteRun(run, &r);
  assert_int_equal(0, ExportNwb(run, nwb, PETSC_FALSE));
  CheckReadBack(nwb, fit_off, fit_t, 0, 1, iv);
  assert_int_equal(0, ExportNwb(run, nwb, PETSC_TRUE)); /* replaces the file */
  CheckReadBack(nwb, tgt_off, tgt_t, 0, 1, iv);
  assert_int_not_equal(0, access(TmpPath("sim.nwb.tmp"), F_OK));
}

static void test_export_span(void **state)
{
  const char  *run = TmpPath("span.h5"), *nwb = TmpPath("span.nwb");
  const double span[4] = {10000, 10100, 10150, 10200};
  RunSpec      r       = {.format = "run", .shift = 10000, .span = span};

  (void)state;
  WriteRun(run, &r);
  assert_int_equal(0, ExportNwb(run, nwb, PETSC_FALSE));
  /* the fitted spikes at 180.5 and 199 (+10 s) lie in the second interval */
  CheckReadBack(nwb, fit_off, fit_t, 10000, 2, span);
}

static void ExpectRefused(const char *run, const char *out)
{
  assert_int_equal(0, TestQuietErrors(PETSC_TRUE));
  assert_int_not_equal(0, ExportNwb(run, out, PETSC_FALSE));
  assert_int_equal(0, TestQuietErrors(PETSC_FALSE));
}

static void test_export_refuses(void **state)
{
  const double span[4] = {0, 100, 150, 200};
  RunSpec      ckpt = {.format = "checkpoint"}, nofit = {.format = "run", .no_fitted = PETSC_TRUE};
  RunSpec      outside = {.format = "run", .span = span, .bad_time = 120}, nan = {.format = "run", .bad_time = NAN};
  RunSpec      fewer = {.format = "run", .fewer_targets = PETSC_TRUE};
  char         out[600], tmp[610];

  (void)state;
  snprintf(out, sizeof(out), "%s", TmpPath("bad.nwb")); /* TmpPath's buffers are reused */
  snprintf(tmp, sizeof(tmp), "%s.tmp", out);
  WriteRun(TmpPath("ckpt.h5"), &ckpt);
  ExpectRefused(TmpPath("ckpt.h5"), out);
  WriteRun(TmpPath("nofit.h5"), &nofit);
  ExpectRefused(TmpPath("nofit.h5"), out);
  WriteRun(TmpPath("outside.h5"), &outside); /* a spike in the gap between the intervals */
  ExpectRefused(TmpPath("outside.h5"), out);
  WriteRun(TmpPath("nan.h5"), &nan);
  ExpectRefused(TmpPath("nan.h5"), out);
  ExpectRefused(TmpPath("missing.h5"), out);
  WriteRun(TmpPath("fewer.h5"), &fewer); /* fitted and target disagree on the units */
  ExpectRefused(TmpPath("fewer.h5"), out);
  assert_int_not_equal(0, access(out, F_OK));
  assert_int_not_equal(0, access(tmp, F_OK));
  /* -o naming the input, also through another spelling of the path: the run is untouched */
  {
    RunSpec r = {.format = "run"};
    char    other[600];
    WriteRun(TmpPath("self.h5"), &r);
    snprintf(other, sizeof(other), "%s/./self.h5", g_dir);
    ExpectRefused(TmpPath("self.h5"), TmpPath("self.h5"));
    ExpectRefused(TmpPath("self.h5"), other);
    assert_int_equal(0, ExportNwb(TmpPath("self.h5"), TmpPath("self2.nwb"), PETSC_FALSE));
  }
}

static void test_zz_cleanup(void **state)
{
  char cmd[300];
  (void)state;
  if (!g_dir[0]) return;
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
  assert_int_equal(0, system(cmd));
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_export_roundtrip),
    cmocka_unit_test(test_export_span),
    cmocka_unit_test(test_export_refuses),
    cmocka_unit_test(test_zz_cleanup),
};

TEST_MAIN(tests)
