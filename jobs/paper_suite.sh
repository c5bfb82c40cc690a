#!/usr/bin/env bash
# The source paper's experiment grid: 4 ground-truth seeds x 5 initial models x
# {frd, vrd, mix, adaptive} x {Adam, SGD}, 20 iterations each (inputs/paper/*.opts). The 5
# initial models of a configuration run as restarts over the MPI ranks (-fit_restarts 5);
# every run is then judged with `spikefit analyze` (and `spikefit glm` for the baseline when
# the build has it), and postprocess/paper_table.py writes the summary table.
# usage: jobs/paper_suite.sh [OUTDIR] [RANKS]    (defaults: paper_suite, 2)
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-paper_suite}
ranks=${2:-2}
sf=${SPIKEFIT:-${BUILD_DIR:-$src/build}/spikefit}
seeds=${SUITE_SEEDS:-"0 1 2 3"}
losses=${SUITE_LOSSES:-"frd vrd mix adaptive"}
optims=${SUITE_OPTIMS:-"adam sgd"}
restarts=${SUITE_RESTARTS:-5}
iters=${SUITE_ITERS:-20}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} OPENBLAS_NUM_THREADS=1
mkdir -p "$out"
start=$(date +%s)
for s in $seeds; do
  "$sf" generate -o "$out/gt_seed$s.h5" -gen_seed "$s" > /dev/null
  for loss in $losses; do
    for opt in $optims; do
      run="$out/seed${s}_${loss}_${opt}.h5"
      mpirun -n "$ranks" "$sf" fit -options_file "$src/inputs/paper/lif_${loss}_${opt}.opts" -data "$out/gt_seed$s.h5" \
        -fit_restarts "$restarts" -fit_iters "$iters" -fit_quiet -o "$run" > "$run.log"
      "$sf" analyze "$run" > /dev/null
      echo "paper_suite: seed $s $loss $opt done ($(( $(date +%s) - start )) s)"
    done
  done
  # the GLM baseline, fitted to each ground truth's evaluation spikes
  if "$sf" glm -help > /dev/null 2>&1; then
    "$sf" glm "$out/seed${s}_frd_adam.h5" > "$out/seed${s}_glm.log" 2>&1 || echo "paper_suite: glm failed for seed $s (see $out/seed${s}_glm.log)"
  fi
done
/usr/bin/python3 "$src/postprocess/paper_table.py" "$out" > "$out/table.md"
/usr/bin/python3 "$src/postprocess/paper_figures.py" "$out"
cat "$out/table.md"
echo "paper_suite: $(( $(date +%s) - start )) s in all; table in $out/table.md"
