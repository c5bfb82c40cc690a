# Every option file under inputs/models and inputs/losses runs (one iteration): the models
# on a recording (the generated spikes fitted as data), the losses on the synthetic target.
source "$(dirname "$0")/lib.sh"
run 1 generate -o gt.h5 > /dev/null
for f in "$SRC"/inputs/models/*.opts; do
  m=$(basename "$f" .opts)
  run 1 fit -options_file "$f" -data gt.h5 -fit_target recorded -fit_iters 1 -fit_quiet -o "model_$m.h5" > "model_$m.log" 2>&1 || { cat "model_$m.log"; fail "$f does not run"; }
  h5dump -a /model "model_$m.h5" | grep -q "\"$m\"" || fail "$f did not select model $m"
done
for f in "$SRC"/inputs/losses/*.opts; do
  l=$(basename "$f" .opts)
  run 1 fit -options_file "$f" -data gt.h5 -fit_iters 1 -fit_quiet -o "loss_$l.h5" > "loss_$l.log" 2>&1 || { cat "loss_$l.log"; fail "$f does not run"; }
  h5dump -a /loss "loss_$l.h5" | grep -q "\"${l%_forced}\"" || fail "$f did not select loss ${l%_forced}"
  if [ "$l" != "${l%_forced}" ]; then
    h5dump -a /teacher_forcing "loss_$l.h5" | grep -q "(0): 1" || fail "$f did not select teacher forcing"
  fi
done
echo "inputs: every model and loss option file runs"
# every model has a ground truth (generate -gen_model) that a fit of the same model can target
for m in lif nlif glif slif izh; do
  run 1 generate -o "gt_$m.h5" -gen_model "$m" > /dev/null || fail "generate -gen_model $m failed"
  h5dump -a /truth/model "gt_$m.h5" | grep -q "\"$m\"" || fail "/truth/model is not $m"
  run 1 fit -data "gt_$m.h5" -model "$m" -fit_iters 2 -fit_quiet -o "syn_$m.h5" > "syn_$m.log" 2>&1 || { cat "syn_$m.log"; fail "synthetic fit of $m failed"; }
  h5dump -d /distance/total "syn_$m.h5" > /dev/null || fail "no distance to the $m truth"
done
expect_fail 1 "ground truth of model glif" "$SPIKEFIT" fit -data gt_glif.h5 -o never.h5
echo "inputs: every model has a ground truth"
