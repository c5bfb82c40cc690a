#!/usr/bin/env bash
# The quick start: installs what is missing, builds, generates the source paper's 12-neuron
# ground truth (seed 0), fits it, and prints the summary. Output goes to quickstart/ (or $1).
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$PWD/quickstart}
iters=${QUICKSTART_ITERS:-200}
bash "$src/jobs/install_deps.sh"
bash "$src/jobs/build.sh"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1
mkdir -p "$out"
sf="${BUILD_DIR:-$src/build}/spikefit"
"$sf" generate -o "$out/gt_seed0.h5" -gen_seed 0
# the default options (frd loss, Adam, 10 windows of 400 ms per iteration) with more iterations
mpirun -n "${QUICKSTART_RANKS:-1}" "$sf" fit -data "$out/gt_seed0.h5" -o "$out/run_seed0.h5" -fit_iters "$iters" -fit_quiet false \
  | awk -v n="$iters" '/^it /{ if (++k <= 3 || k > n - 3) print; else if (k == 4) print "  ..."; next } { print }'
echo "quickstart: results in $out/run_seed0.h5 (layout: docs/FORMAT.md)"
