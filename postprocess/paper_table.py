#!/usr/bin/python3
"""The source paper's summary table from a jobs/paper_suite.sh directory: per configuration
(loss x optimiser) over every ground-truth seed and initial model, the mean and best
geodesic similarity of the NMF modules (fitted vs target), the mean spike correlation, the
mean rate RMSE and the mean relative parameter distance (end / start), plus the GLM
baseline when present. usage: paper_table.py SUITE_DIR"""
import glob
import os
import re
import sys

import h5py
import numpy as np


def fits(path):
    """The per-restart groups of a run file (or the root for a single fit)."""
    with h5py.File(path, "r") as f:
        keys = sorted(k for k in f.keys() if re.fullmatch(r"fit_\d+", k))
        for k in keys or ["/"]:
            g = f[k]
            a = g["analysis"]
            yield {
                "sim": float(a["geodesic_similarity_fitted"][0]),
                "sim0": float(a["geodesic_similarity_initial"][0]),
                "corr": float(a["spike_correlation_fitted"][0]),
                "rmse": float(a["rate_rmse_fitted"][0]),
                "dist": float(a["relative_distance/total"][-1]),
            }


def main(d):
    rows = {}
    for path in sorted(glob.glob(os.path.join(d, "seed*_*_*.h5"))):
        m = re.search(r"seed(\d+)_([a-z]+)_([a-z]+)\.h5$", path)
        if not m or m.group(2) == "glm":
            continue
        rows.setdefault((m.group(2), m.group(3)), []).extend(fits(path))
    glm = []
    for path in sorted(glob.glob(os.path.join(d, "seed*_frd_adam.h5"))):
        with h5py.File(path, "r") as f:
            if "glm/compare" in f:
                c = f["glm/compare"]
                glm.append({k: float(c[k][0]) for k in ("geodesic_similarity", "spike_correlation", "rate_rmse", "covariance_distance") if k in c})
    print("| loss | optimiser | fits | geodesic similarity mean | best | at start (mean) | spike correlation | rate RMSE (Hz) | rel. parameter distance |")
    print("|---|---|---|---|---|---|---|---|---|")
    order = ["frd", "vrd", "mix", "adaptive"]
    for (loss, opt) in sorted(rows, key=lambda k: (order.index(k[0]) if k[0] in order else 9, k[1])):
        r = rows[(loss, opt)]
        col = lambda k: np.array([x[k] for x in r])
        print(f"| {loss} | {opt} | {len(r)} | {col('sim').mean():.3f} | {col('sim').max():.3f} | {col('sim0').mean():.3f} | "
              f"{col('corr').mean():.3f} | {col('rmse').mean():.2f} | {col('dist').mean():.4f} |")
    if glm:
        keys = sorted(glm[0].keys())
        print()
        print("GLM baseline (fitted to the target's evaluation spikes, " + str(len(glm)) + " ground truths): " +
              ", ".join(f"{k} {np.mean([g[k] for g in glm]):.3f}" for k in keys))


if __name__ == "__main__":
    main(sys.argv[1])
