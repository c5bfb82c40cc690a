# postprocess/report.py: every figure a small fit allows is written as a valid PNG and linked
# from index.html, and the numbers it plotted (summary.json) are the file's; figures whose
# data a file lacks are left out; restarts and a set of runs get the KDE figures.
source "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
REPORT="$SRC/postprocess/report.py"
PKGS="python3-h5py python3-matplotlib python3-numpy"
[ -x "$PY" ] || fail "$PY is missing: install the Debian packages python3 $PKGS"
"$PY" -c "import h5py, matplotlib, numpy" 2> py.err || { cat py.err >&2; fail "$PY lacks h5py/matplotlib/numpy: install the Debian packages $PKGS"; }

run 1 generate -o gt.h5 -gen_seed 0 -gen_n 12 > /dev/null
run 1 fit -data gt.h5 -o run.h5 -fit_iters 5 -fit_eval_windows 2 -fit_quiet > /dev/null
run 1 fit -data gt.h5 -o nohist.h5 -fit_iters 4 -fit_eval_windows 2 -loss mix -optim sgd -fit_save_history false -fit_quiet > /dev/null
run 2 fit -data gt.h5 -o rs.h5 -fit_iters 3 -fit_eval_windows 2 -fit_restarts 3 -fit_quiet > /dev/null

# check_png FILE: exists, non-empty, PNG magic bytes, plausible size in pixels
check_png() {
  [ -s "$1" ] || fail "$1 missing or empty"
  [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] || fail "$1 is not a PNG"
}
# check_report OUTDIR RUNNAME FIGURES...: the run's figures are PNGs and index.html links them
check_report() {
  local out=$1 name=$2; shift 2
  [ -s "$out/index.html" ] || fail "$out/index.html missing"
  [ -s "$out/$name/summary.json" ] || fail "$out/$name/summary.json missing"
  for fig in "$@"; do
    check_png "$out/$name/$fig"
    grep -q "src=\"$name/$fig\"" "$out/index.html" || fail "$out/index.html does not link $name/$fig"
  done
}

# 1. one run with everything
"$PY" "$REPORT" run.h5 -o rep1 > rep1.log 2>&1 || { cat rep1.log; fail "report.py failed on run.h5"; }
ALL="raster.png loss.png grad_norm.png params.png W.png distance.png rates.png"
check_report rep1 run $ALL
[ -s rep1/summary.json ] || fail "rep1/summary.json missing"
# every link in index.html points at an existing file (relative links only)
grep -o 'src="[^"]*"\|href="[^"#]*"' rep1/index.html | sed 's/^[a-z]*="//; s/"$//' | while read -r l; do
  case "$l" in /*|*://*) fail "index.html link $l is not relative";; esac
  [ -e "rep1/$l" ] || fail "index.html links $l, which does not exist"
done

# the plotted numbers are the file's (read independently with h5py, and the first loss with h5dump)
"$PY" - rep1/run/summary.json run.h5 <<'PY' || fail "summary.json does not match run.h5"
import json, sys
import h5py, numpy as np
s = json.load(open(sys.argv[1]))
f = h5py.File(sys.argv[2], "r")
L = f["loss/train"][()]
assert s["loss_first"] == L[0] and s["loss_last"] == L[-1], (s["loss_first"], s["loss_last"], L)
assert s["iterations"] == len(L) == f.attrs["iterations"] == 5
v = s["values"]
assert np.array_equal(v["loss"]["train"], L)
assert np.array_equal(v["grad_norm"]["grad_norm"], f["loss/grad_norm"][()])
for k in ("target", "fitted", "initial"):
    assert np.array_equal(v["rates"][k], f["eval/rate_" + k][()]), k
err = np.mean(np.abs(f["eval/rate_fitted"][()] - f["eval/rate_target"][()]))
assert abs(s["mean_abs_rate_error_hz"] - err) < 1e-12 and abs(v["rates"]["mean_abs_error"] - err) < 1e-12
d = f["distance/total"][()]
assert abs(s["relative_distance"] - d[-1] / d[0]) < 1e-12
for b in ("E_L", "tau_m", "tau_g", "R_I", "W"):
    db = f["distance/" + b][()]
    assert abs(v["distance"][b] - db[-1] / db[0]) < 1e-12, b
# raster spike counts are the /eval trains
for k in ("target", "fitted", "initial"):
    assert v["raster"]["spikes"][k] == len(f[f"eval/{k}/times_ms"]), k
assert abs(v["raster"]["duration_s"] - 2 * f.attrs["window_steps"] * f.attrs["dt"] / 1000) < 1e-12
# trajectories: the last row of the history
for b in ("E_L", "tau_m", "R_I"):
    assert np.array_equal(v["params"][b], f["params/history/" + b][-1]), b
assert np.array_equal(v["W"]["W_final"], f["params/final/W"][()])
# the top-level summary has the same run
top = json.load(open(sys.argv[1].replace("run/summary.json", "summary.json")))
assert top["runs"][0]["loss_last"] == L[-1] and top["set"] is None
PY
first=$(h5dump -m %.17g -d /loss/train -y -w 0 run.h5 | sed -n '/DATA {/,/}/p' | tr -d ' ' | sed -n 2p | cut -d, -f1)
"$PY" -c "import json,sys; s=json.load(open('rep1/run/summary.json')); assert abs(s['loss_first']-float(sys.argv[1]))<=1e-14*abs(s['loss_first']), (s['loss_first'], sys.argv[1])" "$first" \
  || fail "summary.json's first loss differs from h5dump's ($first)"
grep -q "<td>$("$PY" -c "import json; print(format(json.load(open('rep1/run/summary.json'))['loss_last'], '.4g'))")</td>" rep1/index.html \
  || fail "index.html's table lacks the last loss"

# 2. no history, mix loss: trajectory figure absent, the rest present
"$PY" "$REPORT" nohist.h5 -o rep2 > rep2.log 2>&1 || { cat rep2.log; fail "report.py failed on nohist.h5"; }
check_report rep2 nohist raster.png loss.png grad_norm.png W.png distance.png rates.png
[ ! -e rep2/nohist/params.png ] || fail "params.png written without /params/history"
! grep -q "nohist/params.png" rep2/index.html || fail "index.html links a figure that was not made"

# 3. the validation curve (/loss/validation, written by every fit with -fit_validate) is
# drawn from the file: change it and the figure's numbers must follow
cp run.h5 val.h5
"$PY" -c "import h5py; f=h5py.File('val.h5','a'); v=f['loss/validation'][()]; del f['loss/validation']; f['loss/validation']=v*1.1"
"$PY" "$REPORT" val.h5 -o rep3 > rep3.log 2>&1 || { cat rep3.log; fail "report.py failed on val.h5"; }
"$PY" -c "
import json, h5py, numpy as np
s = json.load(open('rep3/val/summary.json')); f = h5py.File('val.h5', 'r')
assert np.array_equal(s['values']['loss']['validation'], f['loss/validation'][()])" || fail "validation curve not plotted from the file"

# 4. a set: run + nohist + restarts -> per-run figures, the restarts' KDEs and the set's figures
"$PY" "$REPORT" run.h5 nohist.h5 rs.h5 -o rep4 > rep4.log 2>&1 || { cat rep4.log; fail "report.py failed on a set of runs"; }
KDE="kde.png kde_E_L.png kde_tau_m.png kde_tau_g.png kde_R_I.png loss_compare.png"
check_report rep4 run $ALL
check_report rep4 rs $ALL $KDE
check_report rep4 set $KDE
"$PY" - <<'PY' || fail "set summary wrong"
import json, h5py, numpy as np
s = json.load(open("rep4/summary.json"))
assert [r["name"] for r in s["runs"]] == ["run", "nohist", "rs"]
assert s["set"]["fits"] == 1 + 1 + 3, s["set"]
rs = s["runs"][2]
f = h5py.File("rs.h5", "r")
assert rs["fits"] == 3 and rs["best_fit"] == f.attrs["best_fit"]
for k, r in enumerate(rs["restarts"]):
    L = f[f"fit_{k}/loss/train"][()]
    assert r["group"] == f"fit_{k}" and r["loss_first"] == L[0] and r["loss_last"] == L[-1], (k, r)
# the pooled KDE used every fit's final values: 5 fits x 12 neurons
assert s["set"]["values"]["kde"]["E_L"]["n_values"] == 5 * 12
fin = [h5py.File(p, "r")["params/final/E_L"][()] for p in ("run.h5", "nohist.h5")] + [f[f"fit_{k}/params/final/E_L"][()] for k in range(3)]
assert abs(s["set"]["values"]["kde"]["E_L"]["mean_final"] - np.mean(np.concatenate(fin))) < 1e-9
PY

# 5. the numpy KDE integrates to one and matches the closed form for one sample
"$PY" - "$SRC/postprocess" <<'PY' || fail "gaussian_kde"
import sys, math
sys.path.insert(0, sys.argv[1])
import numpy as np, spikefit_plots as sp
x = np.random.default_rng(1).normal(2.0, 0.5, 200)
g = np.linspace(-2, 6, 4001)
k = sp.gaussian_kde(x, g)
assert abs(np.trapz(k, g) - 1) < 1e-3
one = sp.gaussian_kde([0.0], np.array([0.0, 1.0]), bandwidth=0.5)
assert np.allclose(one, [1 / (0.5 * math.sqrt(2 * math.pi)), math.exp(-2) / (0.5 * math.sqrt(2 * math.pi))])
PY

# 6. bad input: a spike-data file, a missing file; missing Python packages are named
expect_fail x "not the results of a fit" "$PY" "$REPORT" gt.h5 -o bad
expect_fail x "nothere.h5" "$PY" "$REPORT" nothere.h5 -o bad
mkdir -p fakepy && echo 'raise ImportError("No module named h5py")' > fakepy/h5py.py
expect_fail x "python3-h5py python3-matplotlib python3-numpy" env PYTHONPATH="$WORK/fakepy" "$PY" "$REPORT" run.h5 -o bad

# 4. NMF modules, correlation matrices, GLM filters and a landscape, from analyze, glm and
#    landscape outputs; their numbers come from the files
cp run.h5 full.h5
"$SPIKEFIT" analyze full.h5 > /dev/null || fail "analyze failed"
"$SPIKEFIT" glm full.h5 > /dev/null || fail "glm failed"
mpirun -n 1 "$SPIKEFIT" landscape -data gt.h5 -o land.h5 -land_nx 4 -land_ny 3 -fit_windows 2 > /dev/null || fail "landscape failed"
"$PY" "$REPORT" full.h5 land.h5 -o rep4 > rep4.log 2>&1 || { cat rep4.log; fail "report.py failed on analysed runs and a landscape"; }
for f in full/nmf.png full/xcorr.png full/glm.png land/landscape.png; do
  [ -s "rep4/$f" ] && head -c 8 "rep4/$f" | od -An -tx1 | grep -q "89 50 4e 47" || fail "rep4/$f is not a PNG"
  grep -q "$f" rep4/index.html || fail "index.html does not link $f"
done
"$PY" -c "
import json, h5py, numpy as np
s = json.load(open('rep4/full/summary.json'))['values']; f = h5py.File('full.h5', 'r')
assert np.allclose(s['xcorr']['corr_target'], f['eval/compare/corr_target'][()])
assert np.allclose(s['glm']['bias'], f['glm/bias'][()])
l = json.load(open('rep4/land/summary.json'))['values']['landscape']; g = h5py.File('land.h5', 'r')['landscape']
assert np.allclose(l['loss'], g['loss'][()]) and l['min'] == g['loss'][()].min()
" || fail "analysis figures do not match the files"
echo "postprocess: pass"
