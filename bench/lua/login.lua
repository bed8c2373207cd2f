-- POST /login with a JSON body, rotating through the users in $BENCH_USERS ("email password" per line).
package.path = debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "?.lua;" .. package.path
local report = require("report")

local requests, index = {}, 0
local counter = 0

function setup(thread)
  thread:set("offset", counter)
  counter = counter + 1
end

function init(args)
  for line in io.lines(os.getenv("BENCH_USERS")) do
    local email, password = line:match("^(%S+)%s+(%S+)$")
    local body = string.format('{"email":"%s","password":"%s"}', email, password)
    requests[#requests + 1] = wrk.format("POST", "/login", { ["Content-Type"] = "application/json" }, body)
  end
  assert(#requests > 0, "no users in " .. os.getenv("BENCH_USERS"))
  index = (offset * 7919) % #requests
end

function request()
  index = index % #requests + 1
  return requests[index]
end

done = report.done
