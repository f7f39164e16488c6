-- wrk script: GET of the URL's path at RATE requests/s (required), latency measured from each
-- request's slot as in Recommend's paced runs (pacing.lua). run-recommend.sh sends it to
-- /health/live and to Floor.java at Recommend's half-peak rate: the latency the server's HTTP stack
-- and the machine itself add at that rate, beside Recommend's.
requests = {}

init = function(args)
  requests[1] = wrk.format("GET")
end

dofile("bench/http/pacing.lua")
