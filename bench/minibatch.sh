#!/bin/bash
# Minibatch steps over ranks (issue 15 item 1): 1 rank vs 2 ranks for fits whose optimiser
# steps are smaller than the iteration.
#   - the default command (the recipe: batches of 4 windows below 256 neurons, so that a step
#     of K >= 16 windows is about K/4 chunks the ranks share) on every shipped recording and on
#     the synthetic recording of jobs/recordings_table.sh, ITERS iterations and a one-window
#     held-out evaluation (-fit_eval_windows 1: the evaluation is not what is measured);
#   - fits with small steps and the default batch of 16: the retina options file (K = 4) and
#     the quick start with K = 2, whole chunks (-fit_step_split 1, the default: one chunk per
#     step, nothing to share) and each step cut in two (-fit_step_split 2, the retina file's
#     own since the seventh round of bench/RESULTS.md); the option given here overrides the file's.
# Prints a markdown table: the smallest monitor s/it over iterations 2..end (the steady-state
# iteration) and the wall time of the whole command, for each of REPEATS interleaved rounds
# (the machine is shared, so every run is listed, with the load average), and the 2-rank
# speed-up of the steady-state iteration within each round.
# Usage: bench/minibatch.sh [SPIKEFIT] [SRC]   ITERS=3 (recipe) RITERS=20 (retina options)
#        QITERS=300 (quick start) REPEATS=2 CASES="adult p15a demas kirkby synthetic retina quick"
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
sf=$(readlink -f "${1:-$here/../build/spikefit}")
src=$(readlink -f "${2:-$here/..}")
ITERS=${ITERS:-3}; RITERS=${RITERS:-20}; QITERS=${QITERS:-300}; REPEATS=${REPEATS:-2}
CASES=${CASES:-adult p15a demas kirkby synthetic retina quick}
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
# the AVX-512 kernels, as the other bench scripts (OpenBLAS 0.3.21 falls back to older ones on
# this VM's CPU; their DGEMM with a few rows is 1.5-2.5x slower per window)
if [ -z "${OPENBLAS_CORETYPE:-}" ] && grep -q avx512f /proc/cpuinfo; then export OPENBLAS_CORETYPE=SkylakeX; fi
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
work=$(mktemp -d)
data=$src/inputs/data
mpirun -n 1 "$sf" generate -o "$work/gt.h5" -gen_seed 0 > /dev/null
if [[ " $CASES " == *" synthetic "* ]]; then
  mpirun -n 1 "$sf" generate -o "$work/truth50.h5" -gen_n 50 -gen_duration_ms 200000 -gen_seed 1 > /dev/null
  /usr/bin/python3 "$here/make_recording.py" --from-truth "$work/truth50.h5" "$work/synthetic.h5" 30 > /dev/null
fi
recipe=(-fit_iters "$ITERS" -fit_eval_windows 1)
adult=(-data "$data/Wong1993_Adult.h5" -data_holdout 20000 "${recipe[@]}")
p15a=(-data "$data/Wong1993_P15a.h5" -data_holdout 180000 "${recipe[@]}")
demas=(-data "$data/Demas2003_6WK_CTRL_MD3_1A.h5" -data_holdout 72000 "${recipe[@]}")
kirkby=(-data "$data/Kirkby2013_04_WT_P5.h5" -data_holdout 120000 "${recipe[@]}")
synthetic=(-data "$work/synthetic.h5" -data_holdout 24000 "${recipe[@]}")
retina=(-options_file "$src/inputs/retina/wong1993_adult.opts" -data "$data/Wong1993_Adult.h5" -fit_iters "$RITERS")
quick=(-data "$work/gt.h5" -fit_windows_per_step 2 -fit_iters "$QITERS")
# name split: the case's options come from its name (split "-": the recipe's own choices)
cases=()
for c in $CASES; do
  case $c in
    retina | quick) cases+=("$c 1" "$c 2") ;;
    *) cases+=("$c -") ;;
  esac
done
one() { # NAME P S -> "wall s/it load K B"
  local -n opts=$1
  local a b out sit split=()
  [ "$3" = - ] || split=(-fit_step_split "$3")
  a=$(date +%s.%N)
  out=$(mpirun -n "$2" --bind-to none "$sf" fit "${opts[@]}" "${split[@]}" -o "$work/run.h5")
  b=$(date +%s.%N)
  sit=$(awk '/ s\/it/{for(i=1;i<=NF;i++) if($i=="s/it") {k++; v=$(i-1); if(k>1 && (m=="" || v<m)) m=v}} END{print m}' <<< "$out")
  echo "$(awk -v a="$a" -v b="$b" 'BEGIN{printf "%.1f", b - a}') $sit $(cut -d' ' -f1 /proc/loadavg)" \
    "$(h5dump -a /step_windows_per_rank "$work/run.h5" | grep -o '(0): [0-9]*' | cut -d' ' -f2)"
}
declare -A res
for r in $(seq "$REPEATS"); do
  for c in "${cases[@]}"; do
    set -- $c
    for p in 1 2; do res["$1 $p $2 $r"]=$(one "$1" "$p" "$2"); done
  done
done
echo "### Minibatch steps over ranks ($(date -u +%Y-%m-%dT%H:%MZ); recipe $ITERS iterations, retina options $RITERS, quick start $QITERS; one thread per rank)"
echo
echo "| fit | -fit_step_split | round | 1 rank s/it | 2 ranks s/it | speed-up (s/it) | windows of a step per rank (1 / 2 ranks) | wall s (1 / 2 ranks) | load avg after (1 / 2) |"
echo "|---|---|---|---|---|---|---|---|---|"
for c in "${cases[@]}"; do
  set -- $c
  for r in $(seq "$REPEATS"); do
    read -r w1 s1 l1 k1 <<< "${res["$1 1 $2 $r"]}"
    read -r w2 s2 l2 k2 <<< "${res["$1 2 $2 $r"]}"
    sp=$([ "$2" = - ] && echo "recipe's (1)" || echo "$2")
    echo "| $1 | $sp | $r | $s1 | $s2 | $(awk -v a="$s1" -v b="$s2" 'BEGIN{printf "%.2fx", a / b}') | $k1 / $k2 | $w1 / $w2 | $l1 / $l2 |"
  done
done
rm -rf "$work"
