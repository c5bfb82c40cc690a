# Bad options: out-of-range integers (PETSc would wrap them modulo 2^32), values of the wrong
# kind, words that are not options, option files PETSc cannot read, and options that would be
# silently ignored. Each is refused before any work, naming the option and the value.

opt_big=4294967298 # 2^32 + 2: wrapped to 2 before the range check
# opt_refused PATTERN SUBCOMMAND ARGS...: refused with PATTERN, nothing written
opt_refused() {
  local pattern=$1
  shift
  fault_expect 1 "$pattern" "$SF" "$@"
  fault_absent r.h5 g.h5 l.h5
  fault_no_tmp
}
opt_run() { fault_fit -o run.h5 > /dev/null 2>&1 || { echo "cannot make run.h5"; return 1; }; }

# issue 12 item 10: every subcommand's integer options
case_opt_int_fit_iters() { opt_refused "-fit_iters $opt_big is out of range" fit -data "$GT" -o r.h5 -fit_iters $opt_big; }
case_opt_int_fit_hidden() { opt_refused '-fit_hidden 4294967297 is out of range' fit -data "$GT" -o r.h5 -fit_hidden 4294967297; }
case_opt_int_fit_seed_negative() { opt_refused '-fit_seed -4294967296 is out of range' fit -data "$GT" -o r.h5 -fit_seed -4294967296; }
case_opt_int_sim_batch() { opt_refused "-sim_batch $opt_big is out of range" fit -data "$GT" -o r.h5 -sim_batch $opt_big; }
case_opt_int_loss_lags() { opt_refused '-loss_sm_lags 99999999999 is out of range' fit -data "$GT" -o r.h5 -loss sm -loss_sm_lags 99999999999; }
case_opt_int_gen_n() { opt_refused '-gen_n 4294967308 is out of range' generate -o g.h5 -gen_n 4294967308; }
case_opt_int_land_nx() { opt_refused "-land_nx $opt_big is out of range" landscape -data "$GT" -o l.h5 -land_x E_L:0 -land_y W:0,5 -land_nx $opt_big; }
case_opt_int_analyze_k() { opt_run; opt_refused "-analyze_k $opt_big is out of range" analyze run.h5 -analyze_k $opt_big; }
case_opt_int_glm_nbasis() { opt_run; opt_refused "-glm_nbasis $opt_big is out of range" glm run.h5 -glm_nbasis $opt_big; }
case_opt_int_bench_n() { opt_refused "-bench_n $opt_big is out of range" bench -bench_n $opt_big; }
# in range but wrong
case_opt_negative_iters() { opt_refused '-fit_iters must be >= 0, got -1' fit -data "$GT" -o r.h5 -fit_iters -1; }
case_opt_zero_window() { opt_refused '-fit_window_steps must be positive, got 0' fit -data "$GT" -o r.h5 -fit_window_steps 0; }
case_opt_not_an_integer() { opt_refused 'fit_iters|integer' fit -data "$GT" -o r.h5 -fit_iters 2.5; }
case_opt_nan_real() { opt_refused '-sim_dt must be a positive number of ms' fit -data "$GT" -o r.h5 -sim_dt nan; }
case_opt_unknown_option() { opt_refused 'unknown option for this subcommand: -fit_iterz 3' fit -data "$GT" -o r.h5 -fit_iterz 3; }
case_opt_bad_enum() { opt_refused 'loss' fit -data "$GT" -o r.h5 -loss nope; }
case_opt_unknown_model() { opt_refused 'model' fit -data "$GT" -o r.h5 -model nope; }
case_opt_restarts_zero() { opt_refused '-fit_restarts must be at least 1' fit -data "$GT" -o r.h5 -fit_restarts 0; }
case_opt_expect_size() { opt_refused 'running on 1 MPI ranks but -par_expect_size is 4' fit -data "$GT" -o r.h5 -par_expect_size 4; }
case_opt_missing_data() { opt_refused 'spikefit fit needs -data FILE' fit -o r.h5; }
case_opt_unknown_subcommand() { fault_expect 2 "unknown subcommand 'fitt'" "$SF" fitt -data "$GT"; }
# issue 12 item 13: options silently ignored
case_opt_extra_positional_fit() { opt_refused "unexpected argument 'extra'" fit extra -data "$GT" -o r.h5; }
case_opt_extra_positional_after() { opt_refused "unexpected argument 'extra'" fit -data "$GT" -o r.h5 -fit_quiet -fit_iters 1 -fit_validate 0 extra more; }
case_opt_extra_positional_analyze() { opt_run; opt_refused "unexpected argument 'other.h5'" analyze run.h5 other.h5; }
case_opt_data_units_synthetic() { opt_refused '-data_units.*synthetic target' fit -data "$GT" -o r.h5 -data_units 0-3; }
case_opt_holdout_synthetic() { opt_refused '-data_holdout select parts of a recording' fit -data "$GT" -o r.h5 -data_holdout 400; }
case_opt_resume_restarts_none() { opt_refused '-resume ck.h5 with -fit_restarts 2 .*none of them' fit -data "$GT" -o r.h5 -fit_restarts 2 -resume ck.h5; }
case_opt_init_outside_bounds() { opt_refused '-init_E_L -90\.?,-40\.? lies outside the bounds' fit -data "$GT" -o r.h5 -bound_E_L -80,-40 -init_E_L -90,-40; }
case_opt_init_inside_ok() { fault_ok fault_fit -o r.h5 -bound_E_L -80,-40 -init_E_L -70,-50; } # an init range inside the bounds is accepted
# issue 12 item 13: a missing or binary -options_file gave a raw PETSc error block
case_opt_options_file_missing() {
  opt_refused '^spikefit: error: -options_file nothere.opts: No such file or directory' fit -data "$GT" -o r.h5 -options_file nothere.opts
  ! grep -q 'PETSC ERROR' out.txt || fault_fail "a raw PETSc error block"
}
case_opt_options_file_binary() {
  head -c 2000 "$GT" > bin.opts
  opt_refused '-options_file bin.opts is binary' fit -data "$GT" -o r.h5 -options_file bin.opts
  ! grep -q 'PETSC ERROR' out.txt || fault_fail "a raw PETSc error block"
}
case_opt_options_file_directory() { mkdir -p d.opts; opt_refused '-options_file d.opts is not a regular file' fit -data "$GT" -o r.h5 -options_file d.opts; }
case_opt_options_file_bad_option() { echo "-fit_iterz 3" > bad.opts; opt_refused 'unknown option for this subcommand: -fit_iterz' fit -data "$GT" -o r.h5 -options_file bad.opts; }
# 3 ranks agree on a bad option and exit at once (no sleep before an abort)
case_opt_error_three_ranks() {
  local t0=$SECONDS
  fault_expect x '-fit_iters must be >= 0' mpirun -n 3 "$SF" fit -data "$GT" -o r.h5 -fit_iters -1
  [ "$(grep -c 'spikefit: error' out.txt)" = 1 ] || fault_fail "the message should be printed once"
  ! grep -q MPI_ABORT out.txt || fault_fail "a collective error needs no MPI_Abort"
  [ $((SECONDS - t0)) -lt 8 ] || fault_fail "took $((SECONDS - t0)) s"
}
