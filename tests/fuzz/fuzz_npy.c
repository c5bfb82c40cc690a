/* libFuzzer target: the NPY reader on arbitrary bytes (the header parser from memory, then the
 * same bytes as a file opened and read whole, as the phy reader does). */
#include "fuzz_common.h"
#include "io_npy.h"
#include <string.h>
#include <unistd.h>

static char g_path[512];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
  FuzzInit(argc, argv);
  (void)FuzzCheck; /* shared helper for the container readers; this target has none */
  snprintf(g_path, sizeof(g_path), "%s/fuzz_npy_%d.npy", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid());
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  NpyHeader h;
  NpyFile  *f = NULL;
  FILE     *fp;

  if (!NpyParseHeader("fuzz.npy", data, size, &h)) {
    if (h.data_offset > size || (h.size != 4 && h.size != 8) || h.ndim < 1 || h.ndim > 2) abort();
  }
  fp = fopen(g_path, "wb");
  if (!fp) abort();
  if (size && fwrite(data, 1, size, fp) != size) abort();
  fclose(fp);
  if (!NpyOpen(g_path, &f)) {
    double buf[64];
    /* a file that opened holds exactly its elements: every read succeeds or names a value */
    if (f->h.data_offset + f->h.n * (uint64_t)f->h.size != size) abort();
    for (uint64_t a = 0; a < f->h.n; a += 64) {
      uint64_t m = f->h.n - a < 64 ? f->h.n - a : 64;
      if (NpyRead(f, a, m, buf)) break;
    }
    NpyClose(&f);
  } else if (f) abort();
  return 0;
}
