# The default recipe for a recording: its choices are printed, explicit options override
# them, -fit_recipe none turns it off, its choices enter the checkpoint hash, and a default
# recording fit is bit-identical on 1 and 2 ranks.
source "$(dirname "$0")/lib.sh"
DATA=$SRC/inputs/data
rec=(fit -data "$DATA/Wong1993_Adult.h5" -data_t1 24000 -data_holdout 4000 -fit_iters 2)
run 1 "${rec[@]}" -o r1.h5 > r1.log
run 2 "${rec[@]}" -o r2.h5 > r2.log
same_final r1.h5 r2.h5
for line in "recipe: -model slif" "recipe: -loss_weights bnll:1,sm:10" "recipe: -loss_teacher_forcing true" "recipe: -optim_scaled true" \
  "recipe: -fit_window_steps 2000" "recipe: -fit_eval_windows 2 (the whole held-out span)" "recipe: -fit_init_rates true" "recipe: -fit_iters not chosen (given)" \
  "recipe: -model_latent_tau -1" "recipe: -fit_init_latent true" "recipe: -sim_batch 4" "recipe: -fit_windows_per_step 16"; do
  grep -qF -- "$line" r1.log || { cat r1.log; fail "recipe line '$line' not printed"; }
done
h5dump -a /model r1.h5 | grep -q '"slif"' || fail "the recipe's model is not slif"
# batches of 4: the step's windows are chunks that the 2 ranks share (issue 15)
load() { h5dump -a /step_windows_per_rank "$1" | grep -o '(0): [0-9]*' | cut -d' ' -f2; }
[ "$(load r2.h5)" -lt "$(load r1.h5)" ] || fail "2 ranks do not share a step's windows ($(load r1.h5) vs $(load r2.h5) per rank)"
h5dump -d /params/final/beta r1.h5 > /dev/null || fail "no beta block: the recipe's model was not used"
# the training windows (the recording's first 16 s) hold no spike: no correlation, no latent
# input (e2e_latent fits one on a longer stretch)
grep -q "^latent: none" r1.log || { cat r1.log; fail "a latent input from silent training windows"; }
h5dump -d /params/final/lat r1.h5 > /dev/null 2>&1 && fail "a lat block from silent training windows"
# the initial rates follow the recording: beta differs between neurons before any step
/usr/bin/python3 - <<'PY' || fail "the initial parameters do not follow the recorded rates"
import h5py, numpy as np
f = h5py.File("r1.h5", "r")
b = f["/params/history/beta"][0] if "/params/history/beta" in f else f["/params/initial/beta"][()]
assert np.ptp(b) > 0.01, b
PY
# explicit options override the recipe's
run 1 "${rec[@]}" -model lif -loss frd -fit_window_steps 400 -o o.h5 > o.log
grep -qF "recipe: -model not chosen (given)" o.log || { cat o.log; fail "-model lif did not override the recipe"; }
grep -qF "recipe: -loss_weights not chosen (options of its group given)" o.log || { cat o.log; fail "-loss frd did not keep the recipe off the loss"; }
grep -qF "recipe: -fit_init_rates" o.log && fail "-fit_init_rates chosen for a model without escape noise"
grep -qF "recipe: -fit_init_latent" o.log && fail "-fit_init_latent chosen for a model without escape noise"
h5dump -a /model o.h5 | grep -q '"lif"' || fail "-model lif not used"
[ "$(h5dump -a /windows o.h5 | awk '/\(0\)/{print $2}')" = 45 ] || fail "-fit_window_steps 400 not used (45 training windows, 5 validate)"
# -fit_recipe none: the plain defaults
run 1 "${rec[@]}" -fit_recipe none -o n.h5 > n.log
grep -q "^recipe:" n.log && fail "-fit_recipe none printed recipe choices"
h5dump -a /model n.h5 | grep -q '"lif"' || fail "-fit_recipe none did not keep the default model"
expect_fail x "must be default or none" run 1 "${rec[@]}" -fit_recipe best -o b.h5
# the recipe's choices are in the checkpoint hash: an explicit -init_W that differs is refused
run 1 "${rec[@]}" -ckpt_every 1 -o c.h5 > c.log
expect_fail x "differ from the checkpoint" run 1 "${rec[@]}" -init_W -0.05,0.05 -resume c.h5.ckpt -o c2.h5
# and the same command resumes its own checkpoint, to the bits of the uninterrupted fit
run 1 "${rec[@]}" -resume c.h5.ckpt -o c3.h5 > c3.log || { cat c3.log; fail "a recipe fit does not resume its own checkpoint"; }
same_final c.h5 c3.h5
# a ground truth fitted as such gets no recipe
run 1 generate -o gt.h5 -gen_duration_ms 2000 > /dev/null
run 1 fit -data gt.h5 -fit_iters 1 -fit_windows 2 -o g.h5 > g.log
grep -q "^recipe:" g.log && fail "the recipe ran on a ground truth"
echo "recipe: ok"
