-- idcloudhost.plan and plan:apply on a fake platform (virtual clock): dependency order, prices,
-- a second plan after an apply is empty, an apply cut off halfway and run again, unmarked
-- resources of the same names reported and never adopted or deleted, prune only what is owned.
local idcloudhost = require "idcloudhost"

local PRICES = { floating_ip = 5, load_balancer = 20 }

local function vm(name, vcpu)
  return { name = name, network = "nightly-net", vcpu = vcpu or 1, ram = 1024, disks = 20, os_name = "ubuntu",
    os_version = "22.04", username = "ubuntu", password = "S3cret-pass", billing_account_id = 6 }
end

local function desired()
  return { owner = "nightly", locations = { cyc01 = {
    networks = { { name = "nightly-net" } },
    vms = { vm("web-1"), vm("web-2"), vm("web-3") },
    floating_ips = { { name = "web-ip", assign = "web-1", billing_account_id = 6 } },
    load_balancers = { { name = "front", network = "nightly-net", billing_account_id = 6,
      rules = { { source_port = 80, target_port = 8080 } }, targets = { "web-1", "web-2", "web-3" } } },
  } } }
end

local kit = require("spec.unit.ops.plan_kit")(5, PRICES, desired)
local fresh, plan, ops, dir = kit.fresh, kit.plan, kit.ops, kit.dir

describe("plan and apply", function()
  teardown(function() os.execute("rm -rf '" .. dir .. "'") end)

  it("plans the creates in dependency order, priced, and a second plan after apply is empty", function()
    local f, c = fresh()
    local p = assert(plan(c))
    assert.same({ "create network nightly-net", "create vm web-1", "create vm web-2", "create vm web-3",
      "create floating_ip web-ip", "assign floating_ip web-ip", "create load_balancer front" }, ops(p))
    local H = 730
    assert.near((0.00521 + 0.00329 + 20 * 0.0001) * H, p.actions[2].monthly, 1e-9)
    assert.equal(20, p.actions[7].monthly)
    local text = tostring(p)
    assert.matches('%+ cyc01 vm "web%-1": create, missing', text)
    assert.matches("Plan: 6 to create, 0 to update, 1 to assign, 0 to delete.", text, 1, true)
    local seen = 0
    local report = assert(p:apply { concurrency = 3, on_progress = function() seen = seen + 1 end })
    assert.equal(7, #report.done)
    assert.equal(7, seen)
    assert.equal(3, #f:calls("vms.create"))
    local again = assert(plan(c))
    assert.equal(0, #again.actions)
    assert.matches("No changes", tostring(again))
    -- what was made is what was asked for
    local lb = assert(c.load_balancers:find { name = "front", owner = "nightly" })[1]
    assert.equal(3, #lb.targets)
    local ip = assert(c.floating_ips:find { name = "web-ip", owner = "nightly" })[1]
    local web1 = assert(c.vms:find { name = "web-1", owner = "nightly" })[1]
    assert.equal(web1.uuid, ip.assigned_to)
    assert.same({}, ops(assert(plan(c))))
  end)

  it("an apply cut off halfway, run again, finishes without making anything twice", function()
    local f, c = fresh()
    f:fault { path = "/v1/network/load_balancers", method = "POST", kind = "status", status = 500, count = 10 }
    local p = assert(plan(c))
    local report, err = p:apply { concurrency = 2 }
    assert.is_nil(report)
    assert.equal("api", err.kind)
    assert.equal(6, #err.report.done)
    assert.equal(1, #err.report.failed)
    assert.equal("load_balancer", err.report.failed[1].action.kind)
    assert.equal(0, #err.report.not_done)
    f:clear_faults()
    local p2 = assert(plan(c))
    assert.same({ "create load_balancer front" }, ops(p2))
    assert(p2:apply {})
    assert.equal(0, #assert(plan(c)).actions)
    assert.equal(3, #f:calls("vms.create"))
    assert.equal(1, #f:calls("networks.create"))
  end)

  it("stops at the first failing stage and leaves the later ones not done", function()
    local f, c = fresh()
    f:fault { path = "/v1/user-resource/vm", method = "POST", kind = "status", status = 400, count = 10 }
    local _, err = assert(plan(c)):apply {}
    assert.equal(1, #err.report.done) -- the network
    assert.equal(3, #err.report.failed)
    assert.equal(3, #err.report.not_done)
    assert.equal(0, #f:calls("load_balancers.create") + #f:calls("floating_ips.create"))
  end)

  it("reports unmarked resources of the same names and never adopts, changes or deletes them", function()
    local f, c = fresh()
    local stranger = vm("web-2", 4)
    stranger.network = nil
    stranger = assert(c.vms:create(stranger))
    local net = assert(c.networks:create { name = "nightly-net" })
    local p = assert(plan(c, nil, { prune = true }))
    assert.equal(2, #p.unowned)
    assert.matches('! cyc01 vm "web%-2" exists without the owner mark "nightly"', tostring(p))
    assert(p:apply {})
    assert(p)
    local again = assert(plan(c, nil, { prune = true }))
    assert.equal(0, #again.actions)
    assert.equal(4, assert(c.vms:get(stranger.uuid)).vcpu)
    assert.truthy(assert(c.networks:get(net.uuid)))
    assert.equal(0, #f:calls("vms.delete") + #f:calls("vms.update") + #f:calls("networks.delete"))
  end)

  it("updates what changed and prunes only resources with the same owner mark", function()
    local f, c = fresh()
    assert(assert(plan(c)):apply {})
    local other = vm("web-3")
    other.network = nil
    other.owner = "someone-else"
    assert(c.vms:create(other))
    local d = desired()
    d.locations.cyc01.vms = { vm("web-1"), vm("web-2", 2) }
    d.locations.cyc01.load_balancers[1].targets = { "web-1", "web-2" }
    local keep = assert(plan(c, d)) -- no prune: nothing deleted
    assert.same({ "update vm web-2", "update load_balancer front" }, ops(keep))
    local p = assert(plan(c, d, { prune = true }))
    assert.same({ "update vm web-2", "update load_balancer front", "delete vm web-3" }, ops(p))
    assert.matches('%- cyc01 vm "web%-3": delete', tostring(p))
    assert(p:apply {})
    assert.equal(0, #assert(plan(c, d, { prune = true })).actions)
    assert.equal(1, #assert(c.vms:find { name = "web-3", owner = "someone-else" }))
    assert.equal(0, #assert(c.vms:find { name = "web-3", owner = "nightly" }))
    assert.equal(2, assert(c.vms:find { name = "web-2", owner = "nightly" })[1].vcpu)
    assert.equal(1, #f:calls("vms.delete"))
  end)

  it("reports a create of the owner sent by a killed process and not answered (a teardown would miss it)", function()
    local _, c = fresh()
    local ensure = require "idcloudhost.ops.ensure"
    local key = table.concat({ c.base_url, "vms", "cyc01", "web-9", "nightly" }, "\0")
    os.execute("mkdir -p '" .. dir .. "'")
    local fh = assert(io.open(ensure.fence_path({ state_dir = dir }, key), "w"))
    fh:write(tostring(os.time() - 5), " ", key, "\n")
    fh:close()
    local p = assert(plan(c, { owner = "nightly", locations = { cyc01 = {} } }, { prune = true }))
    assert.equal(1, #p.in_flight)
    assert.equal("web-9", p.in_flight[1].name)
    assert.matches('! cyc01 vm "web%-9": a create sent %d+ s ago has no answer yet', tostring(p))
    local other = assert(plan(c, { owner = "someone", locations = { cyc01 = {} } }))
    assert.equal(0, #other.in_flight)
  end)

  it("refuses a bad desired state before sending anything", function()
    local f, c = fresh()
    for _, d in ipairs {
      { locations = {} }, { owner = "Bad Owner", locations = {} }, { owner = "n" },
      { owner = "n", locations = { cyc01 = { disks = {} } } },
    } do
      local p, err = idcloudhost.plan(c, d)
      assert.is_nil(p)
      assert.equal("invalid", err.kind)
    end
    local d = desired()
    d.locations.cyc01.vms[2].name = "web-1"
    local p, err = plan(c, d)
    assert.is_nil(p)
    assert.equal("invalid", err.kind)
    assert.equal(0, #f:calls("vms.create") + #f:calls("networks.create"))
  end)
end)
