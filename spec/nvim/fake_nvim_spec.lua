-- idcloudhost.fake inside a real Neovim (LuaJIT): the shared scenario (spec/fixtures/scenario.lua)
-- against the fake, from plain code and inside idcloudhost.async, and against the simulator.  In
-- the nocjson run (no C core, no lua-cjson) the engine takes the SDK's JSON, vim.json.
local fake = require "idcloudhost.fake"
local idcloudhost = require "idcloudhost"
local scenario = require "spec.fixtures.scenario"
local tools = require "spec.nvim.tools"

describe("idcloudhost.fake in Neovim (" .. tools.mode .. ")", function()
  it("runs the scenario on a virtual clock: 30 s settles in no time", function()
    local f = fake.new { clock = "virtual", settle = 30 }
    local t0 = tools.now()
    local report = scenario.run(assert(f:client { location = "cyc01" }), function() return f:state() end)
    assert.same({}, report.left)
    assert.is_true(f:now() >= 60)
    assert.is_true(tools.now() - t0 < 5)
    assert.equal(tools.mode == "nocjson" and "idcloudhost" or "cjson", f._require("idcloudhost.sim.json").backend)
    assert.is_nil(package.loaded["http.server"])
    assert.is_nil(package.loaded["cqueues"])
  end)

  it("runs the scenario inside idcloudhost.async, the editor's loop turning", function()
    local f = fake.new { clock = "virtual", settle = 30 }
    local client = assert(f:client { location = "cyc01" })
    local done = tools.run(function()
      return scenario.run(client, function() return f:state() end)
    end, 20000)
    assert.is_table(done, "the task never ended")
    assert(done[1], tostring(done[2]))
    assert.same({}, done[2].left)
    assert.is_true(f:now() >= 60)
  end)

  local sim = os.getenv("IDCLOUDHOST_SIM_URL")
  local http = (sim and tools.mode ~= "nocjson") and it or pending
  http("runs the same scenario against the HTTP simulator", function()
    local control = require("idcloudhost.sim.client").connect(sim)
    control:call("PUT", "config", { tombstone = 60, settle = 0, latency = 0.01 })
    control:reset()
    -- (blocking: the scenario runs on the main loop here; the fake's run above is inside a task)
    local client = assert(idcloudhost.new { apikey = "demo-key", base_url = sim, location = "cyc01", blocking = true })
    local report = scenario.run(client, function() return control:state() end, { interval = 0.1 })
    assert.same({}, report.left)
  end)
end)
