/* The window partition: over many shapes and rank counts, every window of every step is
 * computed by exactly one rank, chunks never cross a step or a batch, ranks share each step's
 * chunks evenly, what a rank computes it loads, and the evaluation windows are covered once. */
#include "testutil.h"
#include "partition.h"

static PartitionSpec Spec(PetscInt nw, PetscInt K, PetscInt B, PetscInt split, PetscInt neval, int size)
{
  PartitionSpec s = {.nwindows = nw,
                     .per_step = K,
                     .batch    = B,
                     .split    = split,
                     .shared   = K,
                     .neval    = neval,
                     .validate = PETSC_TRUE,
                     .heldout  = PETSC_FALSE,
                     .rank     = 0,
                     .size     = size,
                     .threads  = 2};
  return s;
}

/* Every property over the ranks of one shape. */
static void CheckShape(PartitionSpec s)
{
  WindowPartition *p[8];
  int              size = s.size;
  PetscInt         nw = s.nwindows, total = 0;

  for (int r = 0; r < size; r++) {
    s.rank = r;
    assert_int_equal(0, WindowPartitionCreate(&s, &p[r]));
  }
  for (PetscInt st = 0; st < p[0]->nsteps; st++) {
    PetscInt lo, hi, c0, c1, nmin = PETSC_MAX_INT, nmax = 0;
    WindowPartitionStep(p[0], st, &lo, &hi);
    assert_true(hi > lo);
    /* steps of K windows (the last may be shorter) */
    assert_int_equal(lo, st * p[0]->K);
    assert_int_equal(hi, PetscMin(lo + p[0]->K, nw));
    WindowPartitionChunks(p[0], lo, hi, &c0, &c1);
    assert_int_equal(c0, p[0]->step[st]);
    assert_int_equal(c1, p[0]->step[st + 1]);
    for (PetscInt c = c0; c < c1; c++) { /* inside the step and one batch */
      assert_true(p[0]->chunk[c] >= lo && p[0]->chunk[c + 1] <= hi && p[0]->chunk[c + 1] > p[0]->chunk[c]);
      assert_int_equal(p[0]->chunk[c] / s.batch, (p[0]->chunk[c + 1] - 1) / s.batch);
    }
    {
      PetscInt longest = 0;
      for (PetscInt c = c0; c < c1; c++) longest = PetscMax(longest, p[0]->chunk[c + 1] - p[0]->chunk[c]);
      /* every rank has the same chunks, in contiguous blocks of owners; they share each step's
       * windows evenly: each rank within one chunk of its share */
      for (PetscInt c = c0 + 1; c < c1; c++) assert_true(p[0]->owner[c] >= p[0]->owner[c - 1]);
      for (int r = 0; r < size; r++) {
        PetscInt mine = 0;
        for (PetscInt c = c0; c < c1; c++) {
          assert_int_equal(p[r]->chunk[c], p[0]->chunk[c]);
          assert_int_equal(p[r]->owner[c], p[0]->owner[c]);
          if (p[r]->owner[c] == r) mine += p[0]->chunk[c + 1] - p[0]->chunk[c];
        }
        assert_true(size * mine >= (hi - lo) - size * longest && size * mine <= (hi - lo) + size * longest);
        nmin = PetscMin(nmin, mine);
        nmax = PetscMax(nmax, mine);
      }
      assert_true(nmax - nmin <= 2 * longest);
    }
    for (PetscInt w = lo; w < hi; w++) { /* each window of the step exactly once */
      int n = 0;
      for (int r = 0; r < size; r++)
        if (WindowPartitionComputes(p[r], w)) {
          n++;
          assert_true(p[r]->load[w]); /* computes => loads */
        }
      assert_int_equal(n, 1);
    }
  }
  assert_int_equal(p[0]->chunk[p[0]->nchunks], nw);
  for (int r = 0; r < size; r++) {
    PetscInt nload = 0;
    total += p[r]->ncompute;
    for (PetscInt w = 0; w < nw; w++) {
      if (w < s.shared) assert_true(p[r]->load[w]);
      if (p[r]->load[w]) nload++;
    }
    assert_int_equal(nload, p[r]->nload);
    assert_true(p[r]->threads >= 1 && p[r]->threads <= s.threads);
  }
  assert_int_equal(total, nw);
  for (PetscInt e = 0; e < s.neval; e++) { /* evaluation windows: exactly once */
    int n = 0;
    for (int r = 0; r < size; r++) n += e >= p[r]->elo && e < p[r]->ehi;
    assert_int_equal(n, 1);
  }
  for (int r = 0; r < size; r++) assert_int_equal(0, WindowPartitionDestroy(&p[r]));
}

static void test_partition_shapes(void **state)
{
  const PetscInt Ks[] = {0, 1, 2, 3, 4, 5, 8, 16, 100}, Bs[] = {1, 2, 3, 4, 16};
  (void)state;
  for (PetscInt nw = 0; nw <= 37; nw += (nw < 12 ? 1 : 5))
    for (size_t k = 0; k < sizeof(Ks) / sizeof(Ks[0]); k++)
      for (size_t b = 0; b < sizeof(Bs) / sizeof(Bs[0]); b++)
        for (PetscInt split = 1; split <= 3; split++)
          for (int size = 1; size <= 5; size++) CheckShape(Spec(nw, Ks[k], Bs[b], split, (nw + size) % 7, size));
}

/* Without steps and without a split, the chunks are the batches (the decomposition whose bits
 * every earlier fit has) and each rank computes a contiguous block of them, balanced by
 * windows. */
static void test_partition_whole_batches(void **state)
{
  WindowPartition *p;
  PartitionSpec    s = Spec(37, 0, 4, 1, 0, 3);
  (void)state;
  s.rank = 1;
  assert_int_equal(0, WindowPartitionCreate(&s, &p));
  assert_int_equal(p->nsteps, 1);
  assert_int_equal(p->nchunks, 10);
  for (PetscInt c = 0; c < 10; c++) {
    assert_int_equal(p->chunk[c], 4 * c);
    assert_int_equal(p->owner[c], c < 3 ? 0 : c < 6 ? 1 : 2); /* 37 windows in 10 batches: 12, 12, 13 */
  }
  assert_int_equal(p->ncompute, 12);
  assert_int_equal(p->threads, 2);
  assert_int_equal(0, WindowPartitionDestroy(&p));
}

/* Steps of K = 8 windows in batches of 2: every rank of two computes 4 windows of every step
 * (before the partition, a whole step lay on one rank); a step inside one batch (K = 4,
 * B = 16) is one chunk unless split. */
static void test_partition_steps_spread(void **state)
{
  WindowPartition *p;
  PartitionSpec    s = Spec(40, 8, 2, 1, 0, 2);
  (void)state;
  for (int r = 0; r < 2; r++) {
    s.rank = r;
    assert_int_equal(0, WindowPartitionCreate(&s, &p));
    for (PetscInt st = 0; st < p->nsteps; st++) {
      PetscInt lo, hi, mine = 0;
      WindowPartitionStep(p, st, &lo, &hi);
      for (PetscInt w = lo; w < hi; w++) mine += WindowPartitionComputes(p, w);
      assert_int_equal(mine, 4);
    }
    assert_int_equal(WindowPartitionStepLoad(p), 4);
    assert_int_equal(0, WindowPartitionDestroy(&p));
  }
  s = Spec(40, 4, 16, 1, 0, 2);
  assert_int_equal(0, WindowPartitionCreate(&s, &p));
  assert_int_equal(p->nchunks, p->nsteps);
  assert_int_equal(p->threads, 1);
  assert_int_equal(WindowPartitionStepLoad(p), 4); /* the whole step on one rank */
  assert_int_equal(0, WindowPartitionDestroy(&p));
  s = Spec(40, 4, 16, 2, 0, 2);
  for (int r = 0; r < 2; r++) {
    s.rank = r;
    assert_int_equal(0, WindowPartitionCreate(&s, &p));
    assert_int_equal(p->nchunks, 2 * p->nsteps);
    assert_int_equal(p->ncompute, 20);
    assert_int_equal(WindowPartitionStepLoad(p), 2);
    assert_int_equal(0, WindowPartitionDestroy(&p));
  }
  /* the recipe's shape (Kirkby: K = 25, batches of 4): steps that begin and end inside a
   * batch have chunks of 1-4 windows; the ranks share them by windows, not by chunk count
   * (which gave one rank 4 chunks, 16 windows, against 3): 12 and 13 of the first step, 11 and
   * 14 of the second (3 4 4 | 4 4 4 2: the best contiguous split) */
  s = Spec(100, 25, 4, 1, 0, 2);
  for (int r = 0; r < 2; r++) {
    s.rank = r;
    assert_int_equal(0, WindowPartitionCreate(&s, &p));
    assert_int_equal(WindowPartitionStepLoad(p), 14);
    assert_int_equal(0, WindowPartitionDestroy(&p));
  }
}

static void test_partition_bad(void **state)
{
  WindowPartition *p = NULL;
  PartitionSpec    s = Spec(10, 2, 0, 1, 0, 1);
  (void)state;
  TestQuietErrors(PETSC_TRUE);
  assert_int_not_equal(0, WindowPartitionCreate(&s, &p));
  s      = Spec(10, 2, 2, 1, 0, 2);
  s.rank = 2;
  assert_int_not_equal(0, WindowPartitionCreate(&s, &p));
  TestQuietErrors(PETSC_FALSE);
  assert_null(p);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_partition_shapes),
    cmocka_unit_test(test_partition_whole_batches),
    cmocka_unit_test(test_partition_steps_spread),
    cmocka_unit_test(test_partition_bad),
};
TEST_MAIN(tests)
