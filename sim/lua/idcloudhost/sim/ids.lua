-- Random identifiers: UUIDs (version 4), hex strings and MAC addresses.
local unpack = require("idcloudhost.sim.compat").unpack

local ids = {}

local urandom = io.open("/dev/urandom", "rb")
if urandom then urandom:setvbuf("no") end

-- ids.seed(n): from now on the bytes come from a generator seeded with n (the same ids in the
-- same order on every Lua: Park-Miller's, exact in doubles), for tests that want them repeatable.
local gen

function ids.seed(n)
  local x = math.floor(n) % 2147483646 + 1
  gen = function()
    x = x * 16807 % 2147483647
    return x % 256
  end
end

local function random_bytes(n)
  if gen then
    local t = {}
    for i = 1, n do t[i] = string.char(gen()) end
    return table.concat(t)
  end
  local s = urandom and urandom:read(n)
  if s and #s == n then return s end
  local t = {}
  for i = 1, n do t[i] = string.char(math.random(0, 255)) end
  return table.concat(t)
end

function ids.uuid4()
  local b = { random_bytes(16):byte(1, 16) }
  b[7] = b[7] % 16 + 0x40 -- version 4
  b[9] = b[9] % 64 + 0x80 -- RFC 4122 variant
  return string.format("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
    unpack(b))
end

-- n (up to 64) random hex digits, for the identifiers of payments and cards.
function ids.hex(n)
  return (ids.uuid4() .. ids.uuid4()):gsub("%-", ""):sub(1, n)
end

function ids.mac()
  local b = { random_bytes(3):byte(1, 3) }
  return string.format("52:54:00:%02x:%02x:%02x", b[1], b[2], b[3])
end

return ids
