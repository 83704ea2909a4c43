#!/usr/bin/env bash
# A host's link taken down in the middle of a run: every rank (on both sides of the dead
# link) ends within --timeout and the watchdog's grace, the ranks that can still talk to
# mpirun say which deadline passed, and no run file is left behind. Once the link is back,
# mpirun (which waits for its unreachable daemon) ends with the watchdog's status, 4.
# Not timed beyond those limits: it checks that the job ends, not how fast anything moves.
# Usage: link_down.sh NETNS_HOSTS WXFER MODEL DIR NAME SUBNET STRATEGY
set -euo pipefail
netns_hosts=$1 wxfer=$2 model=$3 dir=$4 name=$5 subnet=$6 strategy=$7
timeout=8

if [[ $(id -u) -ne 0 ]]; then
  echo "skipped: several hosts need network namespaces (root)"
  exit 77
fi
rm -rf "$dir" && mkdir -p "$dir"
log=$dir/job.log
job=""
cleanup() {
  [[ -n "$job" ]] && kill -9 "$job" 2>/dev/null
  "$netns_hosts" down "$name" >/dev/null 2>&1 || true
}
trap cleanup EXIT
"$netns_hosts" down "$name" >/dev/null 2>&1 || true
"$netns_hosts" up "$name" 2 "$subnet"

# wxfer processes still alive on the hosts (their PIDs as the machine sees them).
ranks_alive() {
  local host
  for host in "${name}1" "${name}2"; do
    for p in $(ip netns pids "$host" 2>/dev/null); do
      [[ "$(cat /proc/"$p"/comm 2>/dev/null)" == wxfer ]] && echo "$p"
    done
  done
}

"$netns_hosts" mpirun "$name" -np 4 --host "${name}1:2,${name}2:2" "$wxfer" run --model "$model" --strategy "$strategy" \
  --steps 1000000 --timeout $timeout --out "$dir/run.h5" >"$log" 2>&1 &
job=$!
waited=0
until grep -q "step 3/" "$log" 2>/dev/null; do
  sleep 1
  waited=$((waited + 1))
  if ((waited >= 120)) || ! kill -0 $job 2>/dev/null; then
    echo "the job did not start stepping"
    cat "$log"
    exit 1
  fi
done

"$netns_hosts" link "$name" "${name}2" down
down_at=$(date +%s)
# The deadline, the watchdog's grace (up to 3 s + 0.25 s a rank), and room for a loaded machine.
while [[ -n "$(ranks_alive)" ]]; do
  sleep 1
  if (($(date +%s) - down_at > 45)); then
    echo "ranks still run 45 s after ${name}2's link went down: $(ranks_alive | tr '\n' ' ')"
    cat "$log"
    exit 1
  fi
done
echo "every rank ended $(($(date +%s) - down_at)) s after the link went down (--timeout $timeout)"

"$netns_hosts" link "$name" "${name}2" up
status=0
for ((i = 0; i < 60; ++i)); do
  kill -0 $job 2>/dev/null || break
  sleep 1
done
if kill -0 $job 2>/dev/null; then
  echo "mpirun still runs 60 s after the link came back"
  exit 1
fi
wait $job || status=$?
job=""
grep -E "wxfer: error: rank [0-9]+ on ${name}1: no progress for .* \(--timeout\)|timed out after $timeout s waiting for" "$log" || {
  echo "no rank said which deadline passed:"
  cat "$log"
  exit 1
}
[[ $status -ne 0 ]] || {
  echo "the job ended with status 0"
  exit 1
}
[[ $status -eq 4 || $status -eq 1 ]] || {
  echo "the job ended with status $status (expected the watchdog's 4, or 1 for a wait that timed out)"
  exit 1
}
[[ ! -e "$dir/run.h5" ]] || {
  echo "a run file was left behind"
  exit 1
}
echo "link_down: ok (status $status)"
