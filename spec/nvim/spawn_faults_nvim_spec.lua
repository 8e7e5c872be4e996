-- The curl command transport (issue 28, item 16): insecure = false given explicitly keeps TLS
-- verification on, and a double quote or a backslash inside a value of its curl config reaches
-- the server as it was (the config's quoting holds).
local options = require "idcloudhost.options"
local spawn = require "idcloudhost.transport.spawn"
local raw = require "spec.nvim.rawserver"
local tools = require "spec.nvim.tools"

local function transport(over)
  local c = {}
  for k, v in pairs(options.DEFAULTS) do c[k] = v end
  for k, v in pairs(over or {}) do c[k] = v end
  return assert(spawn.new(c))
end

describe("transport.spawn's curl config", function()
  it("keeps quotes, backslashes and tabs of a header value byte-exact", function()
    local seen
    local server = raw.start(function(head)
      seen = head
      return "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"
    end)
    local values = { 'a "quoted" word', [[back\slash and \\ two and \" both]], 'end quote"', [[end backslash\]],
      "tab\tinside" }
    local headers = {}
    for i, v in ipairs(values) do headers["X-Q" .. i] = v end
    local res, msg = transport():request { method = "GET", url = "http://127.0.0.1:" .. server.port .. "/q",
      headers = headers, timeout = 5 }
    server.stop()
    assert.is_table(res, msg)
    for i, v in ipairs(values) do
      local got = seen:match("\r\nX%-Q" .. i .. ": ([^\r\n]*)\r\n")
      assert.equal(v, got, "header X-Q" .. i)
    end
  end)

  describe("over TLS", function()
    local tls, port

    setup(function()
      tls = tools.tls_server()
      port = tls and tls.port
    end)

    teardown(function()
      if tls then tls.stop() end
    end)

    it("verifies the certificate when insecure = false is given explicitly", function()
      if not port then return pending("openssl is not installed: no TLS server to test against") end
      local url = "https://127.0.0.1:" .. port .. "/"
      local res, msg, name = transport({ insecure = false }):request { method = "GET", url = url, timeout = 5 }
      assert.is_nil(res)
      assert.equal("PEER_FAILED_VERIFICATION", name, msg)
      res, msg = transport({ insecure = true }):request { method = "GET", url = url, timeout = 5 }
      assert.is_table(res, msg)
    end)
  end)
end)
