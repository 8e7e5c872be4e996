-- Time for the simulator: monotonic seconds, sleeping without blocking other
-- requests (cqueues), and the platform's timestamp formats.
local cqueues = require "cqueues"

local clock = {}

clock.now = cqueues.monotime

-- Sleep without blocking the other requests (yields to the cqueues loop).
function clock.sleep(seconds)
  if seconds and seconds > 0 then cqueues.sleep(seconds) end
end

-- "2018-02-22 14:24:03" (UTC)
function clock.timestamp()
  return os.date("!%Y-%m-%d %H:%M:%S")
end

-- "2018-02-22 14:24:13.766985" (UTC, microseconds)
function clock.timestamp_us()
  local t = cqueues.monotime()
  return string.format("%s.%06d", os.date("!%Y-%m-%d %H:%M:%S"), math.floor((t % 1) * 1e6))
end

return clock
