# The rate calibration after a recipe fit (-fit_calibrate_rates, and the recipe's
# -fit_calibrate_best) shifts E_L (and beta at E_L's bound) of /params/final and of
# /params/best (what the held-out table runs): W does not move, the evaluation runs the
# calibrated best parameters, -fit_calibrate_best false leaves /params/best as the validation
# chose it, and everything is bit-identical on 1 and 2 ranks.
source "$(dirname "$0")/lib.sh"
rec=(fit -data "$SRC/inputs/data/Wong1993_Adult.h5" -data_t1 40000 -data_holdout 6000 -fit_iters 3)
run 1 "${rec[@]}" -fit_calibrate_rates 0 -o raw.h5 > raw.log
run 1 "${rec[@]}" -o cal.h5 > cal.log
run 2 "${rec[@]}" -o cal2.h5 > cal2.log
run 1 "${rec[@]}" -fit_calibrate_best false -o fin.h5 > fin.log
grep -q "recipe: -fit_calibrate_best true" cal.log || { cat cal.log; fail "the recipe did not choose -fit_calibrate_best"; }
grep -q "calibration 2/2 of /params/final" cal.log || { cat cal.log; fail "the final parameters were not calibrated"; }
grep -q "calibration 2/2 of /params/best" cal.log || { cat cal.log; fail "the best parameters were not calibrated"; }
grep -q "of /params/best" fin.log && fail "-fit_calibrate_best false calibrated /params/best"
same_final cal.h5 cal2.h5
h5diff cal.h5 cal2.h5 /params/best /params/best > /dev/null || fail "/params/best differs between 1 and 2 ranks"
h5diff cal.h5 cal2.h5 /eval/fitted /eval/fitted > /dev/null || fail "/eval/fitted differs between 1 and 2 ranks"
h5diff raw.h5 fin.h5 /params/best /params/best > /dev/null || fail "-fit_calibrate_best false changed /params/best"
/usr/bin/python3 - <<'PY' || fail "the parameters were not calibrated as documented"
import h5py, numpy as np
raw, cal, fin = (h5py.File(x, "r") for x in ("raw.h5", "cal.h5", "fin.h5"))
for g in ("/params/final", "/params/best"):
    r, c = raw[g], cal[g]
    assert np.array_equal(r["W"][()], c["W"][()]), "the calibration moved W of " + g
    assert np.abs(r["E_L"][()] - c["E_L"][()]).max() > 1e-6, "E_L of %s did not move" % g
assert np.array_equal(fin["/params/final/E_L"][()], cal["/params/final/E_L"][()])
# the held-out simulation runs the calibrated best parameters
assert not np.array_equal(cal["/eval/fitted/times_ms"][()], fin["/eval/fitted/times_ms"][()])
PY
echo "recipe_calibrate: ok"
