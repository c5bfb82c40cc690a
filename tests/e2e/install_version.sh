# spikefit --version (program version, git commit, library versions checked against the
# installed packages) and `cmake --install` of the build ctest runs: the installed binary, the
# option files with their data, the postprocess and job scripts, and a fit from the prefix.
source "$(dirname "$0")/lib.sh"
BUILD=$(dirname "$SPIKEFIT")
"$SPIKEFIT" --version > v1.txt || fail "--version exited non-zero"
"$SPIKEFIT" -version > v2.txt || fail "-version exited non-zero"
"$SPIKEFIT" version > v3.txt || fail "version exited non-zero"
cmp -s v1.txt v2.txt && cmp -s v1.txt v3.txt || fail "--version, -version and version differ"
cat v1.txt
want=$(sed -n 's/^project(spikefit VERSION \([0-9.]*\).*/\1/p' "$SRC/CMakeLists.txt")
grep -qx "spikefit $want" v1.txt || fail "first line is not 'spikefit $want'"
commit=$(sed -n 's/^git commit: //p' v1.txt)
if git -C "$SRC" rev-parse HEAD > /dev/null 2>&1; then
  [[ $commit =~ ^[0-9a-f]{12}(-dirty)?$ ]] || fail "git commit '$commit' is not a short hash"
  git -C "$SRC" cat-file -e "${commit%-dirty}^{commit}" || fail "git commit $commit is not in $SRC's history"
else
  [ "$commit" = unknown ] || fail "outside a git checkout the commit must be 'unknown', got '$commit'"
fi
petsc=$(PKG_CONFIG_PATH=/usr/lib/petsc/lib/pkgconfig:${PETSC_DIR:+$PETSC_DIR/lib/pkgconfig:}${PKG_CONFIG_PATH:-} pkg-config --modversion PETSc)
hdf5=$(pkg-config --modversion hdf5-openmpi)
ompi=$(ompi_info --version 2> /dev/null | sed -n 's/^Open MPI v\([0-9.]*\).*/\1/p')
grep -q "built with: PETSc $petsc, HDF5 $hdf5, MPI [0-9].[0-9] (Open MPI $ompi), OpenBLAS " v1.txt || fail "versions do not match PETSc $petsc, HDF5 $hdf5, Open MPI $ompi"
grep -q "^MPI library: Open MPI v$ompi" v1.txt || fail "MPI library version line"
expect_fail 2 "takes no arguments" "$SPIKEFIT" --version extra
# the linked BLAS is OpenBLAS (FindBLAS with BLA_VENDOR OpenBLAS)
ldd "$SPIKEFIT" | grep -q "libopenblas" || fail "spikefit is not linked against OpenBLAS"

# install into a fresh prefix
P=$WORK/prefix
cmake --install "$BUILD" --prefix "$P" > install.txt || { cat install.txt; fail "cmake --install failed"; }
[ -x "$P/bin/spikefit" ] || fail "no $P/bin/spikefit"
"$P/bin/spikefit" --version > v4.txt && cmp -s v1.txt v4.txt || fail "the installed binary's --version differs"
S=$P/share/spikefit
(cd "$SRC" && find inputs -name '*.opts') | while read -r f; do [ -f "$S/$f" ] || fail "$f not installed"; done
# every data file an option file names is installed with it
grep -h '^-data ' "$SRC"/inputs/*/*.opts | awk '{print $2}' | while read -r d; do [ -f "$S/$d" ] || fail "$d (named by an option file) not installed"; done
for f in "$SRC"/postprocess/*.py; do [ -f "$S/postprocess/$(basename "$f")" ] || fail "postprocess/$(basename "$f") not installed"; done
for f in "$SRC"/jobs/*; do [ -f "$S/jobs/$(basename "$f")" ] || fail "jobs/$(basename "$f") not installed"; done
[ -x "$S/jobs/run_local.sh" ] || fail "job scripts lost their execute bit"
# a 1-iteration fit with an installed option file, from the prefix (no source tree involved)
(cd "$S" && "$P/bin/spikefit" fit -options_file inputs/retina/wong1993_adult.opts -fit_iters 1 -fit_quiet -o "$WORK/installed.h5") > fit.txt 2>&1 \
  || { cat fit.txt; fail "the installed spikefit cannot fit with an installed option file"; }
h5dump -a /iterations installed.h5 | grep -q "(0): 1" || fail "installed fit did not run 1 iteration"
/usr/bin/python3 "$S/postprocess/spikefit_results.py" installed.h5 > /dev/null || fail "installed spikefit_results.py cannot read the fit"
# -DBUILD_TESTING=OFF configures without looking for CMocka and registers no test (configure
# only: building a second tree would double the suite's build time)
cmake -S "$SRC" -B notests -DBUILD_TESTING=OFF > notests.log 2>&1 || { cat notests.log; fail "configure with -DBUILD_TESTING=OFF failed"; }
! grep -q "^CMOCKA" notests/CMakeCache.txt || fail "-DBUILD_TESTING=OFF still looks for CMocka"
(cd notests && ctest -N) | grep -q "Total Tests: 0" || fail "-DBUILD_TESTING=OFF registers tests"
grep -q "^CMOCKA_LIBRARY:FILEPATH=/" "$BUILD/CMakeCache.txt" || fail "the test build did not find CMocka through BUILD_TESTING"
echo "install_version: ok"
