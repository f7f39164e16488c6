-- Pacing for the wrk scripts, shared: recommend.lua and paced-get.lua end with
-- dofile("bench/http/pacing.lua") (wrk runs from the repository root, as run-recommend.sh does).
-- A script defines the global `requests`, the requests it sends, built once in init() with
-- wrk.format; each is sent equally often.

local threads = 0
all_threads = {}
setup = function(thread)
  threads = threads + 1
  thread:set("id", threads)
  all_threads[threads] = thread
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
  -- Slots handed out by delay() and not yet sent, oldest first.
  local due, first, last = {}, 1, 0
  delay = function()
    local now = now_ms()
    slot = slot and slot + interval or now
    last = last + 1
    due[last] = slot
    return math.max(0, slot - now) -- wrk's timers cut this to whole milliseconds
  end

  -- Latency corrected for coordinated omission: measured from the request's slot, not from when
  -- it was sent. wrk's own latency starts at the send, so a request that waited for its connection
  -- (the previous answer on it came late) does not show that wait, and a stall of the server is
  -- counted once instead of for every request it held back. Each request is sent with the oldest
  -- slot not yet sent (wrk sends in slot order: a timer per slot) in its X-Request-ID, which the
  -- server echoes, so the answer says which slot it was for. The slot is an open-loop load
  -- generator's send time (wrk2 does the same; Debian has no wrk2).
  local prefixes = nil
  request = function()
    if not prefixes then -- the requests init() built, split after the request line
      prefixes = {}
      for i = 1, #requests do
        local r = requests[i]
        local eol = r:find("\r\n", 1, true)
        prefixes[i] = { r:sub(1, eol + 1), r:sub(eol + 2) }
      end
    end
    local p = prefixes[math.random(1, #prefixes)]
    local now = now_ms()
    local s = due[first] or now
    due[first] = nil
    first = first + 1
    -- from the slot when sent late; from now when wrk's whole-millisecond timer fired early
    return p[1] .. "X-Request-ID: slot-" .. string.format("%.3f", math.min(s, now)) .. "\r\n" .. p[2]
  end
  corrected = {}
  unmatched = 0
  response = function(status, headers, body)
    -- (the JDK's HttpServer, Floor.java, sends it as "X-request-id")
    local id = headers["X-Request-ID"] or headers["x-request-id"] or headers["X-request-id"]
    local s = id and tonumber(id:match("^slot%-([%d.]+)$"))
    if s then
      corrected[#corrected + 1] = now_ms() - s
    else
      unmatched = unmatched + 1
    end
  end
  done = function(summary, latency, requests)
    local all, missing = {}, 0
    for _, t in ipairs(all_threads) do
      for _, v in ipairs(t:get("corrected")) do
        all[#all + 1] = v
      end
      missing = missing + t:get("unmatched")
    end
    table.sort(all)
    local function pct(p)
      if #all == 0 then
        return 0
      end
      return all[math.max(1, math.ceil(#all * p / 100))]
    end
    io.write(string.format("corrected 50%% %.2fms\n", pct(50)))
    io.write(string.format("corrected 90%% %.2fms\n", pct(90)))
    io.write(string.format("corrected 99%% %.2fms\n", pct(99)))
    io.write(string.format("corrected max %.2fms\n", pct(100)))
    io.write(string.format("corrected answers %d, without a slot %d\n", #all, missing))
  end
end
