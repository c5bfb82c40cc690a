# A shortened paper suite (1 seed, 2 losses, 2 optimisers, 2 restarts, 3 iterations): the
# table and Figures 4, 7, 8, 11 are produced and their numbers come from the run files.
source "$(dirname "$0")/lib.sh"
SPIKEFIT=$SPIKEFIT SUITE_SEEDS=0 SUITE_LOSSES="frd vrd" SUITE_RESTARTS=2 SUITE_ITERS=3 \
  bash "$SRC/jobs/paper_suite.sh" suite 2 > suite.txt 2>&1 || { cat suite.txt; fail "paper_suite.sh failed"; }
cat suite.txt
for f in table.md figures/fig4_loss.png figures/fig7_geodesic.png figures/fig8_distance.png figures/fig11_xcorr.png figures/figures.json; do
  [ -s suite/$f ] || fail "suite/$f missing or empty"
done
[ "$(grep -c '^| \(frd\|vrd\) |' suite/table.md)" = 4 ] || fail "table should have 4 configuration rows"
/usr/bin/python3 - <<'PY' || fail "figure numbers do not match the run files"
import json, h5py, numpy as np
fig = json.load(open("suite/figures/figures.json"))
for loss in ("frd", "vrd"):
    for opt in ("adam", "sgd"):
        with h5py.File(f"suite/seed0_{loss}_{opt}.h5", "r") as f:
            sims = [f[f"fit_{k}/analysis/geodesic_similarity_fitted"][0] for k in range(2)]
            xc = [f[f"fit_{k}/analysis/spike_correlation_fitted"][0] for k in range(2)]
        v = fig["fig7"][f"{loss}_{opt}"]
        assert abs(v["mean"] - np.mean(sims)) < 1e-12 and abs(v["best"] - max(sims)) < 1e-12 and v["n"] == 2, (v, sims)
        assert abs(fig["fig11"][f"{loss}_{opt}"]["mean"] - np.mean(xc)) < 1e-12
        table = open("suite/table.md").read()
        assert f"| {loss} | {opt} | 2 | {np.mean(sims):.3f} | {max(sims):.3f} |" in table, table
PY
echo "paper_suite: pass"
