#!/bin/sh
# A rank stopped (SIGSTOP) or killed (SIGKILL) in the middle of a run ends the whole job
# within --timeout and a few seconds, with a non-zero status and no run file; a stopped
# rank's peers say what they waited for (a wait that polls, or else the watchdog naming the
# phase). Not timed beyond that
# limit: it checks that the job ends, not how fast anything moves.
# Usage: stalled_rank_ends_job.sh MPIEXEC ROOT_FLAG WXFER MODEL DIR stop|kill RANK STRATEGY
set -u
mpiexec=$1
root_flag=$2
wxfer=$3
model=$4
dir=$5
signal=$6
victim=$7
strategy=$8
timeout=5
if [ "$signal" = stop ]; then name=SIGSTOP; else name=SIGKILL; fi
rm -rf "$dir" && mkdir -p "$dir"
log=$dir/job.log
# shellcheck disable=SC2086
"$mpiexec" -np 4 --oversubscribe $root_flag "$wxfer" run --model "$model" --strategy "$strategy" --steps 1000000 \
  --timeout $timeout --out "$dir/run.h5" >"$log" 2>&1 &
job=$!
# Wait until the job is stepping, then find the victim among its ranks.
waited=0
until grep -q "step 3/" "$log" 2>/dev/null; do
  sleep 1
  waited=$((waited + 1))
  if [ $waited -ge 120 ] || ! kill -0 $job 2>/dev/null; then
    echo "the job did not start stepping"; cat "$log"; kill -9 $job 2>/dev/null; exit 1
  fi
done
pid=""
for p in $(pgrep -f "$dir/run.h5"); do
  [ "$p" = $job ] && continue
  if tr '\0' '\n' </proc/"$p"/environ 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=$victim"; then pid=$p; fi
done
[ -n "$pid" ] || { echo "rank $victim not found"; kill -9 $job; exit 1; }
start=$(date +%s)
if [ "$signal" = stop ]; then kill -STOP "$pid"; else kill -KILL "$pid"; fi
# The job must end within the timeout, the watchdog's grace (up to 3 s + 0.25 s a rank) and
# mpirun's teardown; 40 s leaves room for a loaded machine.
while kill -0 $job 2>/dev/null; do
  sleep 1
  if [ $(($(date +%s) - start)) -gt 40 ]; then
    echo "the job still runs 40 s after rank $victim was sent $name"
    kill -9 "$pid" $job 2>/dev/null
    exit 1
  fi
done
wait $job
status=$?
kill -9 "$pid" 2>/dev/null
echo "job ended $(($(date +%s) - start)) s after rank $victim was sent $name, status $status"
[ $status -ne 0 ] || { echo "the job exited 0"; exit 1; }
if [ -e "$dir/run.h5" ] || [ -e "$dir/run.h5.tmp" ]; then echo "a run file was left"; exit 1; fi
if [ "$signal" = stop ]; then
  # Whichever saw it first says so: a wait that polls (its own timeout) or the watchdog.
  grep -Eq "^wxfer: error: (rank [0-9]+ on .*: no progress for [0-9.]+ s \(--timeout\) in $strategy: |timed out after $timeout s waiting for .*rank [0-9]+ on host )" "$log" ||
    { echo "no line naming the rank, its host and what it waited for"; cat "$log"; exit 1; }
  grep "^wxfer: error: " "$log"
fi
exit 0
