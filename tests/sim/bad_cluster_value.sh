#!/bin/sh
# A cluster file with an out-of-range value: `wxfer sim` fails (non-zero exit) with one line
# naming the key and the value.
set -u
wxfer=$1
dir=$2
rm -rf "$dir" && mkdir -p "$dir"
printf '[efficiency]\none_sided_strided = 1.5\n' >"$dir/bad.toml"
if "$wxfer" sim --cluster "$dir/bad.toml" --model kimi-k2-mini --trainer-layout fsdp=2 --inference-layout tp=2 \
  >"$dir/out" 2>"$dir/err"; then
  echo "accepted a strided efficiency of 1.5"; exit 1
fi
test "$(wc -l <"$dir/err")" -eq 1 || { echo "not one line:"; cat "$dir/err"; exit 1; }
grep -q "efficiency.one_sided_strided" "$dir/err" || { echo "no key:"; cat "$dir/err"; exit 1; }
grep -q "got 1.5" "$dir/err" || { echo "no value:"; cat "$dir/err"; exit 1; }
echo "rejected: $(cat "$dir/err")"
