#!/usr/bin/env python3
"""Recomputes a run's held-out metrics (docs/FORMAT.md /eval/compare/<row>) from its spike
groups with plain numpy and compares them with the file's values to 1e-12.

usage: check_eval.py RUN.h5 [REC.h5]
With REC.h5 (a spikefit HDF5 recording, /spikes/times_ms + offsets) the target is also
checked to be exactly the recording's spikes inside /eval/span_ms."""
import sys
import h5py
import numpy as np

BIN = 20.0


def counts(g, spans, n):
    t, off = g["times_ms"][()], g["offsets"][()]
    nb = np.floor((spans[:, 1] - spans[:, 0]) / BIN + 1e-9).astype(int)
    first = np.concatenate([[0], np.cumsum(nb)])
    c = np.zeros((first[-1], n))
    for i in range(n):
        ti = t[off[i]:off[i + 1]]
        for k, (a, b) in enumerate(spans):
            s = ti[(ti >= a) & (ti < b)]
            idx = np.floor((s - a) / BIN).astype(int)
            idx = idx[(idx >= 0) & (idx < nb[k])]
            np.add.at(c[:, i], first[k] + idx, 1)
    return c


def metrics(F, R):
    nbf, n = F.shape
    rf = F.sum(0) / (nbf * BIN / 1000)
    rr = R.sum(0) / (R.shape[0] * BIN / 1000)
    sel = rr > 0
    re = np.median(np.abs(rf[sel] - rr[sel]) / rr[sel]) if sel.any() else np.nan
    with np.errstate(all="ignore"):
        rate_r = np.corrcoef(rf, rr)[0, 1]
        cf, cr = np.corrcoef(F.T), np.corrcoef(R.T)
    iu = np.triu_indices(n, 1)
    a, b = cf[iu], cr[iu]
    ok = np.isfinite(a) & np.isfinite(b)
    with np.errstate(all="ignore"):
        cc = np.corrcoef(a[ok], b[ok])[0, 1] if ok.sum() >= 2 else np.nan
    return {"rate_error": re, "rate_r": rate_r, "corr_r": cc, "mean_rate": rf.mean(), "max_rate": rf.max(),
            "nrated": int(sel.sum()), "npairs": int(ok.sum())}


def same(x, y):
    return (np.isnan(x) and np.isnan(y)) or abs(x - y) <= 1e-12 * max(1.0, abs(y))


def main():
    f = h5py.File(sys.argv[1], "r")
    e = f["eval"]
    spans = e["span_ms"][()].reshape(-1, 2)
    n = len(e["target/offsets"][()]) - 1
    assert len(spans) > 0, "no evaluation interval"
    assert np.all(spans[:, 1] > spans[:, 0]) and np.all(spans[1:, 0] >= spans[:-1, 1]), "spans not sorted and disjoint"
    C = {k: counts(e[k], spans, n) for k in ("target", "fitted", "initial")}
    for k in ("target", "fitted", "initial"):  # every spike inside an interval (recording time)
        t = e[k + "/times_ms"][()]
        inside = np.zeros(len(t), bool)
        for a, b in spans:
            inside |= (t >= a) & (t < b)
        assert inside.all(), f"{k}: {np.sum(~inside)} spikes outside /eval/span_ms"
    bad = 0
    for row in ("fitted", "initial"):
        ref = metrics(C[row], C["target"])
        for key, v in ref.items():
            got = f[f"eval/compare/{row}/{key}"][()]
            got = float(np.ravel(got)[0])
            if not same(got, v):
                print(f"MISMATCH {row}/{key}: file {got!r} numpy {v!r}")
                bad += 1
            else:
                print(f"ok {row}/{key} = {got!r}")
    # the rows a numpy computation cannot redraw: sane and present
    for row in ("poisson_null", "data_ceiling"):
        if f"eval/compare/{row}" in f:
            for key in ("rate_error", "rate_r", "corr_r", "mean_rate", "max_rate"):
                float(f[f"eval/compare/{row}/{key}"][()])
    if "eval/rate_train" in f:
        # the Poisson null's draws cannot be redrawn here; their mean rate is the training
        # rates' mean up to the draws' noise (20 draws of every bin)
        pm, tm = float(f["eval/compare/poisson_null/mean_rate"][()]), f["eval/rate_train"][()].mean()
        nb = C["target"].shape[0]
        sd = np.sqrt(tm / (nb * BIN / 1000) / n / 20) if tm > 0 else 0
        if abs(pm - tm) > 6 * sd + 1e-12:
            print(f"MISMATCH poisson_null/mean_rate {pm} vs the training rates' mean {tm} (sd {sd})")
            bad += 1
    if len(sys.argv) > 2:  # the target is the recording itself, inside the spans
        r = h5py.File(sys.argv[2], "r")
        rt, ro = r["spikes/times_ms"][()], r["spikes/offsets"][()]
        if "eval/ceiling_span_ms" in f:  # the data ceiling from the recording's own spikes
            cs = f["eval/ceiling_span_ms"][()].reshape(-1, 2)
            ref = metrics(counts({"times_ms": r["spikes/times_ms"], "offsets": r["spikes/offsets"]}, cs, n), C["target"])
            for key, v in ref.items():
                got = float(np.ravel(f[f"eval/compare/data_ceiling/{key}"][()])[0])
                if not same(got, v):
                    print(f"MISMATCH data_ceiling/{key}: file {got!r} numpy {v!r}")
                    bad += 1
                else:
                    print(f"ok data_ceiling/{key} = {got!r}")
            # and the training rates, over the observed time before the holdout
            iv = r["spikes/intervals_ms"][()]
            lo, hi = 0.0, f["eval/span_ms"][0, 0]
            obs = sum(max(0.0, min(b, hi) - max(a, lo)) for a, b in iv)
            tr = np.array([sum(((x >= max(a, lo)) & (x < min(b, hi))).sum() for a, b in iv)
                           for x in (rt[ro[i]:ro[i + 1]] for i in range(n))]) / (obs / 1000)
            if not np.allclose(tr, f["eval/rate_train"][()], rtol=1e-12, atol=0):
                print("MISMATCH rate_train")
                bad += 1
        t, off = e["target/times_ms"][()], e["target/offsets"][()]
        for i in range(n):
            x = rt[ro[i]:ro[i + 1]]
            keep = np.zeros(len(x), bool)
            for a, b in spans:
                keep |= (x >= a) & (x < b)
            if not np.array_equal(x[keep], t[off[i]:off[i + 1]]):
                print(f"MISMATCH target unit {i}: not the recording's spikes in the spans")
                bad += 1
    print(f"{bad} mismatches")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
