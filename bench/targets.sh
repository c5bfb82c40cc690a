#!/bin/bash
# The issue-7 targets measured side by side in one run, one core (OpenBLAS and OpenMP at one
# thread, PyTorch at one thread), printing markdown with the load average beside each
# measurement. Timings are minima over repetitions (the machine is shared).
#   1. the paper's configuration, N = 12, 10 windows of 400 steps: bench_sim kernels and the
#      floor of the default iteration (its pieces alone), a whole `spikefit fit` iteration, the
#      seed-style PyTorch (per-step loop, per-window backward), batched PyTorch (B = 10),
#      Brian2's forward simulation;
#   2. N = 1000, B = 64 windows of 400 steps: bench_sim double and single, PyTorch float64,
#      Brian2's forward simulation;
#   3. ranks x threads: bench/scaling.sh;
#   4. (issue 15) recording-sized networks, N = 100 and 300, B = 16: bench_sim beside batched
#      PyTorch, with the ratios, the fraction of the one-thread DGEMM rate and the floor (the
#      products alone plus the model's kernels alone);
#   5. (issue 15) minibatch steps over ranks, 1 vs 2 ranks: the recipe on every shipped
#      recording and the synthetic one, then the retina options (K = 4) and the quick start
#      with K = 2, whole chunks and -fit_step_split 2: bench/minibatch.sh.
# Usage: bench/targets.sh [BUILD_DIR]    (about 10-15 minutes; SECTIONS="1 3" runs only those;
#        PY=/path/to/python for the references, default /usr/bin/python3)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(readlink -f "${1:-$here/../build-perf}")
sf=$build/spikefit
bs=$build/bench/bench_sim
py=${PY:-/usr/bin/python3}
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 PYTHONWARNINGS=ignore
if [ -z "${OPENBLAS_CORETYPE:-}" ] && grep -q avx512f /proc/cpuinfo; then export OPENBLAS_CORETYPE=SkylakeX; fi
work=$(mktemp -d)
load() { echo "<!-- load average: $(cut -d' ' -f1-3 /proc/loadavg) -->"; }
quiet() { grep -v -i -E "warning|^ *(if not hasattr|obj = getattr)" || true; }

echo "## Issue-7 targets ($(date -u +%Y-%m-%dT%H:%MZ), $(hostname))"
echo
echo "Machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc --all) cores, $(free -g | awk '/Mem:/{print $2}') GiB;" \
     "OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-auto}; OpenBLAS $(dpkg-query -W -f '${Version}' libopenblas0-pthread 2> /dev/null || echo '?')"
echo
want() { [[ " ${SECTIONS:-1 2 3 4 5} " == *" $1 "* ]]; }
# col FILE N B K: column K of the markdown row "| N | B | ..." in FILE
col() { awk -F'|' -v n="$2" -v b="$3" -v k="$4" '{ gsub(/ /, "", $2); gsub(/ /, "", $3) } $2 == n && $3 == b { v = $(k + 1); gsub(/ /, "", v); print v; exit }' "$1"; }
have_torch() { "$py" -c "import torch" 2> /dev/null; }
have_brian() { "$py" -c "import brian2" 2> /dev/null; }
# the Brian2 reference, or a line saying how to get it
brian() {
  if have_brian; then "$py" "$here/brian_lif.py" "$@" 2>&1 | quiet
  else echo "(python3-brian is not installed: apt-get install -y python3-brian; no Brian row)"; fi
}
if want 1; then
echo "### 1. Paper configuration: N = 12, 10 windows of 400 steps"
echo
load
"$bs" -n 12 -B 0,10 -min_time 0.5 -reps 5 | tee "$work/bs12.md"
echo
# the floor of the default iteration (bench_sim's second table: the pieces alone, ms per 10 windows)
floor12=$(awk -F'|' 'NF == 12 && $2 + 0 == 12 && $3 + 0 == 10 { gsub(/[ *]/, "", $10); print $10; exit }' "$work/bs12.md")
load
mpirun -n 1 "$sf" generate -o "$work/gt12.h5" -gen_seed 1 -gen_n 12 > /dev/null
# ms per iteration by wall clock: (time of 20 + K iterations - time of 20) / K, the median of
# 3 rounds, so that start-up and the first iterations are not counted and every phase of an
# iteration is. K = 2000: the start-up's jitter (tens of ms) moves the difference of the two
# runs by less than 0.02 ms per iteration (with 300 iterations the minimum of 3 differences
# was biased low by up to 0.4 ms: a slow start of the short run). Beside it, in-loop: the
# median of the results file's /loss/seconds over iterations 20..end of the long runs.
fit_ms() {
  local k=${FIT_ITERS:-2000} a b c r vals="" inl=""
  for r in 1 2 3; do
    a=$(date +%s.%N); "$sf" fit -data "$work/gt12.h5" -fit_iters 20 -fit_quiet "$@" -o "$work/run12.h5" > /dev/null; b=$(date +%s.%N)
    "$sf" fit -data "$work/gt12.h5" -fit_iters $((20 + k)) -fit_quiet "$@" -o "$work/run12.h5" > /dev/null; c=$(date +%s.%N)
    vals="$vals $(awk -v a="$a" -v b="$b" -v c="$c" -v k="$k" 'BEGIN{printf "%.4f", ((c - b) - (b - a)) * 1000 / k}')"
    inl="$inl $("$py" -c "import h5py, numpy as np; print('%.4f' % (1e3 * np.median(h5py.File('$work/run12.h5', 'r')['/loss/seconds'][20:])))")"
  done
  echo "$(tr ' ' '\n' <<< "$vals" | sed '/^$/d' | sort -g | sed -n 2p) (in-loop $(tr ' ' '\n' <<< "$inl" | sed '/^$/d' | sort -g | sed -n 2p))"
}
# the last: the work of the seed's iteration only (the file's spikes as a fixed target, no
# synthetic target simulated per iteration, no validation loss), as the PyTorch rows do
fit_default=$(fit_ms); fit_noval=$(fit_ms -fit_validate 0); fit_fixed=$(fit_ms -fit_target recorded -fit_validate 0 -fit_recipe none)
echo "spikefit fit, N = 12, 10 windows (wall clock over ${FIT_ITERS:-2000} iterations, median of 3): default options $fit_default ms per iteration;" \
  "-fit_validate 0 $fit_noval; -fit_target recorded -fit_validate 0 -fit_recipe none (fixed target; without -fit_recipe none the file's spikes would get the recording recipe) $fit_fixed"
echo
load
if have_torch; then
  "$py" "$here/torch_lif.py" --seed_style 10 --seed_n 12 --repeats 3 --n 12 --B 10 --min_time 1 --repeats 5 2>&1 | quiet | tee "$work/torch1.md"
  echo
  seed=$(awk -F'|' '$2 ~ /^ *12 *$/ && NF == 6 { gsub(/ /, "", $4); print $4; exit }' "$work/torch1.md")
  # the batched table's row (5 columns; the seed-style table's "| 12 | 10 |" row has 4)
  batched=$(awk -F'|' '$2 ~ /^ *12 *$/ && $3 ~ /^ *10 *$/ && NF == 7 { gsub(/ /, "", $6); printf "%.1f", 10 * $6; exit }' "$work/torch1.md")
  echo "| spikefit iteration | ms | batched PyTorch (B = 10, 10 x ms/window) / spikefit (target >= 100, default) | seed-style PyTorch / spikefit |"
  echo "|---|---|---|---|"
  for row in "default:$fit_default" "-fit_validate 0:$fit_noval" "fixed target:$fit_fixed"; do
    awk -v r="${row%%:*}" -v f="${row##*:}" -v b="$batched" -v s="$seed" 'BEGIN { split(f, v, " "); printf "| %s | %s | %.0fx (%s ms) | %.0fx |\n", r, f, b / v[1], b, s / v[1] }'
  done
  [ -n "$floor12" ] && awk -v f="$floor12" -v b="$batched" -v s="$seed" \
    'BEGIN { printf "| floor of the default iteration (bench_sim: its pieces alone) | %s | %.0fx (%s ms) | %.0fx |\n", f, b / f, b, s / f }'
else
  echo "(python3-torch is not installed: apt-get install -y python3-torch; no ratio)"
fi
echo
load
brian --n 12 --windows 10 --repeats 3 --target cython
echo
fi
if want 2; then
echo "### 2. N = 1000, B = 64 windows of 400 steps, one core"
echo
load
"$bs" -n 1000 -B 64 -min_time 0 -reps 3
echo
load
"$bs" -n 1000 -B 64 -min_time 0 -reps 2 -precision single
echo
load
"$py" "$here/torch_lif.py" --n 1000 --B 64 --min_time 0 --repeats 2 2>&1 | quiet
echo
load
brian --n 1000 --windows 2 --repeats 2 --target cython
echo
fi
if want 3; then
echo "### 3. Ranks x threads"
echo
load
ITERS=${ITERS:-6} REPEATS=${REPEATS:-4} "$here/scaling.sh" "$sf" "$work"
echo
load
EXTRA="-fit_validate 0" ITERS=${ITERS:-6} REPEATS=${REPEATS:-4} "$here/scaling.sh" "$sf" "$work"
echo
load
fi
if want 4; then
echo "### 4. Recording-sized networks: N = 100 and 300, B = 16 windows of 400 steps, one core"
echo
load
"$bs" -n 100,300 -B 16 -min_time 1 -reps 5 | tee "$work/sim4.md"
echo
if have_torch; then
  load
  "$py" "$here/torch_lif.py" --n 100 300 --B 16 --min_time 1 --repeats 3 2>&1 | quiet | tee "$work/torch4.md"
  echo
  echo "| N | spikefit ms/window-iteration | PyTorch ms/window-iteration | PyTorch / spikefit (target >= 8 at N = 100) | of DGEMM (target >= 0.7) | the products alone, ms (their GFLOP/s) | PyTorch / products alone | the model kernels alone, ms | floor: products + kernels, of DGEMM | the tape's traffic alone, ms | products + kernels + tape / iteration |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|"
  for n in 100 300; do
    a=$(col "$work/sim4.md" "$n" 16 5); b=$(col "$work/torch4.md" "$n" 16 5); d=$(col "$work/sim4.md" "$n" 16 7)
    f=$(col "$work/sim4.md" "$n" 16 12); g=$(col "$work/sim4.md" "$n" 16 13)
    k=$(col "$work/sim4.md" "$n" 16 15); h=$(col "$work/sim4.md" "$n" 16 16)
    p=$(col "$work/sim4.md" "$n" 16 17); q=$(col "$work/sim4.md" "$n" 16 18)
    awk -v n="$n" -v a="$a" -v b="$b" -v d="$d" -v f="$f" -v g="$g" -v k="$k" -v h="$h" -v p="$p" -v q="$q" 'BEGIN { printf "| %d | %s | %s | %.1f | %s | %s (%s) | %.1f | %s | %s | %s | %s |\n", n, a, b, b / a, d, f, g, b / f, k, h, p, q }'
  done
else
  echo "(python3-torch is not installed: apt-get install -y python3-torch; no ratio)"
fi
echo
fi
if want 5; then
echo "### 5. Minibatch steps over ranks"
echo
load
"$here/minibatch.sh" "$sf" "$here/.."
echo
fi
rm -rf "$work"
