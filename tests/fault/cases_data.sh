# Bad spike data: text (TSV), spikefit HDF5, NWB, non-files. Every case expects one clear
# error naming the file (and line or dataset), no crash, no hang, and no results file.

data_tsv() { printf "$1" > t.tsv; }
# data_refused PATTERN FILE [ARGS]: a fit of FILE fails with PATTERN and writes nothing
data_refused() {
  local pattern=$1 file=$2
  shift 2
  fault_expect 1 "$pattern" "$SF" fit -data "$file" -o r.h5 -fit_iters 1 -fit_window_steps 100 -fit_quiet "$@"
  fault_absent r.h5
  fault_no_tmp
}
# data_h5 NAME PYTHON: a copy of the ground truth changed by PYTHON (h5py file f)
data_h5() {
  cp "$GT" "$1"
  /usr/bin/python3 -c "import h5py, numpy as np
with h5py.File('$1', 'r+') as f:
    $2"
}

case_data_tsv_nan() { data_tsv '0 1\n1 nan\n'; data_refused 't.tsv: line 2: time nan is not finite' t.tsv; }
case_data_tsv_inf() { data_tsv '0 inf\n'; data_refused 't.tsv: line 1: time inf is not finite' t.tsv; }
case_data_tsv_overflow() { data_tsv '0 1\n0 1e400\n'; data_refused 'line 2: time 1e400 is not finite' t.tsv; }
case_data_tsv_negative() { data_tsv '0 1\n1 -5\n'; data_refused 'line 2: time -5 is negative' t.tsv; }
case_data_tsv_empty() { : > t.tsv; data_refused 't.tsv: empty recording' t.tsv; }
case_data_tsv_comments_only() { data_tsv '# unit time\n\n# nothing\n'; data_refused 'empty recording: no spikes' t.tsv; }
case_data_tsv_truncated_line() { data_tsv '0 1\n1'; data_refused 'line 2 has 1 column, expected 2' t.tsv; }
case_data_tsv_three_columns() { data_tsv '0 1\n1 2 3\n'; data_refused 'line 2 has 3 columns' t.tsv; }
case_data_tsv_bad_unit() { data_tsv 'a 1\n'; data_refused 'line 1: unit id "a" is not an integer' t.tsv; }
case_data_tsv_huge_unit() { data_tsv '99999999999 5\n'; data_refused 'unit id 99999999999 is out of range' t.tsv; }
case_data_tsv_negative_unit() { printf '%s\n' '-1 5' > t.tsv; data_refused 'unit id -1 is out of range' t.tsv; }
case_data_tsv_trailing_comma() { data_tsv '0 1,\n'; data_refused 'empty field after a trailing comma' t.tsv; }
case_data_tsv_binary() { data_tsv '0 1\n\000\001\n'; data_refused 'line 2 holds a NUL byte' t.tsv; }
case_data_tsv_long_line() {
  head -c 3000000 /dev/zero | tr '\0' '7' > t.tsv
  data_refused 'line 1 is longer than 1048576 bytes' t.tsv
}
# issue 12 item 13: a UTF-8 byte order mark was read as part of the first unit id
case_data_tsv_bom() {
  printf '\xef\xbb\xbf0 1\n1 2\n0 300\n1 500\n' > t.tsv
  fault_ok "$SF" fit -data t.tsv -o r.h5 -fit_iters 1 -fit_window_steps 100 -fit_quiet
}
# unsorted lines within a unit are sorted, not refused
case_data_tsv_unsorted_ok() {
  data_tsv '0 500\n0 100\n1 300\n1 50\n'
  fault_ok "$SF" fit -data t.tsv -o r.h5 -fit_iters 1 -fit_window_steps 100 -fit_quiet
}
# issue 12 item 3: one spike at 1e9 s made the window count overflow and the fit loop forever
case_data_tsv_huge_time() {
  data_tsv '0 0.1\n1 0.2\n2 1e9\n'
  fault_expect 1 'holds 2.5e\+09 windows.*more than 2147483647' "$SF" fit -data t.tsv -o r.h5 -data_time_unit s -fit_quiet -fit_recipe none
  fault_absent r.h5
}
# the same with the recipe's longer windows: fewer windows, still far too much memory
case_data_tsv_huge_time_recipe() {
  data_tsv '0 0.1\n1 0.2\n2 1e9\n'
  fault_expect 1 'windows of 2000 steps x 3 units.*needs' "$SF" fit -data t.tsv -o r.h5 -data_time_unit s -fit_quiet
  fault_absent r.h5
}
case_data_tsv_samples_without_rate() { data_tsv '0 100\n'; data_refused 'sample' t.tsv -data_time_unit samples; }
case_data_tsv_bad_time_unit() { data_tsv '0 100\n'; data_refused 'data_time_unit' t.tsv -data_time_unit hours; }

case_data_h5_nan() { data_h5 d.h5 "f['/spikes/times_ms'][3] = np.nan"; data_refused 'd.h5: /spikes/times_ms\[3\] is not finite' d.h5 -fit_target recorded; }
case_data_h5_negative() { data_h5 d.h5 "f['/spikes/times_ms'][0] = -5"; data_refused 'times_ms\[0\] is negative' d.h5 -fit_target recorded; }
case_data_h5_unsorted() {
  data_h5 d.h5 "t = f['/spikes/times_ms'][:]; o = f['/spikes/offsets'][:]; t[o[4]:o[5]] = t[o[4]:o[5]][::-1]; f['/spikes/times_ms'][:] = t"
  data_refused 'must be sorted' d.h5 -fit_target recorded
}
case_data_h5_offsets_past_end() { data_h5 d.h5 "o = f['/spikes/offsets'][:]; o[-1] += 1000; f['/spikes/offsets'][:] = o"; data_refused 'offsets ends at' d.h5 -fit_target recorded; }
case_data_h5_missing_offsets() { data_h5 d.h5 "del f['/spikes/offsets']"; data_refused 'dataset /spikes/offsets is missing' d.h5 -fit_target recorded; }
case_data_h5_string_times() { data_h5 d.h5 "del f['/spikes/times_ms']; f['/spikes/times_ms'] = np.array([b'a', b'b'])"; data_refused 'has type class string, expected float' d.h5 -fit_target recorded; }
case_data_h5_huge_interval() { data_h5 d.h5 "f['/spikes/intervals_ms'][0, 1] = 1e15"; data_refused 'windows of 100. ms.*more than 2147483647' d.h5 -fit_target recorded; }
case_data_h5_truncated() { head -c 3000 "$GT" > d.h5; data_refused 'd.h5: cannot open the HDF5 file \(damaged\?\)' d.h5; }
case_data_h5_no_layout() { /usr/bin/python3 -c "import h5py; h5py.File('d.h5', 'w').create_group('other')"; data_refused 'HDF5 file without a known spike layout' d.h5; }
case_data_h5_not_hdf5() { echo "0 1" > d.h5; data_refused 'd.h5: not an HDF5 file' d.h5; }

data_nwb() {
  /usr/bin/python3 -c "import h5py, numpy as np
with h5py.File('n.nwb', 'w') as f:
    g = f.create_group('units')
    $1"
}
case_data_nwb_nan() { data_nwb "g['spike_times'] = np.array([0.1, 0.2, np.nan]); g['spike_times_index'] = np.array([2, 3])"; data_refused 'n.nwb: /units/spike_times\[2\] is not finite' n.nwb; }
case_data_nwb_index_past_end() { data_nwb "g['spike_times'] = np.array([0.1, 0.2, 0.3]); g['spike_times_index'] = np.array([2, 7])"; data_refused 'spike_times_index points past the end' n.nwb; }
case_data_nwb_no_index_two_units() { data_nwb "g['spike_times'] = np.array([0.1, 0.2, 0.3]); g['id'] = np.array([0, 1])"; data_refused 'spike_times_index is missing but /units/id has 2 units' n.nwb; } # without an index a table holds one unit
case_data_nwb_truncated() { head -c 20000 "$SRC/inputs/data/A8604-211122.nwb" > n.nwb; data_refused 'n.nwb: cannot open the HDF5 file' n.nwb; }

case_data_missing_file() { data_refused 'nothere.tsv: cannot open the spike data file' nothere.tsv; }
# issue 12 item 13: a directory was called "empty recording"
case_data_directory() { mkdir -p dir; data_refused 'dir: no params.py' dir; } # a folder is read as Kilosort/phy: it names what is missing
# issue 12 item 3: -data /dev/zero grew memory without bound
case_data_dev_zero() { data_refused '/dev/zero is not a regular file' /dev/zero; }
case_data_fifo() { mkfifo p.tsv; data_refused 'p.tsv is not a regular file' p.tsv; }
case_data_unreadable_h5() {
  [ "$(id -u)" != 0 ] || { echo "root reads any file: checking that an unreadable name is refused instead"; data_refused 'cannot open' /proc/self/nothere; return 0; }
  cp "$GT" d.h5; chmod 000 d.h5; data_refused 'd.h5' d.h5
}
