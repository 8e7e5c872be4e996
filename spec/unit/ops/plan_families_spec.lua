-- idcloudhost.plan over every kind it knows, on a fake platform (virtual clock): SSH keys and
-- buckets (the account's), firewalls, VMs with their keys and data disks; update, replace
-- (opt-in), prune (only the owner's); and ensure{update = true} per family, which runs the same
-- code as a plan's updates (ops/plan/change.lua).

local PRICES = { floating_ip = 5, load_balancer = 20, firewall = 3 }
local KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGx4vYv0h2n6cXz8nZr1kq9T3pQw6m5Jk0b7sVtq2yWm me@host"
local KEY2 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHb7dQ2m9xKp3Lr8sVz1cN4eT6yWq0uJ5aF2gB7hC9iD me@host"

local function vm(name, over)
  local v = { name = name, network = "nightly-net", vcpu = 1, ram = 1024, disks = 20, os_name = "ubuntu",
    os_version = "22.04", username = "ubuntu", ssh_keys = { "deploy" }, billing_account_id = 6 }
  for k, x in pairs(over or {}) do v[k] = x end
  return v
end

local function desired()
  return { owner = "nightly",
    ssh_keys = { { name = "deploy", public_key = KEY } },
    buckets = { { name = "nightly-logs", billing_account_id = 6 } },
    locations = { cyc01 = {
      networks = { { name = "nightly-net" } },
      vms = { vm("web-1", { data_disks = { 50 } }), vm("web-2") },
      firewalls = { { name = "web", description = "front door", billing_account_id = 6,
        rules = { { direction = "inbound", protocol = "tcp", port_start = 443 } }, vms = { "web-1", "web-2" } } },
      floating_ips = { { name = "web-ip", assign = "web-1", billing_account_id = 6 } },
      load_balancers = { { name = "front", network = "nightly-net", billing_account_id = 6,
        rules = { { source_port = 80, target_port = 8080 } }, targets = { "web-1", "web-2" } } },
    } } }
end

local kit = require("spec.unit.ops.plan_kit")(7, PRICES, desired)
local fresh, plan, ops, dir = kit.fresh, kit.plan, kit.ops, kit.dir

local function one(coll, name)
  local found = assert(coll:find { name = name, owner = "nightly" })
  assert.equal(1, #found)
  return found[1]
end

local function applied(c, d, opts)
  local p = assert(plan(c, d, opts))
  assert(p:apply {})
  return p
end

describe("plan over every kind", function()
  teardown(function() os.execute("rm -rf '" .. dir .. "'") end)

  it("creates keys and buckets first, VMs with their keys and data disks, firewalls with their VMs; a second plan is empty", function()
    local f, c = fresh()
    local p = assert(plan(c))
    assert.same({ "create ssh_key deploy", "create bucket nightly-logs", "create network nightly-net",
      "create vm web-1", "create vm web-2", "create firewall web", "create floating_ip web-ip",
      "assign floating_ip web-ip", "create load_balancer front" }, ops(p))
    local text = tostring(p)
    assert.matches('%+ account ssh_key "deploy": create, missing', text)
    assert.matches('%+ cyc01 firewall "web": create, missing  %(%+3%.00/month%)', text)
    -- a VM's price counts its data disks
    assert.near((0.00521 + 0.00329 + 70 * 0.0001) * 730, p.actions[4].monthly, 1e-9)
    assert(p:apply { concurrency = 3 })
    assert.same({}, ops(assert(plan(c))))
    -- what was made is what was asked for
    local key = one(c.ssh_keys, "deploy")
    for _, call in ipairs(f:calls("vms.create")) do
      assert.matches("AAAAIGx4vYv0h2n6", tostring(call.params.public_keys or call.params.public_key))
    end
    local web1, web2 = one(c.vms, "web-1"), one(c.vms, "web-2")
    assert.equal(2, #web1.storage)
    assert.equal(50, web1.storage[2].size)
    assert.equal(1, #web2.storage)
    local fw = one(c.firewalls, "web")
    assert.equal("nightly", fw.owner)
    assert.is_true(require("idcloudhost.families.firewalls").guards(fw, web1.uuid))
    assert.is_true(require("idcloudhost.families.firewalls").guards(fw, web2.uuid))
    assert.equal(1, #fw.rules)
    assert.equal(6, one(c.buckets, "nightly-logs").billing_account_id)
    assert.truthy(key.uuid)
    assert.equal(1, #f:calls("ssh_keys.create"))
    assert.equal(1, #f:calls("buckets.create"))
  end)

  it("updates a firewall's rules, description and VMs, a VM's disks and a bucket's billing account in place", function()
    local f, c = fresh()
    applied(c)
    local d = desired()
    local spec = d.locations.cyc01
    spec.firewalls[1].rules = { { direction = "inbound", protocol = "tcp", port_start = 443 },
      { direction = "inbound", protocol = "tcp", port_start = 22, endpoint_spec = { "203.0.113.0/24" } } }
    spec.firewalls[1].description = "front and admin"
    spec.firewalls[1].vms = { "web-2" }
    spec.vms[1].data_disks = { 80, 10 }
    spec.vms[2].disks = 30
    d.buckets[1].billing_account_id = 7
    local p = assert(plan(c, d))
    assert.same({ "update bucket nightly-logs", "update vm web-1", "update vm web-2", "update firewall web" }, ops(p))
    assert.matches('~ cyc01 firewall "web": update, description differs, rules differ, its VMs differ', tostring(p))
    assert.matches('data disk vdb 50 %-> 80 GB, data disk 2 added %(10 GB%)', tostring(p))
    assert(p:apply {})
    assert.same({}, ops(assert(plan(c, d))))
    local fw = one(c.firewalls, "web")
    assert.equal("nightly", fw.owner) -- the PUT kept the mark
    assert.equal("front and admin", require("idcloudhost.ops.marks").read_text(fw.description))
    assert.equal(2, #fw.rules)
    assert.is_false(require("idcloudhost.families.firewalls").guards(fw, one(c.vms, "web-1").uuid))
    local web1 = one(c.vms, "web-1")
    assert.equal(80, web1.storage[2].size)
    assert.equal(10, web1.storage[3].size)
    assert.equal(30, one(c.vms, "web-2").storage[1].size)
    assert.equal(7, one(c.buckets, "nightly-logs").billing_account_id)
    assert.equal(0, #f:calls("vms.delete") + #f:calls("firewalls.delete"))
  end)

  it("removes a VM's data disk that is not desired only with prune", function()
    local f, c = fresh()
    applied(c)
    local d = desired()
    d.locations.cyc01.vms[1].data_disks = {}
    local p = assert(plan(c, d))
    assert.same({}, ops(p))
    assert.matches('! cyc01 vm "web%-1" kept: data disk vdb %(50 GB%) not desired: removing it destroys data; plan with prune = true',
      tostring(p))
    assert(p:apply {})
    assert.equal(2, #one(c.vms, "web-1").storage)
    local pruning = assert(plan(c, d, { prune = true }))
    assert.same({ "update vm web-1" }, ops(pruning))
    assert(pruning:apply {})
    assert.equal(1, #one(c.vms, "web-1").storage)
    assert.equal(1, #f:calls("vm_storage.remove_disk"))
    assert.same({}, ops(assert(plan(c, d, { prune = true }))))
  end)

  it("refuses a replace without replace = true, and applies nothing for it", function()
    local f, c = fresh()
    applied(c)
    local d = desired()
    d.ssh_keys[1].public_key = KEY2
    d.locations.cyc01.vms[2].os_version = "24.04"
    d.locations.cyc01.vms[1].data_disks = { 20 }
    local p = assert(plan(c, d))
    assert.same({}, ops(p))
    local text = tostring(p)
    assert.matches('! cyc01 vm "web%-1" kept: differs in data disk vdb 50 %-> 20 GB %(a disk cannot shrink%)', text)
    assert.matches('! account ssh_key "deploy" kept: differs in public_key: needs a replace; plan with replace = true', text)
    assert.matches('! cyc01 vm "web%-2" kept: differs in os_version 22.04 %-> 24.04: needs a replace', text)
    assert(p:apply {})
    assert.equal(0, #f:calls("vms.delete") + #f:calls("ssh_keys.delete"))
    assert.equal(3, #p.kept)
  end)

  it("replaces (delete, then create) with replace = true; what pointed at the old VM points at the new one", function()
    local f, c = fresh()
    applied(c)
    local old = one(c.vms, "web-2")
    local d = desired()
    d.ssh_keys[1].public_key = KEY2
    d.locations.cyc01.vms[2].os_version = "24.04"
    local p = assert(plan(c, d, { replace = true }))
    assert.same({ "replace ssh_key deploy", "replace vm web-2", "update firewall web", "update load_balancer front" }, ops(p))
    assert.matches('%-/%+ cyc01 vm "web%-2": replace, differs in os_version 22.04 %-> 24.04: cannot change in place', tostring(p))
    assert.matches("Plan: 0 to create, 2 to update, 0 to assign, 2 to replace, 0 to delete.", tostring(p), 1, true)
    assert(p:apply {})
    assert.same({}, ops(assert(plan(c, d, { replace = true }))))
    local new = one(c.vms, "web-2")
    assert.are_not.equal(old.uuid, new.uuid)
    assert.equal("24.04", new.os_version)
    assert.matches("AAAAIHb7dQ2m", one(c.ssh_keys, "deploy").public_key)
    local fw = one(c.firewalls, "web")
    assert.is_true(require("idcloudhost.families.firewalls").guards(fw, new.uuid))
    local lb = one(c.load_balancers, "front")
    local targets = {}
    for _, t in ipairs(lb.targets) do targets[t.target_uuid] = true end
    assert.is_true(targets[new.uuid])
    assert.is_nil(targets[old.uuid])
    assert.equal(1, #f:calls("vms.delete"))
  end)

  it("a replaced VM's floating IP is kept and assigned to the new VM", function()
    local f, c = fresh()
    applied(c)
    local d = desired()
    d.locations.cyc01.vms[1].os_name, d.locations.cyc01.vms[1].os_version = "debian", "12"
    local p = assert(plan(c, d, { replace = true }))
    assert.same({ "replace vm web-1", "update firewall web", "assign floating_ip web-ip", "update load_balancer front" }, ops(p))
    assert(p:apply {})
    local ip = one(c.floating_ips, "web-ip")
    assert.equal(one(c.vms, "web-1").uuid, ip.assigned_to)
    assert.equal(0, #f:calls("floating_ips.delete"))
    assert.equal(2, #one(c.vms, "web-1").storage) -- made again with its data disk
    assert.same({}, ops(assert(plan(c, d))))
  end)

  it("never replaces or prunes unmarked or other owners' keys, buckets and firewalls", function()
    local f, c = fresh()
    applied(c)
    assert(c.ssh_keys:create { name = "stranger", public_key = KEY2 })
    assert(c.buckets:create { name = "stranger-logs", billing_account_id = 6 })
    assert(c.buckets:create { name = "other-logs", billing_account_id = 6, owner = "someone-else" })
    assert(c.firewalls:create { display_name = "stranger-fw", billing_account_id = 6 })
    assert(c.firewalls:create { display_name = "web", billing_account_id = 6, owner = "someone-else" })
    local p = assert(plan(c, { owner = "nightly", locations = { cyc01 = {} } }, { prune = true, replace = true }))
    assert.same({ "delete load_balancer front", "delete floating_ip web-ip", "delete firewall web", "delete vm web-1",
      "delete vm web-2", "delete bucket nightly-logs", "delete ssh_key deploy" }, ops(p))
    -- (the location's first network is its default, which the platform never deletes)
    assert.matches('! cyc01 network "nightly%-net" kept: the location\'s default network', tostring(p))
    assert(p:apply {})
    assert.same({}, ops(assert(plan(c, { owner = "nightly", locations = { cyc01 = {} } }, { prune = true }))))
    assert.equal(1, #assert(c.ssh_keys:find { name = "stranger", unowned = true }))
    assert.equal(1, #assert(c.buckets:find { name = "stranger-logs", unowned = true }))
    assert.equal(1, #assert(c.buckets:find { name = "other-logs", owner = "someone-else" }))
    assert.equal(1, #assert(c.firewalls:find { name = "stranger-fw", unowned = true }))
    assert.equal(1, #assert(c.firewalls:find { name = "web", owner = "someone-else" }))
    assert.equal(1, #f:calls("firewalls.delete"))
    assert.equal(1, #f:calls("buckets.delete"))
    assert.equal(1, #f:calls("ssh_keys.delete"))
  end)

  it("an unmarked key of a desired name is reported, not adopted or replaced", function()
    local f, c = fresh()
    assert(c.ssh_keys:create { name = "deploy", public_key = KEY2 })
    local d = { owner = "nightly", ssh_keys = { { name = "deploy", public_key = KEY } }, locations = {} }
    local p = assert(plan(c, d, { replace = true, prune = true }))
    assert.same({ "create ssh_key deploy" }, ops(p))
    assert.matches('! account ssh_key "deploy" exists without the owner mark', tostring(p))
    assert(p:apply {})
    assert.equal(0, #f:calls("ssh_keys.delete"))
    assert.matches("AAAAIHb7dQ2m", assert(c.ssh_keys:find { name = "deploy", unowned = true })[1].public_key)
  end)

  it("refuses references to names the desired state does not hold, before sending anything", function()
    local f, c = fresh()
    for _, mutate in ipairs {
      function(d) d.locations.cyc01.vms[1].ssh_keys = { "nobody" } end,
      function(d) d.locations.cyc01.firewalls[1].vms = { "web-9" } end,
      function(d) d.locations.cyc01.load_balancers[1].targets = { "web-9" } end,
      function(d) d.locations.cyc01.vms[1].network = "other-net" end,
      function(d) d.ssh_keys = nil end,
      function(d) d.locations.cyc01.buckets = {} end,
      function(d) d.disks = {} end,
    } do
      local d = desired()
      mutate(d)
      local p, err = plan(c, d)
      assert.is_nil(p)
      assert.equal("invalid", err.kind)
    end
    assert.equal(0, #f:calls())
  end)
end)

describe("ensure{update = true}", function()
  teardown(function() os.execute("rm -rf '" .. dir .. "'") end)

  local function E(over)
    local p = { owner = "nightly", state_dir = dir }
    for k, v in pairs(over) do p[k] = v end
    return p
  end

  it("brings a firewall's rules and description, its mark kept", function()
    local f, c = fresh()
    local rules = { { direction = "inbound", protocol = "tcp", port_start = 443 } }
    local fw, how = assert(c.firewalls:ensure(E { name = "web", description = "front", rules = rules, billing_account_id = 6 }))
    assert.equal("created", how)
    local _, how2 = assert(c.firewalls:ensure(E { name = "web", description = "front", rules = rules, update = true }))
    assert.equal("found", how2)
    rules[2] = { direction = "inbound", protocol = "udp", port_start = 53 }
    local got, how3 = assert(c.firewalls:ensure(E { name = "web", description = "front door", rules = rules, update = true }))
    assert.equal("updated", how3)
    assert.equal(fw.uuid, got.uuid)
    assert.equal(2, #got.rules)
    assert.equal("nightly", one(c.firewalls, "web").owner)
    assert.equal("front door", require("idcloudhost.ops.marks").read_text(one(c.firewalls, "web").description))
    -- without update: found, nothing sent
    local before = #f:calls("firewalls.update")
    rules[3] = { direction = "outbound", protocol = "any" }
    local _, how4 = assert(c.firewalls:ensure(E { name = "web", rules = rules }))
    assert.equal("found", how4)
    assert.equal(before, #f:calls("firewalls.update"))
  end)

  it("brings a load balancer's rules and targets", function()
    local _, c = fresh()
    local a = assert(c.vms:create { name = "a", vcpu = 1, ram = 1024, disks = 20, os_name = "ubuntu", os_version = "22.04",
      username = "u", password = "S3cret-pass" })
    local b = assert(c.vms:create { name = "b", vcpu = 1, ram = 1024, disks = 20, os_name = "ubuntu", os_version = "22.04",
      username = "u", password = "S3cret-pass" })
    assert(c.load_balancers:ensure(E { name = "front", billing_account_id = 6, targets = { a },
      rules = { { source_port = 80, target_port = 8080 } } }))
    local _, how = assert(c.load_balancers:ensure(E { name = "front", targets = { b.uuid },
      rules = { { source_port = 443, target_port = 8443 } }, update = true }))
    assert.equal("updated", how)
    local lb = one(c.load_balancers, "front")
    assert.equal(1, #lb.targets)
    assert.equal(b.uuid, lb.targets[1].target_uuid)
    assert.equal(1, #lb.forwarding_rules)
    assert.equal(443, lb.forwarding_rules[1].source_port)
  end)

  it("grows a VM's boot disk and changes vcpu; a bucket moves to another billing account", function()
    local _, c = fresh()
    local P = { name = "web", vcpu = 1, ram = 1024, disks = 20, os_name = "ubuntu", os_version = "22.04",
      username = "u", password = "S3cret-pass" }
    local made = assert(c.vms:ensure(E(P)))
    assert(made:wait("running"))
    P.disks, P.vcpu, P.update = 40, 2, true
    local _, how = assert(c.vms:ensure(E(P)))
    assert.equal("updated", how)
    local got = one(c.vms, "web")
    assert.equal(40, got.storage[1].size)
    assert.equal(2, got.vcpu)
    assert.equal("found", select(2, assert(c.vms:ensure(E(P)))))
    -- what cannot change in place is left as it is: never a delete (a plan reports it)
    P.os_version = "24.04"
    local same, how2 = assert(c.vms:ensure(E(P)))
    assert.equal("found", how2)
    assert.equal(got.uuid, same.uuid)
    assert.equal("22.04", one(c.vms, "web").os_version)
    assert(c.buckets:ensure(E { name = "nightly-logs", billing_account_id = 6 }))
    local _, bhow = assert(c.buckets:ensure(E { name = "nightly-logs", billing_account_id = 7, update = true }))
    assert.equal("updated", bhow)
    assert.equal(7, one(c.buckets, "nightly-logs").billing_account_id)
  end)
end)
