# Gradient check by an independent implementation: tests/python/check_gradient.py re-simulates
# /gradient_check of a 1-iteration fit from SCIENCE.md's equations (numpy, its own adjoint and
# complex-step derivatives) and compares output, loss and every gradient block.
# ctest runs it as `bash gradient_check_python.sh SPIKEFIT SRC WORK`.
source "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
CHECK="$SRC/tests/python/check_gradient.py"
TOL=${GRADIENT_CHECK_TOL:-1e-6}
[ -x "$PY" ] || fail "$PY not found: install the Debian packages python3 python3-numpy python3-h5py"
"$PY" -c 'import numpy, h5py' 2> /dev/null \
  || fail "$PY lacks numpy or h5py: install the Debian packages python3-numpy python3-h5py"

run 1 generate -o gt.h5 > /dev/null
# case NAME FIT-OPTIONS...: a 1-iteration fit saving its gradient, then the checker
failed=""
case_() {
  local name=$1; shift
  run 1 fit -data gt.h5 -o "$name.h5" -fit_iters 1 -fit_save_gradient -fit_quiet "$@" > "$name.fit.txt" 2>&1 \
    || { cat "$name.fit.txt"; fail "$name: spikefit fit $* failed"; }
  if "$PY" "$CHECK" "$name.h5" "$TOL" > "$name.check.txt" 2>&1; then
    cat "$name.check.txt"
  else
    cat "$name.check.txt"; echo "FAIL: $name ($*)" >&2; failed="$failed $name"
  fi
}
case_ frd      -loss frd
case_ vrd      -loss vrd
case_ mix      -loss mix
case_ adaptive -loss adaptive
case_ vrd_tau10 -loss vrd -loss_vr_tau 10
case_ frd_wps1  -loss frd -fit_windows_per_step 1
case_ mix_nodale -loss mix -fit_dale false
case_ bnll     -loss bnll
case_ pnll     -loss pnll
case_ weighted -loss_weights frd:0.3,vrd:0.5,bnll:0.7,pnll:1.1
# hidden neurons: 8 of the truth's 12 recorded, 3 hidden in the model (their gradients too)
case_ hidden_mix -loss mix -fit_recorded 8 -fit_hidden 3
case_ hidden_bnll -loss bnll -fit_hidden 2
# teacher forcing: the likelihood on a run driven by the recorded spikes; a weighted loss
# adds a free-running run for its other terms
case_ bnll_forced -loss bnll -loss_teacher_forcing
case_ pnll_forced_hidden -loss pnll -loss_teacher_forcing -fit_recorded 9 -fit_hidden 2
case_ weighted_forced -loss_weights frd:0.3,vrd:0.5,bnll:0.7 -loss_teacher_forcing
# a corrupted gradient must be caught (the checker is not vacuous)
cp frd.h5 broken.h5
"$PY" - broken.h5 << 'EOF' || fail "could not corrupt broken.h5"
import sys, h5py
with h5py.File(sys.argv[1], "r+") as f:
    d = f["gradient_check/grad/tau_g"]; v = d[()]; v[3] *= 1 + 1e-4; d[...] = v
EOF
if "$PY" "$CHECK" broken.h5 "$TOL" > broken.check.txt 2>&1; then
  cat broken.check.txt; fail "the checker accepted a gradient with tau_g[3] off by 1e-4"
fi
grep -q "MISMATCH tau_g\[3\]" broken.check.txt || { cat broken.check.txt; fail "the checker did not name tau_g[3]"; }
[ -z "$failed" ] || fail "gradient mismatch in:$failed"
echo "gradient_check_python: all cases pass"
