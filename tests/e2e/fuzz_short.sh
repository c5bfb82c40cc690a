# Fuzzing, short: builds the libFuzzer targets of the spike readers with clang and runs the
# gating ones (fuzz_tsv, fuzz_h5struct, fuzz_npy) for 20 s each via tests/fuzz/run_fuzz.sh; any crash or
# failed check fails the test. Installs nothing: without clang / libclang-rt-14-dev it passes
# with run_fuzz.sh's "fuzz: skipped" message.
source "$(dirname "$0")/lib.sh"
: "$SPIKEFIT" # the targets are built from the sources, not from the program
rc=0
bash "$SRC/tests/fuzz/run_fuzz.sh" "$WORK/fuzz" 20 > fuzz.out 2>&1 || rc=$?
cat fuzz.out
if grep -q "^fuzz: skipped" fuzz.out; then
  echo "fuzz_short: SKIPPED (not a failure): $(grep -m1 '^fuzz: skipped' fuzz.out)"
  exit 0
fi
[ "$rc" = 0 ] || fail "tests/fuzz/run_fuzz.sh failed (exit $rc); reproducers in $WORK/fuzz/crashes_*/"
for t in tsv h5struct npy; do grep -q "^fuzz: fuzz_$t ok" fuzz.out || fail "fuzz_$t did not run"; done
echo "fuzz_short: fuzz_tsv, fuzz_h5struct and fuzz_npy ran 20 s each without a crash"
