"""Load a spikefit results file (``spikefit fit -o RUN.h5``) into NumPy arrays and dicts.

Needs only numpy and h5py. The layout is documented in docs/FORMAT.md ("Results"). Every
function takes a path or an open ``h5py.File`` and an optional ``fit``: ``None`` reads the root
(the only fit, or the best one of a run with restarts), ``k`` reads ``/fit_<k>/``.

    import spikefit_results as sr
    run = sr.load("RUN.h5")
    run["params"]["final"]["W"]          # fitted weights [N][N], W[i][j] from i to j
    run["losses"]["train"]               # loss per iteration
    run["spikes"]["fitted"][3]           # spike times (ms) of neuron 3 in the evaluation
    run["evaluation"]["compare"]["rate_rmse"]

Command line: ``python3 spikefit_results.py RUN.h5`` prints a summary.
"""

import contextlib
import sys

import h5py
import numpy as np

SPIKE_GROUPS = ("target", "fitted", "initial")


@contextlib.contextmanager
def _opened(source):
    """Yields an open h5py.File for a path (closed afterwards) or the file given."""
    if isinstance(source, (h5py.File, h5py.Group)):
        yield source
    else:
        with h5py.File(source, "r") as f:
            yield f


def _prefix(fit):
    return "" if fit is None else "/fit_%d" % int(fit)


def _value(v):
    """An HDF5 value as Python: bytes to str, one-element arrays to scalars."""
    if isinstance(v, bytes):
        return v.decode("utf-8")
    if isinstance(v, np.ndarray):
        if v.dtype.kind in "SO":
            v = np.array([x.decode("utf-8") if isinstance(x, bytes) else x for x in v.ravel()]).reshape(v.shape)
        if v.shape in ((), (1,)):
            return v.reshape(()).item()
        return v
    if isinstance(v, np.generic):
        return v.item()
    return v


def _group_arrays(group):
    """Every dataset directly in an HDF5 group, as a dict name -> numpy array."""
    return {name: obj[()] for name, obj in group.items() if isinstance(obj, h5py.Dataset)}


def read_attributes(source, fit=None):
    """Root attributes of the run (model, loss, optim, n, iterations, dt, ...) as a dict.

    Strings come back as str and one-element values as Python scalars. For ``fit=k`` the
    attributes of ``/fit_<k>`` are merged over the root's.
    """
    with _opened(source) as f:
        out = {k: _value(v) for k, v in f.attrs.items()}
        if fit is not None and _prefix(fit) in f:
            out.update({k: _value(v) for k, v in f[_prefix(fit)].attrs.items()})
        return out


def read_options(source, fit=None):
    """The options the fit was given (``/options``) and those that change its result
    (``/canonical_options``), as strings ('' when absent)."""
    with _opened(source) as f:
        names = {name: _prefix(fit) + "/" + name for name in ("options", "canonical_options")}
        return {name: _value(f[path][()]) if path in f else "" for name, path in names.items()}


def read_params(source, fit=None):
    """Parameters: a dict with one entry per subgroup of /params ('init', 'final', and 'best',
    'history' when present), each a dict block -> array (history: one row per iteration,
    row 0 the start), plus the datasets of /params itself ('exc', 'hidden') and 'truth' when
    the run has a ground truth.

    Shapes: E_L, tau_m, tau_g, R_I [N]; W [N][N]; r_p [1].
    """
    with _opened(source) as f:
        p = f[_prefix(fit) + "/params"]
        out = {name: _group_arrays(obj) for name, obj in p.items() if isinstance(obj, h5py.Group)}
        out.update(_group_arrays(p))
        if _prefix(fit) + "/truth" in f:
            out["truth"] = _group_arrays(f[_prefix(fit) + "/truth"])
        return out


def read_distance(source, fit=None):
    """Distance to the truth per iteration (row 0 the start): a dict block -> array and
    'total' (synthetic runs only; empty dict otherwise)."""
    with _opened(source) as f:
        path = _prefix(fit) + "/distance"
        return _group_arrays(f[path]) if path in f else {}


def read_losses(source, fit=None):
    """Losses per iteration: 'train' (sum over the iteration's windows), 'validation' when the
    run validated, and every other dataset of /loss (frd, vrd, bnll, pnll, sm, grad_norm,
    seconds), as 1-D arrays."""
    with _opened(source) as f:
        return _group_arrays(f[_prefix(fit) + "/loss"])


def read_spike_train_group(source, group):
    """A spikefit spike group (``times_ms`` + ``offsets``) as a list of arrays, one per unit,
    of spike times in ms."""
    with _opened(source) as f:
        g = f[group]
        t, off = g["times_ms"][()], g["offsets"][()]
        if len(off) < 1 or off[0] != 0 or off[-1] != len(t) or np.any(np.diff(off) < 0):
            raise ValueError("%s: %s/offsets do not partition %s/times_ms" % (f.filename, group, group))
        return [np.array(t[off[k]:off[k + 1]]) for k in range(len(off) - 1)]


def read_spikes(source, fit=None):
    """The evaluation's spike trains: a dict 'target', 'fitted', 'initial' (those present) ->
    list of per-unit arrays of spike times in ms (recorded neurons only)."""
    with _opened(source) as f:
        ev = _prefix(fit) + "/eval"
        return {k: read_spike_train_group(f, ev + "/" + k) for k in SPIKE_GROUPS if ev + "/" + k in f}


def read_evaluation(source, fit=None):
    """The evaluation: rates (Hz) 'rate_target', 'rate_fitted', 'rate_initial' (and
    'rate_hidden', 'span_ms' when present), 'compare': the contents of /eval/compare as a
    dict (scalars as floats, matrices as arrays; each row of the comparison table, e.g.
    'fitted', 'poisson_null', 'data_ceiling', as a dict of its metrics with its 'attrs') with its attributes under 'compare_attrs', and
    the /eval attributes under 'attrs'. Empty dict when the run has no /eval."""
    with _opened(source) as f:
        ev = _prefix(fit) + "/eval"
        if ev not in f:
            return {}
        out = {k: v for k, v in _group_arrays(f[ev]).items()}
        out["attrs"] = {k: _value(v) for k, v in f[ev].attrs.items()}
        if ev + "/compare" in f:
            c = f[ev + "/compare"]
            out["compare"] = {k: _value(v) for k, v in _group_arrays(c).items()}
            # the comparison table: one group per row (fitted, initial, poisson_null, ...)
            for row, g in c.items():
                if isinstance(g, h5py.Group):
                    out["compare"][row] = {k: _value(v) for k, v in _group_arrays(g).items()}
                    out["compare"][row].update({"attrs": {k: _value(v) for k, v in g.attrs.items()}})
            out["compare_attrs"] = {k: _value(v) for k, v in c.attrs.items()}
        else:
            out["compare"], out["compare_attrs"] = {}, {}
        return out


def fits(source):
    """Indices k of the /fit_<k> groups of a run with restarts (empty for a single fit)."""
    with _opened(source) as f:
        return sorted(int(name[4:]) for name in f if name.startswith("fit_") and name[4:].isdigit())


def load(source, fit=None):
    """Everything above in one dict: 'attrs', 'options', 'params', 'losses', 'distance',
    'spikes', 'evaluation', and 'fits' (the restart indices)."""
    with _opened(source) as f:
        fmt = _value(f.attrs.get("spikefit_format", b""))
        if fmt not in ("run", "checkpoint"):
            raise ValueError("%s is not a spikefit results file (spikefit_format %r)" % (f.filename, fmt))
        return {
            "attrs": read_attributes(f, fit),
            "options": read_options(f, fit),
            "params": read_params(f, fit),
            "losses": read_losses(f, fit),
            "distance": read_distance(f, fit),
            "spikes": read_spikes(f, fit),
            "evaluation": read_evaluation(f, fit),
            "fits": fits(f),
        }


def main(argv):
    """Prints a short summary of each results file named on the command line."""
    if len(argv) < 2:
        print("usage: spikefit_results.py RUN.h5 [...]", file=sys.stderr)
        return 2
    for path in argv[1:]:
        run = load(path)
        a, loss = run["attrs"], run["losses"].get("train", np.array([]))
        print("%s: model %s, loss %s, %s neurons, %s iterations" % (path, a.get("model"), a.get("loss"), a.get("n"), a.get("iterations")))
        if len(loss):
            print("  loss first %.6g last %.6g" % (loss[0], loss[-1]))
        for k, trains in run["spikes"].items():
            print("  eval %s: %d spikes over %d units" % (k, sum(len(t) for t in trains), len(trains)))
        if "rate_rmse" in run["evaluation"].get("compare", {}):
            print("  rate RMSE %.4g Hz" % run["evaluation"]["compare"]["rate_rmse"])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
