-- The 2025-12 edition end to end against the simulator: SSH keys, firewalls, managed services,
-- boot media, and the changed calls (VMs from stored keys, YAML cloud_init, floating IPs on load
-- balancers and services, disk metadata, the leftovers of the new kinds).
local helper = require "spec.helper"
local idcloudhost = require "idcloudhost"

local PUB1 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFirstKeyForSpecsOnly one@spec"
local PUB2 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAISecondKeyForSpecsOnly two@spec"

local function vm_params(over)
  local p = { name = "web-1", os_name = "ubuntu", os_version = "22.04", disks = 20, vcpu = 1, ram = 1024,
    username = "ubuntu", billing_account_id = 6, reserve_public_ip = false }
  for k, v in pairs(over or {}) do p[k] = v end
  return p
end

-- The form fields of the newest logged request named name (a field may repeat).
local function sent_values(entry, name)
  local out = {}
  local body = entry.body or ""
  for pair in body:gmatch("[^&]+") do
    local k, v = pair:match("^([^=]*)=(.*)$")
    if k == name then out[#out + 1] = (v:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end)) end
  end
  return out
end

describe("the 2025-12 edition on the simulator", function()
  local client

  before_each(function()
    client = helper.fresh_client { location = "cyc01" }
  end)

  describe("SSH keys", function()
    it("creates, lists, finds, renames and deletes keys", function()
      local key = assert(client.ssh_keys:create { name = "laptop", public_key = PUB1 })
      assert.is_true(idcloudhost.is_uuid(key.uuid))
      assert.equal(PUB1, key.public_key)
      local req = helper.last_request()
      assert.equal("POST", req.method)
      assert.equal("/v1/user-resource/ssh_keys", req.path)
      assert(client.ssh_keys:create { name = "desk", public_key = PUB2 })
      assert.equal(2, #assert(client.ssh_keys:list()))
      assert.equal(key.uuid, assert(client.ssh_keys:get("laptop")).uuid)
      assert.equal("laptop", assert(client.ssh_keys:get(key.uuid)).name)
      assert.equal(key, assert(key:rename("laptop-2")))
      assert.equal("laptop-2", assert(client.ssh_keys:get(key.uuid)).name)
      assert.is_true(assert(key:delete()))
      local gone, err = client.ssh_keys:get(key.uuid)
      assert.is_nil(gone)
      assert.is_true(err.not_found)
      assert.equal(1, #assert(client.ssh_keys:list()))
    end)

    it("a taken name is a 409 api error", function()
      assert(client.ssh_keys:create { name = "laptop", public_key = PUB1 })
      local again, err = client.ssh_keys:create { name = "laptop", public_key = PUB2 }
      assert.is_nil(again)
      assert.equal("api", err.kind)
      assert.equal(409, err.status)
    end)

    it("makes a VM from stored keys without a password: each public key sent once", function()
      local key = assert(client.ssh_keys:create { name = "laptop", public_key = PUB1 })
      assert(client.ssh_keys:create { name = "desk", public_key = PUB2 })
      local vm = assert(client.vms:create(vm_params { ssh_keys = { key, "desk" } }))
      local log = helper.log()
      local create
      for _, e in ipairs(log) do
        if e.method == "POST" and e.path == "/v1/cyc01/user-resource/vm" then create = e end
      end
      assert.same({ PUB1, PUB2 }, sent_values(assert(create), "public_keys"))
      assert.same({}, sent_values(create, "password"))
      assert.is_true(assert(vm:delete()))
    end)
  end)

  describe("firewalls", function()
    it("creates one with rules, reads it from the list, updates the whole firewall, deletes it", function()
      local fw = assert(client.firewalls:create { display_name = "web", billing_account_id = 6, rules = {
        { direction = "inbound", protocol = "tcp", port_start = 22, endpoint_spec = { "10.0.0.0/8" } },
        { direction = "inbound", protocol = "tcp", port_start = 80 },
      } })
      assert.equal("web", fw.display_name)
      assert.equal(2, #fw.rules)
      for _, r in ipairs(fw.rules) do
        assert.is_true(idcloudhost.is_uuid(r.uuid))
        assert.equal(r.port_start, r.port_end) -- port_end filled in
      end
      local same = assert(client.firewalls:get(fw.uuid))
      assert.equal("web", same.display_name)
      assert(fw:update { display_name = "web-2" })
      assert.equal("web-2", fw.display_name)
      assert.equal(2, #fw.rules) -- kept: the whole firewall was sent
      local kept = {}
      for _, r in ipairs(fw.rules) do kept[r.uuid] = true end
      assert(fw:add_rule { direction = "inbound", protocol = "tcp", port_start = 443 })
      assert.equal(3, #fw.rules)
      local n = 0
      for _, r in ipairs(fw.rules) do if kept[r.uuid] then n = n + 1 end end
      assert.equal(2, n) -- the rules kept their uuids
      local r443
      for _, r in ipairs(fw.rules) do if r.port_start == 443 then r443 = r end end
      assert(fw:remove_rule(r443))
      assert.equal(2, #fw.rules)
      assert.is_true(assert(fw:delete()))
      assert.same({}, assert(client.firewalls:list()))
    end)

    it("refuses a bad rule before sending it", function()
      helper.refused(function()
        return client.firewalls:create { display_name = "x", billing_account_id = 6,
          rules = { { direction = "inbound", protocol = "tcp", port_start = 443, port_end = 80 } } }
      end, "port_end")
      helper.refused(function()
        return client.firewalls:create { display_name = "x", billing_account_id = 6,
          rules = { { direction = "inbound", protocol = "tcp", endpoint_spec = { "10.0.0.0/33" } } } }
      end)
    end)

    it("takes the default billing account", function()
      local fw = assert(client.firewalls:create { display_name = "x" })
      assert.equal(6, fw.billing_account_id)
      assert(fw:delete())
    end)

    it("guards a VM: assign, vm:firewalls(), unassign", function()
      local vm = assert(client.vms:create(vm_params { password = "Secret-pass-1" }))
      local fw = assert(client.firewalls:create { display_name = "web", billing_account_id = 6 })
      assert.equal(fw, assert(fw:assign(vm)))
      assert.equal(vm.uuid, fw.resources_assigned[1].resource_uuid)
      local req = helper.last_request()
      assert.equal("POST", req.method)
      assert.equal("/v1/cyc01/network/firewalls/" .. fw.uuid .. "/vms", req.path)
      local guarding = assert(vm:firewalls())
      assert.equal(1, #guarding)
      assert.equal(fw.uuid, guarding[1].uuid)
      assert(fw:unassign(vm))
      assert.same({}, fw.resources_assigned)
      assert.same({}, assert(vm:firewalls()))
      assert(fw:delete())
      assert(vm:delete())
    end)
  end)

  describe("managed services", function()
    local function new_service()
      return assert(client.services:create { service = "postgresql", version = "14.0", display_name = "db",
        vm_cpu = 1, vm_ram = 1024, vm_disk_gb = 20, billing_account_id = 6 })
    end

    it("creates a package, reads it, renames it, reads its secrets, deletes it", function()
      local svc = new_service()
      assert.equal("postgresql", svc.service)
      assert.equal(svc, assert(svc:wait("active", { interval = 0.01, timeout = 10 })))
      assert.equal(svc.uuid, assert(client.services:get(svc.uuid)).uuid)
      assert.equal(1, #assert(client.services:list()))
      assert(svc:update { display_name = "db-2" })
      assert.equal("db-2", svc.display_name)
      local secrets = assert(svc:secrets())
      assert.is_string(secrets.sql_pass)
      assert.is_nil(tostring(secrets):find(secrets.sql_pass, 1, true))
      assert.is_nil(tostring(svc):find(secrets.sql_pass, 1, true))
      assert.is_true(assert(svc:delete()))
      assert.is_true(svc.deleted)
    end)

    it("keeps the secrets out of hook records", function()
      local seen = {}
      local c = helper.client { location = "cyc01", on_request = function(r) seen[#seen + 1] = r end }
      local svc = assert(c.services:create { service = "postgresql", version = "14.0", display_name = "db",
        vm_cpu = 1, vm_ram = 1024, vm_disk_gb = 20, billing_account_id = 6 })
      local s = assert(svc:secrets())
      for _, r in ipairs(seen) do
        assert.is_nil((r.response_body or ""):find(s.sql_pass, 1, true))
      end
      assert(svc:delete())
    end)

    it("allows and disallows addresses on its whitelist", function()
      local svc = new_service()
      assert.same({}, assert(svc:whitelist()))
      assert.same({ "1.2.3.0/24" }, assert(svc:allow("1.2.3.0/24")))
      local list = assert(svc:allow("203.0.113.7"))
      assert.equal(2, #list)
      assert.same({ "203.0.113.7" }, assert(svc:disallow("1.2.3.0/24")))
      helper.refused(function() return svc:allow("1.2.3.0/33") end)
      assert(svc:delete())
    end)

    it("gets a floating IP: ip:assign(service) and ip:assign(lb)", function()
      local svc = new_service()
      local ip = assert(client.floating_ips:create { billing_account_id = 6 })
      assert(ip:assign(svc))
      assert.equal(svc.uuid, ip.assigned_to)
      assert.equal("service", ip.assigned_to_resource_type)
      local lb = assert(client.load_balancers:create { display_name = "lb", billing_account_id = 6,
        reserve_public_ip = false })
      assert(ip:assign(lb))
      assert.equal(lb.uuid, ip.assigned_to)
      assert.equal("load_balancer", ip.assigned_to_resource_type)
      assert(ip:unassign())
      assert(ip:delete())
      assert(lb:delete { release_ips = true })
      assert(svc:delete())
    end)
  end)

  describe("VMs and disks", function()
    it("takes a YAML cloud_init", function()
      local vm = assert(client.vms:create(vm_params {
        password = "Secret-pass-1", cloud_init = "#cloud-config\npackages:\n  - nginx\n" }))
      assert(vm:delete())
    end)

    it("boots a VM once from a platform ISO", function()
      local images = assert(client.catalog:boot_images())
      assert.is_true(#images >= 1)
      local vm = assert(client.vms:create(vm_params { password = "Secret-pass-1" }))
      assert(vm:boot_media { image = images[1] })
      local req = helper.last_request()
      assert.equal("/v1/cyc01/user-resource/vm/boot_iso_media", req.path)
      assert(vm:delete())
    end)

    it("keeps a disk's display_name and lists the read-only bootable ones", function()
      local disk = assert(client.disks:create { size_gb = 20, billing_account_id = 6, display_name = "data" })
      assert(disk:update { display_name = "data-2" })
      assert.equal("data-2", assert(client.disks:get(disk.uuid)).display_name)
      assert(client.disks:list { read_only_bootable = true })
      assert(disk:delete())
    end)

    it("the bill of leftovers shows a firewall guarding nothing", function()
      local fw = assert(client.firewalls:create { display_name = "idle", billing_account_id = 6 })
      local report = assert(client:leftovers())
      local found
      for _, it in ipairs(report.items) do
        if it.kind == "firewall" and it.id == fw.uuid then found = it end
      end
      assert.truthy(found)
      assert(fw:delete())
    end)
  end)
end)
