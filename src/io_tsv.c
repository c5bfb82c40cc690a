/* Two-column text spike files: one spike per line, "unit time", separated by blanks, tabs or
 * one comma; '#' starts a comment; blank lines are skipped. The unit is a non-negative integer
 * id; the time is in -data_time_unit (s, ms or samples at -data_sample_rate). Units come back
 * sorted by id; each unit's times are sorted after reading (the number of out-of-order lines is
 * reported through PetscInfo); NaN, Inf and negative times are errors. */
#include "io_spikes.h"
#include "parallel.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>

#define TSV_MAX_LINE (1 << 20)

typedef SpikePair TsvPair;

typedef struct {
  char     *line;
  size_t    linecap;
  PetscInt  nids, capids;
  PetscInt *ids;   /* sorted unique ids seen */
  double   *last;  /* [nids] last time seen per id (for counting out-of-order lines) */
  TsvPair  *pairs; /* spikes kept (in range) */
  size_t    npairs, cappairs;
  PetscInt *sel;
  PetscInt *pos;
  double   *ivs; /* "# interval start end" lines, ms */
  size_t    nivs, capivs;
  double   *ints;
  PetscInt *selids;
} TsvCtx;

static PetscErrorCode CtxFree(TsvCtx *c)
{
  PetscFunctionBeginUser;
  free(c->line);
  c->line = NULL;
  PetscCall(PetscFree(c->ids));
  PetscCall(PetscFree(c->last));
  PetscCall(PetscFree(c->pairs));
  PetscCall(PetscFree(c->sel));
  PetscCall(PetscFree(c->pos));
  PetscCall(PetscFree(c->ivs));
  PetscCall(PetscFree(c->ints));
  PetscCall(PetscFree(c->selids));
  PetscFunctionReturn(0);
}

static PetscErrorCode Grow(void **p, size_t elem, size_t *cap, size_t need)
{
  void  *q;
  size_t nc;

  PetscFunctionBeginUser;
  if (need <= *cap) PetscFunctionReturn(0);
  nc = *cap ? *cap : 64;
  while (nc < need) nc *= 2;
  PetscCall(PetscMalloc(nc * elem, &q));
  if (*cap) PetscCall(PetscMemcpy(q, *p, *cap * elem));
  PetscCall(PetscFree(*p));
  *p   = q;
  *cap = nc;
  PetscFunctionReturn(0);
}

/* Index of id in the sorted list, inserting it when new. */
static PetscErrorCode FindOrInsert(TsvCtx *c, PetscInt id, PetscInt *where)
{
  PetscInt lo = 0, hi = c->nids;

  PetscFunctionBeginUser;
  if (c->nids && c->ids[c->nids - 1] == id) {
    *where = c->nids - 1;
    PetscFunctionReturn(0);
  }
  while (lo < hi) {
    PetscInt mid = lo + (hi - lo) / 2;
    if (c->ids[mid] < id) lo = mid + 1;
    else hi = mid;
  }
  if (lo < c->nids && c->ids[lo] == id) {
    *where = lo;
    PetscFunctionReturn(0);
  }
  if (c->nids + 1 > c->capids) {
    size_t cap = (size_t)c->capids, cap2 = (size_t)c->capids;
    PetscCall(Grow((void **)&c->ids, sizeof(PetscInt), &cap, (size_t)c->nids + 1));
    PetscCall(Grow((void **)&c->last, sizeof(double), &cap2, (size_t)c->nids + 1));
    c->capids = (PetscInt)cap;
  }
  for (PetscInt k = c->nids; k > lo; k--) {
    c->ids[k]  = c->ids[k - 1];
    c->last[k] = c->last[k - 1];
  }
  c->ids[lo]  = id;
  c->last[lo] = -1;
  c->nids++;
  *where = lo;
  PetscFunctionReturn(0);
}

/* Copies a field for messages, shortened and made printable. */
static void Shown(const char *s, size_t n, char *out, size_t cap)
{
  size_t k = 0;
  for (size_t i = 0; i < n && k + 4 < cap; i++) out[k++] = (s[i] >= 32 && s[i] < 127) ? s[i] : '?';
  if (n > k && k + 4 < cap) {
    out[k++] = '.';
    out[k++] = '.';
    out[k++] = '.';
  }
  out[k] = '\0';
}

/* "# interval start end" (in -data_time_unit) declares an observation interval. */
static PetscErrorCode IntervalLine(const char *name, long lineno, const char *s, double scale, TsvCtx *c)
{
  PetscFunctionBeginUser;
  while (*s == ' ' || *s == '\t') s++;
  if (*s++ != '#') PetscFunctionReturn(0);
  while (*s == ' ' || *s == '\t') s++;
  if (strncmp(s, "interval", 8) || (s[8] != ' ' && s[8] != '\t')) PetscFunctionReturn(0);
  PetscCall(Grow((void **)&c->ivs, 2 * sizeof(double), &c->capivs, c->nivs + 1));
  PetscCall(SpikeIntervalParse(name, lineno, s + 9, scale, &c->ivs[2 * c->nivs], &c->ivs[2 * c->nivs + 1]));
  c->nivs++;
  PetscFunctionReturn(0);
}

/* getline with a bound: reads at most TSV_MAX_LINE + 1 bytes of a line (NUL bytes included,
 * so the caller can see them); -1 at the end of the stream. */
static ssize_t ReadLine(FILE *fp, TsvCtx *c)
{
  size_t n  = 0;
  int    ch = EOF;
  while (n <= TSV_MAX_LINE && (ch = getc_unlocked(fp)) != EOF) {
    if (n + 2 > c->linecap) {
      size_t cap = c->linecap ? 2 * c->linecap : 256;
      char  *p   = realloc(c->line, cap);
      if (!p) return -1;
      c->line    = p;
      c->linecap = cap;
    }
    c->line[n++] = (char)ch;
    if (ch == '\n') break;
  }
  if (n == 0) return -1;
  c->line[n] = '\0';
  return (ssize_t)n;
}

/* Splits a line on blanks and single commas: *nf fields, the first 3 in fields/flen. */
static PetscErrorCode SplitFields(const char *name, long lineno, char *s, char *fields[3], size_t flen[3], int *nf)
{
  char *p          = s;
  int   n          = 0;
  int   need_field = 0; /* a comma was seen: a field must follow */

  PetscFunctionBeginUser;
  while (1) {
    while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n' || *p == '\v' || *p == '\f') p++;
    if (*p == ',') {
      PetscCheck(n > 0 && !need_field, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
                 "%s: line %ld: empty field (two separators in a row or a leading comma)", name, lineno);
      need_field = 1;
      p++;
      continue;
    }
    if (!*p) break;
    if (n < 3) fields[n] = p;
    while (*p && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n' && *p != '\v' && *p != '\f' && *p != ',') p++;
    if (n < 3) flen[n] = (size_t)(p - fields[n]);
    n++;
    need_field = 0;
  }
  PetscCheck(!need_field, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: line %ld: empty field after a trailing comma", name, lineno);
  *nf = n;
  PetscFunctionReturn(0);
}

/* The unit id and the time (ms) of a spike line's two fields. */
static PetscErrorCode ParseSpike(const char *name, long lineno, char *const fields[3], const size_t flen[3],
                                 double scale, long long *u, double *t)
{
  char ubuf[32], tbuf[64], *end, shown[64];

  PetscFunctionBeginUser;
  Shown(fields[0], flen[0], shown, sizeof(shown));
  PetscCheck(flen[0] < sizeof(ubuf), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: line %ld: unit id \"%s\" is not an integer", name, lineno, shown);
  memcpy(ubuf, fields[0], flen[0]);
  ubuf[flen[0]] = '\0';
  errno         = 0;
  *u            = strtoll(ubuf, &end, 10);
  PetscCheck(*end == '\0' && errno == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: line %ld: unit id \"%s\" is not an integer", name, lineno, shown);
  PetscCheck(*u >= 0 && *u <= PETSC_MAX_INT, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: line %ld: unit id %s is out of range (0..%d)", name, lineno, shown, (int)PETSC_MAX_INT);
  Shown(fields[1], flen[1], shown, sizeof(shown));
  PetscCheck(flen[1] < sizeof(tbuf), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: line %ld: time \"%s\" is not a number", name, lineno, shown);
  memcpy(tbuf, fields[1], flen[1]);
  tbuf[flen[1]] = '\0';
  *t            = strtod(tbuf, &end);
  PetscCheck(*end == '\0' && end != tbuf, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: line %ld: time \"%s\" is not a number", name, lineno, shown);
  PetscCheck(isfinite(*t), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: line %ld: time %s is not finite", name,
             lineno, shown);
  PetscCheck(*t >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: line %ld: time %s is negative", name, lineno,
             shown);
  *t *= scale;
  PetscCheck(isfinite(*t), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: line %ld: time %s is too large", name,
             lineno, shown);
  PetscFunctionReturn(0);
}

/* The selected units' trains from the spikes kept and the observation intervals. */
static PetscErrorCode TsvTrains(const char *name, const DataOptions *opt, PetscBool info_only, double t_lo, double t_hi,
                                double tmax, TsvCtx *c, SpikeTrains **out)
{
  PetscInt nsel, nint;

  PetscFunctionBeginUser;
  PetscCall(DataUnitsSelect(name, opt->units, c->nids, c->ids, &nsel, &c->sel));
  PetscCall(PetscMalloc1(nsel > 0 ? nsel : 1, &c->selids));
  for (PetscInt k = 0; k < nsel; k++) c->selids[k] = c->ids[c->sel[k]];
  /* without intervals: [0, last spike of the file] rounded up to whole ms (end exclusive) */
  PetscCall(SpikeIntervalsFor(name, opt, (PetscInt)c->nivs, c->ivs, tmax, &nint, &c->ints));
  PetscCall(SpikePairsToTrains(name, c->npairs, c->pairs, nsel, c->selids, nint, c->ints, info_only, t_lo, t_hi, out));
  PetscFunctionReturn(0);
}

static PetscErrorCode ParseStream(const char *name, FILE *fp, const DataOptions *opt, PetscBool info_only, double t_lo,
                                  double t_hi, TsvCtx *c, SpikeTrains **out)
{
  double  scale, tmax = -1;
  long    lineno       = 0;
  size_t  nspikes_file = 0, unsorted = 0;
  ssize_t len;

  PetscFunctionBeginUser;
  if (!strcmp(opt->time_unit, "ms")) scale = 1.0;
  else if (!strcmp(opt->time_unit, "samples")) scale = 1000.0 / opt->sample_rate;
  else scale = 1000.0;
  while ((len = ReadLine(fp, c)) >= 0) {
    char  *s = c->line, *fields[3];
    size_t flen[3];
    int    nf = 0;
    lineno++;
    /* a stream that never ends (a device, a pipe) or a runaway line must not fill memory,
     * and a signal must stop a long read */
    PetscCheck(len <= TSV_MAX_LINE, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s: line %ld is longer than %d bytes: not a text spike file", name, lineno, TSV_MAX_LINE);
    PetscCheck(!(lineno % 4096 == 0 && ParallelSignalReceived()), PETSC_COMM_SELF, PARALLEL_ERR_SIGNAL,
               "%s: stopped by a signal while reading line %ld", name, lineno);
    if (lineno == 1 && len >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3)) { /* a UTF-8 byte order mark */
      s += 3;
      len -= 3;
    }
    PetscCheck(strlen(s) == (size_t)len, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s: line %ld holds a NUL byte: binary data, not a text spike file", name, lineno);
    PetscCall(IntervalLine(name, lineno, s, scale, c));
    for (char *h = s; *h; h++)
      if (*h == '#') {
        *h = '\0';
        break;
      }
    PetscCall(SplitFields(name, lineno, s, fields, flen, &nf));
    if (nf == 0) continue;
    PetscCheck(nf == 2, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s: line %ld has %d column%s, expected 2 (unit time)", name, lineno, nf, nf == 1 ? "" : "s");
    {
      long long u;
      double    t;
      PetscInt  where = 0;
      PetscCall(ParseSpike(name, lineno, fields, flen, scale, &u, &t));
      PetscCall(FindOrInsert(c, (PetscInt)u, &where));
      if (t < c->last[where]) unsorted++;
      else c->last[where] = t;
      tmax = PetscMax(tmax, t);
      nspikes_file++;
      if (!info_only && t >= t_lo && t < t_hi) {
        PetscCall(Grow((void **)&c->pairs, sizeof(TsvPair), &c->cappairs, c->npairs + 1));
        c->pairs[c->npairs].id = (PetscInt)u;
        c->pairs[c->npairs].t  = t;
        c->npairs++;
      }
    }
  }
  PetscCheck(nspikes_file > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: empty recording: no spikes in the text file (%ld lines)", name, lineno);
  if (unsorted)
    PetscCall(
        PetscInfo(NULL, "%s: %zu spike lines were out of time order within their unit; sorted\n", name, unsorted));
  PetscCall(TsvTrains(name, opt, info_only, t_lo, t_hi, tmax, c, out));
  PetscFunctionReturn(0);
}

static PetscErrorCode ParseWrapped(const char *name, FILE *fp, const DataOptions *opt, PetscBool info_only, double t_lo,
                                   double t_hi, SpikeTrains **out)
{
  TsvCtx         c;
  PetscErrorCode ierr, ierr2;

  PetscFunctionBeginUser;
  *out = NULL;
  PetscCall(PetscMemzero(&c, sizeof(c)));
  ierr  = ParseStream(name, fp, opt, info_only, t_lo, t_hi, &c, out);
  ierr2 = CtxFree(&c);
  if (ierr) PetscCall(SpikeTrainsDestroy(out));
  PetscCall(ierr);
  PetscCall(ierr2);
  PetscFunctionReturn(0);
}

PetscErrorCode TsvParseBuffer(const char *name, const char *buf, size_t len, const DataOptions *opt,
                              PetscBool info_only, double t_lo_ms, double t_hi_ms, SpikeTrains **out)
{
  FILE          *fp;
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  *out = NULL;
  PetscCheck(len > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: empty recording: the text file is empty", name);
  fp = fmemopen((void *)buf, len, "r");
  PetscCheck(fp, PETSC_COMM_SELF, PETSC_ERR_SYS, "%s: fmemopen failed", name);
  ierr = ParseWrapped(name, fp, opt, info_only, t_lo_ms, t_hi_ms, out);
  fclose(fp);
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

PetscErrorCode TsvRead(const char *path, const DataOptions *opt, PetscBool info_only, double t_lo_ms, double t_hi_ms,
                       SpikeTrains **out)
{
  FILE          *fp;
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  *out = NULL;
  PetscCall(DataOptionsValidate(opt));
  fp = fopen(path, "r");
  PetscCheck(fp, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s: cannot open the spike data file", path);
  ierr = ParseWrapped(path, fp, opt, info_only, t_lo_ms, t_hi_ms, out);
  fclose(fp);
  PetscCall(ierr);
  PetscFunctionReturn(0);
}
