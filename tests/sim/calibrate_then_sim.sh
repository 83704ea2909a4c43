#!/bin/sh
# `wxfer calibrate` under mpirun writes a cluster file that `wxfer sim` reads, for a layout
# of the same rank count. Not timed: it checks the file, never the figures in it.
set -eu
mpiexec=$1
root_flag=$2
wxfer=$3
dir=$4
rm -rf "$dir" && mkdir -p "$dir"
# shellcheck disable=SC2086
"$mpiexec" -np 4 --oversubscribe $root_flag "$wxfer" calibrate --message-size 1MiB --broadcast-size 1MiB --repeats 1 --out "$dir/local.toml" >"$dir/calibrate.log"
test -s "$dir/local.toml" || { echo "no cluster file"; exit 1; }
test ! -e "$dir/local.toml.tmp" || { echo "left a temporary file"; exit 1; }
grep -q '^gpus = 4$' "$dir/local.toml" || { echo "not a 4-rank node"; exit 1; }
grep -q '^node_memory = ' "$dir/local.toml" || { echo "no shared memory link"; exit 1; }
grep -q '^one_sided_strided = ' "$dir/local.toml" || { echo "no strided put efficiency"; exit 1; }
# The all-to-all put probe ran and moved bytes inside its window.
grep -Eq '^# direct put, every sender to every receiver .* [0-9]+\.[0-9]+ GB/s' "$dir/local.toml" || { echo "no all-to-all put probe"; exit 1; }
! grep -Eq '^# direct put, every sender to every receiver .* 0\.00 GB/s' "$dir/local.toml" || { echo "all-to-all put probe moved nothing"; exit 1; }
# Every probe says its median, spread and samples (--repeats 1: one sample each, steady).
[ "$(grep -Ec '^# (copy|MPI|direct put|broadcast).* (GB/s|us) +[0-9]+\.[0-9]% +1$' "$dir/local.toml")" = 12 ] || { echo "not 12 probes of one sample each"; exit 1; }
! grep -q 'NOT STEADY' "$dir/local.toml" || { echo "one sample flagged as not steady"; exit 1; }
# One host: the put probes write into shared-memory windows, as the run's rdma receivers expose.
grep -q '^# direct put into MPI_Win_allocate_shared windows, one pair alone ' "$dir/local.toml" || { echo "puts not direct copies into shared windows"; exit 1; }
# One host: the mpi transport broadcasts as a flat tree, the replay's linear broadcast.
grep -q '^broadcast = "linear"$' "$dir/local.toml" || { echo "not the linear broadcast"; exit 1; }
grep -q 'broadcast (flat tree) of 1.00 MiB' "$dir/local.toml" || { echo "the probe did not broadcast as the run does"; exit 1; }
# Forced to MPI_Ibcast with 4 receivers: groups of 5, which Open MPI's libnbc broadcasts as
# a binomial tree (the replay's tree); and puts into MPI_Win_allocate windows.
# shellcheck disable=SC2086
WXFER_MPI_BROADCAST=mpi WXFER_MPI_RMA_WINDOW=allocate "$mpiexec" -np 8 --oversubscribe $root_flag "$wxfer" calibrate --message-size 1MiB --broadcast-size 1MiB \
  --repeats 1 --out "$dir/ibcast.toml" >"$dir/calibrate-ibcast.log"
grep -q '^broadcast = "tree"$' "$dir/ibcast.toml" || { echo "WXFER_MPI_BROADCAST=mpi: not the tree broadcast"; exit 1; }
grep -q 'broadcast (MPI_Ibcast) of 1.00 MiB' "$dir/ibcast.toml" || { echo "WXFER_MPI_BROADCAST=mpi: the probe did not use MPI_Ibcast"; exit 1; }
grep -q '^# MPI_Put into MPI_Win_allocate windows' "$dir/ibcast.toml" || { echo "WXFER_MPI_RMA_WINDOW=allocate: puts not into MPI_Win_allocate windows"; exit 1; }
! grep -Eq '^# MPI_Put, every sender to every receiver .* 0\.00 GB/s' "$dir/ibcast.toml" || { echo "WXFER_MPI_RMA_WINDOW=allocate: all-to-all put probe moved nothing"; exit 1; }
"$wxfer" sim --cluster "$dir/local.toml" --model kimi-k2-mini --trainer-layout fsdp=2 --inference-layout tp=2 \
  --chunk-size 8MiB --json >"$dir/sim.json"
/usr/bin/python3 - "$dir/sim.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
assert [r["strategy"] for r in doc["runs"]] == ["gather", "broadcast", "rdma"], doc["runs"]
for r in doc["runs"]:
    assert r["seconds"] >= r["lower_bound_seconds"] > 0, r
print("calibrated file simulates")
PY
