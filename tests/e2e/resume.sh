# Checkpoints: k iterations resumed to 2k equal 2k straight; a SIGUSR1 mid-fit checkpoints and
# exits 75, and resuming equals the uninterrupted run; damaged checkpoints are refused and
# the previous one still resumes.
source "$(dirname "$0")/lib.sh"
run 1 generate -o gt.h5
common=(fit -data gt.h5 -fit_quiet -fit_windows 4)
run 2 "${common[@]}" -fit_iters 8 -o full.h5
# checkpoints every 2 iterations, and at the end (8) since -ckpt_file is given: k.ckpt.prev is at 6
run 2 "${common[@]}" -fit_iters 8 -ckpt_every 2 -ckpt_file k.ckpt -ckpt_max_hours 0 -o tmp.h5
[ -f k.ckpt ] || fail "no checkpoint written by -ckpt_every"
[ -f k.ckpt.prev ] || fail "the previous checkpoint was not kept"
[ "$(h5dump -a /iterations k.ckpt.prev | grep -o '(0): [0-9]*')" = "(0): 6" ] || fail "k.ckpt.prev is not the iteration-6 checkpoint"
# resume the iteration-6 checkpoint to 8 on 3 ranks
run 3 "${common[@]}" -fit_iters 8 -resume k.ckpt.prev -ckpt_file k2.ckpt -o resumed.h5
same_final full.h5 resumed.h5
h5diff full.h5 resumed.h5 /loss/train /loss/train > /dev/null || fail "loss history differs after resume"

# k iterations, then resumed to 2k with a larger -fit_iters
run 1 "${common[@]}" -fit_iters 4 -ckpt_max_hours 1e-12 -ckpt_file b.ckpt -o b.h5 && fail "the time budget did not stop the fit" || rc=$?
[ "${rc:-0}" = 75 ] || fail "time budget: expected exit 75, got ${rc:-0}"
run 1 "${common[@]}" -fit_iters 8 -resume b.ckpt -ckpt_file b2.ckpt -o b.h5
same_final full.h5 b.h5

# SIGUSR1 in the middle of a long fit
long=(fit -data gt.h5 -fit_windows 10 -fit_iters 1000)
run 2 "${long[@]}" -fit_quiet -o long_ref.h5
rc=0
mpirun -n 2 "$SPIKEFIT" "${long[@]}" -o long.h5 -ckpt_file long.ckpt > sig.txt 2>&1 &
pid=$!
interrupt_after sig.txt $pid 5
wait $pid || rc=$?
cat sig.txt
[ "$rc" = 75 ] || fail "SIGUSR1: expected exit 75, got $rc"
[ -f long.ckpt ] || fail "SIGUSR1: no checkpoint"
[ ! -f long.h5 ] || fail "SIGUSR1: a results file was written for an unfinished fit"
run 2 "${long[@]}" -fit_quiet -o long.h5 -ckpt_file long.ckpt -resume long.ckpt
same_final long_ref.h5 long.h5

# damaged checkpoints are refused, the previous one still resumes
cp k.ckpt good.ckpt
head -c 3000 k.ckpt > trunc.ckpt
expect_fail x "trunc.ckpt" run 1 "${common[@]}" -fit_iters 8 -resume trunc.ckpt -o never.h5
[ ! -f never.h5 ] || fail "a results file was written after a refused resume"
printf 'garbage' > garbage.ckpt
expect_fail x "not an HDF5 file" run 1 "${common[@]}" -fit_iters 8 -resume garbage.ckpt -o never.h5
expect_fail x "options/data differ" run 1 "${common[@]}" -fit_iters 8 -loss vrd -resume good.ckpt -o never.h5
expect_fail x "iterations but -fit_iters" run 1 "${common[@]}" -fit_iters 3 -resume good.ckpt -o never.h5
run 1 "${common[@]}" -fit_iters 8 -resume k.ckpt.prev -ckpt_file k3.ckpt -o prev.h5
same_final full.h5 prev.h5
echo "resume: all checkpoint cases pass"

# restarts interrupted and resumed: every fit equals its uninterrupted twin
rs=(fit -data gt.h5 -fit_windows 10 -fit_iters 1000 -fit_restarts 3)
run 2 "${rs[@]}" -fit_quiet -o rs_ref.h5
rc=0
mpirun -n 2 "$SPIKEFIT" "${rs[@]}" -o rs.h5 -ckpt_file rs.ckpt > rsig.txt 2>&1 &
pid=$!
interrupt_after rsig.txt $pid 5
wait $pid || rc=$?
[ "$rc" = 75 ] || { cat rsig.txt; fail "restarts + SIGUSR1: expected exit 75, got $rc"; }
run 2 "${rs[@]}" -fit_quiet -o rs.h5 -ckpt_file rs.ckpt -resume rs.ckpt > /dev/null
for k in 0 1 2; do h5diff rs_ref.h5 rs.h5 /fit_$k/params/final /fit_$k/params/final > /dev/null || fail "resumed restart $k differs"; done
echo "resume: restarts pass"
