/* Structure-aware libFuzzer target for the HDF5 spike readers (NWB /units, spikefit /spikes/...,
 * retina /spikes + /sCount). The fuzzer's bytes are a RECIPE, not a file image: a small
 * interpreter turns them into a VALID HDF5 file written with the HDF5 API (so the fuzzer
 * explores the readers, not the HDF5 library's parser of damaged metadata, whose crashes the
 * raw-bytes target fuzz_h5.c keeps finding and which we cannot fix). The readers are then
 * called as fuzz_h5.c calls them, and every call must either fail with a PETSc error or return
 * a container that is valid and consistent with the other calls; no HDF5 object may stay open.
 *
 * Recipe format (a missing byte reads as 0, so every byte string is a recipe):
 *   header   opt span_lo span_hi
 *            opt % 8        -> -data_units: "", "", "0", "3", "1-3", "3,5,9", "0-1000000", "4"
 *            opt & 8        -> file written with the latest format (H5F_LIBVER_LATEST)
 *            span_lo/hi     -> an extra range read [4*span_lo, 4*span_lo + 4*span_hi) ms
 *   nodes    up to MAX_NODES, until the bytes run out; each starts with one byte
 *            what: slot = (what & 15) % NSLOT names the object (table g_slots), kind = what >> 4:
 *            0..9 dataset, 10..11 group, 12..13 soft link to slot `target`, 14 hard link to
 *            slot `target`, 15 external link into a file that does not exist.
 *     link:    target
 *     dataset: type shape dims[rank] storage [chunk] [fill-value bytes] values-mode values
 *            type % NTYPES -> g_types (float32/64 LE/BE, long double, int8..64 signed/unsigned
 *                             LE/BE, fixed string, compound {double}, opaque)
 *            shape % 6     -> rank 1, 1, 2, 0 (scalar), 3, or a null dataspace
 *            dims          -> byte % 65 (rank 1) or % 17; at most MAX_ELEMS elements in all
 *            storage       -> &3: contiguous, chunked, compact, chunked; &4 deflate; &8 shuffle;
 *                             &16 fletcher32; &32 nothing written (fill values); &64 a fill value
 *                             (tsize bytes follow); &128 unlimited max dims (chunked)
 *            chunk         -> (chunked only) chunk dim = 1 + byte % 16
 *            values-mode % 4 -> 0, 3: raw bytes in the file type (nelem * tsize bytes: NaN, Inf,
 *                             negative, huge, unsorted ... as the fuzzer likes);
 *                             1: arithmetic (int16 start, int8 step, scale 10^-(mode>>2 & 3)),
 *                             written as doubles (HDF5 converts, clipping integers);
 *                             2: cumulative sums of bytes (monotone), scale as above, plus a
 *                             starting int16 -- good offsets, counts and sorted times.
 * With FUZZ_WRITE_SEEDS=DIR in the environment it writes recipes equivalent to the valid seed
 * files of fuzz_h5.c (and a few more) into DIR and exits. */
/* PETSc's own allocation tracking finds what a reader leaks (PetscMalloc'd memory), input by
 * input and deterministically; run_fuzz.sh turns LeakSanitizer off for this target because Open
 * MPI's background threads allocate at random moments from frames it cannot symbolize. */
#define FUZZ_PETSC_OPTIONS "-no_signal_handler -malloc_debug"
#include "fuzz_common.h"
#include <math.h>
#include <string.h>
#include <unistd.h>

#define MAX_NODES 12
#define MAX_ELEMS 1024

static const char *g_slots[] = {
    "/units/spike_times",
    "/units/spike_times_index",
    "/units/id",
    "/units/obs_intervals",
    "/units/obs_intervals_index",
    "/spikes/times_ms",
    "/spikes/offsets",
    "/spikes/unit_ids",
    "/spikes/intervals_ms",
    "/spikes",
    "/sCount",
    "/summary/duration",
    "/units",
    "/summary",
};
#define NSLOT ((int)(sizeof(g_slots) / sizeof(g_slots[0])))
enum {
  S_NWB_T,
  S_NWB_IX,
  S_NWB_ID,
  S_NWB_OBS,
  S_NWB_OBSIX,
  S_SF_T,
  S_SF_OFF,
  S_SF_ID,
  S_SF_IV,
  S_RET_T,
  S_RET_CNT,
  S_RET_DUR
};

enum {
  T_F64LE,
  T_F32LE,
  T_F64BE,
  T_F32BE,
  T_LDOUBLE,
  T_I8,
  T_U8,
  T_I16LE,
  T_U16BE,
  T_I32LE,
  T_U32LE,
  T_I64LE,
  T_U64LE,
  T_I64BE,
  T_STR,
  T_COMPOUND,
  T_OPAQUE,
  NTYPES
};

static const char *g_units[8] = {"", "", "0", "3", "1-3", "3,5,9", "0-1000000", "4"};

static char         g_path[512];
static FuzzH5Counts g_base;

/* ---------------------------------------------------------------------------------------- */
/* reading the recipe                                                                        */

typedef struct {
  const uint8_t *p;
  size_t         n, pos;
} Cursor;

static uint8_t Byte(Cursor *c) { return c->pos < c->n ? c->p[c->pos++] : 0; }
static int     More(const Cursor *c) { return c->pos < c->n; }
static void    Bytes(Cursor *c, void *dst, size_t len)
{
  uint8_t *d = (uint8_t *)dst;
  for (size_t i = 0; i < len; i++) d[i] = Byte(c);
}

static hid_t MakeType(int t)
{
  switch (t) {
  case T_F64LE: return H5Tcopy(H5T_IEEE_F64LE);
  case T_F32LE: return H5Tcopy(H5T_IEEE_F32LE);
  case T_F64BE: return H5Tcopy(H5T_IEEE_F64BE);
  case T_F32BE: return H5Tcopy(H5T_IEEE_F32BE);
  case T_LDOUBLE: return H5Tcopy(H5T_NATIVE_LDOUBLE);
  case T_I8: return H5Tcopy(H5T_STD_I8LE);
  case T_U8: return H5Tcopy(H5T_STD_U8LE);
  case T_I16LE: return H5Tcopy(H5T_STD_I16LE);
  case T_U16BE: return H5Tcopy(H5T_STD_U16BE);
  case T_I32LE: return H5Tcopy(H5T_STD_I32LE);
  case T_U32LE: return H5Tcopy(H5T_STD_U32LE);
  case T_I64LE: return H5Tcopy(H5T_STD_I64LE);
  case T_U64LE: return H5Tcopy(H5T_STD_U64LE);
  case T_I64BE: return H5Tcopy(H5T_STD_I64BE);
  case T_STR: {
    hid_t s = H5Tcopy(H5T_C_S1);
    H5Tset_size(s, 8);
    return s;
  }
  case T_COMPOUND: {
    hid_t s = H5Tcreate(H5T_COMPOUND, 8);
    H5Tinsert(s, "t", 0, H5T_IEEE_F64LE);
    return s;
  }
  default: return H5Tcreate(H5T_OPAQUE, 8);
  }
}

static void BuildDataset(hid_t f, hid_t lcpl, const char *name, Cursor *c)
{
  int      t = Byte(c) % NTYPES, shape = Byte(c) % 6, rank = 0, layout, nowrite, mode;
  hsize_t  dims[3] = {0, 0, 0}, maxd[3], chunk[3], nelem = 1;
  uint8_t  st;
  hid_t    type = MakeType(t), sp = -1, dcpl = H5Pcreate(H5P_DATASET_CREATE), d = -1;
  size_t   tsize = H5Tget_size(type);
  uint8_t *buf   = NULL;

  switch (shape) {
  case 0:
  case 1: rank = 1; break;
  case 2: rank = 2; break;
  case 3: rank = 0; break;
  case 4: rank = 3; break;
  default: rank = -1; break; /* null dataspace */
  }
  for (int i = 0; i < rank; i++) {
    dims[i] = Byte(c) % (rank == 1 ? 65 : 17);
    if (nelem * dims[i] > MAX_ELEMS) dims[i] = MAX_ELEMS / nelem;
    nelem *= dims[i];
  }
  if (rank < 0) nelem = 0;
  st      = Byte(c);
  layout  = st & 3;
  nowrite = (st & 32) != 0;
  if (layout == 1 || layout == 3) {
    uint8_t cb = Byte(c);
    if (rank >= 1) {
      for (int i = 0; i < rank; i++) {
        chunk[i] = 1 + cb % 16;
        maxd[i]  = (st & 128) ? H5S_UNLIMITED : dims[i];
        if (!(st & 128) && chunk[i] > dims[i]) chunk[i] = dims[i] ? dims[i] : 1;
        if (dims[i] == 0) maxd[i] = H5S_UNLIMITED;
      }
      H5Pset_chunk(dcpl, rank, chunk);
      if (st & 8) H5Pset_shuffle(dcpl);
      if (st & 4) H5Pset_deflate(dcpl, 1 + cb % 9);
      if (st & 16) H5Pset_fletcher32(dcpl);
    }
  } else if (layout == 2) H5Pset_layout(dcpl, H5D_COMPACT);
  if (st & 64) {
    uint8_t fill[16];
    Bytes(c, fill, tsize <= sizeof(fill) ? tsize : sizeof(fill));
    if (tsize <= sizeof(fill)) H5Pset_fill_value(dcpl, type, fill);
  }
  if (rank < 0) sp = H5Screate(H5S_NULL);
  else if (rank == 0) sp = H5Screate(H5S_SCALAR);
  else sp = H5Screate_simple(rank, dims, (layout & 1) && rank >= 1 ? maxd : NULL);
  mode = Byte(c);
  if (sp >= 0) d = H5Dcreate2(f, name, type, sp, lcpl, dcpl, H5P_DEFAULT);
  if (d < 0 && sp >= 0) { /* e.g. a layout HDF5 refuses for this shape: plain contiguous */
    H5Pclose(dcpl);
    dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Sclose(sp);
    sp = rank < 0 ? H5Screate(H5S_NULL) : rank == 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(rank, dims, NULL);
    d  = H5Dcreate2(f, name, type, sp, lcpl, dcpl, H5P_DEFAULT);
  }
  if (rank == 0) nelem = 1;
  if (d >= 0 && nelem > 0) {
    double scale = pow(10.0, -(double)((mode >> 2) & 3));
    if (mode % 4 == 1 || mode % 4 == 2) {
      double *v = (double *)malloc(nelem * sizeof(double));
      int16_t start;
      int8_t  step;
      Bytes(c, &start, 2);
      Bytes(c, &step, 1);
      for (hsize_t k = 0; k < nelem; k++) {
        if (mode % 4 == 1) v[k] = ((double)start + (double)step * (double)k) * scale;
        else v[k] = (k ? v[k - 1] : (double)start * scale) + Byte(c) * scale;
      }
      if (!nowrite) H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
      free(v);
    } else {
      buf = (uint8_t *)malloc(nelem * tsize);
      Bytes(c, buf, nelem * tsize);
      if (!nowrite) H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
      free(buf);
    }
  }
  if (d >= 0) H5Dclose(d);
  if (sp >= 0) H5Sclose(sp);
  H5Pclose(dcpl);
  H5Tclose(type);
}

typedef struct {
  int       units;  /* index into g_units */
  double    lo, hi; /* the recipe's range */
  PetscBool any_node;
} Recipe;

/* Writes the HDF5 file the recipe describes; returns 0 when it was written. */
static int BuildFile(const uint8_t *data, size_t size, Recipe *r)
{
  Cursor  c    = {data, size, 0};
  uint8_t opt  = Byte(&c);
  hid_t   fapl = H5Pcreate(H5P_FILE_ACCESS), lcpl = H5Pcreate(H5P_LINK_CREATE), f;

  r->units = opt % 8;
  r->lo    = 4.0 * Byte(&c);
  r->hi    = r->lo + 4.0 * Byte(&c);
  if (opt & 8) H5Pset_libver_bounds(fapl, H5F_LIBVER_LATEST, H5F_LIBVER_LATEST);
  H5Pset_create_intermediate_group(lcpl, 1);
  f = H5Fcreate(g_path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
  H5Pclose(fapl);
  if (f < 0) {
    H5Pclose(lcpl);
    return 1;
  }
  r->any_node = PETSC_FALSE;
  for (int k = 0; k < MAX_NODES && More(&c); k++) {
    uint8_t     what = Byte(&c);
    int         kind = what >> 4;
    const char *name = g_slots[(what & 15) % NSLOT];
    r->any_node      = PETSC_TRUE;
    if (kind <= 9) BuildDataset(f, lcpl, name, &c);
    else if (kind <= 11) {
      hid_t g = H5Gcreate2(f, name, lcpl, H5P_DEFAULT, H5P_DEFAULT);
      if (g >= 0) H5Gclose(g);
    } else if (kind <= 13) H5Lcreate_soft(g_slots[Byte(&c) % NSLOT], f, name, lcpl, H5P_DEFAULT);
    else if (kind == 14) H5Lcreate_hard(f, g_slots[Byte(&c) % NSLOT], f, name, lcpl, H5P_DEFAULT);
    else H5Lcreate_external("spikefit_fuzz_no_such_file.h5", g_slots[Byte(&c) % NSLOT], f, name, lcpl, H5P_DEFAULT);
  }
  H5Pclose(lcpl);
  H5Fclose(f);
  return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* checks                                                                                    */

static void Fail(const char *what)
{
  fprintf(stderr, "fuzz_h5struct: %s\n", what);
  abort();
}

/* Is id selected by the -data_units list g_units[u]? (the fixed lists above) */
static int Selected(int u, PetscInt id)
{
  switch (u) {
  case 0:
  case 1: return 1;
  case 2: return id == 0;
  case 3: return id == 3;
  case 4: return id >= 1 && id <= 3;
  case 5: return id == 3 || id == 5 || id == 9;
  case 6: return id >= 0 && id <= 1000000;
  default: return id == 4;
  }
}

/* Checks one successful result: valid container, selected and distinct ids, spikes inside
 * [lo, hi), intervals inside it too, bounded size. info: header only. */
static void CheckResult(const SpikeTrains *st, const Recipe *r, PetscBool info, double lo, double hi)
{
  FuzzCheck(st);
  if (st->nunits < 1) Fail("a reader succeeded with no unit");
  if (st->nspikes < 0 || st->nspikes > MAX_NODES * MAX_ELEMS) Fail("more spikes than the file can hold");
  for (PetscInt k = 0; k < st->nunits; k++) {
    if (!Selected(r->units, st->unit_ids[k])) Fail("a unit outside -data_units was returned");
    for (PetscInt j = 0; j < k; j++)
      if (st->unit_ids[j] == st->unit_ids[k]) Fail("a unit id was returned twice");
  }
  if (info) {
    if (st->nspikes != 0) Fail("the header read returned spikes");
    for (PetscInt k = 0; k <= st->nunits; k++)
      if (st->offsets[k] != 0) Fail("the header read returned non-zero offsets");
    if (st->nintervals < 1) Fail("the header read returned no observation interval");
    return;
  }
  if (st->offsets[st->nunits] != st->nspikes) Fail("offsets do not end at nspikes");
  for (PetscInt s = 0; s < st->nspikes; s++)
    if (!(st->times_ms[s] >= lo && st->times_ms[s] < hi)) Fail("a spike outside the requested range was returned");
  for (PetscInt w = 0; w < st->nintervals; w++)
    if (st->intervals_ms[2 * w] < lo || st->intervals_ms[2 * w + 1] > hi)
      Fail("an observation interval outside the requested range was returned");
}

static void SameUnits(const SpikeTrains *a, const SpikeTrains *b, const char *what)
{
  if (a->nunits != b->nunits) Fail(what);
  for (PetscInt k = 0; k < a->nunits; k++)
    if (a->unit_ids[k] != b->unit_ids[k]) Fail(what);
}

/* sub must be exactly full's spikes in [lo, hi) and full's intervals clipped to it. */
static void CheckSubset(const SpikeTrains *full, const SpikeTrains *sub, double lo, double hi)
{
  PetscInt w2 = 0;
  SameUnits(full, sub, "a range read returned other units than the full read");
  for (PetscInt k = 0; k < full->nunits; k++) {
    PetscInt j = sub->offsets[k];
    for (PetscInt s = full->offsets[k]; s < full->offsets[k + 1]; s++) {
      double t = full->times_ms[s];
      if (t < lo || t >= hi) continue;
      if (j >= sub->offsets[k + 1] || sub->times_ms[j] != t)
        Fail("a range read differs from the full read restricted to the range");
      j++;
    }
    if (j != sub->offsets[k + 1]) Fail("a range read returned spikes the full read does not have");
  }
  for (PetscInt w = 0; w < full->nintervals; w++) {
    double a = PetscMax(full->intervals_ms[2 * w], lo), b = PetscMin(full->intervals_ms[2 * w + 1], hi);
    if (b <= a) continue;
    if (w2 >= sub->nintervals || sub->intervals_ms[2 * w2] != a || sub->intervals_ms[2 * w2 + 1] != b)
      Fail("a range read's intervals are not the full read's clipped to the range");
    w2++;
  }
  if (w2 != sub->nintervals) Fail("a range read returned extra observation intervals");
}

/* ---------------------------------------------------------------------------------------- */
/* seeds: recipes equivalent to fuzz_h5.c's seed files (and a few more)                     */

typedef struct {
  uint8_t b[4096];
  size_t  n;
} Rec;

static void Put8(Rec *r, int v) { r->b[r->n++] = (uint8_t)v; }
static void PutRaw(Rec *r, const void *v, size_t len)
{
  memcpy(r->b + r->n, v, len);
  r->n += len;
}
/* a 1-D or 2-D contiguous dataset with raw values (file type = memory layout, little endian) */
static void PutDataset(Rec *r, int slot, int type, int rank, int d0, int d1, int storage, const void *v, size_t vbytes)
{
  Put8(r, slot); /* kind 0: dataset */
  Put8(r, type);
  Put8(r, rank == 1 ? 0 : 2); /* shape */
  Put8(r, d0);
  if (rank == 2) Put8(r, d1);
  Put8(r, storage);
  if ((storage & 3) == 1 || (storage & 3) == 3) Put8(r, 3); /* chunk 4 */
  Put8(r, 0);                                               /* raw values */
  PutRaw(r, v, vbytes);
}
static void Save(const char *dir, const char *name, const Rec *r)
{
  char  p[700];
  FILE *fp;
  snprintf(p, sizeof(p), "%s/%s", dir, name);
  fp = fopen(p, "wb");
  if (!fp) return;
  fwrite(r->b, 1, r->n, fp);
  fclose(fp);
}

static void WriteSeeds(const char *dir)
{
  double t[] = {0.1, 0.2, 0.3, 0.5, 0.7, 0.9}, tms[] = {1, 2, 3, 500, 700, 900}, iv[] = {0, 1000},
         obs[] = {0, 1, 0, 2, 0.1, 1.5}, dur[] = {2.5};
  uint16_t ix[]   = {2, 4, 6};
  int32_t  ix32[] = {2, 4, 6}, cnt[] = {2, 1, 3};
  int64_t  ids[] = {3, 5, 9}, off[] = {0, 2, 4, 6}, oix[] = {1, 2, 3};
  uint16_t ixbe[3];
  Rec      r;

  for (int i = 0; i < 3; i++) ixbe[i] = (uint16_t)((ix[i] >> 8) | (ix[i] << 8));
  /* nwb.h5 */
  r.n = 0;
  Put8(&r, 0);
  Put8(&r, 30);
  Put8(&r, 100);
  PutDataset(&r, S_NWB_T, T_F64LE, 1, 6, 0, 0, t, sizeof(t));
  PutDataset(&r, S_NWB_IX, T_U16BE, 1, 3, 0, 0, ixbe, sizeof(ixbe));
  PutDataset(&r, S_NWB_ID, T_I64LE, 1, 3, 0, 0, ids, sizeof(ids));
  Save(dir, "nwb", &r);
  /* nwb_obs.h5, chunked + deflate times, selecting units 1-3 */
  r.n = 0;
  Put8(&r, 4);
  Put8(&r, 0);
  Put8(&r, 255);
  PutDataset(&r, S_NWB_T, T_F64LE, 1, 6, 0, 1 | 4, t, sizeof(t));
  PutDataset(&r, S_NWB_IX, T_I32LE, 1, 3, 0, 0, ix32, sizeof(ix32));
  PutDataset(&r, S_NWB_OBS, T_F64LE, 2, 3, 2, 0, obs, sizeof(obs));
  PutDataset(&r, S_NWB_OBSIX, T_I64LE, 1, 3, 0, 0, oix, sizeof(oix));
  Save(dir, "nwb_obs", &r);
  /* spikefit.h5, compact offsets, latest format */
  r.n = 0;
  Put8(&r, 8);
  Put8(&r, 100);
  Put8(&r, 50);
  PutDataset(&r, S_SF_T, T_F64LE, 1, 6, 0, 0, tms, sizeof(tms));
  PutDataset(&r, S_SF_OFF, T_I64LE, 1, 4, 0, 2, off, sizeof(off));
  PutDataset(&r, S_SF_ID, T_I64LE, 1, 3, 0, 0, ids, sizeof(ids));
  PutDataset(&r, S_SF_IV, T_F64LE, 2, 1, 2, 0, iv, sizeof(iv));
  Save(dir, "spikefit", &r);
  /* retina.h5 */
  r.n = 0;
  Put8(&r, 0);
  Put8(&r, 50);
  Put8(&r, 100);
  PutDataset(&r, S_RET_T, T_F64LE, 1, 6, 0, 0, t, sizeof(t));
  PutDataset(&r, S_RET_CNT, T_I32LE, 1, 3, 0, 0, cnt, sizeof(cnt));
  Save(dir, "retina", &r);
  /* retina with /summary/duration, chunked shuffle+fletcher32 counts */
  r.n = 0;
  Put8(&r, 2);
  Put8(&r, 0);
  Put8(&r, 1);
  PutDataset(&r, S_RET_T, T_F64LE, 1, 6, 0, 1, t, sizeof(t));
  PutDataset(&r, S_RET_CNT, T_I32LE, 1, 3, 0, 1 | 8 | 16, cnt, sizeof(cnt));
  PutDataset(&r, S_RET_DUR, T_F64LE, 1, 1, 0, 0, dur, sizeof(dur));
  Save(dir, "retina_duration", &r);
  /* spikefit with generated values: 40 sorted times (cumulative bytes), offsets by arithmetic */
  r.n = 0;
  Put8(&r, 0);
  Put8(&r, 10);
  Put8(&r, 30);
  Put8(&r, S_SF_T);
  Put8(&r, T_F32LE);
  Put8(&r, 0);
  Put8(&r, 40);
  Put8(&r, 0);
  Put8(&r, 2);
  Put8(&r, 0);
  Put8(&r, 0);
  Put8(&r, 0); /* start 0, step (unused) */
  for (int i = 0; i < 40; i++) Put8(&r, 1 + (i * 37) % 50);
  Put8(&r, S_SF_OFF);
  Put8(&r, T_U32LE);
  Put8(&r, 0);
  Put8(&r, 5);
  Put8(&r, 0);
  Put8(&r, 1);
  Put8(&r, 0);
  Put8(&r, 0);
  Put8(&r, 10); /* 0, 10, 20, 30, 40 */
  PutDataset(&r, S_SF_ID, T_I64LE, 1, 4, 0, 0, (int64_t[]){1, 2, 3, 4}, 4 * sizeof(int64_t));
  PutDataset(&r, S_SF_IV, T_F64LE, 2, 1, 2, 0, (double[]){0, 2000}, 2 * sizeof(double));
  Save(dir, "spikefit_generated", &r);
}

/* ---------------------------------------------------------------------------------------- */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
  const char *seeds = getenv("FUZZ_WRITE_SEEDS");
  FuzzInit(argc, argv);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL); /* building a recipe may fail on purpose: quietly */
  if (seeds) {
    WriteSeeds(seeds);
    PetscFinalize();
    exit(0);
  }
  snprintf(g_path, sizeof(g_path), "%s/spikefit_fuzz_struct_%d.h5", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
           (int)getpid());
  { /* warm HDF5 up (lazily registered types and lists) before taking the baseline */
    static const uint8_t warm[] = {
        8, 0, 0, 0x05, T_F64LE, 0, 2, 1 | 4 | 8 | 16 | 64, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0,    0,       0, 0};
    Recipe       r;
    SpikeTrains *st = NULL;
    DataOptions  opt;
    BuildFile(warm, sizeof(warm), &r);
    DataOptionsDefault(&opt);
    if (!SpikeFileReadRange(g_path, &opt, 0, PETSC_INFINITY, &st)) SpikeTrainsDestroy(&st);
    unlink(g_path);
  }
  g_base = FuzzH5Snapshot();
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  Recipe        r;
  DataOptions   opt;
  SpikeFileKind kind;
  SpikeTrains  *info = NULL, *full = NULL, *part = NULL;
  PetscBool     detect_ok, info_ok, full_ok, valid_ok;
  const double  spans[3][2] = {{150, 600}, {0, 0.5}, {999.5, PETSC_INFINITY}};

  PetscLogDouble mem0 = 0, mem1 = 0;

  if (size > 8192) return 0;
  if (BuildFile(data, size, &r)) return 0;
  PetscMallocGetCurrentUsage(&mem0);
  FuzzCheckNoOpenObjects(&g_base);
  DataOptionsDefault(&opt);
  strcpy(opt.units, g_units[r.units]);

  detect_ok = (PetscBool)!SpikeFileDetect(g_path, &kind);
  if (detect_ok && kind == SPIKE_FILE_TSV) Fail("an HDF5 file was detected as text");
  FuzzCheckNoOpenObjects(&g_base);

  info_ok = (PetscBool)!SpikeFileReadInfo(g_path, &opt, &info);
  if (info_ok) {
    if (!detect_ok) Fail("the header read succeeded on a file whose layout was not detected");
    CheckResult(info, &r, PETSC_TRUE, 0, PETSC_INFINITY);
  } else if (info) Fail("a failed header read returned a container");
  FuzzCheckNoOpenObjects(&g_base);

  full_ok = (PetscBool)!SpikeFileReadRange(g_path, &opt, 0, PETSC_INFINITY, &full);
  if (full_ok) {
    CheckResult(full, &r, PETSC_FALSE, 0, PETSC_INFINITY);
    if (!info_ok) Fail("the full read succeeded but the header read failed");
    SameUnits(info, full, "the header and the full read returned other units");
    if (info->nintervals != full->nintervals) Fail("the header and the full read returned other intervals");
    for (PetscInt w = 0; w < 2 * info->nintervals; w++)
      if (info->intervals_ms[w] != full->intervals_ms[w]) Fail("the header and the full read returned other intervals");
  } else if (full) Fail("a failed read returned a container");
  FuzzCheckNoOpenObjects(&g_base);

  for (int i = 0; i < 4; i++) {
    double lo = i < 3 ? spans[i][0] : r.lo, hi = i < 3 ? spans[i][1] : r.hi;
    if (!SpikeFileReadRange(g_path, &opt, lo, hi, &part)) {
      if (!(hi > lo)) Fail("an empty range was accepted");
      CheckResult(part, &r, PETSC_FALSE, lo, hi);
      if (info_ok) SameUnits(info, part, "the header and a range read returned other units");
      if (full_ok) CheckSubset(full, part, lo, hi);
      SpikeTrainsDestroy(&part);
    } else {
      if (part) Fail("a failed range read returned a container");
      /* every spike of the selected units was read and checked by the full read */
      if (full_ok && hi > lo) Fail("a range read failed although the full read succeeded");
    }
    FuzzCheckNoOpenObjects(&g_base);
  }

  valid_ok = (PetscBool)!SpikeFileValidate(g_path, &opt);
  if (getenv("FUZZ_VERBOSE")) /* to see what a recipe reaches: FUZZ_VERBOSE=1 ./fuzz_h5struct FILE */
    fprintf(
        stderr,
        "fuzz_h5struct: detect %s, info %s, full read %s (%d units, %d spikes), validate %s; PETSc memory tracked %g bytes\n",
        detect_ok ? SpikeFileKindName(kind) : "failed", info_ok ? "ok" : "failed", full_ok ? "ok" : "failed",
        full_ok ? (int)full->nunits : 0, full_ok ? (int)full->nspikes : 0, valid_ok ? "ok" : "failed", mem0);
  if (full_ok && !valid_ok) Fail("validation failed although the full read succeeded");
  FuzzCheckNoOpenObjects(&g_base);

  SpikeTrainsDestroy(&info);
  SpikeTrainsDestroy(&full);
  PetscMallocGetCurrentUsage(&mem1);
  if (mem1 > mem0) {
    fprintf(stderr, "fuzz_h5struct: the readers leaked %g bytes of PETSc memory\n", mem1 - mem0);
    abort();
  }
  unlink(g_path);
  return 0;
}
