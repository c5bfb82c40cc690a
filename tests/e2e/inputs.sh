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
  h5dump -a /loss "loss_$l.h5" | grep -q "\"$l\"" || fail "$f did not select loss $l"
done
echo "inputs: every model and loss option file runs"
