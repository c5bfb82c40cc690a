/* Kilosort/phy output folders: spike_times.npy (samples), spike_clusters.npy (else
 * spike_templates.npy), params.py's sample_rate, and the cluster labels of cluster_group.tsv,
 * cluster_KSLabel.tsv or cluster_info.tsv. The units are the clusters whose label is in
 * -data_labels (default good,mua); a cluster without a label row is "unsorted" (phy's name). */
#include "io_spikes.h"
#include "io_npy.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define PHY_BLOCK 65536

typedef struct {
  PetscInt  n, cap;
  PetscInt *ids; /* sorted cluster ids that own spikes, their labels and whether a row named them */
  char (*label)[32];
  PetscBool *has_row;
} PhyClusters;

static PetscErrorCode PhyPath(const char *dir, const char *file, char *out, size_t len, PetscBool *exists)
{
  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(out, len, "%s/%s", dir, file));
  *exists = (PetscBool)(access(out, R_OK) == 0);
  PetscFunctionReturn(0);
}

/* sample_rate from params.py ("sample_rate = 30000.0"); -data_sample_rate overrides it. */
static PetscErrorCode PhySampleRate(const char *dir, const DataOptions *opt, double *rate)
{
  char      path[PETSC_MAX_PATH_LEN], *line = NULL;
  size_t    cap = 0;
  PetscBool exists, found = PETSC_FALSE;
  FILE     *fp;
  long      lineno = 0, at = 0;

  PetscFunctionBeginUser;
  PetscCall(PhyPath(dir, "params.py", path, sizeof(path), &exists));
  if (opt->sample_rate > 0) {
    *rate = opt->sample_rate;
    PetscFunctionReturn(0);
  }
  PetscCheck(exists, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN,
             "%s: no params.py to give the sample rate: add it or pass -data_sample_rate HZ", dir);
  fp = fopen(path, "r");
  PetscCheck(fp, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s: cannot open", path);
  while (getline(&line, &cap, fp) >= 0) {
    char *s = line, *end;
    lineno++;
    while (*s == ' ' || *s == '\t') s++;
    if (strncmp(s, "sample_rate", 11)) continue;
    s += 11;
    while (*s == ' ' || *s == '\t') s++;
    if (*s != '=') continue;
    s++;
    *rate = strtod(s, &end);
    while (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n') end++;
    found = (PetscBool)(end != s && (*end == '\0' || *end == '#'));
    at    = lineno;
    break;
  }
  free(line);
  fclose(fp);
  PetscCheck(at, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: no \"sample_rate = ...\" line: add it or pass -data_sample_rate HZ", path);
  PetscCheck(found && isfinite(*rate) && *rate > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: line %ld: sample_rate must be a positive number (Hz)", path, at);
  PetscFunctionReturn(0);
}

static PetscErrorCode ClustersAdd(PhyClusters *c, PetscInt id)
{
  PetscInt lo = 0, hi = c->n;

  PetscFunctionBeginUser;
  if (c->n && c->ids[c->n - 1] == id) PetscFunctionReturn(0);
  while (lo < hi) {
    PetscInt mid = lo + (hi - lo) / 2;
    if (c->ids[mid] < id) lo = mid + 1;
    else hi = mid;
  }
  if (lo < c->n && c->ids[lo] == id) PetscFunctionReturn(0);
  if (c->n == c->cap) {
    PetscInt *more;
    c->cap = c->cap ? 2 * c->cap : 256;
    PetscCall(PetscMalloc1(c->cap, &more));
    PetscCall(PetscArraycpy(more, c->ids, c->n));
    PetscCall(PetscFree(c->ids));
    c->ids = more;
  }
  for (PetscInt k = c->n; k > lo; k--) c->ids[k] = c->ids[k - 1];
  c->ids[lo] = id;
  c->n++;
  PetscFunctionReturn(0);
}

/* Column index of name in a tab-separated header line, -1 when absent. */
static int ColumnOf(char *header, const char *name)
{
  int   col  = 0;
  char *save = NULL;
  for (char *tok = strtok_r(header, "\t\r\n", &save); tok; tok = strtok_r(NULL, "\t\r\n", &save), col++)
    if (!strcmp(tok, name)) return col;
  return -1;
}

/* The field number col of a tab-separated line (fields may be empty), copied into out. */
static PetscBool FieldOf(const char *line, int col, char *out, size_t cap)
{
  const char *p = line;
  size_t      k = 0;
  for (int c = 0; c < col; c++) {
    p = strchr(p, '\t');
    if (!p) return PETSC_FALSE;
    p++;
  }
  while (*p && *p != '\t' && *p != '\r' && *p != '\n' && k + 1 < cap) out[k++] = *p++;
  out[k] = '\0';
  return PETSC_TRUE;
}

/* Is label in the -data_labels list (default good,mua; "all" takes every cluster)? */
static PetscBool LabelWanted(const DataOptions *opt, const char *label)
{
  const char *list = opt->labels[0] ? opt->labels : "good,mua";
  size_t      n    = strlen(label);
  for (const char *p = list; *p;) {
    const char *q = strchr(p, ',');
    size_t      m = q ? (size_t)(q - p) : strlen(p);
    if ((m == n && !strncasecmp(p, label, n)) || (m == 3 && !strncasecmp(p, "all", 3))) return PETSC_TRUE;
    p += m;
    if (*p == ',') p++;
  }
  return PETSC_FALSE;
}

/* One row of a label file: the cluster's id and label (empty: "unsorted"). */
static PetscErrorCode PhyLabelLine(const char *path, long lineno, const char *line, int cid, int clab, PetscInt *id,
                                   char *lab, size_t cap)
{
  char      idtxt[32], *end;
  long long v;

  PetscFunctionBeginUser;
  PetscCheck(FieldOf(line, cid, idtxt, sizeof(idtxt)) && FieldOf(line, clab, lab, cap), PETSC_COMM_SELF,
             PETSC_ERR_FILE_UNEXPECTED, "%s: line %ld has fewer columns than the header", path, lineno);
  v = strtoll(idtxt, &end, 10);
  PetscCheck(end != idtxt && *end == '\0' && v >= 0 && v <= PETSC_MAX_INT, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: line %ld: cluster_id \"%s\" is not a non-negative integer", path, lineno, idtxt);
  if (!lab[0]) PetscCall(PetscStrncpy(lab, "unsorted", cap));
  *id = (PetscInt)v;
  PetscFunctionReturn(0);
}

/* Reads the first label file present into c->label; a row naming a cluster without spikes is an
 * error when its label is wanted (the unit could not be fitted), a note otherwise. */
static PetscErrorCode PhyLabels(const char *dir, const DataOptions *opt, PhyClusters *c, PetscBool *have_file)
{
  static const char *files[] = {"cluster_group.tsv", "cluster_KSLabel.tsv", "cluster_info.tsv"};
  char               path[PETSC_MAX_PATH_LEN], *line = NULL, *hdr = NULL;
  size_t             cap    = 0;
  PetscBool          exists = PETSC_FALSE;
  FILE              *fp;
  int                f, cid, clab;
  long               lineno    = 1;
  PetscErrorCode     ierr      = 0;
  PetscBool          spikeless = PETSC_FALSE, twice = PETSC_FALSE;

  PetscFunctionBeginUser;
  for (f = 0; f < 3 && !exists; f++) PetscCall(PhyPath(dir, files[f], path, sizeof(path), &exists));
  *have_file = exists;
  if (!exists) PetscFunctionReturn(0);
  fp = fopen(path, "r");
  PetscCheck(fp, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s: cannot open", path);
  if (getline(&line, &cap, fp) < 0) {
    fclose(fp);
    free(line);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: empty label file (no header line)", path);
  }
  hdr = strdup(line);
  cid = ColumnOf(hdr, "cluster_id");
  if (cid < 0) {
    strcpy(hdr, line);
    cid = ColumnOf(hdr, "id");
  }
  strcpy(hdr, line);
  clab = ColumnOf(hdr, "group");
  if (clab < 0) {
    strcpy(hdr, line);
    clab = ColumnOf(hdr, "KSLabel");
  }
  free(hdr);
  if (cid < 0 || clab < 0) {
    fclose(fp);
    free(line);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
            "%s: the header needs the columns cluster_id and group (or KSLabel)", path);
  }
  while (!ierr && !spikeless && !twice && getline(&line, &cap, fp) >= 0) {
    PetscInt id = -1, loc;
    char     lab[32];
    lineno++;
    if (line[strspn(line, " \t\r\n")] == '\0') continue;
    ierr = PhyLabelLine(path, lineno, line, cid, clab, &id, lab, sizeof(lab));
    if (ierr) break;
    ierr = PetscFindInt(id, c->n, c->ids, &loc);
    if (ierr) break;
    if (loc < 0) {
      if (LabelWanted(opt, lab)) {
        spikeless = PETSC_TRUE;
        break;
      }
      ierr = PetscInfo(NULL, "%s: line %ld: cluster %" PetscInt_FMT " (%s) owns no spike; ignored\n", path, lineno, id,
                       lab);
      continue;
    }
    if (c->has_row[loc]) {
      twice = PETSC_TRUE;
      break;
    }
    c->has_row[loc] = PETSC_TRUE;
    ierr            = PetscStrncpy(c->label[loc], lab, sizeof(c->label[loc]));
  }
  free(line);
  fclose(fp);
  PetscCall(ierr);
  PetscCheck(
      !spikeless, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
      "%s: line %ld names a cluster of a selected label that owns no spike in spike_clusters: the label file does not belong to these spikes",
      path, lineno);
  PetscCheck(!twice, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: line %ld: a second label row for the same cluster", path, lineno);
  PetscFunctionReturn(0);
}

typedef struct {
  NpyFile    *times, *clus;
  double     *bt, *bc;
  PhyClusters c;
  SpikePair  *pairs;
  size_t      npairs, cap;
  PetscInt   *chosen, *sel;
  double     *ints;
} PhyCtx;

static PetscErrorCode PhyCtxFree(PhyCtx *x)
{
  PetscFunctionBeginUser;
  PetscCall(NpyClose(&x->times));
  PetscCall(NpyClose(&x->clus));
  PetscCall(PetscFree2(x->bt, x->bc));
  PetscCall(PetscFree(x->c.ids));
  PetscCall(PetscFree(x->c.label));
  PetscCall(PetscFree(x->c.has_row));
  PetscCall(PetscFree(x->pairs));
  PetscCall(PetscFree(x->chosen));
  PetscCall(PetscFree(x->sel));
  PetscCall(PetscFree(x->ints));
  PetscFunctionReturn(0);
}

/* One pass over both arrays in blocks: checks every spike, collects the cluster ids and the
 * latest time, keeps the spikes in [t_lo, t_hi) (all clusters; selected later). */
static PetscErrorCode PhyStream(const char *dir, const char *cname, double rate, PetscBool info_only, double t_lo,
                                double t_hi, PhyCtx *x, double *tmax)
{
  uint64_t n = x->times->h.n;

  PetscFunctionBeginUser;
  *tmax = -1;
  for (uint64_t a = 0; a < n; a += PHY_BLOCK) {
    uint64_t m = PetscMin((uint64_t)PHY_BLOCK, n - a);
    PetscCall(NpyRead(x->times, a, m, x->bt));
    PetscCall(NpyRead(x->clus, a, m, x->bc));
    for (uint64_t i = 0; i < m; i++) {
      double s = x->bt[i], k = x->bc[i], t;
      PetscCheck(isfinite(s) && s >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
                 "%s/spike_times.npy: element %llu = %g is %s", dir, (unsigned long long)(a + i), s,
                 isfinite(s) ? "negative" : "not finite");
      PetscCheck(k >= 0 && k <= PETSC_MAX_INT && k == floor(k), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
                 "%s/%s: element %llu = %g is not a cluster id (non-negative integer)", dir, cname,
                 (unsigned long long)(a + i), k);
      t = s * 1000.0 / rate;
      PetscCall(ClustersAdd(&x->c, (PetscInt)k));
      *tmax = PetscMax(*tmax, t);
      if (info_only || t < t_lo || t >= t_hi) continue;
      if (x->npairs == x->cap) {
        SpikePair *more;
        x->cap = x->cap ? 2 * x->cap : 4096;
        PetscCall(PetscMalloc1(x->cap, &more));
        if (x->npairs) PetscCall(PetscArraycpy(more, x->pairs, x->npairs));
        PetscCall(PetscFree(x->pairs));
        x->pairs = more;
      }
      x->pairs[x->npairs].id  = (PetscInt)k;
      x->pairs[x->npairs++].t = t;
    }
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode PhyInner(const char *dir, const DataOptions *opt, PetscBool info_only, double t_lo, double t_hi,
                               PhyCtx *x, SpikeTrains **out)
{
  char        path[PETSC_MAX_PATH_LEN];
  const char *cname = "spike_clusters.npy";
  PetscBool   exists, labelled = PETSC_FALSE;
  double      rate    = 0, tmax;
  PetscInt    nchosen = 0, nsel, nint;

  PetscFunctionBeginUser;
  PetscCall(PhySampleRate(dir, opt, &rate));
  PetscCall(PhyPath(dir, "spike_times.npy", path, sizeof(path), &exists));
  PetscCheck(exists, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s: not a Kilosort/phy folder: spike_times.npy is missing",
             dir);
  PetscCall(NpyOpen(path, &x->times));
  PetscCall(PhyPath(dir, cname, path, sizeof(path), &exists));
  if (!exists) {
    cname = "spike_templates.npy";
    PetscCall(PhyPath(dir, cname, path, sizeof(path), &exists));
  }
  PetscCheck(exists, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN,
             "%s: neither spike_clusters.npy nor spike_templates.npy is present", dir);
  PetscCall(NpyOpen(path, &x->clus));
  PetscCheck(x->times->h.n == x->clus->h.n, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: spike_times.npy has %llu spikes but %s has %llu", dir, (unsigned long long)x->times->h.n, cname,
             (unsigned long long)x->clus->h.n);
  PetscCheck(x->times->h.n > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: empty recording: spike_times.npy holds no spikes", dir);
  PetscCall(PetscMalloc2(PHY_BLOCK, &x->bt, PHY_BLOCK, &x->bc));
  PetscCall(PhyStream(dir, cname, rate, info_only, t_lo, t_hi, x, &tmax));
  PetscCall(PetscCalloc1(x->c.n, &x->c.label));
  PetscCall(PetscCalloc1(x->c.n, &x->c.has_row));
  for (PetscInt k = 0; k < x->c.n; k++) PetscCall(PetscStrncpy(x->c.label[k], "unsorted", sizeof(x->c.label[k])));
  PetscCall(PhyLabels(dir, opt, &x->c, &labelled));
  PetscCheck(labelled || !opt->labels[0], PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "%s: -data_labels %s needs a label file (cluster_group.tsv, cluster_KSLabel.tsv or cluster_info.tsv)", dir,
             opt->labels);
  PetscCall(PetscMalloc1(x->c.n, &x->chosen));
  for (PetscInt k = 0; k < x->c.n; k++)
    if (!labelled || LabelWanted(opt, x->c.label[k])) x->chosen[nchosen++] = x->c.ids[k];
  if (!labelled) PetscCall(PetscInfo(NULL, "%s: no label file: every cluster is a unit\n", dir));
  PetscCheck(nchosen > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "%s: no cluster is labelled %s (of %" PetscInt_FMT " clusters); choose with -data_labels", dir,
             opt->labels[0] ? opt->labels : "good or mua", x->c.n);
  PetscCall(DataUnitsSelect(dir, opt->units, nchosen, x->chosen, &nsel, &x->sel));
  for (PetscInt s = 0; s < nsel; s++) x->sel[s] = x->chosen[x->sel[s]];
  PetscCall(SpikeIntervalsFor(dir, opt, 0, NULL, tmax, &nint, &x->ints));
  PetscCall(SpikePairsToTrains(dir, x->npairs, x->pairs, nsel, x->sel, nint, x->ints, info_only, t_lo, t_hi, out));
  PetscFunctionReturn(0);
}

PetscErrorCode PhyRead(const char *dir, const DataOptions *opt, PetscBool info_only, double t_lo_ms, double t_hi_ms,
                       SpikeTrains **out)
{
  PhyCtx         x;
  PetscErrorCode ierr, ierr2;

  PetscFunctionBeginUser;
  *out = NULL;
  PetscCall(PetscMemzero(&x, sizeof(x)));
  ierr  = PhyInner(dir, opt, info_only, t_lo_ms, t_hi_ms, &x, out);
  ierr2 = PhyCtxFree(&x);
  if (ierr) PetscCall(SpikeTrainsDestroy(out));
  PetscCall(ierr);
  PetscCall(ierr2);
  PetscFunctionReturn(0);
}
