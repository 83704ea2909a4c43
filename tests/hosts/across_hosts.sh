#!/usr/bin/env bash
# A wxfer run across hosts: network namespaces made here (scripts/netns-hosts), ranks placed
# on them by mpirun, every strategy verified byte for byte, the run file checked (each rank
# on its host, MPI choosing its across-host paths). With --rate, the trainers' host sends
# through a link capped at RATE: no step may land bytes faster than that link carries them,
# which holds only if the bytes crossed it (not shared memory behind the namespaces' backs),
# and the run's bound is that link's (the bytes over the rate measured through it).
# Usage: across_hosts.sh NETNS_HOSTS WXFER CHECK_RUN_FILE DIR NAME SUBNET HOSTS PLACE RANK_HOSTS
#                        STRATEGIES [--rate HOST RATE_MBIT] -- RUN-ARGS...
#   PLACE: mpirun's placement options, as one word (e.g. "--host mha1:2,mha2:2 --map-by node");
#   RANK_HOSTS: each rank's host, in rank order.
set -euo pipefail
netns_hosts=$1 wxfer=$2 check_run_file=$3 dir=$4 name=$5 subnet=$6 hosts=$7 place=$8 rank_hosts=$9
strategies=${10}
shift 10
rate_host="" rate_mbit=""
if [[ "${1:-}" == --rate ]]; then
  rate_host=$2 rate_mbit=$3
  shift 3
fi
[[ "${1:-}" == -- ]] && shift

if [[ $(id -u) -ne 0 ]]; then
  echo "skipped: several hosts need network namespaces (root)"
  exit 77
fi
rm -rf "$dir" && mkdir -p "$dir"
cleanup() { "$netns_hosts" down "$name" >/dev/null 2>&1 || true; }
trap cleanup EXIT
"$netns_hosts" down "$name" >/dev/null 2>&1 || true
"$netns_hosts" up "$name" "$hosts" "$subnet"
[[ -n "$rate_host" ]] && "$netns_hosts" link "$name" "$rate_host" rate "${rate_mbit}mbit"

np=$(tr ',' '\n' <<<"$rank_hosts" | wc -l)
strategy_arg=$strategies
[[ "$strategies" == *,* ]] && strategy_arg=all
# A hung job must not outlive the test: the ranks' own deadline first, then this.
read -ra place_args <<<"$place"
timeout -k 10 400 "$netns_hosts" mpirun "$name" -np "$np" "${place_args[@]}" \
  "$wxfer" run --strategy "$strategy_arg" --steps 2 --warmup 1 --timeout 60 --out "$dir/run.h5" "$@" >"$dir/job.log" 2>&1 ||
  {
    echo "the job failed (status $?):"
    cat "$dir/job.log"
    exit 1
  }
# shellcheck disable=SC2046  # one argument per strategy
"$check_run_file" --hosts "$rank_hosts" "$dir/run.h5" "$np" 2 $(tr ',' ' ' <<<"$strategies")

if [[ -n "$rate_host" ]]; then
  "$wxfer" report --json "$dir/run.h5" >"$dir/report.json"
  # The cap is tc's token bucket: its burst (256 KiB) is the only slack; 10% on top.
  /usr/bin/python3 - "$dir/report.json" "$rate_mbit" <<'EOF'
import json, sys
report = json.load(open(sys.argv[1]))
cap = float(sys.argv[2]) * 1e6 / 8
failed = False
for run in report["runs"]:
    fastest = run["bytes_per_step"] / run["median_seconds"]
    print(f"{run['label']}: {fastest / 1e6:.1f} MB/s landed through a {cap / 1e6:.1f} MB/s link")
    if fastest > 1.1 * cap + 256 * 1024 / run["median_seconds"]:
        print(f"{run['label']}: landed faster than the link carries: the bytes did not all cross it")
        failed = True
    # The bound is the busiest host link's bytes at its rate, measured through the same cap.
    if run["bound_kind"] != "network" or run["lower_bound_seconds"] < 0.9 * run["bytes_per_step"] / cap:
        print(f"{run['label']}: bound {run['lower_bound_seconds']} s ({run['bound_kind']}), "
              f"not the link's {run['bytes_per_step'] / cap} s")
        failed = True
sys.exit(1 if failed else 0)
EOF
fi
echo "across_hosts: ok"
