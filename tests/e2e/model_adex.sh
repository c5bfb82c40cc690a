# AdEx (src/model_adex.c), added as one file: generate an adex ground truth, fit it for a few
# iterations on 1 and 2 ranks (same bits, the loss goes down), check the saved gradient with
# the independent python checker (complex step of docs/MODELS.md's equations), and its own
# option: -adex_reset_offset changes the spikes and the options hash, and is refused for lif;
# and report.py shows its blocks.
source "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
run 1 generate -o gt.h5 -gen_model adex -gen_duration_ms 4000 > gen.txt || fail "generate -gen_model adex failed"
cat gen.txt
grep -q "model adex" gen.txt || fail "generate did not report model adex"
h5dump -d /truth/V_T gt.h5 > /dev/null || fail "/truth/V_T missing"
h5dump -a /truth/adex_reset_offset gt.h5 > /dev/null || fail "/truth has no attribute adex_reset_offset"
spikes=$(h5dump -d /spikes/offsets gt.h5 | awk -F, '/\(/{v=$NF} END{gsub(/[^0-9]/,"",v); print v+0}')
[ "$spikes" -ge 100 ] || fail "the adex ground truth has only $spikes spikes"

run 1 fit -data gt.h5 -model adex -o r1.h5 -fit_iters 8 -fit_quiet > fit1.txt 2>&1 || { cat fit1.txt; fail "fit -model adex failed"; }
run 2 fit -data gt.h5 -model adex -o r2.h5 -fit_iters 8 -fit_quiet > fit2.txt 2>&1 || { cat fit2.txt; fail "fit -model adex on 2 ranks failed"; }
same_final r1.h5 r2.h5
"$PY" - r1.h5 << 'PYEOF' || fail "the adex fit did not lower the loss or lacks its blocks"
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "r") as f:
    L = f["loss/train"][()]
    blocks = f["params"].attrs["blocks"]
    blocks = (blocks.decode() if isinstance(blocks, bytes) else str(blocks)).split(",")
    print("loss", L[0], "->", L[-1], "blocks", blocks)
    assert blocks == ["E_L", "tau_m", "tau_g", "R_I", "Delta_T", "V_T", "a", "b", "tau_w", "W", "r_p"], blocks
    assert all(np.all(np.isfinite(f["params/final/" + b][()])) for b in blocks)
    assert np.all(np.isfinite(L)) and L[-1] < L[0], L
PYEOF

# the gradient of the first step, recomputed independently
run 1 fit -data gt.h5 -model adex -o gc.h5 -fit_iters 1 -fit_save_gradient -fit_quiet > gc.txt 2>&1 || { cat gc.txt; fail "fit -fit_save_gradient failed"; }
"$PY" "$SRC/tests/python/check_gradient.py" gc.h5 1e-6 || fail "the adex gradient check failed"
cp gc.h5 broken.h5
"$PY" - broken.h5 << 'PYEOF' || fail "could not corrupt broken.h5"
import sys, h5py
with h5py.File(sys.argv[1], "r+") as f:
    d = f["gradient_check/grad/tau_w"]; v = d[()]; v[2] *= 1 + 1e-4; d[...] = v
PYEOF
"$PY" "$SRC/tests/python/check_gradient.py" broken.h5 1e-6 > broken.txt 2>&1 && { cat broken.txt; fail "the checker accepted a corrupted tau_w gradient"; }
grep -q "MISMATCH tau_w\[2\]" broken.txt || { cat broken.txt; fail "the checker did not name tau_w[2]"; }

# the model's own option: in the hash, in the dynamics, unknown to other models
run 1 generate -o gt_off.h5 -gen_model adex -gen_duration_ms 4000 -adex_reset_offset 5 > /dev/null || fail "-adex_reset_offset refused"
cmp -s <(h5dump -d /spikes/times_ms gt.h5 | tail -n +3) <(h5dump -d /spikes/times_ms gt_off.h5 | tail -n +3) && fail "-adex_reset_offset 5 did not change the spikes"
run 1 fit -data gt.h5 -model adex -o r_off.h5 -fit_iters 1 -fit_quiet -adex_reset_offset 5 > /dev/null 2>&1 || fail "fit -adex_reset_offset failed"
h5dump -d /canonical_options r_off.h5 | grep -q "adex_reset_offset=5" || fail "adex_reset_offset is not in the canonical options"
h5dump -d /canonical_options r1.h5 | grep -q "adex_reset_offset=0" || fail "adex_reset_offset=0 is not in the canonical options"
run 1 generate -o gt_lif.h5 -gen_duration_ms 4000 > /dev/null
expect_fail x "adex_reset_offset" run 1 fit -data gt_lif.h5 -o r_lif.h5 -fit_iters 1 -adex_reset_offset 5
# the figures show every adex block (postprocess reads the block names from the file)
"$PY" "$SRC/postprocess/report.py" r1.h5 -o rep > rep.txt 2>&1 || { cat rep.txt; fail "report.py failed on an adex fit"; }
"$PY" - rep/r1/summary.json << 'PYEOF' || fail "the report lacks adex blocks"
import sys, json
d = json.load(open(sys.argv[1]))
got = d["relative_distance_blocks"]
print("report blocks:", sorted(got))
for b in ("Delta_T", "V_T", "a", "b", "tau_w", "E_L", "W"):
    assert b in got, b
PYEOF
echo "model_adex: ok"
