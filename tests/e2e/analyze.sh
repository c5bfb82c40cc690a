# spikefit analyze: NMF modules, geodesic similarity, correlations and distances are added
# to the run's file and a text summary; bad input leaves the file untouched.
source "$(dirname "$0")/lib.sh"
run 1 generate -o gt.h5
run 1 fit -data gt.h5 -o run.h5 -fit_iters 50 -fit_quiet
run 2 analyze run.h5 > an.txt
cat an.txt
[ -f run.h5.analysis.txt ] || fail "no text summary"
for d in geodesic_similarity_fitted geodesic_similarity_initial spike_correlation_fitted rate_rmse_fitted nmf/W_target nmf/H_fitted xcorr_fitted_target covariance_target relative_distance/total; do
  h5dump -d /analysis/$d run.h5 > /dev/null || fail "/analysis/$d missing"
done
/usr/bin/python3 - <<'PY' || fail "analysis values"
import h5py, numpy as np
f = h5py.File("run.h5", "r")
a = f["analysis"]
sf, si = a["geodesic_similarity_fitted"][0], a["geodesic_similarity_initial"][0]
assert 0 <= si <= 1 and 0 <= sf <= 1, (sf, si)
# on this deterministic case the fit reproduces the target's modules far better than the start
assert sf > si + 0.2, (sf, si)
W = a["nmf/W_target"][()]
assert W.shape == (12, 3) and np.all(W >= 0) and np.allclose(np.linalg.norm(W, axis=0), 1)
x = a["xcorr_fitted_target"][()]
assert abs(np.mean(np.diag(x)) - a["spike_correlation_fitted"][0]) < 1e-12
rel = a["relative_distance/total"][()]
d = f["distance/total"][()]
assert rel[0] == 1 and abs(rel[-1] - d[-1] / d[0]) < 1e-12
PY
# running it again replaces the analysis rather than failing
run 1 analyze -run run.h5 -analyze_k 2 > /dev/null
h5dump -d /analysis/nmf/W_target run.h5 | grep -q "( 12, 2 )" || fail "-analyze_k 2 not applied"
sum=$(md5sum run.h5)
expect_fail 1 "not the results of a fit" "$SPIKEFIT" analyze gt.h5
expect_fail 1 "analyze_k" "$SPIKEFIT" analyze run.h5 -analyze_k 40
expect_fail 1 "nothere.h5" "$SPIKEFIT" analyze nothere.h5
expect_fail 1 "needs the results file" "$SPIKEFIT" analyze
[ "$sum" = "$(md5sum run.h5)" ] || fail "a failed analysis changed run.h5"
# a fit without evaluation windows writes empty spike datasets, which analyze refuses clearly
run 1 fit -data gt.h5 -o noeval.h5 -fit_iters 1 -fit_eval_windows 0 -fit_quiet
h5dump -d /eval/target/times_ms noeval.h5 | grep -q "SIMPLE { ( 0 )" || fail "empty evaluation spikes not written"
expect_fail 1 "no evaluation spikes" "$SPIKEFIT" analyze noeval.h5
[ ! -e run.h5.tmp ] || fail "a failed analysis left run.h5.tmp"
echo "analyze: pass"
