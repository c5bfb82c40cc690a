#!/usr/bin/env bash
# long_fit.sbatch without SLURM: run a fit with mpirun on this machine and keep resuming it
# from its checkpoint for as long as it exits 75 ("checkpointed, not finished", e.g. after
# -ckpt_max_hours).
#
#   jobs/run_local.sh [-n P] -data GT.h5 -o RUN.h5 [-ckpt_file CKPT.h5] [spikefit fit options]
#
# -n P      MPI ranks (default 1; more ranks than cores adds --oversubscribe)
# CKPT defaults to RUN.ckpt.h5; the fit gets -ckpt_file CKPT, and -resume CKPT when CKPT or
# CKPT.prev exists (the fit falls back to CKPT.prev when CKPT is missing or damaged).
# Ctrl-C / SIGTERM: forwarded to the fit as SIGUSR1 (mpirun would turn SIGINT/SIGTERM into a
# kill), so it checkpoints and exits 75; the script then stops with 75 instead of looping.
# Exit code: 0 finished; 75 checkpointed and stopped; anything else = the fit's error.
# Environment: SPIKEFIT_BIN (default: spikefit on PATH, else ./build/spikefit), SPIKEFIT_SIGNAL_GRACE,
#              SPIKEFIT_MAX_RESUMES (default 1000), OMP_NUM_THREADS (default 1).
set -u
P=1
ARGS=() OUT=RUN.h5 CKPT=""
while [ $# -gt 0 ]; do
  case $1 in
    -n|-np)     P=${2:?-n needs a value}; shift 2 ;;
    -o)         OUT=${2:?-o needs a value}; ARGS+=(-o "$OUT"); shift 2 ;;
    -ckpt_file) CKPT=${2:?-ckpt_file needs a value}; shift 2 ;;
    -resume)    echo "run_local: ERROR: do not pass -resume; the script resumes from -ckpt_file itself" >&2; exit 2 ;;
    *)          ARGS+=("$1"); shift ;;
  esac
done
[ -n "$CKPT" ] || CKPT=${OUT%.h5}.ckpt.h5
ARGS+=(-ckpt_file "$CKPT")

BIN=${SPIKEFIT_BIN:-}
if [ -z "$BIN" ]; then
  if command -v spikefit >/dev/null 2>&1; then BIN=$(command -v spikefit)
  elif [ -x ./build/spikefit ]; then BIN=./build/spikefit
  else echo "run_local: ERROR: spikefit not found (set SPIKEFIT_BIN or put it on PATH)" >&2; exit 2; fi
fi
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
export OPENBLAS_NUM_THREADS=1
if [ "$(id -u)" = 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
LAUNCH=(mpirun -n "$P")
NCPU=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)   # not nproc: it obeys OMP_NUM_THREADS
[ "$P" -gt "$NCPU" ] && LAUNCH+=(--oversubscribe)

# A signal is passed on only once the fit has run SPIKEFIT_SIGNAL_GRACE s (default 10): earlier,
# the ranks may not have their handler yet and SIGUSR1 would kill them.
GRACE=${SPIKEFIT_SIGNAL_GRACE:-10}
PID="" STOPPING=0 WANT=0 STARTED=$(date +%s)
forward() {
  echo "run_local: got SIG$1, asking the fit to checkpoint"
  STOPPING=1 WANT=1
  deliver
}
deliver() {
  if [ "$WANT" = 1 ] && [ -n "$PID" ] && [ $(( $(date +%s) - STARTED )) -ge "$GRACE" ]; then
    kill -USR1 "$PID" 2>/dev/null
    WANT=0
  fi
}
# job control: mpirun and the ranks get their own process group, so a Ctrl-C on the terminal
# reaches only this script (which asks for a checkpoint) and not the ranks (which it would kill)
set -m
trap 'forward INT' INT
trap 'forward TERM' TERM
trap 'forward USR1' USR1

MAX=${SPIKEFIT_MAX_RESUMES:-1000}
start=0
while :; do
  RARGS=()
  # CKPT.prev alone (CKPT lost or damaged): -resume CKPT falls back to it
  if [ -f "$CKPT" ] || [ -f "$CKPT.prev" ]; then RARGS=(-resume "$CKPT"); fi
  echo "run_local: start $start: ${LAUNCH[*]} $BIN fit ${ARGS[*]} ${RARGS[*]}"
  "${LAUNCH[@]}" "$BIN" fit "${ARGS[@]}" "${RARGS[@]}" &
  PID=$!
  STARTED=$(date +%s)
  while kill -0 "$PID" 2>/dev/null; do
    deliver
    sleep 1 & wait $!
  done
  wait "$PID"; rc=$?
  PID=""
  case $rc in
    0)  echo "run_local: finished -> $OUT (exit 0) after $start resume(s)"; exit 0 ;;
    75)
      if [ ! -f "$CKPT" ] && [ ! -f "$CKPT.prev" ]; then echo "run_local: ERROR: exit 75 but no $CKPT (nor $CKPT.prev)" >&2; exit 1; fi
      if [ "$STOPPING" = 1 ]; then echo "run_local: checkpointed to $CKPT, stopped (exit 75); run again to resume"; exit 75; fi
      start=$((start + 1))
      if [ "$start" -gt "$MAX" ]; then echo "run_local: ERROR: more than $MAX resumes" >&2; exit 75; fi
      echo "run_local: checkpointed to $CKPT (exit 75), resuming" ;;
    *)  echo "run_local: ERROR: spikefit exited with $rc" >&2; exit "$rc" ;;
  esac
done
