#!/bin/sh
# scripts/plot on a real sweep file: a scaling plot next to the timeline and stage plots.
# Exit 77 (ctest: skipped) only when the system python lacks h5py or matplotlib.
set -eu
plot=$1
file=$2
out=$3
/usr/bin/python3 -c "import h5py, matplotlib" 2>/dev/null || { echo "h5py/matplotlib missing: skipped"; exit 77; }
rm -rf "$out"
name=$(basename "$file" .h5)
/usr/bin/python3 "$plot" "$file" -o "$out"
for png in timeline stages scaling; do
  test -s "$out/$name-$png.png" || { echo "missing $out/$name-$png.png"; exit 1; }
  head -c 8 "$out/$name-$png.png" | od -An -c | grep -q 'P   N   G' || { echo "$name-$png.png is not a PNG"; exit 1; }
done
echo "sweep plots ok"
