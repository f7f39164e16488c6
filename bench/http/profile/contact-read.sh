#!/usr/bin/env bash
# CPU per read of a customer's contact list in Redis, old build against new, alternated (see
# ContactRead.java): what a decision of a flow with a policy counting decisions pays for its
# read, by list length, without the rest of a decision and without HTTP (whose noise on a shared
# 2-core machine hides a change of this size in the server benchmarks).
#
# Usage: bench/http/profile/contact-read.sh OLD_COMMIT [rounds, default 3] [reads, default 20000]
#        [entries...; default 50 150 300 600]
# Env:   REDIS_URL (default redis://127.0.0.1:6379). Builds OLD_COMMIT in a temporary worktree and
#        the checkout as it is; prints one line per round, build and length, then medians.
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$root"
old=$1
rounds=${2:-3}
reads=${3:-20000}
shift $(($# < 3 ? $# : 3))
sizes=${*:-50 150 300 600}
redis=${REDIS_URL:-redis://127.0.0.1:6379}
java_home=$(sh bin/find-jdk) || { echo "needs a JDK 21+" >&2; exit 2; }
export JAVA_HOME=$java_home
work=$(mktemp -d)
cleanup() {
  git worktree remove --force "$work/old" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
git worktree add -q "$work/old" "$old"
(cd "$work/old" && ./mvnw -q -B -o -DskipTests -pl server -am install -Dspotless.skip=true >/dev/null)
./mvnw -q -B -o -DskipTests -pl server -am install -Dspotless.skip=true >/dev/null
./mvnw -q -B -o -pl server dependency:build-classpath -Dmdep.outputFile="$work/deps" >/dev/null
deps=$(cat "$work/deps")
cp -r "$work/old/server/target/classes" "$work/old-classes"
cp -r server/target/classes "$work/new-classes"
engine_old="$work/old/engine/target/classes"
engine_new=engine/target/classes
for r in $(seq "$rounds"); do
  for side in old new; do
    engine=$([ $side = old ] && echo "$engine_old" || echo "$engine_new")
    for n in $sizes; do
      # a heap touched up front: the page faults of a fresh heap were a sixth of a short run
      line=$("$java_home/bin/java" -XX:+UseZGC -Xms1g -Xmx1g -XX:+AlwaysPreTouch -cp "$work/$side-classes:$engine:$deps" \
        bench/http/profile/ContactRead.java "$redis" "$n" "$reads")
      echo "$r $side $line"
    done
  done
done | tee "$work/runs"
echo
echo "| entries | old cpu-ns/read (median) | new cpu-ns/read (median) | new/old |"
echo "|---:|---:|---:|---:|"
python3 - "$work/runs" <<'EOF'
import sys, statistics, collections
by = collections.defaultdict(list)
for line in open(sys.argv[1]):
    r, side, n, cpu, wall = line.split()[:5]
    by[(int(n), side)].append(int(cpu))
for n in sorted({k[0] for k in by}):
    o, w = statistics.median(by[(n, 'old')]), statistics.median(by[(n, 'new')])
    print(f"| {n} | {o:,.0f} | {w:,.0f} | {w / o:.2f} |")
EOF
