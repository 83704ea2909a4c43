#!/bin/sh
# Every row of scripts/slurm/sim-sweep.sbatch's own table simulates as shipped (its model,
# cluster and layouts are accepted); broadcast only, the quickest replay of each.
# Usage: sweep_rows_as_shipped.sh WXFER SBATCH_SCRIPT
set -u
wxfer=$1 script=$2
rows=$(grep -o '^  "--model[^"]*"' "$script" | tr -d '"')
[ -n "$rows" ] || { echo "no rows found in $script"; exit 1; }
failed=0
echo "$rows" | while read -r row; do
  # shellcheck disable=SC2086  # a row is a list of options
  if ! out=$("$wxfer" sim $row --strategy broadcast 2>&1); then
    echo "row failed: $row"
    echo "$out"
    exit 1
  fi
  echo "ok: $row"
done || failed=1
exit $failed
