#!/usr/bin/python3
"""Writes the reader fixtures with the tools users' files come from (numpy's np.save, scipy's
savemat, h5py): run with /usr/bin/python3 from anywhere.

    make_fixtures.py small OUTDIR        tests/data/{npy,phy,mat}: the committed unit-test fixtures
    make_fixtures.py phy GT.h5 OUTDIR     a phy folder holding the spikes of `spikefit generate`
                                          (samples at 30 kHz), plus noise and unlabelled clusters
    make_fixtures.py mat GT.h5 OUT.mat    the same spikes as a cell array (v5, seconds)
"""
import os
import sys

import numpy as np


def write_npy_set(d):
    os.makedirs(d, exist_ok=True)
    v = np.array([0, 3, 30000, 2**40], dtype=np.uint64)
    for dt in ("<u8", "<i8", "<u4", "<i4", "<f8", ">u8", ">f8"):
        a = (v % 2**31).astype(dt) if dt[1:] in ("u4", "i4") else v.astype(dt)
        np.save(os.path.join(d, "col_%s%s.npy" % (dt[1:], "" if dt[0] == "<" else "_be")), a)
    np.save(os.path.join(d, "col2d_u8.npy"), v.reshape(-1, 1))
    for ver in ((2, 0), (3, 0)):
        with open(os.path.join(d, "v%d_u8.npy" % ver[0]), "wb") as f:
            np.lib.format.write_array(f, v, version=ver)
    np.save(os.path.join(d, "wide_u8.npy"), np.zeros((4, 2), dtype=np.uint64))
    np.save(os.path.join(d, "f4.npy"), v.astype(np.float32))


def write_phy(d, times_s, clusters, labels, rate=30000.0, label_file="cluster_group.tsv", column="group"):
    """times_s, clusters: one entry per spike; labels: {cluster: label} (missing: no row)."""
    os.makedirs(d, exist_ok=True)
    order = np.argsort(times_s, kind="stable")  # Kilosort writes spikes in time order
    samples = np.round(np.asarray(times_s)[order] * rate).astype(np.uint64)
    np.save(os.path.join(d, "spike_times.npy"), samples.reshape(-1, 1))
    np.save(os.path.join(d, "spike_clusters.npy"), np.asarray(clusters, dtype=np.int32)[order])
    with open(os.path.join(d, "params.py"), "w") as f:
        f.write("dat_path = 'recording.dat'\nn_channels_dat = 32\ndtype = 'int16'\noffset = 0\n")
        f.write("sample_rate = %r\nhp_filtered = True\n" % float(rate))
    with open(os.path.join(d, label_file), "w") as f:
        f.write("cluster_id\t%s\n" % column)
        for k in sorted(labels):
            f.write("%d\t%s\n" % (k, labels[k]))


def small(out):
    write_npy_set(os.path.join(out, "npy"))
    # clusters 2 (good), 5 (mua), 7 (noise), 9 (no label row): 12 spikes in [0, 1.2) s
    t = [0.010, 0.020, 0.150, 0.200, 0.333, 0.400, 0.500, 0.600, 0.700, 0.800, 0.900, 1.100]
    c = [2, 5, 7, 2, 9, 5, 2, 7, 9, 5, 2, 5]
    write_phy(os.path.join(out, "phy"), t, c, {2: "good", 5: "mua", 7: "noise"})
    write_mat_small(os.path.join(out, "mat"))


def write_mat_small(d):
    from scipy.io import savemat
    os.makedirs(d, exist_ok=True)
    cells = np.empty((1, 3), dtype=object)
    cells[0, 0] = np.array([0.1, 0.2, 0.5])
    cells[0, 1] = np.array([[0.05], [0.3]])
    cells[0, 2] = np.array([], dtype=float)
    savemat(os.path.join(d, "cells.mat"), {"spikes": cells})
    savemat(os.path.join(d, "cells_v4.mat"), {"spikes": np.array([1.0, 2.0])}, format="4")
    savemat(os.path.join(d, "pair.mat"), {"ids": np.array([3, 3, 8], dtype=np.int32), "times": np.array([0.1, 0.2, 0.15])})
    savemat(os.path.join(d, "matrix.mat"), {"st": np.array([[3, 0.1], [8, 0.15], [3, 0.2]])})
    savemat(os.path.join(d, "several.mat"), {"spikes": cells, "ids": np.array([1.0]), "notes": "x"})
    bad = np.empty((1, 3), dtype=object)
    bad[0, 0] = np.array([0.1])
    bad[0, 1] = np.array([0.2])
    bad[0, 2] = "oops"
    savemat(os.path.join(d, "bad_char.mat"), {"spikes": bad})
    nan = np.empty((1, 2), dtype=object)
    nan[0, 0] = np.array([0.1, np.nan])
    nan[0, 1] = np.array([0.2])
    savemat(os.path.join(d, "bad_nan.mat"), {"spikes": nan})
    savemat(os.path.join(d, "bad_ragged.mat"), {"ids": np.array([1.0, 2.0, 3.0]), "times": np.array([0.1, 0.2])})
    savemat(os.path.join(d, "bad_wide.mat"), {"st": np.zeros((3, 4))})
    write_mat73(os.path.join(d, "cells73.mat"), [[0.1, 0.2, 0.5], [0.05, 0.3], []], bad_char=False)
    write_mat73(os.path.join(d, "bad_char73.mat"), [[0.1], [0.2], "oops"], bad_char=True)


def write_mat73(path, cells, bad_char):
    """A v7.3 file as MATLAB lays it out: HDF5 behind a 512-byte header, one dataset per
    variable with a MATLAB_class attribute, cells as object references into /#refs#."""
    import h5py
    with h5py.File(path, "w", userblock_size=512) as f:
        refs = f.create_group("#refs#")
        rr = []
        for k, c in enumerate(cells):
            name = "c%d" % k
            if isinstance(c, str):
                ds = refs.create_dataset(name, data=np.array([[ord(ch)] for ch in c], dtype=np.uint16))
                ds.attrs["MATLAB_class"] = np.bytes_("char")
            elif len(c) == 0:
                ds = refs.create_dataset(name, data=np.array([0, 0], dtype=np.uint64))
                ds.attrs["MATLAB_class"] = np.bytes_("double")
                ds.attrs["MATLAB_empty"] = np.uint8(1)
            else:
                ds = refs.create_dataset(name, data=np.array(c, dtype=float).reshape(1, -1))  # MATLAB n x 1
                ds.attrs["MATLAB_class"] = np.bytes_("double")
            rr.append(ds.ref)
        v = f.create_dataset("spikes", data=np.array(rr, dtype=h5py.ref_dtype).reshape(-1, 1))
        v.attrs["MATLAB_class"] = np.bytes_("cell")
    head = b"MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: Thu Jan  1 00:00:00 2026 HDF5 schema 1.00 ."
    head = head.ljust(116, b" ") + b"\0" * 8 + b"\x00\x02IM"
    with open(path, "r+b") as f:
        f.write(head.ljust(512, b"\0"))


def from_gt(gt):
    import h5py
    with h5py.File(gt, "r") as f:
        t, o = f["/spikes/times_ms"][()], f["/spikes/offsets"][()]
    return [t[o[k]:o[k + 1]] / 1000.0 for k in range(len(o) - 1)]


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "small":
        small(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "phy":
        units = from_gt(sys.argv[2])
        times, clus, labels = [], [], {}
        for k, u in enumerate(units):  # unit k -> cluster 10 + 3k, good/mua alternating
            times += list(u)
            clus += [10 + 3 * k] * len(u)
            labels[10 + 3 * k] = "good" if k % 2 == 0 else "mua"
        rng = np.random.default_rng(1)
        end = max(float(u[-1]) for u in units if len(u))
        noise = np.sort(rng.uniform(0, end, 500))
        times += list(noise)
        clus += [2] * len(noise)
        labels[2] = "noise"
        times += list(np.sort(rng.uniform(0, end, 300)))
        clus += [4] * 300  # a cluster without a label row
        write_phy(sys.argv[3], times, clus, labels)
    elif len(sys.argv) == 4 and sys.argv[1] == "mat":
        from scipy.io import savemat
        units = from_gt(sys.argv[2])
        cells = np.empty((1, len(units)), dtype=object)
        for k, u in enumerate(units):
            cells[0, k] = np.asarray(u, dtype=float)
        savemat(sys.argv[3], {"spikes": cells})
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
