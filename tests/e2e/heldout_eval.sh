# Held-out evaluation of a recording (issue 14): continuous runs over every held-out interval
# (the plain options throughout, -fit_recipe none: the recipe is tested by recipe.sh)
# (two here: the recording has a gap), spike times in recording time, the table's rows
# recomputed with numpy, the same bits on 1, 2 and 3 ranks and 2 threads, -fit_eval_windows
# as a cap, and `spikefit analyze` on runs with hidden neurons.
source "$(dirname "$0")/lib.sh"
run 1 generate -o gt.h5 -gen_duration_ms 20000 > /dev/null
# the same spikes as a recording with a gap [15000, 15500) in its observation
/usr/bin/python3 - <<'PY'
import h5py, numpy as np
g = h5py.File("gt.h5", "r")
t, o = g["/spikes/times_ms"][()], g["/spikes/offsets"][()]
keep = [(x[(x < 15000) | (x >= 15500)]) for x in (t[o[i]:o[i + 1]] for i in range(len(o) - 1))]
with h5py.File("gap.h5", "w") as f:
    f["/spikes/times_ms"] = np.concatenate(keep)
    f["/spikes/offsets"] = np.concatenate([[0], np.cumsum([len(k) for k in keep])]).astype(np.int64)
    f["/spikes/intervals_ms"] = np.array([[0, 15000], [15500, 20000]], float)
    f["/spikes/unit_ids"] = np.arange(len(o) - 1, dtype=np.int64)
PY
args=(fit -fit_recipe none -data gap.h5 -data_holdout 8000 -fit_iters 2)
run 1 "${args[@]}" -o r1.h5 > log1.txt
run 2 "${args[@]}" -o r2.h5 -fit_quiet
run 3 "${args[@]}" -o r3.h5 -fit_quiet
OMP_NUM_THREADS=2 run 1 "${args[@]}" -o t2.h5 -fit_quiet
for r in r2.h5 r3.h5 t2.h5; do
  same_final r1.h5 $r
  h5diff r1.h5 $r /eval /eval > /dev/null || fail "/eval of r1.h5 and $r differ"
done
/usr/bin/python3 - <<'PY' || fail "held-out spans or spike times wrong"
import h5py, numpy as np
f = h5py.File("r1.h5", "r")
sp = f["/eval/span_ms"][()]
assert sp.shape == (2, 2) and np.array_equal(sp, [[12000, 15000], [15500, 20000]]), sp
# the whole held-out span is simulated (not 10 windows of 400 ms): spikes near its end
t = f["/eval/fitted/times_ms"][()]
assert len(t) and t.max() > 19000, t.max()
tt = f["/eval/target/times_ms"][()]
assert tt.min() >= 12000 and tt.max() < 20000
for row in ("fitted", "initial", "poisson_null", "data_ceiling"):
    assert f"/eval/compare/{row}/rate_error" in f, row
assert f["/eval"].attrs["params"].decode() in ("best", "final")
PY
/usr/bin/python3 "$SRC/tests/python/check_eval.py" r1.h5 gap.h5 > check.txt || { cat check.txt; fail "metrics differ from numpy"; }
grep -q "0 mismatches" check.txt || fail "check_eval did not run"
for w in fitted initial poisson_null data_ceiling "judge the fit against poisson_null" "2 intervals, 7500 ms from 12000 to 20000 ms"; do
  grep -q -- "$w" log1.txt || { cat log1.txt; fail "the table lacks '$w'"; }
done
# the data ceiling: 7500 ms before the holdout exist, so it is as long as the holdout
grep -q "the recording's 7500 ms just before the holdout, from 4500 ms" log1.txt || { cat log1.txt; fail "data ceiling stretch wrong"; }
# a holdout longer than the fitting span: the ceiling uses what there is, and says so
run 1 fit -fit_recipe none -data gap.h5 -data_holdout 12000 -fit_iters 1 -o long.h5 > long.txt
grep -q "only 8000 ms before the holdout, shorter than" long.txt || { cat long.txt; fail "short data ceiling not reported"; }
# -fit_eval_windows caps the evaluation at that many window lengths
run 1 "${args[@]}" -fit_eval_windows 5 -o cap.h5 -fit_quiet
/usr/bin/python3 -c "
import h5py, numpy as np
sp = h5py.File('cap.h5', 'r')['/eval/span_ms'][()]
assert np.array_equal(sp, [[12000, 14000]]), sp" || fail "-fit_eval_windows does not cap the held-out evaluation"
# analyze works with hidden neurons: a recording with a holdout, and a synthetic truth
run 2 fit -fit_recipe none -data gap.h5 -data_holdout 8000 -fit_iters 1 -fit_hidden 3 -o hid.h5 -fit_quiet
/usr/bin/python3 "$SRC/tests/python/check_eval.py" hid.h5 > /dev/null || fail "metrics of a hidden fit differ from numpy"
run 1 analyze hid.h5 > an.txt || { cat an.txt; fail "analyze fails on a run with -fit_hidden"; }
grep -q "7500 ms of evaluation spikes in 2 interval" an.txt || { cat an.txt; fail "analyze did not use the held-out intervals"; }
run 1 fit -data gt.h5 -fit_iters 1 -fit_hidden 4 -fit_windows 2 -o hsyn.h5 -fit_quiet
run 1 analyze hsyn.h5 > an2.txt || { cat an2.txt; fail "analyze fails on a synthetic run with -fit_hidden"; }
h5dump -a /n hsyn.h5 | grep -q "(0): 16" || fail "expected 12 + 4 model neurons"
h5dump -d /analysis/rate_target hsyn.h5 | grep -q "( 12 )" || fail "analyze should see the 12 recorded neurons"
echo "heldout_eval: ok"
