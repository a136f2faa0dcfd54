#!/usr/bin/env bash
# CPU seconds per candidate of the default search against the previous default (1 epoch x 2,000
# images, 64 candidates, front over accuracy and latency), measured in the same sitting so that
# the machine's load weighs on both alike, and the candidate budget at which the default search
# costs the CPU the previous default's 64 candidates cost. Each search runs twice, at budgets SMALL
# and LARGE, and a candidate's cost is the difference over the extra candidates, so that start-up
# (tsx, data set, one backend per worker) is not counted per candidate.
#
#   bench/default-cost.sh [SMALL LARGE]      # default 1 5: about 6 CPU-minutes
#
# CPU is user + system time of the search process and its worker threads (GNU time).
set -euo pipefail
small=${1:-1}
large=${2:-5}
repo=$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)
dir=$(mktemp -d "${TMPDIR:-/tmp}/cellscape-default-cost.XXXXXX")
trap 'rm -rf "$dir"' EXIT
cd "$repo"

PREVIOUS=(--epochs 1 --train-images 2000 --population 12 --objectives accuracy,latency_ms)
PREVIOUS_BUDGET=64
# The previous default's wall time on a quiet 2-core machine (bench/first-run.sh at e02955d), and the goal.
PREVIOUS_SECONDS=382
GOAL_SECONDS=360

# cpu SEARCH-ARGS...: prints "wall cpu" of one search in a fresh database.
cpu() {
  local db="$dir/$RANDOM.db"
  /usr/bin/time -f '%e %U %S' -o "$dir/time" npx cellscape search --db "$db" --workers 2 "$@" >"$dir/log" 2>&1 \
    || { cat "$dir/log"; exit 1; }
  awk '{ printf "%.1f %.1f\n", $1, $2 + $3 }' "$dir/time"
}

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), commit $(git rev-parse --short HEAD)"
declare -A per start
for name in previous default; do
  if [ "$name" = previous ]; then args=("${PREVIOUS[@]}"); else args=(); fi
  read -r w1 c1 < <(cpu "${args[@]}" --budget "$small")
  read -r w2 c2 < <(cpu "${args[@]}" --budget "$large")
  per[$name]=$(echo "scale=2; ($c2 - $c1) / ($large - $small)" | bc)
  startup=$(echo "scale=1; $c1 - $small * ${per[$name]}" | bc)
  start[$name]=$startup
  printf '%-9s budget %d: %6.1f s wall %6.1f s CPU; budget %d: %6.1f s wall %6.1f s CPU; %6.1f CPU s a candidate, start-up %5.1f CPU s\n' \
    "$name" "$small" "$w1" "$c1" "$large" "$w2" "$c2" "${per[$name]}" "$startup"
done
echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
ratio=$(echo "scale=2; ${per[default]} / ${per[previous]}" | bc)
echo "a default candidate costs ${ratio}x a previous one: the previous default's $PREVIOUS_BUDGET candidates cost as much CPU as $(echo "$PREVIOUS_BUDGET / $ratio" | bc) of today's"
# Wall time taken as proportional to CPU (both searches keep 2 workers busy): the budget whose CPU is
# the previous default's scaled from its measured quiet time to the goal.
echo "estimate: $GOAL_SECONDS s on a quiet machine (the previous default took $PREVIOUS_SECONDS s) at a budget of $(echo "((${start[previous]} + $PREVIOUS_BUDGET * ${per[previous]}) * $GOAL_SECONDS / $PREVIOUS_SECONDS - ${start[default]}) / ${per[default]}" | bc) candidates"
