-- POST /login with a JSON body, rotating through the users in $BENCH_USERS ("email password" per line).
package.path = debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "?.lua;" .. package.path
local report = require("report")
local rotation = require("rotation")

rotation.install(function()
  local requests = {}
  for line in io.lines(os.getenv("BENCH_USERS")) do
    local email, password = line:match("^(%S+)%s+(%S+)$")
    local body = string.format('{"email":"%s","password":"%s"}', email, password)
    requests[#requests + 1] = wrk.format("POST", "/login", { ["Content-Type"] = "application/json" }, body)
  end
  return requests
end, os.getenv("BENCH_USERS"))

done = report.done
