# The README's quick start, shortened: it must run, lower the loss and print the summary.
source "$(dirname "$0")/lib.sh"
BUILD_DIR=$(dirname "$SPIKEFIT") QUICKSTART_ITERS=40 bash "$SRC/jobs/quickstart.sh" "$WORK/qs" > qs.txt 2>&1 || { cat qs.txt; fail "quickstart failed"; }
cat qs.txt
[ -f qs/gt_seed0.h5 ] && [ -f qs/run_seed0.h5 ] || fail "quickstart files missing"
first=$(awk '/^summary:/{print $(NF-2)}' qs.txt)
last=$(awk '/^summary:/{print $NF}' qs.txt)
awk -v a="$first" -v b="$last" 'BEGIN{exit !(b < 0.5 * a)}' || fail "the loss did not halve ($first -> $last)"
grep -q "distance to the truth" qs.txt || fail "no distance to the truth in the summary"
n=$(awk '/neuron +target +fitted/{f=1; next} f && NF==4 {c++} END{print c+0}' qs.txt)
[ "$n" = 12 ] || fail "expected 12 per-neuron rate lines, got $n"
h5dump -d /loss/train qs/run_seed0.h5 > /dev/null || fail "/loss/train missing"
h5dump -d /params/final/W qs/run_seed0.h5 > /dev/null || fail "/params/final/W missing"
