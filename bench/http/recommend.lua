-- wrk script: POST /api/v1/recommend for a random one of 10,000 customers.
-- Set FLOW and KEY in the environment.
local flow = os.getenv("FLOW")
local key = os.getenv("KEY")
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. key
wrk.headers["X-Tenant-Id"] = "bench"
math.randomseed(os.time())
request = function()
  local body = string.format(
    '{"customerId":"c-%d","flowKey":"%s","attributes":{"balance":%d,"age":%d},"context":{"segment":"std"}}',
    math.random(1, 10000), flow, math.random(0, 3000), math.random(16, 80))
  return wrk.format(nil, nil, nil, body)
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
