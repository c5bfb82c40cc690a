# The rate calibration after a recipe fit (-fit_calibrate_rates) acts on the parameters the
# held-out evaluation runs (/params/best), not only on /params/final: without it, the table
# scored uncalibrated parameters. Only E_L (and beta at E_L's bound) moves, and the best
# parameters stay bit-identical on 1 and 2 ranks.
source "$(dirname "$0")/lib.sh"
rec=(fit -data "$SRC/inputs/data/Wong1993_Adult.h5" -data_t1 40000 -data_holdout 6000 -fit_iters 3)
run 1 "${rec[@]}" -fit_calibrate_rates 0 -o raw.h5 > raw.log
run 1 "${rec[@]}" -o cal.h5 > cal.log
run 2 "${rec[@]}" -o cal2.h5 > cal2.log
grep -q "calibration of the final parameters 2/2" cal.log || { cat cal.log; fail "the final parameters were not calibrated"; }
same_final cal.h5 cal2.h5
h5diff cal.h5 cal2.h5 /params/best /params/best > /dev/null || fail "/params/best differs between 1 and 2 ranks"
/usr/bin/python3 - <<'PY' || fail "the evaluated (best) parameters were not calibrated"
import h5py, numpy as np
raw, cal = h5py.File("raw.h5", "r"), h5py.File("cal.h5", "r")
it = cal["/params/best"].attrs["iteration"]
assert raw["/params/best"].attrs["iteration"] == it, "the calibration changed which iteration is best"
rb, cb = raw["/params/best"], cal["/params/best"]
assert np.array_equal(rb["W"][()], cb["W"][()]), "the calibration moved W"
assert np.abs(rb["E_L"][()] - cb["E_L"][()]).max() > 1e-6, "E_L of /params/best did not move"
if it == cal["/params/final"].attrs.get("iteration", -1) or np.array_equal(raw["/params/best/W"][()], raw["/params/final/W"][()]):
    for k in cb:  # the best are the final parameters: calibrated the same
        assert np.array_equal(cb[k][()], cal["/params/final"][k][()]), k
PY
echo "recipe_calibrate: ok"
