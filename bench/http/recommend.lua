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

-- With RATE (requests/s for the whole run) and CONNS set, each connection waits between requests
-- so the total stays near RATE: used for the latency-at-half-peak measurement.
local rate = tonumber(os.getenv("RATE") or "0")
local conns = tonumber(os.getenv("CONNS") or "1")
if rate > 0 then
  local gap = conns * 1000 / rate
  delay = function()
    return gap
  end
end
