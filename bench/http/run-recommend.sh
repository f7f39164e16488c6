#!/usr/bin/env bash
# HTTP benchmark of Recommend beside GET /health/live on the same server in the same run.
# Starts the server on the embedded defaults (fresh data dir), imports the reference catalog
# (bench/http/make-catalog.py: flows ref100 and ref1000), then: warm-up; ROUNDS rounds of a peak
# run (wrk -t2 -c32) of /health/live followed by one of Recommend on 100 offers; a peak run of
# Recommend on 1,000 offers; and, once the decision log has written the events queued so far, a
# paced run of Recommend on 100 offers at half its peak rate, whose latency is measured from each
# request's scheduled send time (corrected for coordinated omission, see pacing.lua); then,
# once server and database are idle (the peak runs leave the database an autovacuum and a
# checkpoint to do, on the same two cores), the same paced run again; then, at the same rate,
# /health/live and a server that does nothing (Floor.java): the latency floors under Recommend's.
# The ratio is taken per round, from two runs a few seconds apart, and the median round's is
# reported: a shared machine's speed drifts by a third within minutes, which a single pair of
# runs reads as a change in the ratio (single runs moved it by about 0.1).
# Usage: bench/http/run-recommend.sh [seconds per run, default 20]
# Needs wrk (Debian: apt-get install wrk) and python3. Prints a markdown table and the decision
# events written, dropped and waited for; exits 1 when any event was dropped (an invalid run).
# Env: JOPTS, the server's JVM options (default -XX:+UseZGC, as bin/arbiter; JOPTS= for G1);
#      WARMUPS, warm-up runs of Recommend on 100 offers (default 3); ROUNDS (default 3);
#      JAR, the server jar (default server/target/arbiter.jar, built when missing), to measure an
#      earlier build in the same session.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
if [ -n "${JAR:-}" ]; then
  [ -f "$JAR" ] || { echo "JAR=$JAR: no such file" >&2; exit 2; }
  JAR=$(realpath "$JAR") # read after the cd below
fi
cd "$root"
secs=${1:-20}
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)" >&2; exit 2; }
java_home=$(sh bin/find-jdk) || { echo "needs a JDK 21+" >&2; exit 2; }
java="$java_home/bin/java"
[ -n "${JAR:-}" ] || [ -f server/target/arbiter.jar ] \
  || JAVA_HOME="$java_home" ./mvnw -q -B -DskipTests -pl server -am package
data=$(mktemp -d)
port=${PORT:-18181}
jar=${JAR:-server/target/arbiter.jar}
# the JVM options bin/arbiter runs the server with unless told otherwise; JOPTS= for the JVM default
JOPTS=${JOPTS--XX:+UseZGC}
. bench/http/server.sh
start_bench_server

# wrk: prints "Requests/sec: N" and with --latency the 50% and 99% lines.
run() { # name script url [env...]
  local name=$1 script=$2 url=$3; shift 3
  env "$@" wrk -t2 -c32 -d"${secs}s" --latency -s "bench/http/$script" "$url" >"$data/$name.txt"
  local rps p50 p99
  rps=$(awk '/^Requests\/sec/ {print $2}' "$data/$name.txt")
  p50=$(awk '$1=="50%" {print $2}' "$data/$name.txt")
  p99=$(awk '$1=="99%" {print $2}' "$data/$name.txt")
  # a paced run (RATE) reports latency from each request's slot (pacing.lua): those figures, which
  # need every answer to echo its request's X-Request-ID
  if grep -q '^corrected 99%' "$data/$name.txt"; then
    if ! grep -q '^corrected answers [0-9]*, without a slot 0$' "$data/$name.txt"; then
      echo "$name: answers without the X-Request-ID sent: $(grep '^corrected answers' "$data/$name.txt")" >&2
      exit 1
    fi
    p50=$(awk '$1=="corrected" && $2=="50%" {print $3}' "$data/$name.txt")
    p99=$(awk '$1=="corrected" && $2=="99%" {print $3}' "$data/$name.txt")
  fi
  echo "$name $rps $p50 $p99"
}
# wrk_own NAME: wrk's own p50 and p99 of run NAME (from the send, not the slot).
wrk_own() {
  awk '$1=="50%" || $1=="99%" {printf "%s%s %s", (n++ ? ", " : ""), $1, $2}' "$data/$1.txt"
}
# Waits (up to a minute) until the decision log has written what earlier runs queued, so a run
# does not pay for the previous one's backlog.
drain() {
  for _ in $(seq 1 60); do
    curl -s "$base/metrics" | awk '/^arbiter_decision_log_queued\{kind="event"/ {q = $2} END {exit !(q == 0)}' \
      && return
    sleep 1
  done
}
# Waits (up to 5 minutes) until the server and its database are idle: under a tenth of a core
# between them over 2 s. Prints the seconds waited. The peak runs leave the database work to do
# after the decision log has caught up (autovacuum of the outbox rows they wrote, a checkpoint):
# in production the database has cores of its own, on this machine it shares the server's two.
quiet() {
  local waited=0 c0 g0 c1 g1 p0 p1 pm
  pm=$(head -1 "$(find "$data" -name postmaster.pid | head -1)")
  for _ in $(seq 1 150); do
    p0=$(pgrep -P "$pm" | sort | tr '\n' ' ')
    c0=$(jvm_cpu_ticks "$pid")
    g0=$(pg_cpu_ticks "$data")
    sleep 2
    c1=$(jvm_cpu_ticks "$pid")
    g1=$(pg_cpu_ticks "$data")
    p1=$(pgrep -P "$pm" | sort | tr '\n' ' ')
    # a database process that starts or exits meanwhile (an autovacuum worker) takes its ticks
    # along: not counted as idle
    if [ "$p0" = "$p1" ] && [ $((c1 - c0 + g1 - g0)) -lt 20 ]; then
      echo "$waited"
      return
    fi
    waited=$((waited + 2))
  done
  echo "$waited (still busy)"
}
# Warm-up (discarded): the JIT, the snapshot, the contact histories of the 10,000 customers. On a
# slow 2-core machine C2 needs a minute and more of Recommend before throughput stops rising, so
# Recommend on 100 offers warms WARMUPS runs (default 3).
for _ in $(seq 1 "${WARMUPS:-3}"); do
  env FLOW=ref100 wrk -t2 -c32 -d"${secs}s" -s bench/http/recommend.lua "$base/api/v1/recommend" >/dev/null
done
env FLOW=ref1000 wrk -t2 -c32 -d"${secs}s" -s bench/http/recommend.lua "$base/api/v1/recommend" >/dev/null
wrk -t2 -c32 -d"${secs}s" -s bench/http/live.lua "$base/health/live" >/dev/null

rounds=${ROUNDS:-3}
ratios=()
for r in $(seq 1 "$rounds"); do
  live=$(run "live-$r" live.lua "$base/health/live")
  r100=$(run "recommend-100-$r" recommend.lua "$base/api/v1/recommend" FLOW=ref100)
  ratios+=("$(awk -v a="$(echo "$r100" | awk '{print $2}')" -v b="$(echo "$live" | awk '{print $2}')" \
    'BEGIN {printf "%.4f", a / b}') $live $r100")
done
# the median round by ratio: its two runs are the ones reported
median=$(printf '%s\n' "${ratios[@]}" | sort -n | awk -v n="$rounds" 'NR == int((n + 1) / 2)')
live=$(echo "$median" | awk '{print "live", $3, $4, $5}')
r100=$(echo "$median" | awk '{print "recommend-100", $7, $8, $9}')
r1000=$(run recommend-1000 recommend.lua "$base/api/v1/recommend" FLOW=ref1000)
peak100=$(echo "$r100" | awk '{print $2}')
half=$(awk -v p="$peak100" 'BEGIN {printf "%d", p / 2}')
drain
h100=$(run recommend-100-half recommend.lua "$base/api/v1/recommend" FLOW=ref100 RATE="$half")
waited=$(quiet)
q100=$(run recommend-100-half-quiet recommend.lua "$base/api/v1/recommend" FLOW=ref100 RATE="$half")
# The floors under those figures, paced at the same rate: /health/live (the server's HTTP stack and
# whatever else the server runs, no decision), then a server that does nothing (Floor.java: the
# machine, its scheduler and wrk alone, on the same two cores).
lhalf=$(run live-half paced-get.lua "$base/health/live" RATE="$half")
fport=$((port + 1))
"$java" ${JOPTS:-} bench/http/Floor.java "$fport" >"$data/floor.log" 2>&1 &
floor_pid=$! # stop_bench_server (server.sh) stops it on exit
for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$fport/" >/dev/null && break; sleep 0.5; done
# the port's answer must be Floor's own, not another process's that held the port first
if [ "$(curl -s "http://127.0.0.1:$fport/")" != '{"floor":true}' ]; then
  echo "Floor.java is not answering on port $fport:" >&2
  cat "$data/floor.log" >&2
  exit 1
fi
wrk -t2 -c32 -d5s "http://127.0.0.1:$fport/" >/dev/null # the JIT
fhalf=$(run floor-half paced-get.lua "http://127.0.0.1:$fport/" RATE="$half")
kill "$floor_pid" 2>/dev/null || true

echo
echo "| run | requests/s | p50 | p99 | ratio to /health/live |"
echo "|---|---|---|---|---|"
livers=$(echo "$live" | awk '{print $2}')
for line in "$live" "$r100" "$r1000" "$h100" "$q100" "$lhalf" "$fhalf"; do
  echo "$line" | awk -v l="$livers" '{printf "| %s | %.0f | %s | %s | %.2f |\n", $1, $2, $3, $4, $2 / l}'
done
echo
echo "ratio recommend-100 / live per round: $(printf '%s\n' "${ratios[@]}" | awk '{printf "%s%.2f", (NR > 1 ? ", " : ""), $1}')" \
  "(the table shows the median round's runs)"
echo "half-peak target rate for recommend-100: $half requests/s; its p50 and p99 are measured from" \
  "each request's slot (corrected for coordinated omission); wrk's own, from the send:" \
  "$(wrk_own recommend-100-half)"
echo "recommend-100-half ran right after the peak runs, while the database still did their"\
  "maintenance on the same two cores; recommend-100-half-quiet ran once server and database were idle"\
  "(waited ${waited} s); wrk's own for it: $(wrk_own recommend-100-half-quiet)"
echo "the floors at the same rate, from each request's slot: live-half is /health/live on this server,"\
  "floor-half a server that does nothing (bench/http/Floor.java) on the same cores; wrk's own:"\
  "live-half $(wrk_own live-half);"\
  "floor-half $(wrk_own floor-half)"
grep -c "ERROR" "$data/server.log" | awk '{print "server log ERROR lines: " $1}' || true
# Every decision's event must be written: a run that dropped events measured a server that skipped
# part of its work (before 2026-12-04 most events were dropped at peak, see RESULTS.md).
metrics=$(curl -s "$base/metrics")
dropped=$(echo "$metrics" | awk '/^arbiter_decision_log_dropped_total\{kind="event"/ {printf "%d", $2}')
waits=$(echo "$metrics" | awk '/^arbiter_decision_log_full_waits_total/ {printf "%d", $2}')
written=$(echo "$metrics" | awk '/^arbiter_decision_log_written_total\{kind="event"/ {printf "%d", $2}')
echo "decision events written: ${written:-?}, dropped: ${dropped:-?}, waits for room in a full queue: ${waits:-?}"
# How the decision log stored them: rows of how many events, of what size (V12 batch rows).
if command -v psql >/dev/null; then
  pgport=$(sed -n 4p "$(find "$data" -name postmaster.pid | head -1)")
  psql -h 127.0.0.1 -p "$pgport" -U postgres -d postgres -Atc "
    select 'outbox rows of decision events: ' || count(*) || ', events: ' || sum(event_count)
           || ', events per row: ' || round(avg(event_count), 1)
           || ', document bytes per row: ' || round(avg(octet_length(event_compressed)))
           || ' (rows of 64: ' || coalesce(round(avg(octet_length(event_compressed))
                                    filter (where event_count = 64)), 0) || ')'
      from outbox_events where type = 'decision.made.v1'" 2>/dev/null || true
fi
if [ "${dropped:-0}" != "0" ]; then
  echo "INVALID RUN: decision events were dropped" >&2
  exit 1
fi
