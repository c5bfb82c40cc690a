# Resources: a full disk (a small tmpfs, so that writes fail with ENOSPC), sizes that need
# more memory or larger counts than spikefit handles, and an address-space limit. A write
# that fails says why, leaves no output and no .tmp, and does not crash at exit (issue 12
# items 8 and 11). A file-size limit (ulimit -f) cannot stand in for a full disk: Open MPI's
# own start-up files then fail first.

# res_small_fs DIR SIZE: mounts a tmpfs of SIZE on DIR, unmounted when the case ends (needs root)
res_small_fs() {
  mkdir -p "$1"
  mount -t tmpfs -o "size=$2" tmpfs "$1" || { fault_fail "cannot mount a tmpfs on $1 (needs root)"; return 1; }
  trap "umount '$PWD/$1' 2> /dev/null" EXIT
}

# issue 12 item 8: a full disk gave the right message, then SIGSEGV in PetscFinalize, and a .tmp
case_res_full_disk_fit() {
  res_small_fs small 32k
  fault_expect 1 'cannot write small/r.h5.tmp: No space left on device \(small/r.h5 is not written\)' "$SF" fit -data "$GT" -o small/r.h5 -fit_iters 1 -fit_windows 2 -fit_quiet
  fault_absent small/r.h5 && fault_no_tmp small
}
# the same on 2 ranks (rank 0 writes; every rank exits non-zero with the message)
case_res_full_disk_fit_two_ranks() {
  res_small_fs small 32k
  fault_expect x 'cannot write small/r.h5.tmp: No space left on device' mpirun -n 2 "$SF" fit -data "$GT" -o small/r.h5 -fit_iters 1 -fit_windows 2 -fit_quiet
  fault_absent small/r.h5 && fault_no_tmp small
}
# the first checkpoint (about 48 KiB) fails before the results are written
case_res_full_disk_checkpoint() {
  res_small_fs small 16k
  fault_expect 1 'cannot write small/ck.h5.tmp: No space left on device' "$SF" fit -data "$GT" -o small/r.h5 -fit_iters 2 -fit_windows 2 -ckpt_every 1 -ckpt_file small/ck.h5 -fit_quiet
  fault_absent small/r.h5 small/ck.h5 && fault_no_tmp small
}
case_res_full_disk_generate() {
  res_small_fs small 8k
  fault_expect 1 'cannot write small/g.h5.tmp: No space left on device' "$SF" generate -o small/g.h5 -gen_duration_ms 20000
  fault_absent small/g.h5 && fault_no_tmp small
}
case_res_full_disk_landscape() {
  res_small_fs small 8k
  fault_expect 1 'cannot write small/l.h5.tmp: No space left on device' "$SF" landscape -data "$GT" -o small/l.h5 -land_x E_L:0 -land_y W:0,5 -land_nx 30 -land_ny 30
  fault_absent small/l.h5 && fault_no_tmp small
}
# analyze adds to a results file through a copy: with room for the file but not the copy,
# the file is left as it was
case_res_full_disk_analyze() {
  fault_fit -o run.h5 > /dev/null 2>&1
  res_small_fs small 96k
  cp run.h5 small/run.h5
  fault_expect 1 'cannot write small/run.h5.tmp: No space left on device' "$SF" analyze small/run.h5
  cmp -s run.h5 small/run.h5 || { fault_fail "run.h5 was changed by a failed analyze"; return 1; }
  fault_absent small/run.h5.analysis.txt && fault_no_tmp small
}

# issue 12 item 11: sizes that need more memory than there is, or counts past what spikefit
# indexes, are refused before allocating, saying what was asked and the limit
# (-fit_hidden 2000000000 filled 8 GB first)
case_res_fit_hidden_huge() {
  fault_expect 1 'fit of 2000000012 neurons \(12 recorded \+ 2000000000 hidden, -fit_hidden\).* is more than 2147483647' "$SF" fit -data "$GT" -o r.h5 -fit_hidden 2000000000 -fit_quiet
  fault_absent r.h5
}
case_res_fit_hidden_memory() {
  fault_expect 1 'needs .* of memory, more than' "$SF" fit -data "$GT" -o r.h5 -fit_hidden 40000 -fit_quiet
  fault_absent r.h5
}
case_res_gen_n_huge() {
  fault_expect 1 '-gen_n 100000 neurons .* is more than 2147483647' "$SF" generate -o g.h5 -gen_n 100000
  fault_absent g.h5
}
case_res_window_steps_huge() {
  fault_expect 1 'windows of 2000000000 steps .* is more than 2147483647' "$SF" fit -data "$GT" -o r.h5 -fit_window_steps 2000000000 -fit_quiet
  fault_absent r.h5
}
# under an address-space limit (ulimit -v), that limit is the one named
case_res_ulimit_v() {
  fault_expect 1 'needs .* of memory, more than .*(ulimit|limit)' bash -c "ulimit -v 3000000; exec '$SF' fit -data '$GT' -o r.h5 -fit_hidden 20000 -fit_iters 1 -fit_quiet"
  fault_absent r.h5
}
