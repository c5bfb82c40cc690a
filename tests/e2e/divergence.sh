# Never losing a fit (issue 14): a divergence is rolled back with the learning rate halved and
# (the plain options throughout, -fit_recipe none: the recipe is tested by recipe.sh)
# the fit finishes (same bits on 1 and 2 ranks); a spent rollback budget stops with exit 3
# and a results file holding /params/best; a runaway network is reported by the table and a
# warning; -fit_max_minutes stops at an iteration boundary with results and says what it cut.
source "$(dirname "$0")/lib.sh"
run 1 generate -o gt.h5 -gen_duration_ms 8000 > /dev/null
# slif + bnll with plain SGD and unbounded weights: a step of 0.005 x |grad| ~ 1e4 drives
# the weights where the likelihood's gradient overflows
div=(fit -fit_recipe none -data gt.h5 -fit_target recorded -model slif -loss bnll -optim sgd -bound_W -1e308,1e308 -fit_window_steps 400 -fit_windows 0 -fit_iters 6)
run 1 "${div[@]}" -optim_lr 0.005 -o roll1.h5 > roll1.txt || { cat roll1.txt; fail "a rolled-back divergence should finish with exit 0"; }
grep -q "rolled back to the state after iteration" roll1.txt || { cat roll1.txt; fail "no rollback at -optim_lr 0.005"; }
grep -q "learning rate halved to 0.0025" roll1.txt || fail "the learning rate was not halved"
run 2 "${div[@]}" -optim_lr 0.005 -o roll2.h5 > roll2.txt
same_final roll1.h5 roll2.h5
h5diff roll1.h5 roll2.h5 /params/best /params/best > /dev/null || fail "/params/best differs over ranks"
/usr/bin/python3 - <<'PY' || fail "rolled-back results wrong"
import h5py, numpy as np
f = h5py.File("roll1.h5", "r")
assert f.attrs["iterations"] == 6 and f.attrs["rollbacks"] >= 1, (f.attrs["iterations"], f.attrs["rollbacks"])
assert f.attrs["stopped"].decode() == "completed"
assert np.all(np.isfinite(f["/loss/train"][()])) and np.all(np.isfinite(f["/params/final/W"][()]))
b = f["/params/best"]
assert b.attrs["criterion"].decode() == "validation loss"
# the best is the start of the iteration after the lowest validation loss
v = f["/loss/validation"][()]
assert b.attrs["iteration"] == int(np.argmin(v)) + 1 and abs(b.attrs["loss"] - v.min()) == 0, (b.attrs["iteration"], v)
h = f["/params/history/W"][()]
assert np.array_equal(h[b.attrs["iteration"]], b["W"][()])
assert f["/eval"].attrs["params"].decode() == "best"
PY
# an exhausted budget: exit 3, results from the best parameters
rc=0
run 1 "${div[@]}" -optim_lr 1 -o spent.h5 > spent.txt 2>&1 || rc=$?
[ "$rc" = 3 ] || { cat spent.txt; fail "a spent rollback budget should exit 3, got $rc"; }
grep -q "rollback 5 of 5" spent.txt || fail "expected 5 rollbacks (the default budget)"
grep -q "the rollback budget (-fit_max_rollbacks) is spent" spent.txt || fail "no message about the spent budget"
h5dump -a /stopped spent.h5 | grep -q "diverged" || fail "results do not say the fit diverged"
h5ls spent.h5/params/best | grep -q W || fail "no /params/best after divergence"
h5ls spent.h5/eval/compare/fitted | grep -q rate_error || fail "no evaluation after divergence"
rc=0
run 2 "${div[@]}" -optim_lr 1 -fit_max_rollbacks 0 -o none.h5 > none.txt 2>&1 || rc=$?
[ "$rc" = 3 ] || { cat none.txt; fail "-fit_max_rollbacks 0 should stop at the first divergence with exit 3, got $rc"; }
grep -q "rolled back" none.txt && fail "-fit_max_rollbacks 0 rolled back"
# a runaway: the initial input rate far above anything the recording needs, barely trained
run 1 generate -o rec.h5 -gen_duration_ms 12000 > /dev/null
run 1 fit -fit_recipe none -data rec.h5 -fit_target recorded -data_holdout 4000 -init_r_p 2000,2000 -bound_r_p 0,5000 -optim_lr 1e-9 -fit_iters 1 -o run.h5 > run.txt
grep -q "warning: the fitted network runs away on the held-out data" run.txt || { cat run.txt; fail "no runaway warning"; }
grep -q "fitted .*RUNAWAY" run.txt || fail "the table does not mark the runaway row"
h5dump -d /eval/compare/fitted/runaway run.h5 | grep -q "(0): 1" || fail "/eval/compare/fitted/runaway should be 1"
h5dump -d /eval/compare/poisson_null/runaway run.h5 | grep -q "(0): 0" || fail "the Poisson null is no runaway"
# the time budget: stop at an iteration boundary, results from the best parameters
# (many more iterations than 1.2 s can run, however fast the machine)
long=(fit -fit_recipe none -data rec.h5 -fit_target recorded -data_holdout 4000 -fit_save_history 0)
its=20000
run 2 "${long[@]}" -fit_iters $its -fit_max_minutes 0.02 -o budget.h5 > budget.txt || { cat budget.txt; fail "a time budget should exit 0"; }
k=$(sed -n "s/.*stopped after \([0-9]*\) of $its iterations (time budget.*/\1/p" budget.txt)
[ -n "$k" ] && [ "$k" -lt $its ] || { tail -20 budget.txt; fail "no 'stopped after K of $its iterations (time budget)' line"; }
grep -q "ETA .* + ~.* evaluation" budget.txt || { head -5 budget.txt; fail "the monitor prints no ETA with the evaluation"; }
h5dump -a /stopped budget.h5 | grep -q "time budget" || fail "results do not say the time budget stopped the fit"
h5dump -a /iterations budget.h5 | grep -q "(0): $k" || fail "iterations attribute is not $k"
# the same bits as an unbudgeted run of k iterations, on another rank count
run 1 "${long[@]}" -fit_iters "$k" -fit_quiet -o full.h5
/usr/bin/python3 - "$k" <<'PY' || fail "a budget-stopped fit differs from the same iterations of a full one"
import sys, h5py, numpy as np
k = int(sys.argv[1])
a, b = h5py.File("budget.h5", "r"), h5py.File("full.h5", "r")
for name in a["/params/final"]:
    assert np.array_equal(a["/params/final/" + name][()], b["/params/final/" + name][()]), name
PY
echo "divergence: ok"
