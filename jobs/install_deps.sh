#!/usr/bin/env bash
# Installs the Debian 12 packages spikefit needs (only those missing). Run as root or with sudo.
set -euo pipefail
pkgs=(build-essential cmake pkg-config libopenmpi-dev openmpi-bin petsc-dev libhdf5-openmpi-dev hdf5-tools
      libcmocka-dev libopenblas0-openmp libopenblas-dev librandom123-dev clang-14 libclang-rt-14-dev llvm-14
      libmatio-dev python3-h5py python3-matplotlib python3-numpy python3-scipy)
pkgs+=(strace) # tests/fault/cases_checkpoint.sh kills at given system calls
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install_deps: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" > /tmp/spikefit-apt.log 2>&1 || { tail -30 /tmp/spikefit-apt.log; exit 1; }
fi
