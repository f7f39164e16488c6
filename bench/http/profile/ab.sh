#!/usr/bin/env bash
# A/B comparison of two server jars on one machine: both servers run side by side (the idle one
# costs next to nothing), are warmed up alike, then measured in alternation, so a change in the
# machine's speed during the run (shared hosts drift by 30% and more within minutes) hits both
# alike. Prints, per round and endpoint, requests/s and the CPU per request of each jar's JVM and
# of its embedded PostgreSQL (every process of it).
#
# Usage: bench/http/profile/ab.sh JAR_A JAR_B [rounds, default 4] [seconds per run, default 15]
# Env:   JOPTS (the servers' JVM options, default -XX:+UseZGC as bin/arbiter); JOPTS_A and
#        JOPTS_B override it per side (the same jar twice with two collectors, say)
# Needs wrk and python3.
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$root"
jar_a=$(realpath "$1")
jar_b=$(realpath "$2")
rounds=${3:-4}
secs=${4:-15}
java_home=$(sh bin/find-jdk) || { echo "needs a JDK 21+" >&2; exit 2; }
java="$java_home/bin/java"
JOPTS=${JOPTS--XX:+UseZGC}
JOPTS_A=${JOPTS_A-$JOPTS}
JOPTS_B=${JOPTS_B-$JOPTS}
. bench/http/server.sh

declare -A pids bases keys datas
dirs=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "${dirs[@]}"
}
for side in a b; do
  jar=$([ $side = a ] && echo "$jar_a" || echo "$jar_b")
  JOPTS=$([ $side = a ] && echo "$JOPTS_A" || echo "$JOPTS_B")
  data=$(mktemp -d)
  dirs+=("$data")
  port=$([ $side = a ] && echo 18191 || echo 18192)
  start_bench_server
  trap cleanup EXIT
  pids[$side]=$pid
  datas[$side]=$data
  bases[$side]=$base
  keys[$side]=$KEY
done

# run SIDE NAME wrk-args...: one measured run, prints "name side rps jvm-cpu-us/req pg-cpu-us/req"
run() {
  local side=$1 name=$2; shift 2
  local p=${pids[$side]} c0 c1 g0 g1 out
  c0=$(jvm_cpu_ticks "$p")
  g0=$(pg_cpu_ticks "${datas[$side]}")
  out=$(env KEY="${keys[$side]}" "$@")
  c1=$(jvm_cpu_ticks "$p")
  g1=$(pg_cpu_ticks "${datas[$side]}")
  local rps
  rps=$(echo "$out" | awk '/^Requests\/sec/ {print $2}')
  awk -v n="$name" -v s="$side" -v r="$rps" -v a="$c0" -v b="$c1" -v c="$g0" -v d="$g1" -v t="$secs" \
    'BEGIN {printf "%s %s %.0f %.0f %.1f\n", n, s, r, (b - a) * 10000 / (r * t), (d - c) * 10000 / (r * t)}'
}
# Warm-up, the two sides in alternation: the JIT needs a minute and more on a slow 2-core machine.
# (Warming a fully, then b, and measuring a before b in every round favoured b: the same two jars
# swapped read 133 against 119 µs per Recommend, then 144 against 120, the winner each time the
# side measured second; bench/RESULTS.md, fifth session.)
for _ in 1 2 3 4; do
  for side in a b; do
    env KEY="${keys[$side]}" FLOW=ref100 wrk -t2 -c32 -d20s -s bench/http/recommend.lua \
      "${bases[$side]}/api/v1/recommend" >/dev/null
  done
done
for side in a b; do
  wrk -t2 -c32 -d20s -s bench/http/live.lua "${bases[$side]}/health/live" >/dev/null
done
results=$(mktemp)
for r in $(seq 1 "$rounds"); do
  # odd rounds measure a first, even rounds b first
  order="a b"
  if [ $((r % 2)) -eq 0 ]; then order="b a"; fi
  for side in $order; do
    run $side recommend-100 env FLOW=ref100 wrk -t2 -c32 -d"${secs}s" -s bench/http/recommend.lua \
      "${bases[$side]}/api/v1/recommend" | tee -a "$results"
    run $side live wrk -t2 -c32 -d"${secs}s" -s bench/http/live.lua "${bases[$side]}/health/live" \
      | tee -a "$results"
  done
done
echo
python3 - "$results" <<'PY'
import sys, collections, statistics
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    name, side, rps, cpu, pg = line.split()
    rows[(name, side)].append((float(rps), float(cpu), float(pg)))
print("| endpoint | jar | requests/s (median) | JVM CPU µs/request (median) | PostgreSQL CPU µs/request (median) |")
print("|---|---|---|---|---|")
for (name, side), v in sorted(rows.items()):
    print(f"| {name} | {side} | {statistics.median(x[0] for x in v):.0f} | {statistics.median(x[1] for x in v):.0f} | {statistics.median(x[2] for x in v):.1f} |")
ratio = {}
for side in "ab":
    rec = [x[0] for x in rows[("recommend-100", side)]]
    live = [x[0] for x in rows[("live", side)]]
    ratio[side] = statistics.median(r / l for r, l in zip(rec, live))
print()
print("ratio recommend-100 / live (median of rounds): " + ", ".join(f"{s} {ratio[s]:.2f}" for s in "ab"))
PY
# what the decision log could not keep up with: a change that drops events is not faster
for side in a b; do
  echo "jar $side: $(curl -s "${bases[$side]}/metrics" | grep '^arbiter_decision_log_dropped_total' | tr '\n' ' ')"
done
