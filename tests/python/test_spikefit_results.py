#!/usr/bin/python3
"""Tests postprocess/spikefit_results.py against values read independently with h5py.

Usage: /usr/bin/python3 tests/python/test_spikefit_results.py SRC RUN.h5 [RESTARTS.h5]
RUN.h5 comes from a real short fit; RESTARTS.h5 (optional) from a fit with -fit_restarts 2.
Exit 0 when every check passes, 1 (with the failed check) otherwise.
"""
import os
import sys

import h5py
import numpy as np

sys.path.insert(0, os.path.join(sys.argv[1], "postprocess"))
import spikefit_results as sr  # noqa: E402

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def same(a, b):
    return np.array_equal(np.asarray(a), np.asarray(b))


def check_run(path, fit=None):
    pre = "" if fit is None else "/fit_%d" % fit
    run = sr.load(path, fit)
    with h5py.File(path, "r") as f:
        # attributes
        for k in ("model", "loss", "optim"):
            check(run["attrs"][k] == f.attrs[k].decode(), "%s attr %s" % (path, k))
        check(run["attrs"]["iterations"] == int(f.attrs["iterations"][0] if np.ndim(f.attrs["iterations"]) else f.attrs["iterations"]), "iterations attr")
        check(run["options"]["options"] == f[pre + "/options"][()].decode(), "options string")
        # parameters: every block of final and init, and the history with one row per iteration
        p = f[pre + "/params"]
        for g in ("init", "final"):
            check(set(run["params"][g]) == set(p[g]), "%s blocks of /params/%s" % (path, g))
            for b in p[g]:
                check(same(run["params"][g][b], p[g][b][()]), "/params/%s/%s" % (g, b))
        iters = len(f[pre + "/loss/train"])
        if "history" in p:
            check(run["params"]["history"]["W"].shape[0] == iters + 1, "history rows")
            check(same(run["params"]["history"]["W"][-1], p["final/W"][()]), "history ends at final")
        check(same(run["params"]["exc"], p["exc"][()]), "/params/exc")
        # losses
        check(same(run["losses"]["train"], f[pre + "/loss/train"][()]), "train loss")
        check(len(run["losses"]["train"]) == iters and iters >= 1, "train loss length")
        if pre + "/loss/validation" in f:
            check(same(run["losses"]["validation"], f[pre + "/loss/validation"][()]), "validation loss")
        # spike trains, unit by unit
        for k in ("target", "fitted", "initial"):
            t, off = f[pre + "/eval/%s/times_ms" % k][()], f[pre + "/eval/%s/offsets" % k][()]
            trains = run["spikes"][k]
            check(len(trains) == len(off) - 1, "%s: %d units" % (k, len(off) - 1))
            for u, tr in enumerate(trains):
                check(same(tr, t[off[u]:off[u + 1]]), "%s unit %d spikes" % (k, u))
            check(sum(len(tr) for tr in trains) == len(t), "%s spike total" % k)
        # evaluation
        ev = run["evaluation"]
        for k in ("rate_target", "rate_fitted", "rate_initial"):
            check(same(ev[k], f[pre + "/eval/" + k][()]), k)
        c = f[pre + "/eval/compare"]
        check(set(ev["compare"]) == set(c), "compare names")
        check(abs(ev["compare"]["rate_rmse"] - float(c["rate_rmse"][0])) == 0, "rate_rmse scalar")
        check(same(ev["compare"]["corr_target"], c["corr_target"][()]), "corr_target matrix")
        rows = [k for k, v in c.items() if isinstance(v, h5py.Group)]
        check("fitted" in rows, "a 'fitted' row in the comparison table")
        for r in rows:
            for m, d in c[r].items():
                check(same(np.atleast_1d(ev["compare"][r][m]), np.atleast_1d(d[()])), "compare/%s/%s" % (r, m))
        check(ev["attrs"]["windows"] > 0, "eval windows attribute")
        if "truth" in f:
            check(same(run["params"]["truth"]["W"], f[pre + "/truth/W"][()]), "truth W")
            check(same(run["distance"]["total"], f[pre + "/distance/total"][()]), "distance total")
    # the rates agree with the spike trains they summarise (an independent consequence)
    T = run["evaluation"]["attrs"]["windows"] * run["evaluation"]["attrs"]["window_steps"] * run["attrs"]["dt"] / 1000.0
    counts = np.array([len(tr) for tr in run["spikes"]["target"]])
    check(np.allclose(counts / T, run["evaluation"]["rate_target"], rtol=1e-9, atol=1e-9), "rate_target = counts / duration")
    return run


def main():
    run = check_run(sys.argv[2])
    check(run["fits"] == [], "a single fit has no /fit_<k>")
    if len(sys.argv) > 3:
        rs = sys.argv[3]
        check(sr.fits(rs) == [0, 1], "restarts: fits() is [0, 1]")
        for k in sr.fits(rs):
            check_run(rs, k)
        with h5py.File(rs, "r") as f:
            best = int(np.argmin(f["restart_final_loss"][()]))
        check(same(sr.read_params(rs)["final"]["W"], sr.read_params(rs, best)["final"]["W"]), "the root holds the best restart")
    # not a results file
    try:
        sr.load(os.path.join(sys.argv[1], "inputs/data/Wong1993_Adult.h5"))
        check(False, "a spike file must be refused")
    except ValueError:
        pass
    print("spikefit_results: %d failures" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
