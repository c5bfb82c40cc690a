#include "app.h"
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* PETSc's own options that are consumed after our check (at PetscFinalize) or by PETSc
 * internals; they are not typos. */
static const char *const petsc_prefixes[] = {"log",
                                             "malloc",
                                             "info",
                                             "help",
                                             "options_",
                                             "no_signal_handler",
                                             "on_error",
                                             "start_in_debugger",
                                             "debugger",
                                             "memory_view",
                                             "checkstack",
                                             "use_gpu_aware_mpi",
                                             "fp_trap",
                                             "history",
                                             "viewer",
                                             "objects_dump",
                                             "skip_petscrc",
                                             "mpi",
                                             "display",
                                             "vecscatter",
                                             "sf_",
                                             "check_pointer_intensity",
                                             "petscspace",
                                             "nox",
                                             "x_virtual",
                                             "saws",
                                             "v",
                                             "version",
                                             "error_output_stdout",
                                             "stop_for_debugger",
                                             NULL};

static PetscBool IsPetscOption(const char *name)
{
  for (int k = 0; petsc_prefixes[k]; k++) {
    size_t len = strlen(petsc_prefixes[k]);
    if (!strncmp(name, petsc_prefixes[k], len) &&
        (petsc_prefixes[k][len - 1] == '_' || name[len] == 0 || name[len] == '_'))
      return PETSC_TRUE;
  }
  return PETSC_FALSE;
}

PetscErrorCode AppCheckUnusedOptions(MPI_Comm comm)
{
  PetscInt nleft;
  char   **names, **values;
  char     list[4096] = "";
  PetscInt bad        = 0;

  PetscFunctionBeginUser;
  PetscCall(PetscOptionsLeftGet(NULL, &nleft, &names, &values));
  for (PetscInt k = 0; k < nleft; k++) {
    if (IsPetscOption(names[k])) continue;
    if (bad++) PetscCall(PetscStrlcat(list, ", ", sizeof(list)));
    PetscCall(PetscStrlcat(list, "-", sizeof(list)));
    PetscCall(PetscStrlcat(list, names[k], sizeof(list)));
    if (values[k]) {
      PetscCall(PetscStrlcat(list, " ", sizeof(list)));
      PetscCall(PetscStrlcat(list, values[k], sizeof(list)));
    }
  }
  PetscCall(PetscOptionsLeftRestore(NULL, &nleft, &names, &values));
  PetscCheck(bad == 0, comm, PETSC_ERR_ARG_WRONG, "unknown option%s for this subcommand: %s (see -help)",
             bad > 1 ? "s" : "", list);
  PetscFunctionReturn(0);
}

PetscBool AppHelpRequested(void)
{
  PetscBool help = PETSC_FALSE;
  PetscOptionsHasHelp(NULL, &help);
  return help;
}

/* ------------------------------------------------------------------ files of a subcommand */

/* Where a name points: device and inode when the file exists, else the directory's resolved
 * path plus the base name (two spellings of a file yet to be written compare equal). */
typedef struct {
  int   exists;
  dev_t dev;
  ino_t ino;
  char  resolved[PATH_MAX + 256];
} FileId;

static void FileIdOf(const char *path, FileId *id)
{
  struct stat sb;
  char        dir[PATH_MAX], real[PATH_MAX];
  const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;

  memset(id, 0, sizeof(*id));
  if (stat(path, &sb) == 0) {
    id->exists = 1;
    id->dev    = sb.st_dev;
    id->ino    = sb.st_ino;
    return;
  }
  if (slash) snprintf(dir, sizeof(dir), "%.*s", slash > path ? (int)(slash - path) : 1, path);
  else snprintf(dir, sizeof(dir), ".");
  if (realpath(dir, real)) snprintf(id->resolved, sizeof(id->resolved), "%s/%s", real, base);
  else snprintf(id->resolved, sizeof(id->resolved), "%s", path);
}

static int FileIdSame(const FileId *a, const FileId *b)
{
  if (a->exists && b->exists) return a->dev == b->dev && a->ino == b->ino;
  if (a->exists || b->exists) return 0;
  return !strcmp(a->resolved, b->resolved);
}

/* The names an output writes: PATH, PATH.tmp while writing, PATH.prev for a checkpoint. */
static int OutputNames(const AppFile *f, char names[3][PETSC_MAX_PATH_LEN + 8])
{
  int n = 0;
  snprintf(names[n++], sizeof(names[0]), "%s", f->path);
  snprintf(names[n++], sizeof(names[0]), "%s.tmp", f->path);
  if (f->keeps_prev) snprintf(names[n++], sizeof(names[0]), "%s.prev", f->path);
  return n;
}

static PetscErrorCode CheckDirectoryWritable(MPI_Comm comm, const AppFile *f)
{
  char        dir[PATH_MAX];
  const char *slash = strrchr(f->path, '/');
  struct stat sb;

  PetscFunctionBeginUser;
  if (slash) snprintf(dir, sizeof(dir), "%.*s", slash > f->path ? (int)(slash - f->path) : 1, f->path);
  else snprintf(dir, sizeof(dir), ".");
  PetscCheck(stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode), comm, PETSC_ERR_FILE_OPEN,
             "%s %s: the directory %s does not exist", f->option, f->path, dir);
  PetscCheck(access(dir, W_OK) == 0, comm, PETSC_ERR_FILE_OPEN, "%s %s: the directory %s is not writable", f->option,
             f->path, dir);
  PetscFunctionReturn(0);
}

PetscErrorCode AppCheckFiles(MPI_Comm comm, const AppFile *files, PetscInt nfiles)
{
  PetscFunctionBeginUser;
  for (PetscInt i = 0; i < nfiles; i++) {
    struct stat sb;
    char        names[3][PETSC_MAX_PATH_LEN + 8];
    int         nn;
    if (!files[i].output || !files[i].path || !files[i].path[0]) continue;
    PetscCheck(!(stat(files[i].path, &sb) == 0 && S_ISDIR(sb.st_mode)), comm, PETSC_ERR_ARG_WRONG,
               "%s %s is a directory: give the name of a file to write", files[i].option, files[i].path);
    PetscCall(CheckDirectoryWritable(comm, &files[i]));
    nn = OutputNames(&files[i], names);
    for (PetscInt j = 0; j < nfiles; j++) {
      FileId other;
      if (j == i || !files[j].path || !files[j].path[0]) continue;
      FileIdOf(files[j].path, &other);
      for (int k = 0; k < nn; k++) {
        FileId mine;
        /* resuming from the checkpoint the run keeps writing is the normal case */
        if (k != 1 && files[i].may_equal && !strcmp(files[i].may_equal, files[j].option)) continue;
        if (files[j].output && j < i && k == 0) continue; /* reported for the pair (j, i) */
        FileIdOf(names[k], &mine);
        if (!k)
          PetscCheck(!FileIdSame(&mine, &other), comm, PETSC_ERR_ARG_INCOMP,
                     "%s %s and %s %s are the same file: refusing to overwrite %s", files[i].option, files[i].path,
                     files[j].option, files[j].path, files[j].output ? "one output with another" : "an input");
        else
          PetscCheck(!FileIdSame(&mine, &other), comm, PETSC_ERR_ARG_INCOMP,
                     "%s %s also writes %s, which is the file of %s %s: refusing to overwrite %s", files[i].option,
                     files[i].path, names[k], files[j].option, files[j].path,
                     files[j].output ? "one output with another" : "an input");
      }
    }
  }
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------ integer options */

/* PETSc 3.18 converts an integer option with strtol and then casts to int, so 4294967298
 * becomes 2. Every PetscOptionsInt of the program (and of the tests) goes through this check
 * first: the link wraps PetscOptionsInt_Private (CMakeLists.txt). */
PetscErrorCode __real_PetscOptionsInt_Private(PetscOptionItems *, const char[], const char[], const char[], PetscInt,
                                              PetscInt *, PetscBool *, PetscInt, PetscInt);
PetscErrorCode __wrap_PetscOptionsInt_Private(PetscOptionItems *items, const char opt[], const char text[],
                                              const char man[], PetscInt current, PetscInt *value, PetscBool *set,
                                              PetscInt lb, PetscInt ub);

PetscErrorCode __wrap_PetscOptionsInt_Private(PetscOptionItems *items, const char opt[], const char text[],
                                              const char man[], PetscInt current, PetscInt *value, PetscBool *set,
                                              PetscInt lb, PetscInt ub)
{
  char      raw[256];
  PetscBool has = PETSC_FALSE;

  PetscFunctionBeginUser;
  PetscCall(PetscOptionsGetString(items->options, items->prefix, opt, raw, sizeof(raw), &has));
  if (has) {
    const char *p      = raw + (raw[0] == '-' || raw[0] == '+');
    size_t      digits = strspn(p, "0123456789");
    if (digits > 0 && p[digits] == '\0') {
      char     *end;
      long long v;
      errno = 0;
      v     = strtoll(raw, &end, 10);
      PetscCheck(errno == 0 && v >= PETSC_MIN_INT && v <= PETSC_MAX_INT, items->comm, PETSC_ERR_ARG_OUTOFRANGE,
                 "%s %s is out of range: an integer option must lie in [%d, %d]", opt, raw, (int)PETSC_MIN_INT,
                 (int)PETSC_MAX_INT);
    }
  }
  PetscCall(__real_PetscOptionsInt_Private(items, opt, text, man, current, value, set, lb, ub));
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------ the command line */

static int IsNumber(const char *s)
{
  char *end;
  if (!s[0]) return 0;
  (void)strtod(s, &end);
  return *end == '\0';
}

static int IsKey(const char *s) { return s[0] == '-' && s[1] && !IsNumber(s); }

/* An -options_file PETSc would fail on with a raw error block: missing, not a regular file,
 * or binary. */
static int CheckOptionsFile(const char *path, char *err, size_t len)
{
  struct stat sb;
  FILE       *fp;
  char        buf[4096];
  size_t      got;

  if (stat(path, &sb) != 0) return snprintf(err, len, "-options_file %s: %s", path, strerror(errno)), 1;
  if (!S_ISREG(sb.st_mode)) return snprintf(err, len, "-options_file %s is not a regular file", path), 1;
  if (!(fp = fopen(path, "rb"))) return snprintf(err, len, "-options_file %s: %s", path, strerror(errno)), 1;
  got = fread(buf, 1, sizeof(buf), fp);
  fclose(fp);
  if (memchr(buf, '\0', got))
    return snprintf(err, len,
                    "-options_file %s is binary, not a text file of options (a NUL byte in its first %zu bytes)", path,
                    got),
           1;
  return 0;
}

int AppCheckArguments(int argc, char **argv, char *err, size_t len)
{
  for (int i = 1; i < argc; i++) {
    if (IsKey(argv[i])) {
      int has_value = i + 1 < argc && !IsKey(argv[i + 1]);
      if (!strcmp(argv[i], "-options_file")) {
        if (!has_value) return snprintf(err, len, "-options_file needs a file name"), 1;
        if (CheckOptionsFile(argv[i + 1], err, len)) return 1;
      }
      if (has_value) i++;
      continue;
    }
    return snprintf(
               err, len,
               "unexpected argument '%s': options are -name [value], and only analyze and glm take a file name (right after the subcommand)",
               argv[i]),
           1;
  }
  return 0;
}
