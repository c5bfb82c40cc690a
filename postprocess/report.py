#!/usr/bin/python3
"""All figures of one or more spikefit fits, with an index.html and a summary.json.

usage: report.py RUN.h5 [RUN2.h5 ...] -o OUTDIR

For every run OUTDIR/<run>/ receives the run's figures (each only when the file holds its
data) and a summary.json of the values plotted; a run with restarts (/fit_<k>) also gets the
KDE of its fits' final parameters. With several runs OUTDIR/set/ holds the figures over all
their fits. OUTDIR/index.html links everything (relative links) with a table of key numbers,
and OUTDIR/summary.json gathers every run's summary. See postprocess/README.md.
"""
import argparse
import datetime
import html
import json
import math
import os
import re
import sys

try:
    import h5py
    import numpy as np
    import matplotlib  # noqa: F401
except ImportError as e:  # the Debian interpreter with its packages is required
    sys.exit(f"report.py: {e}. Install the Debian packages python3-h5py python3-matplotlib python3-numpy "
             f"(apt-get install python3-h5py python3-matplotlib python3-numpy) and run with /usr/bin/python3.")

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import spikefit_plots as sp  # noqa: E402

# (file name, caption, function) of the per-fit figures, in the order shown
FIGURES = [
    ("raster.png", "Evaluation spikes of the target, fitted and initial networks (same input seed).", sp.plot_raster),
    ("loss.png", "Training loss per iteration (sum over the iteration's windows); the frd/vrd terms when the loss combines them; validation when recorded.", sp.plot_loss),
    ("grad_norm.png", "Euclidean norm of the gradient per iteration.", sp.plot_grad_norm),
    ("params.png", "Parameter trajectories per block (per-neuron lines; for W the mean |W| by presynaptic type); ground truth marked at the right.", sp.plot_param_trajectories),
    ("W.png", "Connectivity W[i][j] (presynaptic i, postsynaptic j): initial, fitted, ground truth and the difference.", sp.plot_W),
    ("distance.png", "Euclidean distance to the ground truth per block, relative to the start and absolute.", sp.plot_distance),
    ("rates.png", "Per-neuron evaluation rates of the fitted (and initial) network against the target.", sp.plot_rates),
    ("nmf.png", "NMF modules and activation coefficients of target, fitted and initial spikes (spikefit analyze).", sp.plot_nmf),
    ("xcorr.png", "Correlation matrices of 20 ms counts: target, fitted, and fitted vs target neuron.", sp.plot_xcorr),
    ("glm.png", "The Poisson GLM baseline: spike-history and coupling filters, rates of its simulation (spikefit glm).", sp.plot_glm),
]


def fnum(x, fmt="{:.4g}"):
    return "n/a" if x is None or (isinstance(x, float) and not math.isfinite(x)) else fmt.format(x)


def jsonable(x):
    if isinstance(x, dict):
        return {k: jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [jsonable(v) for v in x]
    if isinstance(x, (np.floating, float)):
        return float(x) if math.isfinite(x) else None
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, np.ndarray):
        return jsonable(x.tolist())
    return x


def key_numbers(fit):
    L = fit["loss"].get("train")
    has = L is not None and len(L) > 0
    return {
        "loss_first": float(L[0]) if has else None,
        "loss_last": float(L[-1]) if has else None,
        "iterations": int(len(L)) if L is not None else 0,
        "relative_distance": sp.relative_distance(fit),
        "relative_distance_blocks": {b: sp.relative_distance(fit, b) for b in fit["blocks"] if b in fit["distance"]},
        "mean_abs_rate_error_hz": sp.mean_abs_rate_error(fit),
    }


def fit_figures(fit, outdir, prefix):
    """Every per-fit figure the data allows; returns [(path relative to OUTDIR, caption)], values."""
    made, values = [], {}
    for name, caption, fn in FIGURES:
        v = fn(fit, os.path.join(outdir, prefix, name))
        if v is not None:
            made.append((f"{prefix}/{name}", caption))
            values[name[:-4]] = v
    return made, values


def set_figures(fits, outdir, prefix, title):
    made, values = [], {}
    os.makedirs(os.path.join(outdir, prefix), exist_ok=True)
    todo = [("loss_compare.png", "Training loss of every fit: absolute and relative to the first iteration.",
             lambda p: sp.plot_loss_compare(fits, p, title)),
            ("kde.png", "Gaussian KDE of the final parameters per block over the fits (neurons pooled), with the initial values and the ground truth.",
             lambda p: sp.plot_kde(fits, p, title))]
    for b in (fits[0]["vector_blocks"] if fits else []):
        todo.append((f"kde_{b}.png", f"Per-neuron KDE of the final {b} over the fits; dashed: ground truth.",
                     lambda p, b=b: sp.plot_kde_neurons(fits, b, p, title)))
    for name, caption, fn in todo:
        v = fn(os.path.join(outdir, prefix, name))
        if v is not None:
            made.append((f"{prefix}/{name}", caption))
            values[name[:-4]] = v
    return made, values


def safe_name(path, used):
    base = re.sub(r"[^A-Za-z0-9_.-]+", "_", os.path.basename(path))
    base = re.sub(r"\.h5$", "", base) or "run"
    name, k = base, 2
    while name in used or name == "set":
        name, k = f"{base}_{k}", k + 1
    used.add(name)
    return name


def load_run(path, name):
    """The fit at the file's root plus its restarts (/fit_<k>), each as a dict of arrays."""
    with h5py.File(path, "r") as f:
        fmt = sp._str(f.attrs.get("spikefit_format", ""))
        if fmt not in ("run", "checkpoint"):
            raise ValueError(f"{path} is not the results of a fit (spikefit_format = '{fmt}')")
        root = sp.load_fit(f, name)
        keys = sorted((k for k in f.keys() if re.fullmatch(r"fit_\d+", k)), key=lambda k: int(k[4:]))
        restarts = []
        for k in keys:
            r = sp.load_fit(f[k], f"{name}/{k}")
            r["group"] = k
            restarts.append(r)
        if "best_fit" in f.attrs:
            root["best_fit"] = int(f.attrs["best_fit"])
    root["group"] = "/"
    root["file"] = os.path.abspath(path)
    return root, restarts


def write_html(outdir, runs, set_section, title):
    e = html.escape
    rows = []
    for r in runs:
        k = r["summary"]
        rows.append(
            f"<tr><td><a href=\"#{e(r['name'])}\">{e(r['name'])}</a></td><td>{e(str(k['loss']))}</td><td>{e(str(k['optim']))}</td>"
            f"<td>{e(str(k['target']))}</td><td>{k['iterations']}</td><td>{k['fits']}</td><td>{fnum(k['loss_first'])}</td>"
            f"<td>{fnum(k['loss_last'])}</td><td>{fnum(k['relative_distance'])}</td>"
            f"<td>{fnum(k['mean_abs_rate_error_hz'], '{:.3f}')}</td></tr>")
    parts = [f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{e(title)}</title>
<style>
body {{ font-family: sans-serif; max-width: 1200px; margin: 1em auto; color: #222; }}
table {{ border-collapse: collapse; margin: 0.5em 0 1.5em; }}
th, td {{ border: 1px solid #bbb; padding: 3px 8px; text-align: right; }}
th {{ background: #eee; }} td:first-child {{ text-align: left; }}
figure {{ display: inline-block; margin: 0.5em; vertical-align: top; max-width: 560px; }}
figure img {{ max-width: 100%; border: 1px solid #ddd; }}
figcaption {{ font-size: 0.85em; color: #444; }}
code {{ background: #f4f4f4; }}
</style></head><body>
<h1>{e(title)}</h1>
<p>spikefit report of {len(runs)} run(s), written {e(datetime.datetime.now().strftime('%Y-%m-%d %H:%M'))}.
Key numbers: the training loss of the first and last iteration, the Euclidean distance to the ground
truth at the end relative to the start (all parameters; synthetic targets only) and the mean over
neurons of |fitted rate &minus; target rate| over the evaluation windows. Values in
<a href="summary.json">summary.json</a>.</p>
<table><tr><th>run</th><th>loss</th><th>optimiser</th><th>target</th><th>iterations</th><th>fits</th>
<th>loss first</th><th>loss last</th><th>rel. distance to truth</th><th>mean |rate error| (Hz)</th></tr>
{chr(10).join(rows)}
</table>"""]

    def figs(lst):
        return "\n".join(f"<figure><a href=\"{e(p)}\"><img src=\"{e(p)}\" alt=\"{e(p)}\"></a><figcaption>{e(c)}</figcaption></figure>"
                         for p, c in lst)

    for r in runs:
        k = r["summary"]
        parts.append(f"<h2 id=\"{e(r['name'])}\">{e(r['name'])}</h2>")
        parts.append(f"<p>File <code>{e(k['file'])}</code>; model {e(str(k['model']))}, loss {e(str(k['loss']))}, "
                     f"optimiser {e(str(k['optim']))}, {k['iterations']} iterations"
                     + (f", {k['fits']} restarts (the best, fit {k['best_fit']}, is shown)" if k["fits"] > 1 else "")
                     + f". <a href=\"{e(r['name'])}/summary.json\">summary.json</a></p>")
        if k["restarts"]:
            parts.append("<table><tr><th>restart</th><th>loss first</th><th>loss last</th><th>rel. distance to truth</th><th>mean |rate error| (Hz)</th></tr>")
            for s in k["restarts"]:
                parts.append(f"<tr><td>{e(s['group'])}</td><td>{fnum(s['loss_first'])}</td><td>{fnum(s['loss_last'])}</td>"
                             f"<td>{fnum(s['relative_distance'])}</td><td>{fnum(s['mean_abs_rate_error_hz'], '{:.3f}')}</td></tr>")
            parts.append("</table>")
        parts.append(figs(r["figures"]) if r["figures"] else "<p>No figures: the file holds none of their data.</p>")
    if set_section:
        parts.append(f"<h2 id=\"set\">All fits together ({set_section['fits']} fits)</h2>")
        parts.append(figs(set_section["figures"]))
    parts.append("</body></html>\n")
    with open(os.path.join(outdir, "index.html"), "w") as f:
        f.write("\n".join(parts))


def main(argv=None):
    ap = argparse.ArgumentParser(description="Figures, index.html and summary.json for spikefit results files.")
    ap.add_argument("runs", nargs="+", metavar="RUN.h5")
    ap.add_argument("-o", "--outdir", required=True, metavar="OUTDIR")
    ap.add_argument("--title", default="spikefit fit report")
    args = ap.parse_args(argv)
    for p in args.runs:
        if not os.path.isfile(p):
            sys.exit(f"report.py: {p}: no such file")
    os.makedirs(args.outdir, exist_ok=True)
    used, runs, allfits = set(), [], []
    for p in list(args.runs):
        with h5py.File(p, "r") as f:
            fmt = sp._str(f.attrs.get("spikefit_format", ""))
        if fmt == "landscape":  # spikefit landscape: one figure of its own
            name = safe_name(p, used)
            os.makedirs(os.path.join(args.outdir, name), exist_ok=True)
            v = sp.plot_landscape(p, os.path.join(args.outdir, name, "landscape.png"))
            summary = jsonable({"name": name, "file": os.path.abspath(p), "model": "landscape", "loss": None, "optim": None, "target": None,
                                "iterations": 0, "fits": 1, "best_fit": None, "loss_first": None, "loss_last": None,
                                "relative_distance": None, "mean_abs_rate_error_hz": None, "restarts": [],
                                "figures": ["landscape.png"], "values": {"landscape": v}})
            with open(os.path.join(args.outdir, name, "summary.json"), "w") as fh:
                json.dump(summary, fh, indent=1)
            runs.append({"name": name, "figures": [(f"{name}/landscape.png", "Loss and mean rate over a two-parameter grid (spikefit landscape).")], "summary": summary})
            args.runs.remove(p)
            print(f"report: {p}: landscape in {os.path.join(args.outdir, name)}")
    for p in args.runs:
        name = safe_name(p, used)
        try:
            root, restarts = load_run(p, name)
        except (OSError, KeyError, ValueError) as err:
            sys.exit(f"report.py: cannot read {p}: {err}")
        os.makedirs(os.path.join(args.outdir, name), exist_ok=True)
        if restarts and "best_fit" in root:
            root["name"] = f"{name} (best of {len(restarts)}: fit_{root['best_fit']})"
        made, values = fit_figures(root, args.outdir, name)
        for r in restarts:
            r["group_label"] = name
        if len(restarts) > 1:
            m, v = set_figures(restarts, args.outdir, name, f"{name}, {len(restarts)} restarts")
            made += m
            values.update({"restarts_" + k: x for k, x in v.items()})
        a = root["attrs"]
        summary = {"name": name, "file": root["file"], "model": a.get("model"), "loss": a.get("loss"),
                   "optim": a.get("optim"), "target": a.get("target"), "fits": max(1, len(restarts)),
                   "best_fit": root.get("best_fit"), **key_numbers(root),
                   "restarts": [{"group": r["group"], **key_numbers(r)} for r in restarts],
                   "figures": [os.path.basename(p) for p, _ in made], "values": values}
        summary = jsonable(summary)
        with open(os.path.join(args.outdir, name, "summary.json"), "w") as f:
            json.dump(summary, f, indent=1)
        runs.append({"name": name, "figures": made, "summary": summary})
        if restarts:
            allfits += restarts
        else:
            root["group_label"] = name
            allfits.append(root)
        print(f"report: {p}: {len(made)} figures in {os.path.join(args.outdir, name)}")
    set_section = None
    if len(args.runs) > 1 and len(allfits) > 1:
        made, values = set_figures(allfits, args.outdir, "set", f"{len(args.runs)} runs")
        set_section = {"fits": len(allfits), "figures": made, "values": jsonable(values)}
        with open(os.path.join(args.outdir, "set", "summary.json"), "w") as f:
            json.dump({"fits": len(allfits), "members": [x["name"] for x in allfits],
                       "figures": [os.path.basename(p) for p, _ in made], "values": set_section["values"]}, f, indent=1)
        print(f"report: {len(made)} figures over {len(allfits)} fits in {os.path.join(args.outdir, 'set')}")
    with open(os.path.join(args.outdir, "summary.json"), "w") as f:
        json.dump({"runs": [r["summary"] for r in runs],
                   "set": {"fits": set_section["fits"], "figures": [p for p, _ in set_section["figures"]],
                           "values": set_section["values"]} if set_section else None}, f, indent=1)
    write_html(args.outdir, runs, set_section, args.title)
    print(f"report: {os.path.join(args.outdir, 'index.html')}")


if __name__ == "__main__":
    main()
