#!/usr/bin/python3
"""Writes a recording in spikefit's spike layout (docs/FORMAT.md), without /truth, so that
spikefit fits it as a recording (the default recipe).

usage: make_recording.py OUT.h5 UNITS MINUTES [SEED]
    N units firing as independent Poisson processes at rates drawn from 1-10 Hz.
usage: make_recording.py --from-truth GT.h5 OUT.h5 KEEP
    the spikes of the first KEEP units of a `spikefit generate` ground truth; the others
    are hidden from the fit (their spikes are dropped, and so is /truth)."""
import sys
import h5py
import numpy as np


def write(out, offsets, fill, intervals):
    units = len(offsets) - 1
    with h5py.File(out, "w") as f:
        f.attrs["spikefit_format"] = "spikes"
        n = int(offsets[-1])
        times = f.create_dataset("spikes/times_ms", (n,), dtype="f8", chunks=(max(1, min(1 << 16, n)),))
        for k in range(units):  # unit by unit: memory stays at one unit's spikes
            times[offsets[k]:offsets[k + 1]] = fill(k)
        f["spikes/offsets"] = np.asarray(offsets, dtype=np.int64)
        f["spikes/unit_ids"] = np.arange(units, dtype=np.int64)
        f["spikes/intervals_ms"] = np.asarray(intervals, dtype="f8")


def from_truth(gt, out, keep):
    with h5py.File(gt, "r") as g:
        off = g["spikes/offsets"][()]
        t = g["spikes/times_ms"]
        iv = g["spikes/intervals_ms"][()]
        total = len(off) - 1
        if not 0 < keep <= total:
            sys.exit(f"{gt}: KEEP={keep} must be in 1..{total} (its units)")
        write(out, off[:keep + 1] - off[0], lambda k: t[off[k]:off[k + 1]], iv)
    print(f"{out}: the first {keep} of {total} units of {gt} ({100 * (total - keep) / total:.0f}% hidden), "
          f"{int(off[keep] - off[0])} spikes")


def poisson(out, units, minutes, seed):
    rng = np.random.default_rng(seed)
    T = minutes * 60_000.0
    rates = rng.uniform(1, 10, units)
    counts = rng.poisson(rates * T / 1000.0)
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    write(out, offsets, lambda k: np.sort(rng.uniform(0, T, counts[k])), [[0.0, T]])
    print(f"{out}: {units} units, {minutes} min, {offsets[-1]} spikes")


if len(sys.argv) == 5 and sys.argv[1] == "--from-truth":
    from_truth(sys.argv[2], sys.argv[3], int(sys.argv[4]))
elif len(sys.argv) in (4, 5) and not sys.argv[1].startswith("--"):
    poisson(sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]) if len(sys.argv) > 4 else 0)
else:
    sys.exit(__doc__)
