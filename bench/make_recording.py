#!/usr/bin/python3
"""Writes a synthetic recording in spikefit's spike layout (docs/FORMAT.md): N units firing
as independent Poisson processes at rates drawn from 1-10 Hz, for the given minutes.
usage: make_recording.py OUT.h5 UNITS MINUTES [SEED]"""
import sys
import h5py
import numpy as np

out, units, minutes = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
rng = np.random.default_rng(int(sys.argv[4]) if len(sys.argv) > 4 else 0)
T = minutes * 60_000.0
rates = rng.uniform(1, 10, units)
counts = rng.poisson(rates * T / 1000.0)
offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
with h5py.File(out, "w") as f:
    f.attrs["spikefit_format"] = "spikes"
    times = f.create_dataset("spikes/times_ms", (offsets[-1],), dtype="f8", chunks=(max(1, min(1 << 16, int(offsets[-1]))),))
    for k in range(units):  # unit by unit: memory stays at one unit's spikes
        times[offsets[k]:offsets[k + 1]] = np.sort(rng.uniform(0, T, counts[k]))
    f["spikes/offsets"] = offsets
    f["spikes/unit_ids"] = np.arange(units, dtype=np.int64)
    f["spikes/intervals_ms"] = np.array([[0.0, T]])
print(f"{out}: {units} units, {minutes} min, {offsets[-1]} spikes")
