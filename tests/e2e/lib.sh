# Shared by the end-to-end tests: ctest runs each as `bash NAME.sh SPIKEFIT SRC WORK`.
set -euo pipefail
SPIKEFIT=$(readlink -f "$1")
SRC=$(readlink -f "$2")
WORK=$3
rm -rf "$WORK"
mkdir -p "$WORK"
cd "$WORK"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
export OPENBLAS_NUM_THREADS=1
: "${OMP_NUM_THREADS:=1}"
export OMP_NUM_THREADS

fail() { echo "FAIL: $*" >&2; exit 1; }
# run P ARGS...: spikefit on P ranks
run() { local p=$1; shift; mpirun -n "$p" "$SPIKEFIT" "$@"; }
# same_final A B: the fitted parameters are bit-identical
# interrupt PID with SIGUSR1 once its monitor output LOG shows K iterations (not after a fixed
# time: a fit that got faster would finish before the signal)
interrupt_after() {
  local log=$1 pid=$2 k=$3 i
  for i in $(seq 1 1200); do
    [ "$(grep -c -E '^(\[fit [0-9]+\] )?it ' "$log" 2> /dev/null)" -ge "$k" ] && break
    kill -0 "$pid" 2> /dev/null || { cat "$log"; fail "the fit ended before $k iterations were seen"; }
    sleep 0.05
  done
  kill -USR1 "$pid"
}

same_final() { h5diff "$1" "$2" /params/final /params/final > /dev/null || { h5diff -r "$1" "$2" /params/final /params/final | head -20; fail "$1 and $2 differ in /params/final"; }; }
# expect_fail CODE PATTERN CMD...: the command exits with CODE (or any non-zero when CODE is x) and prints PATTERN
expect_fail() {
  local code=$1 pattern=$2 rc=0; shift 2
  "$@" > out.txt 2>&1 || rc=$?
  if [ "$rc" = 0 ] || { [ "$code" != x ] && [ "$rc" != "$code" ]; }; then cat out.txt; fail "expected exit $code from: $*, got $rc"; fi
  grep -q -- "$pattern" out.txt || { cat out.txt; fail "expected the message '$pattern' from: $*"; }
}
