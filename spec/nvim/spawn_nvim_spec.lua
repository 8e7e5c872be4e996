-- The curl command as a transport (transport/spawn.lua), on its own: the contract of
-- docs/architecture.md (answers, error names, no redirects, timeouts, max_body, TLS), and
-- nothing secret in any process's arguments.  Runs in every mode: it needs no C core.
local helper = require "spec.helper"
local json = require "idcloudhost.json"
local options = require "idcloudhost.options"
local spawn = require "idcloudhost.transport.spawn"
local tools = require "spec.nvim.tools"

local uv = vim.uv or vim.loop

local function cfg(over)
  local c = {}
  for k, v in pairs(options.DEFAULTS) do c[k] = v end
  for k, v in pairs(over or {}) do c[k] = v end
  return c
end

local function transport(over)
  return assert(spawn.new(cfg(over)))
end

local function req(over)
  local r = { method = "GET", url = helper.URL .. "/v1/config/locations", timeout = 10,
    headers = { apikey = helper.KEY, Accept = "application/json" } }
  for k, v in pairs(over or {}) do r[k] = v end
  return r
end

-- Waits for id on t as a scheduler would, then takes its result.
local function outcome(t, id, ms)
  vim.wait(ms or 10000, function()
    for _, done in ipairs(t:poll(0)) do
      if done == id then return true end
    end
  end, 10)
  return t:result(id)
end

local function random_word(prefix)
  return prefix .. string.format("%08x%08x", math.random(0, 0x7fffffff), uv.hrtime() % 0x7fffffff)
end

describe("transport.spawn (" .. tools.mode .. " run)", function()
  before_each(function()
    helper.reset()
    helper.config { latency = 0.01 }
  end)

  after_each(function()
    helper.config { latency = 0.01 }
  end)

  it("answers status, lower-cased headers and the body", function()
    local res, msg, name = transport():request(req())
    assert.is_table(res, tostring(msg) .. " " .. tostring(name))
    assert.equal(200, res.status)
    assert.matches("application/json", res.headers["content-type"])
    assert.is_string(res.headers["x-warren-correlation-id"])
    assert.equal(2, #json.decode(res.body))
  end)

  it("keeps the api key and the body out of every process's arguments while a request is in flight", function()
    local key = random_word("key-")
    local saved = helper.sim("GET", "config").apikeys
    local keys = { key }
    for i, k in ipairs(saved) do keys[i + 1] = k end
    helper.config { apikeys = keys, latency = 1 }
    local password = random_word("Pw-") .. "A1"
    -- Quotes, backslashes, line breaks, UTF-8, and more than curl's 100 KiB config line.
    local description = 'a "quoted" \\ back\nslash, caf\xc3\xa9, ' .. string.rep("x", 200 * 1024)
    local body = assert(json.encode(helper.billed_vm_params { password = password, description = description }))
    local t = transport()
    local id = assert(t:send(req {
      method = "POST", url = helper.URL .. "/v1/user-resource/vm", body = body,
      headers = { apikey = key, Accept = "application/json", ["Content-Type"] = "application/json" },
    }))
    vim.wait(300, function() return false end, 300, true) -- curl has read its config and body
    local curls, leaks = 0, {}
    for _, p in ipairs(tools.cmdlines()) do
      if p.args[2] == "-q" and p.args[3] == "--config" and p.args[4] == "-" and #p.args == 4 then curls = curls + 1 end
      if p.text:find(key, 1, true) or p.text:find(password, 1, true) then leaks[#leaks + 1] = p.text end
    end
    local res, msg = outcome(t, id)
    helper.config { apikeys = saved }
    assert.same({}, leaks)
    assert.is_true(curls >= 1, "no curl process seen in flight")
    assert.is_table(res, msg)
    assert.equal(200, res.status)
    local entry = helper.last_request()
    assert.equal(body, entry.body)
    assert.equal(description, json.decode(res.body).description)
  end)

  it("never follows a redirect, even when ~/.curlrc says -L", function()
    local home = vim.fn.tempname()
    vim.fn.mkdir(home, "p")
    local f = assert(io.open(home .. "/.curlrc", "w"))
    f:write("location\ninsecure\n")
    f:close()
    local saved = vim.env.HOME
    vim.env.HOME = home
    helper.fault { path = "/v1/config/locations", kind = "status", status = 302,
      headers = { Location = helper.URL .. "/v1/user-resource/vm/list" } }
    local res, msg = transport():request(req())
    vim.env.HOME = saved
    vim.fn.delete(home, "rf")
    assert.is_table(res, msg)
    assert.equal(302, res.status)
    assert.equal(helper.URL .. "/v1/user-resource/vm/list", res.headers.location)
    assert.equal(1, #helper.log())
  end)

  it("names failures as libcurl does: refused, timed out, too large, not asked for encoding", function()
    local t = transport()
    local res, msg, name = t:request(req { url = "http://127.0.0.1:1/v1/config/locations" })
    assert.is_nil(res)
    assert.equal("COULDNT_CONNECT", name)
    assert.matches("^COULDNT_CONNECT: ", msg)

    helper.fault { path = "/v1/config/locations", kind = "stall", seconds = 3 }
    local t0 = tools.now()
    res, msg, name = t:request(req { timeout = 0.5 })
    assert.is_nil(res)
    assert.equal("OPERATION_TIMEDOUT", name, msg)
    assert.is_true(tools.now() - t0 < 2)

    res, msg, name = transport({ max_body = 50 }):request(req())
    assert.is_nil(res)
    assert.equal("FILESIZE_EXCEEDED", name, msg)

    helper.fault { path = "/v1/config/locations", kind = "status", status = 200, body = "not gzip at all",
      headers = { ["Content-Encoding"] = "gzip" } }
    res, msg, name = t:request(req())
    assert.is_nil(res)
    assert.equal("BAD_CONTENT_ENCODING", name, msg)
  end)

  it("refuses what it must not send, and starts no process for it", function()
    local t = transport()
    for _, case in ipairs {
      { req { url = "file:///etc/passwd" }, "UNSUPPORTED_PROTOCOL" },
      { req { url = "ftp://127.0.0.1/x" }, "UNSUPPORTED_PROTOCOL" },
      { req { headers = { apikey = helper.KEY .. "\r\nX-Injected: 1" } }, "BAD_FUNCTION_ARGUMENT" },
      { req { headers = { ["Bad Name"] = "x" } }, "BAD_FUNCTION_ARGUMENT" },
      { req { url = helper.URL .. "/v1/x\nhost" }, "URL_MALFORMAT" },
    } do
      local id, msg, name = t:send(case[1])
      assert.is_nil(id)
      assert.equal(case[2], name, msg)
    end
    assert.equal(0, t.running)
    assert.equal(0, #helper.log())
  end)

  it("cannot block inside a vim.loop callback, and says what to do instead", function()
    local t = transport()
    local got
    local timer = uv.new_timer()
    timer:start(1, 0, function() got = { t:request(req()) } end)
    vim.wait(2000, function() return got ~= nil end, 10)
    timer:close()
    assert.is_nil(got[1])
    assert.equal("BAD_FUNCTION_ARGUMENT", got[3])
    assert.matches("idcloudhost.async", got[2], 1, true)
  end)

  it("stops the requests in flight on close", function()
    helper.fault { path = "/v1/config/locations", kind = "stall", seconds = 5 }
    local t = transport()
    local id = assert(t:send(req()))
    t:close()
    local t0 = tools.now()
    local res, msg, name = outcome(t, id, 3000)
    assert.is_nil(res)
    assert.equal("ABORTED_BY_CALLBACK", name, msg)
    assert.is_true(tools.now() - t0 < 2)
  end)

  describe("TLS", function()
    local tls, dir, port

    setup(function()
      tls = tools.tls_server()
      dir, port = tls and tls.dir, tls and tls.port
    end)

    teardown(function()
      if tls then tls.stop() end
    end)

    local function get(over)
      return transport(over):request(req { url = "https://127.0.0.1:" .. port .. "/" })
    end

    it("verifies the server's certificate; ca_file trusts it, insecure only when asked", function()
      if not port then return pending("openssl is not installed: no TLS server to test against") end
      local res, msg, name = get()
      assert.is_nil(res)
      assert.equal("PEER_FAILED_VERIFICATION", name, msg)
      res, msg = get { ca_file = dir .. "/cert.pem" }
      assert.is_table(res, msg)
      assert.equal(200, res.status)
      res, msg = get { insecure = true }
      assert.is_table(res, msg)
      assert.equal(200, res.status)
      res, msg, name = get { ca_file = dir .. "/missing.pem" }
      assert.is_nil(res)
      assert.equal("SSL_CACERT_BADFILE", name, msg)
    end)
  end)

  describe("parse", function()
    it("skips 1xx answers, joins repeated headers, keeps the body as it is", function()
      local res = spawn.parse("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nSet-Cookie: a\r\n"
        .. "set-cookie: b\r\nX-Empty:\r\n\r\n\r\nbody\r\n\r\n")
      assert.equal(201, res.status)
      assert.equal("a, b", res.headers["set-cookie"])
      assert.equal("", res.headers["x-empty"])
      assert.equal("\r\nbody\r\n\r\n", res.body)
      res = spawn.parse("HTTP/2 204 \r\ncontent-length: 0\r\n\r\n")
      assert.equal(204, res.status)
      assert.equal("", res.body)
    end)

    it("names what is no answer as the core does, and never raises", function()
      for _, case in ipairs {
        { "", "WEIRD_SERVER_REPLY" }, { "garbage\r\n\r\n", "WEIRD_SERVER_REPLY" },
        { "HTTP/1.1 2000 OK\r\n\r\n", "WEIRD_SERVER_REPLY" }, { "HTTP/1.1 099 Low\r\n\r\n", "WEIRD_SERVER_REPLY" },
        { "HTTP/1.1 200 OK", "RECV_ERROR" }, { "HTTP/1.1 200 OK\r\nA: b\r\n", "RECV_ERROR" },
        { "HTTP/1.1 100 Continue\r\n\r\n", "WEIRD_SERVER_REPLY" },
        { "HTTP/1.1 200 OK\r\nX: " .. string.rep("x", 310 * 1024) .. "\r\n\r\n", "RECV_ERROR" },
        { "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\n12345", "WEIRD_SERVER_REPLY" },
        { "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "WEIRD_SERVER_REPLY" },
      } do
        local res, name = spawn.parse(case[1])
        assert.is_nil(res, case[1]:sub(1, 60))
        assert.equal(case[2], name, case[1]:sub(1, 60))
      end
      math.randomseed(42)
      for _ = 1, 2000 do
        local bytes = {}
        for i = 1, math.random(0, 80) do bytes[i] = string.char(math.random(0, 255)) end
        local text = (math.random() < 0.5 and "HTTP/1.1 200 OK\r\n" or "") .. table.concat(bytes)
        local ok, res, name = pcall(spawn.parse, text)
        assert.is_true(ok, res)
        if res then
          assert.is_true(res.status >= 100 and res.status <= 999 and type(res.body) == "string")
        else
          assert.is_true(name == "WEIRD_SERVER_REPLY" or name == "RECV_ERROR")
        end
      end
    end)
  end)
end)
