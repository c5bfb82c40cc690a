#!/usr/bin/env bash
# The table-driven bad-input and fault suite: bash tests/fault/run.sh SPIKEFIT SRC WORK
# Sources lib.sh and every cases_*.sh, then runs each function named case_* (declare -F
# order) in its own shell whose cwd is the fresh directory WORK/<case>, with SF, SRC and GT
# (a small ground truth) set. A case passes when it returns 0. Prints PASS/FAIL per case and
# "N passed, N failed"; exits non-zero when any failed. FAULT_FILTER=REGEX runs a subset.
set -uo pipefail
[ $# -eq 3 ] || { echo "usage: $0 SPIKEFIT SRC WORK" >&2; exit 2; }
SF=$(readlink -f "$1")
SRC=$(readlink -f "$2")
WORK=$(mkdir -p "$3" && readlink -f "$3")
here=$(cd "$(dirname "$0")" && pwd)
export SF SRC
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
: "${FAULT_CASE_TIMEOUT:=120}"

rm -rf "$WORK"/*
mkdir -p "$WORK/_gt"
"$SF" generate -o "$WORK/_gt/gt.h5" -gen_duration_ms 4000 > "$WORK/_gt/log.txt" 2>&1 || { cat "$WORK/_gt/log.txt"; echo "cannot make the ground truth"; exit 1; }
export GT=$WORK/_gt/gt.h5

source "$here/lib.sh"
for f in "$here"/cases_*.sh; do source "$f"; done
cases=$(declare -F | awk '{print $3}' | grep '^case_' | grep -E -- "${FAULT_FILTER:-.}")

pass=0 failn=0 failed=""
for c in $cases; do
  dir=$WORK/$c
  mkdir -p "$dir"
  # a fresh shell per case, so that a hang is caught by the timeout and set -e holds
  timeout -k 10 "$FAULT_CASE_TIMEOUT" bash -c 'set -eo pipefail; source "$1/lib.sh"; for f in "$1"/cases_*.sh; do source "$f"; done; cd "$2"; "$3"' \
    _ "$here" "$dir" "$c" > "$dir/_case.log" 2>&1
  rc=$?
  if [ "$rc" = 0 ]; then
    echo "PASS $c"
    pass=$((pass + 1))
  else
    [ "$rc" = 124 ] && echo "timed out after ${FAULT_CASE_TIMEOUT}s" >> "$dir/_case.log"
    echo "FAIL $c"
    sed 's/^/    /' "$dir/_case.log" | tail -15
    failn=$((failn + 1))
    failed="$failed $c"
  fi
done
echo "$pass passed, $failn failed"
[ "$failn" = 0 ]
