-- The curl command transport (issue 28, item 16): insecure = false given explicitly keeps TLS
-- verification on, and a double quote or a backslash inside a value of its curl config reaches
-- the server as it was (the config's quoting holds).
local options = require "idcloudhost.options"
local spawn = require "idcloudhost.transport.spawn"
local raw = require "spec.nvim.rawserver"

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
    local dir, server, port

    setup(function()
      if vim.fn.executable("openssl") ~= 1 then return end
      dir = vim.fn.tempname()
      vim.fn.mkdir(dir, "p")
      vim.fn.system({ "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
        "-nodes", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1", "-days", "1",
        "-keyout", dir .. "/key.pem", "-out", dir .. "/cert.pem" })
      local out = {}
      server = vim.fn.jobstart({ "openssl", "s_server", "-accept", "0", "-cert", dir .. "/cert.pem",
        "-key", dir .. "/key.pem", "-www" }, { on_stdout = function(_, data) vim.list_extend(out, data) end })
      vim.wait(5000, function()
        for _, l in ipairs(out) do port = port or l:match("ACCEPT .*:(%d+)") end
        return port ~= nil
      end, 20)
    end)

    teardown(function()
      if server then vim.fn.jobstop(server) end
      if dir then vim.fn.delete(dir, "rf") end
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
