#!/bin/sh
# scripts/plot on the sample files: every PNG it should write exists and is a PNG.
# Exit 77 (ctest: skipped) only when the system python lacks h5py or matplotlib.
set -eu
plot=$1
samples=$2
wxfer=$3
/usr/bin/python3 -c "import h5py, matplotlib" 2>/dev/null || { echo "h5py/matplotlib missing: skipped"; exit 77; }
out=$samples/plots
rm -rf "$out"
"$plot" "$samples/base.h5" -o "$out"
"$plot" "$samples/sweep.h5" -o "$out"
for png in base-timeline base-stages sweep-timeline sweep-stages sweep-scaling; do
  test -s "$out/$png.png" || { echo "missing $out/$png.png"; exit 1; }
  head -c 8 "$out/$png.png" | od -An -c | grep -q 'P   N   G' || { echo "$png.png is not a PNG"; exit 1; }
done
# A plain run (all groups share their params) has no scaling plot.
test ! -e "$out/base-scaling.png" || { echo "unexpected base-scaling.png"; exit 1; }
/usr/bin/python3 "$(dirname "$0")/plot_matches_report.py" "$plot" "$wxfer" "$samples/base.h5" "$samples/hand.h5" \
  "$samples/sweep.h5"
echo "plots ok"
