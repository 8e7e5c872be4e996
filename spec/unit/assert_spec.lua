-- idcloudhost.assert: an error value raised as a string, so that its message survives where a
-- table would not (ngx_lua logs "unknown reason" for a table raised in a timer).
local idcloudhost = require "idcloudhost"
local mh = require "spec.mutate.helper"

local clock = mh.clock()
before_each(clock.install)
after_each(clock.restore)

describe("idcloudhost.assert", function()
  it("gives back every value of a call that succeeded", function()
    assert.same({ 1, nil, 3 }, { idcloudhost.assert(1, nil, 3) })
    local t = {}
    assert.equal(t, idcloudhost.assert(t))
  end)

  it("raises the error value's message as a string naming the caller's line", function() -- assert-string
    local s = mh.scripted(clock, { { status = 503, body = '{"message":"Service down"}' } })
    local c = s.client { retries = 0 }
    local ok, raised = pcall(function()
      local vms = idcloudhost.assert(c.vms:list())
      return vms
    end)
    assert.is_false(ok)
    assert.equal("string", type(raised))
    assert.matches("assert_spec.lua:%d+: idcloudhost: GET /v1/user%-resource/vm/list: 503 Service down", raised)
    assert.not_matches(mh.KEY, raised, 1, true)
  end)

  it("raises a message given as a string, and Lua's words without one", function()
    local ok, raised = pcall(idcloudhost.assert, nil, "no VMs")
    assert.is_false(ok)
    assert.matches("no VMs$", raised)
    ok, raised = pcall(idcloudhost.assert, false)
    assert.is_false(ok)
    assert.matches("assertion failed!$", raised)
  end)

  it("refuses a per-call timeout over an hour, in seconds", function()
    local s = mh.scripted(clock, {})
    local got, err = s.client():request("GET", "/v1/user-resource/vm/list", nil, { timeout = 5000 })
    assert.is_nil(got)
    assert.equal("invalid", err.kind)
    assert.matches("at most 3600 (timeouts are seconds, not milliseconds)", err.message, 1, true)
    assert.equal(0, #s.requests)
  end)
end)
