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
#   4. run_local.sh with a short -ckpt_max_hours goes through >= 1 exit-75/resume cycle and
#      also matches the reference bit for bit.
# Knobs: SPIKEFIT_SLURM_TEST_SECONDS  target length of the long fit (default 15)
#        SPIKEFIT_SLURM_TEST_GEN      generate options (default "-gen_seed 5 -gen_n 12")
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
# the interruption below is sent only once the fit shows progress: no need for the 10 s grace
export SPIKEFIT_SIGNAL_GRACE=2
STATE=${SPIKEFIT_SLURM_STATE:-/var/spool/spikefit-slurm}
T_START=$(date +%s)
TARGET=${SPIKEFIT_SLURM_TEST_SECONDS:-15}
GEN=${SPIKEFIT_SLURM_TEST_GEN:--gen_seed 5 -gen_n 12}
FIT_SEED=7
PASSED=0

log() { echo "slurm_jobs [$(( $(date +%s) - T_START ))s]: $*"; }
dump_logs() {
  echo "================ job logs ================"
  for f in "$W"/*.out "$W"/*.log; do
    [ -f "$f" ] || continue
    echo "---- $f ----"; tail -n 80 "$f"
  done
  echo "---- squeue ----"; squeue 2>&1 | head -20
  echo "---- slurmctld.log (tail) ----"; tail -n 30 "$STATE/log/slurmctld.log" 2>/dev/null
  echo "---- slurmd.log (tail) ----"; tail -n 30 "$STATE/log/slurmd.log" 2>/dev/null
}
fail() { echo "slurm_jobs: FAIL: $*" >&2; dump_logs >&2; exit 1; }

WE_STARTED=0
cleanup() {
  rc=$?
  if [ -n "$(command -v scancel)" ]; then
    for j in ${JOBS:-}; do scancel "$j" >/dev/null 2>&1; done
  fi
  if [ "$WE_STARTED" = 1 ]; then bash "$SRC/tests/slurm/stop_local_slurm.sh" >/dev/null 2>&1; fi
  exit $rc
}
trap cleanup EXIT
JOBS=""

# ---- 0. SLURM ---------------------------------------------------------------------------
[ -x "$BIN" ] || fail "spikefit binary '$BIN' is not executable"
if ! { [ -s "$STATE/slurmctld.pid" ] && kill -0 "$(cat "$STATE/slurmctld.pid")" 2>/dev/null; }; then
  WE_STARTED=1
fi
bash "$SRC/tests/slurm/start_local_slurm.sh" || fail "could not start the local SLURM (set SPIKEFIT_SKIP_SLURM=1 to skip this test)"

# job helpers --------------------------------------------------------------------------------
# states of all (array) tasks of job $1, one per line: "JobId JobState ExitCode Restarts Reason"
job_lines() {
  scontrol -o show job "$1" 2>/dev/null | while read -r line; do
    id=$(grep -o 'JobId=[^ ]*' <<<"$line" | head -1); st=$(grep -o 'JobState=[^ ]*' <<<"$line")
    ex=$(grep -o ' ExitCode=[^ ]*' <<<"$line"); rs=$(grep -o 'Restarts=[^ ]*' <<<"$line")
    rn=$(grep -o 'Reason=[^ ]*' <<<"$line")
    echo "${id#JobId=} ${st#JobState=} ${ex# ExitCode=} ${rs#Restarts=} ${rn#Reason=}"
  done
}
# wait until every task of job $1 is in a final state; $2 = timeout (s)
wait_done() {
  local j=$1 to=$2 t0; t0=$(date +%s)
  while :; do
    local lines; lines=$(job_lines "$j")
    [ -n "$lines" ] || fail "job $j is unknown to scontrol"
    if ! awk '{print $2}' <<<"$lines" | grep -qvE '^(COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|BOOT_FAIL|DEADLINE|PREEMPTED)$'; then
      return 0
    fi
    [ $(( $(date +%s) - t0 )) -lt "$to" ] || fail "job $j not finished after ${to}s: $(tr '\n' ';' <<<"$lines")"
    sleep 1
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
submit() { # sbatch args...; prints the job id
  local out; out=$(sbatch --parsable --chdir="$W" --export=ALL,SPIKEFIT_BIN="$BIN" "$@" 2>&1) \
    || fail "sbatch $* failed: $out"
  out=${out%%;*}
  JOBS="$JOBS $out"
  echo "$out"
}

# ---- 1. data, iteration count, uninterrupted reference ---------------------------------
# shellcheck disable=SC2086
"$BIN" generate -o "$W/gt.h5" $GEN >"$W/generate.log" 2>&1 || fail "spikefit generate failed"
[ -f "$W/gt.h5" ] || fail "spikefit generate wrote no gt.h5"

# iterations for a fit of about TARGET seconds: time a 1-iteration fit (start-up cost), then
# double the iteration count until a fit takes >= 3 s, and extrapolate (at least 60 iterations)
calib() { # iterations -> seconds (float) on stdout
  local a b
  a=$(date +%s.%N)
  mpirun -n 2 "$BIN" fit -data "$W/gt.h5" -o "$W/calib.h5" -fit_iters "$1" -fit_seed $FIT_SEED \
    >"$W/calib.log" 2>&1 || fail "calibration fit with $1 iterations failed (see calib.log)"
  b=$(date +%s.%N)
  awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f", b - a }'
}
T1=$(calib 1)
K0=20
while :; do
  TK=$(calib $K0)
  awk -v t="$TK" 'BEGIN { exit !(t >= 3) }' && break
  [ $K0 -lt 200000 ] || break
  K0=$((K0 * 2))
done
K=$(awk -v t1="$T1" -v tk="$TK" -v k=$K0 -v T="$TARGET" 'BEGIN { per = (tk - t1) / (k - 1); if (per < 1e-5) per = 1e-5; n = int((T - t1) / per); if (n < 60) n = 60; if (n > 10000000) n = 10000000; print n }')
log "calibration: start-up ${T1}s, $K0 iterations in ${TK}s -> the long fit uses $K iterations"

FITARGS=(-data "$W/gt.h5" -fit_iters "$K" -fit_seed "$FIT_SEED")
t0=$(date +%s)
mpirun -n 2 "$BIN" fit "${FITARGS[@]}" -o "$W/ref.h5" >"$W/ref.log" 2>&1 || fail "reference fit failed (see ref.log)"
TREF=$(( $(date +%s) - t0 )); [ "$TREF" -ge 1 ] || TREF=1
[ -f "$W/ref.h5" ] || fail "reference fit wrote no ref.h5"
log "reference fit: $K iterations, ${TREF}s"

# ---- 2. fit.sbatch (2 tasks) and restarts.sbatch (array of 2) --------------------------
SMALL=(-data "$W/gt.h5" -fit_iters 10)
JF=$(submit -n 2 -o "$W/fit_%j.out" "$SRC/jobs/fit.sbatch" "${SMALL[@]}" -fit_seed 1 -o "$W/fit2.h5")
JR=$(submit --array=0-1 -n 1 -o "$W/restarts_%A_%a.out" "$SRC/jobs/restarts.sbatch" "${SMALL[@]}" -o "$W/rs.h5")
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

# ---- 3. long_fit.sbatch, interrupted, requeued, resumed --------------------------------
JL=$(submit -n 2 -o "$W/long_%j.out" "$SRC/jobs/long_fit.sbatch" "${FITARGS[@]}" -o "$W/long.h5" -ckpt_file "$W/long.ckpt.h5")
LOG=$W/long_$JL.out
log "submitted long_fit.sbatch as $JL"
# wait until it runs, then let it get about a third of the way
t0=$(date +%s)
until grep -q "long_fit: start 0" "$LOG" 2>/dev/null; do
  [ $(( $(date +%s) - t0 )) -lt 120 ] || fail "long_fit job $JL did not start within 120s"
  sleep 1
done
# Interrupt early in the fit: as soon as its monitor lines ("it N/K ...") show N >= K/20, or,
# if there are no such lines, after a third of the reference's time. (Timing alone is not
# reliable here: other work on the machine changes the speed of a fit several-fold.)
AT=$(( K / 20 )); [ "$AT" -ge 10 ] || AT=10
t0=$(date +%s)
while :; do
  it=$(grep -oE '^it [0-9]+/' "$LOG" 2>/dev/null | tail -n 1 | tr -dc '0-9')
  [ -n "$it" ] && [ "$it" -ge "$AT" ] && break
  [ -z "$it" ] && [ $(( $(date +%s) - t0 )) -ge $(( TREF / 3 + 1 )) ] && break
  st=$(job_lines "$JL" | awk '{print $2}')
  [ "$st" = RUNNING ] || fail "long_fit job $JL is $st before the interruption (fit too short? K=$K; raise SPIKEFIT_SLURM_TEST_SECONDS)"
  [ $(( $(date +%s) - t0 )) -lt $(( 3 * TREF + 120 )) ] || fail "long_fit job $JL made no progress"
  sleep 0.2
done
st=$(job_lines "$JL" | awk '{print $2}')
[ "$st" = RUNNING ] || fail "long_fit job $JL is $st before the interruption (fit too short? K=$K; raise SPIKEFIT_SLURM_TEST_SECONDS)"
log "sending SIGUSR1 to the batch shell of $JL (fit at iteration ${it:-?} of $K)"
scancel --signal=USR1 --batch "$JL" || fail "scancel --signal=USR1 --batch $JL failed"

# a requeued job gets BeginTime = now+121s from slurmctld; skip that wait
t0=$(date +%s)
while :; do
  read -r _ st ex rs rn <<<"$(job_lines "$JL")"
  if [ "${rs:-0}" -ge 1 ] && [ "$st" = PENDING ]; then
    scontrol update JobId="$JL" StartTime=now >/dev/null 2>&1
    log "job $JL requeued (Restarts=$rs, Reason=$rn); released its begin time"
    break
  fi
  case $st in COMPLETED|FAILED|CANCELLED|TIMEOUT) fail "long_fit job $JL ended ($st, exit $ex) without being requeued";; esac
  [ $(( $(date +%s) - t0 )) -lt $(( TREF + 120 )) ] || fail "long_fit job $JL was not requeued within $(( TREF + 120 ))s (state $st)"
  sleep 1
done
wait_done "$JL" $(( 2 * TREF + 300 ))
assert_ok "$JL" long_fit.sbatch
grep -q "long_fit: start 0" "$LOG" || fail "no 'long_fit: start 0' in $LOG"
grep -q "long_fit: start 1" "$LOG" || fail "no 'long_fit: start 1' in $LOG: the job was not restarted"
grep -q "long_fit: checkpointed to .*(exit 75); requeueing" "$LOG" || fail "no exit-75/requeue line in $LOG"
grep -q "long_fit: resuming from" "$LOG" || fail "the restarted job did not resume from the checkpoint"
[ -f "$W/long.h5" ] || fail "long_fit wrote no long.h5"
if ! h5diff -d 0 "$W/ref.h5" "$W/long.h5" /params/final >"$W/h5diff_long.log" 2>&1; then
  fail "requeued long fit differs from the uninterrupted reference: $(head -20 "$W/h5diff_long.log")"
fi
grep "long_fit:" "$LOG" | sed 's/^/    /'
log "long_fit.sbatch: interrupted, requeued $(job_lines "$JL" | awk '{print $4}') time(s), /params/final identical to the reference: OK"
PASSED=$((PASSED + 1))

# ---- 4. run_local.sh with -ckpt_max_hours ----------------------------------------------
HOURS=$(awk -v t="$TREF" 'BEGIN { printf "%.6f", (t / 3.0 + 0.5) / 3600 }')
log "run_local.sh with -ckpt_max_hours $HOURS"
t0=$(date +%s)
SPIKEFIT_BIN="$BIN" SPIKEFIT_MAX_RESUMES=20 timeout $(( 3 * TREF + 300 )) \
  bash "$SRC/jobs/run_local.sh" -n 2 "${FITARGS[@]}" -o "$W/local.h5" -ckpt_max_hours "$HOURS" >"$W/run_local.log" 2>&1
rc=$?
[ $rc = 0 ] || fail "run_local.sh exited with $rc"
grep -q "run_local: checkpointed to .*resuming" "$W/run_local.log" || fail "run_local.sh never went through an exit-75/resume cycle"
h5diff -d 0 "$W/ref.h5" "$W/local.h5" /params/final >"$W/h5diff_local.log" 2>&1 \
  || fail "run_local.sh result differs from the reference: $(head -20 "$W/h5diff_local.log")"
log "run_local.sh: $(grep -c 'run_local: checkpointed' "$W/run_local.log") resume(s) in $(( $(date +%s) - t0 ))s, identical to the reference: OK"
PASSED=$((PASSED + 1))

log "all done in $(( $(date +%s) - T_START ))s"
echo "slurm_jobs: $PASSED passed, 0 failed"
exit 0
