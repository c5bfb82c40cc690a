#!/bin/bash
# Runs the simulator benchmark (bench_sim, C) and the PyTorch version of the same model and
# loss (bench/torch_lif.py) on one core, and writes the markdown tables to OUT (default
# bench/results_latest.md). Usage: bench/run_bench.sh [BUILD_DIR] [OUT]
#   NS="12 200 1000 2000" BS="0 1 16 64" TORCH_NS="12 200 1000" TORCH_BS="1 16 64" MIN_TIME=0.5
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build-perf}
out=${2:-$here/results_latest.md}
NS=${NS:-"12 200 1000 2000"}
BS=${BS:-"0 1 16 64"}
TORCH_NS=${TORCH_NS:-"12 200 1000"}
TORCH_BS=${TORCH_BS:-"1 16 64"}
MIN_TIME=${MIN_TIME:-0.5}
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
# OpenBLAS 0.3.21 does not recognise some recent Xeons (e.g. CPU model 207 under KVM) and falls
# back to its Prescott (SSE3) kernels, 4-5x slower; pick the AVX-512 kernels when the CPU has them.
if [ -z "${OPENBLAS_CORETYPE:-}" ] && grep -q avx512f /proc/cpuinfo; then export OPENBLAS_CORETYPE=SkylakeX; fi
comma() { echo "$*" | tr ' ' ','; }
{
  echo "## Simulator benchmark ($(date -u +%Y-%m-%dT%H:%MZ), $(hostname))"
  echo
  echo "Machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc --all) cores, $(free -g | awk '/Mem:/{print $2}') GiB;" \
       "load average before the run: $(cut -d' ' -f1-3 /proc/loadavg); OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-auto}"
  echo
  echo "### Double precision, full tape"
  "$build/bench/bench_sim" -n "$(comma $NS)" -B "$(comma $BS)" -min_time "$MIN_TIME"
  echo
  echo "### Single-precision products (-sim_precision single)"
  "$build/bench/bench_sim" -n "$(comma $NS)" -B "$(comma ${BS/0 /})" -min_time "$MIN_TIME" -precision single
  echo
  echo "### Tape stride 20 (-sim_tape_stride 20, about sqrt(400))"
  "$build/bench/bench_sim" -n "$(comma $NS)" -B 16,64 -min_time "$MIN_TIME" -stride 20
  echo
  echo "### PyTorch (autograd, same model and loss, same thread count)"
  if /usr/bin/python3 -c "import torch" 2> /dev/null; then
    /usr/bin/python3 "$here/torch_lif.py" --n $TORCH_NS --B $TORCH_BS --min_time "$MIN_TIME"
  else
    echo "(python3-torch is not installed: apt-get install -y python3-torch)"
  fi
} | tee "$out"
