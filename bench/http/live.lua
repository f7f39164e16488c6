-- wrk script for GET /health/live with the same optional pacing as recommend.lua.
local rate = tonumber(os.getenv("RATE") or "0")
local conns = tonumber(os.getenv("CONNS") or "1")
if rate > 0 then
  local gap = conns * 1000 / rate
  delay = function()
    return gap
  end
end
