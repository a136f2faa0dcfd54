#!/usr/bin/env bash
# Measures the README's first-run path as a new user meets it: a fresh clone of this checkout's
# HEAD, `npm ci`, the default `npx cellscape search`, then `npx cellscape explore` answering its
# first page. Prints the machine, one line per step with its wall time, and the search's Pareto
# front. The clone is removed at the end. Run it on an otherwise idle machine: the README quotes
# its time.
#
#   bench/first-run.sh                      # the README's default search (minutes of every core)
#   bench/first-run.sh --budget 4           # extra arguments go to `cellscape search` (a smoke run)
set -euo pipefail

repo=$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)
dir=$(mktemp -d "${TMPDIR:-/tmp}/cellscape-first-run.XXXXXX")
explorer_pid=
cleanup() {
  # npx runs the explorer as its child: the whole process group goes, or the server outlives the script.
  if [ -n "$explorer_pid" ]; then kill -- "-$explorer_pid" 2>/dev/null || true; wait "$explorer_pid" 2>/dev/null || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT

seconds() { date +%s.%N; }
report() { printf '%-28s %7.1f s\n' "$1" "$(echo "$3 - $2" | bc)"; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(free -g | awk '/Mem:/ {print $2}') GB"
echo "node $(node --version), npm $(npm --version), commit $(git -C "$repo" rev-parse --short HEAD)"
git clone -q "$repo" "$dir/cellscape"
cd "$dir/cellscape"

t0=$(seconds); npm ci --no-audit --no-fund >"$dir/npm-ci.log" 2>&1 || { cat "$dir/npm-ci.log"; exit 1; }
t1=$(seconds); report "npm ci" "$t0" "$t1"

npx cellscape search "$@" >"$dir/search.log" 2>&1 || { cat "$dir/search.log"; exit 1; }
t2=$(seconds); report "npx cellscape search $*" "$t1" "$t2"
# The front the search printed (its size and each network's accuracy and costs).
tr '\r' '\n' <"$dir/search.log" | sed -n '/^Pareto front/,$p'

setsid npx cellscape explore --port 0 >"$dir/explore.log" 2>&1 &
explorer_pid=$!
for _ in $(seq 1 300); do
  url=$(grep -oE 'http://[0-9.]+:[0-9]+' "$dir/explore.log" || true)
  [ -n "$url" ] && break
  kill -0 "$explorer_pid" 2>/dev/null || { cat "$dir/explore.log"; exit 1; }
  sleep 0.1
done
[ -n "$url" ] || { echo "explore printed no address in 30 s"; cat "$dir/explore.log"; exit 1; }
curl -fsS "$url/" >/dev/null
t3=$(seconds); report "npx cellscape explore" "$t2" "$t3"
