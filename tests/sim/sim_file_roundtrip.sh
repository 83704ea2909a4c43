#!/bin/sh
# `wxfer sim --out` writes a run file that wxfer report, wxfer trace and scripts/plot read
# unchanged: a sweep over inference sizes, every group marked simulated with a link bound.
set -eu
wxfer=$1
plot=$2
dir=$3
rm -rf "$dir" && mkdir -p "$dir"
"$wxfer" sim --cluster h100-ib400 --model kimi-k2-mini --trainer-layout fsdp=4 --inference-layout tp=2 \
  --inference-dtype fp8 --inference-gpus 2,4,8 --out "$dir/sim.h5" >/dev/null
test ! -e "$dir/sim.h5.tmp" || { echo "left a temporary file"; exit 1; }
"$wxfer" report "$dir/sim.h5" --json >"$dir/report.json"
/usr/bin/python3 - "$dir/report.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
runs = doc["files"][0]["runs"] if "files" in doc else doc["runs"]
labels = [r["label"] for r in runs]
want = [f"{s}@inference_gpus={n}" for n in (2, 4, 8) for s in ("gather", "broadcast", "rdma")]
assert labels == want, labels
for r in runs:
    assert r["simulated"], r["label"]
    assert r["lower_bound_seconds"] > 0 and r["median_seconds"] >= r["lower_bound_seconds"], r
print("report ok")
PY
"$wxfer" report "$dir/sim.h5" | grep -q '| rdma@inference_gpus=8 | rdma | simgrid (sim) |'
"$wxfer" trace "$dir/sim.h5" -o "$dir/trace.json" --run rdma@inference_gpus=4 | grep -q "wrote"
/usr/bin/python3 -c "import h5py, matplotlib" 2>/dev/null || { echo "h5py/matplotlib missing: plot skipped"; exit 0; }
"$plot" "$dir/sim.h5" -o "$dir/plots" >/dev/null
test -s "$dir/plots/sim-scaling.png" || { echo "no scaling plot for a sweep"; exit 1; }
echo "sim file ok"
