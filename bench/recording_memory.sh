#!/usr/bin/env bash
# Peak memory per rank when fitting a long recording on 2 ranks: each rank reads only the
# spikes of its windows, so the peak must not grow with the recording's length.
# usage: bench/recording_memory.sh [BUILD_DIR]   (results: bench/RESULTS.md)
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
sf=${1:-$src/build}/spikefit
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
for minutes in 10 60; do
  /usr/bin/python3 "$src/bench/make_recording.py" "$work/rec$minutes.h5" 1000 $minutes
  ls -l "$work/rec$minutes.h5" | awk '{printf "file size: %.0f MB\n", $5/1e6}'
  # 8 windows of 400 ms at the end of the recording, 2 iterations, no per-iteration history
  start=$(( minutes * 60000 - 3200 ))
  /usr/bin/time -f "wall %e s" mpirun -n 2 "$sf" fit -data "$work/rec$minutes.h5" -o "$work/run$minutes.h5" -data_t0 $start \
    -fit_iters 2 -fit_save_history false -fit_eval_windows 2 -fit_quiet false 2>&1 | grep -E "peak memory|^it|wall"
done
