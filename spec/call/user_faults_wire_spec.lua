-- Issue 28 on the C core over a real socket (spec/core/server.lua): a client closed while its
-- transfers are in flight, and abandoned batches that must leave no socket and no client behind
-- (LuaJIT has no ephemerons: run with LUA=luajit too).  The unit specs hold the same rules on a
-- scripted transport (spec/unit/call/user_faults_spec.lua).
local H = require "spec.core.helper"
local idcloudhost = require "idcloudhost"

local function fds()
  local n = 0
  local f = io.open("/proc/self/stat")
  local pid = f:read("*l"):match("^(%d+)")
  f:close()
  local p = io.popen("ls /proc/" .. pid .. "/fd")
  for _ in p:lines() do n = n + 1 end
  p:close()
  return n
end

describe("issue 28 on the C core", function()
  local server
  setup(function() server = H.start() end)
  teardown(function() H.stop(server) end)

  local function client(opts)
    local o = { apikey = "secret-key-123", base_url = server.url, retries = 0 }
    for k, v in pairs(opts or {}) do o[k] = v end
    return assert(idcloudhost.new(o))
  end

  it("close() from a batch item while another's request is in flight: invalid errors, no raise", function()
    if not server then return pending("no Lua with cqueues for the test server") end
    local c = client()
    local ok, results = pcall(c.batch, c, { 1, 2, 3 }, function(i, cl)
      if i == 1 then return cl:request("POST", "/hang", { x = 1 }) end
      if i == 2 then
        cl:request("GET", "/echo") -- ends (a text, not JSON) while 1 is in flight
        cl:close()
        return "closed"
      end
      return cl:request("GET", "/slow/300")
    end)
    assert.is_true(ok, tostring(results))
    assert.equal("invalid", results[1].err.kind)
    assert.is_true(results[1].err.uncertain) -- a write cut in flight may have landed
    assert.is_true(results[2].ok)
    assert.equal("invalid", results[3].err.kind)
    local res, err = c:request("GET", "/echo")
    assert.is_nil(res)
    assert.equal("invalid", err.kind)
  end)

  it("close() from an on_request hook before a retry: the retry is not sent, no raise", function()
    if not server then return pending("no Lua with cqueues for the test server") end
    local c
    local attempts = 0
    c = client { retries = 2, retry_base = 0.01, retry_cap = 0.01, on_request = function()
      attempts = attempts + 1
      c:close()
    end }
    local ok, res, err = pcall(c.request, c, "GET", "/status/503")
    assert.is_true(ok, tostring(res))
    assert.is_nil(res)
    assert.equal("invalid", err.kind)
    assert.equal(1, attempts)
  end)

  it("100 batches whose caller is abandoned leave no socket and no client after a full GC", function()
    if not server then return pending("no Lua with cqueues for the test server") end
    collectgarbage()
    collectgarbage()
    local before = fds()
    local alive = setmetatable({}, { __mode = "k" })
    -- (in a function of its own: a dead local left in a live stack frame would hold one client)
    local function abandon()
      for _ = 1, 100 do
        local c = client()
        alive[c] = true
        local co = coroutine.create(function()
          return c:batch({ 1, 2, 3, 4, 5, 6 }, function(i, cl) return cl:request("GET", "/slow/" .. (10 * i)) end,
            { concurrency = 6, on_progress = function() coroutine.yield() end })
        end)
        assert(coroutine.resume(co)) -- the first item ends, on_progress yields: never resumed
      end
    end
    abandon()
    -- A LuaJIT trace keeps the closures it was specialized on as constants (until flushed):
    -- one recorded in the loop above would hold that iteration's client.  That is the JIT's
    -- cache, not a reference of the SDK's.
    local jit = rawget(_G, "jit")
    if jit then jit.flush() end
    local n, left
    -- Full GCs, a few: a finalized session may free what it held only in the next cycle.
    for _ = 1, 6 do
      collectgarbage()
      collectgarbage()
      n = 0
      for _ in pairs(alive) do n = n + 1 end
      left = fds() - before
      if n == 0 and left <= 0 then break end
      require("idcloudhost.core").sleep(0.05)
    end
    assert.equal(0, n, "clients alive")
    assert.is_true(left <= 0, left .. " descriptors left open")
  end)
end)
