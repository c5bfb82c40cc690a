#!/usr/bin/env bash
# End-to-end test of jobs/*.sbatch and jobs/run_local.sh on a real single-node SLURM.
#   bash tests/e2e/slurm_jobs.sh <spikefit-binary> <source-dir> <scratch-dir>
# Starts SLURM with tests/slurm/start_local_slurm.sh (needs root; stops it again at the end if
# it was not running before). Exit 77 (skip) ONLY when SPIKEFIT_SKIP_SLURM=1; failing to start
# SLURM is a failure.
#
# Checks:
#   1. fit.sbatch with 2 tasks (srun + PMIx, -par_expect_size 2) exits 0 and writes its RUN file;
#   2. restarts.sbatch as an array of 2 exits 0 for both tasks and writes RUN_seed0/1.h5;
#   3. long_fit.sbatch, interrupted mid-fit with `scancel --signal=USR1 --batch`, checkpoints
#      (exit 75), requeues itself, resumes, finishes, and its /params/final is bit-identical
#      (h5diff -d 0) to an uninterrupted reference fit;
#   4. run_local.sh with -ckpt_max_hours 1e-12 (checkpoint + exit 75 after every iteration) on a
#      3-iteration fit goes through 2 exit-75/resume cycles and matches a direct 3-iteration fit.
# Nothing here depends on how fast the machine is at the moment (other work on it changes the
# speed of a fit many-fold): the interruption is sent when the fit's monitor lines show progress,
# and the fit is sized from the fastest iterations seen, so it cannot end before the signal lands.
#
# Every wait is bounded, and the whole test gives up after SPIKEFIT_SLURM_TEST_DEADLINE s. On any
# exit (pass, failure, SIGINT/SIGTERM/SIGHUP) it kills its direct runs, cancels its jobs (SIGKILL
# if they do not go), and stops the SLURM it started.
#
# Knobs: SPIKEFIT_SLURM_TEST_SECONDS   length of the long fit at the fastest speed seen (default 5)
#        SPIKEFIT_SLURM_TEST_GEN       generate options (default "-gen_seed 5 -gen_n 48": iterations
#                                      big enough that their time is compute, not MPI waiting)
#        SPIKEFIT_SLURM_TEST_DEADLINE  overall limit in seconds (default 1200, below ctest's 1500)
set -u
BIN=${1:?usage: slurm_jobs.sh <spikefit> <source-dir> <scratch-dir>}
SRC=${2:?source dir}
SCRATCH=${3:?scratch dir}

if [ "${SPIKEFIT_SKIP_SLURM:-0}" = 1 ]; then
  echo "slurm_jobs: SKIPPED because SPIKEFIT_SKIP_SLURM=1"
  exit 77
fi

BIN=$(readlink -f "$BIN")
SRC=$(readlink -f "$SRC")
mkdir -p "$SCRATCH"
W=$(readlink -f "$SCRATCH")/slurm_jobs
rm -rf "$W"; mkdir -p "$W"
cd "$W" || exit 1
# this test may itself run inside an allocation: the direct mpirun runs must not see it
for v in $(compgen -e | grep '^SLURM_'); do unset "$v"; done
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
# the interruption below is sent only once the fit prints iterations (its handler is in place):
# no hold-back needed
export SPIKEFIT_SIGNAL_GRACE=0
PATH=$PATH:/usr/sbin:/sbin
STATE=${SPIKEFIT_SLURM_STATE:-/var/spool/spikefit-slurm}
T_START=$(date +%s)
TARGET=${SPIKEFIT_SLURM_TEST_SECONDS:-5}
GEN=${SPIKEFIT_SLURM_TEST_GEN:--gen_seed 5 -gen_n 48}
DEADLINE=${SPIKEFIT_SLURM_TEST_DEADLINE:-1200}
FIT_SEED=7
PASSED=0
FINAL_STATES='COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|BOOT_FAIL|DEADLINE|PREEMPTED'

log() { echo "slurm_jobs [$(( $(date +%s) - T_START ))s]: $*"; }
dump_logs() {
  echo "================ job logs ================"
  for f in "$W"/*.out "$W"/*.log; do
    [ -f "$f" ] || continue
    echo "---- $f ----"; grep -v '^it ' "$f" | tail -n 60; grep '^it ' "$f" | tail -n 3
  done
  echo "---- squeue ----"; timeout 10 squeue 2>&1 | head -20
  echo "---- slurmctld.log (tail) ----"; tail -n 30 "$STATE/log/slurmctld.log" 2>/dev/null
  echo "---- slurmd.log (tail) ----"; tail -n 30 "$STATE/log/slurmd.log" 2>/dev/null
}
# Never call fail in a $(...) subshell: there it would only end the subshell.
fail() { echo "slurm_jobs: FAIL: $*" >&2; dump_logs >&2; exit 1; }
# give up before ctest would kill us (ctest's kill leaves no chance to clean up)
check_deadline() {
  [ $(( $(date +%s) - T_START )) -lt "$DEADLINE" ] || fail "over the overall limit of ${DEADLINE}s ($*)"
}

# ---- cleanup, on every exit ---------------------------------------------------------------
WE_STARTED=0 JOBS="" CHILD=""
# states of all (array) tasks of job $1, one per line: "JobId JobState ExitCode Restarts Reason"
job_lines() {
  timeout 20 scontrol -o show job "$1" 2>/dev/null | while read -r line; do
    id=$(grep -o 'JobId=[^ ]*' <<<"$line" | head -1); st=$(grep -o 'JobState=[^ ]*' <<<"$line")
    ex=$(grep -o ' ExitCode=[^ ]*' <<<"$line"); rs=$(grep -o 'Restarts=[^ ]*' <<<"$line")
    rn=$(grep -o 'Reason=[^ ]*' <<<"$line")
    echo "${id#JobId=} ${st#JobState=} ${ex# ExitCode=} ${rs#Restarts=} ${rn#Reason=}"
  done
}
# the submitted jobs (of $JOBS) that are still pending/running/completing
active_jobs() {
  local j
  for j in $JOBS; do
    job_lines "$j" | awk -v re="^($FINAL_STATES)\$" '$2 !~ re {print $1}'
  done
}
cleanup() {
  local rc=$? t0
  trap - EXIT
  trap '' INT TERM HUP   # the cleanup itself is bounded: let it finish
  # a direct run (mpirun, run_local.sh) under `timeout`: timeout passes the signal on
  if [ -n "$CHILD" ] && kill -0 "$CHILD" 2>/dev/null; then
    kill -TERM "$CHILD" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$CHILD" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$CHILD" 2>/dev/null
  fi
  if [ -n "$JOBS" ] && [ -n "$(active_jobs)" ]; then
    # shellcheck disable=SC2046
    timeout 20 scancel $(active_jobs) >/dev/null 2>&1
    t0=$(date +%s)
    while [ -n "$(active_jobs)" ]; do
      if [ $(( $(date +%s) - t0 )) -ge 10 ]; then
        # shellcheck disable=SC2046
        timeout 20 scancel --signal=KILL --full $(active_jobs) >/dev/null 2>&1
      fi
      [ $(( $(date +%s) - t0 )) -lt 30 ] || { echo "slurm_jobs: cleanup: jobs still active after 30s: $(active_jobs | tr '\n' ' ')" >&2; break; }
      sleep 0.5
    done
  fi
  if [ "$WE_STARTED" = 1 ]; then
    bash "$SRC/tests/slurm/stop_local_slurm.sh" 2>&1 | sed 's/^/slurm_jobs: cleanup: /'
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'echo "slurm_jobs: interrupted (SIGINT)" >&2; exit 130' INT
trap 'echo "slurm_jobs: interrupted (SIGTERM)" >&2; exit 143' TERM
trap 'echo "slurm_jobs: interrupted (SIGHUP)" >&2; exit 129' HUP

# run_bounded SECONDS LOGFILE CMD...: CMD in the background (a signal to this script is handled
# at once, and cleanup can kill it), bounded by `timeout`; returns CMD's exit status
run_bounded() {
  local to=$1 logf=$2 rc left; shift 2
  left=$(( DEADLINE - ($(date +%s) - T_START) ))
  [ "$left" -gt 0 ] || fail "over the overall limit of ${DEADLINE}s (before: $*)"
  [ "$to" -le "$left" ] || to=$left
  timeout -k 10 "$to" "$@" >"$logf" 2>&1 &
  CHILD=$!
  wait "$CHILD"; rc=$?
  CHILD=""
  return $rc
}

# ---- 0. SLURM ---------------------------------------------------------------------------
[ -x "$BIN" ] || fail "spikefit binary '$BIN' is not executable"
if ! { [ -s "$STATE/slurmctld.pid" ] && kill -0 "$(cat "$STATE/slurmctld.pid")" 2>/dev/null; }; then
  WE_STARTED=1
fi
timeout 600 bash "$SRC/tests/slurm/start_local_slurm.sh" || fail "could not start the local SLURM (set SPIKEFIT_SKIP_SLURM=1 to skip this test)"
log "SLURM up$([ "$WE_STARTED" = 1 ] && echo " (started here, stopped at the end)")"

# job helpers --------------------------------------------------------------------------------
# wait until every task of job $1 is in a final state; $2 = timeout (s)
wait_done() {
  local j=$1 to=$2 t0 lines; t0=$(date +%s)
  while :; do
    lines=$(job_lines "$j")
    [ -n "$lines" ] || fail "job $j is unknown to scontrol"
    awk '{print $2}' <<<"$lines" | grep -qvE "^($FINAL_STATES)\$" || return 0
    [ $(( $(date +%s) - t0 )) -lt "$to" ] || fail "job $j not finished after ${to}s: $(tr '\n' ';' <<<"$lines")"
    check_deadline "waiting for job $j"
    sleep 0.5
  done
}
# all tasks of job $1 COMPLETED with exit 0:0
assert_ok() {
  local lines; lines=$(job_lines "$1")
  if awk '$2 != "COMPLETED" || $3 != "0:0" {bad=1} END {exit !bad}' <<<"$lines"; then
    fail "job $1 ($2) did not complete with exit 0: $(tr '\n' ';' <<<"$lines")"
  fi
  log "job $1 ($2): $(awk '{printf "%s %s exit %s; ", $1, $2, $3}' <<<"$lines")"
}
submit() { # VAR sbatch-args...: submit, put the job id in VAR and in JOBS (no subshell: JOBS must stick)
  local var=$1 out; shift
  out=$(timeout 60 sbatch --parsable --chdir="$W" --export=ALL,SPIKEFIT_BIN="$BIN" "$@" 2>&1) \
    || fail "sbatch $* failed: $out"
  out=${out%%;*}
  [[ $out =~ ^[0-9]+$ ]] || fail "sbatch printed no job id: $out"
  JOBS="$JOBS $out"
  printf -v "$var" '%s' "$out"
}

# ---- 1. data; fit.sbatch (2 tasks) and restarts.sbatch (array of 2) ---------------------
# shellcheck disable=SC2086
run_bounded 300 "$W/generate.log" "$BIN" generate -o "$W/gt.h5" $GEN || fail "spikefit generate failed (exit $?, 124 = timed out; see generate.log)"
[ -f "$W/gt.h5" ] || fail "spikefit generate wrote no gt.h5"

submit JF -n 2 -o "$W/fit_%j.out" "$SRC/jobs/fit.sbatch" -data "$W/gt.h5" -fit_iters 20 -fit_seed 1 -o "$W/fit2.h5"
submit JR --array=0-1 -n 1 -o "$W/restarts_%A_%a.out" "$SRC/jobs/restarts.sbatch" -data "$W/gt.h5" -fit_iters 5 -o "$W/rs.h5"
log "submitted fit.sbatch as $JF, restarts.sbatch as $JR"
wait_done "$JF" 300
wait_done "$JR" 300
assert_ok "$JF" fit.sbatch
assert_ok "$JR" restarts.sbatch
[ -f "$W/fit2.h5" ] || fail "fit.sbatch wrote no fit2.h5"
grep -q -- "-par_expect_size 2" "$W/fit_$JF.out" || fail "fit.sbatch did not pass -par_expect_size 2"
for s in 0 1; do
  [ -f "$W/rs_seed$s.h5" ] || fail "restarts.sbatch task $s wrote no rs_seed$s.h5"
done
if h5diff -q -d 0 "$W/rs_seed0.h5" "$W/rs_seed1.h5" /params/final >/dev/null 2>&1; then
  fail "restarts with seeds 0 and 1 gave identical /params/final (seed not used?)"
fi
log "fit.sbatch and restarts.sbatch: OK"; PASSED=$((PASSED + 2))

# ---- 2. size the long fit, run it directly as the reference -----------------------------
# From the 2-rank fit.sbatch run: seconds per iteration of its faster iterations (lower quartile
# of the monitor lines' "s/it"). At that speed the long fit takes TARGET s; when the machine is
# busier it only takes longer, which leaves the interruption more room, never less.
RATE=$(grep -oE '[0-9.]+ s/it' "$W/fit_$JF.out" | awk '{print $1}' | sort -g \
       | awk '{a[NR] = $1} END {if (NR) {r = a[int((NR + 3) / 4)]; if (r < 0.001) r = 0.001; print r}}')
[ -n "$RATE" ] || fail "no monitor lines ('it N/K ... s/it') in fit_$JF.out"
K=$(awk -v r="$RATE" -v T="$TARGET" 'BEGIN { n = int(T / r); if (n < 120) n = 120; if (n > 1000000) n = 1000000; print n }')
log "fastest iterations of fit.sbatch: ${RATE} s/it -> the long fit uses $K iterations"

FITARGS=(-data "$W/gt.h5" -fit_iters "$K" -fit_seed "$FIT_SEED")
t0=$(date +%s)
run_bounded 900 "$W/ref.log" mpirun -n 2 "$BIN" fit "${FITARGS[@]}" -o "$W/ref.h5" || fail "reference fit failed (exit $?, 124 = timed out; see ref.log)"
TREF=$(( $(date +%s) - t0 )); [ "$TREF" -ge 1 ] || TREF=1
[ -f "$W/ref.h5" ] || fail "reference fit wrote no ref.h5"
log "reference fit: $K iterations, ${TREF}s"
check_deadline "after the reference fit"

# ---- 3. long_fit.sbatch, interrupted, requeued, resumed --------------------------------
submit JL -n 2 -o "$W/long_%j.out" "$SRC/jobs/long_fit.sbatch" "${FITARGS[@]}" -o "$W/long.h5" -ckpt_file "$W/long.ckpt.h5"
LOG=$W/long_$JL.out
log "submitted long_fit.sbatch as $JL"
t0=$(date +%s)
until grep -q "long_fit: start 0" "$LOG" 2>/dev/null; do
  [ $(( $(date +%s) - t0 )) -lt 120 ] || fail "long_fit job $JL did not start within 120s"
  check_deadline "waiting for $JL to start"
  sleep 0.2
done
# Interrupt as soon as the monitor lines ("it   N/K ...", N right-aligned) show a few iterations:
# the fit's signal handler is in place, and nearly all of the fit is still ahead.
AT=3
t0=$(date +%s)
while :; do
  it=$(grep -oE '^it +[0-9]+/' "$LOG" 2>/dev/null | tail -n 1 | tr -dc '0-9')
  [ -n "$it" ] && [ "$it" -ge "$AT" ] && break
  st=$(job_lines "$JL" | awk '{print $2}')
  [ "$st" = RUNNING ] || fail "long_fit job $JL is $st before the interruption (at iteration ${it:-none} of $K)"
  [ $(( $(date +%s) - t0 )) -lt $(( 3 * TREF + 120 )) ] || fail "long_fit job $JL shows no progress ('it N/$K' lines) after $(( 3 * TREF + 120 ))s"
  check_deadline "waiting for $JL to make progress"
  sleep 0.2
done
log "sending SIGUSR1 to the batch shell of $JL (fit at iteration $it of $K)"
timeout 30 scancel --signal=USR1 --batch "$JL" || fail "scancel --signal=USR1 --batch $JL failed"

# After `scontrol requeue` slurmctld kills the running instance, and slurmd revokes the job's
# credentials as of that second; the job then goes back to PENDING with BeginTime = now+121 s
# (until the revocation expires). We skip that wait, but a restart must get its credential in a
# LATER second than the revocation: one created in the same second is refused ("Killing
# non-startable batch JobId=J: Job credential revoked" in slurmctld.log, the job FAILED with exit
# 1:0, no "long_fit: start 1"). The revocation happened before the job became PENDING (that needs
# the old instance to be gone), so release it only once the clock has passed the second in which
# we saw it PENDING.
t0=$(date +%s)
while :; do
  read -r _ st ex rs rn <<<"$(job_lines "$JL")"
  [ "${rs:-0}" -ge 1 ] && [ "$st" = PENDING ] && break
  [[ ${st:-} =~ ^($FINAL_STATES)$ ]] && fail "long_fit job $JL ended ($st, exit $ex) without being requeued"
  [ $(( $(date +%s) - t0 )) -lt $(( TREF + 120 )) ] || fail "long_fit job $JL was not requeued within $(( TREF + 120 ))s (state $st)"
  check_deadline "waiting for $JL to be requeued"
  sleep 0.2
done
t_seen=$(date +%s)
while [ "$(date +%s)" -le "$t_seen" ]; do sleep 0.05; done
timeout 30 scontrol update JobId="$JL" StartTime=now >/dev/null 2>&1 || fail "scontrol update JobId=$JL StartTime=now failed"
log "job $JL requeued (Restarts=$rs, Reason=$rn); released its begin time"
wait_done "$JL" $(( 2 * TREF + 300 ))
assert_ok "$JL" long_fit.sbatch
grep -q "long_fit: start 0" "$LOG" || fail "no 'long_fit: start 0' in $LOG"
grep -q "long_fit: start 1" "$LOG" || fail "no 'long_fit: start 1' in $LOG: the job was not restarted"
grep -q "long_fit: checkpointed to .*(exit 75); requeueing" "$LOG" || fail "no exit-75/requeue line in $LOG"
grep -q "long_fit: resuming from" "$LOG" || fail "the restarted job did not resume from the checkpoint"
! grep -q "long_fit: ERROR" "$LOG" || fail "long_fit reported an error: $(grep "long_fit: ERROR" "$LOG")"
[ -f "$W/long.h5" ] || fail "long_fit wrote no long.h5"
if ! h5diff -d 0 "$W/ref.h5" "$W/long.h5" /params/final >"$W/h5diff_long.log" 2>&1; then
  fail "requeued long fit differs from the uninterrupted reference: $(head -20 "$W/h5diff_long.log")"
fi
grep -E "^(long_fit|spikefit):" "$LOG" | cut -c1-160 | sed 's/^/    /'
log "long_fit.sbatch: interrupted, requeued $(job_lines "$JL" | awk '{print $4}') time(s), /params/final identical to the reference: OK"
PASSED=$((PASSED + 1))

# ---- 4. run_local.sh: exit 75 after every iteration, resumed each time -------------------
# -ckpt_max_hours 1e-12: the budget is over after the first iteration of every start, so a
# 3-iteration fit runs as 3 starts (2 exit-75/resume cycles) whatever the machine's speed.
LOCALARGS=(-data "$W/gt.h5" -fit_iters 3 -fit_seed "$FIT_SEED")
run_bounded 300 "$W/ref3.log" mpirun -n 2 "$BIN" fit "${LOCALARGS[@]}" -o "$W/ref3.h5" || fail "3-iteration reference fit failed (exit $?, 124 = timed out; see ref3.log)"
t0=$(date +%s)
export SPIKEFIT_BIN="$BIN" SPIKEFIT_MAX_RESUMES=5
run_bounded 600 "$W/run_local.log" bash "$SRC/jobs/run_local.sh" -n 2 "${LOCALARGS[@]}" -o "$W/local.h5" -ckpt_max_hours 1e-12
rc=$?
[ $rc = 0 ] || fail "run_local.sh exited with $rc (124 = timed out)"
n=$(grep -c "run_local: checkpointed to .*resuming" "$W/run_local.log")
[ "$n" = 2 ] || fail "run_local.sh went through $n exit-75/resume cycles, expected 2"
h5diff -d 0 "$W/ref3.h5" "$W/local.h5" /params/final >"$W/h5diff_local.log" 2>&1 \
  || fail "run_local.sh result differs from the reference: $(head -20 "$W/h5diff_local.log")"
log "run_local.sh: $n resume(s) in $(( $(date +%s) - t0 ))s, identical to the reference: OK"
PASSED=$((PASSED + 1))

log "all done in $(( $(date +%s) - T_START ))s"
echo "slurm_jobs: $PASSED passed, 0 failed"
exit 0
