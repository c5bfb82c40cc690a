# Batched kernels (-sim_batch B): the unit of exact summation is a batch of B consecutive
# windows (batch k = windows [kB, (k+1)B)), whole batches go to ranks and threads, so for a
# fixed B the fit is bit-identical on 1, 2, 3 ranks and 1, 2 threads; checkpointed
# recomputation (-sim_tape_stride) changes no bit; single precision runs.
source "$(dirname "$0")/lib.sh"
run 1 generate -o gt.h5 -gen_seed 2
common=(fit -data gt.h5 -fit_iters 4 -fit_windows 11 -fit_quiet -sim_batch 3)
run 1 "${common[@]}" -o b1.h5
run 2 "${common[@]}" -o b2.h5
run 3 "${common[@]}" -o b3.h5
OMP_NUM_THREADS=2 run 1 "${common[@]}" -o b1t2.h5
OMP_NUM_THREADS=2 run 2 "${common[@]}" -o b2t2.h5
for r in b2 b3 b1t2 b2t2; do same_final b1.h5 $r.h5; done
h5diff b1.h5 b3.h5 /loss/train /loss/train > /dev/null || fail "loss histories differ between 1 and 3 ranks (batched)"
# optimiser steps smaller than a batch, and not dividing it: pieces of batches
run 1 "${common[@]}" -fit_windows_per_step 2 -o p1.h5
run 3 "${common[@]}" -fit_windows_per_step 2 -o p3.h5
OMP_NUM_THREADS=2 run 2 "${common[@]}" -fit_windows_per_step 2 -o p2t2.h5
same_final p1.h5 p3.h5
same_final p1.h5 p2t2.h5
# the tape stride recomputes segments: the same bits as the full tape
run 2 "${common[@]}" -sim_tape_stride 7 -o k7.h5
run 1 "${common[@]}" -sim_tape_stride 1 -o k1.h5
same_final b1.h5 k7.h5
same_final b1.h5 k1.h5
# batches of one window (-sim_batch 0; -sim_ref: the plain loops) agree with B = 3 to rounding
# (different summation units: not bitwise)
run 1 "${common[@]}" -sim_batch 0 -o w0.h5
run 1 "${common[@]}" -sim_ref -o ref.h5
h5diff -p 1e-9 w0.h5 ref.h5 /params/final /params/final > /dev/null || fail "-sim_batch 0 and -sim_ref differ by more than 1e-9"
h5diff -p 1e-9 b1.h5 ref.h5 /params/final /params/final > /dev/null || fail "-sim_batch 3 and -sim_ref differ by more than 1e-9"
# single-precision products: runs, and stays within 1e-3 of double over 4 iterations
run 2 "${common[@]}" -sim_precision single -o sp.h5
h5diff -p 1e-3 b1.h5 sp.h5 /params/final /params/final > /dev/null || fail "single precision far from double"
# a recording: batches reach past each rank's block of loaded windows
DATA=$SRC/inputs/data
ret=(fit -data "$DATA/Wong1993_Adult.h5" -data_t1 12000 -data_holdout 2000 -fit_iters 2 -fit_quiet -sim_batch 4)
run 1 "${ret[@]}" -o rec1.h5
run 3 "${ret[@]}" -o rec3.h5
same_final rec1.h5 rec3.h5
# bad values are refused with the option's name
expect_fail x "sim_batch" run 1 "${common[@]}" -sim_batch -2 -o bad.h5
expect_fail x "sim_tape_stride" run 1 "${common[@]}" -sim_tape_stride -1 -o bad.h5
echo "batch_exact: pass"
