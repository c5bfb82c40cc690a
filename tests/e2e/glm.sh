# spikefit glm: the Poisson GLM baseline is fitted on a run's TRAINING data (a recording's
# fitting span, or a ground truth's own spikes), run free over the whole evaluation span and
# scored as the row glm of the held-out table; SIGTERM stops it with exit 76 and no output,
# -glm_max_minutes cuts it; 1 and 2 ranks give the same bits; bad input leaves RUN.h5 untouched.
source "$(dirname "$0")/lib.sh"

# ---- 1. a synthetic ground truth: trained on gt.h5's spikes, evaluated on /eval/target
run 1 generate -o gt.h5
run 1 fit -data gt.h5 -o run.h5 -fit_iters 5 -fit_quiet
run 2 glm run.h5 > glm.txt
cat glm.txt
grep -q "^glm: 12 neurons, 5 bases, fitted on 4000 bins of 1 ms (the spikes of the ground truth's data file gt.h5" glm.txt || fail "no summary line"
grep -q "^glm: glm  " glm.txt || fail "no table row printed"
for d in bias filters basis loglik loglik_bias_only tao_iterations tao_reason simulated/times_ms simulated/offsets span_ms rate_glm rate_target \
  compare/geodesic_similarity compare/spike_correlation compare/rate_rmse compare/covariance_distance compare/xcorr_glm_target compare/nmf/W_glm; do
  h5dump -d /glm/$d run.h5 > /dev/null || fail "/glm/$d missing"
done
for d in rate_error rate_r corr_r mean_rate max_rate nrated npairs runaway; do
  h5dump -d /eval/compare/glm/$d run.h5 > /dev/null || fail "/eval/compare/glm/$d missing"
done
h5diff run.h5 run.h5 /params/final /params/final > /dev/null || fail "run.h5 damaged"
/usr/bin/python3 - <<'PY' || fail "glm values"
import h5py, numpy as np
f, gt = h5py.File("run.h5", "r"), h5py.File("gt.h5", "r")
g = f["glm"]
n, K, L = 12, 5, 100
dt = float(f.attrs["dt"])
text = lambda v: v.decode() if isinstance(v, bytes) else str(v)
assert "gt.h5" in text(g.attrs["trained_on"]) and "fresh synthetic" in text(g.attrs["evaluated_on"])
assert g["bias"].shape == (n,) and g["filters"].shape == (n, n, K) and g["basis"].shape == (K, L)
assert np.all(np.isfinite(g["bias"][()])) and np.all(np.isfinite(g["filters"][()]))
assert np.all(g["tao_reason"][()] > 0), g["tao_reason"][()]
# the training data: gt.h5's spikes on its observation interval, one continuous segment
lo, hi = gt["spikes/intervals_ms"][0]
T = int(np.floor((hi - lo) / dt + 1e-9))
assert int(g.attrs["fit_bins"]) == T
off, tt = gt["spikes/offsets"][()], gt["spikes/times_ms"][()]
y = np.zeros((T, n))
for i in range(n):
    y[np.floor((tt[off[i]:off[i + 1]] - lo) / dt).astype(int), i] = 1
C = y.sum(0)
ll0 = np.where(C > 0, C * np.log(np.maximum(C, 1) / T) - C, 0.0)
assert np.allclose(ll0, g["loglik_bias_only"][()], rtol=1e-10, atol=1e-9)
# the log-likelihood recomputed from bias, filters and basis: history continuous over the span
B = g["basis"][()]
X = np.zeros((T, n, K))
for i in range(n):
    for u in np.nonzero(y[:, i])[0]:
        m = min(L, T - 1 - u)
        X[u + 1:u + 1 + m, i, :] += B[:, :m].T
eta = g["bias"][()][None, :] + np.einsum("tjk,jik->ti", X, g["filters"][()])
ll = (y * eta - np.exp(eta)).sum(0)
assert np.allclose(ll, g["loglik"][()], rtol=1e-8), (ll, g["loglik"][()])
# the penalised optimum beats filters 0, to the fit's tolerance (~1e-4 nats per neuron; a
# silent neuron's bias only tends to -inf, its bias-only maximum 0 is not attained)
assert ll.sum() > ll0.sum() + 1 and np.all(ll >= ll0 - np.where(C > 0, 1e-3, 0.05)), (ll - ll0)
# the simulation: free-running over the whole evaluation span (/eval/target's duration), on the
# intervals of /eval/span_ms (a synthetic run's evaluation windows are independent runs from
# rest, back to back from 0 ms: one interval each)
E = int(f["eval"].attrs["windows"]) * int(f["eval"].attrs["window_steps"])
span = g["span_ms"][()]
assert np.array_equal(span, f["eval/span_ms"][()]), span
assert span[0, 0] == 0 and span[-1, 1] == E * dt and np.all(span[1:, 0] == span[:-1, 1]), span
assert int(g.attrs["simulated_bins"]) == E
so, st = g["simulated/offsets"][()], g["simulated/times_ms"][()]
assert so.shape == (n + 1,) and so[0] == 0 and so[-1] == len(st) and np.all(np.diff(so) >= 0)
assert np.all(st >= 0) and np.all(st < E * dt)
# the table's row recomputed with numpy on 20 ms counts
def counts(off, t):
    c = np.zeros((int(E * dt // 20), n))
    for i in range(n):
        b = np.floor(t[off[i]:off[i + 1]] / 20).astype(int)
        np.add.at(c[:, i], b[b < len(c)], 1)
    return c
cg, ct = counts(so, st), counts(f["eval/target/offsets"][()], f["eval/target/times_ms"][()])
rg, rt = cg.mean(0) / 0.02, ct.mean(0) / 0.02
row = f["eval/compare/glm"]
ok = rt > 0
assert abs(np.median(np.abs(rg[ok] - rt[ok]) / rt[ok]) - row["rate_error"][0]) < 1e-12
assert abs(np.corrcoef(rg, rt)[0, 1] - row["rate_r"][0]) < 1e-9
assert abs(rg.mean() - row["mean_rate"][0]) < 1e-9 and abs(rg.max() - row["max_rate"][0]) < 1e-9
assert int(row["nrated"][0]) == ok.sum()
assert np.allclose(g["rate_glm"][()], rg) and np.allclose(g["rate_target"][()], rt)
c = g["compare"]
assert 0 <= c["geodesic_similarity"][0] <= 1 and np.isfinite(c["covariance_distance"][0])
PY
# deterministic: a second run writes the same model and simulation; blmvm reaches the same optimum
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
# to the joint fit's tolerance (the penalised optimum to ~1e-4 nats per neuron; the
# unpenalised part moves more along flat directions)
assert np.allclose(a, b, rtol=1e-5, atol=0.02), (a, b)
PY
# fitted on a separate spike file
run 1 glm run.h5 -glm_data gt.h5 -glm_nbasis 4 -glm_history_ms 50 > data.txt
attr=$(h5dump -a /glm/trained_on run.h5); filt=$(h5dump -H -d /glm/filters run.h5); basis=$(h5dump -H -d /glm/basis run.h5)
grep -q "glm_data gt.h5" <<< "$attr" || fail "-glm_data not recorded"
grep -q "( 12, 12, 4 )" <<< "$filt" || fail "-glm_nbasis 4 not applied"
grep -q "( 4, 50 )" <<< "$basis" || fail "-glm_history_ms 50 not applied"

# ---- 2. a recording whose training span fires at ~4 Hz and whose last 20 s fire at ~40 Hz:
# the GLM is fitted on the training span only, so it fires at the training rate
/usr/bin/python3 - <<'PY'
import h5py, numpy as np
rng = np.random.default_rng(3)
n, T, H = 8, 100_000.0, 20_000.0
times, offsets = [], [0]
for i in range(n):
    a = np.sort(rng.uniform(0, T - H, rng.poisson(4.0 * (T - H) / 1000)))
    b = np.sort(rng.uniform(T - H, T, rng.poisson(40.0 * H / 1000)))
    times.append(np.concatenate([a, b])); offsets.append(offsets[-1] + len(times[-1]))
with h5py.File("shift.h5", "w") as f:
    f.attrs["spikefit_format"] = "spikes"
    f["spikes/times_ms"] = np.concatenate(times)
    f["spikes/offsets"] = np.array(offsets, dtype=np.int64)
    f["spikes/unit_ids"] = np.arange(n, dtype=np.int64)
    f["spikes/intervals_ms"] = np.array([[0.0, T]])
PY
run 1 fit -data shift.h5 -data_holdout 20000 -o rec.h5 -fit_iters 1 -fit_windows 2 -fit_quiet > /dev/null
cp rec.h5 rec0.h5
run 1 glm rec.h5 > rec.txt
cat rec.txt
grep -q "fitted on 80000 bins of 1 ms (the fitting span \[0, 80000) ms of shift.h5)" rec.txt || fail "not fitted on the training span"
grep -q "simulated free-running over 20000 bins (the held-out span \[80000, 100000) ms" rec.txt || fail "not simulated over the whole held-out span"
/usr/bin/python3 - <<'PY' || fail "training span"
import h5py, numpy as np
f = h5py.File("rec.h5", "r"); g = f["glm"]
rate = np.exp(g["bias"][()]) * 1000  # the baseline rate (Hz) of each neuron
assert np.all((rate > 2.5) & (rate < 6)), rate          # the training's 4 Hz, not the holdout's 40
assert np.allclose(g["span_ms"][()], [[80000, 100000]])
so, st = g["simulated/offsets"][()], g["simulated/times_ms"][()]
assert np.all((st >= 80000) & (st < 100000))             # recording time inside the holdout
rg = np.diff(so) / 20.0
assert 2.5 < rg.mean() < 6, rg                            # free-running at the training rate
assert abs(f["eval/compare/glm/rate_error"][0] - 0.9) < 0.06, f["eval/compare/glm/rate_error"][0]
PY

# ---- 3. 1 and 2 ranks (80000 training bins: three row groups, split over the ranks)
cp rec0.h5 rec2.h5
run 2 glm rec2.h5 > /dev/null
for d in bias filters loglik simulated/times_ms; do
  h5diff rec.h5 rec2.h5 /glm/$d /glm/$d > /dev/null || fail "/glm/$d differs between 1 and 2 ranks"
done
OMP_NUM_THREADS=2 run 1 glm rec2.h5 > /dev/null
for d in bias filters loglik; do
  h5diff rec.h5 rec2.h5 /glm/$d /glm/$d > /dev/null || fail "/glm/$d differs between 1 and 2 threads"
done

# ---- 4. the time budget: the fit stops at the first iteration boundary after it, and says so
run 1 glm rec2.h5 -glm_max_minutes 1e-9 > budget.txt
grep -q "warning: the fit was cut by the time budget (-glm_max_minutes 1e-09) after 0 TAO iterations" budget.txt || { cat budget.txt; fail "time budget not honoured"; }
stopped=$(h5dump -a /glm/stopped rec2.h5)
grep -q "time budget" <<< "$stopped" || fail "/glm stopped not recorded"

# ---- 5. SIGTERM during the fit (40 units, 10 minutes: seconds per TAO iteration): exit 76,
# RUN.h5 unchanged, no .tmp left
/usr/bin/python3 "$SRC/bench/make_recording.py" big.h5 40 10 5 > /dev/null
run 1 fit -data big.h5 -data_holdout 60000 -o big_run.h5 -fit_iters 1 -fit_windows 2 -fit_quiet > /dev/null
sum=$(md5sum big_run.h5)
rc=0
"$SPIKEFIT" glm big_run.h5 -glm_tao_monitor > sig.txt 2>&1 &
pid=$!
for i in $(seq 1 600); do grep -q "0 TAO" sig.txt && break; kill -0 $pid 2> /dev/null || break; sleep 0.02; done
kill -TERM $pid 2> /dev/null || true
wait $pid || rc=$?
cat sig.txt | tail -3
[ "$rc" = 76 ] || fail "SIGTERM: exit $rc, expected 76"
grep -q "signal received during the fit; big_run.h5 is unchanged (exit 76)" sig.txt || fail "SIGTERM not reported"
[ "$sum" = "$(md5sum big_run.h5)" ] || fail "SIGTERM changed big_run.h5"
[ ! -e big_run.h5.tmp ] || fail "SIGTERM left a .tmp file"

# ---- 6. bad input: one clear error naming the file, non-zero exit, run.h5 unchanged
sum=$(md5sum run.h5)
/usr/bin/python3 -c "
import h5py, shutil, numpy as np
shutil.copy('run.h5', 'noeval.h5')
with h5py.File('noeval.h5', 'a') as f: del f['eval']
shutil.copy('rec.h5', 'lost.h5')
with h5py.File('lost.h5', 'a') as f: f.attrs['data'] = np.bytes_('gone.h5')
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
expect_fail 1 "the fit's data file 'gone.h5' (attribute data) is not readable" "$SPIKEFIT" glm lost.h5
expect_fail 1 "glm_tao_type must be lmvm or blmvm" "$SPIKEFIT" glm run.h5 -glm_tao_type nls
expect_fail 1 "glm_l2" "$SPIKEFIT" glm run.h5 -glm_l2 -1
expect_fail 1 "glm_max_minutes" "$SPIKEFIT" glm run.h5 -glm_max_minutes -1
expect_fail 1 "glm_nbasis" "$SPIKEFIT" glm run.h5 -glm_nbasis 0
expect_fail 1 "glm_k" "$SPIKEFIT" glm run.h5 -glm_k 40
expect_fail 1 "unknown option" "$SPIKEFIT" glm run.h5 -glm_typo 1
expect_fail x "noeval.h5 has no /eval/target" run 2 glm noeval.h5
[ "$sum" = "$(md5sum run.h5)" ] || fail "a failed glm changed run.h5"
[ ! -e run.h5.tmp ] && [ ! -e noeval.h5.tmp ] || fail "a failed glm left a .tmp file"
echo "glm: pass"
