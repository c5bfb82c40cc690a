# Signals and kills. A fit stops at the next iteration boundary on SIGTERM/SIGUSR1, writes a
# checkpoint and exits 75; what has nothing to checkpoint (loading data, generate, landscape,
# glm) stops with exit 76 and writes nothing; kill -9 leaves no results file behind.

# sig_fit_bg LOG ARGS...: a fit long enough to be interrupted, in the background (pid in $!)
sig_fit_bg() {
  local log=$1
  shift
  "$SF" fit -data "$GT" -fit_windows 2 -fit_eval_windows 2 -fit_validate 0 -fit_save_history 0 -fit_iters 100000 "$@" > "$log" 2>&1 &
}
# sig_exit PID CODE: PID (a child of this shell) ends with exit CODE
sig_exit() {
  local rc=0
  wait "$1" || rc=$?
  [ "$rc" = "$2" ] || { tail -5 log.txt 2> /dev/null; fault_fail "expected exit $2, got $rc"; return 1; }
}
# sig_fit2_bg: sig_fit_bg's fit on 2 ranks with a checkpoint, log in log.txt (mpirun's pid in $!)
sig_fit2_bg() {
  mpirun -n 2 "$SF" fit -data "$GT" -fit_windows 2 -fit_eval_windows 2 -fit_validate 0 -fit_save_history 0 -fit_iters 100000 -o r.h5 -ckpt_file ck.h5 > log.txt 2>&1 &
}
# sig_generate SIGNAL CODE: a long generate receives SIGNAL after 0.8 s and ends with exit CODE, writing no g.h5
sig_generate() {
  local pid
  "$SF" generate -o g.h5 -gen_n 600 -gen_duration_ms 50000 > log.txt 2>&1 &
  pid=$!
  sleep 0.8
  kill "-$1" $pid
  sig_exit $pid "$2" && fault_absent g.h5
}
sig_big_tsv() { seq 0 4000000 | awk '{ printf "%d %.2f\n", $1 % 20, $1 * 0.01 }' > big.tsv; }

# SIGTERM during a fit: exit 75 at the next iteration with the message, a checkpoint written, no results file, no .tmp
case_sig_term_fit() {
  sig_fit_bg log.txt -o r.h5 -ckpt_file ck.h5
  fault_wait_for log.txt '^it +3/' $!
  kill -TERM $!
  sig_exit $! 75
  grep -q 'signal received after iteration' log.txt && [ -f ck.h5 ] && fault_absent r.h5 && fault_no_tmp
}
# SIGUSR1 (as a job's time limit sends) checkpoints and exits 75; resuming gives the same /params/final bits as the fit run whole
case_sig_usr1_fit_resume() {
  local pid
  sig_fit_bg log.txt -o r.h5 -ckpt_file ck.h5 -fit_iters 3000
  pid=$!
  fault_wait_for log.txt '^it +5/' $pid
  kill -USR1 $pid
  sig_exit $pid 75
  fault_ok "$SF" fit -data "$GT" -fit_windows 2 -fit_eval_windows 2 -fit_validate 0 -fit_save_history 0 -fit_iters 3000 -o r.h5 -resume ck.h5 -ckpt_file ck.h5 -fit_quiet
  fault_ok "$SF" fit -data "$GT" -fit_windows 2 -fit_eval_windows 2 -fit_validate 0 -fit_save_history 0 -fit_iters 3000 -o whole.h5 -fit_quiet
  fault_same_h5 r.h5 whole.h5
}
# mpirun forwards SIGUSR1 to the ranks (it handles SIGTERM itself, by killing the job), which
# is how a batch script's signal reaches a multi-rank fit; SLURM signals the tasks directly
case_sig_usr1_fit_two_ranks() {
  sig_fit2_bg
  local pid=$!
  fault_wait_for log.txt '^it +3/' $pid
  kill -USR1 $pid
  sig_exit $pid 75
  grep -q 'signal received after iteration' log.txt && [ -f ck.h5 ] && fault_absent r.h5 && fault_no_tmp
}
# SIGTERM sent straight to both ranks of a 2-rank fit (as SLURM does): exit 75, a checkpoint, no results file
case_sig_term_fit_ranks() {
  sig_fit2_bg
  local pid=$!
  fault_wait_for log.txt '^it +3/' $pid
  pkill -TERM -P $pid -x spikefit
  sig_exit $pid 75
  [ -f ck.h5 ] && fault_absent r.h5 && fault_no_tmp
}
# kill -9 during a fit with -ckpt_every 1: no results file, and the last checkpoint is whole (the fit resumes from it)
case_sig_kill9_fit() {
  sig_fit_bg log.txt -o r.h5 -ckpt_file ck.h5 -ckpt_every 1
  fault_wait_for log.txt '^it +4/' $!
  kill -KILL $!
  sig_exit $! 137
  fault_absent r.h5
  # the last checkpoint is whole: the fit resumes from it
  local done
  done=$(h5dump -a /iterations ck.h5 | sed -n 's/^ *(0): *//p')
  [ -n "$done" ] || { fault_fail "no /iterations in ck.h5"; return 1; }
  fault_ok "$SF" fit -data "$GT" -fit_windows 2 -fit_eval_windows 2 -fit_validate 0 -fit_save_history 0 -fit_iters $((done + 2)) -o r.h5 -resume ck.h5 -ckpt_file ck2.h5 -fit_quiet
}
# issue 12 item 3: SIGTERM during loading did not stop the process
case_sig_term_loading() {
  local pid
  sig_big_tsv
  "$SF" fit -data big.tsv -data_time_unit ms -o r.h5 -fit_quiet > log.txt 2>&1 &
  pid=$!
  sleep 1
  kill -TERM $pid
  sig_exit $pid 76
  grep -q 'big.tsv: stopped by a signal while reading line' log.txt && fault_absent r.h5
}
# SIGTERM during generate: exit 76, the window it stopped at named, no output, no .tmp
case_sig_term_generate() {
  sig_generate TERM 76 && grep -q 'stopped by a signal at window' log.txt && fault_no_tmp
}
# SIGUSR1 during generate: exit 76, no output
case_sig_usr1_generate() { sig_generate USR1 76; }
# kill -9 during generate: no output file (it is written only when complete)
case_sig_kill9_generate() { sig_generate KILL 137; }
# SIGTERM during landscape: exit 76, no output, no .tmp
case_sig_term_landscape() {
  local pid
  "$SF" landscape -data "$GT" -o l.h5 -land_x E_L:0 -land_y W:0,5 -land_nx 40 -land_ny 40 > log.txt 2>&1 &
  pid=$!
  sleep 1
  kill -TERM $pid
  sig_exit $pid 76
  fault_absent l.h5 && fault_no_tmp
}
