-- idcloudhost.new refuses, with kind "invalid", every setting a call would fail on later.
local idcloudhost = require "idcloudhost"

local function refused(opts, field, pattern)
  local c, err = idcloudhost.new(opts)
  assert.is_nil(c)
  assert.equal("invalid", err.kind)
  if field then assert.equal(field, err.field) end
  if pattern then assert.matches(pattern, err.message, 1, true) end
  return err
end

local function fine(opts)
  local c, err = idcloudhost.new(opts)
  assert.is_nil(err)
  return c
end

describe("idcloudhost.new options", function()
  local T = function() end

  it("refuses an empty, blank or control-character api key, and never echoes it", function()
    for _, key in ipairs { "", " ", "ab cd", "ab\ncd", "ab\rcd", "ab\0cd", "\tkey", "k\127" } do
      local err = refused({ apikey = key, transport = T }, "apikey")
      if #key > 2 then assert.not_matches(key, tostring(err), 1, true) end
    end
    fine { apikey = "k-1_A.b~c", transport = T }
  end)

  it("refuses a user agent with CR, LF or other control characters", function()
    refused({ apikey = "k", user_agent = "x\r\nX-Evil: 1", transport = T }, "user_agent")
    refused({ apikey = "k", user_agent = "", transport = T }, "user_agent")
    fine { apikey = "k", user_agent = "my-tool/1.0 (+https://example.test)", transport = T }
  end)

  it("refuses a base_url that would silently call another path or leak a secret", function()
    for _, url in ipairs {
      "https://api.example.test\0.evil", "https://api.example.test/v2", "https://api.example.test?x=1",
      "https://api.example.test#frag", "https://user:pass@api.example.test", "ftp://api.example.test",
      "api.example.test", "https://", "https://api.example.test:99999", "https://api.example.test:0",
      "https://api example.test", "https://api.example.test/\n",
    } do
      refused({ apikey = "k", base_url = url, transport = T }, "base_url")
    end
    assert.equal("https://api.example.test", fine { apikey = "k", base_url = "https://api.example.test/", transport = T }.base_url)
    assert.equal("http://127.0.0.1:8090", fine { apikey = "k", base_url = "http://127.0.0.1:8090", transport = T }.base_url)
    assert.equal("https://[::1]:8443", fine { apikey = "k", base_url = "https://[::1]:8443", transport = T }.base_url)
  end)

  it("refuses timeouts that are not a positive number of seconds (0 is not 'no limit')", function()
    for _, name in ipairs { "timeout", "write_timeout", "connect_timeout", "deadline" } do
      for _, v in ipairs { 0, -1, 0 / 0, math.huge, "3" } do
        refused({ apikey = "k", [name] = v, transport = T }, name)
      end
      fine { apikey = "k", [name] = 0.5, transport = T }
    end
  end)

  it("refuses a timeout over an hour, any of them, saying timeouts are seconds", function() -- opt-timeout-cap
    for _, name in ipairs { "timeout", "write_timeout", "connect_timeout", "deadline" } do
      refused({ apikey = "k", [name] = 5000, transport = T }, name, "at most 3600 seconds (timeouts are seconds, not milliseconds)")
      refused({ apikey = "k", [name] = 3600.5, transport = T }, name)
      fine { apikey = "k", [name] = 3600, transport = T }
    end
  end)

  it("takes pool = {size, idle, name} and refuses anything else there", function()
    fine { apikey = "k", pool = { size = 8, idle = 5, name = "app-1" }, transport = T }
    fine { apikey = "k", pool = {}, transport = T }
    for _, bad in ipairs { 8, { size = 0 }, { size = 1.5 }, { idle = 0 }, { idle = 30000 }, { name = "a b" },
      { name = 3 }, { max = 3 } } do
      refused({ apikey = "k", pool = bad, transport = T }, "pool")
    end
  end)

  it("refuses bad counts and sizes", function()
    refused({ apikey = "k", retries = -1, transport = T }, "retries")
    refused({ apikey = "k", retries = 1.5, transport = T }, "retries")
    refused({ apikey = "k", max_body = 0, transport = T }, "max_body")
    refused({ apikey = "k", max_body = 10.5, transport = T }, "max_body")
    fine { apikey = "k", retries = 0, max_body = 1, transport = T }
  end)

  it("refuses unknown options, wrong types and bad transports", function()
    refused({ apikey = "k", timeut = 3 }, "timeut", "unknown option 'timeut'")
    refused({ apikey = "k", insecure = "yes" }, "insecure")
    refused({ apikey = "k", transport = "carrier-pigeon" }, "transport")
    refused({ apikey = "k", debug = 3 }, "debug")
    refused("apikey=k", nil, "expected an options table")
    fine { apikey = "k", transport = "curl" }
    fine { apikey = "k", debug = 2, transport = T }
  end)

  it("defaults live in one place and are what README says", function()
    local d = require("idcloudhost.options").DEFAULTS
    assert.same({ 30, 180, 10, 3, 64 * 1024 * 1024 }, { d.timeout, d.write_timeout, d.connect_timeout, d.retries, d.max_body })
    assert.equal("idcloudhost-lua/" .. idcloudhost._VERSION, d.user_agent)
    local c = fine { apikey = "k", timeout = 300, transport = T }
    assert.equal(300, c._shared.cfg.write_timeout) -- a longer read timeout lengthens writes
  end)
end)
