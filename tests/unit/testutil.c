#include "testutil.h"
#include "model.h"
#include <math.h>

static PetscErrorCode QuietHandler(MPI_Comm comm, int line, const char *fun, const char *file, PetscErrorCode n,
                                   PetscErrorType p, const char *mess, void *ctx)
{
  (void)comm;
  (void)line;
  (void)fun;
  (void)file;
  (void)p;
  (void)mess;
  (void)ctx;
  return n;
}

PetscErrorCode TestQuietErrors(PetscBool quiet)
{
  if (quiet) return PetscPushErrorHandler(QuietHandler, NULL);
  return PetscPopErrorHandler();
}

double TestRelDiff(double a, double b, double floor_)
{
  double s = fmax(fmax(fabs(a), fabs(b)), floor_);
  return fabs(a - b) / s;
}

int TestRunGroup(int argc, char **argv, const char *name, const struct CMUnitTest *tests, size_t ntests)
{
  int rc;
  if (PetscInitialize(&argc, &argv, NULL, NULL)) return 1;
  rc = _cmocka_run_group_tests(name, tests, ntests, NULL, NULL);
  if (PetscFinalize()) return 1;
  return rc;
}

const struct NeuronModel *TestModel(const char *name)
{
  const NeuronModel *m = NULL;
  assert_int_equal(0, ModelFind(name, &m));
  return m;
}
