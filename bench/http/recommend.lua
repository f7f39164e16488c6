-- wrk script: POST /api/v1/recommend for a random one of 10,000 customers.
-- Set FLOW and KEY in the environment.
--
-- Each wrk thread builds its requests once, at start: one per customer, with random attributes.
-- Building every request in Lua as it was sent (string.format, then wrk.format over the headers)
-- cost wrk about 3 µs more CPU per request than /health/live's static request, on the same two
-- cores as the server, and so lowered the very ratio this benchmark reports (bench/RESULTS.md).
local flow = os.getenv("FLOW")
local key = os.getenv("KEY")
local customers = 10000
local requests = {}

local threads = 0
setup = function(thread)
  threads = threads + 1
  thread:set("id", threads)
end

init = function(args)
  math.randomseed(os.time() * 100 + (id or 0))
  local headers = {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. key,
    ["X-Tenant-Id"] = "bench",
  }
  for i = 1, customers do
    local body = string.format(
      '{"customerId":"c-%d","flowKey":"%s","attributes":{"balance":%d,"age":%d},"context":{"segment":"std"}}',
      i, flow, math.random(0, 3000), math.random(16, 80))
    requests[i] = wrk.format("POST", nil, headers, body)
  end
end

request = function()
  return requests[math.random(1, customers)]
end

-- With RATE set (requests/s for the whole run; THREADS, wrk's -t, default 2), each wrk thread sends
-- on a fixed schedule of RATE / THREADS requests/s: a request waits until its slot, however long
-- the previous answer on its connection took. (A fixed pause after each answer, as before, sent
-- fewer requests the slower the answers: asked for 10,329/s it sent 7,144/s, so the "half-peak"
-- latency was measured at a third of the peak.) A slot already past is sent at once.
local rate = tonumber(os.getenv("RATE") or "0")
if rate > 0 then
  local ffi = require("ffi")
  ffi.cdef [[
    typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
    int clock_gettime(int clock_id, bench_timespec *tp);
  ]]
  local ts = ffi.new("bench_timespec")
  local CLOCK_MONOTONIC = 1
  local function now_ms()
    ffi.C.clock_gettime(CLOCK_MONOTONIC, ts)
    return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
  end
  local interval = tonumber(os.getenv("THREADS") or "2") * 1000 / rate
  local slot = nil
  delay = function()
    local now = now_ms()
    slot = slot and slot + interval or now
    return math.max(0, slot - now)
  end
end
