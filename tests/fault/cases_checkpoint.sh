# Fault cases: checkpoints (docs/RELIABILITY.md, "Checkpoints"). Sourced by tests/fault/run.sh;
# each case_* runs in a fresh directory with SF (the binary), SRC (the source tree) and GT (a
# small ground truth) set, and passes when it returns 0. Helpers are prefixed ckpt_.

CKPT_FIT=(fit -fit_quiet -fit_windows 2 -fit_eval_windows 2)
CKPT_REC=(fit -fit_quiet -data_t1 12000 -data_holdout 2000 -fit_eval_windows 2)

ckpt_fail() { echo "FAIL: $*" >&2; return 1; }
# ckpt_same A B [DATASET]: A and B hold the same DATASET (default /params/final), bit for bit
ckpt_same() { h5diff "$1" "$2" "${3:-/params/final}" "${3:-/params/final}" > /dev/null || ckpt_fail "$1 and $2 differ in ${3:-/params/final}"; }
# ckpt_refused PATTERN ARGS...: spikefit ARGS exits non-zero, says PATTERN and writes no -o never.h5
ckpt_refused() {
  local pattern=$1 rc=0; shift
  "$SF" "$@" -o never.h5 > out.txt 2>&1 || rc=$?
  [ "$rc" != 0 ] || { cat out.txt; ckpt_fail "accepted: $*"; return; }
  grep -q -- "$pattern" out.txt || { cat out.txt; ckpt_fail "no '$pattern' from: $*"; return; }
  [ ! -e never.h5 ] || ckpt_fail "a results file was written after a refused resume: $*"
}
# ckpt_pair: the reference ref.h5 (4 iterations) and ck.h5 (iteration 4) with ck.h5.prev (3)
ckpt_pair() {
  "$SF" "${CKPT_FIT[@]}" -data "$GT" -fit_iters 4 -o ref.h5 > /dev/null || ckpt_fail "reference fit"
  "$SF" "${CKPT_FIT[@]}" -data "$GT" -fit_iters 4 -ckpt_every 1 -ckpt_file ck.h5 -o a.h5 > /dev/null || ckpt_fail "checkpointed fit"
}
# ckpt_edit FILE PYTHON: runs PYTHON with f = h5py.File(FILE, 'r+')
ckpt_edit() { /usr/bin/python3 -c "import h5py, numpy as np
f = h5py.File('$1', 'r+')
$2
f.close()"; }
# ckpt_poke FILE DATASET OFFSET BYTES: XOR (flip) or, with BYTES=zero4k, zero the 4 KiB block
# holding byte OFFSET of DATASET's raw data, with plain file writes (no HDF5)
ckpt_poke() { /usr/bin/python3 -c "import h5py
f = h5py.File('$1', 'r'); off = f['$2'].id.get_offset() + $3; f.close()
b = bytearray(open('$1', 'rb').read())
if '$4' == 'zero4k':
    lo = off // 4096 * 4096; b[lo:lo + 4096] = bytes(min(4096, len(b) - lo))
else:
    b[off] ^= 0xFF
open('$1', 'wb').write(b)"; }

# ckpt_kill_at SYSCALL: for N = 1, 2, ... a fit with -ckpt_every 1 is killed (SIGKILL, strace)
# at the N-th SYSCALL on the checkpoint's or the results file's paths, until one runs through.
# After each kill: if CKPT was ever committed it still exists, and resuming (from CKPT, which
# falls back to CKPT.prev, as jobs/run_local.sh does) ends with the uninterrupted result.
ckpt_kill_at() {
  local sys=$1 n=1 rc args
  command -v strace > /dev/null || { ckpt_fail "strace is not installed"; return; }
  "$SF" "${CKPT_FIT[@]}" -data "$GT" -fit_iters 3 -o ref.h5 > /dev/null || { ckpt_fail "reference fit"; return; }
  # strace -P matches a name argument as given and a descriptor by its absolute path
  local paths=() p
  for p in ck.h5 ck.h5.prev ck.h5.tmp run.h5 run.h5.tmp; do paths+=(-P "$p" -P "$PWD/$p"); done
  paths+=(-P "$PWD") # the directory's fsync
  while :; do
    rm -f ck.h5 ck.h5.* run.h5 run.h5.* kill.log
    rc=0
    (strace -f -qq -o kill.log -e trace="$sys" -e inject="$sys":signal=KILL:when="$n" "${paths[@]}" \
      "$SF" "${CKPT_FIT[@]}" -data "$GT" -fit_iters 3 -ckpt_every 1 -ckpt_file ck.h5 -o run.h5 > fit.txt 2>&1) 2> /dev/null || rc=$?
    if [ "$rc" = 0 ]; then break; fi
    grep -q "killed by SIGKILL" kill.log || { cat fit.txt; ckpt_fail "$sys #$n: exit $rc without the injected kill"; return; }
    if grep -q 'rename("ck.h5.tmp", "ck.h5") = 0' kill.log && [ ! -f ck.h5 ]; then ckpt_fail "$sys #$n: the checkpoint vanished"; return; fi
    args=()
    if [ -f ck.h5 ] || [ -f ck.h5.prev ]; then args=(-resume ck.h5); fi
    "$SF" "${CKPT_FIT[@]}" -data "$GT" -fit_iters 3 -ckpt_every 1 -ckpt_file ck.h5 -o run.h5 "${args[@]}" > resume.txt 2>&1 || { cat resume.txt; ckpt_fail "$sys #$n: resume failed"; return; }
    ckpt_same ref.h5 run.h5 || { ckpt_fail "$sys #$n: the resumed fit differs"; return; }
    ckpt_same ref.h5 run.h5 /loss/train || return
    echo "  killed at $sys #$n ($(grep -c 'resumed from' resume.txt) resume): same result"
    n=$((n + 1))
    [ "$n" -le 40 ] || { ckpt_fail "$sys: more than 40 calls"; return; }
  done
  [ "$n" -gt 1 ] || ckpt_fail "no $sys call was seen on the checkpoint's paths"
}
case_ckpt_kill_rename() { ckpt_kill_at rename; }
case_ckpt_kill_link() { ckpt_kill_at link; }
case_ckpt_kill_unlink() { ckpt_kill_at unlink; }
case_ckpt_kill_fsync() { ckpt_kill_at fsync; }
case_ckpt_kill_open() { ckpt_kill_at openat; }

# kill while the new checkpoint is written (a write into CKPT.tmp): CKPT is untouched
case_ckpt_kill_mid_write() {
  local rc=0
  "$SF" "${CKPT_FIT[@]}" -data "$GT" -fit_iters 3 -o ref.h5 > /dev/null || return
  (strace -f -qq -o kill.log -e trace=write -e inject=write:signal=KILL:when=2 -P "$PWD/ck.h5.tmp" \
    "$SF" "${CKPT_FIT[@]}" -data "$GT" -fit_iters 3 -ckpt_every 1 -ckpt_file ck.h5 -o run.h5 > fit.txt 2>&1) 2> /dev/null || rc=$?
  [ "$rc" != 0 ] && grep -q "killed by SIGKILL" kill.log || { ckpt_fail "the write was not interrupted (rc $rc)"; return; }
  [ -f ck.h5 ] || { ckpt_fail "no checkpoint left after a kill in the second write"; return; }
  "$SF" "${CKPT_FIT[@]}" -data "$GT" -fit_iters 3 -ckpt_file ck.h5 -o run.h5 -resume ck.h5 > /dev/null || return
  ckpt_same ref.h5 run.h5
}

# only CKPT.prev left (CKPT deleted or lost): -resume CKPT says so and resumes from CKPT.prev
case_ckpt_prev_when_missing() {
  ckpt_pair || return
  rm ck.h5
  "$SF" "${CKPT_FIT[@]}" -data "$GT" -fit_iters 4 -resume ck.h5 -ckpt_file ck2.h5 -o b.h5 > out.txt 2>&1 || { cat out.txt; ckpt_fail "no fallback"; return; }
  grep -q "falling back to ck.h5.prev" out.txt && grep -q "resumed from ck.h5.prev at iteration 3" out.txt || { cat out.txt; ckpt_fail "no fallback message"; return; }
  ckpt_same ref.h5 b.h5
}

# jobs/run_local.sh resumes from CKPT.prev when CKPT is gone, instead of starting from 0
case_ckpt_run_local_prev() {
  ckpt_pair || return
  rm ck.h5
  SPIKEFIT_BIN=$SF bash "$SRC/jobs/run_local.sh" -n 1 "${CKPT_FIT[@]:1}" -data "$GT" -fit_iters 4 -ckpt_file ck.h5 -o b.h5 > out.txt 2>&1 || { cat out.txt; ckpt_fail "run_local failed"; return; }
  grep -q "resumed from ck.h5.prev at iteration 3" out.txt || { cat out.txt; ckpt_fail "run_local did not resume from ck.h5.prev"; return; }
  ckpt_same ref.h5 b.h5
}

# damage to the state: refused with the dataset named, or resumed from a valid CKPT.prev
case_ckpt_flip_theta() {
  ckpt_pair || return
  rm ck.h5.prev
  ckpt_poke ck.h5 /state/theta 5 flip
  ckpt_refused "/state/theta fails its checksum" "${CKPT_FIT[@]}" -data "$GT" -fit_iters 4 -resume ck.h5
}
case_ckpt_flip_theta_prev() {
  ckpt_pair || return
  ckpt_poke ck.h5 /state/theta 5 flip
  "$SF" "${CKPT_FIT[@]}" -data "$GT" -fit_iters 4 -resume ck.h5 -ckpt_file ck2.h5 -o b.h5 > out.txt 2>&1 || { cat out.txt; ckpt_fail "no fallback"; return; }
  grep -q "/state/theta fails its checksum" out.txt && grep -q "resumed from ck.h5.prev" out.txt || { cat out.txt; ckpt_fail "messages"; return; }
  ckpt_same ref.h5 b.h5
}
case_ckpt_zero_block() {
  ckpt_pair || return
  rm ck.h5.prev
  ckpt_poke ck.h5 /state/theta 0 zero4k
  ckpt_refused "ck.h5" "${CKPT_FIT[@]}" -data "$GT" -fit_iters 4 -resume ck.h5
  grep -q "damaged\|checksum" out.txt || ckpt_fail "the message does not say the file is damaged"
}
case_ckpt_flip_moment() {
  ckpt_pair || return
  rm ck.h5.prev
  ckpt_poke ck.h5 /state/v 17 flip
  ckpt_refused "/state/v fails its checksum" "${CKPT_FIT[@]}" -data "$GT" -fit_iters 4 -resume ck.h5
}
case_ckpt_flip_loss_history() {
  ckpt_pair || return
  rm ck.h5.prev
  ckpt_poke ck.h5 /loss/train 2 flip
  ckpt_refused "/loss/train fails its checksum" "${CKPT_FIT[@]}" -data "$GT" -fit_iters 4 -resume ck.h5
}
case_ckpt_header_attr() {
  ckpt_pair || return
  rm ck.h5.prev
  ckpt_edit ck.h5 "f.attrs['iterations'] = np.int64(2)"
  ckpt_refused "fail their checksum" "${CKPT_FIT[@]}" -data "$GT" -fit_iters 4 -resume ck.h5
}
case_ckpt_truncated() {
  ckpt_pair || return
  rm ck.h5.prev
  head -c 20000 ck.h5 > t.h5 && mv t.h5 ck.h5
  ckpt_refused "ck.h5" "${CKPT_FIT[@]}" -data "$GT" -fit_iters 4 -resume ck.h5
}
case_ckpt_missing_dataset() {
  ckpt_pair || return
  rm ck.h5.prev
  ckpt_edit ck.h5 "del f['/state/v']"
  ckpt_refused "/state/v is missing" "${CKPT_FIT[@]}" -data "$GT" -fit_iters 4 -resume ck.h5
}
case_ckpt_wrong_shape() {
  ckpt_pair || return
  rm ck.h5.prev
  ckpt_edit ck.h5 "t = f['/state/theta'][:]; del f['/state/theta']; f['/state/theta'] = t[:-1]"
  ckpt_refused "/state/theta has" "${CKPT_FIT[@]}" -data "$GT" -fit_iters 4 -resume ck.h5
}
case_ckpt_results_file() {
  ckpt_pair || return
  ckpt_refused "not a checkpoint" "${CKPT_FIT[@]}" -data "$GT" -fit_iters 4 -resume ref.h5
}
case_ckpt_not_hdf5() {
  printf 'not a checkpoint\n' > junk.h5
  ckpt_refused "not an HDF5 file" "${CKPT_FIT[@]}" -data "$GT" -fit_iters 4 -resume junk.h5
}
case_ckpt_nonexistent() {
  ckpt_refused "cannot open nothing.h5" "${CKPT_FIT[@]}" -data "$GT" -fit_iters 4 -resume nothing.h5
}

# another problem: every input that changes the result is part of the checkpoint's identity
ckpt_other() { # PATTERN EXTRA...: resuming ck.h5 with EXTRA options is refused naming PATTERN
  local pattern=$1; shift
  ckpt_refused "options/data differ" "${CKPT_FIT[@]}" -data "$GT" -fit_iters 4 -resume ck.h5 "$@" || return
  grep -q -- "$pattern" out.txt || { cat out.txt; ckpt_fail "the refusal does not name $pattern"; }
}
case_ckpt_other_bound() { ckpt_pair && ckpt_other "bound_tau_m:" -bound_tau_m 1,2.5; }
case_ckpt_other_init() { ckpt_pair && ckpt_other "init_E_L:" -init_E_L -60,-50; }
case_ckpt_other_eval_windows() { ckpt_pair && ckpt_other "eval_windows:" -fit_eval_windows 3; }
case_ckpt_other_loss() { ckpt_pair && ckpt_other "loss:" -loss vrd; }
case_ckpt_other_seed() { ckpt_pair && ckpt_other "seed:" -fit_seed 5; }
case_ckpt_other_data_content() {
  cp "$GT" gt.h5
  "$SF" "${CKPT_FIT[@]}" -data gt.h5 -fit_iters 2 -ckpt_file ck.h5 -o a.h5 > /dev/null || return
  "$SF" generate -o gt.h5 -gen_duration_ms 4000 -gen_seed 7 > /dev/null || return
  ckpt_refused "data_content:" "${CKPT_FIT[@]}" -data gt.h5 -fit_iters 4 -resume ck.h5
}
# a recording: the selection and span of the data are part of the identity, on any number of ranks
ckpt_rec_pair() {
  REC=$SRC/inputs/data/Wong1993_Adult.h5
  "$SF" "${CKPT_REC[@]}" -data "$REC" -fit_iters 1 -ckpt_file rk.h5 -o ra.h5 > /dev/null || ckpt_fail "recorded fit"
}
case_ckpt_other_data_t0() { ckpt_rec_pair && ckpt_refused "data_t0:" "${CKPT_REC[@]}" -data "$REC" -fit_iters 2 -resume rk.h5 -data_t0 400; }
case_ckpt_other_data_t1() { ckpt_rec_pair && ckpt_refused "data_t1:" "${CKPT_REC[@]}" -data "$REC" -fit_iters 2 -resume rk.h5 -data_t1 11000; }
case_ckpt_other_data_units() { ckpt_rec_pair && ckpt_refused "data_units:" "${CKPT_REC[@]}" -data "$REC" -fit_iters 2 -resume rk.h5 -data_units 0-3; }
case_ckpt_other_holdout() { ckpt_rec_pair && ckpt_refused "data_holdout:" "${CKPT_REC[@]}" -data "$REC" -fit_iters 2 -resume rk.h5 -data_holdout 2400; }
case_ckpt_recorded_ranks() {
  ckpt_rec_pair || return
  "$SF" "${CKPT_REC[@]}" -data "$REC" -fit_iters 3 -o rf.h5 > /dev/null || return
  mpirun -n 3 "$SF" "${CKPT_REC[@]}" -data "$REC" -fit_iters 3 -resume rk.h5 -ckpt_file rk3.h5 -o rb.h5 > out.txt 2>&1 || { cat out.txt; ckpt_fail "resume on 3 ranks"; return; }
  ckpt_same rf.h5 rb.h5
}

# what may change: -fit_iters grows, outputs and checkpoint cadence are free
case_ckpt_continue_finished() {
  "$SF" "${CKPT_FIT[@]}" -data "$GT" -fit_iters 4 -o ref.h5 > /dev/null || return
  "$SF" "${CKPT_FIT[@]}" -data "$GT" -fit_iters 2 -ckpt_every 2 -ckpt_file ck.h5 -o two.h5 > /dev/null || return
  [ -f ck.h5 ] || { ckpt_fail "no checkpoint at the last iteration"; return; }
  "$SF" "${CKPT_FIT[@]}" -data "$GT" -fit_iters 4 -resume ck.h5 -ckpt_file ck.h5 -o four.h5 > out.txt 2>&1 || { cat out.txt; ckpt_fail "continuing failed"; return; }
  ckpt_same ref.h5 four.h5 && ckpt_same ref.h5 four.h5 /loss/train && ckpt_same ref.h5 four.h5 /params/history || return
  [ "$(h5dump -a /iterations ck.h5 | grep -o '(0): [0-9]*')" = "(0): 4" ] || ckpt_fail "the continued fit's last checkpoint is not at iteration 4"
}
case_ckpt_fewer_iters() { ckpt_pair && ckpt_refused "iterations but -fit_iters" "${CKPT_FIT[@]}" -data "$GT" -fit_iters 3 -resume ck.h5; }
case_ckpt_free_options() {
  ckpt_pair || return
  "$SF" fit -fit_windows 2 -fit_eval_windows 2 -data "$GT" -fit_iters 4 -resume ck.h5.prev -ckpt_file other.h5 -ckpt_every 3 -o b.h5 > out.txt 2>&1 || { cat out.txt; ckpt_fail "-o/-ckpt_*/-fit_quiet refused"; return; }
  ckpt_same ref.h5 b.h5
}

# the stored checksums are the documented ones (docs/FORMAT.md): FNV-1a 64 of the stored bytes
case_ckpt_checksum_format() {
  ckpt_pair || return
  /usr/bin/python3 -c "
import h5py
f = h5py.File('ck.h5', 'r')
for name in ('/state/theta', '/state/m', '/state/v', '/loss/train', '/params/history/W'):
    d = f[name]; h = 0xcbf29ce484222325
    for byte in d[()].astype('<f8').tobytes():
        h = ((h ^ byte) * 0x100000001b3) % 2**64
    assert int(d.attrs['fnv1a64']) == h, (name, hex(h), hex(int(d.attrs['fnv1a64'])))
" || ckpt_fail "a stored checksum is not the FNV-1a of the dataset's bytes"
}

# a file system without hard links (link fails with EPERM): CKPT.prev is a copy instead
case_ckpt_no_hardlinks() {
  command -v strace > /dev/null || { ckpt_fail "strace is not installed"; return; }
  ckpt_pair || return
  rm -f ck.h5 ck.h5.prev
  strace -f -qq -o link.log -e trace=link -e inject=link:error=EPERM -P ck.h5 -P ck.h5.prev \
    "$SF" "${CKPT_FIT[@]}" -data "$GT" -fit_iters 4 -ckpt_every 1 -ckpt_file ck.h5 -o a.h5 > fit.txt 2>&1 || { cat fit.txt; ckpt_fail "the fit failed without hard links"; return; }
  grep -q 'link("ck.h5", "ck.h5.prev") *= -1 EPERM' link.log || { ckpt_fail "link was not refused"; return; }
  [ "$(h5dump -a /iterations ck.h5.prev | grep -o '(0): [0-9]*')" = "(0): 3" ] || { ckpt_fail "ck.h5.prev is not the iteration-3 checkpoint"; return; }
  rm ck.h5
  "$SF" "${CKPT_FIT[@]}" -data "$GT" -fit_iters 4 -resume ck.h5 -ckpt_file ck2.h5 -o b.h5 > /dev/null 2>&1 || { ckpt_fail "resuming the copy failed"; return; }
  ckpt_same ref.h5 b.h5
}
