# Hidden neurons (-fit_hidden, -fit_recorded), the window-coupled sm loss and teacher forcing: bit-identical
# fits over 1/2/3 ranks and 1/2 threads (the sm statistics are exact sums over ranks).
source "$(dirname "$0")/lib.sh"
run 1 generate -o gt.h5 -gen_seed 2 > /dev/null
common=(fit -data gt.h5 -fit_iters 3 -fit_windows 7 -fit_quiet)
# hidden: the truth's first 8 of 12 neurons recorded, 4 hidden neurons in the model
hid=(-fit_recorded 8 -fit_hidden 4)
run 1 "${common[@]}" "${hid[@]}" -o h1.h5
run 3 "${common[@]}" "${hid[@]}" -o h3.h5
OMP_NUM_THREADS=2 run 2 "${common[@]}" "${hid[@]}" -o h2t2.h5
same_final h1.h5 h3.h5
same_final h1.h5 h2t2.h5
/usr/bin/python3 - h1.h5 << 'PY' || fail "hidden: results layout"
import sys, h5py
f = h5py.File(sys.argv[1], "r")
assert f["/params/final/W"].shape == (12, 12), f["/params/final/W"].shape
assert int(f["/params/hidden"][0]) == 4
assert f.attrs["recorded"] == 8 and f.attrs["n"] == 12
assert f["/eval/rate_fitted"].shape == (8,) and f["/eval/target/offsets"].shape == (9,)
assert f["/eval/rate_hidden"].shape == (4,) and (f["/eval/rate_hidden"][()] >= 0).all()
assert f["/truth/W"].shape == (12, 12)
assert "weight_corr_recorded" in f["/eval/compare"]
PY
# sm (with bnll, lags 0..2), with and without hidden neurons; batches of B and of one window
for extra in "" "-fit_hidden 3" "-sim_batch 0" "-fit_windows_per_step 3"; do
  sm=(-loss_weights bnll:1,sm:2 -loss_sm_lags 2 -loss_sm_bin_ms 20 $extra)
  run 1 "${common[@]}" "${sm[@]}" -o s1.h5
  run 2 "${common[@]}" "${sm[@]}" -o s2.h5
  run 3 "${common[@]}" "${sm[@]}" -o s3.h5
  OMP_NUM_THREADS=2 run 2 "${common[@]}" "${sm[@]}" -o s2t2.h5
  for r in s2 s3 s2t2; do same_final s1.h5 $r.h5; done
  h5diff s1.h5 s3.h5 /loss/sm /loss/sm > /dev/null || fail "sm ($extra): loss histories differ between 1 and 3 ranks"
done
/usr/bin/python3 - s1.h5 << 'PY' || fail "sm: /loss/sm is not positive"
import sys, h5py
v = h5py.File(sys.argv[1], "r")["/loss/sm"][()]
assert (v > 0).all(), v
PY
# teacher forcing (bnll forced; with sm and hidden neurons the sm term runs free): exact
# over ranks and threads, batched and per-window; a forced fit is not a free one
for extra in "-loss bnll" "-loss pnll -sim_batch 0" "-loss_weights bnll:1,sm:2 -fit_recorded 8 -fit_hidden 2"; do
  tf=(-loss_teacher_forcing $extra)
  run 1 "${common[@]}" "${tf[@]}" -o f1.h5
  run 3 "${common[@]}" "${tf[@]}" -o f3.h5
  OMP_NUM_THREADS=2 run 2 "${common[@]}" "${tf[@]}" -o f2t2.h5
  for r in f3 f2t2; do same_final f1.h5 $r.h5; done
done
run 1 "${common[@]}" -loss bnll -o free.h5
run 1 "${common[@]}" -loss bnll -loss_teacher_forcing -o forced.h5
h5diff -q free.h5 forced.h5 /params/final /params/final > /dev/null && fail "teacher forcing did not change the fit"
expect_fail x "loss_teacher_forcing" run 1 "${common[@]}" -loss frd -loss_teacher_forcing -o bad.h5
expect_fail x "model_output_hard" run 1 "${common[@]}" -loss bnll -loss_teacher_forcing -model_output_hard -o bad.h5
expect_fail x "fit_recorded" run 1 "${common[@]}" -fit_recorded 20 -o bad.h5
expect_fail x "loss_sm_lags" run 1 "${common[@]}" -loss sm -loss_sm_lags 50 -o bad.h5
expect_fail x "loss_sm_hidden_rate" run 1 "${common[@]}" -loss sm -fit_hidden 2 -loss_sm_hidden_rate -5 -o bad.h5
# the hidden neurons' rate term changes a fit with hidden neurons, and nothing without them
run 1 "${common[@]}" -loss_weights bnll:1,sm:2 -fit_hidden 3 -loss_sm_hidden_weight 0 -o hoff.h5
run 1 "${common[@]}" -loss_weights bnll:1,sm:2 -fit_hidden 3 -o hon.h5
h5diff -q hoff.h5 hon.h5 /params/final /params/final > /dev/null && fail "-loss_sm_hidden_weight changed nothing"
run 1 "${common[@]}" -loss_weights bnll:1,sm:2 -loss_sm_hidden_weight 0 -o noh_off.h5
run 1 "${common[@]}" -loss_weights bnll:1,sm:2 -o noh_on.h5
same_final noh_off.h5 noh_on.h5
echo "hidden_sm: hidden, sm and teacher-forced fits bit-identical over 1/2/3 ranks and threads"
