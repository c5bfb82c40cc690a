/* A long forward run in chunks (SimWork.init: the last state of one chunk starts the next)
 * equals one run over the whole span, bit for bit, for the deterministic models; that is
 * what the held-out evaluation's continuous runs rely on. And init = NULL starts from rest. */
#include "testutil.h"
#include "sim.h"
#include "rng.h"
#include <math.h>
#include <string.h>

static void Check(const NeuronModel *m, PetscInt n, PetscInt T, PetscInt chunks)
{
  ModelConfig  cfg = {.theta = 30, .input_gain = 0.9, .dt = 1.0, .dale = PETSC_FALSE};
  ParamLayout *layout;
  SimSetup     one, part;
  SimWork     *wl, *wc;
  PetscInt     L = T * chunks, ns = m->nstate, spikes = 0;
  double      *theta, *carry, *z, *zc;

  assert_int_equal(0, ModelLayoutCreate(m, &cfg, n, NULL, &layout));
  assert_int_equal(0, SimSetupInit(&one, m, &cfg, layout, L));
  assert_int_equal(0, SimSetupInit(&part, m, &cfg, layout, T));
  one.use_ref = part.use_ref = PETSC_TRUE;
  theta                      = malloc(sizeof(double) * layout->total);
  ParamsDrawInitial(layout, 5, theta);
  theta[one.offRp] = 60.0;
  assert_int_equal(0, SimWorkCreate(&one, &wl));
  assert_int_equal(0, SimWorkCreate(&part, &wc));
  carry = malloc(sizeof(double) * ns * n);
  z     = malloc(sizeof(double) * L * n);
  zc    = malloc(sizeof(double) * T * n);
  SimDrawInput(3, 7, 0, n, L, theta[one.offRp], 1.0, wl->x);
  SimForward(&one, theta, wl);
  SimHardSpikes(&one, wl, z);
  assert_null(wc->init); /* SimWorkCreate: from rest */
  for (PetscInt c = 0; c < chunks; c++) {
    memcpy(wc->x, wl->x + c * T * n, sizeof(double) * T * n);
    SimForward(&part, theta, wc);
    SimHardSpikes(&part, wc, zc);
    for (PetscInt k = 0; k < T * n; k++) {
      assert_true(zc[k] == z[c * T * n + k]);
      spikes += zc[k] > 0.5;
    }
    for (PetscInt k = 0; k < ns * n; k++) assert_true(wc->state[T * ns * n + k] == wl->state[(c + 1) * T * ns * n + k]);
    memcpy(carry, wc->state + T * ns * n, sizeof(double) * ns * n);
    wc->init = carry;
  }
  assert_true(spikes > 0);
  /* without the carried state the second chunk differs (it restarts from rest) */
  if (chunks > 1) {
    PetscBool differ = PETSC_FALSE;
    wc->init         = NULL;
    memcpy(wc->x, wl->x + T * n, sizeof(double) * T * n);
    SimForward(&part, theta, wc);
    for (PetscInt k = 0; k < ns * n && !differ; k++)
      differ = (PetscBool)(wc->state[ns * n + k] != wl->state[(T + 1) * ns * n + k]);
    assert_true(differ);
  }
  SimWorkDestroy(&wl);
  SimWorkDestroy(&wc);
  ParamLayoutDestroy(&layout);
  free(theta);
  free(carry);
  free(z);
  free(zc);
}

/* Every model of the library's registry. */
static void test_chunks_every_model(void **state)
{
  (void)state;
  for (PetscInt k = 0; k < ModelRegistrySize; k++) {
    print_message("chunks: %s\n", ModelRegistry[k]->name);
    Check(ModelRegistry[k], 6, 40, 3);
  }
  Check(ModelRegistry[0], 7, 50, 4);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_chunks_every_model),
};
TEST_MAIN(tests)
