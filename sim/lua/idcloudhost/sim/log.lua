-- Request log: one entry per API request (not /__sim/), in arrival order.
-- The api key's value is never recorded, only whether the header was there.
local json = require "idcloudhost.sim.json"

local log = { entries = json.array(), max = 10000 }

-- Returns the entry; the server fills in status (and fault) when it answers.
-- Past log.max entries the oldest half is dropped (long-running demos).
function log.add(entry)
  local e = log.entries
  if #e >= log.max then
    local keep = json.array()
    for i = math.floor(#e / 2) + 1, #e do keep[#keep + 1] = e[i] end
    log.entries = keep
    e = keep
  end
  e[#e + 1] = entry
  return entry
end

function log.clear()
  log.entries = json.array()
end

function log.view()
  return log.entries
end

return log
