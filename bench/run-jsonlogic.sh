#!/usr/bin/env bash
# Reproduces the "JSON Logic" figures of bench/RESULTS.md: Arbiter's compiled rules and
# json-logic-java (JMH), then json-logic-engine in compiled mode (node), on the same rules and data
# (bench/src/main/resources/rules/jsonlogic-cases.json).
#
# Usage: bench/run-jsonlogic.sh            (from the repository root)
# Env:   JAVA_HOME (Temurin 21+; default /usr/lib/jvm/temurin-25-jdk-amd64), JMH_ARGS to override.
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA_HOME="$(sh bin/find-jdk)" || { echo "needs a JDK 21+" >&2; exit 2; }
export JAVA_HOME
JMH_ARGS="${JMH_ARGS:--f 1 -wi 3 -w 2s -i 5 -r 2s}"

echo "== machine"
echo "nproc: $(nproc)"
lscpu | grep 'Model name' || true
"$JAVA_HOME/bin/java" -version 2>&1 | head -1
echo "node: $(node --version)"
uptime

echo "== build"
./mvnw -q -B -pl engine,bench -am package -DskipTests

echo "== JMH: Arbiter and json-logic-java"
# shellcheck disable=SC2086
"$JAVA_HOME/bin/java" -jar bench/target/benchmarks.jar 'rules.*' $JMH_ARGS

echo "== node: json-logic-engine (compiled)"
(cd bench/jsonlogic-node && npm ci --no-audit --no-fund --silent && node bench.mjs 3 5 2)
