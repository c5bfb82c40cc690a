# The bad-input and fault suite (tests/fault/run.sh, docs/RELIABILITY.md) under ctest.
source "$(dirname "$0")/lib.sh"
bash "$SRC/tests/fault/run.sh" "$SPIKEFIT" "$SRC" "$WORK/cases" > suite.txt 2>&1 || true
cat suite.txt
tail -1 suite.txt | grep -q -E "^[0-9]+ passed, 0 failed$" || fail "the fault suite failed: $(grep -c ^FAIL suite.txt) cases"
