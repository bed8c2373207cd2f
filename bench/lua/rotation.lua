-- Shared by login.lua and session.lua: requests formatted once, up front, then sent in rotation. Each wrk thread
-- starts at a different place, so concurrent requests use many users or sessions, as real traffic does.
local rotation = {}

-- Installs wrk's setup, init and request hooks; build() returns the list of formatted requests.
function rotation.install(build, source)
  local requests, index, counter = {}, 0, 0

  function setup(thread)
    thread:set("offset", counter)
    counter = counter + 1
  end

  function init(args)
    requests = build()
    assert(#requests > 0, "nothing to send from " .. source)
    index = (offset * 7919) % #requests
  end

  function request()
    index = index % #requests + 1
    return requests[index]
  end
end

return rotation
