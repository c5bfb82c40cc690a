#!/usr/bin/env bash
# The shared latent input (-model_latent_tau, -fit_init_latent) end to end on a recording:
# the loadings start matched to the data (the same on every rank count), a fit with them is
# bit-identical on 1, 2 and 3 ranks, the held-out run uses them, and bad values are refused.
source "$(dirname "$0")/lib.sh"
rec=(fit -data "$SRC/inputs/data/Wong1993_Adult.h5" -data_t1 40000 -data_holdout 6000 -fit_iters 2 -fit_quiet)
for p in 1 2 3; do run $p "${rec[@]}" -o r$p.h5 > r$p.log || { cat r$p.log; fail "latent fit on $p ranks"; }; done
grep -q "^latent: time constant [0-9]* ms" r1.log || { cat r1.log; fail "the latent time constant from the data was not printed"; }
same_final r1.h5 r2.h5
same_final r1.h5 r3.h5
h5diff r1.h5 r3.h5 /params/init /params/init > /dev/null || fail "the matched loadings depend on the rank count"
/usr/bin/python3 - r1.h5 << 'PY'
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
lat = f["/params/init/lat"][()]
blocks = f["/params"].attrs["blocks"]
blocks = blocks.decode() if isinstance(blocks, bytes) else str(blocks)
assert blocks.endswith(",W,r_p,lat"), blocks
tau = float(f.attrs["latent_tau_ms"])
assert 20 <= tau <= 2000, tau  # one 20 ms bin to one window
# the recording co-modulates: matched loadings well above the uniform start (0.002-0.01)
assert np.median(lat) > 0.02 and np.all(np.abs(lat) <= 0.2), lat
PY
# resumed from a checkpoint mid-fit (the latent time constant and the loadings come back from
# it, not from the data again): 2 + 2 iterations on 2 ranks equal 4 straight on 1
long=(fit -data "$SRC/inputs/data/Wong1993_Adult.h5" -data_t1 40000 -data_holdout 6000 -fit_iters 4 -fit_quiet)
run 1 "${long[@]}" -o s4.h5 > s4.log || { cat s4.log; fail "latent fit of 4 iterations"; }
run 1 "${long[@]}" -ckpt_every 2 -ckpt_file l.ckpt -ckpt_max_hours 0 -o tmp4.h5 > c4.log || { cat c4.log; fail "latent fit with checkpoints"; }
[ -f l.ckpt.prev ] || fail "no iteration-2 checkpoint of the latent fit"
run 2 "${long[@]}" -resume l.ckpt.prev -ckpt_file l2.ckpt -o res4.h5 > res4.log || { cat res4.log; fail "resume of a latent fit"; }
same_final s4.h5 res4.h5
h5diff s4.h5 res4.h5 /params/best /params/best > /dev/null || fail "/params/best differs after resuming a latent fit"
h5diff s4.h5 res4.h5 /eval/compare /eval/compare > /dev/null || fail "the held-out table differs after resuming a latent fit"
# without the matched start, and without a latent input: different fits, both run
run 1 "${rec[@]}" -fit_init_latent false -o u.h5 > u.log || { cat u.log; fail "-fit_init_latent false"; }
/usr/bin/python3 -c "
import h5py, numpy as np, sys
l = h5py.File('u.h5', 'r')['/params/init/lat'][()]
assert l.min() >= 0.002 and l.max() <= 0.01, l" || fail "-fit_init_latent false did not keep the uniform start"
run 1 "${rec[@]}" -model_latent_tau 0 -o z.h5 > z.log || { cat z.log; fail "-model_latent_tau 0"; }
h5dump -d /params/final/lat z.h5 > /dev/null 2>&1 && fail "-model_latent_tau 0 still has a lat block"
expect_fail x "model_latent_tau must be >= 0" run 1 "${rec[@]}" -model_latent_tau -5 -o bad.h5
expect_fail x "give -model_latent_tau" run 1 "${rec[@]}" -model_latent_tau 0 -fit_init_latent true -o bad2.h5
[ ! -f bad.h5 ] && [ ! -f bad2.h5 ] || fail "a refused run wrote a results file"
# a ground truth fitted as such: the fit's latent input has no counterpart in /truth
run 1 generate -o gt.h5 -gen_seed 0 > /dev/null
run 1 fit -data gt.h5 -model_latent_tau 100 -fit_iters 2 -fit_quiet -o g.h5 > g.log || { cat g.log; fail "latent fit of a ground truth"; }
h5dump -d /truth/lat g.h5 > /dev/null 2>&1 && fail "/truth got a lat block"
expect_fail x "takes the time constant from a recording" run 1 fit -data gt.h5 -model_latent_tau -1 -fit_iters 1 -o g2.h5
expect_fail x "fitted as a ground truth" run 1 fit -data gt.h5 -model_latent_tau 100 -fit_init_latent -fit_iters 1 -o g3.h5
# a recording of a network without slow co-modulation (a ground truth's units): the recipe's
# -model_latent_tau -1 finds no correlation beyond the coupling's and adds no latent input
run 1 generate -o gt40.h5 -gen_seed 0 -gen_duration_ms 40000 > /dev/null
/usr/bin/python3 "$SRC/bench/make_recording.py" --from-truth gt40.h5 fast.h5 10 > /dev/null || fail "make_recording"
run 1 fit -data fast.h5 -data_holdout 6000 -fit_iters 1 -fit_quiet -o f.h5 > f.log || { cat f.log; fail "recipe on fast.h5"; }
grep -q "^latent: none (.* correlated over [0-9]* ms, not longer than 40 ms" f.log || { cat f.log; fail "no 'latent: none'"; }
h5dump -d /params/final/lat f.h5 > /dev/null 2>&1 && fail "a latent block without slow co-modulation"
echo "latent: ok"
