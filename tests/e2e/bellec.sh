# A shortened Bellec experiment: the script runs its four fits and the table has their rows.
source "$(dirname "$0")/lib.sh"
SPIKEFIT=$SPIKEFIT BELLEC_N=40 BELLEC_RECORDED=12 BELLEC_HIDDEN=4 BELLEC_ITERS=2 BELLEC_WINDOWS=6 \
  bash "$SRC/jobs/bellec_experiment.sh" bellec 2 > bellec.txt 2>&1 || { cat bellec.txt; fail "bellec_experiment.sh failed"; }
cat bellec.txt
[ "$(grep -c '^| bnll' bellec/table.md)" = 4 ] || fail "the table should have 4 fits"
h5dump -a /hidden bellec/bnll_sm_h4.h5 | grep -q "(0): 4" || fail "hidden neurons not recorded in the results"
h5dump -d /eval/compare/weight_corr_recorded bellec/bnll_h0.h5 > /dev/null || fail "weight correlation missing"
