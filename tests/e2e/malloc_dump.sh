# Leaks: every subcommand run under -malloc_dump frees everything it allocated. PETSc reports
# each block still allocated at PetscFinalize as "[r] N bytes FUNC() at FILE:LINE" (and
# older versions a "Total space allocated" line); a clean run prints neither.
source "$(dirname "$0")/lib.sh"
DATA=$SRC/inputs/data
# leaks COMMAND...: runs spikefit COMMAND... on 2 ranks under -malloc_dump; fails on any report
leaks() {
  local rc=0
  mpirun -n 2 "$SPIKEFIT" "$@" -malloc_dump > leak.txt 2>&1 || rc=$?
  [ "$rc" = 0 ] || { cat leak.txt; fail "spikefit $* exited $rc"; }
  if grep -E '^\[ *[0-9]+\] *[0-9]+ bytes |Total space allocated|malloc_dump' leak.txt; then fail "spikefit $* leaks (above)"; fi
  echo "no leak: spikefit $*"
}
leaks generate -o gt.h5 -gen_duration_ms 4000
# a synthetic fit with the gradient check, hidden neurons, validation and a checkpoint
leaks fit -data gt.h5 -o hid.h5 -fit_iters 2 -fit_windows 4 -fit_quiet -fit_save_gradient -fit_hidden 2 -ckpt_every 1 -ckpt_file hid.ckpt
leaks fit -data gt.h5 -o hid2.h5 -fit_iters 3 -fit_windows 4 -fit_quiet -fit_hidden 2 -resume hid.ckpt -ckpt_file hid2.ckpt
leaks fit -data gt.h5 -o run.h5 -fit_iters 2 -fit_windows 4 -fit_quiet -fit_save_gradient -loss sm
# a recording with a held-out span, hidden neurons and the gradient check
leaks fit -data "$DATA/Wong1993_Adult.h5" -data_t1 12000 -data_holdout 2000 -o rec.h5 -fit_iters 2 -fit_quiet -fit_hidden 1 -fit_save_gradient
leaks fit -data gt.h5 -o rs.h5 -fit_iters 1 -fit_windows 2 -fit_quiet -fit_restarts 2
leaks analyze run.h5
leaks glm run.h5
leaks landscape -data gt.h5 -o land.h5 -land_nx 3 -land_ny 2 -fit_windows 2
echo "malloc_dump: no leaks"
