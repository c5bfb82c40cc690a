# Minibatch steps shared by the ranks (include/partition.h): with -fit_windows_per_step K the
# chunks of every step are dealt over the ranks, and the fit is bit-identical on 1, 2 and 3
# ranks and 1 and 2 threads; a rank loads every recorded window it computes.
source "$(dirname "$0")/lib.sh"
attr() { h5dump -a "/$2" "$1" | awk '/\(0\)/{print $2}'; }
run 1 generate -o gt.h5 -gen_seed 2 -gen_duration_ms 4000
common=(fit -data gt.h5 -fit_iters 4 -fit_windows 8 -fit_quiet)

# K = 2 inside one batch of 16: one chunk per step (the bits of every earlier version)
for p in 1 2 3; do run $p "${common[@]}" -fit_windows_per_step 2 -o k2_$p.h5; done
OMP_NUM_THREADS=2 run 2 "${common[@]}" -fit_windows_per_step 2 -o k2_2t2.h5
for r in k2_2 k2_3 k2_2t2; do same_final k2_1.h5 $r.h5; done
[ "$(attr k2_2.h5 step_windows_per_rank)" = 2 ] || fail "K = 2 in one batch: a step is one chunk, on one rank"

# K = 4 in batches of 2: two chunks per step, one on each of 2 ranks
for p in 1 2 3; do run $p "${common[@]}" -fit_windows_per_step 4 -sim_batch 2 -o b2_$p.h5; done
OMP_NUM_THREADS=2 run 1 "${common[@]}" -fit_windows_per_step 4 -sim_batch 2 -o b2_1t2.h5
for r in b2_2 b2_3 b2_1t2; do same_final b2_1.h5 $r.h5; done
[ "$(attr b2_1.h5 step_windows_per_rank)" = 4 ] || fail "1 rank computes the 4 windows of a step"
[ "$(attr b2_2.h5 step_windows_per_rank)" = 2 ] || fail "2 ranks do not share the 4 windows of a step (2 each)"
h5diff b2_1.h5 b2_3.h5 /loss/train /loss/train > /dev/null || fail "loss histories differ between 1 and 3 ranks"

# -fit_step_split 2: a step inside one batch cut in two chunks; its own bits, the same on every
# decomposition, and the same fit as whole chunks up to rounding
for p in 1 2 3; do run $p "${common[@]}" -fit_windows_per_step 2 -fit_step_split 2 -o s2_$p.h5; done
OMP_NUM_THREADS=2 run 1 "${common[@]}" -fit_windows_per_step 2 -fit_step_split 2 -o s2_1t2.h5
for r in s2_2 s2_3 s2_1t2; do same_final s2_1.h5 $r.h5; done
[ "$(attr s2_2.h5 step_windows_per_rank)" = 1 ] || fail "-fit_step_split 2 on 2 ranks: one window of each step per rank"
/usr/bin/python3 - k2_1.h5 s2_1.h5 << 'EOF' || fail "-fit_step_split 2 changed the fit by more than rounding"
import sys, h5py, numpy as np
a, b = (h5py.File(p, "r") for p in sys.argv[1:])
la, lb = a["/loss/train"][0], b["/loss/train"][0]  # the first iteration: the same parameters
assert abs(la - lb) <= 1e-9 * max(abs(la), 1.0), (la, lb)
EOF
expect_fail x "-fit_step_split must be >= 1" run 1 "${common[@]}" -fit_step_split 0 -o bad.h5
[ ! -e bad.h5 ] || fail "a refused -fit_step_split left bad.h5"

# a recording: each rank reads only the windows it computes (and the first ones, shared); a
# window it computes but did not load would stop the fit
rec=(fit -options_file "$SRC/inputs/retina/wong1993_adult.opts" -data "$SRC/inputs/data/Wong1993_Adult.h5" -fit_iters 1
  -fit_windows 12 -fit_window_steps 500 -fit_eval_windows 2 -fit_quiet -sim_batch 4)
for p in 1 2 3; do run $p "${rec[@]}" -fit_windows_per_step 8 -fit_step_split 2 -o rec_$p.h5; done
for r in rec_2 rec_3; do same_final rec_1.h5 $r.h5; done
h5diff rec_1.h5 rec_3.h5 /eval /eval > /dev/null || fail "the held-out evaluation differs between 1 and 3 ranks"
# the canonical options hold the hash of the binned windows, each hashed by the rank computing it
h5diff rec_1.h5 rec_3.h5 /canonical_options /canonical_options > /dev/null || fail "the data hash depends on the ranks"
echo "minibatch_ranks: steps shared over 1/2/3 ranks x 1/2 threads, bit-identical"
