# spikefit export: a real fit's held-out activity as NWB; the file has NWB's required layout
# (checked with h5py), spikefit's own NWB reader fits it, its spikes equal /eval's; refusals.
source "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
DATA=$SRC/inputs/data
run 1 fit -data "$DATA/Wong1993_Adult.h5" -data_t1 24000 -data_holdout 4000 -fit_iters 1 -fit_quiet -o rec.h5 > fit.txt 2>&1 || { cat fit.txt; fail "fit failed"; }
run 2 export rec.h5 -o sim.nwb > export.txt || { cat export.txt; fail "export on 2 ranks failed"; }
grep -q "wrote sim.nwb" export.txt || fail "no report of the file written"
run 1 export rec.h5 -o tgt.nwb -export_units target > /dev/null || fail "export -export_units target failed"
[ ! -e sim.nwb.tmp ] || fail "sim.nwb.tmp left behind"
"$PY" - rec.h5 sim.nwb tgt.nwb <<'PY' || fail "NWB layout or spikes wrong"
import sys, h5py, numpy as np
run, sim, tgt = sys.argv[1:4]
bad = []
def check(c, what):
    if not c: bad.append(what); print("FAIL:", what)
def text(v):
    return v.decode() if isinstance(v, bytes) else str(v)
with h5py.File(run, "r") as r, h5py.File(sim, "r") as f:
    a = f.attrs
    check(text(a["nwb_version"]).startswith("2."), "nwb_version 2.x")
    check(text(a["neurodata_type"]) == "NWBFile" and text(a["namespace"]) == "core", "root type")
    check(len(text(a["object_id"])) == 36, "root object_id")
    for d in ("identifier", "session_description", "session_start_time", "timestamps_reference_time", "file_create_date"):
        check(d in f, "/" + d)
    check(text(f["session_start_time"][()])[:2] == "20" and "T" in text(f["session_start_time"][()]), "ISO 8601 session_start_time")
    check(f["file_create_date"].shape == (1,), "file_create_date is an array")
    for g in ("acquisition", "analysis", "general", "processing", "stimulus/presentation", "stimulus/templates"):
        check(g in f, "required group /" + g)
    check(text(f["processing/spikefit"].attrs["neurodata_type"]) == "ProcessingModule", "processing module type")
    for table, group in (("units", "fitted"), ("processing/spikefit/target_units", "target")):
        u = f[table]
        check(text(u.attrs["neurodata_type"]) == "Units" and text(u.attrs["namespace"]) == "core", table + " type")
        check([text(c) for c in u.attrs["colnames"]] == ["spike_times", "obs_intervals"], table + " colnames")
        check("description" in u.attrs, table + " description")
        for col, typ in (("id", "ElementIdentifiers"), ("spike_times", "VectorData"), ("spike_times_index", "VectorIndex"),
                         ("obs_intervals", "VectorData"), ("obs_intervals_index", "VectorIndex")):
            check(text(u[col].attrs["neurodata_type"]) == typ and text(u[col].attrs["namespace"]) == "hdmf-common", "%s/%s type" % (table, col))
        check(f[u["spike_times_index"].attrs["target"]].name == "/" + table + "/spike_times", table + " index target")
        check(u["spike_times_index"].dtype.kind == "u", table + " index unsigned")
        # the same spikes as the run's /eval, in seconds, unit by unit
        t, off = r["eval/%s/times_ms" % group][()], r["eval/%s/offsets" % group][()]
        ends = u["spike_times_index"][()]
        st = u["spike_times"][()]
        check(len(ends) == len(off) - 1, table + " unit count")
        check(np.array_equal(np.concatenate([[0], ends]), off), table + " counts per unit")
        check(np.allclose(st * 1000.0, t, rtol=0, atol=1e-9), table + " spike times")
        check(np.array_equal(u["id"][()], np.arange(len(off) - 1)), table + " ids")
        iv = u["obs_intervals"][()]
        span = r["eval/span_ms"][()] / 1000.0 if "eval/span_ms" in r else None
        if span is not None:
            check(np.allclose(iv[: len(span)], span), table + " obs_intervals are /eval/span_ms")
        check(np.all(st >= iv[:, 0].min()) and np.all(st < iv[:, 1].max()), table + " spikes inside obs_intervals")
with h5py.File(tgt, "r") as f, h5py.File(run, "r") as r:
    check(np.array_equal(np.concatenate([[0], f["units/spike_times_index"][()]]), r["eval/target/offsets"][()]), "-export_units target puts the target in /units")
    check("processing/spikefit/fitted_units" in f, "fitted_units with -export_units target")
sys.exit(1 if bad else 0)
PY
# spikefit's NWB reader fits the exported file: as many units as the run
run 1 fit -data sim.nwb -fit_iters 1 -fit_windows 2 -fit_quiet -o back.h5 > back.txt 2>&1 || { cat back.txt; fail "spikefit cannot fit its own export"; }
n_run=$(h5dump -a /recorded rec.h5 | awk '/\(0\)/{print $2}')
n_back=$(h5dump -a /n back.h5 | awk '/\(0\)/{print $2}')
[ -n "$n_run" ] && [ "$n_run" = "$n_back" ] || fail "the export's units ($n_back) differ from the run's ($n_run)"
# refusals: -o is the input (the run is untouched), no -o, not a results file, a bad -export_units
sum_before=$(md5sum < rec.h5)
expect_fail 1 "is the input file" "$SPIKEFIT" export rec.h5 -o ./rec.h5
[ "$(md5sum < rec.h5)" = "$sum_before" ] || fail "export changed its input"
expect_fail 1 "needs the output file" "$SPIKEFIT" export rec.h5
expect_fail 1 "not the results of a fit" "$SPIKEFIT" export "$DATA/Wong1993_Adult.h5" -o bad.nwb
expect_fail 1 "-export_units must be fitted or target" "$SPIKEFIT" export rec.h5 -o bad.nwb -export_units both
expect_fail 1 "unknown option" "$SPIKEFIT" export rec.h5 -o bad.nwb -export_unit target
[ ! -e bad.nwb ] && [ ! -e bad.nwb.tmp ] || fail "a refused export left a file"
echo "export: ok"
