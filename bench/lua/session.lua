-- GET of the URL's path with a session cookie, rotating through the tokens in $BENCH_TOKENS (one per line), so concurrent
-- requests use many sessions, as real traffic does. Requests are formatted once, up front.
package.path = debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "?.lua;" .. package.path
local report = require("report")

local requests, index = {}, 0
local counter = 0

function setup(thread)
  thread:set("offset", counter)
  counter = counter + 1
end

function init(args)
  for token in io.lines(os.getenv("BENCH_TOKENS")) do
    requests[#requests + 1] = wrk.format("GET", wrk.path, { ["Cookie"] = "__Host-sid=" .. token })
  end
  assert(#requests > 0, "no tokens in " .. os.getenv("BENCH_TOKENS"))
  -- Threads start at different tokens; each thread's connections share its rotation.
  index = (offset * 7919) % #requests
end

function request()
  index = index % #requests + 1
  return requests[index]
end

done = report.done
