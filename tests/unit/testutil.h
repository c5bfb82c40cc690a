#ifndef SPIKEFIT_TESTUTIL_H
#define SPIKEFIT_TESTUTIL_H
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <petscsys.h>

/* Initialises PETSc (and MPI) once for a CMocka test program, runs the group, finalises.
 * PETSc errors inside tests return codes; assert_int_equal(0, ...) checks them. */
int TestRunGroup(int argc, char **argv, const char *name, const struct CMUnitTest *tests, size_t ntests);
#define TEST_MAIN(tests)                                                                \
  int main(int argc, char **argv)                                                       \
  {                                                                                     \
    return TestRunGroup(argc, argv, __FILE__, tests, sizeof(tests) / sizeof(tests[0])); \
  }

/* Expect a PETSc call to fail (error code != 0) without printing PETSc's error trace. */
PetscErrorCode TestQuietErrors(PetscBool quiet);

/* A model of the library's registry by name (fails the test when it is not registered). */
struct NeuronModel;
const struct NeuronModel *TestModel(const char *name);

/* Relative difference with a floor: |a-b| / max(|a|, |b|, floor). */
double TestRelDiff(double a, double b, double floor_);
#endif
