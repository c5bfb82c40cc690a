# The honest split of a recording: /params/best is chosen on validation windows at the end of
# the fitting span that are never trained on, and the held-out span is only simulated after
# training. Two recordings that differ only inside the held-out span give the same training,
# the same validation losses and the same /params/best and /params/final (only /eval differs);
# two that differ only inside the validation span give the same first training step's loss but
# different validation losses. The split is printed and written to /loss/validation_span_ms.
source "$(dirname "$0")/lib.sh"
/usr/bin/python3 - <<'PY'
import numpy as np
rng = np.random.default_rng(3)
T = 20000.0  # ms: fitting span [0, 18000), holdout [18000, 20000)
def write(name, change_lo=None, change_hi=None):
    rows = []
    for u in range(6):
        rate = 5.0 + 3 * u
        t = np.sort(rng.uniform(0, T, rng.poisson(rate * T / 1000)))
        rows += [(u, x) for x in t]
    rows = np.array(rows)
    return rows
base = write("a")
def save(name, rows):
    with open(name, "w") as f:
        f.write("# interval 0 20000\n")
        for u, t in rows:
            f.write("%d %.3f\n" % (u, t))
save("a.tsv", base)
# b: the held-out span's spikes replaced
keep = base[base[:, 1] < 18000]
new = np.array([(u, t) for u in range(6) for t in np.sort(rng.uniform(18000, 20000, 40))])
save("b.tsv", np.concatenate([keep, new]))
# c: the validation span's spikes (the last 10% of the fitting span, [16200, 18000)) thinned
mask = ~((base[:, 1] >= 16200) & (base[:, 1] < 18000) & (np.arange(len(base)) % 2 == 0))
save("c.tsv", base[mask])
PY
opts=(fit -data_time_unit ms -data_holdout 2000 -fit_recipe none -fit_window_steps 200 -fit_windows_per_step 9 -fit_iters 3 -fit_eval_windows 20)
run 1 "${opts[@]}" -data a.tsv -o a.h5 > a.log
run 2 "${opts[@]}" -data b.tsv -o b.h5 > b.log
run 1 "${opts[@]}" -data c.tsv -o c.h5 > c.log
grep -qF "data: 81 training windows of 200 ms from 0 ms; validation on the 9 windows from 16200 to 18000 ms (never trained on; -data_validation); held out [18000, 20000) ms, simulated only after training" a.log ||
  { cat a.log; fail "the split line is missing or wrong"; }
/usr/bin/python3 - <<'PY' || fail "the split is not honest"
import h5py, numpy as np
a, b, c = (h5py.File(x + ".h5", "r") for x in "abc")
assert np.allclose(a["/loss/validation_span_ms"][()], [16200, 18000]), a["/loss/validation_span_ms"][()]
for g in ("/params/final", "/params/best"):
    for k in a[g]:
        assert np.array_equal(a[g][k][()], b[g][k][()]), (g, k, "depends on the held-out span")
assert np.array_equal(a["/loss/validation"][()], b["/loss/validation"][()]), "validation looked at the held-out span"
assert np.array_equal(a["/loss/train"][()], b["/loss/train"][()])
assert not np.array_equal(a["/eval/target/times_ms"][()], b["/eval/target/times_ms"][()]), "the evaluation did not use the holdout"
# the validation span is not trained on: the first iteration's training loss is the same, the validation loss is not
assert a["/loss/train"][0] == c["/loss/train"][0], (a["/loss/train"][0], c["/loss/train"][0])
assert not np.array_equal(a["/loss/validation"][()], c["/loss/validation"][()]), "the validation windows were not the validation span"
PY
# -data_validation 0: validation on the first training windows (all 90 windows trained on)
run 1 "${opts[@]}" -data a.tsv -data_validation 0 -o z.h5 > z.log
grep -qF "data: 90 training windows" z.log || { cat z.log; fail "-data_validation 0 did not train on the whole fitting span"; }
h5dump -d /loss/validation_span_ms z.h5 > /dev/null 2>&1 && fail "/loss/validation_span_ms written without validation windows"
expect_fail x "leaves nothing to train on" run 1 "${opts[@]}" -data a.tsv -data_validation 18000 -o e.h5
expect_fail x "must be >= 0 ms" run 1 "${opts[@]}" -data a.tsv -data_validation -5 -o e.h5
echo "validation_split: ok"
