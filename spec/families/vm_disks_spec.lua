-- The disks of a VM (add, resize, remove, attach, detach) and the deprecated public IP calls,
-- against the simulator.
local helper = require "spec.helper"

local vm_params = helper.billed_vm_params -- a global token names the billing account
local refused = helper.invalid -- the SDK's own refusal: kind "invalid", field

describe("VM disks on the simulator", function()
  local client, vm

  before_each(function()
    client = helper.fresh_client { location = "cyc01" }
    vm = assert(client.vms:create(vm_params()))
  end)

  it("adds, resizes and removes a disk", function()
    local disk = assert(vm:add_disk { size_gb = 50 })
    assert.is_truthy(require("idcloudhost").is_uuid(disk.uuid))
    assert.equal("vdb", disk.name)
    assert.is_false(disk.primary)
    assert.equal(50, disk.size)
    assert.equal(2, #vm.storage)                    -- the VM object follows
    assert.equal(2, #assert(client.vms:get(vm.uuid)).storage)
    local second = assert(vm:add_disk { size_gb = 5 })
    assert.equal("vdc", second.name)

    local grown = assert(vm:resize_disk(disk, 60))
    assert.equal(60, grown.size)
    assert.equal(60, vm.storage[2].size)
    assert.is_truthy(grown.updated_at)
    assert(vm:resize_disk(disk.uuid, 60))           -- the same size is no change
    assert.equal(60, assert(client.disks:get(disk.uuid)).size_gb)

    assert.is_true(assert(vm:remove_disk(disk)))
    assert.is_true(assert(vm:remove_disk(second.uuid)))
    assert.equal(1, #vm.storage)
    assert.equal(1, #assert(client.vms:get(vm.uuid)).storage)
    assert.is_true(assert(client.disks:get(disk.uuid)).deleted)   -- removed means deleted
    helper.config { tombstone = 0 }
    local gone, err = client.disks:get(disk.uuid)
    assert.is_nil(gone)
    assert.equal(404, err.status)
    assert.is_true(err.not_found)
    assert.equal("Disk not found", err.message)
  end)

  it("sends the disk calls as the docs say", function()
    local disk = assert(vm:add_disk { size_gb = 50 })
    assert(vm:resize_disk(disk, 55))
    assert(vm:remove_disk(disk))
    local log = helper.log()
    local add, resize, remove = log[#log - 2], log[#log - 1], log[#log]
    assert.equal("POST /v1/cyc01/user-resource/vm/storage", add.method .. " " .. add.path)
    assert.equal("application/x-www-form-urlencoded", add.content_type)
    assert.same({ uuid = vm.uuid, size_gb = "50" }, add.params)
    assert.equal("PATCH", resize.method)
    assert.same({ uuid = vm.uuid, disk_uuid = disk.uuid, size_gb = "55" }, resize.params)
    assert.equal("DELETE", remove.method)
    assert.same({ uuid = vm.uuid, storage_uuid = disk.uuid }, remove.params)
  end)

  it("refuses to shrink a disk before sending, and the simulator refuses it too", function()
    local disk = assert(vm:add_disk { size_gb = 50 })
    local before = #helper.log()
    refused("size_gb", vm:resize_disk(disk, 40))
    refused("size_gb", vm:resize_disk(disk.uuid, 40))  -- the size known from vm.storage
    refused("size_gb", vm:resize_disk(disk, "60"))
    refused("size_gb", vm:resize_disk(disk, 60.5))
    refused("disk", vm:resize_disk("nope", 60))
    assert.equal(before, #helper.log())

    local stale = assert(client.vms:get(vm.uuid))
    stale.storage = {}                                -- nothing known: the platform decides
    local res, err = stale:resize_disk(disk.uuid, 40)
    assert.is_nil(res)
    assert.equal("api", err.kind)
    assert.equal(400, err.status)
    assert.matches("cannot be smaller than current size", err.message)
    assert.equal(50, assert(client.disks:get(disk.uuid)).size_gb)
  end)

  it("refuses to remove or detach the primary disk before sending, and the simulator refuses it too", function()
    local primary = vm.storage[1]
    assert.is_true(primary.primary)
    local before = #helper.log()
    refused("disk", vm:remove_disk(primary))
    refused("disk", vm:remove_disk(primary.uuid))
    refused("disk", vm:detach_disk(primary))
    refused("disk", vm:remove_disk())
    refused("disk", vm:attach_disk("not-a-uuid"))
    refused("disk", vm:detach_disk({}))
    refused(nil, vm:add_disk { size_gb = "big" })
    refused(nil, vm:add_disk {})
    refused(nil, vm:add_disk { size = 10 })
    assert.equal(before, #helper.log())

    local res, err = client:request("DELETE", "/v1/user-resource/vm/storage",
      { uuid = vm.uuid, storage_uuid = primary.uuid }, { location = true })
    assert.is_nil(res)
    assert.equal(400, err.status)
    assert.matches("Primary/boot disks cannot be deleted", err.message)
    res, err = client:request("POST", "/v1/user-resource/vm/storage/detach",
      { uuid = vm.uuid, storage_uuid = primary.uuid }, { location = true })
    assert.is_nil(res)
    assert.matches("cannot be detached", err.message)
    assert.equal(1, #assert(client.vms:get(vm.uuid)).storage)
  end)

  it("gives clean errors for the simulator's rules", function()
    local other = assert(client.vms:create(vm_params { name = "web-2" }))
    local theirs = assert(other:add_disk { size_gb = 10 })
    local res, err = vm:resize_disk(theirs.uuid, 20)  -- not a disk of this VM
    assert.is_nil(res)
    assert.equal(400, err.status)
    assert.matches("No such disk", err.message)
    res, err = vm:remove_disk(theirs)
    assert.is_nil(res)
    assert.equal(400, err.status)
    res, err = vm:add_disk { size_gb = 0 }
    assert.is_nil(res)
    assert.equal(400, err.status)
    assert.matches("size_gb", err.message)
    assert(other:delete())
    res, err = other:add_disk { size_gb = 10 }
    assert.is_nil(res)
    assert.is_true(err.not_found)
  end)

  it("attaches and detaches a block storage disk", function()
    local disk = assert(client.disks:create { billing_account_id = 6, size_gb = 15 })
    local entry = assert(vm:attach_disk(disk))
    assert.equal(disk.uuid, entry.uuid)
    assert.equal("vdb", entry.name)
    assert.equal(15, entry.size)
    assert.is_false(entry.primary)
    assert.equal(2, #vm.storage)
    assert.is_true(assert(vm:detach_disk(disk.uuid)))
    assert.equal(1, #vm.storage)
    assert.equal(1, #assert(client.vms:get(vm.uuid)).storage)
    assert.is_truthy(client.disks:get(disk.uuid))   -- detached, not deleted
  end)

  it("reserves and releases a public IP (deprecated calls)", function()
    vm = assert(client.vms:create(vm_params { name = "no-ip", reserve_public_ip = false }))
    local function public_ip()
      for _, v in ipairs(helper.sim("GET", "state").locations.cyc01.vms) do
        if v.uuid == vm.uuid then return v.sim.public_ipv4 end
      end
    end
    assert.is_nil(public_ip())
    assert.equal(vm, assert(vm:reserve_public_ip()))
    local address = public_ip()
    assert.is_truthy(address)
    local res, err = vm:reserve_public_ip()
    assert.is_nil(res)
    assert.equal(400, err.status)
    assert.matches("already has a public IP", err.message)

    assert.equal(vm, assert(vm:release_public_ip()))
    assert.is_nil(public_ip())
    local fips = helper.sim("GET", "state").locations.cyc01.floating_ips
    if fips then                                    -- the address stays reserved for the account
      local kept
      for _, ip in ipairs(fips) do if ip.address == address then kept = ip end end
      assert.is_truthy(kept)
      assert.is_nil(kept.assigned_to)
    end
    res, err = vm:release_public_ip()
    assert.is_nil(res)
    assert.equal(400, err.status)
    assert.matches("has no public IP", err.message)

    local log = helper.log()
    assert.equal("DELETE", log[#log].method)
    assert.equal("/v1/cyc01/user-resource/vm/ip/public", log[#log].path)
    assert.same({ uuid = vm.uuid }, log[#log].params)
  end)
end)
