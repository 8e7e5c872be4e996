-- The shared scenario (spec/fixtures/scenario.lua) against the HTTP simulator and against
-- idcloudhost.fake: the same file, the same outcome.  `make test` runs it with a simulator on
-- $(LUA); `make test-fake` runs the fake's half on Lua 5.1, 5.2, 5.3, 5.4 and LuaJIT (the HTTP
-- half is pending there: no simulator).
local fake = require "idcloudhost.fake"
local idcloudhost = require "idcloudhost"
local scenario = require "spec.fixtures.scenario"

local SIM = os.getenv("IDCLOUDHOST_SIM_URL")

describe("the scenario", function()
  it("passes against the fake, with a virtual clock and 30 s settles", function()
    local f = fake.new { clock = "virtual", settle = 30 }
    local report = scenario.run(assert(f:client { location = "cyc01" }), function() return f:state() end)
    assert.equal(3, report.vms)
    assert.same({}, report.left)
    assert.is_true(f:now() >= 60)        -- created, then stopped: two settles at least
    f:assert_called("vms.stop", { force = true }, 3)
    f:assert_called("load_balancers.create", nil, 1)
  end)

  it("passes against the fake on the real clock", function()
    local f = fake.new { seed = 29 }
    assert.same({}, scenario.run(assert(f:client { location = "cyc01" }), function() return f:state() end).left)
  end)

  local http = SIM and it or pending
  http("passes against the HTTP simulator", function()
    local sim = require("idcloudhost.sim.client").connect(SIM)
    sim:call("PUT", "config", { tombstone = 60, settle = 0.2, edition = "elastis" })
    sim:reset()
    local client = assert(idcloudhost.new { apikey = "demo-key", base_url = SIM, location = "cyc01" })
    local ok, report = pcall(scenario.run, client, function() return sim:state() end, { interval = 0.1 })
    sim:call("PUT", "config", { settle = 0 })
    assert(ok, report)
    assert.same({}, report.left)
  end)
end)
