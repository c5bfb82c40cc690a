/* Checksums (FNV-1a) and the commit that keeps the previous file. */
#include "testutil.h"
#include "hash.h"
#include "h5io.h"
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* the published FNV-1a 64 test vectors */
static void test_fnv1a_vectors(void **st)
{
  (void)st;
  assert_true(HashBytes(HASH_FNV_SEED, "", 0) == 0xcbf29ce484222325ULL);
  assert_true(HashBytes(HASH_FNV_SEED, "a", 1) == 0xaf63dc4c8601ec8cULL);
  assert_true(HashBytes(HASH_FNV_SEED, "foobar", 6) == 0x85944171f73967e8ULL);
}

/* words are hashed as their little-endian bytes, the bytes HDF5 stores for F64LE */
static void test_words_little_endian(void **st)
{
  const unsigned char one[8] = {0, 0, 0, 0, 0, 0, 0xF0, 0x3F}; /* 1.0 as F64LE */
  double              v[2]   = {1.0, -2.5};
  unsigned char       le[16] = {0, 0, 0, 0, 0, 0, 0xF0, 0x3F, 0, 0, 0, 0, 0, 0, 0x04, 0xC0};
  (void)st;
  assert_true(HashWords(HASH_FNV_SEED, v, 1) == HashBytes(HASH_FNV_SEED, one, 8));
  assert_true(HashWords(HASH_FNV_SEED, v, 2) == HashBytes(HASH_FNV_SEED, le, 16));
  assert_true(HashWords(HashWords(HASH_FNV_SEED, v, 1), v + 1, 1) == HashWords(HASH_FNV_SEED, v, 2));
  v[1] = -2.5000000000000004; /* one bit */
  assert_true(HashWords(HASH_FNV_SEED, v, 2) != HashBytes(HASH_FNV_SEED, le, 16));
}

static PetscErrorCode WriteValue(const char *path, const char *prev, double value)
{
  H5Out  *h;
  hsize_t one = 1;
  PetscFunctionBeginUser;
  PetscCall(H5OutCreate(PETSC_COMM_SELF, path, &h));
  h->checksum = 1;
  PetscCall(H5OutDoubles(h, "/x", 1, &one, &value));
  PetscCall(H5OutCommit(&h, prev));
  PetscFunctionReturn(0);
}

static double ReadValue(const char *path)
{
  hid_t  file;
  double x = -1;
  if (H5InOpen(path, &file) || H5InDoubles(file, path, "/x", 1, &x) || H5InClose(&file, path)) return -1;
  return x;
}

/* keep_prev: after each commit the path holds the new file and prev the one before it; prev
 * is a second link to the old file, so no rename ever leaves the path missing */
static void test_commit_keeps_previous(void **st)
{
  char        dir[] = "/tmp/spikefit_ckptXXXXXX", path[64], prev[80];
  struct stat a, b;
  (void)st;
  assert_non_null(mkdtemp(dir));
  snprintf(path, sizeof(path), "%s/ck.h5", dir);
  snprintf(prev, sizeof(prev), "%s/ck.h5.prev", dir);
  assert_int_equal(0, WriteValue(path, prev, 1.0));
  assert_true(ReadValue(path) == 1.0);
  assert_int_not_equal(0, access(prev, F_OK)); /* nothing to keep the first time */
  assert_int_equal(0, WriteValue(path, prev, 2.0));
  assert_true(ReadValue(path) == 2.0 && ReadValue(prev) == 1.0);
  assert_int_equal(0, stat(prev, &a));
  assert_int_equal(0, stat(path, &b));
  assert_true(a.st_ino != b.st_ino && a.st_nlink == 1 && b.st_nlink == 1);
  assert_int_equal(0, WriteValue(path, prev, 3.0));
  assert_true(ReadValue(path) == 3.0 && ReadValue(prev) == 2.0);
  {
    char tmp[96];
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    assert_int_not_equal(0, access(tmp, F_OK));
  }
  unlink(path);
  unlink(prev);
  rmdir(dir);
}

static const struct CMUnitTest tests[] = {cmocka_unit_test(test_fnv1a_vectors),
                                          cmocka_unit_test(test_words_little_endian),
                                          cmocka_unit_test(test_commit_keeps_previous)};
TEST_MAIN(tests)
