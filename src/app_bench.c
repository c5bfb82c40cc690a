/* `spikefit bench`: times the simulator's forward pass, backward pass and loss for one batch
 * of B windows of an N-neuron network (random parameters from the initial ranges, Poisson
 * input), and reports ms per window-iteration and GFLOP/s of the recurrent products.
 * bench/ holds the fuller benchmark suite and its results. */
#include "app.h"
#include "loss.h"
#include "parallel.h"
#include "rng.h"
#include "sim.h"
#include "window_source.h"
#include <petsctime.h>

PetscErrorCode BenchRun(MPI_Comm comm, int *exit_code)
{
  PetscInt           n = 200, B = 16, T = 400, reps = 3;
  char               model_name[32] = "lif";
  ModelConfig        cfg            = {.theta = 30, .input_gain = 0.9, .dt = 1.0};
  const NeuronModel *model;
  ParamLayout       *l;
  SimSetup           sim;
  SimBatch          *bt;
  LossConfig         lc = {.kind = LOSS_FRD, .vr_tau = 20, .dt = 1.0};
  double            *theta, *grad, *x, *s, *scratch, best_f = 1e300, best_b = 1e300;
  PetscLogDouble     t0, t1, t2;

  PetscFunctionBeginUser;
  *exit_code = 0;
  PetscOptionsBegin(comm, NULL, "spikefit bench: simulator timing", NULL);
  PetscCall(PetscOptionsInt("-bench_n", "Neurons", NULL, n, &n, NULL));
  PetscCall(PetscOptionsInt("-bench_b", "Windows per batch", NULL, B, &B, NULL));
  PetscCall(PetscOptionsInt("-bench_t", "Steps per window", NULL, T, &T, NULL));
  PetscCall(PetscOptionsInt("-bench_reps", "Repetitions (the fastest counts)", NULL, reps, &reps, NULL));
  PetscCall(PetscOptionsString("-model", "Neuron model", NULL, model_name, model_name, sizeof(model_name), NULL));
  PetscOptionsEnd();
  if (AppHelpRequested()) PetscFunctionReturn(0);
  PetscCall(AppCheckUnusedOptions(comm));
  PetscCheck(n >= 2 && B >= 1 && T >= 1 && reps >= 1, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-bench_n >= 2, -bench_b >= 1, -bench_t >= 1 and -bench_reps >= 1 are needed");
  PetscCall(ModelFind(model_name, &model));
  PetscCall(ModelLayoutCreate(model, &cfg, n, NULL, &l));
  PetscCall(PetscMalloc5(l->total, &theta, l->total, &grad, T * n, &x, T * n, &s, T * n, &scratch));
  ParamsDrawInitial(l, 1, theta);
  PetscCall(SimSetupInit(&sim, model, &cfg, l, T));
  PetscCall(SimBatchCreate(&sim, B, 0, SIM_DOUBLE, &bt));
  bt->nb = B;
  for (PetscInt b = 0; b < B; b++) {
    WindowKey k   = WindowKeyTrain(1, 0, b); /* like a fit's first iteration, seed 1 */
    bt->window[b] = b;
    WindowKeyDrawInput(&k, n, T, 20.0, 1.0, x);
    SimBatchSetInput(bt, b, x);
  }
  for (PetscInt k = 0; k < T * n; k++) s[k] = RngUniform(1, 9, 0, (uint32_t)k, 0) < 0.005;
  for (PetscInt r = 0; r < reps; r++) {
    LossValue v;
    PetscCall(PetscTime(&t0));
    SimBatchForward(&sim, theta, bt);
    for (PetscInt b = 0; b < B; b++) LossEvaluate(&lc, 0, n, T, bt->y + b * T * n, s, bt->dy + b * T * n, scratch, &v);
    PetscCall(PetscTime(&t1));
    PetscCall(PetscArrayzero(grad, l->total));
    SimBatchBackward(&sim, theta, bt, grad);
    PetscCall(PetscTime(&t2));
    best_f = PetscMin(best_f, t1 - t0);
    best_b = PetscMin(best_b, t2 - t1);
  }
  {
    /* forward 2 n^2 per window-step, backward 2 n^2 (lambda) + 2 n^2 (dW) */
    double flops = 6.0 * n * (double)n * T * B, total = best_f + best_b;
    PetscCall(PetscPrintf(
        comm,
        "bench: model %s, N %" PetscInt_FMT ", B %" PetscInt_FMT ", T %" PetscInt_FMT
        ": forward+loss %.3f ms, backward %.3f ms per window; %.3f ms per window-iteration, %.2f GFLOP/s, tape %.1f bytes per neuron-step\n",
        model_name, n, B, T, 1e3 * best_f / B, 1e3 * best_b / B, 1e3 * total / B, flops / total * 1e-9,
        SimBatchTapeBytes(&sim, 0, SIM_DOUBLE)));
  }
  PetscCall(SimBatchDestroy(&bt));
  PetscCall(PetscFree5(theta, grad, x, s, scratch));
  PetscCall(ParamLayoutDestroy(&l));
  PetscFunctionReturn(0);
}
