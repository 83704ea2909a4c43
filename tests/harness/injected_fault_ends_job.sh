#!/bin/sh
# `wxfer run --inject stall|kill:rank=R,step=S`: the rank stops (or dies) as step S's update
# starts; the job must end within --timeout and the watchdog's grace, with a non-zero status,
# no run file, and (for a stall) a line naming the deadline that passed. Not timed beyond
# that limit: it checks that the job ends, not how fast anything moves.
# Usage: injected_fault_ends_job.sh MPIEXEC ROOT_FLAG WXFER MODEL DIR stall|kill RANK STRATEGY
set -u
mpiexec=$1 root_flag=$2 wxfer=$3 model=$4 dir=$5 kind=$6 victim=$7 strategy=$8
timeout=5
rm -rf "$dir" && mkdir -p "$dir"
log=$dir/job.log
start=$(date +%s)
# shellcheck disable=SC2086
timeout -k 5 90 "$mpiexec" -np 4 --oversubscribe $root_flag "$wxfer" run --model "$model" --strategy "$strategy" \
  --steps 3 --timeout $timeout --inject "$kind:rank=$victim,step=1" --out "$dir/run.h5" >"$log" 2>&1
status=$?
took=$(($(date +%s) - start))
echo "job ended after $took s, status $status"
# timeout(1) ends a job still running at 90 s (status 124, or 137 after its KILL); a killed
# rank makes mpiexec exit 137 too, so the time tells them apart.
[ $took -lt 90 ] || { echo "the job did not end by itself within 90 s"; cat "$log"; exit 1; }
[ $status -ne 0 ] || { echo "the job exited 0"; cat "$log"; exit 1; }
if [ -e "$dir/run.h5" ] || [ -e "$dir/run.h5.tmp" ]; then echo "a run file was left"; exit 1; fi
grep -q "step 1/3" "$log" || { echo "step 0 did not complete before the fault"; cat "$log"; exit 1; }
if grep -q "step 2/3" "$log"; then echo "a step completed after the fault"; cat "$log"; exit 1; fi
if [ "$kind" = stall ]; then
  grep -Eq "^wxfer: error: (rank [0-9]+ on .*: no progress for [0-9.]+ s \(--timeout\) in $strategy: |timed out after $timeout s waiting for )" "$log" ||
    { echo "no line naming the deadline that passed"; cat "$log"; exit 1; }
fi
grep "^wxfer: error: " "$log" | head -n 3
exit 0
