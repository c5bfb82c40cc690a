# Fitting recordings: NWB, the retina HDF5 layout, text and spikefit's own file in recorded
# mode; held-out comparison written; same bits on 1, 2 and 3 ranks. The readers and the plain
# options are tested here (-fit_recipe none); the recipe is tested by recipe.sh.
source "$(dirname "$0")/lib.sh"
DATA=$SRC/inputs/data
ret=(fit -data "$DATA/Wong1993_Adult.h5" -data_t1 24000 -data_holdout 4000 -fit_iters 3 -fit_quiet -fit_recipe none)
run 1 "${ret[@]}" -o r1.h5
run 2 "${ret[@]}" -o r2.h5
run 3 "${ret[@]}" -o r3.h5
same_final r1.h5 r2.h5
same_final r1.h5 r3.h5
h5dump -a /target r1.h5 | grep -q '"recorded"' || fail "retina fit not in recorded mode"
h5dump -d /eval/compare/rate_rmse r1.h5 > /dev/null || fail "no held-out comparison"
h5dump -a /eval/compare/data r1.h5 | grep -q "held-out" || fail "comparison not on held-out data"
windows=$(h5dump -a /windows r1.h5 | awk '/\(0\)/{print $2}')
[ "$windows" = 45 ] || fail "expected 45 training windows of 400 ms in [0, 18 s) (the last 2 s validate), got $windows"
# W is free in sign for a recording
h5dump -d /params/exc r1.h5 | grep -q -- "-1" || fail "neuron types should be unknown for a recording"
# NWB (3 units)
run 2 fit -data "$DATA/A8604-211122.nwb" -data_t1 8000 -fit_iters 2 -fit_quiet -fit_recipe none -o nwb.h5
h5dump -a /n nwb.h5 | grep -q "(0): 3" || fail "NWB fit should have 3 units"
# text: a generated recording written as unit,time lines
run 1 generate -o gt.h5 -gen_duration_ms 8000
/usr/bin/python3 - <<'PY'
import h5py
f = h5py.File("gt.h5", "r")
t, o = f["/spikes/times_ms"][()], f["/spikes/offsets"][()]
with open("rec.tsv", "w") as out:
    out.write("# unit time_s\n")
    for k in range(len(o) - 1):
        for s in t[o[k]:o[k+1]]:
            out.write(f"{k}\t{s/1000:.4f}\n")
PY
# a text file has no observation interval: it ends at the last spike, so compare 19 windows
run 1 fit -data rec.tsv -fit_iters 2 -fit_windows 19 -fit_quiet -fit_recipe none -o tsv.h5
run 1 fit -data gt.h5 -fit_target recorded -fit_iters 2 -fit_windows 19 -fit_quiet -fit_recipe none -o own.h5
same_final tsv.h5 own.h5
echo "recorded: all formats fit"
# the README's retina configuration runs (shortened)
(cd "$SRC" && "$SPIKEFIT" fit -options_file inputs/retina/wong1993_adult.opts -fit_iters 1 -o "$WORK/retina.h5" -fit_quiet) || fail "inputs/retina/wong1993_adult.opts does not run"
h5dump -d /eval/compare/pair_corr_similarity retina.h5 > /dev/null || fail "retina comparison missing"
