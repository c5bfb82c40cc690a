/* libFuzzer target: the text spike reader on arbitrary bytes. The first byte picks the time
 * unit, the mode (header / full / a range) and a -data_units list. */
#include "fuzz_common.h"
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
  FuzzInit(argc, argv);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  DataOptions  opt;
  SpikeTrains *st = NULL;
  unsigned     sel;
  double       lo = 0, hi = PETSC_INFINITY;
  PetscBool    info;

  if (size < 1) return 0;
  sel = data[0];
  data++;
  size--;
  DataOptionsDefault(&opt);
  switch (sel % 3) {
  case 0: strcpy(opt.time_unit, "s"); break;
  case 1: strcpy(opt.time_unit, "ms"); break;
  default:
    strcpy(opt.time_unit, "samples");
    opt.sample_rate = 30000;
    break;
  }
  info = (PetscBool)((sel / 3) % 2);
  if ((sel / 6) % 2) {
    lo = 100;
    hi = 5000;
  }
  if ((sel / 12) % 2) strcpy(opt.units, "0-5,7");
  if (!TsvParseBuffer("fuzz.tsv", (const char *)data, size, &opt, info, lo, hi, &st)) {
    FuzzCheck(st);
    if (info && st->nspikes) abort();
    SpikeTrainsDestroy(&st);
  } else if (st) abort(); /* on error nothing is returned */
  return 0;
}
