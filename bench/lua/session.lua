-- GET of the URL's path with a session cookie, rotating through the tokens in $BENCH_TOKENS (one per line).
package.path = debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "?.lua;" .. package.path
local report = require("report")
local rotation = require("rotation")

rotation.install(function()
  local requests = {}
  for token in io.lines(os.getenv("BENCH_TOKENS")) do
    requests[#requests + 1] = wrk.format("GET", wrk.path, { ["Cookie"] = "__Host-sid=" .. token })
  end
  return requests
end, os.getenv("BENCH_TOKENS"))

done = report.done
