/* The NPY reader: a header checker and a block reader for one-column arrays (see io_npy.h).
 * The header is a Python dict literal, e.g. {'descr': '<u8', 'fortran_order': False,
 * 'shape': (1234,), } padded with blanks to a multiple of 64 bytes (16 in old files). */
#include "io_npy.h"
#include <string.h>
#include <math.h>
#include <sys/stat.h>

#define NPY_MAX_HEADER (1u << 20) /* numpy itself refuses headers over 10 kB by default */
#define NPY_BLOCK      8192

typedef struct {
  const char *s;
  size_t      pos, len;
  const char *name;
} DictCursor;

static void SkipBlanks(DictCursor *c)
{
  while (c->pos < c->len &&
         (c->s[c->pos] == ' ' || c->s[c->pos] == '\t' || c->s[c->pos] == '\n' || c->s[c->pos] == '\r'))
    c->pos++;
}

static PetscBool Accept(DictCursor *c, char ch)
{
  SkipBlanks(c);
  if (c->pos < c->len && c->s[c->pos] == ch) {
    c->pos++;
    return PETSC_TRUE;
  }
  return PETSC_FALSE;
}

/* A quoted string ('...' or "..."), no escapes (numpy writes none in these fields). */
static PetscErrorCode ParseString(DictCursor *c, char *out, size_t cap)
{
  char   q;
  size_t k = 0;

  PetscFunctionBeginUser;
  SkipBlanks(c);
  PetscCheck(c->pos < c->len && (c->s[c->pos] == '\'' || c->s[c->pos] == '"'), PETSC_COMM_SELF,
             PETSC_ERR_FILE_UNEXPECTED, "%s: bad NPY header: expected a quoted string at header character %zu", c->name,
             c->pos + 1);
  q = c->s[c->pos++];
  while (c->pos < c->len && c->s[c->pos] != q) {
    PetscCheck(k + 1 < cap, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s: bad NPY header: string at header character %zu is too long", c->name, c->pos + 1);
    out[k++] = c->s[c->pos++];
  }
  PetscCheck(c->pos < c->len, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: bad NPY header: unterminated string",
             c->name);
  c->pos++;
  out[k] = '\0';
  PetscFunctionReturn(0);
}

static PetscErrorCode ParseShape(DictCursor *c, NpyHeader *h, uint64_t dims[2])
{
  PetscFunctionBeginUser;
  PetscCheck(Accept(c, '('), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: bad NPY header: 'shape' must be a tuple like (n,)", c->name);
  h->ndim = 0;
  while (!Accept(c, ')')) {
    uint64_t  v   = 0;
    PetscBool any = PETSC_FALSE;
    SkipBlanks(c);
    while (c->pos < c->len && c->s[c->pos] >= '0' && c->s[c->pos] <= '9') {
      PetscCheck(v <= (UINT64_MAX - 9) / 10, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
                 "%s: bad NPY header: a 'shape' entry is too large", c->name);
      v   = v * 10 + (uint64_t)(c->s[c->pos++] - '0');
      any = PETSC_TRUE;
    }
    PetscCheck(any, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s: bad NPY header: 'shape' holds something that is not a non-negative integer at header character %zu",
               c->name, c->pos + 1);
    PetscCheck(h->ndim < 2, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s: 'shape' has more than 2 dimensions; expected (n,) or (n, 1)", c->name);
    dims[h->ndim++] = v;
    if (!Accept(c, ',')) {
      PetscCheck(Accept(c, ')'), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
                 "%s: bad NPY header: 'shape' tuple not closed", c->name);
      break;
    }
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode CheckDescr(const char *name, NpyHeader *h)
{
  const char *d = h->descr;

  PetscFunctionBeginUser;
  PetscCheck(strlen(d) == 3 && (d[0] == '<' || d[0] == '>' || d[0] == '|' || d[0] == '='), PETSC_COMM_SELF,
             PETSC_ERR_FILE_UNEXPECTED,
             "%s: dtype '%s' is not supported: expected one of <u8 <i8 <u4 <i4 <f8 (or big-endian >)", name, d);
  h->kind = d[1];
  h->size = d[2] - '0';
  PetscCheck((h->kind == 'u' || h->kind == 'i' || h->kind == 'f') && (h->size == 8 || (h->size == 4 && h->kind != 'f')),
             PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: dtype '%s' is not supported: expected uint64, int64, uint32, int32 or float64 (<u8 <i8 <u4 <i4 <f8)",
             name, d);
  PetscCheck(d[0] != '|', PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: dtype '%s' has no byte order", name, d);
  h->swap = (PetscBool)(d[0] == '>'); /* '=' is native: this reader runs on little-endian machines */
  PetscFunctionReturn(0);
}

PetscErrorCode NpyParseHeader(const char *name, const unsigned char *buf, size_t len, NpyHeader *h)
{
  size_t     hlen, pre;
  DictCursor c;
  uint64_t   dims[2]    = {0, 0};
  PetscBool  seen_descr = PETSC_FALSE, seen_fo = PETSC_FALSE, seen_shape = PETSC_FALSE;

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(h, sizeof(*h)));
  PetscCheck(len >= 10 && !memcmp(buf, "\x93NUMPY", 6), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: not an NPY file (no \\x93NUMPY magic)", name);
  PetscCheck(buf[6] >= 1 && buf[6] <= 3, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: NPY format version %d.%d is not supported (1, 2 or 3)", name, buf[6], buf[7]);
  if (buf[6] == 1) {
    hlen = (size_t)buf[8] | ((size_t)buf[9] << 8);
    pre  = 10;
  } else {
    PetscCheck(len >= 12, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: truncated NPY header", name);
    hlen = (size_t)buf[8] | ((size_t)buf[9] << 8) | ((size_t)buf[10] << 16) | ((size_t)buf[11] << 24);
    pre  = 12;
  }
  PetscCheck(hlen <= NPY_MAX_HEADER, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: NPY header claims %zu bytes: damaged file?", name, hlen);
  PetscCheck(pre + hlen <= len, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: truncated NPY header (%zu bytes claimed, %zu present)", name, hlen, len - pre);
  c.s    = (const char *)buf + pre;
  c.len  = hlen;
  c.pos  = 0;
  c.name = name;
  PetscCheck(Accept(&c, '{'), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: bad NPY header: expected a dict '{...}'",
             name);
  while (!Accept(&c, '}')) {
    char key[32];
    PetscCall(ParseString(&c, key, sizeof(key)));
    PetscCheck(Accept(&c, ':'), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s: bad NPY header: expected ':' after '%s'", name, key);
    if (!strcmp(key, "descr")) {
      PetscCall(ParseString(&c, h->descr, sizeof(h->descr)));
      seen_descr = PETSC_TRUE;
    } else if (!strcmp(key, "fortran_order")) {
      SkipBlanks(&c);
      if (c.pos + 4 <= c.len && !strncmp(c.s + c.pos, "True", 4)) {
        h->fortran = PETSC_TRUE;
        c.pos += 4;
      } else if (c.pos + 5 <= c.len && !strncmp(c.s + c.pos, "False", 5)) {
        h->fortran = PETSC_FALSE;
        c.pos += 5;
      } else
        SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: bad NPY header: 'fortran_order' must be True or False",
                name);
      seen_fo = PETSC_TRUE;
    } else if (!strcmp(key, "shape")) {
      PetscCall(ParseShape(&c, h, dims));
      seen_shape = PETSC_TRUE;
    } else
      SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
              "%s: bad NPY header: unknown key '%s' (expected descr, fortran_order, shape)", name, key);
    if (!Accept(&c, ',')) {
      PetscCheck(Accept(&c, '}'), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
                 "%s: bad NPY header: expected ',' or '}' at header character %zu", name, c.pos + 1);
      break;
    }
  }
  PetscCheck(seen_descr && seen_fo && seen_shape, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: bad NPY header: missing '%s'", name,
             !seen_descr ? "descr"
             : !seen_fo  ? "fortran_order"
                         : "shape");
  PetscCall(CheckDescr(name, h));
  PetscCheck(h->ndim >= 1 && (h->ndim == 1 || dims[1] == 1), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: shape %s is not one column: expected (n,) or (n, 1)", name,
             h->ndim == 0 ? "() (a scalar)" : "(n, m) with m != 1");
  h->n           = dims[0];
  h->data_offset = pre + hlen;
  PetscFunctionReturn(0);
}

PetscErrorCode NpyOpen(const char *path, NpyFile **out)
{
  NpyFile       *f;
  unsigned char  head[12], *buf;
  size_t         got, hlen, total;
  struct stat    sb;
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  *out = NULL;
  PetscCall(PetscNew(&f));
  PetscCall(PetscStrncpy(f->path, path, sizeof(f->path)));
  f->fp = fopen(path, "rb");
  if (!f->fp) {
    PetscCall(PetscFree(f));
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s: cannot open the NPY file", path);
  }
  got  = fread(head, 1, sizeof(head), f->fp);
  hlen = got >= 10 ? (head[6] == 1 ? 10 + ((size_t)head[8] | ((size_t)head[9] << 8))
                      : got >= 12  ? 12 + ((size_t)head[8] | ((size_t)head[9] << 8) | ((size_t)head[10] << 16) |
                                          ((size_t)head[11] << 24))
                                   : got)
                   : got;
  if (hlen > NPY_MAX_HEADER + 12) hlen = NPY_MAX_HEADER + 12; /* the parser names the damage */
  PetscCall(PetscMalloc1(hlen > got ? hlen : got, &buf));
  memcpy(buf, head, got);
  total = got;
  if (hlen > got) total += fread(buf + got, 1, hlen - got, f->fp);
  ierr = NpyParseHeader(path, buf, total, &f->h);
  PetscCall(PetscFree(buf));
  if (!ierr && (fstat(fileno(f->fp), &sb) || (uint64_t)sb.st_size < f->h.data_offset)) ierr = PETSC_ERR_FILE_READ;
  if (!ierr) {
    uint64_t have = ((uint64_t)sb.st_size - f->h.data_offset) / (uint64_t)f->h.size;
    uint64_t rest = ((uint64_t)sb.st_size - f->h.data_offset) % (uint64_t)f->h.size;
    if (have != f->h.n || rest) {
      unsigned long long want  = (unsigned long long)f->h.n,
                         bytes = (unsigned long long)((uint64_t)sb.st_size - f->h.data_offset);
      int size                 = f->h.size;
      fclose(f->fp);
      PetscCall(PetscFree(f));
      SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
              "%s: %s: the header says %llu elements of %d bytes but the file holds %llu bytes of data", path,
              have < want ? "truncated" : "trailing bytes after the data", want, size, bytes);
    }
  }
  if (ierr) {
    fclose(f->fp);
    PetscCall(PetscFree(f));
    PetscCheck(ierr != PETSC_ERR_FILE_READ, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s: truncated: the file ends inside the NPY header", path);
    PetscCall(ierr);
  }
  *out = f;
  PetscFunctionReturn(0);
}

PetscErrorCode NpyClose(NpyFile **f)
{
  PetscFunctionBeginUser;
  if (!f || !*f) PetscFunctionReturn(0);
  if ((*f)->fp) fclose((*f)->fp);
  PetscCall(PetscFree(*f));
  PetscFunctionReturn(0);
}

static void Swap(unsigned char *p, int size)
{
  for (int a = 0, b = size - 1; a < b; a++, b--) {
    unsigned char t = p[a];
    p[a]            = p[b];
    p[b]            = t;
  }
}

/* One element as double; *big when an integer does not fit exactly. */
static double Convert(const NpyHeader *h, unsigned char *p, PetscBool *big)
{
  const double lim = 9007199254740992.0; /* 2^53 */
  if (h->swap) Swap(p, h->size);
  *big = PETSC_FALSE;
  if (h->kind == 'f') {
    double v;
    memcpy(&v, p, 8);
    return v;
  }
  if (h->size == 4) {
    if (h->kind == 'u') {
      uint32_t v;
      memcpy(&v, p, 4);
      return (double)v;
    }
    int32_t v;
    memcpy(&v, p, 4);
    return (double)v;
  }
  if (h->kind == 'u') {
    uint64_t v;
    memcpy(&v, p, 8);
    *big = (PetscBool)((double)v >= lim);
    return (double)v;
  }
  int64_t v;
  memcpy(&v, p, 8);
  *big = (PetscBool)(fabs((double)v) >= lim);
  return (double)v;
}

PetscErrorCode NpyRead(NpyFile *f, uint64_t start, uint64_t count, double *out)
{
  unsigned char buf[NPY_BLOCK * 8];

  PetscFunctionBeginUser;
  PetscCheck(start <= f->h.n && count <= f->h.n - start, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "%s: read [%llu, %llu) past the %llu elements", f->path, (unsigned long long)start,
             (unsigned long long)(start + count), (unsigned long long)f->h.n);
  PetscCheck(fseeko(f->fp, (off_t)(f->h.data_offset + start * (uint64_t)f->h.size), SEEK_SET) == 0, PETSC_COMM_SELF,
             PETSC_ERR_FILE_READ, "%s: seek failed", f->path);
  for (uint64_t a = 0; a < count; a += NPY_BLOCK) {
    size_t m = (size_t)PetscMin((uint64_t)NPY_BLOCK, count - a);
    PetscCheck(fread(buf, (size_t)f->h.size, m, f->fp) == m, PETSC_COMM_SELF, PETSC_ERR_FILE_READ,
               "%s: truncated: reading elements [%llu, %llu) failed", f->path, (unsigned long long)(start + a),
               (unsigned long long)(start + a + m));
    for (size_t i = 0; i < m; i++) {
      PetscBool big;
      out[a + i] = Convert(&f->h, buf + i * (size_t)f->h.size, &big);
      PetscCheck(!big, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
                 "%s: element %llu = %.17g does not fit a double exactly (over 2^53)", f->path,
                 (unsigned long long)(start + a + i), out[a + i]);
    }
  }
  PetscFunctionReturn(0);
}
