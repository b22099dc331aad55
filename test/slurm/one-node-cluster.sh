#!/usr/bin/env bash
# A throw-away one-node Slurm cluster on this machine, for the deployment tests:
#
#   test/slurm/one-node-cluster.sh start DIR [CPUS]   # munged + slurmctld + slurmd, all state in DIR
#   test/slurm/one-node-cluster.sh stop DIR           # kills exactly the daemons it started
#
# Then `export SLURM_CONF=DIR/slurm.conf` and use sbatch/srun/squeue/scontrol as usual. A munge key
# is made on the spot; munged runs with its own socket; the config needs no cgroups, no accounting
# and no systemd (proctrack/linuxproc, task/none), daemons run as root. Ports: SLURMCTLD_PORT and
# SLURMD_PORT (default: free ones picked by the kernel). Needs Debian's slurm-wlm and munge.
set -euo pipefail
cmd="${1:?usage: $0 start|stop DIR [CPUS]}"
dir="${2:?usage: $0 start|stop DIR [CPUS]}"
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"

stop() {
  for name in slurmd slurmctld munged; do
    local pidfile="$dir/$name.pid"
    [ -f "$pidfile" ] || continue
    local pid
    pid="$(cat "$pidfile")"
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
  done
}

free_port() {
  node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

if [ "$cmd" = stop ]; then
  stop
  exit 0
fi
[ "$cmd" = start ] || { echo "$0: unknown command $cmd (start or stop)" >&2; exit 2; }
cpus="${3:-4}"
host="$(hostname -s)"
mkdir -p "$dir/munge" "$dir/state" "$dir/spool" "$dir/log"
chmod 700 "$dir/munge"

# munge: a fresh key, our own socket, pid and seed files.
dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$dir/munge/munge.key"
munged --force --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.socket" \
  --pid-file="$dir/munged.pid" --log-file="$dir/log/munged.log" --seed-file="$dir/munge/munge.seed"
for _ in $(seq 50); do [ -S "$dir/munge/munge.socket" ] && break; sleep 0.1; done

ctld_port="${SLURMCTLD_PORT:-$(free_port)}"
slurmd_port="${SLURMD_PORT:-$(free_port)}"
cat >"$dir/slurm.conf" <<CONF
ClusterName=segnastest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool/%n
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SlurmdParameters=config_overrides
ReturnToService=2
KillWait=5
MinJobAge=600
SchedulerParameters=nohold_on_prolog_fail
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES
CONF
export SLURM_CONF="$dir/slurm.conf"
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF"
# Up when the node is idle.
for _ in $(seq 300); do
  if sinfo -h -N -o '%t' 2>/dev/null | grep -qE '^idle'; then
    echo "slurm up: SLURM_CONF=$SLURM_CONF node $host ($cpus CPUs)"
    exit 0
  fi
  sleep 0.2
done
echo "$0: the node did not become idle; logs in $dir/log" >&2
sinfo -N >&2 || true
tail -n 20 "$dir/log/slurmctld.log" "$dir/log/slurmd.log" >&2 || true
stop
exit 1
