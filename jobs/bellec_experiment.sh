#!/usr/bin/env bash
# The Bellec et al. experiment on synthetic data: a ground truth of N = 100 LIF neurons (80%
# excitatory, spread over the indices), of which the first 30 are recorded; fits with the
# Bernoulli likelihood alone and with likelihood + sample-and-measure (PSTH and noise
# covariances), each without and with 20 hidden neurons. postprocess/bellec_table.py then
# reports weight recovery among the recorded neurons, PSTH and noise-correlation fit, and the
# stability of the free-running fitted network.
# usage: jobs/bellec_experiment.sh [OUTDIR] [RANKS]   (defaults: bellec, 2)
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-bellec}
ranks=${2:-2}
sf=${SPIKEFIT:-${BUILD_DIR:-$src/build}/spikefit}
N=${BELLEC_N:-100}; R=${BELLEC_RECORDED:-30}; H=${BELLEC_HIDDEN:-20}; iters=${BELLEC_ITERS:-100}; windows=${BELLEC_WINDOWS:-20}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} OPENBLAS_NUM_THREADS=1
mkdir -p "$out"
start=$(date +%s)
"$sf" generate -o "$out/truth.h5" -gen_n "$N" -gen_exc_fraction 0.8 -gen_seed 0 > "$out/truth.log"
common=(fit -data "$out/truth.h5" -fit_recorded "$R" -fit_iters "$iters" -fit_windows "$windows" -fit_eval_windows 20 -fit_quiet)
for hidden in 0 "$H"; do
  mpirun -n "$ranks" "$sf" "${common[@]}" -fit_hidden "$hidden" -loss bnll -o "$out/bnll_h$hidden.h5" > "$out/bnll_h$hidden.log"
  mpirun -n "$ranks" "$sf" "${common[@]}" -fit_hidden "$hidden" -loss_weights bnll:1,sm:10 -o "$out/bnll_sm_h$hidden.h5" > "$out/bnll_sm_h$hidden.log"
  echo "bellec: hidden $hidden done ($(( $(date +%s) - start )) s)"
done
/usr/bin/python3 "$src/postprocess/bellec_table.py" "$out" > "$out/table.md"
cat "$out/table.md"
echo "bellec: $(( $(date +%s) - start )) s in all"
