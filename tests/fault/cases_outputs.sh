# Outputs: an output that is an input or another output (issue 12 item 1), a directory, a
# missing directory, very long paths (item 9). Refusals come before any work and leave the
# inputs byte for byte as they were.

out_copy() { cp "$GT" d.h5; md5sum d.h5 > d.md5; }
out_unchanged() { md5sum -c --quiet d.md5 || { fault_fail "d.h5 was changed"; return 1; }; }

case_out_o_is_data() { out_copy; fault_expect 1 '-o d.h5 and -data d.h5 are the same file: refusing to overwrite an input' "$SF" fit -data d.h5 -o d.h5 -fit_iters 1; out_unchanged; }
case_out_o_is_nwb() {
  cp "$SRC/inputs/data/A8604-211122.nwb" r.nwb
  md5sum r.nwb > r.md5
  fault_expect 1 'same file: refusing to overwrite an input' "$SF" fit -data r.nwb -o r.nwb -fit_iters 1
  md5sum -c --quiet r.md5
}
case_out_o_other_spelling() { out_copy; mkdir -p sub; fault_expect 1 'same file' "$SF" fit -data d.h5 -o sub/../d.h5 -fit_iters 1; out_unchanged; }
case_out_o_absolute() { out_copy; fault_expect 1 'same file' "$SF" fit -data d.h5 -o "$PWD/d.h5" -fit_iters 1; out_unchanged; }
case_out_o_symlink() { out_copy; ln -s d.h5 link.h5; fault_expect 1 '-o link.h5 and -data d.h5 are the same file' "$SF" fit -data d.h5 -o link.h5 -fit_iters 1; out_unchanged; }
case_out_o_hardlink() { out_copy; ln d.h5 hard.h5; fault_expect 1 '-o hard.h5 and -data d.h5 are the same file' "$SF" fit -data d.h5 -o hard.h5 -fit_iters 1; out_unchanged; }
case_out_ckpt_is_data() { out_copy; fault_expect 1 '-ckpt_file d.h5 and -data d.h5 are the same file' "$SF" fit -data d.h5 -o r.h5 -ckpt_file d.h5 -ckpt_every 1 -fit_iters 2; out_unchanged; fault_absent r.h5; }
case_out_ckpt_is_o() { fault_expect 1 '-o r.h5 and -ckpt_file r.h5 are the same file: refusing to overwrite one output with another' "$SF" fit -data "$GT" -o r.h5 -ckpt_file r.h5 -ckpt_every 1; fault_absent r.h5; }
case_out_tmp_is_data() { cp "$GT" r.h5.tmp; md5sum r.h5.tmp > t.md5; fault_expect 1 '-o r.h5 also writes r.h5.tmp, which is the file of -data r.h5.tmp' "$SF" fit -data r.h5.tmp -o r.h5; md5sum -c --quiet t.md5; }
case_out_prev_is_data() { cp "$GT" ck.h5.prev; fault_expect 1 '-ckpt_file ck.h5 also writes ck.h5.prev' "$SF" fit -data ck.h5.prev -o r.h5 -ckpt_file ck.h5; }
case_out_resume_is_ckpt_ok() {
  fault_ok fault_fit -o a.h5 -ckpt_file ck.h5 -ckpt_every 1 -fit_iters 3
  fault_ok fault_fit -o b.h5 -ckpt_file ck.h5 -ckpt_every 1 -fit_iters 3 -resume ck.h5
}
case_out_landscape_is_data() { out_copy; fault_expect 1 '-o d.h5 and -data d.h5 are the same file' "$SF" landscape -data d.h5 -o d.h5 -land_x E_L:0 -land_y W:0,5 -land_nx 2 -land_ny 2; out_unchanged; }
case_out_landscape_is_base() {
  fault_fit -o run.h5 > /dev/null 2>&1
  md5sum run.h5 > run.md5
  fault_expect 1 '-o run.h5 and -land_base run.h5 are the same file' "$SF" landscape -data "$GT" -land_base run.h5 -o run.h5 -land_x E_L:0 -land_y W:0,5 -land_nx 2 -land_ny 2
  md5sum -c --quiet run.md5
}
# issue 12 item 13: -o DIR left a .tmp
case_out_o_directory() { mkdir -p outdir; fault_expect 1 '-o outdir is a directory' "$SF" fit -data "$GT" -o outdir -fit_iters 1; fault_no_tmp; fault_absent outdir.tmp; }
case_out_generate_directory() { mkdir -p outdir; fault_expect 1 '-o outdir is a directory' "$SF" generate -o outdir; fault_absent outdir.tmp; }
case_out_missing_directory() { fault_expect 1 '-o no/such/r.h5: the directory no/such does not exist' "$SF" fit -data "$GT" -o no/such/r.h5; }
case_out_nothing_before_check() {
  # the refusal comes before the fit: no monitor line, no checkpoint
  fault_expect 1 'same file' "$SF" fit -data "$GT" -o r.h5 -ckpt_file r.h5 -ckpt_every 1 -fit_iters 3
  ! grep -q '^it ' out.txt || fault_fail "iterations ran before the refusal"
}
# issue 12 item 13: analyze wrote RUN.h5.analysis.txt before (and without) its update of RUN.h5
case_out_analyze_txt_after_update() {
  fault_fit -o run.h5 > /dev/null 2>&1
  /usr/bin/python3 -c "import h5py; f = h5py.File('run.h5', 'r+'); del f['/eval/target']"
  fault_expect x 'eval' "$SF" analyze run.h5
  fault_absent run.h5.analysis.txt run.h5.analysis.txt.tmp run.h5.tmp
}
case_out_analyze_ok() { fault_fit -o run.h5 > /dev/null 2>&1; fault_ok "$SF" analyze run.h5; [ -s run.h5.analysis.txt ]; h5ls run.h5/analysis > /dev/null; fault_no_tmp; } # analyze adds /analysis and writes .analysis.txt, leaving no .tmp

# issue 12 item 9: a path of 242 characters or more aborted inside Open MPI's sharedfp
out_long_dir() {
  local d=$PWD
  while [ ${#d} -lt 290 ]; do d=$d/a_rather_long_directory_name; done
  mkdir -p "$d"
  echo "$d"
}
case_out_long_path_fit() { local d; d=$(out_long_dir); fault_ok fault_fit -o "$d/r.h5"; [ ${#d} -ge 290 ] && h5ls "$d/r.h5/params/final" > /dev/null; } # a results path of 290+ characters is written (issue 12 item 9)
case_out_long_path_two_ranks() { local d; d=$(out_long_dir); fault_ok mpirun -n 2 "$SF" fit -data "$GT" -o "$d/r.h5" -fit_iters 2 -fit_windows 2 -ckpt_every 1 -fit_quiet; h5ls "$d/r.h5/params/final" > /dev/null; [ -f "$d/r.h5.ckpt" ]; } # the same on 2 ranks, with its checkpoint
case_out_long_path_generate() { local d; d=$(out_long_dir); fault_ok "$SF" generate -o "$d/g.h5" -gen_duration_ms 800; h5ls "$d/g.h5/spikes" > /dev/null; } # generate to a 290+ character path
case_out_long_path_landscape() { local d; d=$(out_long_dir); fault_ok "$SF" landscape -data "$GT" -o "$d/l.h5" -land_x E_L:0 -land_y W:0,5 -land_nx 2 -land_ny 2; h5ls "$d/l.h5/landscape" > /dev/null; } # landscape to a 290+ character path
