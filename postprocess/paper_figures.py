#!/usr/bin/python3
"""The source paper's Figures 4, 7, 8 and 11 from a jobs/paper_suite.sh directory.
usage: paper_figures.py SUITE_DIR [-o OUTDIR]   (default OUTDIR: SUITE_DIR/figures)

fig4_loss.png       mean training (and validation, when the runs hold /loss/validation) loss
                    per iteration for each loss, normalised by the largest validation (else
                    training) value, Adam and SGD side by side
fig7_geodesic.png   geodesic similarity of the NMF modules, fitted vs target: mean +- sd over
                    the fits of each configuration and the best fit; the GLM baseline as a line
fig8_distance.png   Euclidean distance of the parameters to the truth at the end relative to
                    the start, per loss, Adam and SGD
fig11_xcorr.png     mean spike cross-correlation between each fitted neuron and its target
                    neuron, per loss and optimiser
The numbers drawn are written to OUTDIR/figures.json."""
import argparse
import glob
import json
import os
import re
import sys

try:
    import h5py
    import numpy as np
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker
except ImportError as e:  # pragma: no cover
    sys.exit(f"paper_figures.py: {e}; install the Debian packages python3-h5py python3-matplotlib python3-numpy")

LOSSES = ["frd", "vrd", "mix", "adaptive"]
OPTIMS = ["adam", "sgd"]
COLOURS = {"adam": "#1f77b4", "sgd": "#ff7f0e"}


def read_suite(d):
    data = {}
    for path in sorted(glob.glob(os.path.join(d, "seed*_*_*.h5"))):
        m = re.search(r"seed(\d+)_([a-z]+)_([a-z]+)\.h5$", path)
        if not m or m.group(2) not in LOSSES:
            continue
        with h5py.File(path, "r") as f:
            groups = sorted(k for k in f.keys() if re.fullmatch(r"fit_\d+", k)) or ["/"]
            for k in groups:
                g = f[k]
                a = g["analysis"]
                rec = {
                    "train": g["loss/train"][()].tolist(),
                    "validation": g["loss/validation"][()].tolist() if "loss/validation" in g else None,
                    "sim": float(a["geodesic_similarity_fitted"][0]),
                    "xcorr": float(a["spike_correlation_fitted"][0]),
                    "dist": float(a["relative_distance/total"][-1]),
                }
                data.setdefault((m.group(2), m.group(3)), []).append(rec)
    glm = []
    for path in sorted(glob.glob(os.path.join(d, "seed*_frd_adam.h5"))):
        with h5py.File(path, "r") as f:
            if "glm/compare/geodesic_similarity" in f:
                glm.append(float(np.ravel(f["glm/compare/geodesic_similarity"][()])[0]))
    return data, glm


def bars(ax, data, key, ylabel, best=False):
    width = 0.38
    out = {}
    for j, opt in enumerate(OPTIMS):
        xs, means, sds, bests = [], [], [], []
        for i, loss in enumerate(LOSSES):
            vals = np.array([r[key] for r in data.get((loss, opt), [])])
            if vals.size == 0:
                continue
            xs.append(i + (j - 0.5) * width)
            means.append(vals.mean()); sds.append(vals.std()); bests.append(vals.max())
            out[f"{loss}_{opt}"] = {"mean": vals.mean(), "sd": vals.std(), "best": vals.max(), "n": int(vals.size)}
        ax.bar(xs, means, width, yerr=sds, capsize=3, color=COLOURS[opt], alpha=0.85, label=f"{opt} (mean \u00b1 sd)")
        if best:
            ax.scatter(xs, bests, marker="_", s=300, color="#d62728", zorder=3, label="best fit" if j == 0 else None)
    ax.set_xticks(range(len(LOSSES)))
    ax.set_xticklabels(LOSSES)
    ax.set_xlabel("loss")
    ax.set_ylabel(ylabel)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("suite")
    ap.add_argument("-o", "--out")
    args = ap.parse_args()
    out = args.out or os.path.join(args.suite, "figures")
    os.makedirs(out, exist_ok=True)
    data, glm = read_suite(args.suite)
    if not data:
        sys.exit(f"paper_figures.py: no analysed runs (seed*_<loss>_<optim>.h5 with /analysis) in {args.suite}")
    numbers = {}

    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    numbers["fig4"] = {}
    for ax, opt in zip(axes, OPTIMS):
        for i, loss in enumerate(LOSSES):
            recs = data.get((loss, opt), [])
            if not recs:
                continue
            tr = np.mean([r["train"] for r in recs], axis=0)
            va = [r["validation"] for r in recs if r["validation"] is not None]
            va = np.mean(va, axis=0) if len(va) == len(recs) else None
            scale = (va.max() if va is not None else tr.max()) or 1.0
            it = np.arange(1, len(tr) + 1)
            col = plt.cm.viridis(i / (len(LOSSES) - 1))
            ax.plot(it, tr / scale, color=col, label=f"{loss} train")
            if va is not None:
                ax.plot(it, va / scale, color=col, ls="--", label=f"{loss} validation")
            numbers["fig4"][f"{loss}_{opt}"] = {"train": (tr / scale).tolist(), "validation": None if va is None else (va / scale).tolist()}
        ax.set_title(opt)
        ax.set_xlabel("iteration (validation: after the iteration's steps)")
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("mean loss / max mean validation loss")
    axes[1].legend(fontsize=8, ncol=2)
    fig.suptitle("Figure 4: normalised training and validation loss per loss metric")
    fig.tight_layout()
    fig.savefig(os.path.join(out, "fig4_loss.png"), dpi=150)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(7, 4))
    numbers["fig7"] = bars(ax, data, "sim", "geodesic similarity (fitted vs target modules)", best=True)
    if glm:
        ax.axhline(np.mean(glm), color="k", ls=":", label=f"GLM baseline ({len(glm)} ground truths)")
        numbers["fig7"]["glm"] = float(np.mean(glm))
    ax.set_ylim(0, 1.05)
    ax.legend(fontsize=8, loc="lower right")
    ax.set_title("Figure 7: NMF module similarity to the target (1 = identical)")
    fig.tight_layout()
    fig.savefig(os.path.join(out, "fig7_geodesic.png"), dpi=150)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(7, 4))
    numbers["fig8"] = bars(ax, data, "dist", "distance to truth, end / start")
    ax.axhline(1.0, color="k", lw=0.8)
    lo = min(v["mean"] - v["sd"] for v in numbers["fig8"].values())
    hi = max(v["mean"] + v["sd"] for v in numbers["fig8"].values())
    ax.set_ylim(min(lo, 1.0) - 0.002, max(hi, 1.0) + 0.002)
    ax.legend(fontsize=8)
    ax.set_title("Figure 8: relative Euclidean distance of the parameters to the truth")
    fig.tight_layout()
    fig.savefig(os.path.join(out, "fig8_distance.png"), dpi=150)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(7, 4))
    numbers["fig11"] = bars(ax, data, "xcorr", "spike cross-correlation, fitted vs target")
    ax.legend(fontsize=8)
    ax.set_title("Figure 11: spike cross-correlation (20 ms bins, same input)")
    fig.tight_layout()
    fig.savefig(os.path.join(out, "fig11_xcorr.png"), dpi=150)
    plt.close(fig)

    with open(os.path.join(out, "figures.json"), "w") as fh:
        json.dump(numbers, fh, indent=1)
    print(f"paper_figures: fig4_loss.png fig7_geodesic.png fig8_distance.png fig11_xcorr.png in {out}")


if __name__ == "__main__":
    main()
