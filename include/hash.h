#ifndef SPIKEFIT_HASH_H
#define SPIKEFIT_HASH_H
/* 64-bit FNV-1a: the checksums of checkpoint datasets and the identity of a fit's data. */
#include <stddef.h>
#include <stdint.h>

#define HASH_FNV_SEED 14695981039346656037ULL /* the FNV-1a 64 offset basis */

/* Continues hash h over n bytes. */
uint64_t HashBytes(uint64_t h, const void *bytes, size_t n);
/* Continues hash h over n 8-byte values (doubles or int64) taken in little-endian byte order,
 * so the same values hash alike on every host and as the bytes HDF5 stores (F64LE, I64LE). */
uint64_t HashWords(uint64_t h, const void *values, size_t n);
#endif
