-- Batches and waits against the simulator: concurrency through the multi interface, order,
-- isolation of failures, and waits that yield instead of blocking.
local helper = require "spec.helper"
local clock = require("idcloudhost.runtime").plain

local STOP = "/v1/user-resource/vm/stop"

local function make_vms(client, n)
  local vms = {}
  for i = 1, n do
    vms[i] = assert(client.vms:create(helper.vm_params { name = string.format("batch-%02d", i) }))
  end
  return vms
end

describe("client:batch", function()
  local client

  before_each(function()
    client = helper.fresh_client { location = "cyc01" }
  end)

  after_each(function()
    helper.config { latency = 0.01, settle = 0 }
  end)

  it("runs 50 stop-and-wait calls at concurrency 10 in under a third of the sequential time", function()
    local vms = make_vms(client, 50)
    local latency = 0.2
    helper.config { latency = latency }
    local t0 = clock.now()
    local results = client:batch(vms, function(vm)
      assert(vm:stop { force = true })
      return vm:wait("stopped", { interval = 0.05 })
    end, { concurrency = 10 })
    local elapsed = clock.now() - t0
    -- Sequentially each stop blocks for the write latency: 50 x 0.2 s at the very least.
    local sequential = #vms * latency
    assert.is_true(elapsed < sequential / 3, string.format("%.2f s is not under %.2f s", elapsed, sequential / 3))
    assert.equal(50, #results)
    for i, r in ipairs(results) do
      assert.is_true(r.ok, tostring(r.err))
      assert.equal(vms[i], r.value)        -- results keep item order
      assert.equal("stopped", r.value.status)
    end
  end)

  it("looks the default billing account up once for creates that need it together", function()
    helper.config { latency = 0.2 }
    local results = client:batch({ 1, 2, 3, 4, 5, 6 }, function(i)
      return assert(client.vms:create(helper.vm_params { name = string.format("billing-%02d", i) }))
    end, { concurrency = 6 })
    local lookups, creates = 0, 0
    for _, r in ipairs(helper.log()) do
      if r.path:find("/billing_account/list$") then lookups = lookups + 1 end
      if r.method == "POST" and r.path:find("/user%-resource/vm$") then creates = creates + 1 end
    end
    assert.equal(1, lookups)
    assert.equal(6, creates)
    for _, r in ipairs(results) do
      assert.is_true(r.ok, tostring(r.err))
      assert.truthy(r.value.billing_account)
    end
  end)

  it("never has more calls in flight than the concurrency", function()
    local vms = make_vms(client, 12)
    helper.config { latency = 0.1 }
    local inflight, peak = 0, 0
    client:batch(vms, function(vm)
      inflight = inflight + 1
      peak = math.max(peak, inflight)
      local ok = vm:stop()
      inflight = inflight - 1
      return ok
    end, { concurrency = 4 })
    assert.equal(4, peak)
  end)

  it("keeps going when one call fails: the other 49 are done", function()
    local vms = make_vms(client, 50)
    helper.fault { path = STOP, method = "POST", kind = "status", status = 500, count = 1 }
    local progress = {}
    local results = client:batch(vms, function(vm) return vm:stop { force = true } end, {
      concurrency = 10,
      on_progress = function(done, total) progress[#progress + 1] = done .. "/" .. total end,
    })
    local failed = 0
    for i, r in ipairs(results) do
      if r.ok then
        assert.equal(vms[i], r.value)
      else
        failed = failed + 1
        assert.equal(500, r.err.status)
      end
    end
    assert.equal(1, failed)
    local stopped = 0
    for _, vm in ipairs(assert(client.vms:list())) do
      if vm.status == "stopped" then stopped = stopped + 1 end
    end
    assert.equal(49, stopped)
    assert.equal(50, #progress)
    assert.equal("50/50", progress[50])
  end)

  it("catches an error raised by the function and keeps the others", function()
    local results = client:batch({ 1, 2, 3 }, function(n)
      if n == 2 then error("boom " .. n) end
      return n * 10
    end)
    assert.same({ ok = true, value = 10 }, results[1])
    assert.is_false(results[2].ok)
    assert.matches("boom 2", results[2].err)
    assert.equal(30, results[3].value)
  end)

  it("reports nil, err answers as failures", function()
    local results = client:batch({ "not-a-uuid" }, function(uuid, c) return c.vms:get(uuid) end)
    assert.is_false(results[1].ok)
    assert.equal("invalid", results[1].err.kind)
  end)

  it("refuses bad arguments", function()
    local res, err = client:batch("x", print)
    assert.is_nil(res)
    assert.equal("invalid", err.kind)
  end)

  it("lets waits inside a batch sleep without blocking the others", function()
    helper.config { settle = 0.3 }
    local vms = make_vms(client, 6)
    local t0 = clock.now()
    local results = client:batch(vms, function(vm)
      return vm:wait("running", { interval = 0.1, max_interval = 0.1 })
    end, { concurrency = 6 })
    local elapsed = clock.now() - t0
    for _, r in ipairs(results) do assert.is_true(r.ok, tostring(r.err)) end
    -- six waits of ~0.3 s each, side by side
    assert.is_true(elapsed < 6 * 0.3, string.format("%.2f s", elapsed))
  end)
end)

describe("every location", function()
  before_each(helper.reset)

  it("runs a function per location and lists every VM tagged with its location", function()
    local client = helper.client()
    assert(assert(client:at("cyc01")).vms:create(helper.vm_params { name = "in-cyc" }))
    assert(assert(client:at("bus02")).vms:create(helper.vm_params { name = "in-bus" }))
    local results = assert(client:each_location(function(c, loc) return c.location .. "=" .. loc.display_name end))
    assert.equal("cyc01=Cycletown", results[1].value)
    assert.equal("bus02=Busburg", results[2].value)
    local all = assert(client.vms:list { all_locations = true })
    local where = {}
    for _, vm in ipairs(all) do where[vm.name] = vm.location end
    assert.same({ ["in-cyc"] = "cyc01", ["in-bus"] = "bus02" }, where)
    -- each VM belongs to its location's client: methods reach the right place
    for _, vm in ipairs(all) do
      assert(vm:stop())
      assert.equal("stopped", vm.status)
      assert.equal(vm.name == "in-cyc" and "cyc01" or "bus02", vm.location)
    end
  end)

  it("fails as a whole, naming the location, when one location fails", function()
    local client = helper.client { retries = 0 }
    helper.fault { path = "/v1/user-resource/vm/list", kind = "status", status = 500 }
    local all, err = client.vms:list { all_locations = true }
    assert.is_nil(all)
    assert.matches("^location %w+: ", err.message)
  end)
end)
