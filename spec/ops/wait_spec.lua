-- Waiting for a status: timeouts with the last status, growing intervals, disappearing VMs.
local helper = require "spec.helper"
local idcloudhost = require "idcloudhost"

describe("vm:wait", function()
  local client

  before_each(function()
    client = helper.fresh_client { location = "cyc01" }
  end)

  after_each(function()
    helper.config { settle = 0 }
  end)

  it("returns the VM once it has the status", function()
    helper.config { settle = 0.3 }
    local vm = assert(client.vms:create(helper.vm_params()))
    assert.equal("creating", vm.status)
    local seen = {}
    assert.equal(vm, assert(vm:wait("running", { interval = 0.05,
      on_progress = function(v, elapsed) seen[#seen + 1] = { v.status, elapsed } end })))
    assert.equal("running", vm.status)
    assert.is_true(#seen >= 1)
    assert.equal("creating", seen[1][1])
  end)

  it("accepts a list of statuses and a function, case-insensitively", function()
    local vm = assert(client.vms:create(helper.vm_params()))
    assert(vm:wait({ "stopped", "RUNNING" }, { interval = 0.01 }))
    assert(vm:wait(function(v) return v.vcpu == 2 end, { interval = 0.01 }))
  end)

  it("times out with the last status seen", function()
    helper.config { settle = 5 }
    local vm = assert(client.vms:create(helper.vm_params()))
    local res, err = vm:wait("running", { timeout = 0.3, interval = 0.05 })
    assert.is_nil(res)
    assert.equal("timeout", err.kind)
    assert.equal("creating", err.last_status)
    assert.matches("running", err.message)
    assert.matches("creating", err.message)
  end)

  it("polls with a growing interval, capped", function()
    helper.config { settle = 5 }
    local vm = assert(client.vms:create(helper.vm_params()))
    local sleeps = {}
    local c = helper.client { location = "cyc01", sleep = function(s) sleeps[#sleeps + 1] = s end }
    local mine = assert(c.vms:get(vm.uuid))
    local polls = 0
    mine:wait(function() polls = polls + 1 return polls > 8 end,
      { interval = 1, backoff = 2, max_interval = 8, timeout = 1000 })
    assert.same({ 1, 2, 4, 8, 8, 8, 8, 8 }, sleeps)
  end)

  it("ends with not_found when the VM disappears, unless deleted is awaited", function()
    local vm = assert(client.vms:create(helper.vm_params()))
    local copy = assert(client.vms:get(vm.uuid))
    assert(vm:delete())
    local res, err = copy:wait("running", { interval = 0.01 })
    assert.is_nil(res)
    assert.is_true(err.not_found)
    assert.equal(copy, assert(copy:wait("deleted", { interval = 0.01 })))
    assert.equal("deleted", copy.status)
  end)

  it("stops at once on a fail_on status", function()
    local vm = assert(client.vms:create(helper.vm_params()))
    local res, err = vm:wait("stopped", { fail_on = { "running" }, interval = 0.01 })
    assert.is_nil(res)
    assert.equal("running", err.last_status)
  end)

  it("polls through transient errors", function()
    local vm = assert(client.vms:create(helper.vm_params()))
    local c = helper.client { location = "cyc01", retries = 0 }
    local mine = assert(c.vms:get(vm.uuid))
    helper.fault { path = "/v1/user-resource/vm", method = "GET", kind = "status", status = 503, count = 5 }
    assert(mine:wait("running", { interval = 0.01, backoff = 1 }))
    local gets = 0
    for _, e in ipairs(helper.log()) do if e.method == "GET" and e.fault then gets = gets + 1 end end
    assert.equal(5, gets)
  end)

  it("refuses bad targets and options without a request", function()
    local vm = assert(client.vms:create(helper.vm_params()))
    local before = #helper.log()
    local _, err = vm:wait(42)
    assert.equal("invalid", err.kind)
    _, err = vm:wait("running", { timeout = "soon" })
    assert.equal("invalid", err.kind)
    assert.equal(before, #helper.log())
  end)
end)

describe("disk:wait", function()
  before_each(helper.reset)

  it("waits for a disk status, case-insensitively, and ends when the disk is deleted", function()
    local client = helper.client { location = "cyc01" }
    local disk = assert(client.disks:create { size_gb = 20, source_image_type = "EMPTY" })
    assert.equal(disk, assert(disk:wait("active", { interval = 0.01 })))
    assert.equal("Active", disk.status)
    local copy = assert(client.disks:get(disk.uuid))
    assert(disk:delete())
    local res, err = copy:wait("Active", { interval = 0.01 })
    assert.is_nil(res)
    assert.is_true(err.not_found)
  end)
end)

describe("idcloudhost.ops.wait", function()
  it("polls any function until it holds", function()
    local n = 0
    local v = assert(idcloudhost.wait(function() n = n + 1 return n >= 3 and n, n end, { interval = 0.001 }))
    assert.equal(3, v)
  end)

  it("times out with what it last saw, and stops on nil, err", function()
    local _, err = idcloudhost.wait(function() return false, "pending" end, { timeout = 0.05, interval = 0.01 })
    assert.equal("timeout", err.kind)
    assert.equal("pending", err.last_status)
    local _, e2 = idcloudhost.wait(function() return nil, "broken" end)
    assert.equal("broken", e2)
  end)
end)
