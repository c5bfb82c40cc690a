#!/bin/bash
# The issue-7 targets measured side by side in one run, one core (OpenBLAS and OpenMP at one
# thread, PyTorch at one thread), printing markdown with the load average beside each
# measurement. Timings are minima over repetitions (the machine is shared).
#   1. the paper's configuration, N = 12, 10 windows of 400 steps: bench_sim kernels, a whole
#      `spikefit fit` iteration, the seed-style PyTorch (per-step loop, per-window backward),
#      batched PyTorch (B = 10), Brian2's forward simulation;
#   2. N = 1000, B = 64 windows of 400 steps: bench_sim double and single, PyTorch float64,
#      Brian2's forward simulation;
#   3. ranks x threads: bench/scaling.sh.
# Usage: bench/targets.sh [BUILD_DIR]    (about 6-10 minutes)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(readlink -f "${1:-$here/../build-perf}")
sf=$build/spikefit
bs=$build/bench/bench_sim
py=/usr/bin/python3
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
echo "### 1. Paper configuration: N = 12, 10 windows of 400 steps"
echo
load
"$bs" -n 12 -B 0,10 -min_time 0.5 -reps 5
echo
load
mpirun -n 1 "$sf" generate -o "$work/gt12.h5" -gen_seed 1 -gen_n 12 > /dev/null
# the last: the work of the seed's iteration only (the file's spikes as a fixed target, no
# synthetic target simulated per iteration, no validation loss), as the PyTorch rows do
for extra in "" "-fit_validate 0" "-fit_target recorded -fit_validate 0"; do
"$sf" fit -data "$work/gt12.h5" -fit_iters 40 $extra -o "$work/run12.h5" \
  | awk -v extra="$extra" '/ s\/it/{for(i=1;i<=NF;i++) if($i=="s/it") {k++; v=$(i-1); if(k>1){s+=v; c++; if(m==""||v<m) m=v}}}
         END{printf "spikefit fit, N = 12, 10 windows, default options %s: %.1f ms per iteration (mean of iterations 2..40), %.1f ms (minimum)\n", extra, 1e3*s/c, 1e3*m}'
done
echo
load
"$py" "$here/torch_lif.py" --seed_style 10 --seed_n 12 --repeats 3 --n 12 --B 10 --min_time 1 --repeats 5 2>&1 | quiet
echo
load
"$py" "$here/brian_lif.py" --n 12 --windows 10 --repeats 3 --target cython 2>&1 | quiet
echo
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
"$py" "$here/brian_lif.py" --n 1000 --windows 2 --repeats 2 --target cython 2>&1 | quiet
echo
echo "### 3. Ranks x threads"
echo
load
ITERS=${ITERS:-6} REPEATS=${REPEATS:-4} "$here/scaling.sh" "$sf" "$work"
echo
load
EXTRA="-fit_validate 0" ITERS=${ITERS:-6} REPEATS=${REPEATS:-4} "$here/scaling.sh" "$sf" "$work"
echo
load
rm -rf "$work"
