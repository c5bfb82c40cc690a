/* Window keys: each purpose has its own streams (training iterations never meet the fixed
 * purposes), constructors are pure, the stream numbers that existing files depend on stay
 * put, and applying or drawing with a key uses exactly its seed, window and streams. */
#include "testutil.h"
#include "window_source.h"
#include "rng.h"
#include <string.h>

static void KeysEqual(const WindowKey *a, const WindowKey *b)
{
  assert_int_equal(a->purpose, b->purpose);
  assert_int_equal(a->round, b->round);
  assert_int_equal(a->window, b->window);
  assert_true(a->seed == b->seed);
  assert_int_equal(a->input_stream, b->input_stream);
  assert_int_equal(a->noise_stream, b->noise_stream);
}

static void test_deterministic(void **state)
{
  WindowKey a[6] = {WindowKeyTrain(7, 3, 11), WindowKeyEval(7, 11),           WindowKeyHeldOut(7, 11),
                    WindowKeyGenerate(7, 11), WindowKeyCalibration(7, 1, 11), WindowKeyPoissonNull(7, 11)};
  WindowKey b[6] = {WindowKeyTrain(7, 3, 11), WindowKeyEval(7, 11),           WindowKeyHeldOut(7, 11),
                    WindowKeyGenerate(7, 11), WindowKeyCalibration(7, 1, 11), WindowKeyPoissonNull(7, 11)};
  (void)state;
  for (int k = 0; k < 6; k++) {
    KeysEqual(&a[k], &b[k]);
    assert_int_equal(a[k].window, 11);
    assert_true(a[k].seed == 7);
  }
  assert_int_equal(a[0].purpose, WINDOW_TRAIN);
  assert_int_equal(a[0].round, 3);
  assert_int_equal(a[4].purpose, WINDOW_CALIBRATION);
  assert_int_equal(a[4].round, 1);
}

/* The numbers results and ground-truth files were made with (bit-identical reruns). */
static void test_pinned_streams(void **state)
{
  WindowKey t = WindowKeyTrain(0, 5, 0), e = WindowKeyEval(0, 0), h = WindowKeyHeldOut(0, 0),
            g = WindowKeyGenerate(0, 0), c = WindowKeyCalibration(0, 2, 0), p = WindowKeyPoissonNull(0, 0);
  (void)state;
  assert_int_equal(t.input_stream, RngStreamId(RNG_STREAM_INPUT, 5));
  assert_int_equal(t.noise_stream, RngStreamId(RNG_STREAM_SPIKE, 5));
  assert_int_equal(e.input_stream, RngStreamId(RNG_STREAM_INPUT, 0xFFFFFFu));
  assert_int_equal(e.noise_stream, RngStreamId(RNG_STREAM_SPIKE, 0xFFFFFFu));
  assert_int_equal(h.input_stream, RngStreamId(RNG_STREAM_INPUT, 0xFFFFFEu));
  assert_int_equal(h.noise_stream, RngStreamId(RNG_STREAM_SPIKE, 0xFFFFFEu));
  assert_int_equal(g.input_stream, h.input_stream); /* shared (see window_source.c); seeds differ */
  assert_int_equal(g.noise_stream, h.noise_stream);
  assert_int_equal(c.input_stream, RngStreamId(RNG_STREAM_INPUT, 0xFFFFF0u));
  assert_int_equal(c.noise_stream, RngStreamId(RNG_STREAM_SPIKE, 0xFFFFF0u - 2));
  assert_int_equal(p.input_stream, RngStreamId(RNG_STREAM_ANALYSIS, 0x504E));
}

/* Training keys: a new pair of streams every iteration, the same within one; none of the
 * first 100000 iterations (and no calibration round below 16) meets a fixed purpose. */
static void test_training_distinct(void **state)
{
  WindowKey fixed[3] = {WindowKeyEval(0, 0), WindowKeyHeldOut(0, 0), WindowKeyCalibration(0, 0, 0)};
  (void)state;
  for (PetscInt it = 0; it < 100000; it++) {
    WindowKey k = WindowKeyTrain(0, it, 4), next = WindowKeyTrain(0, it + 1, 4), other = WindowKeyTrain(0, it, 5);
    assert_int_not_equal(k.input_stream, next.input_stream);
    assert_int_not_equal(k.noise_stream, next.noise_stream);
    assert_int_equal(k.input_stream, other.input_stream); /* windows are told apart by the counter */
    assert_int_not_equal(k.window, other.window);
    for (int f = 0; f < 3; f++) {
      assert_int_not_equal(k.input_stream, fixed[f].input_stream);
      assert_int_not_equal(k.noise_stream, fixed[f].noise_stream);
    }
    for (PetscInt r = 0; r < 16; r++) assert_int_not_equal(k.noise_stream, WindowKeyCalibration(0, r, 4).noise_stream);
  }
}

/* Different purposes draw from different streams (the held-out chunks and generate excepted,
 * by design); calibration rounds differ in their noise only. */
static void test_purposes_distinct(void **state)
{
  WindowKey k[5] = {WindowKeyTrain(0, 0, 0), WindowKeyEval(0, 0), WindowKeyHeldOut(0, 0), WindowKeyCalibration(0, 0, 0),
                    WindowKeyPoissonNull(0, 0)};
  (void)state;
  for (int a = 0; a < 5; a++)
    for (int b = a + 1; b < 5; b++) {
      assert_int_not_equal(k[a].purpose, k[b].purpose);
      assert_int_not_equal(k[a].input_stream, k[b].input_stream);
      assert_int_not_equal(k[a].noise_stream, k[b].noise_stream);
    }
  assert_int_not_equal(WindowKeyGenerate(0, 0).purpose, WindowKeyHeldOut(0, 0).purpose);
  for (PetscInt r = 1; r < 16; r++) {
    WindowKey c = WindowKeyCalibration(0, r, 0), c0 = WindowKeyCalibration(0, r - 1, 0);
    assert_int_equal(c.input_stream, c0.input_stream);
    assert_int_not_equal(c.noise_stream, c0.noise_stream);
  }
}

static void test_apply_and_at(void **state)
{
  WindowKey k = WindowKeyCalibration(42, 1, 9), m = WindowKeyAt(&k, 13);
  SimWork   w = {0};
  SimBatch  b = {0};
  (void)state;
  assert_int_equal(m.window, 13);
  m.window = 9;
  KeysEqual(&k, &m);
  WindowKeyApply(&k, &w);
  assert_int_equal(w.window, 9);
  assert_true(w.noise_seed == 42);
  assert_int_equal(w.noise_stream, k.noise_stream);
  WindowKeyApplyBatch(&k, &b);
  assert_true(b.noise_seed == 42);
  assert_int_equal(b.noise_stream, k.noise_stream);
}

/* The draws are the key's: SimDrawInput with its fields, the uniforms' halves give the same
 * bits, and another purpose, iteration or seed gives another input. */
static void test_draws(void **state)
{
  enum { N = 5, T = 200 };
  double    x[N * T], y[N * T], u[N * T], z[N * T];
  WindowKey k = WindowKeyTrain(3, 2, 6);
  (void)state;
  WindowKeyDrawInput(&k, N, T, 200.0, 1.0, x);
  SimDrawInput(3, k.input_stream, 6, N, T, 200.0, 1.0, y);
  assert_memory_equal(x, y, sizeof(x));
  WindowKeyDrawUniforms(&k, N, T, u);
  SimInputFromUniforms(u, N, N, T, 200.0, 1.0, z);
  assert_memory_equal(x, z, sizeof(x));
  {
    WindowKey others[4] = {WindowKeyEval(3, 6), WindowKeyTrain(3, 3, 6), WindowKeyTrain(4, 2, 6), WindowKeyAt(&k, 7)};
    for (int o = 0; o < 4; o++) {
      WindowKeyDrawInput(&others[o], N, T, 200.0, 1.0, y);
      assert_true(memcmp(x, y, sizeof(x)) != 0);
    }
  }
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_deterministic),     cmocka_unit_test(test_pinned_streams),
    cmocka_unit_test(test_training_distinct), cmocka_unit_test(test_purposes_distinct),
    cmocka_unit_test(test_apply_and_at),      cmocka_unit_test(test_draws),
};
TEST_MAIN(tests)
