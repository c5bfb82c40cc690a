/* The option table of `spikefit fit`: its canonical text must stay byte for byte what older
 * spikefits hashed into their checkpoints (texts below are from the binary before the table). */
#include "testutil.h"
#include "fit.h"
#include <string.h>

#define BASE_A                                                                                              \
  "model=lif n=%d theta=30 input_gain=0.90000000000000002 hard=0 dale=1 dt=1 loss=%s vr_tau=20 optim=adam " \
  "lr=0.050000000000000003 beta1=0.90000000000000002 beta2=0.999 eps=1e-08 windows=10 window_steps=400 "    \
  "windows_per_step=0 seed=0 input_seed=0 target=synthetic data=gt.h5 current=0 batch=16 precision=double " \
  "eval_windows=10 validate=1 data_units=all data_time_unit=s data_sample_rate=0 data_t0=0 data_t1=0 data_holdout=0"

/* Processes the options "-data gt.h5 -o run.h5 -fit_windows 10" plus kv, then clears them. */
static PetscErrorCode Process(const char *const *kv, FitOptions *o)
{
  const char    *base[] = {"-data", "gt.h5", "-o", "run.h5", "-fit_windows", "10", NULL};
  PetscErrorCode ierr;
  for (int i = 0; base[i]; i += 2) PetscOptionsSetValue(NULL, base[i], base[i + 1]);
  for (int i = 0; kv[i]; i += 2) PetscOptionsSetValue(NULL, kv[i], kv[i + 1]);
  ierr = FitOptionsProcess(PETSC_COMM_WORLD, o);
  for (int i = 0; base[i]; i += 2) PetscOptionsClearValue(NULL, base[i]);
  for (int i = 0; kv[i]; i += 2) PetscOptionsClearValue(NULL, kv[i]);
  return ierr;
}

static void Expect(const char *const *kv, PetscInt n, const char *want)
{
  static FitOptions o;
  char              got[8192];
  assert_int_equal(0, Process(kv, &o));
  assert_int_equal(0, FitOptionsCanonical(&o, n, got, sizeof(got)));
  assert_string_equal(want, got);
}

static void test_canonical_defaults(void **st)
{
  const char *kv[] = {NULL};
  char        want[4096];
  (void)st;
  snprintf(want, sizeof(want), BASE_A, 12, "frd");
  Expect(kv, 12, want);
}

static void test_canonical_weighted(void **st)
{
  const char *kv[] = {"-fit_recorded",
                      "3",
                      "-loss_weights",
                      "frd:0.5,bnll:1",
                      "-loss_teacher_forcing",
                      "1",
                      "-optim_scaled",
                      "1",
                      NULL};
  char        want[4096];
  (void)st;
  snprintf(want, sizeof(want),
           BASE_A " hidden=0 recorded=3 teacher_forcing=1 optim_scaled=1 weights=0.5,0,1,0,0 sm_bin_ms=20 sm_lags=0", 3,
           "weighted");
  Expect(kv, 3, want);
}

static void test_canonical_sm_hidden(void **st)
{
  const char *kv[] = {"-fit_hidden", "1", "-loss", "sm", "-loss_sm_lags", "2", "-loss_sm_hidden_rate", "5", NULL};
  char        want[4096];
  (void)st;
  snprintf(want, sizeof(want),
           BASE_A " hidden=1 recorded=0 sm_hidden_rate=5 sm_hidden_weight=1 weights=0,0,0,0,0 sm_bin_ms=20 sm_lags=2",
           12, "sm");
  Expect(kv, 12, want);
}

static void test_canonical_adaptive_and_flags(void **st)
{
  const char *kv[] = {"-loss", "adaptive", "-fit_iters", "7", "-fit_init_rates", "1", "-fit_calibrate_rates",
                      "2",     NULL};
  char        want[4096];
  (void)st;
  snprintf(want, sizeof(want), BASE_A " iters=7 init_rates=1 calibrate_rates=2", 5, "adaptive");
  Expect(kv, 5, want);
}

/* "given" flags and the -fit_windows default that the data decide. */
static void test_given_flags(void **st)
{
  static FitOptions o;
  const char       *kv[] = {"-fit_eval_windows", "4", "-fit_target", "recorded", NULL};
  (void)st;
  assert_int_equal(0, Process(kv, &o));
  assert_true(o.eval_windows_set && o.mode_set && !o.dale_set && o.windows_set);
  assert_int_equal(TARGET_RECORDED, o.mode);
  assert_int_equal(4, o.eval_windows);
  assert_int_equal(10, o.windows);
  PetscOptionsSetValue(NULL, "-data", "gt.h5");
  PetscOptionsSetValue(NULL, "-o", "run.h5");
  assert_int_equal(0, FitOptionsProcess(PETSC_COMM_WORLD, &o));
  PetscOptionsClearValue(NULL, "-data");
  PetscOptionsClearValue(NULL, "-o");
  assert_int_equal(-1, o.windows);
  assert_int_equal(400, o.window_steps);
  assert_true(o.mcfg.dale && !o.windows_set && !o.mode_set);
  assert_string_equal("run.h5.ckpt", o.ckpt_file);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_canonical_defaults),  cmocka_unit_test(test_canonical_weighted),
    cmocka_unit_test(test_canonical_sm_hidden), cmocka_unit_test(test_canonical_adaptive_and_flags),
    cmocka_unit_test(test_given_flags),
};
TEST_MAIN(tests)
