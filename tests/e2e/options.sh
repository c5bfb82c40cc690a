# Options: every paper configuration runs; help; unknown or bad options are refused with a
# message naming the option, a non-zero exit, and no output file.
source "$(dirname "$0")/lib.sh"
run 1 generate -o gt.h5
for f in "$SRC"/inputs/paper/*.opts; do
  name=$(basename "$f" .opts)
  run 1 fit -options_file "$f" -data gt.h5 -o "$name.h5" -fit_iters 2 -fit_quiet > /dev/null || fail "$f does not run"
  h5dump -d /loss/train "$name.h5" | grep -q "DATASPACE  SIMPLE { ( 2 )" || fail "$name: /loss/train does not have 2 entries"
done
# the options file is really applied
h5dump -a /loss lif_vrd_sgd.h5 | grep -q '"vrd"' || fail "lif_vrd_sgd.opts did not set -loss vrd"
h5dump -a /optim lif_vrd_sgd.h5 | grep -q '"sgd"' || fail "lif_vrd_sgd.opts did not set -optim sgd"

"$SPIKEFIT" fit -help > help.txt 2>&1 || fail "fit -help failed"
for o in -fit_iters -loss -optim -fit_windows_per_step -ckpt_every -resume -fit_dale; do grep -q -- "$o" help.txt || fail "fit -help does not list $o"; done
expect_fail 2 "usage" "$SPIKEFIT"
expect_fail 2 "unknown subcommand" "$SPIKEFIT" fitt -data gt.h5
expect_fail 1 "fit_iterz" "$SPIKEFIT" fit -data gt.h5 -o bad.h5 -fit_iterz 3
expect_fail 1 "optim_lr" "$SPIKEFIT" fit -data gt.h5 -o bad.h5 -optim_lr nan
expect_fail 1 "optim_lr" "$SPIKEFIT" fit -data gt.h5 -o bad.h5 -optim_lr -1
expect_fail 1 "loss_vr_tau" "$SPIKEFIT" fit -data gt.h5 -o bad.h5 -loss_vr_tau inf
expect_fail 1 "bogus" "$SPIKEFIT" fit -data gt.h5 -o bad.h5 -loss bogus
expect_fail 1 "unknown model" "$SPIKEFIT" fit -data gt.h5 -o bad.h5 -model nope
expect_fail 1 "fit_iters" "$SPIKEFIT" fit -data gt.h5 -o bad.h5 -fit_iters -1
expect_fail 1 "needs -data" "$SPIKEFIT" fit -o bad.h5
expect_fail 1 "needs -o" "$SPIKEFIT" fit -data gt.h5
expect_fail 1 "missing.h5" "$SPIKEFIT" fit -data missing.h5 -o bad.h5
printf 'not hdf5' > junk.h5
expect_fail 1 "junk.h5" "$SPIKEFIT" fit -data junk.h5 -o bad.h5
expect_fail 1 "no-such.ckpt" "$SPIKEFIT" fit -data gt.h5 -o bad.h5 -resume no-such.ckpt
expect_fail 1 "bound_tau_m" "$SPIKEFIT" fit -data gt.h5 -o bad.h5 -bound_tau_m 3,1
expect_fail 1 "gen_n" "$SPIKEFIT" generate -o bad.h5 -gen_n 2
expect_fail 1 "par_expect_size" "$SPIKEFIT" fit -data gt.h5 -o bad.h5 -par_expect_size 4
expect_fail 1 "fit_windows" mpirun -n 2 "$SPIKEFIT" fit -data gt.h5 -o bad.h5 -fit_windows 0
[ ! -e bad.h5 ] && [ ! -e bad.h5.tmp ] || fail "a refused run left an output file"
# spikefit bench times a batch and reports its rate
"$SPIKEFIT" bench -bench_n 20 -bench_b 4 -bench_t 50 -bench_reps 1 > bench.txt || fail "spikefit bench failed"
grep -q "ms per window-iteration" bench.txt || { cat bench.txt; fail "spikefit bench printed no timing"; }
expect_fail 1 "bench_b" "$SPIKEFIT" bench -bench_b 0
# -log_view profiles every phase (one thread: SimForward/SimBackward/LossEval are logged then)
OMP_NUM_THREADS=1 run 1 fit -data gt.h5 -o prof.h5 -fit_iters 2 -fit_quiet -ckpt_every 1 -ckpt_file prof.ckpt -log_view > prof.txt || fail "fit -log_view failed"
for e in FitWindows SimForward SimBackward LossEval GradReduce OptimStep FitValidate FitIO; do
  grep -q "^$e " prof.txt || { cat prof.txt; fail "-log_view has no event $e"; }
done
echo "options: all cases pass"
