# The rate calibration after a recipe fit (-fit_calibrate_rates) shifts E_L (and beta at
# E_L's bound) of /params/final only: W does not move, /params/best (what the held-out table
# runs) stays as the validation chose it, and both are bit-identical on 1 and 2 ranks.
source "$(dirname "$0")/lib.sh"
rec=(fit -data "$SRC/inputs/data/Wong1993_Adult.h5" -data_t1 40000 -data_holdout 6000 -fit_iters 3)
run 1 "${rec[@]}" -fit_calibrate_rates 0 -o raw.h5 > raw.log
run 1 "${rec[@]}" -o cal.h5 > cal.log
run 2 "${rec[@]}" -o cal2.h5 > cal2.log
grep -q "calibration 2/2" cal.log || { cat cal.log; fail "the final parameters were not calibrated"; }
same_final cal.h5 cal2.h5
h5diff cal.h5 cal2.h5 /params/best /params/best > /dev/null || fail "/params/best differs between 1 and 2 ranks"
h5diff raw.h5 cal.h5 /params/best /params/best > /dev/null || fail "the calibration changed /params/best"
/usr/bin/python3 - <<'PY' || fail "the final parameters were not calibrated as documented"
import h5py, numpy as np
raw, cal = h5py.File("raw.h5", "r"), h5py.File("cal.h5", "r")
rf, cf = raw["/params/final"], cal["/params/final"]
assert np.array_equal(rf["W"][()], cf["W"][()]), "the calibration moved W"
assert np.abs(rf["E_L"][()] - cf["E_L"][()]).max() > 1e-6, "E_L of /params/final did not move"
PY
echo "recipe_calibrate: ok"
