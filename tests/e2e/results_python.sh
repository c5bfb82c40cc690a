# postprocess/spikefit_results.py on real short fits (a single fit, and restarts on 2 ranks),
# checked by tests/python/test_spikefit_results.py against values read with h5py.
source "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
"$PY" -c 'import numpy, h5py' 2> /dev/null || fail "$PY lacks numpy or h5py: apt-get install python3-numpy python3-h5py"
run 1 generate -o gt.h5 -gen_duration_ms 4000 > /dev/null
run 1 fit -data gt.h5 -fit_iters 3 -fit_quiet -o run.h5 > fit.txt 2>&1 || { cat fit.txt; fail "fit failed"; }
run 2 fit -data gt.h5 -fit_iters 2 -fit_restarts 2 -fit_quiet -o restarts.h5 > rs.txt 2>&1 || { cat rs.txt; fail "restarts fit failed"; }
"$PY" "$SRC/tests/python/test_spikefit_results.py" "$SRC" run.h5 restarts.h5 || fail "spikefit_results.py checks failed"
# the command-line summary names the file's model and iterations
"$PY" "$SRC/postprocess/spikefit_results.py" run.h5 > summary.txt
grep -q "model lif, loss frd, 12 neurons, 3 iterations" summary.txt || { cat summary.txt; fail "summary line"; }
# only numpy and h5py: the module imports nothing else outside the standard library
mods=$("$PY" - "$SRC/postprocess/spikefit_results.py" <<'PY'
import ast, sys
tree = ast.parse(open(sys.argv[1]).read())
names = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
names |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
print(" ".join(sorted(names - set(sys.stdlib_module_names) - {"numpy", "h5py"})))
PY
)
[ -z "$mods" ] || fail "spikefit_results.py imports $mods (only numpy and h5py allowed)"
echo "results_python: ok"
