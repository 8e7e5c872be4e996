-- Time for the simulator: a clock source the shell plugs in, and the platform's timestamp formats.
--
--   clock.use{ now = fn, sleep = fn(seconds), wall = fn }   the shell's source (kept until changed)
--   clock.now()        seconds of the source's monotonic clock (settling, tombstones)
--   clock.sleep(s)     waits s seconds the source's way (write latency, stall faults)
--   clock.timestamp(), clock.timestamp_us()  "2018-02-22 14:24:03[.766985]" (UTC) of wall()
--
-- The engine has no clock of its own: the HTTP server (server.lua) plugs in cqueues' (a sleep
-- that yields to the other requests), idcloudhost.fake the SDK's or a virtual one.  Until a shell
-- does, the source is clock.virtual(): time moves only when the engine sleeps.
local clock = {}

--- A virtual clock: now() starts at `start` (0) and moves only by sleep(s); wall() is the wall
-- clock when it was made plus the time slept.  advance(s) is sleep(s) under another name.
function clock.virtual(start)
  local t = start or 0
  local t0, wall0 = t, os.time()
  local v = { virtual = true }
  function v.now() return t end
  function v.sleep(seconds)
    if seconds and seconds > 0 then t = t + seconds end
  end
  v.advance = v.sleep
  function v.wall() return wall0 + (t - t0) end
  return v
end

local source = clock.virtual()

--- Plugs in a source: {now = fn, sleep = fn(seconds)[, wall = fn]}; returns the previous one.
function clock.use(src)
  assert(type(src) == "table" and type(src.now) == "function" and type(src.sleep) == "function",
    "clock.use: expected {now = function, sleep = function}")
  local old = source
  source = src
  return old
end

function clock.source() return source end

function clock.now() return source.now() end

-- Sleep the source's way (the server's yields to the other requests).
function clock.sleep(seconds)
  if seconds and seconds > 0 then source.sleep(seconds) end
end

function clock.wall()
  return source.wall and source.wall() or os.time()
end

-- "2018-02-22 14:24:03" (UTC)
function clock.timestamp()
  return os.date("!%Y-%m-%d %H:%M:%S", math.floor(clock.wall()))
end

-- "2018-02-22 14:24:13.766985" (UTC, microseconds)
function clock.timestamp_us()
  local t = clock.now()
  return string.format("%s.%06d", clock.timestamp(), math.floor((t % 1) * 1e6))
end

return clock
