# A shortened Bellec experiment: the script runs every configuration (free and teacher-forced
# likelihood, with sm at one weight, each with and without hidden neurons, two initial models)
# and the table has one row per configuration with two fits each.
source "$(dirname "$0")/lib.sh"
SPIKEFIT=$SPIKEFIT BELLEC_N=40 BELLEC_RECORDED=12 BELLEC_HIDDEN=4 BELLEC_ITERS=2 BELLEC_WINDOWS=6 \
  BELLEC_SEEDS="0 1" BELLEC_SM_WEIGHTS="10" \
  bash "$SRC/jobs/bellec_experiment.sh" bellec 2 > bellec.txt 2>&1 || { cat bellec.txt; fail "bellec_experiment.sh failed"; }
cat bellec.txt
[ "$(grep -c '^| bnll' bellec/table.md)" = 8 ] || fail "the table should have 8 configurations"
[ "$(grep -c '^| bnll[^|]*| [0-9]* | 2 |' bellec/table.md)" = 8 ] || fail "every configuration should have 2 fits"
h5dump -a /hidden bellec/bnll-tf+sm10_h4_s1.h5 | grep -q "(0): 4" || fail "hidden neurons not recorded in the results"
h5dump -a /teacher_forcing bellec/bnll-tf_h0_s0.h5 | grep -q "(0): 1" || fail "teacher forcing not recorded in the results"
h5dump -d /eval/compare/weight_corr_recorded bellec/bnll_h0_s0.h5 > /dev/null || fail "weight correlation missing"
h5dump -d /eval/rate_hidden bellec/bnll_h4_s0.h5 > /dev/null || fail "hidden neurons' rates missing"
