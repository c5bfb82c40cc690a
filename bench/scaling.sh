#!/bin/bash
# Strong and weak scaling of `spikefit fit` over ranks x threads (1x1, 2x1, 1x2 on a 2-core
# machine): seconds per iteration, the minimum of the monitor's s/it over iterations 2..end
# and over REPEATS rounds; each round runs every configuration once (interleaved, so that a
# slow phase of the shared machine does not favour one configuration).
# Usage: bench/scaling.sh [SPIKEFIT] [WORKDIR]   N=200 B=8 ITERS=4 WPW=16 (windows per worker) REPEATS=3
#   EXTRA="-fit_validate 0": further fit options (the validation windows are split over the
#   ranks too; with 10 of them they balance less evenly than the training windows)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
sf=$(readlink -f "${1:-$here/../build-perf/spikefit}")
work=${2:-$(mktemp -d)}
N=${N:-200}; B=${B:-8}; ITERS=${ITERS:-4}; WPW=${WPW:-16}; REPEATS=${REPEATS:-3}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1 OPENBLAS_NUM_THREADS=1
if [ -z "${OPENBLAS_CORETYPE:-}" ] && grep -q avx512f /proc/cpuinfo; then export OPENBLAS_CORETYPE=SkylakeX; fi
cd "$work"
mpirun -n 1 "$sf" generate -o gt.h5 -gen_seed 1 -gen_n "$N" > /dev/null
run1() { # P T WINDOWS -> the minimum s/it over iterations 2..ITERS of one run
  OMP_NUM_THREADS=$2 mpirun -n "$1" --bind-to none "$sf" fit -data gt.h5 -fit_iters "$ITERS" -fit_windows "$3" -sim_batch "$B" ${EXTRA:-} -o run.h5 \
    | awk '/ s\/it/{for(i=1;i<=NF;i++) if($i=="s/it") {k++; v=$(i-1); if(k>1 && (m=="" || v<m)) m=v}} END{print m}'
}
# configurations: name ranks threads windows
configs=("s11 1 1 $((2 * WPW))" "w11 1 1 $WPW" "s21 2 1 $((2 * WPW))" "w21 2 1 $((2 * WPW))" "s12 1 2 $((2 * WPW))" "w12 1 2 $((2 * WPW))")
declare -A best
for r in $(seq "$REPEATS"); do
  for c in "${configs[@]}"; do
    set -- $c
    if [ "$1" = w21 ] || [ "$1" = w12 ]; then continue; fi # the same runs as s21, s12 (2 x WPW windows)
    v=$(run1 "$2" "$3" "$4")
    if [ -z "${best[$1]:-}" ] || awk -v a="$v" -v b="${best[$1]}" 'BEGIN{exit !(a<b)}'; then best[$1]=$v; fi
  done
done
best[w21]=${best[s21]}; best[w12]=${best[s12]}
echo "### Scaling of spikefit fit (N = $N, B = $B, T = 400, synthetic target, $ITERS iterations, minimum over $REPEATS interleaved rounds${EXTRA:+, $EXTRA}; load average $(cut -d' ' -f1-3 /proc/loadavg))"
echo
echo "| ranks x threads | strong: windows | s/it | speed-up | weak: windows | s/it | efficiency |"
echo "|---|---|---|---|---|---|---|"
for pt in "1 1" "2 1" "1 2"; do
  set -- $pt
  k=$(($1 * $2)); s=${best[s$1$2]}; w=${best[w$1$2]}
  echo "| $1 x $2 | $((2 * WPW)) | $s | $(awk -v a="${best[s11]}" -v b="$s" 'BEGIN{printf "%.2f", a/b}') | $((k * WPW)) | $w | $(awk -v a="${best[w11]}" -v b="$w" 'BEGIN{printf "%.2f", a/b}') |"
done
