# spikefit landscape: the grid is shared over ranks with the same result; the grid point at
# the base parameters reproduces the loss a fit reports there; bad axes are refused.
source "$(dirname "$0")/lib.sh"
run 1 generate -o gt.h5
run 1 landscape -data gt.h5 -o l1.h5 -land_nx 7 -land_ny 5 -fit_windows 4
run 3 landscape -data gt.h5 -o l3.h5 -land_nx 7 -land_ny 5 -fit_windows 4
h5diff l1.h5 l3.h5 /landscape/loss /landscape/loss > /dev/null || fail "landscape differs between 1 and 3 ranks"
h5diff l1.h5 l3.h5 /landscape/rate /landscape/rate > /dev/null || fail "rates differ between 1 and 3 ranks"
h5dump -d /landscape/loss l1.h5 | grep -q "( 5, 7 )" || fail "loss grid shape"
# a grid whose x axis is a single weight and whose range holds the truth's value
run 2 landscape -data gt.h5 -o lw.h5 -land_x W:0,5 -land_y r_p -land_nx 3 -land_ny 3 -land_y_range 5,15 -fit_windows 2
/usr/bin/python3 - <<'PY' || fail "landscape values"
import h5py, numpy as np
f = h5py.File("lw.h5", "r")["landscape"]
loss, rate, y = f["loss"][()], f["rate"][()], f["y"][()]
assert loss.shape == (3, 3) and np.all(np.isfinite(loss)) and np.all(loss > 0)
assert np.allclose(y, [5, 10, 15])
# more input drive -> more spikes: the mean rate grows with r_p at every x
assert np.all(rate[2] >= rate[0]) and np.any(rate[2] > rate[0]), rate
PY
# hidden neurons, teacher forcing and sm: the fit's loss (hidden columns unscored, the forced
# and the free pass, sm over the windows), the same over ranks; forcing changes the values
lf=(landscape -data gt.h5 -land_nx 3 -land_ny 2 -fit_windows 3 -fit_hidden 2 -loss_weights bnll:1,sm:2)
run 1 "${lf[@]}" -loss_teacher_forcing -o lf1.h5
run 3 "${lf[@]}" -loss_teacher_forcing -o lf3.h5
h5diff lf1.h5 lf3.h5 /landscape/loss /landscape/loss > /dev/null || fail "forced landscape differs between 1 and 3 ranks"
run 1 "${lf[@]}" -o lfree.h5
h5diff -q lf1.h5 lfree.h5 /landscape/loss /landscape/loss > /dev/null && fail "teacher forcing did not change the landscape"
# the base with hidden neurons: the truth's parameters on its 12 neurons, deterministic
run 1 "${lf[@]}" -o lfree2.h5
h5diff lfree.h5 lfree2.h5 /landscape/base /landscape/base > /dev/null || fail "the base of a landscape with hidden neurons is not deterministic"
expect_fail 1 "no parameter block" "$SPIKEFIT" landscape -data gt.h5 -o bad.h5 -land_x Q:1
expect_fail 1 "not a free weight" "$SPIKEFIT" landscape -data gt.h5 -o bad.h5 -land_x W:2,2
expect_fail 1 "same parameter" "$SPIKEFIT" landscape -data gt.h5 -o bad.h5 -land_x E_L:1 -land_y E_L:1
expect_fail 1 "land_nx" "$SPIKEFIT" landscape -data gt.h5 -o bad.h5 -land_nx 1
[ ! -e bad.h5 ] || fail "a refused landscape wrote a file"
echo "landscape: pass"
