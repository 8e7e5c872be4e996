-- The VM family end to end against the simulator.
local helper = require "spec.helper"

describe("vms on the simulator", function()
  local client

  before_each(function()
    client = helper.fresh_client { location = "cyc01" }
  end)

  it("creates, lists, gets, stops and deletes a VM", function()
    local vm = assert(client.vms:create(helper.vm_params()))
    assert.is_truthy(require("idcloudhost").is_uuid(vm.uuid))
    assert.equal("web-1", vm.name)
    assert.equal("running", vm.status)
    assert.equal(2, vm.vcpu)
    assert.equal(2048, vm.memory)
    assert.equal(20, vm.storage[1].size)
    assert.is_true(vm.storage[1].primary)
    assert.equal("vm " .. vm.uuid .. ' "web-1" running (2 vcpu, 2048 MB, 20 GB)', tostring(vm))

    local list = assert(client.vms:list())
    assert.equal(1, #list)
    assert.equal(vm.uuid, list[1].uuid)

    local same = assert(client.vms:get(vm.uuid))
    assert.equal(vm.uuid, same.uuid)

    local stopped = assert(vm:stop { force = true })
    assert.equal(vm, stopped)               -- updated in place
    assert.equal("stopped", vm.status)
    assert.equal("stopped", assert(client.vms:get(vm.uuid)).status)

    assert.is_true(assert(vm:delete()))
    assert.is_true(vm.deleted)
    assert.same({}, assert(client.vms:list()))
    local tomb = assert(client.vms:get(vm.uuid))   -- a tombstone: never a live-looking VM
    assert.is_true(tomb.deleted)
    assert.equal("deleted", tomb.status:lower())
    assert.equal(tomb, assert(tomb:wait("deleted")))
    helper.config { tombstone = 0 }
    local gone, err = client.vms:get(vm.uuid)
    assert.is_nil(gone)
    assert.equal(400, err.status)
    assert.is_true(err.not_found)
    assert.matches("^No such virtual machine exists[.:] " .. vm.uuid:gsub("%-", "%%-") .. "$", err.message)
  end)

  it("keeps locations apart", function()
    local bus = assert(client:at("bus02"))
    local vm = assert(bus.vms:create(helper.vm_params { name = "bus-vm" }))
    assert.same({}, assert(client.vms:list()))
    assert.equal(1, #assert(bus.vms:list()))
    local _, err = client.vms:get(vm.uuid)
    assert.is_true(err.not_found)
    -- the default location (no slug) is cyc01
    local default = helper.client()
    assert.same({}, assert(default.vms:list()))
  end)

  it("says a wrong location slug is a wrong slug, not a missing resource", function()
    local _, err = client:at("nowhere1").vms:list()
    assert.equal(404, err.status)
    assert.is_true(err.no_route)
    assert.is_nil(err.not_found)
    assert.matches("location slug", err.message)
  end)

  it("changes vcpu and ram only while stopped, and the name at any time", function()
    local vm = assert(client.vms:create(helper.vm_params()))
    local ok, err = vm:update { vcpu = 4 }
    assert.is_nil(ok)
    assert.equal("api", err.kind)
    assert.equal(400, err.status)
    assert.equal(2, assert(client.vms:get(vm.uuid)).vcpu)

    assert.is_true(assert(vm:update { name = "web-2" }))
    assert.equal("web-2", vm.name)
    assert(vm:stop())
    assert.is_true(assert(vm:update { vcpu = 4, ram = 4096 }))
    assert.equal(4, vm.vcpu)
    assert.equal(4096, vm.memory)
    local fresh = assert(client.vms:get(vm.uuid))
    assert.equal(4, fresh.vcpu)
    assert.equal(4096, fresh.memory)
    assert.equal("web-2", fresh.name)
    assert.equal("stopped", fresh.status)
  end)

  it("starts a stopped VM and reloads in place", function()
    local vm = assert(client.vms:create(helper.vm_params()))
    assert(vm:stop())
    local copy = assert(client.vms:get(vm.uuid))
    assert(vm:start())
    assert.equal("running", vm.status)
    assert.equal("stopped", copy.status)
    assert.equal(copy, assert(copy:reload()))
    assert.equal("running", copy.status)
  end)

  it("changes a password only while running", function()
    local vm = assert(client.vms:create(helper.vm_params()))
    assert.is_true(assert(vm:set_password { username = "ubuntu", password = "N3w-secret" }))
    assert(vm:stop())
    local ok, err = vm:set_password { username = "ubuntu", password = "N3w-secret" }
    assert.is_nil(ok)
    assert.equal(400, err.status)
    local _, e2 = vm:set_password { username = "ubuntu" }
    assert.equal("invalid", e2.kind)
  end)

  it("clones into a new VM", function()
    local vm = assert(client.vms:create(helper.vm_params()))
    local twin = assert(vm:clone { name = "web-1-clone" })
    assert.not_equal(vm.uuid, twin.uuid)
    assert.equal("web-1-clone", twin.name)
    assert.equal(vm.vcpu, twin.vcpu)
    assert.equal(2, #assert(client.vms:list()))
    assert.equal("web-1", vm.name)
  end)

  it("reinstalls, toggles backups and boots in rescue mode", function()
    local vm = assert(client.vms:create(helper.vm_params()))
    assert(vm:reinstall { os_name = "debian", os_version = "12" })
    assert.equal("debian", vm.os_name)
    assert.equal("12", vm.os_version)
    assert(vm:reinstall())
    assert.equal("debian", vm.os_name)  -- the same OS by default

    local before = vm.backup
    assert(vm:toggle_backup())
    assert.equal(not before, vm.backup)
    assert(vm:toggle_backup())
    assert.equal(before, vm.backup)

    assert(vm:stop())
    assert.equal(vm, assert(vm:rescue()))
    assert.equal("running", vm.status)
  end)

  it("lists host pools", function()
    local pools = assert(client.vms:pools())
    assert.is_true(#pools >= 1)
    local default
    for _, p in ipairs(pools) do if p.is_default_designated then default = p end end
    assert.is_truthy(default)
    local vm = assert(client.vms:create(helper.vm_params { designated_pool_uuid = pools[#pools].uuid }))
    assert.equal(pools[#pools].uuid, vm.designated_pool_uuid)
  end)

  it("sends cloud_init tables as JSON text and keeps + signs", function()
    assert(client.vms:create(helper.vm_params {
      description = "tier 1+2 web",
      cloud_init = { runcmd = { "echo a+b > /tmp/x" } },
    }))
    local log = helper.log()
    local create = log[#log]
    assert.equal("POST", create.method)
    assert.equal("tier 1+2 web", create.params.description)
    assert.equal('{"runcmd":["echo a+b > /tmp/x"]}', create.params.cloud_init)
  end)

  it("relays the platform's validation errors per field", function()
    local vm, err = client.vms:create(helper.vm_params { vcpu = 99, ram = 64 })
    assert.is_nil(vm)
    assert.equal(400, err.status)
    assert.matches("vcpu", err.message)
    assert.matches("ram", err.message)
  end)

  it("refuses bad input without sending anything", function()
    helper.sim("DELETE", "log")
    local vm = assert(client.vms:create(helper.vm_params()))
    local before = #helper.log()
    local res, err = client.vms:get("nope")
    assert.is_nil(res)
    assert.equal("invalid", err.kind)
    res, err = client.vms:create(helper.vm_params { ram = "lots" })
    assert.is_nil(res)
    assert.equal("invalid", err.kind)
    res, err = vm:stop { force = "yes" }
    assert.is_nil(res)
    assert.equal("invalid", err.kind)
    res, err = vm:clone()
    assert.is_nil(res)
    assert.equal("invalid", err.kind)
    assert.equal(before, #helper.log())
  end)
end)
