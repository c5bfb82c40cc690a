#!/usr/bin/env bash
# Stop the single-node SLURM started by tests/slurm/start_local_slurm.sh: cancels every job,
# stops slurmd and slurmctld (found by their pid files) and munged (by its pid file).
# Leaves /etc/slurm/slurm.conf and the state directory in place; idempotent.
#   SPIKEFIT_SLURM_STATE  state directory (default /var/spool/spikefit-slurm)
#   SPIKEFIT_SLURM_KEEP_MUNGE=1  leave munged running
set -u
STATE=${SPIKEFIT_SLURM_STATE:-/var/spool/spikefit-slurm}
PATH=/usr/sbin:/sbin:$PATH

alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
stop() { # pidfile name
  if alive "$1"; then
    local pid; pid=$(cat "$1")
    kill "$pid" 2>/dev/null
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid" 2>/dev/null; fi
    echo "stop_local_slurm: stopped $2 (pid $pid)"
  fi
}

if alive "$STATE/slurmctld.pid"; then
  scancel --full --quiet --user=root >/dev/null 2>&1 || true
  # give slurmd a moment to kill job steps before it goes away
  for _ in $(seq 1 30); do
    [ -z "$(squeue -h -o %i 2>/dev/null)" ] && break
    sleep 0.5
  done
fi
stop "$STATE/slurmd.pid" slurmd
stop "$STATE/slurmctld.pid" slurmctld
if [ "${SPIKEFIT_SLURM_KEEP_MUNGE:-0}" != 1 ]; then
  stop /run/munge/munged.pid munged
fi
exit 0
