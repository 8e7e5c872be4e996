-- On the wire: the SDK over the C core, and the core alone, against the throwaway server of
-- spec/core/server.lua (spec/core/helper.lua).  What `make mutate` showed unguarded
-- (mutate/mutants.lua names the mutant each spec kills): connect_timeout and TLS verification
-- reaching libcurl from idcloudhost.new, sub-millisecond timeouts, two Content-Lengths, two
-- Content-Encodings, the body buffer's memory under max_body.  Pending without the server's Lua
-- modules (cqueues; luaossl for TLS; luaposix for the black hole) or the openssl command.
local core = require "idcloudhost.core"
local H = require "spec.core.helper"
local idcloudhost = require "idcloudhost"

local function client(base, opts)
  local o = { apikey = "wire-key-1", base_url = base, retries = 0 }
  for k, v in pairs(opts or {}) do o[k] = v end
  return assert(idcloudhost.new(o))
end

describe("the SDK over the C core", function()
  local dir, server

  setup(function()
    dir = H.certs()
    server = H.start(dir)
  end)
  teardown(function()
    H.stop(server)
    H.rmdir(dir)
  end)

  local function needs(what)
    if not server then pending("needs lua5.3 or lua5.4 with cqueues") end
    if what == "blackhole" and not server.port.blackhole then pending("needs luaposix for the server's Lua") end
    if what == "tls" and not (dir and server.port["tls-good"]) then pending("needs openssl and luaossl") end
  end

  it("hands idcloudhost.new's connect_timeout to libcurl", function() -- curl-connect-timeout
    needs("blackhole")
    local c = client("http://127.0.0.1:" .. server.port.blackhole, { connect_timeout = 0.4, timeout = 15 })
    local t0 = H.now()
    local list, err = c.vms:list()
    local took = H.now() - t0
    assert.is_nil(list)
    assert.equal("timeout", err.kind)
    assert.equal("OPERATION_TIMEDOUT", err.code)
    assert.is_true(took >= 0.35 and took < 5, "took " .. took .. " s") -- far from the 15 s of no connect_timeout
    c:close()
  end)

  it("verifies TLS by default: an unknown CA or another host name is refused, never retried", function()
    -- curl-insecure, c-verifypeer, c-verifyhost
    needs("tls")
    local function status(name, opts)
      local n = 0
      local o = { retries = 3, on_request = function() n = n + 1 end }
      for k, v in pairs(opts or {}) do o[k] = v end
      local c = client("https://127.0.0.1:" .. server.port["tls-" .. name], o)
      local ok, err = c:request("GET", "/status/204")
      c:close()
      return ok, err, n
    end
    local ok, err, n = status("good")
    assert.is_nil(ok)
    assert.equal("network", err.kind)
    assert.equal("PEER_FAILED_VERIFICATION", err.code)
    assert.equal(1, n)
    ok, err = status("other", { ca_file = dir .. "/ca.pem" })
    assert.is_nil(ok)
    assert.equal("PEER_FAILED_VERIFICATION", err.code)
    assert.is_true(status("good", { ca_file = dir .. "/ca.pem" }))
    assert.is_true(status("self", { insecure = true }))
  end)
end)

describe("the C core", function()
  local server, s

  setup(function() server = H.start() end)
  teardown(function() H.stop(server) end)
  before_each(function() s = core.session() end)
  after_each(function() s:close() end)

  local function needs()
    if not server then pending("needs lua5.3 or lua5.4 with cqueues") end
  end

  local function get(path, t) return s:request(H.req(server.url .. path, t)) end

  it("times out a request whose timeout is under a millisecond (it is not 0: no timeout)", function()
    -- c-ms-round; through send/perform, so that a transfer without a timeout cannot hang the run
    needs()
    local id = assert(s:send(H.req(server.url .. "/hang", { timeout = 0.0004 })))
    local deadline, got = H.now() + 3, nil
    while not got and H.now() < deadline do
      for _, done in ipairs(s:perform(0.1)) do
        if done == id then got = { s:result(id) } end
      end
    end
    if not got then s:cancel(id) end
    assert.is_table(got, "the transfer was still running after 3 s")
    assert.is_nil(got[1])
    assert.equal("OPERATION_TIMEDOUT", got[3])
  end)

  it("refuses two different Content-Lengths; two equal ones are one", function() -- c-clen-twice
    needs()
    local res, msg, name = get("/cl-twice")
    assert.is_nil(res)
    assert.equal("WEIRD_SERVER_REPLY", name, msg)
    res = assert(get("/cl-same"))
    assert.equal("ok", res.body)
  end)

  it("refuses a body with two Content-Encodings (it asked for one gzip)", function() -- c-stacked-coding
    needs()
    local res, msg, name = get("/gzip-twice")
    assert.is_nil(res)
    assert.equal("BAD_CONTENT_ENCODING", name, msg)
    assert.equal("hello gzip", assert(get("/gzip")).body)
  end)

  it("keeps the body buffer within max_body: no doubling past the cap", function() -- c-buffer-cap
    needs()
    -- A fresh interpreter, so that its virtual memory peak is this transfer's: the buffer of an
    -- endless body grows to the cap (40 MiB + 4 KiB), never to the next power of two (64 MiB).
    local lua = rawget(_G, "jit") and "luajit" or ("lua" .. _VERSION:match("%d+%.%d+"))
    local cap = 40 * 1024 * 1024 + 4096
    local script = ([[
      local core = require "idcloudhost.core"
      local function kb(k)
        local f = io.open("/proc/self/status")
        local s = f and f:read("*a") or ""
        if f then f:close() end
        return tonumber(s:match(k .. ":%%s*(%%d+)"))
      end
      local s = core.session{max_body = %d}
      s:request{method = "GET", url = "%s/echo", timeout = 5}
      local before = kb("VmSize")
      local _, _, name = s:request{method = "GET", url = "%s/endless", timeout = 30}
      print(name, before and kb("VmPeak") - before or "none")
    ]]):format(cap, server.url, server.url)
    local p = io.popen(lua .. " -e '" .. script:gsub("'", "'\\''") .. "' 2>&1")
    local out = p:read("*a")
    p:close()
    local name, grew = out:match("^(%S+)%s+(%S+)")
    if grew == "none" then pending("no /proc/self/status") end
    assert.equal("FILESIZE_EXCEEDED", name, out)
    grew = tonumber(grew)
    assert.is_true(grew < cap / 1024 + 8 * 1024, "virtual memory grew by " .. tostring(grew) .. " kB for a cap of "
      .. cap / 1024 .. " kB")
  end)
end)
