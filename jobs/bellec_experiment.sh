#!/usr/bin/env bash
# The Bellec et al. experiment on synthetic data: a ground truth of N = 100 LIF neurons (80%
# excitatory, spread over the indices), of which the first 30 are recorded; fits with the
# Bernoulli likelihood free-running and teacher-forced (-loss_teacher_forcing), and with the
# likelihood + sample-and-measure (PSTH and noise covariances of free-running samples) at
# several sm weights, each without and with 20 hidden neurons and from several initial
# models. postprocess/bellec_table.py then reports, as mean +- sd over the initial models,
# weight recovery among the recorded neurons, PSTH and noise-correlation fit, and the
# stability of the free-running fitted network.
# usage: jobs/bellec_experiment.sh [OUTDIR] [RANKS]   (defaults: bellec, 2)
# BELLEC_SEEDS (default "0 1 2"), BELLEC_SM_WEIGHTS (default "1 10 100"), BELLEC_N, _RECORDED,
# _HIDDEN, _ITERS, _WINDOWS change the design.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-bellec}
ranks=${2:-2}
sf=${SPIKEFIT:-${BUILD_DIR:-$src/build}/spikefit}
N=${BELLEC_N:-100}; R=${BELLEC_RECORDED:-30}; H=${BELLEC_HIDDEN:-20}; iters=${BELLEC_ITERS:-100}; windows=${BELLEC_WINDOWS:-20}
seeds=${BELLEC_SEEDS:-0 1 2}; smw=${BELLEC_SM_WEIGHTS:-1 10 100}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} OPENBLAS_NUM_THREADS=1
mkdir -p "$out"
rm -f "$out"/*_h*_s*.h5
start=$(date +%s)
"$sf" generate -o "$out/truth.h5" -gen_n "$N" -gen_exc_fraction 0.8 -gen_seed 0 > "$out/truth.log"
common=(fit -data "$out/truth.h5" -fit_recorded "$R" -fit_iters "$iters" -fit_windows "$windows" -fit_eval_windows 20 -fit_quiet)
# fit NAME OPTIONS...: one fit per hidden count and seed, results NAME_hH_sS.h5
fit() {
  local name=$1; shift
  for hidden in 0 "$H"; do
    for seed in $seeds; do
      mpirun -n "$ranks" "$sf" "${common[@]}" -fit_hidden "$hidden" -fit_seed "$seed" "$@" -o "$out/${name}_h${hidden}_s${seed}.h5" > "$out/${name}_h${hidden}_s${seed}.log"
    done
  done
  echo "bellec: $name done ($(( $(date +%s) - start )) s)"
}
fit bnll -loss bnll
fit bnll-tf -loss bnll -loss_teacher_forcing
fit bnll+sm10 -loss_weights bnll:1,sm:10
for w in $smw; do
  fit "bnll-tf+sm$w" -loss_weights "bnll:1,sm:$w" -loss_teacher_forcing
done
/usr/bin/python3 "$src/postprocess/bellec_table.py" "$out" > "$out/table.md"
cat "$out/table.md"
echo "bellec: $(( $(date +%s) - start )) s in all"
