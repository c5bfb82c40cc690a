#!/usr/bin/env bash
# Stop the single-node SLURM started by tests/slurm/start_local_slurm.sh: cancels every job and
# makes sure their processes are gone, stops slurmd and slurmctld (found by their pid files) and
# munged if start_local_slurm.sh started it. Leaves /etc/slurm/slurm.conf and the state
# directory in place; idempotent; every wait is bounded (about 1 min at most in all).
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
# pids of the processes of all job steps on this node (scontrol asks the slurmstepds directly)
job_pids() { timeout 10 scontrol listpids 2>/dev/null | awk '$1 ~ /^[0-9]+$/ {print $1}'; }
active() { [ -n "$(timeout 10 squeue -h -o %i 2>/dev/null)" ]; }

if alive "$STATE/slurmctld.pid"; then
  timeout 20 scancel --full --quiet --user=root >/dev/null 2>&1 || true
  # the jobs get SIGTERM (they may checkpoint); after 10 s SIGKILL what is left
  for i in $(seq 1 40); do
    active || break
    if [ "$i" = 20 ]; then
      echo "stop_local_slurm: jobs still active after 10 s, sending SIGKILL"
      timeout 20 scancel --full --quiet --signal=KILL --user=root >/dev/null 2>&1 || true
    fi
    sleep 0.5
  done
  active && echo "stop_local_slurm: WARNING: jobs still listed by squeue: $(squeue -h -o '%i %T' | tr '\n' ' ')"
fi
# processes of job steps that outlived the cancel (e.g. slurmd was already gone): kill them by pid
left=$(job_pids | tr '\n' ' ')
if [ -n "${left// /}" ]; then
  echo "stop_local_slurm: killing leftover job processes: $left"
  # shellcheck disable=SC2086
  kill -9 $left 2>/dev/null
  for _ in $(seq 1 20); do [ -z "$(job_pids)" ] && break; sleep 0.5; done
fi
stop "$STATE/slurmd.pid" slurmd
stop "$STATE/slurmctld.pid" slurmctld
if [ "${SPIKEFIT_SLURM_KEEP_MUNGE:-0}" != 1 ] && [ -e "$STATE/munged.started" ]; then
  stop /run/munge/munged.pid munged
  rm -f "$STATE/munged.started"
fi
exit 0
