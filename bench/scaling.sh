#!/bin/bash
# Strong and weak scaling of `spikefit fit` over ranks x threads (1x1, 2x1, 1x2 on a 2-core
# machine): seconds per iteration (mean of the monitor's s/it over iterations 2..end).
# Usage: bench/scaling.sh [SPIKEFIT] [WORKDIR]   N=200 B=8 ITERS=4 WPW=16 (windows per worker)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
sf=$(readlink -f "${1:-$here/../build-perf/spikefit}")
work=${2:-$(mktemp -d)}
N=${N:-200}; B=${B:-8}; ITERS=${ITERS:-4}; WPW=${WPW:-16}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1 OPENBLAS_NUM_THREADS=1
if [ -z "${OPENBLAS_CORETYPE:-}" ] && grep -q avx512f /proc/cpuinfo; then export OPENBLAS_CORETYPE=SkylakeX; fi
cd "$work"
mpirun -n 1 "$sf" generate -o gt.h5 -gen_seed 1 -gen_n "$N" > /dev/null
secs() { # P T WINDOWS -> mean s/it
  OMP_NUM_THREADS=$2 mpirun -n "$1" --bind-to none "$sf" fit -data gt.h5 -fit_iters "$ITERS" -fit_windows "$3" -sim_batch "$B" -o run.h5 \
    | awk '/ s\/it/{for(i=1;i<=NF;i++) if($i=="s/it") {k++; if(k>1){s+=$(i-1); c++}}} END{printf "%.3f", s/c}'
}
echo "### Scaling of spikefit fit (N = $N, B = $B, T = 400, synthetic target, $ITERS iterations; load average $(cut -d' ' -f1-3 /proc/loadavg))"
echo
echo "| ranks x threads | strong: windows | s/it | speed-up | weak: windows | s/it | efficiency |"
echo "|---|---|---|---|---|---|---|"
s1=$(secs 1 1 $((2 * WPW))); w1=$(secs 1 1 "$WPW")
for pt in "1 1" "2 1" "1 2"; do
  set -- $pt
  k=$(($1 * $2))
  s=$(secs "$1" "$2" $((2 * WPW))); w=$(secs "$1" "$2" $((k * WPW)))
  echo "| $1 x $2 | $((2 * WPW)) | $s | $(awk -v a="$s1" -v b="$s" 'BEGIN{printf "%.2f", a/b}') | $((k * WPW)) | $w | $(awk -v a="$w1" -v b="$w" 'BEGIN{printf "%.2f", a/b}') |"
done
