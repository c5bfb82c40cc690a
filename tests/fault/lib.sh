# Helpers of the fault suite (tests/fault/run.sh). Cases run with set -e in their own
# directory; a helper that finds a problem prints why and returns 1.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

fault_fail() { echo "FAIL: $*" >&2; return 1; }

# fault_expect CODE PATTERN CMD...: CMD exits with CODE (x: any non-zero) within the case's
# time, prints PATTERN (grep -E) on stdout/stderr, and does not crash (no signal, no
# "free()", no sanitizer report). Output in out.txt.
fault_expect() {
  local code=$1 pattern=$2 rc=0
  shift 2
  "$@" > out.txt 2>&1 || rc=$?
  if [ "$rc" = 0 ] || { [ "$code" != x ] && [ "$rc" != "$code" ]; }; then
    tail -20 out.txt
    fault_fail "expected exit $code from: $*, got $rc"
    return 1
  fi
  if [ "$rc" -gt 128 ] && [ "$code" = x ]; then tail -20 out.txt; fault_fail "killed by signal $((rc - 128)): $*"; return 1; fi
  if grep -q -E "free\(\)|Segmentation|Caught signal|ERROR: AddressSanitizer|runtime error:" out.txt; then tail -20 out.txt; fault_fail "crash report from: $*"; return 1; fi
  grep -q -E -- "$pattern" out.txt || { tail -20 out.txt; fault_fail "expected the message /$pattern/ from: $*"; return 1; }
}

# fault_ok CMD...: CMD succeeds (output in out.txt)
fault_ok() {
  local rc=0
  "$@" > out.txt 2>&1 || rc=$?
  [ "$rc" = 0 ] || { tail -20 out.txt; fault_fail "expected success from: $*, got $rc"; return 1; }
}

# fault_no_tmp [DIR]: no temporary (*.tmp) file left behind
fault_no_tmp() {
  local left
  left=$(find "${1:-.}" -name '*.tmp' 2> /dev/null | head -5)
  [ -z "$left" ] || { fault_fail "temporary files left behind: $left"; return 1; }
}

# fault_absent FILE...: none of the files exists
fault_absent() {
  local f
  for f in "$@"; do [ ! -e "$f" ] || { fault_fail "$f exists but should not"; return 1; }; done
}

# fault_fit ARGS...: a small, fast fit of the suite's ground truth
fault_fit() { "$SF" fit -data "$GT" -fit_iters 2 -fit_windows 2 -fit_eval_windows 2 -fit_validate 0 -fit_quiet "$@"; }

# fault_wait_for FILE PATTERN PID: waits (at most 60 s) until FILE holds PATTERN while PID runs
fault_wait_for() {
  local file=$1 pattern=$2 pid=$3 i
  for i in $(seq 1 1200); do
    grep -q -E -- "$pattern" "$file" 2> /dev/null && return 0
    kill -0 "$pid" 2> /dev/null || { cat "$file"; fault_fail "process $pid ended before /$pattern/ appeared"; return 1; }
    sleep 0.05
  done
  fault_fail "/$pattern/ did not appear in $file"
}

# fault_same_h5 A B: identical /params/final
fault_same_h5() { h5diff "$1" "$2" /params/final /params/final > /dev/null || { fault_fail "$1 and $2 differ in /params/final"; return 1; }; }
