#include "hash.h"
#include <string.h>

#define FNV_PRIME 1099511628211ULL

uint64_t HashBytes(uint64_t h, const void *bytes, size_t n)
{
  const unsigned char *p = (const unsigned char *)bytes;
  for (size_t k = 0; k < n; k++) {
    h ^= p[k];
    h *= FNV_PRIME;
  }
  return h;
}

uint64_t HashWords(uint64_t h, const void *values, size_t n)
{
  const unsigned char *p = (const unsigned char *)values;
  for (size_t k = 0; k < n; k++) {
    uint64_t w;
    memcpy(&w, p + 8 * k, 8);
    for (int b = 0; b < 8; b++) {
      h ^= (w >> (8 * b)) & 0xFFu;
      h *= FNV_PRIME;
    }
  }
  return h;
}
