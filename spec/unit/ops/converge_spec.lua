-- Owner marks, find and ensure on a fake platform (virtual clock): marks written where the
-- platform keeps free text (or in the name), read back, kept by updates; find by name and owner;
-- ensure never makes a second resource (conflict, in flight, uncertain, a killed process's fence).
local fake = require "idcloudhost.fake"
local marks = require "idcloudhost.ops.marks"
local ensure = require "idcloudhost.ops.ensure"

local function vm_params(over)
  local p = { name = "web-1", os_name = "ubuntu", os_version = "22.04", disks = 20, vcpu = 1, ram = 1024,
    username = "ubuntu", password = "S3cret-pass", billing_account_id = 6 }
  for k, v in pairs(over or {}) do p[k] = v end
  return p
end

local dir = os.tmpname()
os.remove(dir)

local function fresh()
  os.execute("rm -rf '" .. dir .. "'")
  local f = fake.new { clock = "virtual", seed = 3 }
  return f, f:client { location = "cyc01" }
end

-- The fence a killed process left for its create of VM "nightly-vm" (owner nightly), sent at
-- time `sent`: its path.
local function fence(c, sent)
  local key = table.concat({ c.base_url, "vms", "cyc01", "nightly-vm", "nightly" }, "\0")
  local path = ensure.fence_path({ state_dir = dir }, key)
  os.execute("mkdir -p '" .. dir .. "'")
  local fh = assert(io.open(path, "w"))
  fh:write(tostring(sent), "\n")
  fh:close()
  return path
end

local function count(f, name)
  return #f:calls(name)
end

describe("owner marks", function()
  teardown(function() os.execute("rm -rf '" .. dir .. "'") end)

  it("keeps a VM's mark in its description, beside the user's text, and reads it back", function()
    local _, c = fresh()
    local vm = assert(c.vms:create(vm_params { description = "web tier", owner = "nightly", labels = { env = "prod", app = "shop" } }))
    assert.equal("web tier [idch:1 owner=nightly app=shop env=prod]", vm.description)
    assert.equal("nightly", vm.owner)
    assert.same({ env = "prod", app = "shop" }, vm.labels)
    local again = assert(c.vms:get(vm.uuid))
    assert.equal("nightly", again.owner)
    assert.equal("web tier", (marks.read_text(again.description)))
    local plain = assert(c.vms:create(vm_params { name = "web-2", description = "mine" }))
    assert.is_nil(plain.owner)
    assert.equal("mine", plain.description)
  end)

  it("keeps a network's, floating IP's, load balancer's and bucket's mark in the name, and renames keep it", function()
    local _, c = fresh()
    local net = assert(c.networks:create { name = "net", owner = "nightly" })
    assert.equal("net--own-nightly", net.name)
    assert.equal("nightly", net.owner)
    assert(net:rename("net2"))
    assert.equal("net2--own-nightly", net.name)
    assert.equal("nightly", net.owner)
    local ip = assert(c.floating_ips:create { name = "ip", owner = "nightly", billing_account_id = 6 })
    assert(ip:update { name = "ip2" })
    assert.equal("ip2--own-nightly", ip.name)
    local lb = assert(c.load_balancers:create { display_name = "lb", owner = "nightly", billing_account_id = 6 })
    assert.equal("lb--own-nightly", lb.display_name)
    assert(lb:rename("lb2"))
    assert.equal("lb2--own-nightly", lb.display_name)
    assert.equal("nightly", lb.owner)
    local b = assert(c.buckets:create { name = "logs", owner = "nightly", billing_account_id = 6 })
    assert.equal("logs--own-nightly", b.name)
  end)

  it("keeps an SSH key's and a service's mark in the name, a firewall's in its description; updates keep them", function()
    local _, c = fresh()
    local pub = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGx4vYv0h2n6cXz8nZr1kq9T3pQw6m5Jk0b7sVtq2yWm me@host"
    local key = assert(c.ssh_keys:create { name = "laptop", public_key = pub, owner = "nightly" })
    assert.equal("laptop--own-nightly", key.name)
    assert.equal("nightly", key.owner)
    assert(key:rename("desk"))
    assert.equal("desk--own-nightly", key.name)
    assert.equal(1, #assert(c.ssh_keys:find { name = "desk", owner = "nightly", all_locations = true }))
    local fw = assert(c.firewalls:create { display_name = "web", description = "front", owner = "nightly",
      labels = { env = "prod" }, billing_account_id = 6 })
    assert.equal("front [idch:1 owner=nightly env=prod]", fw.description)
    assert.same({ env = "prod" }, fw.labels)
    assert(fw:update { description = "front door" })
    assert.equal("front door [idch:1 owner=nightly env=prod]", fw.description)
    assert.equal("nightly", assert(c.firewalls:find { name = "web", owner = "nightly" })[1].owner)
    local svc = assert(c.services:create { display_name = "db", service = "postgresql", version = "14.0", vm_cpu = 2,
      vm_ram = 2048, vm_disk_gb = 20, billing_account_id = 6, owner = "nightly" })
    assert.equal("db--own-nightly", svc.display_name)
    assert(svc:update { display_name = "db2" })
    assert.equal("db2--own-nightly", svc.display_name)
    assert.equal("nightly", svc.owner)
    assert.equal(1, #assert(c.services:find { name = "db2", owner = "nightly" }))
    local _, err = c.ssh_keys:create { name = "k", public_key = pub, owner = "nightly", labels = { a = "b" } }
    assert.equal("invalid", err.kind)
  end)

  it("keeps a disk's mark in its display_name; ensure finds it by the name given", function()
    local _, c = fresh()
    local d = assert(c.disks:create { display_name = "data", size_gb = 20, owner = "nightly", billing_account_id = 6 })
    assert.equal("data--own-nightly", d.display_name)
    assert.equal("nightly", d.owner)
    assert(d:update { display_name = "data2" })
    assert.equal("data2--own-nightly", d.display_name)
    local again, how = c.disks:ensure { name = "data2", owner = "nightly", size_gb = 20, billing_account_id = 6 }
    assert.equal("found", how)
    assert.equal(d.uuid, again.uuid)
    local made, how2 = c.disks:ensure { name = "logs", owner = "nightly", size_gb = 10, billing_account_id = 6 }
    assert.equal("created", how2)
    assert.equal("logs--own-nightly", made.display_name)
    assert.equal(2, #assert(c.disks:find { owner = "nightly" }))
    local f2, c2 = fresh()
    local nameless, err = c2.disks:create { size_gb = 10, owner = "nightly", billing_account_id = 6 }
    assert.is_nil(nameless)
    assert.equal("invalid", err.kind)
    assert.equal("display_name", err.field)
    assert.equal(0, count(f2, "disks.create"))
  end)

  it("refuses a bad mark before sending anything", function()
    local f, c = fresh()
    for _, p in ipairs {
      vm_params { owner = "Night Ly" }, vm_params { owner = "a--b" }, vm_params { labels = { env = "x" } },
      vm_params { owner = "n", labels = { owner = "x" } }, vm_params { owner = "n", labels = { ["a b"] = "x" } },
    } do
      local vm, err = c.vms:create(p)
      assert.is_nil(vm)
      assert.equal("invalid", err.kind)
    end
    local net, err = c.networks:create { name = "net", owner = "n", labels = { env = "x" } }
    assert.is_nil(net)
    assert.equal("invalid", err.kind)
    assert.equal(0, count(f, "vms.create") + count(f, "networks.create"))
  end)

  it("reads a marker of another version or a broken one as no mark", function()
    assert.is_nil(select(2, marks.read_text("x [idch:2 owner=n]")))
    assert.is_nil(select(2, marks.read_text("x [idch:1 env=prod]")))
    assert.equal("n", select(2, marks.read_text("[idch:1 owner=n]")))
    assert.equal("a b [idch:1 owner=m]", marks.write_text("a b [idch:1 owner=n]", "m"))
  end)
end)

describe("find", function()
  it("finds by the name given and the owner; unmarked ones with unowned", function()
    local _, c = fresh()
    assert(c.vms:create(vm_params { name = "web", owner = "nightly" }))
    assert(c.vms:create(vm_params { name = "web" }))
    assert(c.vms:create(vm_params { name = "web", owner = "other" }))
    assert(c.networks:create { name = "web", owner = "nightly" })
    assert.equal(3, #assert(c.vms:find { name = "web" }))
    assert.equal(1, #assert(c.vms:find { name = "web", owner = "nightly" }))
    assert.equal(1, #assert(c.vms:find { name = "web", unowned = true }))
    assert.equal(0, #assert(c.vms:find { name = "db" }))
    local nets = assert(c.networks:find { name = "web", owner = "nightly" })
    assert.equal(1, #nets)
    assert.equal("web--own-nightly", nets[1].name)
    local far = c:at("bus02")
    assert(far.vms:create(vm_params { name = "web", owner = "nightly" }))
    local all = assert(c.vms:find { name = "web", owner = "nightly", all_locations = true })
    assert.equal(2, #all)
    local _, err = c.vms:find { name = {} }
    assert.equal("invalid", err.kind)
  end)
end)

describe("ensure", function()
  teardown(function() os.execute("rm -rf '" .. dir .. "'") end)

  local function P(over)
    local p = vm_params { name = "nightly-vm", owner = "nightly", state_dir = dir }
    for k, v in pairs(over or {}) do p[k] = v end
    return p
  end

  it("creates once, then finds the same one", function()
    local f, c = fresh()
    local a, how = assert(c.vms:ensure(P()))
    assert.equal("created", how)
    local b, how2 = assert(c.vms:ensure(P()))
    assert.equal("found", how2)
    assert.equal(a.uuid, b.uuid)
    assert.equal(1, count(f, "vms.create"))
    assert.equal("nightly", b.owner)
  end)

  it("never adopts an unmarked resource of the same name, and leaves it as it is", function()
    local f, c = fresh()
    local stranger = assert(c.vms:create(vm_params { name = "nightly-vm" }))
    local mine = assert(c.vms:ensure(P()))
    assert.are_not.equal(stranger.uuid, mine.uuid)
    assert.equal(2, count(f, "vms.create"))
    assert.equal(0, count(f, "vms.delete") + count(f, "vms.update"))
  end)

  it("is a conflict listing them when two carry the name and the owner", function()
    local f, c = fresh()
    assert(c.vms:create(vm_params { name = "nightly-vm", owner = "nightly" }))
    assert(c.vms:create(vm_params { name = "nightly-vm", owner = "nightly" }))
    local vm, err = c.vms:ensure(P())
    assert.is_nil(vm)
    assert.equal("conflict", err.kind)
    assert.equal(2, #err.matches)
    assert.equal(2, count(f, "vms.create"))
  end)

  it("with update = true resizes a VM to what was asked", function()
    local f, c = fresh()
    assert(c.vms:ensure(P()))
    local vm, how = assert(c.vms:ensure(P { vcpu = 2, ram = 2048, update = true }))
    assert.equal("updated", how)
    assert.equal(2, vm.vcpu)
    assert.equal(2048, vm.memory)
    assert.equal(1, count(f, "vms.create"))
    local _, how2 = assert(c.vms:ensure(P { vcpu = 2, ram = 2048, update = true }))
    assert.equal("found", how2)
  end)

  it("passes the name under the family's name field (a load balancer's display_name)", function()
    local f, c = fresh()
    local lb = assert(c.load_balancers:ensure { name = "front", owner = "nightly", billing_account_id = 6, state_dir = dir })
    assert.equal("front--own-nightly", lb.display_name)
    assert(c.load_balancers:ensure { name = "front", owner = "nightly", billing_account_id = 6, state_dir = dir })
    assert.equal(1, count(f, "load_balancers.create"))
  end)

  it("after an uncertain create looks for the resource instead of creating again", function()
    local f, c = fresh()
    f:config { create_latency = 400 } -- longer than the write timeout: cut off after sending
    local vm, how = c.vms:ensure(P { settle = 600 })
    assert.truthy(vm, tostring(how))
    assert.equal("created", how)
    assert.equal(1, count(f, "vms.create"))
    assert.equal(1, #assert(c.vms:find { name = "nightly-vm", owner = "nightly" }))
  end)

  it("waits for a create sent by a killed process (its fence) before creating again", function()
    local f, c = fresh()
    -- A process sent the create 10 s ago and died: the VM lands 30 s later.
    local path = fence(c, os.time() - 10)
    local vm, how = c.vms:ensure(P { settle = 300, interval = 5, name = "nightly-vm" })
    -- Nothing landed here (the fake's dead process never sent it): ensure waited out the bound,
    -- then created; the fence is gone.
    assert.truthy(vm, tostring(how))
    assert.equal("created", how)
    assert.is_true(f:now() >= 280, "waited " .. f:now() .. " s")
    assert.is_nil(io.open(path, "r"))
  end)

  it("returns what a killed process's create made once it shows up", function()
    local f, c = fresh()
    local path = fence(c, os.time())
    -- The dead process's VM, made by another client (as the platform would finish it).
    local other = f:client { location = "cyc01" }
    local made = assert(other.vms:create(vm_params { name = "nightly-vm", owner = "nightly" }))
    local vm, how = assert(c.vms:ensure(P()))
    assert.equal("found", how)
    assert.equal(made.uuid, vm.uuid)
    assert.equal(1, count(f, "vms.create"))
    assert.is_nil(io.open(path, "r"))
  end)

  it("two ensures of one name in one batch make one VM", function()
    local f, c = fresh()
    f:config { create_latency = 20 }
    local res = assert(c:batch({ 1, 2, 3 }, function() return c.vms:ensure(P()) end, { concurrency = 3 }))
    for _, r in ipairs(res) do assert.is_true(r.ok, tostring(r.err)) end
    assert.equal(res[1].value.uuid, res[2].value.uuid)
    assert.equal(res[1].value.uuid, res[3].value.uuid)
    assert.equal(1, count(f, "vms.create"))
  end)

  it("refuses bad input before sending anything", function()
    local f, c = fresh()
    for _, p in ipairs { {}, { name = "" }, P { owner = "Bad Owner" }, P { settle = -1 } } do
      local vm, err = c.vms:ensure(p)
      assert.is_nil(vm)
      assert.equal("invalid", err.kind)
    end
    assert.equal(0, count(f, "vms.create") + count(f, "vms.list"))
  end)
end)

describe("the whole bill and duplicates", function()
  local PRICES = { floating_ip = 5, load_balancer = 20 }

  local function plant()
    local f, c = fresh()
    local a = assert(c.vms:create(vm_params { name = "web", vcpu = 2, ram = 2048, owner = "nightly" }))
    local b = assert(c.vms:create(vm_params { name = "web", vcpu = 2, ram = 2048, owner = "nightly" }))
    assert(c.vms:create(vm_params { name = "web" })) -- unmarked: never a duplicate
    assert(c.vms:create(vm_params { name = "web", owner = "other" })) -- another owner's
    local parked = assert(c.vms:create(vm_params { name = "parked", owner = "nightly" }))
    assert(parked:stop { force = true })
    assert(c.floating_ips:create { name = "spare", billing_account_id = 6 })
    assert(c.load_balancers:create { display_name = "lb", billing_account_id = 6, owner = "nightly" })
    assert(c:at("bus02").disks:create { size_gb = 30, billing_account_id = 7 })
    assert(c.buckets:create { name = "logs", billing_account_id = 7, owner = "nightly" })
    return f, c, a, b
  end

  it("lists every billed thing, priced, with idle, duplicate and owner, and totals per account and location", function()
    local _, c, a, b = plant()
    local report = assert(c:bill { prices = PRICES })
    assert.is_true(report.complete)
    local by = {}
    for _, it in ipairs(report.items) do by[it.id] = it end
    -- VMs: the platform's own hourly figure (the usage of billing account 6)
    local usage = {}
    for _, e in ipairs(assert(assert(c.billing_accounts:get(6)):usage())) do usage[e.owner_uuid] = e.price end
    local vm_total, n_vms = 0, 0
    for _, it in ipairs(report.items) do
      if it.kind == "vm" then
        assert.near(usage[it.id], it.hourly, 1e-9)
        vm_total = vm_total + it.hourly
        n_vms = n_vms + 1
      end
    end
    assert.equal(5, n_vms)
    assert.near(0.00521 * 2 + 0.00329 * 2 + 20 * 0.0001, by[a.uuid].hourly, 1e-9)
    assert.is_false(by[a.uuid].duplicate)
    assert.is_true(by[b.uuid].duplicate)
    assert.equal(a.uuid, by[b.uuid].duplicate_of)
    assert.equal("nightly", by[b.uuid].owner)
    assert.is_false(by[a.uuid].idle)
    -- the policy's rate for the rest: a 30 GB detached disk, a bucket, the caller's IP and LB prices
    local disk
    for _, it in ipairs(report.items) do if it.kind == "disk" then disk = it end end
    assert.equal("bus02", disk.location)
    assert.near(30 * 0.0001 * 730, disk.monthly, 1e-9)
    assert.is_true(disk.idle)
    local sum = 0
    for _, it in ipairs(report.items) do sum = sum + it.monthly end
    assert.near(sum, report.total.monthly, 1e-9)
    local per = 0
    for _, t in ipairs(report.by_location) do per = per + t.monthly end
    assert.near(sum, per, 1e-9)
    assert.equal(#report.items, report.total.items)
    assert.equal(1, report.total.duplicates)
    local cyc6
    for _, t in ipairs(report.by_location) do
      if t.billing_account_id == 6 and t.location == "cyc01" then cyc6 = t end
    end
    assert.truthy(cyc6)
    local usage_sum = 0
    for _, v in pairs(usage) do usage_sum = usage_sum + v end
    assert.near(usage_sum, vm_total, 1e-9)
  end)

  it("the leftovers gain the duplicates: the newer of two marked, one name, one owner", function()
    local _, c, a, b = plant()
    local report = assert(c:leftovers { prices = PRICES })
    local dups = {}
    for _, it in ipairs(report.items) do
      if it.duplicate then dups[#dups + 1] = it end
    end
    assert.equal(1, #dups)
    assert.equal(b.uuid, dups[1].id)
    assert.equal("duplicate of " .. a.uuid, dups[1].why)
    assert.truthy(dups[1].monthly)
  end)

  it("selects by owner mark in the bill and the leftovers", function()
    local _, c, a, b = plant()
    local mine = assert(c:bill { owner = "nightly", prices = PRICES })
    local ids = {}
    for _, it in ipairs(mine.items) do
      assert.equal("nightly", it.owner)
      ids[it.id] = true
    end
    assert.is_true(ids[a.uuid] and ids[b.uuid])
    assert.equal(5, #mine.items) -- web x2, parked, the load balancer, the bucket
    local left = assert(c:leftovers { owner = "nightly", prices = PRICES })
    for _, it in ipairs(left.items) do assert.equal("nightly", it.owner) end
    assert.equal(3, #left.items) -- the duplicate, the load balancer without targets, the empty bucket
  end)

  it("refuses bad options", function()
    local _, c = fresh()
    local r, err = c:bill { all_locations = "yes" }
    assert.is_nil(r)
    assert.equal("invalid", err.kind)
  end)
end)
