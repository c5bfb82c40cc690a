# Users' formats end to end: a Kilosort/phy folder and a MATLAB cell array holding the spikes of
# a generated recording fit to the same bits as spikefit's own file (1 and 2 ranks); a text file
# with "# interval" lines; NWB units chosen by a column; the bad inputs name what is wrong.
source "$(dirname "$0")/lib.sh"
FIX=$SRC/tests/data/make_fixtures.py
run 1 generate -o gt.h5 -gen_duration_ms 8000
/usr/bin/python3 "$FIX" phy gt.h5 phy
/usr/bin/python3 "$FIX" mat gt.h5 rec.mat
# the folder's last good/mua spike ends the recording: compare 19 windows, as for text
common=(-fit_iters 2 -fit_windows 19 -fit_quiet -fit_recipe none) # the readers, not the recipe (recipe.sh)
run 1 fit -data phy "${common[@]}" -o phy1.h5
run 2 fit -data phy "${common[@]}" -o phy2.h5
same_final phy1.h5 phy2.h5
run 1 fit -data gt.h5 -fit_target recorded "${common[@]}" -o own.h5
same_final phy1.h5 own.h5   # noise (cluster 2) and the unlabelled cluster 4 are left out
run 2 fit -data rec.mat "${common[@]}" -o mat.h5
same_final mat.h5 own.h5
# choosing labels changes the units: good only is every other unit
run 1 fit -data phy -data_labels good -fit_iters 1 -fit_windows 2 -fit_quiet -fit_recipe none -o good.h5
n_all=$(h5dump -a /n own.h5 | awk '/\(0\)/{print $2}')
n_good=$(h5dump -a /n good.h5 | awk '/\(0\)/{print $2}')
[ "$n_good" = $(( (n_all + 1) / 2 )) ] || fail "-data_labels good: expected $(( (n_all + 1) / 2 )) units, got $n_good"
# the label choice is part of a checkpoint's options: another choice (here with the same units) does not resume it
g=(fit -data phy -data_labels good -fit_windows 2 -fit_quiet -fit_recipe none)
run 1 "${g[@]}" -fit_iters 2 -ckpt_every 1 -ckpt_file g.ckpt -o g.h5
run 1 "${g[@]}" -fit_iters 3 -resume g.ckpt -ckpt_file g2.ckpt -o g3.h5
expect_fail x "differ from the checkpoint" run 1 fit -data phy -data_labels good,curated -fit_windows 2 -fit_quiet -fit_recipe none -fit_iters 3 -resume g.ckpt -o never.h5
expect_fail x "cluster_group.tsv: line" bash -c "printf '999\tgood\n' >> phy/cluster_group.tsv && '$SPIKEFIT' fit -data phy -o bad.h5 -fit_iters 1"
[ ! -e bad.h5 ] || fail "a refused folder left bad.h5 behind"
# text with two trials and a gap: windows stay inside the trials
/usr/bin/python3 - <<'PY'
import h5py
f = h5py.File("gt.h5", "r")
t, o = f["/spikes/times_ms"][()], f["/spikes/offsets"][()]
with open("trials.tsv", "w") as out:
    out.write("# interval 0 3\n# interval 4 8\n")
    for k in range(len(o) - 1):
        for s in t[o[k]:o[k + 1]]:
            out.write(f"{k}\t{s/1000:.4f}\n")
PY
run 1 fit -data trials.tsv -fit_iters 1 -fit_quiet -fit_recipe none -o trials.h5
windows=$(h5dump -a /windows trials.h5 | awk '/\(0\)/{print $2}')
[ "$windows" = 17 ] || fail "expected 7 + 10 windows of 400 ms in [0, 3) s and [4, 8) s, got $windows"
printf '0 3\n4 8\n' > trials.txt
grep -v '^# interval' trials.tsv > plain.tsv
run 1 fit -data plain.tsv -data_intervals trials.txt -fit_iters 1 -fit_quiet -fit_recipe none -o plain.h5
same_final trials.h5 plain.h5
# NWB: units by a column
run 1 fit -data "$SRC/inputs/data/A8604-211122.nwb" -data_units_where id=6,206 -data_t1 4000 -fit_iters 1 -fit_quiet -fit_recipe none -o nwb.h5
h5dump -a /n nwb.h5 | grep -q "(0): 2" || fail "-data_units_where id=6,206 should give 2 units"
expect_fail x "no column 'quality'" "$SPIKEFIT" fit -data "$SRC/inputs/data/A8604-211122.nwb" -data_units_where quality=good -o q.h5
expect_fail x "electrode_group" "$SPIKEFIT" fit -data "$SRC/inputs/data/A8604-211122.nwb" -data_units_where quality=good -o q.h5
# MATLAB variables of the wrong kind
expect_fail x "variable 'spikes' cell {3} is a char array, expected numeric" "$SPIKEFIT" fit -data "$SRC/tests/data/mat/bad_char.mat" -o m.h5
expect_fail x "holds 3 variables" "$SPIKEFIT" fit -data "$SRC/tests/data/mat/several.mat" -o m.h5
echo "formats: phy, MATLAB, text intervals and NWB columns fit"
