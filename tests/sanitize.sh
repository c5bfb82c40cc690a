#!/usr/bin/env bash
# AddressSanitizer + UndefinedBehaviorSanitizer build of the core, the CMocka unit tests and a
# short end-to-end run (generate, a 2-iteration fit on 1 and 2 ranks with a checkpoint and a
# resume, a recording fit with a holdout, analyze): any report fails. Leak detection is off:
# Open MPI, PETSc and OpenBLAS keep allocations until exit that are not ours (spikefit's own
# leaks are caught by e2e_malloc_dump through PETSc's -malloc_dump).
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${ASAN_BUILD_DIR:-$src/build-asan}
flags="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
mkdir -p "$build"
cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS="$flags -O1 -g" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" > "$build/configure.log" 2>&1 || { cat "$build/configure.log"; exit 1; }
cmake --build "$build" -j "$(nproc)" > "$build/build.log" 2>&1 || { grep -E "error" "$build/build.log" | head -40; exit 1; }
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:halt_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export OMPI_MCA_btl_vader_single_copy_mechanism=none OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
cd "$build"
ctest --output-on-failure -L unit
work=$build/sanitize_work
rm -rf "$work" && mkdir -p "$work" && cd "$work"
sf=$build/spikefit
log=$work/e2e.log
{
  "$sf" generate -o gt.h5 -gen_duration_ms 4000
  "$sf" fit -data gt.h5 -o r1.h5 -fit_iters 2 -fit_windows 2 -fit_save_gradient -fit_hidden 2
  mpirun -n 2 "$sf" fit -data gt.h5 -o r2.h5 -fit_iters 2 -fit_windows 2 -ckpt_every 1 -ckpt_file ck.h5
  mpirun -n 2 "$sf" fit -data gt.h5 -o r3.h5 -fit_iters 3 -fit_windows 2 -ckpt_file ck2.h5 -resume ck.h5
  "$sf" fit -data "$src/inputs/data/Wong1993_Adult.h5" -data_t1 24000 -data_holdout 4000 -fit_iters 1 -o rec.h5
  "$sf" analyze r1.h5
  "$sf" glm rec.h5
} > "$log" 2>&1 || { tail -60 "$log"; echo "sanitize: an end-to-end run failed or a sanitizer reported (log: $log)"; exit 1; }
if grep -E "ERROR: AddressSanitizer|runtime error:" "$log"; then echo "sanitize: reports in $log"; exit 1; fi
echo "sanitize: unit tests and end-to-end runs clean under ASan + UBSan"
