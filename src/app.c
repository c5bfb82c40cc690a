#include "app.h"
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* PETSc's own options that are consumed after our check (at PetscFinalize) or by PETSc
 * internals; they are not typos. */
static const char *const petsc_prefixes[] = {"log", "malloc", "info", "help", "options_", "no_signal_handler", "on_error", "start_in_debugger", "debugger", "memory_view", "checkstack",
                                             "use_gpu_aware_mpi", "fp_trap", "history", "viewer", "objects_dump", "skip_petscrc", "mpi", "display", "vecscatter", "sf_", "check_pointer_intensity",
                                             "petscspace", "nox", "x_virtual", "saws", "v", "version", "error_output_stdout", "stop_for_debugger", NULL};

static PetscBool IsPetscOption(const char *name)
{
  for (int k = 0; petsc_prefixes[k]; k++) {
    size_t len = strlen(petsc_prefixes[k]);
    if (!strncmp(name, petsc_prefixes[k], len) && (petsc_prefixes[k][len - 1] == '_' || name[len] == 0 || name[len] == '_')) return PETSC_TRUE;
  }
  return PETSC_FALSE;
}

PetscErrorCode AppCheckUnusedOptions(MPI_Comm comm)
{
  PetscInt nleft;
  char   **names, **values;
  char     list[4096] = "";
  PetscInt bad = 0;

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
  PetscCheck(bad == 0, comm, PETSC_ERR_ARG_WRONG, "unknown option%s for this subcommand: %s (see -help)", bad > 1 ? "s" : "", list);
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
  PetscCheck(stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode), comm, PETSC_ERR_FILE_OPEN, "%s %s: the directory %s does not exist", f->option, f->path, dir);
  PetscCheck(access(dir, W_OK) == 0, comm, PETSC_ERR_FILE_OPEN, "%s %s: the directory %s is not writable", f->option, f->path, dir);
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
    PetscCheck(!(stat(files[i].path, &sb) == 0 && S_ISDIR(sb.st_mode)), comm, PETSC_ERR_ARG_WRONG, "%s %s is a directory: give the name of a file to write", files[i].option, files[i].path);
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
        if (!k) PetscCheck(!FileIdSame(&mine, &other), comm, PETSC_ERR_ARG_INCOMP, "%s %s and %s %s are the same file: refusing to overwrite %s", files[i].option, files[i].path, files[j].option, files[j].path, files[j].output ? "one output with another" : "an input");
        else PetscCheck(!FileIdSame(&mine, &other), comm, PETSC_ERR_ARG_INCOMP, "%s %s also writes %s, which is the file of %s %s: refusing to overwrite %s", files[i].option, files[i].path, names[k], files[j].option, files[j].path, files[j].output ? "one output with another" : "an input");
      }
    }
  }
  PetscFunctionReturn(0);
}
