#!/usr/bin/env bash
# JVM CPU per request of Recommend on flow ref100 and of GET /health/live, on one server, after
# warm-up: what bench/RESULTS.md's "jvm-cpu-us/req" figures are (less noisy than requests/s on a
# shared 2-core machine). With PROF=1 it also records an async-profiler CPU profile of each
# measured run (collapsed stacks, one line per stack, to OUT-rec.collapsed / OUT-live.collapsed).
#
# Usage: bench/http/profile/cpu-per-request.sh NAME [seconds per run, default 15]
# Env:   JAR (default server/target/arbiter.jar), JOPTS (extra JVM options), PROF=1,
#        EVENT (async-profiler event, default cpu), INTERVAL (default 1ms), OUT (default /tmp/NAME)
# Needs wrk and python3; PROF=1 fetches tools.profiler:async-profiler from Maven Central.
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$root"
name=$1
secs=${2:-15}
out=${OUT:-/tmp/$name}
java_home=$(sh bin/find-jdk) || { echo "needs a JDK 21+" >&2; exit 2; }
java="$java_home/bin/java"
jar=${JAR:-server/target/arbiter.jar}
data=$(mktemp -d)
port=${PORT:-18181}
if [ -n "${PROF:-}" ]; then
  lib="$data/ap/linux-x64/libasyncProfiler.so"
  JAVA_HOME="$java_home" ./mvnw -q -B dependency:get \
    -Dartifact=tools.profiler:async-profiler:4.2:jar:linux-x64 >/dev/null
  (mkdir -p "$data/ap" && cd "$data/ap" \
    && unzip -q -o ~/.m2/repository/tools/profiler/async-profiler/4.2/async-profiler-4.2-linux-x64.jar)
fi
. bench/http/server.sh
start_bench_server
for _ in 1 2; do
  env FLOW=ref100 wrk -t2 -c32 -d"${secs}s" -s bench/http/recommend.lua "$base/api/v1/recommend" >/dev/null
done
wrk -t2 -c32 -d"${secs}s" -s bench/http/live.lua "$base/health/live" >/dev/null
attach() { "$java" bench/http/profile/Attach.java "$pid" "$1" "$lib" >/dev/null; }
measure() { # name wrk-args...
  local run=$1; shift
  [ -n "${PROF:-}" ] && attach "start,event=${EVENT:-cpu},interval=${INTERVAL:-1ms},threads"
  local c0 c1
  c0=$(jvm_cpu_ticks "$pid")
  "$@" >"$data/$run.txt"
  c1=$(jvm_cpu_ticks "$pid")
  [ -n "${PROF:-}" ] && attach "stop,file=$out-$run.collapsed,collapsed"
  local rps
  rps=$(awk '/^Requests\/sec/ {print $2}' "$data/$run.txt")
  echo "$run rps=$rps p50=$(awk '$1=="50%" {print $2}' "$data/$run.txt")" \
    "p99=$(awk '$1=="99%" {print $2}' "$data/$run.txt")" \
    "jvm-cpu-us/req=$(awk -v a="$c0" -v b="$c1" -v r="$rps" -v s="$secs" 'BEGIN {printf "%.0f", (b - a) * 10000 / (r * s)}')"
}
measure rec env FLOW=ref100 wrk -t2 -c32 -d"${secs}s" --latency -s bench/http/recommend.lua "$base/api/v1/recommend"
measure live wrk -t2 -c32 -d"${secs}s" --latency -s bench/http/live.lua "$base/health/live"
