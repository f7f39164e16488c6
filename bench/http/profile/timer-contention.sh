#!/usr/bin/env bash
# Runs TimerContention.java (nine stage-latency records per decision through Micrometer's
# Prometheus timers, and as LongAdder increments, on one and two threads) with the Micrometer the
# server ships, taken from server/target/arbiter.jar (built if missing).
# Usage: bench/http/profile/timer-contention.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$root"
java_home=$(sh bin/find-jdk) || { echo "needs a JDK 21+" >&2; exit 2; }
[ -f server/target/arbiter.jar ] || JAVA_HOME="$java_home" ./mvnw -q -B -DskipTests -pl server -am package
lib=$(mktemp -d)
trap 'rm -rf "$lib"' EXIT
(cd "$lib" && unzip -q -j "$root/server/target/arbiter.jar" 'BOOT-INF/lib/micrometer-*' \
  'BOOT-INF/lib/prometheus-metrics-*' 'BOOT-INF/lib/HdrHistogram*')
"$java_home/bin/java" -cp "$lib/*" bench/http/profile/TimerContention.java
