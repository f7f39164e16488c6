-- wrk script: POST /api/v1/respond, outcome "click", cycling through the (decision, customer,
-- offer) triples in the file DECISIONS (one "decisionId customerId offerKey" per line, from
-- Recommend). Every request has a fresh Idempotency-Key: RUN-<thread>-<counter>, so each one
-- records an interaction (a repeated key would answer 200 and record nothing).
-- Set KEY (API key), TENANT (default demo), DECISIONS and RUN (unique per wrk run) in the environment;
-- OUTCOME (default click) for another outcome type.
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

function init(args)
  run = os.getenv("RUN") or tostring(os.time())
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. os.getenv("KEY")
  wrk.headers["X-Tenant-Id"] = os.getenv("TENANT") or "demo"
  local outcome = os.getenv("OUTCOME") or "click"
  bodies = {}
  for line in io.lines(os.getenv("DECISIONS")) do
    local d, c, o = line:match("^(%S+)%s+(%S+)%s+(%S+)$")
    if d then
      bodies[#bodies + 1] = string.format(
        '{"decisionId":"%s","offerKey":"%s","customerId":"%s","outcome":"%s"}', d, o, c, outcome)
    end
  end
  counter = 0
  -- threads start at different places of the list
  next_body = ((tid or 1) - 1) * 7919 % #bodies
end

request = function()
  counter = counter + 1
  next_body = next_body % #bodies + 1
  wrk.headers["Idempotency-Key"] = run .. "-" .. (tid or 1) .. "-" .. counter
  return wrk.format(nil, nil, nil, bodies[next_body])
end
