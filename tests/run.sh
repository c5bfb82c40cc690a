#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test (CMocka units, MPI and end-to-end).
# Extra arguments go to ctest (e.g. -L unit, -LE slurm).
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
bash "$src/jobs/install_deps.sh"
bash "$src/jobs/build.sh"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
cd "${BUILD_DIR:-$src/build}"
ctest --output-on-failure --timeout 1500 "$@"
