-- GET of the URL's path with a session cookie, rotating through the sessions in a file: $BENCH_TOKENS holds the API's
-- session tokens, one per line, sent as its __Host-sid cookie; or $BENCH_COOKIES holds whole Cookie header values
-- (name=value), one per line, as the peers' own logins set them.
package.path = debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "?.lua;" .. package.path
local report = require("report")
local rotation = require("rotation")

local cookies = os.getenv("BENCH_COOKIES")
local source = cookies or os.getenv("BENCH_TOKENS")

rotation.install(function()
  local requests = {}
  for line in io.lines(source) do
    local cookie = cookies and line or "__Host-sid=" .. line
    requests[#requests + 1] = wrk.format("GET", wrk.path, { ["Cookie"] = cookie })
  end
  return requests
end, source)

done = report.done
