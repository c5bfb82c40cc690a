#!/usr/bin/env bash
# Issue 14's targets: the default recipe (`spikefit fit -data REC -data_holdout MS -o RUN.h5`,
# nothing else) on every shipped recording and on a synthetic recording with 40% of its
# neurons hidden (a 50-neuron `spikefit generate` truth, seed 1, 200 s, first 30 units kept),
# the last ~12% of each held out. Prints each held-out table and a line of targets:
#   rate error <= 1.25 x poisson_null's + 0.02; corr r >= 0.7 x data_ceiling's;
#   mean fitted rate within 0.5-2x the recorded mean; max <= max(3 x recorded max, 20 Hz).
# Then the time to that score: the training seconds until the evaluated parameters
# (/params/best) were reached, and the wall time of the whole run.
# usage: jobs/recordings_table.sh [OUTDIR] [RANKS]     (defaults: recordings, 1; ~8 min at 1 rank)
# RECORDINGS_OPTIONS: extra options for every fit (the ablations of docs/RESULTS.md)
# RECORDINGS_ONLY: a regular expression; only the cases whose name matches it run
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-recordings}
ranks=${2:-1}
sf=${SPIKEFIT:-${BUILD_DIR:-$src/build}/spikefit}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} OPENBLAS_NUM_THREADS=1
mkdir -p "$out"
if [ ! -f "$out/synthetic_hidden.h5" ]; then
  "$sf" generate -o "$out/synthetic_truth.h5" -gen_n 50 -gen_duration_ms 200000 -gen_seed 1 > /dev/null
  /usr/bin/python3 "$src/bench/make_recording.py" --from-truth "$out/synthetic_truth.h5" "$out/synthetic_hidden.h5" 30
fi
# name file holdout_ms
cases=("Wong1993_Adult $src/inputs/data/Wong1993_Adult.h5 20000"
       "Wong1993_P15a $src/inputs/data/Wong1993_P15a.h5 180000"
       "Demas2003_6WK_CTRL_MD3_1A $src/inputs/data/Demas2003_6WK_CTRL_MD3_1A.h5 72000"
       "Kirkby2013_04_WT_P5 $src/inputs/data/Kirkby2013_04_WT_P5.h5 120000"
       "synthetic_40pct_hidden $out/synthetic_hidden.h5 24000")
for c in "${cases[@]}"; do
  set -- $c
  [[ "$1" =~ ${RECORDINGS_ONLY:-.} ]] || continue
  run=$out/$1_r$ranks.h5
  a=$(date +%s)
  # shellcheck disable=SC2086
  mpirun -n "$ranks" "$sf" fit -data "$2" -data_holdout "$3" ${RECORDINGS_OPTIONS:-} -o "$run" > "$run.log" 2>&1 || echo "$1: exit $? (see $run.log)"
  b=$(date +%s)
  echo "### $1 ($ranks rank(s), -data_holdout $3, $((b - a)) s)"
  echo
  sed -n '/^evaluation on the held-out data/,/^judge the fit/p' "$run.log" | grep -E "^evaluation|^  [a-z_]+ +[-0-9]"
  awk '/^evaluation on the held-out data/ { for (i = 1; i <= NF; i++) { if ($i == "mean") m = $(i + 1); if ($i == "max") x = $(i + 1) } sub(/Hz.*/, "", m); sub(/Hz.*/, "", x) }
       /^  fitted / { fe = $2; fc = $4; fm = $5; fx = $6 } /^  poisson_null / { pe = $2 } /^  data_ceiling / { cc = $4 }
       END { bar = 1.25 * pe + 0.02; cbar = 0.7 * cc; lim = 3 * x; if (lim < 20) lim = 20
             r1 = "MISSED"; if (fe <= bar) r1 = "MET"; r2 = "MISSED"; if (fc >= cbar) r2 = "MET"
             r3 = "MISSED"; if (fm >= 0.5 * m && fm <= 2 * m) r3 = "MET"; r4 = "MISSED"; if (fx <= lim) r4 = "MET"
             printf "targets: rate error %.3f <= %.3f %s; corr r %.3f >= %.3f %s; mean %.3f in [%.3f, %.3f] %s; max %.2f <= %.2f %s\n",
               fe, bar, r1, fc, cbar, r2, fm, 0.5 * m, 2 * m, r3, fx, lim, r4 }' "$run.log"
  [ -f "$run" ] && /usr/bin/python3 - "$run" "$((b - a))" <<'PY'
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
it = int(f["/params/best"].attrs["iteration"])
secs = f["/loss/seconds"][()]
print("time: the evaluated parameters (/params/best, after iteration %d of %d) reached after %.0f s of training; %s s for the whole run"
      % (it, len(secs), float(np.sum(secs[:it])), sys.argv[2]))
PY
  echo
done
