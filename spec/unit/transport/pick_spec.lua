-- transport.pick: the transport of a call, per runtime; remembered, except a refusal.
local transport = require "idcloudhost.transport"

describe("transport.pick", function()
  local function shared()
    return { cfg = { transport = "curl", max_body = 2 ^ 20, connect_timeout = 10 }, transports = {} }
  end

  it("never remembers a refusal: a runtime that refuses is asked again", function()
    local sh = shared()
    local asked = 0
    local rt = { refuse = function(_, want) asked = asked + 1; return "no " .. want .. " here" end }
    for _ = 1, 2 do
      local t, err = transport.pick(sh, rt)
      assert.is_nil(t)
      assert.equal("invalid", err.kind)
      assert.equal("no curl here", err.message)
    end
    assert.equal(2, asked)
  end)

  it("remembers its answer for the last runtime, asks another runtime afresh, forgets at close", function()
    local sh = shared()
    local asked = { a = 0, b = 0 }
    local a = { refuse = function() asked.a = asked.a + 1 end }
    local b = { refuse = function() asked.b = asked.b + 1 end }
    local t = assert(transport.pick(sh, a))
    assert.equal(t, transport.pick(sh, a))
    assert.equal(1, asked.a)
    assert.equal(t, transport.pick(sh, b)) -- one transport per name, whatever the runtime
    assert.equal(1, asked.b)
    transport.close(sh)
    assert.is_nil(sh.picked)
    transport.pick(sh, a)
    assert.equal(2, asked.a)
  end)
end)
