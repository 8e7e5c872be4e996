-- Issue 28 (13): a base_url whose host is a number that resolvers read differently is refused:
-- libcurl reads 0127.0.0.1 as octal (87.0.0.1) where nginx reads 127.0.0.1, and 0177.0.0.1 the
-- other way round; 0x7f.1, 127.1 and 2130706433 are short forms some read and some do not.
local idcloudhost = require "idcloudhost"

local T = function() end

local function refused(url)
  local c, err = idcloudhost.new { apikey = "k", base_url = url, transport = T }
  assert(c == nil, url .. " was accepted")
  assert.equal("invalid", err.kind, url)
  assert.equal("base_url", err.field, url)
  assert.matches("numeric host", err.message, 1, true)
end

local function accepted(url)
  local c, err = idcloudhost.new { apikey = "k", base_url = url, transport = T }
  assert(c, url .. " was refused: " .. tostring(err))
end

describe("base_url with a numeric host", function()
  it("refuses leading zeros, octal, hex and short forms", function()
    for _, url in ipairs {
      "http://0127.0.0.1:8090", "http://0177.0.0.1", "http://127.0.0.01", "http://00.0.0.0",
      "http://0x7f.1", "http://0x7f.0.0.1", "http://0X7F000001", "http://127.0.0.0x1", "http://0x",
      "http://127.1", "http://127.0.1", "http://2130706433", "http://017700000001",
      "http://127.0.0.1.", "http://1.2.3.256", "http://1.2.3.4.5", "http://example.123",
      "https://[::ffff:0127.0.0.1]", "https://[::ffff:127.1]",
    } do
      refused(url)
    end
  end)

  it("accepts plain dotted quads, names and IPv6 addresses", function()
    for _, url in ipairs {
      "http://127.0.0.1:8090", "http://192.0.2.1", "http://0.0.0.0", "http://255.255.255.255",
      "https://api.idcloudhost.com", "https://api.elastis.id", "http://1example.com", "http://host-0x1.example",
      "http://0x7f.example", "http://127.0.0.1.example", "https://[::1]:8443", "https://[::ffff:127.0.0.1]",
      "https://[2001:db8::10]",
    } do
      accepted(url)
    end
  end)
end)
