#!/usr/bin/python3
"""Table of jobs/bellec_experiment.sh: per fit, the correlation of fitted and true weights
among the recorded neurons, the PSTH fit (correlation and RMSE of the per-neuron PSTH over
the evaluation windows, 20 ms bins), the noise-correlation fit (correlation between the
target's and the fitted network's pairwise noise correlations: counts minus their PSTH),
the hidden neurons' mean rate, and stability (largest rate of the free-running fitted
network, hidden neurons included, from rest, 400 ms windows).
usage: bellec_table.py DIR"""
import glob
import os
import sys

import h5py
import numpy as np


def binned(g, n, windows, steps, bin_steps):
    """[windows][bins][n] spike counts of a /eval/<name> group."""
    t, off = g["times_ms"][()], g["offsets"][()]
    nb = steps // bin_steps
    c = np.zeros((windows, nb, n))
    for i in range(n):
        for s in t[off[i]:off[i + 1]]:
            w, k = int(s // steps), int((s % steps) // bin_steps)
            if w < windows and k < nb:
                c[w, k, i] += 1
    return c


def offdiag_corr(A, B):
    m = ~np.eye(A.shape[0], dtype=bool)
    a, b = A[m], B[m]
    ok = np.isfinite(a) & np.isfinite(b)
    return float(np.corrcoef(a[ok], b[ok])[0, 1]) if ok.sum() > 2 else float("nan")


def noise_corr(c):
    r = (c - c.mean(axis=0, keepdims=True)).reshape(-1, c.shape[2])
    sd = r.std(axis=0)
    C = np.full((c.shape[2], c.shape[2]), np.nan)
    ok = sd > 0
    C[np.ix_(ok, ok)] = np.corrcoef(r[:, ok].T)
    return C


def row(path):
    with h5py.File(path, "r") as f:
        n = int(f.attrs["recorded"]) if "recorded" in f.attrs else int(f.attrs["n"])
        e = f["eval"]
        windows, steps = int(e.attrs["windows"]), int(e.attrs["window_steps"])
        ct = binned(e["target"], n, windows, steps, 20)
        cf = binned(e["fitted"], n, windows, steps, 20)
        pt, pf = ct.mean(axis=0), cf.mean(axis=0)
        psth_corr = float(np.corrcoef(pt.ravel(), pf.ravel())[0, 1])
        psth_rmse = float(np.sqrt(np.mean((pt - pf) ** 2)) / 0.02)
        nc = offdiag_corr(noise_corr(ct), noise_corr(cf))
        wc = float(e["compare/weight_corr_recorded"][0]) if "compare/weight_corr_recorded" in e else float("nan")
        rates = e["rate_fitted"][()]
        hid = e["rate_hidden"][()] if "rate_hidden" in e else np.array([])
        loss = f["loss/train"][()]
        return {"wcorr": wc, "psth_corr": psth_corr, "psth_rmse": psth_rmse, "noise": nc,
                "rate_t": float(e["rate_target"][()].mean()), "rate_f": float(rates.mean()),
                "rate_max": float(max(rates.max(), hid.max() if hid.size else 0.0)),
                "rate_h": float(hid.mean()) if hid.size else float("nan"),
                "hidden": int(f.attrs.get("hidden", 0)), "loss": (float(loss[0]), float(loss[-1]))}


def fmt(vals, digits):
    """mean +- sd over the fits of a configuration (sd omitted for a single fit)."""
    v = np.array(vals, dtype=float)
    if len(v) == 1:
        return f"{v[0]:.{digits}f}"
    return f"{np.nanmean(v):.{digits}f} ± {np.nanstd(v, ddof=1):.{digits}f}"


def main(d):
    """One row per fit configuration NAME_hH (files NAME_hH_sS.h5, S the initial model)."""
    groups = {}
    for path in sorted(glob.glob(os.path.join(d, "*_h*_s*.h5"))):
        base = os.path.basename(path)[:-3]
        key = base.rsplit("_s", 1)[0]
        groups.setdefault(key, []).append(row(path))
    order = ["bnll", "bnll-tf", "bnll+sm", "bnll-tf+sm"]

    def sort_key(k):
        name, h = k.rsplit("_h", 1)
        stem = name.rstrip("0123456789")
        w = name[len(stem):]
        return (order.index(stem) if stem in order else len(order), float(w) if w else 0.0, int(h))

    print("| fit | hidden | fits | weight corr. (recorded) | PSTH corr. | PSTH RMSE (Hz) | noise-corr. fit | mean rate target / fitted (Hz) | hidden rate (Hz) | max fitted rate (Hz) | stable |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for key in sorted(groups, key=sort_key):
        rs = groups[key]
        name = key.rsplit("_h", 1)[0]
        stable = sum(r["rate_max"] < 200 for r in rs)
        print(f"| {name} | {rs[0]['hidden']} | {len(rs)} | {fmt([r['wcorr'] for r in rs], 3)} | {fmt([r['psth_corr'] for r in rs], 3)} | "
              f"{fmt([r['psth_rmse'] for r in rs], 2)} | {fmt([r['noise'] for r in rs], 3)} | {rs[0]['rate_t']:.2f} / {fmt([r['rate_f'] for r in rs], 2)} | "
              f"{fmt([r['rate_h'] for r in rs], 2) if rs[0]['hidden'] else '-'} | "
              f"{fmt([r['rate_max'] for r in rs], 1)} | {stable}/{len(rs)} |")


if __name__ == "__main__":
    main(sys.argv[1])
