#!/bin/bash
# Minibatch steps over ranks (issue 15 item 1): 1 rank vs 2 ranks for fits whose optimiser
# steps are smaller than the iteration, with whole chunks (-fit_step_split 1, the default) and
# with each step cut in two (-fit_step_split 2). Prints a markdown table: the wall time of the
# whole command and the smallest monitor s/it over iterations 2..end, for each of REPEATS
# interleaved rounds (the machine is shared, so every run is listed, with the load average).
# Usage: bench/minibatch.sh [SPIKEFIT] [SRC]   ITERS=20 (retina) QITERS=300 (quick start) REPEATS=2
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
sf=$(readlink -f "${1:-$here/../build/spikefit}")
src=$(readlink -f "${2:-$here/..}")
ITERS=${ITERS:-20}; QITERS=${QITERS:-300}; REPEATS=${REPEATS:-2}
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
work=$(mktemp -d)
mpirun -n 1 "$sf" generate -o "$work/gt.h5" -gen_seed 0 > /dev/null
retina=(-options_file "$src/inputs/retina/wong1993_adult.opts" -data "$src/inputs/data/Wong1993_Adult.h5" -fit_iters "$ITERS")
quick=(-data "$work/gt.h5" -fit_windows_per_step 2 -fit_iters "$QITERS")
# name ranks split: the case's options come from its name
cases=("retina 1 1" "retina 2 1" "retina 1 2" "retina 2 2" "quick 1 1" "quick 2 1" "quick 1 2" "quick 2 2")
one() { # NAME P S -> "wall s/it load"
  local -n opts=$1
  local a b sit
  a=$(date +%s.%N)
  sit=$(mpirun -n "$2" --bind-to none "$sf" fit "${opts[@]}" -fit_step_split "$3" -o "$work/run.h5" |
    awk '/ s\/it/{for(i=1;i<=NF;i++) if($i=="s/it") {k++; v=$(i-1); if(k>1 && (m=="" || v<m)) m=v}} END{print m}')
  b=$(date +%s.%N)
  echo "$(awk -v a="$a" -v b="$b" 'BEGIN{printf "%.2f", b - a}') $sit $(cut -d' ' -f1 /proc/loadavg)"
}
declare -A res
for r in $(seq "$REPEATS"); do
  for c in "${cases[@]}"; do
    set -- $c
    res["$1 $2 $3 $r"]=$(one "$1" "$2" "$3")
  done
done
echo "### Minibatch steps over ranks ($(date -u +%Y-%m-%dT%H:%MZ), retina $ITERS iterations, quick start $QITERS, one thread per rank)"
echo
echo "| fit | -fit_step_split | ranks | run | wall s | best s/it | load avg (1 min, after the run) | speed-up (wall) |"
echo "|---|---|---|---|---|---|---|---|"
for c in "${cases[@]}"; do
  set -- $c
  for r in $(seq "$REPEATS"); do
    read -r w s l <<< "${res["$1 $2 $3 $r"]}"
    read -r w1 _ _ <<< "${res["$1 1 $3 $r"]}"
    echo "| $1 | $3 | $2 | $r | $w | $s | $l | $(awk -v a="$w1" -v b="$w" 'BEGIN{printf "%.2fx", a / b}') |"
  done
done
rm -rf "$work"
