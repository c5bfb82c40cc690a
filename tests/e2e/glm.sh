# spikefit glm: the Poisson GLM baseline is fitted to a run's evaluation target, simulated and
# compared; /glm is added to the run's file; bad input leaves the file untouched.
source "$(dirname "$0")/lib.sh"
run 1 generate -o gt.h5
run 1 fit -data gt.h5 -o run.h5 -fit_iters 5 -fit_quiet
run 2 glm run.h5 > glm.txt
cat glm.txt
grep -q "^glm: 12 neurons, 5 bases, fitted on 4000 bins of 1 ms with nls" glm.txt || fail "no summary line"
for d in bias filters basis loglik loglik_bias_only tao_iterations tao_reason simulated/times_ms simulated/offsets rate_glm rate_target \
  compare/geodesic_similarity compare/spike_correlation compare/rate_rmse compare/covariance_distance compare/xcorr_glm_target compare/nmf/W_glm; do
  h5dump -d /glm/$d run.h5 > /dev/null || fail "/glm/$d missing"
done
h5diff run.h5 run.h5 /params/final /params/final > /dev/null || fail "run.h5 damaged"
/usr/bin/python3 - <<'PY' || fail "glm values"
import h5py, numpy as np
f = h5py.File("run.h5", "r")
g = f["glm"]
n, K, L = 12, 5, 100
T = int(f["eval"].attrs["windows"]) * int(f["eval"].attrs["window_steps"])
ws = int(f["eval"].attrs["window_steps"])
dt = float(f.attrs["dt"])
assert g["bias"].shape == (n,) and g["filters"].shape == (n, n, K) and g["basis"].shape == (K, L)
assert np.all(np.isfinite(g["bias"][()])) and np.all(np.isfinite(g["filters"][()]))
assert np.all(g["tao_reason"][()] > 0), g["tao_reason"][()]
# the target, binned; the bias-only maximum computed here independently
off, tt = f["eval/target/offsets"][()], f["eval/target/times_ms"][()]
y = np.zeros((T, n))
for i in range(n):
    y[np.floor(tt[off[i]:off[i + 1]] / dt).astype(int), i] = 1
C = y.sum(0)
ll0 = np.where(C > 0, C * np.log(np.maximum(C, 1) / T) - C, 0.0)
assert np.allclose(ll0, g["loglik_bias_only"][()], rtol=1e-10, atol=1e-9)
# the GLM's log-likelihood recomputed from the written bias, filters and basis
B = g["basis"][()]
X = np.zeros((T, n, K))
for w in range(T // ws):
    for i in range(n):
        for u in np.nonzero(y[w * ws:(w + 1) * ws, i])[0]:
            m = min(L, ws - 1 - u)
            X[w * ws + u + 1:w * ws + u + 1 + m, i, :] += B[:, :m].T
eta = g["bias"][()][None, :] + np.einsum("tjk,jik->ti", X, g["filters"][()])
ll = (y * eta - np.exp(eta)).sum(0)
assert np.allclose(ll, g["loglik"][()], rtol=1e-8), (ll, g["loglik"][()])
assert np.all(np.isfinite(ll)) and ll.sum() > ll0.sum() + 1, (ll.sum(), ll0.sum())
assert np.all(ll >= ll0 - 1e-6)  # the penalised optimum is at least as good as filters 0
# the simulation: same duration as the target, rates within a factor of the target's
so, st = g["simulated/offsets"][()], g["simulated/times_ms"][()]
assert so.shape == (n + 1,) and so[0] == 0 and so[-1] == len(st) and np.all(np.diff(so) >= 0)
assert np.all(st >= 0) and np.all(st < T * dt)
rg = np.diff(so) / (T * dt / 1000)
rt = C / (T * dt / 1000)
assert np.allclose(rg, g["rate_glm"][()]) and np.allclose(rt, g["rate_target"][()])
assert 0.5 < rg.mean() / rt.mean() < 2, (rg.mean(), rt.mean())
c = g["compare"]
assert 0 <= c["geodesic_similarity"][0] <= 1
assert np.isfinite(c["covariance_distance"][0]) and np.isfinite(c["spike_correlation"][0])
assert abs(np.sqrt(np.mean((rg - rt) ** 2)) - c["rate_rmse"][0]) < 1e-9
W = c["nmf/W_glm"][()]
assert W.shape == (n, 3) and np.all(W >= 0)
PY
# deterministic: a second run writes the same model and simulation; a quasi-Newton method
# reaches the same optimum
cp run.h5 first.h5
run 1 glm run.h5 > /dev/null
for d in bias filters simulated/times_ms loglik; do
  h5diff first.h5 run.h5 /glm/$d /glm/$d > /dev/null || fail "/glm/$d differs between two identical runs"
done
run 1 glm run.h5 -glm_tao_type blmvm > blmvm.txt
grep -q "with blmvm" blmvm.txt || fail "-glm_tao_type blmvm not applied"
/usr/bin/python3 - <<'PY' || fail "blmvm optimum"
import h5py, numpy as np
a, b = h5py.File("first.h5", "r")["glm/loglik"][()], h5py.File("run.h5", "r")["glm/loglik"][()]
assert np.allclose(a, b, rtol=1e-5), (a, b)
PY
# fitted on a separate spike file (the ground truth's spikes)
run 1 glm run.h5 -glm_data gt.h5 -glm_nbasis 4 -glm_history_ms 50 > data.txt
# (h5dump's output is captured first: grep -q closing the pipe early would trip pipefail)
attr=$(h5dump -a /glm/data run.h5); filt=$(h5dump -H -d /glm/filters run.h5); basis=$(h5dump -H -d /glm/basis run.h5)
grep -q "gt.h5" <<< "$attr" || fail "-glm_data not recorded"
grep -q "( 12, 12, 4 )" <<< "$filt" || fail "-glm_nbasis 4 not applied"
grep -q "( 4, 50 )" <<< "$basis" || fail "-glm_history_ms 50 not applied"
# bad input: one clear error naming the file, non-zero exit, run.h5 unchanged
sum=$(md5sum run.h5)
/usr/bin/python3 -c "
import h5py, shutil
shutil.copy('run.h5', 'noeval.h5')
with h5py.File('noeval.h5', 'a') as f: del f['eval']
"
echo "not hdf5" > text.h5
run 1 generate -o gt6.h5 -gen_n 6 > /dev/null
expect_fail 1 "nothere.h5" "$SPIKEFIT" glm nothere.h5
expect_fail 1 "gt.h5 is a spikefit 'spikes' file, not the results of a fit" "$SPIKEFIT" glm gt.h5
expect_fail 1 "noeval.h5 has no /eval/target" "$SPIKEFIT" glm noeval.h5
expect_fail 1 "text.h5 is not an HDF5 file" "$SPIKEFIT" glm text.h5
expect_fail 1 "needs the results file" "$SPIKEFIT" glm
expect_fail 1 "gt6.h5 has 6 units but the run has 12" "$SPIKEFIT" glm run.h5 -glm_data gt6.h5
expect_fail 1 "missing.h5" "$SPIKEFIT" glm run.h5 -glm_data missing.h5
expect_fail 1 "glm_tao_type must be one of" "$SPIKEFIT" glm run.h5 -glm_tao_type bogus
expect_fail 1 "glm_l2" "$SPIKEFIT" glm run.h5 -glm_l2 -1
expect_fail 1 "glm_nbasis" "$SPIKEFIT" glm run.h5 -glm_nbasis 0
expect_fail 1 "glm_k" "$SPIKEFIT" glm run.h5 -glm_k 40
expect_fail 1 "unknown option" "$SPIKEFIT" glm run.h5 -glm_typo 1
expect_fail x "noeval.h5 has no /eval/target" run 2 glm noeval.h5
[ "$sum" = "$(md5sum run.h5)" ] || fail "a failed glm changed run.h5"
[ ! -e run.h5.tmp ] && [ ! -e noeval.h5.tmp ] || fail "a failed glm left a .tmp file"
echo "glm: pass"
