# Decomposition independence: the same fit on 1, 2 and 3 ranks and with 1 and 2 OpenMP
# threads gives bit-identical parameters (exact fixed-point gradient reduction).
source "$(dirname "$0")/lib.sh"
run 1 generate -o gt.h5 -gen_seed 1
common=(fit -data gt.h5 -fit_iters 6 -fit_windows 7 -fit_quiet)
run 1 "${common[@]}" -o r1.h5
run 2 "${common[@]}" -o r2.h5
run 3 "${common[@]}" -o r3.h5
OMP_NUM_THREADS=2 run 1 "${common[@]}" -o r1t2.h5
OMP_NUM_THREADS=2 run 2 "${common[@]}" -o r2t2.h5
for r in r2 r3 r1t2 r2t2; do same_final r1.h5 $r.h5; done
# the sequential schedule (one step per window) as well
run 1 "${common[@]}" -fit_windows_per_step 2 -o s1.h5
run 3 "${common[@]}" -fit_windows_per_step 2 -o s3.h5
same_final s1.h5 s3.h5
# and the loss history, not only the end point
h5diff r1.h5 r3.h5 /loss/train /loss/train > /dev/null || fail "loss histories differ between 1 and 3 ranks"
# the validation loss too (its windows are split over ranks and threads, summed exactly)
for r in r2 r3 r1t2 r2t2; do
  h5diff r1.h5 $r.h5 /loss/validation /loss/validation > /dev/null || fail "validation losses differ between r1 and $r"
done
# a different decomposition must still be a different fit from a different seed (the test can fail)
run 1 "${common[@]}" -fit_seed 5 -o other.h5
if h5diff other.h5 r1.h5 /params/final /params/final > /dev/null; then fail "different seeds gave identical fits"; fi
# threads: never more than a rank's batches or evaluation windows (idle threads spin)
threads() { h5dump -a /omp_threads "$1" | awk '/\(0\)/{print $2}'; }
OMP_NUM_THREADS=2 run 1 "${common[@]}" -fit_validate 0 -o one_batch.h5     # 7 windows, B = 16: one batch
[ "$(threads one_batch.h5)" = 1 ] || fail "one batch ran on $(threads one_batch.h5) threads"
OMP_NUM_THREADS=2 run 1 "${common[@]}" -sim_batch 2 -o four_batches.h5
[ "$(threads four_batches.h5)" = 2 ] || fail "four batches ran on $(threads four_batches.h5) threads, not OMP_NUM_THREADS=2"
same_final one_batch.h5 r1.h5
echo "mpi_exact: 1/2/3 ranks x 1/2 threads bit-identical"

# restarts: 3 independent fits on 2 ranks (groups take fits in turn) in one file; each
# equals the same fit run alone with its seed, and the root holds the best one
run 2 "${common[@]}" -fit_restarts 3 -o restarts.h5
for k in 0 1 2; do
  run 1 "${common[@]}" -fit_seed $k -o alone$k.h5
  h5diff restarts.h5 alone$k.h5 /fit_$k/params/final /params/final > /dev/null || fail "restart $k differs from the fit with -fit_seed $k"
done
best=$(h5dump -a /best_fit restarts.h5 | awk '/\(0\)/{print $2}')
same_final restarts.h5 alone$best.h5
[ ! -e restarts.h5.fit0 ] || fail "per-restart files were left behind"
echo "mpi_exact: restarts pass"
