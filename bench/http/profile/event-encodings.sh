#!/usr/bin/env bash
# Runs EventEncodings.java: the decision log's cost per decision.made.v1 event as JSON, Smile and
# the server's compact tokens, and a reader's cost to render each back as JSON (bench/RESULTS.md).
# Usage: bench/http/profile/event-encodings.sh     (from anywhere; builds the server's classes)
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$root"
java_home=$(sh bin/find-jdk) || { echo "needs a JDK 21+" >&2; exit 2; }
export JAVA_HOME="$java_home"
smile=tools.jackson.dataformat:jackson-dataformat-smile:3.1.7
./mvnw -q -B dependency:get -Dartifact=$smile >/dev/null
./mvnw -q -B -pl server -am install -DskipTests
./mvnw -q -B -pl server dependency:build-classpath -Dmdep.outputFile=target/encodings.classpath >/dev/null
cp="server/target/classes:$(cat server/target/encodings.classpath)"
cp="$cp:$HOME/.m2/repository/tools/jackson/dataformat/jackson-dataformat-smile/3.1.7/jackson-dataformat-smile-3.1.7.jar"
echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), $("$JAVA_HOME/bin/java" -version 2>&1 | head -1)"
"$JAVA_HOME/bin/java" -cp "$cp" bench/http/profile/EventEncodings.java
