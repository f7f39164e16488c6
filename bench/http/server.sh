# Sourced by the HTTP benchmarks (run-recommend.sh, profile/cpu-per-request.sh): starts a server on
# its embedded defaults in a fresh data directory, creates tenant `bench` with an admin key, and
# imports and publishes the reference flows ref100 and ref1000 (make-catalog.py).
# Needs: root (the repository), java, jar, data (a fresh directory), port; optional JOPTS.
# Sets: pid (the server), base (its URL), KEY (exported); stops the server and removes data on exit.
start_bench_server() {
  base="http://127.0.0.1:$port"
  ARBITER_DATA_DIR="$data" PORT=$port ARBITER_BIND_ADDRESS=127.0.0.1 LOG_LEVEL=WARN RATE_LIMIT_ENABLED=false \
    "$java" ${JOPTS:-} -jar "$jar" serve >"$data/server.log" 2>&1 &
  pid=$!
  trap stop_bench_server EXIT
  for _ in $(seq 1 120); do curl -sf "$base/health/live" >/dev/null && break; sleep 1; done
  ARBITER_DATA_DIR="$data" "$java" -jar "$jar" tenant create bench >/dev/null
  KEY=$(ARBITER_DATA_DIR="$data" "$java" -jar "$jar" api-key create --tenant bench --role admin 2>/dev/null \
    | sed -n 's/^ARBITER_API_KEY=//p')
  export KEY
  python3 "$root/bench/http/make-catalog.py" >"$data/catalog.json"
  local auth=(-H "Authorization: Bearer $KEY" -H "X-Tenant-Id: bench")
  curl -sf "${auth[@]}" -H 'Content-Type: application/json' --data-binary @"$data/catalog.json" \
    "$base/api/v1/catalog/import" >/dev/null
  for f in ref100 ref1000; do curl -sf "${auth[@]}" -X POST "$base/api/v1/flows/$f/publish" >/dev/null; done
}

# Stops the server, and the do-nothing server run-recommend.sh may have started (floor_pid), and
# removes the data directory: the EXIT trap start_bench_server sets.
stop_bench_server() {
  if [ -n "${floor_pid:-}" ]; then kill "$floor_pid" 2>/dev/null || true; fi
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -rf "$data"
}

# jvm_cpu_ticks PID: the process's CPU time so far (user + system), in clock ticks (1/100 s).
jvm_cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# pg_cpu_ticks DATA: CPU time so far (clock ticks) of the embedded PostgreSQL under DATA, its
# postmaster and every backend and worker process it forked.
pg_cpu_ticks() {
  local pm
  pm=$(head -1 "$(find "$1" -name postmaster.pid | head -1)")
  local sum=0 p
  for p in $pm $(pgrep -P "$pm"); do
    sum=$((sum + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)))
  done
  echo "$sum"
}
