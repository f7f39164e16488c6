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
local list = {}
requests = list -- pacing.lua reads the global; request() the local (no global lookup per call)

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
    list[i] = wrk.format("POST", nil, headers, body)
  end
end

request = function()
  return list[math.random(1, customers)]
end

-- With RATE set: paced runs, latency from each request's slot (pacing.lua).
dofile("bench/http/pacing.lua")
