#!/usr/bin/env bash
# The shipped Slurm scripts (scripts/slurm/*.sbatch) submitted with sbatch to a real Slurm
# that this test starts (scripts/slurm-local: slurmctld, and a slurmd on each of two hosts
# made by scripts/netns-hosts). Each job must succeed, put its ranks on the nodes its
# placement promises (checked in the run file), verify every byte, and write its results
# where it says; bad input to a script fails the job with one line naming it.
# Usage: slurm_jobs.sh REPO WXFER CHECK_RUN_FILE DIR NAME SUBNET
set -euo pipefail
repo=$1 wxfer=$2 check_run_file=$3 dir=$4 name=$5 subnet=$6

if [[ $(id -u) -ne 0 ]]; then
  echo "skipped: a Slurm with its daemons and hosts needs root"
  exit 77
fi
rm -rf "$dir" && mkdir -p "$dir"
cleanup() { "$repo/scripts/slurm-local" down "$dir/cluster" >/dev/null 2>&1 || true; }
trap cleanup EXIT
"$repo/scripts/slurm-local" up "$dir/cluster" --hosts "$name" 2 "$subnet"
export SLURM_CONF=$dir/cluster/slurm.conf
# shellcheck disable=SC1091  # written by slurm-local: MPI over the hosts' network
source "$dir/cluster/mpi.env"
export WXFER="$wxfer" WXFER_RESULTS="$dir/results"
cd "$repo"
run_args=(--model "$repo/tests/data/tiny-deepseek.json" --steps 2 --warmup 1 --timeout 60)
n1=${name}1 n2=${name}2

# submit JOB_NAME SCRIPT [sbatch options] -- [script args]: queues the job, prints its id.
# Every job is queued at once and waited for together (sbatch --wait polls for tens of seconds).
submit() {
  local job_name=$1 script=$2
  shift 2
  local opts=()
  while (($#)) && [[ "$1" != -- ]]; do
    opts+=("$1")
    shift
  done
  [[ "${1:-}" == -- ]] && shift
  local out
  out=$(sbatch --parsable --job-name="$job_name" --output="$dir/$job_name-%j.out" "${opts[@]}" "scripts/slurm/$script" "$@")
  echo "${out%%;*}"
}

# The state a finished job ended in (Slurm keeps it MinJobAge, 300 s by default).
job_state() { scontrol show job "$1" | grep -o 'JobState=[A-Z_]*' | head -n 1 | cut -d= -f2; }

check_job() {
  local job_name=$1 id=$2 ranks=$3 hosts=$4
  local file="$dir/results/$job_name-$id.h5" state
  state=$(job_state "$id")
  [[ "$state" == COMPLETED ]] || {
    echo "$job_name (job $id) ended $state:"
    cat "$dir/$job_name-$id.out"
    exit 1
  }
  grep -q "every byte verified" "$dir/$job_name-$id.out" || {
    echo "$job_name: no verified step in its output"
    cat "$dir/$job_name-$id.out"
    exit 1
  }
  "$check_run_file" --hosts "$hosts" "$file" "$ranks" 2 gather broadcast rdma
}

rows=$dir/rows.txt
printf '%s\n' "# two small rows: a model each, its layouts" \
  "--model kimi-k2-mini --trainer-layout fsdp=8 --inference-layout tp=4,replicas=2" \
  "--model qwen3-next-mini --trainer-layout fsdp=4 --inference-layout tp=2,replicas=2 --inference-dtype fp8" >"$rows"
single=$(submit single-node single-node.sbatch --ntasks-per-node=4 -- "${run_args[@]}")
apart=$(submit apart apart.sbatch --ntasks-per-node=2 -- "${run_args[@]}")
colocated=$(submit colocated colocated.sbatch --ntasks-per-node=2 -- "${run_args[@]}")
# Open MPI's mpirun inside the allocation (its daemons started through Slurm).
apart_mpirun=$(submit apart-mpirun apart.sbatch --export=ALL,WXFER_LAUNCHER=mpirun --ntasks-per-node=2 -- "${run_args[@]}")
# A simulation sweep as a job array: one file per row, merged and reported.
sweep_id=$(submit sim-sweep sim-sweep.sbatch --export="ALL,WXFER_SWEEP_ROWS=$rows" --array=0-1 \
  --output="$dir/sim-sweep-%A-%a.out" -- --strategy all)
# Bad input: an odd node count for trainers and inference apart fails the job, saying why.
odd=$(submit apart-odd apart.sbatch --nodes=1 --ntasks-per-node=2 -- "${run_args[@]}")

for ((waited = 0; waited < 600; ++waited)); do
  [[ -z "$(squeue -h -o %i)" ]] && break
  sleep 1
done
[[ -z "$(squeue -h -o %i)" ]] || {
  echo "jobs still queued or running after 600 s:"
  squeue
  exit 1
}

check_job single-node "$single" 4 "$n1,$n1,$n1,$n1"
grep -q "^launch: srun --mpi=pmix" "$dir/single-node-$single.out" || {
  echo "single-node: the ranks were not started by srun --mpi=pmix"
  exit 1
}
check_job apart "$apart" 4 "$n1,$n1,$n2,$n2"
check_job colocated "$colocated" 4 "$n1,$n2,$n1,$n2"
check_job apart-mpirun "$apart_mpirun" 4 "$n1,$n1,$n2,$n2"
grep -q "^launch: mpirun" "$dir/apart-mpirun-$apart_mpirun.out" || {
  echo "apart-mpirun: the ranks were not started by mpirun"
  exit 1
}

sweep=$dir/results/sim-sweep-$sweep_id
for row in 0 1; do
  [[ -s "$sweep/row-$row.h5" ]] || {
    echo "sim-sweep: no $sweep/row-$row.h5"
    cat "$dir"/sim-sweep-*.out
    exit 1
  }
done
"$wxfer" merge "$sweep/row-0.h5" "$sweep/row-1.h5" --out "$sweep/all.h5" >/dev/null
labels=$("$wxfer" report --json "$sweep/all.h5" |
  /usr/bin/python3 -c 'import json, sys; print(" ".join(sorted(r["label"] for r in json.load(sys.stdin)["runs"])))')
[[ "$labels" == "broadcast@row=0 broadcast@row=1 gather@row=0 gather@row=1 rdma@row=0 rdma@row=1" ]] || {
  echo "sim-sweep: merged runs are '$labels'"
  exit 1
}

[[ "$(job_state "$odd")" == FAILED ]] || {
  echo "apart.sbatch on one node ended $(job_state "$odd"), not FAILED"
  exit 1
}
grep -q "apart.sbatch: invalid node count 1" "$dir/apart-odd-$odd.out" || {
  echo "apart.sbatch on one node did not say why it failed:"
  cat "$dir/apart-odd-$odd.out"
  exit 1
}
echo "slurm_jobs: ok"
