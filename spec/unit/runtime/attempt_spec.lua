-- runtime.attempt (runtime/init.lua), asked by every call: plain Lua is told in one test, and the
-- transport picked for the last runtime is read back while the runtime stays the same.  A client
-- used in plain Lua and then inside a scheduler whose "auto" transport is another one goes out on
-- the scheduler's there.
local idcloudhost = require "idcloudhost"
local runtime = require "idcloudhost.runtime"
local sched = require "idcloudhost.runtime.sched"

local UUID = "5aea1842-895f-4bd3-8bd6-e37b2282fb46"

describe("runtime.attempt", function()
  it("picks the transport afresh in another runtime: plain Lua's, then a scheduler's", function() -- rt-fast-picked
    local saved = package.loaded["idcloudhost.transport.ngx"]
    local sent = 0
    -- (a stand-in for the ngx transport: what a scheduler made with "ngx" as its default uses)
    package.loaded["idcloudhost.transport.ngx"] = { new = function()
      return { request = function()
        sent = sent + 1
        return { status = 200, headers = {}, body = '{"uuid": "' .. UUID .. '", "name": "web"}' }
      end }
    end }
    local client = assert(idcloudhost.new { apikey = "k", base_url = "http://127.0.0.1:9", retries = 0 })
    local _, err = client.vms:get(UUID) -- plain Lua: the C core, and nothing listens there
    local s = sched.new(runtime.plain.clock, "ngx")
    local got
    s:map(1, 1, function() return client.vms:get(UUID) end, function(_, out) got = out end)
    local _, again = client.vms:get(UUID) -- plain Lua again: the C core again
    package.loaded["idcloudhost.transport.ngx"] = saved
    assert.equal("network", err.kind)
    assert.equal(1, sent)
    assert.equal("web", got[2].name)
    assert.equal("network", again.kind)
  end)

  it("runs a call inside a scheduler's coroutine on the scheduler, not as plain Lua", function() -- rt-fast-sched
    local seen = {}
    local t = { request = function(_, req)
      seen[#seen + 1] = req.url
      return { status = 200, headers = {}, body = '{"uuid": "' .. UUID .. '", "name": "web"}' }
    end }
    local client = assert(idcloudhost.new { apikey = "k", base_url = "http://127.0.0.1:9", retries = 0,
      transport = function(req) return t:request(req) end })
    local s = sched.new(runtime.plain.clock)
    local rts = {}
    s:map(1, 1, function()
      local rt = runtime.attempt(client._shared)
      rts[1] = rt
      return client.vms:get(UUID)
    end, function() end)
    rts[2] = runtime.attempt(client._shared)
    assert.equal(s, rts[1])
    assert.equal(runtime.plain, rts[2])
  end)
end)
