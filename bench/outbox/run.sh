#!/usr/bin/env bash
# Reproduces the "Outbox relay" figures of bench/RESULTS.md: relay throughput into an in-process
# Kafka broker and insert-to-ack latency at 1,000 events/s, on embedded PostgreSQL.
#
# Usage: bench/outbox/run.sh [throughputEvents] [latencySeconds] [batchSize]   (from the repo root)
# Env:   JAVA_HOME (Temurin 21+; default found by bin/find-jdk).
set -euo pipefail
cd "$(dirname "$0")/../.."
JAVA_HOME="$(sh bin/find-jdk)" || { echo "needs a JDK 21+" >&2; exit 2; }
export JAVA_HOME

echo "== machine"
echo "nproc: $(nproc)"
lscpu | grep 'Model name' || true
"$JAVA_HOME/bin/java" -version 2>&1 | head -1
uptime

echo "== build"
./mvnw -q -B -pl server -am install -DskipTests
./mvnw -q -B -pl server test-compile dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile=target/outbox-bench.classpath
CP="server/target/test-classes:server/target/classes:$(cat server/target/outbox-bench.classpath)"

echo "== bench"
"$JAVA_HOME/bin/java" -Xmx2g -cp "$CP" bench/outbox/OutboxRelayBench.java "$@"
