"""Plot functions for spikefit results files (layout in docs/FORMAT.md).

`load_fit(group)` reads one fit (the root of RUN.h5, or a `/fit_<k>` group of a run with
restarts) into a dict of numpy arrays; every `plot_*` function takes such dicts, writes one
150 dpi PNG and returns the values it plotted (a dict), or None when the file lacks the data
for that figure (nothing is written then). The Agg backend is used: no display is needed.
"""
import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.patches  # noqa: E402
import matplotlib.ticker  # noqa: E402
import matplotlib.transforms  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

DPI = 150
# The blocks of a fit come from the file (/params attribute `blocks`, docs/FORMAT.md), so every
# model's parameters are shown; these are the lif blocks, for files written before it existed.
BLOCKS = ("E_L", "tau_m", "tau_g", "R_I", "r_p", "W")
VECTOR_BLOCKS = ("E_L", "tau_m", "tau_g", "R_I")
SCALAR_BLOCKS = ("r_p",)
SYMBOL = {"E_L": r"$E_L$", "tau_m": r"$\tau_m$", "tau_g": r"$\tau_g$", "R_I": r"$R_I$",
          "r_p": r"$r_p$", "W": r"$W$", "total": "all parameters"}

# One colour per role, used in every figure.
COLOR = {
    "target": "#000000",   # the data / the ground truth
    "truth": "#000000",
    "fitted": "#0072B2",
    "initial": "#999999",
    "validation": "#009E73",
    "frd": "#E69F00",
    "vrd": "#CC79A7",
    "grad": "#56B4E9",
}
# one colour per block (distance figure, KDEs)
BLOCK_COLOR = {"E_L": "#0072B2", "tau_m": "#E69F00", "tau_g": "#009E73", "R_I": "#CC79A7",
               "r_p": "#D55E00", "W": "#56B4E9", "total": "#000000"}
_MORE_COLORS = ("#F0E442", "#882255", "#44AA99", "#117733", "#999933", "#AA4499", "#332288", "#888888")


def block_color(b):
    """A block's colour: the fixed ones above, then a colour-blind-safe cycle by name."""
    if b in BLOCK_COLOR:
        return BLOCK_COLOR[b]
    return _MORE_COLORS[sum(map(ord, b)) % len(_MORE_COLORS)]


def symbol(b):
    return SYMBOL.get(b, b)


# per-neuron lines: excitatory neurons in reds, inhibitory in purples, unknown in greys
TYPE_CMAP = {1: "Reds", 0: "Purples", -1: "Greys"}
TYPE_NAME = {1: "excitatory", 0: "inhibitory", -1: "type unknown"}

plt.rcParams.update({
    "font.size": 9, "axes.titlesize": 10, "axes.labelsize": 9, "legend.fontsize": 8,
    "axes.spines.top": False, "axes.spines.right": False, "figure.dpi": DPI,
})


# ------------------------------------------------------------------------------ reading
def _str(v):
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    if isinstance(v, np.ndarray) and v.shape == ():
        return _str(v[()])
    if isinstance(v, np.generic):
        return v.item()
    return v


def block_names(g):
    """The parameter blocks of a fit in layout order: the /params attribute `blocks` (any model),
    else (older files) the lif blocks present."""
    if "params" in g and "blocks" in g["params"].attrs:
        return [b for b in str(_str(g["params"].attrs["blocks"])).split(",") if b]
    final = g["params/final"] if "params/final" in g else {}
    return [b for b in ("E_L", "tau_m", "tau_g", "R_I", "W", "r_p") if b in final]


def _blocks(g, names):
    return {k: np.asarray(g[k][()], dtype=float) for k in names if k in g} if g is not None else {}


def _get(g, path):
    return g[path] if path in g else None


def _train(g):
    """Spike trains of an /eval/<name> group as a list of arrays (ms), one per neuron."""
    t = np.asarray(g["times_ms"][()], dtype=float)
    off = np.asarray(g["offsets"][()], dtype=np.int64)
    return [t[off[k]:off[k + 1]] for k in range(len(off) - 1)]


def load_fit(g, name="fit"):
    """Everything the figures use from one fit: g is an h5py File or the /fit_<k> group."""
    a = {k: _str(v) for k, v in g.attrs.items()}
    names = block_names(g)
    fit = {"name": name, "attrs": a, "loss": {}, "init": _blocks(_get(g, "params/init"), names),
           "final": _blocks(_get(g, "params/final"), names), "history": _blocks(_get(g, "params/history"), names),
           "truth": _blocks(_get(g, "truth"), names), "distance": {}, "eval": None, "blocks": names,
           "vector_blocks": [b for b in names if b != "W" and b not in SCALAR_BLOCKS]}
    if "loss" in g:
        for k in g["loss"].keys():
            fit["loss"][k] = np.asarray(g["loss"][k][()], dtype=float).ravel()
    if "distance" in g:
        for k in g["distance"].keys():
            fit["distance"][k] = np.asarray(g["distance"][k][()], dtype=float).ravel()
    n = int(a.get("n", 0)) or (len(fit["final"]["E_L"]) if "E_L" in fit["final"] else 0)
    exc = np.asarray(g["params/exc"][()], dtype=int) if "params/exc" in g else np.full(n, -1)
    fit["n"], fit["exc"] = n, exc
    fit["dt"] = float(a.get("dt", 1.0))
    if "eval" in g and all(k in g["eval"] for k in ("target", "fitted")):
        e = g["eval"]
        ea = {k: _str(v) for k, v in e.attrs.items()}
        ev = {"trains": {}, "rates": {}}
        for k in ("target", "fitted", "initial"):
            if k in e and "times_ms" in e[k]:
                ev["trains"][k] = _train(e[k])
            if "rate_" + k in e:
                ev["rates"][k] = np.asarray(e["rate_" + k][()], dtype=float).ravel()
        win = int(ea.get("windows", 0))
        steps = int(ea.get("window_steps", a.get("window_steps", 0)))
        ev["window_ms"] = steps * fit["dt"]
        ev["windows"] = win
        last = max([t.max() for tr in ev["trains"].values() for t in tr if len(t)] + [0.0])
        ev["duration_ms"] = win * steps * fit["dt"] if win and steps else last
        ev["t0_ms"] = 0.0
        if "span_ms" in e:  # the evaluation's intervals (recording time for a held-out run)
            sp = np.asarray(e["span_ms"][()], dtype=float).reshape(-1, 2)
            if len(sp):
                ev["t0_ms"] = float(sp[0, 0])
                ev["duration_ms"] = float(np.sum(sp[:, 1] - sp[:, 0])) if not win else ev["duration_ms"]
                ev["extent_ms"] = float(sp[-1, 1] - sp[0, 0])
        fit["eval"] = ev
    fit["analysis"] = None
    if "analysis" in g and "nmf" in g["analysis"]:
        an = g["analysis"]
        fit["analysis"] = {k: np.asarray(an["nmf"][k][()], dtype=float) for k in an["nmf"].keys()}
        for k in ("xcorr_fitted_target", "geodesic_similarity_fitted", "geodesic_similarity_initial", "spike_correlation_fitted"):
            if k in an:
                fit["analysis"][k] = np.asarray(an[k][()], dtype=float)
        fit["analysis"]["bin_ms"] = float(an.attrs.get("bin_ms", 20.0))
    fit["compare"] = None
    if "eval" in g and "compare" in g["eval"]:
        c = g["eval"]["compare"]
        fit["compare"] = {k: np.asarray(c[k][()], dtype=float) for k in c.keys() if hasattr(c[k], "shape")}
        # the held-out table: one group per row (fitted, initial, poisson_null, data_ceiling, glm)
        fit["table"] = {k: {m: float(np.ravel(c[k][m][()])[0]) for m in c[k].keys()} for k in c.keys() if not hasattr(c[k], "shape")}
    fit["glm"] = None
    if "glm" in g and all(k in g["glm"] for k in ("basis", "filters", "bias")):
        gl = g["glm"]
        fit["glm"] = {k: np.asarray(gl[k][()], dtype=float) for k in ("basis", "filters", "bias", "rate_glm", "rate_target") if k in gl}
        if "compare" in gl and "geodesic_similarity" in gl["compare"]:
            fit["glm"]["similarity"] = float(np.ravel(gl["compare"]["geodesic_similarity"][()])[0])
    return fit


def relative_distance(fit, block="total"):
    """Distance to the truth at the end over the distance at the start (None without truth)."""
    d = fit["distance"].get(block)
    if d is not None and len(d) and d[0] > 0:
        return float(d[-1] / d[0])
    if d is None and fit["truth"] and fit["init"] and fit["final"]:
        keys = [k for k in fit["blocks"] if k in fit["truth"] and (block == "total" or k == block)]
        d0 = math.sqrt(sum(np.sum((fit["init"][k] - fit["truth"][k]) ** 2) for k in keys))
        d1 = math.sqrt(sum(np.sum((fit["final"][k] - fit["truth"][k]) ** 2) for k in keys))
        return d1 / d0 if d0 > 0 else None
    return None


def mean_abs_rate_error(fit):
    ev = fit["eval"]
    if not ev or "target" not in ev["rates"] or "fitted" not in ev["rates"]:
        return None
    return float(np.mean(np.abs(ev["rates"]["fitted"] - ev["rates"]["target"])))


# ------------------------------------------------------------------------------ helpers
def unit(block, dt=1.0):
    return {"E_L": "mV", "tau_m": f"steps of dt = {dt:g} ms", "tau_g": f"steps of dt = {dt:g} ms",
            "R_I": "a.u.", "r_p": "Hz", "W": "a.u."}.get(block, "")


def axis_label(block, dt=1.0):
    return f"{symbol(block)} ({unit(block, dt)})"


def neuron_colors(exc):
    """One colour per neuron: shades of the neuron type's colour map."""
    exc = np.asarray(exc)
    cols = [None] * len(exc)
    for t, cmap in TYPE_CMAP.items():
        idx = np.flatnonzero(exc == t)
        cm = plt.get_cmap(cmap)
        for r, i in enumerate(idx):
            cols[i] = cm(0.45 + 0.5 * (r / max(len(idx) - 1, 1)))
    return cols


def type_legend(exc):
    return [Line2D([], [], color=plt.get_cmap(TYPE_CMAP[t])(0.75), lw=1.5, label=TYPE_NAME[t] + " neurons")
            for t in (1, 0, -1) if np.any(np.asarray(exc) == t)]


def _log_y(ax, lo, hi):
    """A log y axis whose ticks are readable also when it spans less than a few decades."""
    ax.set_yscale("log")
    if hi / lo < 1000:
        ax.yaxis.set_major_locator(matplotlib.ticker.LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda y, _: f"{y:g}"))
        ax.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())


def _logscale_if_wide(ax, *ys):
    v = np.concatenate([np.ravel(y) for y in ys if y is not None and len(y)])
    v = v[np.isfinite(v)]
    if len(v) and v.min() > 0 and v.max() / v.min() > 30:
        _log_y(ax, v.min(), v.max())


def _save(fig, path):
    for ax in fig.axes:
        if ax.get_xlabel() == "iteration":
            ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    fig.savefig(path, dpi=DPI)
    plt.close(fig)


def _title(fit):
    a = fit["attrs"]
    bits = [str(a.get(k)) for k in ("model", "loss", "optim") if a.get(k) is not None]
    return f"{fit['name']}" + (f" ({', '.join(bits)})" if bits else "")


def _iters(n, start=1):
    return np.arange(start, start + n)


# ------------------------------------------------------------------------------ figures
def plot_raster(fit, path):
    """Evaluation spikes of the target, fitted and initial networks (same input seed)."""
    ev = fit["eval"]
    if not ev or not ev["trains"]:
        return None
    names = [k for k in ("target", "fitted", "initial") if k in ev["trains"]]
    n = max(len(ev["trains"][k]) for k in names)
    dur_s = ev["duration_ms"] / 1000.0
    fig, axes = plt.subplots(len(names), 1, sharex=True, sharey=True, figsize=(7.5, 1.2 + 1.0 * len(names) + 0.06 * n * len(names)),
                             constrained_layout=True)
    axes = np.atleast_1d(axes)
    exc = fit["exc"]
    out = {}
    for ax, k in zip(axes, names):
        tr = ev["trains"][k]
        for i in range(len(tr)):
            if i < len(exc) and exc[i] == 0:
                ax.axhspan(i - 0.5, i + 0.5, color="#efe9f5", lw=0, zorder=0)
        ax.eventplot([t / 1000.0 for t in tr], lineoffsets=np.arange(len(tr)), linelengths=0.8,
                     linewidths=0.8, colors=COLOR[k])
        if ev["windows"] > 1 and ev["window_ms"] > 0:
            for w in range(1, ev["windows"]):
                ax.axvline(w * ev["window_ms"] / 1000.0, color="#cccccc", lw=0.5, ls=":", zorder=0)
        nsp = int(sum(len(t) for t in tr))
        rate = nsp / max(len(tr), 1) / dur_s if dur_s > 0 else float("nan")
        ax.set_title(f"{k}: {nsp} spikes, mean rate {rate:.2f} Hz", loc="left", color=COLOR[k], fontsize=9)
        ax.set_ylabel("neuron")
        out[k] = nsp
    axes[0].set_ylim(n - 0.5, -0.5)
    axes[0].set_yticks(range(0, n, max(1, n // 12)))
    t0 = ev.get("t0_ms", 0.0) / 1000.0
    axes[-1].set_xlim(t0, t0 + ev.get("extent_ms", ev["duration_ms"]) / 1000.0)
    axes[-1].set_xlabel("time (s)")
    if np.any(exc == 0):
        axes[-1].legend(handles=[matplotlib.patches.Patch(color="#efe9f5", label="inhibitory neurons")],
                        loc="upper right", bbox_to_anchor=(1, -0.35), frameon=False)
    what = f"{ev['windows']} windows of {ev['window_ms']:g} ms" if ev["windows"] else f"{ev['duration_ms'] / 1000:g} s held out"
    fig.suptitle(f"Evaluation spikes, {what} (same input)\n{_title(fit)}")
    _save(fig, path)
    return {"spikes": out, "duration_s": dur_s}


def plot_loss(fit, path):
    """Training loss per iteration (and validation when present), with its frd/vrd terms."""
    L = fit["loss"]
    train = L.get("train")
    if train is None or not len(train):
        return None
    terms = [k for k in ("frd", "vrd") if k in L and len(L[k]) and np.any(L[k] != 0)]
    show_terms = len(terms) == 2 or (len(terms) == 1 and not np.allclose(L[terms[0]], train))
    fig, axes = plt.subplots(1, 2 if show_terms else 1, figsize=(9 if show_terms else 5.5, 3.6), constrained_layout=True)
    axes = np.atleast_1d(axes)
    lname = fit["attrs"].get("loss", "loss")
    windows = fit["attrs"].get("windows")
    ax = axes[0]
    it = _iters(len(train))
    ax.plot(it, train, "-o", ms=2.5, color=COLOR["fitted"], label="training")
    val = L.get("validation")
    if val is not None and len(val):
        xv = np.linspace(it[0], it[-1], len(val)) if len(val) != len(train) else it
        ax.plot(xv, val, "-s", ms=2.5, color=COLOR["validation"], label="validation")
    _logscale_if_wide(ax, train, val)
    ax.set_xlabel("iteration")
    unit_txt = " (Hz)" if lname == "frd" else ""
    ax.set_ylabel(f"{lname} loss{unit_txt}, sum over {windows} windows" if windows else f"{lname} loss{unit_txt}")
    ax.set_title(f"Loss: {train[0]:.4g} \u2192 {train[-1]:.4g}")
    ax.legend(frameon=False)
    if show_terms:
        ax = axes[1]
        lines = []
        if "frd" in terms:
            lines += ax.plot(it, L["frd"], "-", color=COLOR["frd"], label="frd (firing-rate distance)")
            ax.set_ylabel("frd (Hz)", color=COLOR["frd"])
        ax2 = ax.twinx() if len(terms) == 2 else ax
        if "vrd" in terms:
            lines += ax2.plot(it, L["vrd"], "-", color=COLOR["vrd"], label="vrd (van Rossum distance)")
            ax2.set_ylabel("vrd (a.u.)", color=COLOR["vrd"])
        if ax2 is not ax:
            ax2.spines["right"].set_visible(True)
        ax.set_xlabel("iteration")
        ax.set_title("Loss terms (unweighted)")
        ax.legend(handles=lines, frameon=False, loc="upper right")
    fig.suptitle(f"Training loss: {_title(fit)}")
    _save(fig, path)
    out = {"train": train.tolist(), "first": float(train[0]), "last": float(train[-1])}
    if val is not None and len(val):
        out["validation"] = val.tolist()
    return out


def plot_grad_norm(fit, path):
    g = fit["loss"].get("grad_norm")
    if g is None or not len(g):
        return None
    fig, ax = plt.subplots(figsize=(5.5, 3.4), constrained_layout=True)
    it = _iters(len(g))
    ax.plot(it, g, "-o", ms=2.5, color=COLOR["grad"])
    if np.all(g > 0) and g.max() > g.min():
        _log_y(ax, g.min(), g.max())
    ax.set_xlabel("iteration")
    ax.set_ylabel(r"$\|\nabla L\|_2$ (all parameters)")
    ax.set_title(f"Gradient norm: {_title(fit)}")
    _save(fig, path)
    return {"grad_norm": g.tolist()}


def plot_param_trajectories(fit, path):
    """Per-neuron parameter values after each iteration, truth marked at the right."""
    H = fit["history"]
    if not H:
        return None
    panels = [b for b in fit["vector_blocks"] + ["r_p", "W"] if b in H]
    ncol = 3
    nrow = math.ceil(len(panels) / ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(10, 3.0 * nrow + 0.7), squeeze=False)
    cols = neuron_colors(fit["exc"])
    T = fit["truth"]
    out = {}
    for ax, b in zip(axes.flat, panels):
        h = H[b]
        it = np.arange(h.shape[0])
        xt = it[-1] + max(1, 0.04 * it[-1])  # where the truth is marked
        if b == "W":
            exc = fit["exc"]
            absW = np.abs(h)
            groups = [(t, np.flatnonzero(exc == t)) for t in (1, 0, -1) if np.any(exc == t)]
            off = ~np.eye(h.shape[1], dtype=bool)
            for t, rows in groups:
                m = np.array([absW[k][rows][off[rows]].mean() for k in it])
                c = plt.get_cmap(TYPE_CMAP[t])(0.8)
                ax.plot(it, m, color=c, lw=1.5, label=f"from {TYPE_NAME[t]}")
                if "W" in T:
                    ax.plot([xt], [np.abs(T["W"])[rows][off[rows]].mean()], marker="<", color=c, ms=6, ls="none")
                out[f"mean_abs_W_{TYPE_NAME[t]}"] = m.tolist()
            ax.set_ylabel(r"mean $|W_{ij}|$, $i \neq j$ (a.u.)")
            ax.set_title(r"$W$: mean $|W|$ by presynaptic type")
            ax.legend(frameon=False, fontsize=7)
        else:
            h2 = h.reshape(h.shape[0], -1)
            for i in range(h2.shape[1]):
                c = cols[i] if b != "r_p" and i < len(cols) else COLOR["fitted"]
                ax.plot(it, h2[:, i], color=c, lw=1.0)
                if b in T:
                    ax.plot([xt], [np.ravel(T[b])[i]], marker="<", color=c, ms=5, ls="none")
            ax.set_ylabel(axis_label(b, fit["dt"]))
            ax.set_title(f"{symbol(b)} per neuron" if b != "r_p" else r"$r_p$ (input rate)")
            out[b] = h2[-1].tolist()
        ax.set_xlabel("iteration")
        ax.set_xlim(0, xt + 0.5 * max(1, 0.04 * it[-1]))
        if T:  # the truth's column, set apart from the iterations
            ax.axvspan(it[-1] + 0.5 * (xt - it[-1]), ax.get_xlim()[1], color="#f2f2f2", lw=0, zorder=0)
            ax.text(xt, 0.99, "truth", transform=matplotlib.transforms.blended_transform_factory(ax.transData, ax.transAxes),
                    ha="center", va="top", fontsize=7, color="#444444")
    for ax in list(axes.flat)[len(panels):]:
        ax.set_visible(False)
    handles = type_legend(fit["exc"])
    if T:
        handles.append(Line2D([], [], marker="<", color="#444444", ls="none", label="ground truth"))
    fig.legend(handles=handles, loc="lower center", ncol=len(handles), frameon=False)
    fig.suptitle(f"Parameter trajectories (iteration 0 = initial model): {_title(fit)}")
    fig.tight_layout(rect=(0, 0.5 / fig.get_figheight(), 1, 1))
    _save(fig, path)
    return out


def plot_W(fit, path):
    """Heatmaps of W: initial, fitted, truth and fitted - truth (or fitted - initial)."""
    F = fit["final"].get("W")
    if F is None or F.ndim != 2:
        return None
    mats = [("initial", fit["init"].get("W")), ("fitted", F), ("ground truth", fit["truth"].get("W"))]
    mats = [(k, m) for k, m in mats if m is not None]
    ref_name, ref = ("ground truth", fit["truth"]["W"]) if "W" in fit["truth"] else ("initial", fit["init"].get("W"))
    n = F.shape[0]
    ncol = len(mats) + (ref is not None)
    fig, axes = plt.subplots(1, ncol, figsize=(2.9 * ncol + 0.8, 3.4), constrained_layout=True)
    axes = np.atleast_1d(axes)
    vmax = max(np.abs(m).max() for _, m in mats) or 1.0
    ticks = range(0, n, max(1, n // 6))
    for ax, (k, m) in zip(axes, mats):
        im = ax.imshow(m, cmap="RdBu_r", vmin=-vmax, vmax=vmax, interpolation="nearest")
        ax.set_title(k)
    fig.colorbar(im, ax=list(axes[:len(mats)]), shrink=0.85, label=r"$W_{ij}$ (a.u.; >0 excitatory)")
    out = {"W_final": F.tolist()}
    if ref is not None:
        d = F - ref
        ax = axes[len(mats)]
        dm = np.abs(d).max() or 1.0
        im2 = ax.imshow(d, cmap="PuOr_r", vmin=-dm, vmax=dm, interpolation="nearest")
        ax.set_title(f"fitted \u2212 {ref_name}")
        fig.colorbar(im2, ax=ax, shrink=0.85, label=r"$\Delta W_{ij}$ (a.u.)")
        out["frobenius_fitted_minus_" + ref_name.replace(" ", "_")] = float(np.linalg.norm(d))
    for ax in axes:
        ax.set_xticks(ticks)
        ax.set_yticks(ticks)
        ax.set_xlabel("postsynaptic neuron j")
        ax.spines[["top", "right"]].set_visible(True)
    axes[0].set_ylabel("presynaptic neuron i")
    fig.suptitle(f"Connectivity $W_{{ij}}$ (i \u2192 j): {_title(fit)}")
    _save(fig, path)
    return out


def plot_distance(fit, path):
    """Distance to the truth per block: relative to the start, and absolute."""
    D = fit["distance"]
    if not D:
        return None
    blocks = [b for b in fit["blocks"] if b in D] + (["total"] if "total" in D else [])
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 3.8), constrained_layout=True)
    out = {}
    zero_start = []
    for b in blocks:
        d = D[b]
        it = np.arange(len(d))
        lw, c = (2.2, BLOCK_COLOR["total"]) if b == "total" else (1.3, block_color(b))
        lab = symbol(b)
        if d[0] > 0:
            a1.plot(it, d / d[0], color=c, lw=lw, label=lab)
            out[b] = float(d[-1] / d[0])
        else:
            zero_start.append(b)
        dd = np.where(d > 0, d, np.nan)
        a2.plot(it, dd, color=c, lw=lw, label=f"{lab} ({unit(b, fit['dt'])})" if b != "total" else lab)
    a1.axhline(1.0, color="#888888", lw=0.7, ls="--")
    a1.set_xlabel("iteration")
    a1.set_ylabel("distance to truth / distance at start")
    a1.set_title("Relative distance to the ground truth" + (
        "\n(not shown, equal to the truth at the start: " + ", ".join(symbol(b) for b in zero_start) + ")" if zero_start else ""))
    a1.legend(frameon=False, ncol=2, loc="best")
    pos = np.concatenate([D[b][D[b] > 0] for b in blocks])
    if len(pos):
        _log_y(a2, pos.min(), pos.max())
    a2.set_xlabel("iteration")
    a2.set_ylabel("Euclidean distance (units of the block)")
    a2.set_title("Absolute distance to the ground truth")
    a2.legend(frameon=False, fontsize=7, loc="center left", bbox_to_anchor=(1.0, 0.5))
    fig.suptitle(f"Distance to the ground truth per parameter block: {_title(fit)}")
    _save(fig, path)
    return out


def plot_rates(fit, path):
    """Per-neuron evaluation rates: fitted (and initial) against the target, identity line."""
    ev = fit["eval"]
    if not ev or "target" not in ev["rates"] or "fitted" not in ev["rates"]:
        return None
    r = ev["rates"]
    rt = r["target"]
    top = max([np.max(v) for v in r.values()] + [1.0]) * 1.08
    fig, ax = plt.subplots(figsize=(4.8, 4.6), constrained_layout=True)
    ax.plot([0, top], [0, top], color="#888888", lw=0.8, ls="--", label="identity")
    if "initial" in r:
        ax.scatter(rt, r["initial"], s=28, facecolors="none", edgecolors=COLOR["initial"], label="initial model")
        for i in range(len(rt)):
            ax.plot([rt[i], rt[i]], [r["initial"][i], r["fitted"][i]], color="#dddddd", lw=0.6, zorder=0)
    ax.scatter(rt, r["fitted"], s=28, color=COLOR["fitted"], label="fitted model", zorder=3)
    if len(rt) <= 30:
        for i in range(len(rt)):
            ax.annotate(str(i), (rt[i], r["fitted"][i]), xytext=(3, 3), textcoords="offset points", fontsize=6, color="#333333")
    ax.set_xlim(0, top)
    ax.set_ylim(0, top)
    ax.set_aspect("equal")
    ax.set_xlabel("target rate (Hz)")
    ax.set_ylabel("model rate (Hz)")
    err = mean_abs_rate_error(fit)
    ax.set_title(f"Per-neuron rates, mean |error| {err:.2f} Hz\n{_title(fit)}")
    ax.legend(frameon=False, loc="upper left")
    _save(fig, path)
    return {k: v.tolist() for k, v in r.items()} | {"mean_abs_error": err}


# ------------------------------------------------------------------------------ sets of fits
def gaussian_kde(samples, grid, bandwidth=None):
    """Gaussian kernel density estimate (Scott's rule bandwidth) evaluated on grid."""
    x = np.asarray(samples, dtype=float).ravel()
    x = x[np.isfinite(x)]
    grid = np.asarray(grid, dtype=float)
    if len(x) == 0:
        return np.zeros_like(grid)
    if bandwidth is None:
        sd = np.std(x, ddof=1) if len(x) > 1 else 0.0
        iqr = np.subtract(*np.percentile(x, [75, 25])) / 1.349 if len(x) > 1 else 0.0
        s = min(sd, iqr) if iqr > 0 else sd
        bandwidth = s * len(x) ** (-0.2)
        if not bandwidth > 0:
            span = np.ptp(grid) if len(grid) > 1 else 1.0
            bandwidth = 0.02 * span if span > 0 else 1e-3
    z = (grid[:, None] - x[None, :]) / bandwidth
    return np.exp(-0.5 * z * z).sum(axis=1) / (len(x) * bandwidth * math.sqrt(2 * math.pi))


def _values(fit, where, b):
    v = fit[where].get(b)
    if v is None:
        return None
    if b == "W" and v.ndim == 2:
        return v[~np.eye(v.shape[0], dtype=bool)]
    return np.ravel(v)


def plot_kde(fits, path, title="fits"):
    """Marginal of the final parameters of each block over a set of fits (all neurons pooled),
    with the initial values and the truth's values for comparison."""
    fits = [f for f in fits if f["final"]]
    if len(fits) < 2:
        return None
    blocks = [b for b in fits[0]["blocks"] if all(b in f["final"] for f in fits)] if fits else []
    fig, axes = plt.subplots(2, 3, figsize=(11, 6.2), constrained_layout=True, squeeze=False)
    out = {}
    for ax, b in zip(axes.flat, blocks):
        fv = np.concatenate([_values(f, "final", b) for f in fits])
        iv = [_values(f, "init", b) for f in fits]
        iv = np.concatenate([v for v in iv if v is not None]) if any(v is not None for v in iv) else None
        tv = [_values(f, "truth", b) for f in fits]
        tv = np.concatenate([v for v in tv if v is not None]) if any(v is not None for v in tv) else None
        allv = np.concatenate([v for v in (fv, iv, tv) if v is not None])
        lo, hi = allv.min(), allv.max()
        pad = 0.15 * (hi - lo) if hi > lo else max(abs(lo) * 0.05, 0.05)
        grid = np.linspace(lo - pad, hi + pad, 400)
        point = []  # values without spread: drawn as vertical lines, not as densities
        if np.ptp(fv) > 0:
            kf = gaussian_kde(fv, grid)
            ax.fill_between(grid, kf, color=COLOR["fitted"], alpha=0.25, lw=0)
            ax.plot(grid, kf, color=COLOR["fitted"], lw=1.6, label=f"fitted ({len(fits)} fits)")
        else:
            point.append((fv[0], COLOR["fitted"], "-", f"fitted: all {fv[0]:.4g}"))
        if iv is not None:
            if np.ptp(iv) > 0:
                ax.plot(grid, gaussian_kde(iv, grid), color=COLOR["initial"], lw=1.2, ls="--", label="initial")
            else:
                point.append((iv[0], COLOR["initial"], "--", f"initial: all {iv[0]:.4g}"))
        if tv is not None:
            u = np.unique(tv)
            if len(u) > 1:
                ax.plot(grid, gaussian_kde(tv, grid), color=COLOR["truth"], lw=1.2, label="ground truth")
                ymax = ax.get_ylim()[1]
                ax.vlines(u, 0, 0.06 * ymax, color=COLOR["truth"], lw=0.8, label="true values")
                ax.set_ylim(0, ymax)
            else:
                point.append((u[0], COLOR["truth"], ":", f"ground truth: {u[0]:.4g}"))
        for x, c, ls, lab in point:
            ax.axvline(x, color=c, ls=ls, lw=1.4, label=lab)
        ax.set_ylim(bottom=0)
        ax.set_xlabel(axis_label(b, fits[0]["dt"]) + (r", $i \neq j$" if b == "W" else ""))
        ax.set_ylabel("density (1/unit)")
        ax.set_title(f"{symbol(b)}" + (" (all neurons pooled)" if b in fits[0]["vector_blocks"] else " (off-diagonal entries)" if b == "W" else " (scalar)"))
        ax.legend(frameon=False, fontsize=7)
        out[b] = {"n_values": int(len(fv)), "mean_final": float(np.mean(fv))}
    for ax in list(axes.flat)[len(blocks):]:
        ax.set_visible(False)
    fig.suptitle(f"Final parameter marginals over {len(fits)} fits (Gaussian KDE): {title}")
    _save(fig, path)
    return out


def plot_kde_neurons(fits, block, path, title="fits"):
    """Per-neuron marginal of one vector block over a set of (at least 3) fits, the truth marked."""
    fits = [f for f in fits if block in f["final"]]
    if len(fits) < 3 or block not in fits[0]["vector_blocks"]:  # a density of one neuron needs a few fits
        return None
    n = min(len(f["final"][block]) for f in fits)
    if n == 0:
        return None
    ncol = min(n, 6)
    nrow = math.ceil(n / ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(1.9 * ncol + 0.6, 1.6 * nrow + 1.2), sharex=True, squeeze=False)
    V = np.array([f["final"][block][:n] for f in fits])
    T = [f["truth"][block][:n] for f in fits if block in f["truth"]]
    I = [f["init"][block][:n] for f in fits if block in f["init"]]
    allv = np.concatenate([V.ravel()] + [np.ravel(T)] * bool(T) + [np.ravel(I)] * bool(I))
    lo, hi = allv.min(), allv.max()
    pad = 0.1 * (hi - lo) if hi > lo else 0.05
    grid = np.linspace(lo - pad, hi + pad, 300)
    exc = fits[0]["exc"]
    cols = neuron_colors(exc)
    for i, ax in enumerate(axes.flat):
        if i >= n:
            ax.set_visible(False)
            continue
        k = gaussian_kde(V[:, i], grid)
        c = cols[i] if i < len(cols) else COLOR["fitted"]
        ax.fill_between(grid, k, color=c, alpha=0.35, lw=0)
        ax.plot(grid, k, color=c, lw=1.2)
        ax.plot(V[:, i], np.zeros(len(V)), "|", color=c, ms=6)
        if I:
            ax.plot(np.array(I)[:, i], np.zeros(len(I)), "x", color=COLOR["initial"], ms=3)
        for t in np.unique(np.array(T)[:, i]) if T else []:
            ax.axvline(t, color=COLOR["truth"], lw=1.0, ls="--")
        ax.set_title(f"neuron {i}", fontsize=8)
        ax.set_yticks([])
        ax.tick_params(labelsize=7)
    for ax in axes[-1]:
        ax.set_xlabel(axis_label(block, fits[0]["dt"]), fontsize=7)
    handles = [Line2D([], [], color="#666666", lw=1.2, label=f"fitted KDE ({len(fits)} fits)"),
               Line2D([], [], color="#666666", marker="|", ls="none", label="fitted values"),
               Line2D([], [], color=COLOR["initial"], marker="x", ls="none", label="initial values")]
    if T:
        handles.append(Line2D([], [], color=COLOR["truth"], ls="--", label="ground truth"))
    fig.legend(handles=handles, loc="lower center", ncol=len(handles), frameon=False)
    fig.tight_layout(rect=(0, 0.4 / fig.get_figheight(), 1, 0.95))
    fig.suptitle(f"{symbol(block)} per neuron over {len(fits)} fits (density, Gaussian KDE): {title}")
    _save(fig, path)
    return {"final": V.tolist()}


def plot_loss_compare(fits, path, title="fits"):
    """Training losses of a set of fits: absolute and relative to the first iteration."""
    fits = [f for f in fits if "train" in f["loss"] and len(f["loss"]["train"])]
    if len(fits) < 2:
        return None
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 3.8), constrained_layout=True)
    groups = list(dict.fromkeys(f.get("group_label", f["name"]) for f in fits))
    cmap = plt.get_cmap("tab10")
    gcol = {g: cmap(i % 10) for i, g in enumerate(groups)}
    seen = set()
    for f in fits:
        g = f.get("group_label", f["name"])
        L = f["loss"]["train"]
        it = _iters(len(L))
        lab = g if g not in seen else None
        seen.add(g)
        a1.plot(it, L, color=gcol[g], lw=1.0, alpha=0.85, label=lab)
        a2.plot(it, L / L[0] if L[0] != 0 else L, color=gcol[g], lw=1.0, alpha=0.85)
    _logscale_if_wide(a1, *[f["loss"]["train"] for f in fits])
    a1.set_xlabel("iteration")
    a1.set_ylabel("training loss (the run's own loss)")
    a1.set_title("Training loss")
    a2.set_xlabel("iteration")
    a2.set_ylabel("loss / loss of iteration 1")
    a2.axhline(1.0, color="#888888", lw=0.7, ls="--")
    a2.set_title("Relative to the first iteration")
    a1.legend(frameon=False, fontsize=7, loc="upper left", bbox_to_anchor=(0, -0.18), ncol=min(3, len(groups)))
    fig.suptitle(f"Training loss of {len(fits)} fits: {title}")
    _save(fig, path)
    return {"last": [float(f["loss"]["train"][-1]) for f in fits]}


def plot_nmf(fit, path):
    """NMF modules (neuron loadings) and activation coefficients of the target, fitted and
    initial networks side by side (from `spikefit analyze`); fitted modules matched to the
    target's by the best assignment of |cosines|."""
    an = fit.get("analysis")
    if not an or "W_target" not in an:
        return None
    names = [k for k in ("target", "fitted", "initial") if f"W_{k}" in an]
    Wt = an["W_target"]
    k = Wt.shape[1]

    def match(W):
        import itertools
        A = Wt / np.maximum(np.linalg.norm(Wt, axis=0), 1e-300)
        B = W / np.maximum(np.linalg.norm(W, axis=0), 1e-300)
        C = np.abs(A.T @ B)
        best = max(itertools.permutations(range(k)), key=lambda p: sum(C[i, p[i]] for i in range(k)))
        return list(best)

    fig, axes = plt.subplots(2, len(names), figsize=(4.2 * len(names), 6.5), squeeze=False,
                             gridspec_kw={"height_ratios": [1.2, 1]})
    colours = plt.get_cmap("tab10")
    out = {}
    for c, name in enumerate(names):
        W, H = an[f"W_{name}"], an[f"H_{name}"]
        order = match(W) if name != "target" else list(range(k))
        W, H = W[:, order], H[order]
        ax = axes[0, c]
        n = W.shape[0]
        width = 0.8 / k
        for m in range(k):
            ax.bar(np.arange(n) + (m - (k - 1) / 2) * width, W[:, m], width, color=colours(m), label=f"module {m + 1}")
        ax.set_xlabel("neuron")
        ax.set_ylabel("loading (unit norm)")
        sim = an.get(f"geodesic_similarity_{name}")
        ax.set_title(name + (f"  (similarity to target {float(np.ravel(sim)[0]):.3f})" if sim is not None else ""))
        ax = axes[1, c]
        t = (np.arange(H.shape[1]) + 0.5) * an["bin_ms"] / 1000.0
        for m in range(k):
            ax.plot(t, H[m], color=colours(m), lw=1)
        ax.set_xlabel("time (s)")
        ax.set_ylabel("activation")
        out[name] = {"modules": W.tolist()}
    axes[0, 0].legend(fontsize=8)
    fig.suptitle(f"NMF modules (top) and activation coefficients (bottom), {an['bin_ms']:g} ms bins\n{_title(fit)}")
    fig.tight_layout()
    _save(fig, path)
    return out


def plot_xcorr(fit, path):
    """Correlation matrices of 20 ms counts: target, fitted, and fitted neuron i against
    target neuron j (its diagonal is the spike correlation of each neuron)."""
    c = fit.get("compare")
    if not c or "corr_target" not in c:
        return None
    mats = [("target: corr(i, j)", c["corr_target"]), ("fitted: corr(i, j)", c["corr_fitted"]), ("fitted i vs target j", c["xcorr_fitted_target"])]
    fig, axes = plt.subplots(1, 3, figsize=(13, 4.3))
    for ax, (title, M) in zip(axes, mats):
        im = ax.imshow(M, cmap="RdBu_r", vmin=-1, vmax=1, interpolation="nearest")
        ax.set_title(title)
        ax.set_xlabel("neuron j")
        ax.set_ylabel("neuron i")
    fig.colorbar(im, ax=axes, shrink=0.85, label="Pearson correlation")
    extra = f"pairwise-correlation similarity {float(np.ravel(c['pair_corr_similarity'])[0]):.3f}, mean spike correlation {float(np.ravel(c['spike_correlation'])[0]):.3f}"
    fig.suptitle(f"Correlations of 20 ms counts over the evaluation windows ({extra})\n{_title(fit)}")
    _save(fig, path)
    return {"corr_target": c["corr_target"].tolist(), "spike_correlation": float(np.ravel(c["spike_correlation"])[0])}


def plot_glm(fit, path):
    """The GLM baseline's filters (`spikefit glm`): each neuron's spike-history filter, and
    the coupling filters' summed weight from neuron j to neuron i; rates of its simulation."""
    g = fit.get("glm")
    if not g:
        return None
    basis, F = g["basis"], g["filters"]          # [nbasis][lags], [N][N][nbasis] (from j to i)
    K = np.einsum("jik,kl->jil", F, basis)         # filter kernels over lags
    n, lags = K.shape[0], K.shape[2]
    lag_ms = np.arange(1, lags + 1) * fit["dt"]
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.2))
    cols = neuron_colors(fit["exc"]) if len(fit["exc"]) == n else [plt.get_cmap("viridis")(i / max(n - 1, 1)) for i in range(n)]
    for i in range(n):
        axes[0].plot(lag_ms, K[i, i], color=cols[i], lw=1)
    axes[0].axhline(0, color="k", lw=0.6)
    axes[0].set_xlabel("lag (ms)")
    axes[0].set_ylabel("log-rate change")
    axes[0].set_title("spike-history filters (one line per neuron)")
    S = K.sum(axis=2)
    np.fill_diagonal(S, np.nan)
    lim = np.nanmax(np.abs(S)) if np.isfinite(S).any() else 1
    im = axes[1].imshow(S, cmap="RdBu_r", vmin=-lim, vmax=lim, interpolation="nearest")
    axes[1].set_xlabel("to neuron i")
    axes[1].set_ylabel("from neuron j")
    axes[1].set_title("coupling filters, summed over lags")
    fig.colorbar(im, ax=axes[1], shrink=0.85)
    if "rate_glm" in g and "rate_target" in g:
        axes[2].scatter(g["rate_target"], g["rate_glm"], s=18)
        hi = max(float(np.max(g["rate_target"])), float(np.max(g["rate_glm"])), 1e-9) * 1.1
        axes[2].plot([0, hi], [0, hi], "k--", lw=0.8)
        axes[2].set_xlim(0, hi)
        axes[2].set_ylim(0, hi)
    axes[2].set_xlabel("target rate (Hz)")
    axes[2].set_ylabel("GLM simulation rate (Hz)")
    axes[2].set_title("rates" + (f"  (module similarity {g['similarity']:.3f})" if "similarity" in g else ""))
    fig.suptitle(f"Poisson GLM baseline\n{_title(fit)}")
    fig.tight_layout()
    _save(fig, path)
    return {"history_kernels": [K[i, i].tolist() for i in range(n)], "bias": g["bias"].tolist()}


def plot_landscape(path_h5, path):
    """Loss and mean rate over the grid of `spikefit landscape`, with the base point marked."""
    import h5py
    with h5py.File(path_h5, "r") as f:
        L = f["landscape"]
        loss, rate, x, y = (np.asarray(L[k][()], dtype=float) for k in ("loss", "rate", "x", "y"))
        a = {k: _str(v) for k, v in L.attrs.items()}
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.6))
    for ax, Z, label, cmap in ((axes[0], loss, f"loss ({a.get('loss', '')})", "viridis"), (axes[1], rate, "mean rate (Hz)", "magma")):
        im = ax.pcolormesh(x, y, Z, shading="nearest", cmap=cmap)
        fig.colorbar(im, ax=ax, label=label)
        ax.plot(float(a.get("x_base", np.nan)), float(a.get("y_base", np.nan)), "w*", ms=12, mec="k", label=f"base ({a.get('base', '')})")
        j, i = np.unravel_index(np.nanargmin(loss), loss.shape)
        ax.plot(x[i], y[j], "rx", ms=10, mew=2, label="grid minimum of the loss")
        ax.set_xlabel(a.get("x_param", "x"))
        ax.set_ylabel(a.get("y_param", "y"))
    axes[0].legend(fontsize=8, loc="best")
    axes[0].set_title("loss landscape")
    axes[1].set_title("mean firing rate")
    fig.suptitle(f"{a.get('x_param', 'x')} x {a.get('y_param', 'y')}, the other parameters fixed at the {a.get('base', 'base')}")
    fig.tight_layout()
    _save(fig, path)
    return {"loss": loss.tolist(), "x": x.tolist(), "y": y.tolist(), "min": float(np.nanmin(loss))}
