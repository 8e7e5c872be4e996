-- One CURLcode number is one name on every transport: the Lua table (transport/codes.lua: the curl
-- command's exit codes, a user transport's numeric codes) is src/codes.c's, which names the C
-- core's failures.
local codes = require "idcloudhost.transport.codes"

local function c_names()
  local f = assert(io.open("src/codes.c", "rb"))
  local src = f:read("*a")
  f:close()
  local block = assert(src:match("static const char %*const names%[%] = (%b{})"), "src/codes.c: no names table")
  local out = {}
  for value, n in block:gmatch('([%w_"]+),%s*/%* (%d+) %*/') do
    n = tonumber(n)
    local name = value:match('^"([%w_]+)"$')
    if n > 0 and name and name ~= "OBSOLETE" then out[n] = name end
  end
  return out
end

describe("transport.codes", function()
  -- (src/ is absent where the SDK comes installed: the rock's test section)
  local with_src = io.open("src/codes.c") and it or pending
  with_src("names every CURLcode src/codes.c names, and no other", function()
    local c = c_names()
    assert.is_true(next(c) ~= nil)
    assert.same(c, codes.NAMES)
  end)

  it("gives CURL_<n> for a code it lacks", function()
    assert.equal("COULDNT_CONNECT", codes.name(7))
    assert.equal("CURL_20", codes.name(20))
    assert.equal("CURL_9999", codes.name(9999))
  end)
end)
