-- Block storage (client.disks, Disk objects) against the simulator.
local helper = require "spec.helper"

local vm_params = helper.billed_vm_params -- a global token names the billing account
local refused = helper.invalid -- the SDK's own refusal: kind "invalid", field

describe("disks on the simulator", function()
  local client

  -- A disk billed to account 6 (a global token must say which account).
  local function new_disk(p)
    p.billing_account_id = p.billing_account_id or 6
    return client.disks:create(p)
  end

  before_each(function()
    client = helper.fresh_client { location = "cyc01" }
  end)

  it("creates, lists, gets, updates and deletes a disk", function()
    local disk = assert(new_disk { size_gb = 50 })
    assert.is_truthy(require("idcloudhost").is_uuid(disk.uuid))
    assert.equal("Active", disk.status)
    assert.equal(50, disk.size_gb)
    assert.equal("EMPTY", disk.source_image_type)
    assert.is_nil(disk.source_image)
    assert.equal(6, disk.billing_account_id)
    assert.matches("^%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%d%.%d%d%d%+0000$", disk.created_at)
    assert.equal("disk " .. disk.uuid .. " 50 GB Active", tostring(disk))

    local list = assert(client.disks:list())
    assert.equal(1, #list)
    assert.equal(disk.uuid, list[1].uuid)
    assert.same({}, list[1].snapshots)
    local same = assert(client.disks:get(disk.uuid))
    assert.equal(50, same.size_gb)

    assert.equal(disk, assert(disk:update { billing_account_id = 6 }))
    assert.equal(6, disk.billing_account_id)
    local res, err = disk:update { billing_account_id = 999 }
    assert.is_nil(res)
    assert.equal(400, err.status)
    assert.matches("[Bb]illing account", err.message)

    assert.equal(same, assert(same:reload()))
    assert.equal(disk.updated_at, same.updated_at)
    assert.is_true(assert(disk:delete()))
    assert.same({}, assert(client.disks:list()))
    -- the platform reads a deleted disk back for a while (a tombstone), then forgets it
    local tomb = assert(client.disks:get(disk.uuid))
    assert.is_true(tomb.deleted)
    assert.equal("Deleted", tomb.status)
    helper.config { tombstone = 0 }
    res, err = client.disks:get(disk.uuid)
    assert.is_nil(res)
    assert.equal(404, err.status)
    assert.is_true(err.not_found)
    assert.equal("Disk not found", err.message)
    res, err = disk:delete()
    assert.is_nil(res)
    assert.equal(404, err.status)
    assert.equal("Disk not found", err.message)
  end)

  it("bills to the default account when none is given", function()
    local made = assert(client.disks:create { size_gb = 10 })
    assert.equal(6, made.billing_account_id)
    local log = helper.log()
    assert.equal("/v1/payment/billing_account/list", log[#log - 1].path)   -- looked up once
    assert.equal("6", log[#log].params.billing_account_id)
    -- the platform itself wants one from a global token
    local res, err = client:request("POST", "/v1/storage/disks", { size_gb = 10 }, { location = true })
    assert.is_nil(res)
    assert.equal(400, err.status)
    assert.matches("billing_account_id", err.message)
    res, err = client.disks:create { size_gb = 10, billing_account_id = 999 }
    assert.is_nil(res)
    assert.equal(400, err.status)
    assert.equal(1, #assert(client.disks:list()))
  end)

  it("sends the disk calls as the docs say", function()
    local disk = assert(client.disks:create { size_gb = 10, billing_account_id = 6 })
    assert(disk:update { billing_account_id = 6 })
    assert(disk:delete())
    local log = helper.log()
    local create, update, delete = log[#log - 2], log[#log - 1], log[#log]
    assert.equal("POST /v1/cyc01/storage/disks", create.method .. " " .. create.path)
    assert.same({ size_gb = "10", billing_account_id = "6" }, create.params)
    assert.equal("PATCH /v1/cyc01/storage/disks/" .. disk.uuid, update.method .. " " .. update.path)
    assert.same({ billing_account_id = "6" }, update.params)
    assert.equal("DELETE /v1/cyc01/storage/disks/" .. disk.uuid, delete.method .. " " .. delete.path)
    assert.equal(204, delete.status)
    assert.equal("", delete.body)
  end)

  it("makes disks from an OS image, another disk and a snapshot", function()
    local os_disk = assert(new_disk { source_image_type = "OS_BASE", source_image = "ubuntu_20.04" })
    assert.equal("OS_BASE", os_disk.source_image_type)
    assert.equal("ubuntu_20.04", os_disk.source_image)
    assert.equal(20, os_disk.size_gb)
    assert.equal("disk " .. os_disk.uuid .. " 20 GB Active from OS_BASE ubuntu_20.04", tostring(os_disk))

    local copy = assert(new_disk { source_image_type = "DISK", source_image = os_disk.uuid, size_gb = 25 })
    assert.equal(25, copy.size_gb)
    assert.equal(os_disk.uuid, copy.source_image)

    local vm = assert(client.vms:create(vm_params()))
    local snap = assert(vm:snapshot())
    local from_snap = assert(new_disk { source_image_type = "SNAPSHOT", source_image = snap.uuid })
    assert.equal(20, from_snap.size_gb)
    assert.equal(snap.uuid, from_snap.source_image)

    local res, err = new_disk { source_image_type = "DISK", source_image = os_disk.uuid, size_gb = 10 }
    assert.is_nil(res)
    assert.equal(400, err.status)
    assert.matches("smaller than the source", err.message)
    res, err = new_disk { source_image_type = "SNAPSHOT", source_image = vm.uuid .. "2001-01-01-00-00-00" }
    assert.is_nil(res)
    assert.equal(404, err.status)
  end)

  it("needs an OS_BASE source_image like ubuntu_20.04", function()
    for _, image in ipairs { "ubuntu-20.04", "ubuntu_99.99", "ubuntu", "plan9_4" } do
      local res, err = new_disk { source_image_type = "OS_BASE", source_image = image }
      assert.is_nil(res)
      assert.equal("api", err.kind)
      assert.equal(400, err.status)
      assert.matches("like ubuntu_20.04", err.message)
    end
    assert.same({}, assert(client.disks:list()))
  end)

  it("refuses bad input without sending anything", function()
    local disk = assert(new_disk { size_gb = 10 })
    local before = #helper.log()
    refused("size_gb", client.disks:create {})                               -- EMPTY needs a size
    refused("size_gb", client.disks:create { source_image_type = "EMPTY" })
    refused("source_image", client.disks:create { source_image_type = "OS_BASE" })
    refused("source_image", client.disks:create { source_image_type = "SNAPSHOT", source_image = "" })
    refused("source_image", client.disks:create { source_image_type = "DISK", source_image = "nope" })
    refused("source_image_type", client.disks:create { source_image_type = "ISO", source_image = "x" })
    refused("source_image_type", client.disks:create { source_image_type = "os_base", source_image = "ubuntu_20.04" })
    refused("size_gb", client.disks:create { size_gb = "big" })
    refused("colour", client.disks:create { size_gb = 10, colour = "red" })
    refused(nil, client.disks:create "10 GB")
    refused("disk_uuid", client.disks:get("nope"))
    refused("disk_uuid", client.disks:get())
    refused(nil, disk:update {})                                             -- nothing to change
    refused("billing_account_id", disk:update { billing_account_id = "six" })
    refused("colour", disk:update { billing_account_id = 6, colour = "red" })
    refused("vm", disk:attach("nope"))
    refused("vm", disk:attach())
    refused("vm", disk:detach({}))
    assert.equal(before, #helper.log())
  end)

  it("attaches a disk to one VM at a time", function()
    local disk = assert(new_disk { size_gb = 10 })
    local a = assert(client.vms:create(vm_params { name = "vm-a" }))
    local b = assert(client.vms:create(vm_params { name = "vm-b" }))

    local entry = assert(disk:attach(a))
    assert.equal(disk.uuid, entry.uuid)
    assert.equal("vdb", entry.name)
    assert.equal(10, entry.size)
    assert.equal(2, #assert(a:reload()).storage)

    local res, err = disk:attach(b.uuid)
    assert.is_nil(res)
    assert.equal(400, err.status)
    assert.matches("already attached to a virtual machine", err.message)
    res, err = b:attach_disk(disk)
    assert.is_nil(res)
    assert.matches("already attached", err.message)
    res, err = disk:delete()                        -- attached: detach first
    assert.is_nil(res)
    assert.equal(409, err.status)
    assert.matches("detach it first", err.message)

    assert.is_true(assert(disk:detach(a)))
    res, err = disk:detach(a)
    assert.is_nil(res)
    assert.matches("is not attached", err.message)
    assert.equal(1, #assert(a:reload()).storage)

    assert(b:attach_disk(disk.uuid))
    assert.equal(2, #b.storage)
    assert.is_true(assert(b:detach_disk(disk)))
    assert.equal(1, #b.storage)
    assert.is_true(assert(disk:delete()))
  end)

  it("lists the disks of VMs, which go with their VM", function()
    local vm = assert(client.vms:create(vm_params()))
    local list = assert(client.disks:list())
    assert.equal(1, #list)
    assert.equal(vm.storage[1].uuid, list[1].uuid)
    assert.equal("OS_BASE", list[1].source_image_type)
    assert.equal("ubuntu_22.04", list[1].source_image)
    local extra = assert(vm:add_disk { size_gb = 30 })
    assert.equal(2, #assert(client.disks:list()))
    assert.equal(30, assert(client.disks:get(extra.uuid)).size_gb)
    assert(vm:delete())
    assert.same({}, assert(client.disks:list()))
  end)

  it("boots a VM from an unattached disk only, which outlives the VM with its snapshots", function()
    local disk = assert(new_disk { source_image_type = "OS_BASE", source_image = "ubuntu_22.04", size_gb = 30 })
    local vm = assert(client.vms:create(vm_params { disks = nil, disk_uuid = disk.uuid }))
    assert.equal(disk.uuid, vm.storage[1].uuid)
    assert.equal(30, vm.storage[1].size)
    assert.is_true(vm.storage[1].primary)

    local res, err = client.vms:create(vm_params { name = "web-2", disks = nil, disk_uuid = disk.uuid })
    assert.is_nil(res)
    assert.equal(400, err.status)
    assert.matches("already attached", err.message)
    res, err = client.vms:create(vm_params { name = "web-3", disk_uuid = "00000000-0000-4000-8000-000000000000" })
    assert.is_nil(res)
    assert.matches("No such disk exists", err.message)

    local snap = assert(vm:snapshot())
    assert.equal(disk.uuid, snap.master_uuid)
    assert.equal(1, #assert(disk:reload()).snapshots)
    assert.equal(snap.uuid, disk.snapshots[1].uuid)
    assert.equal(30, disk.snapshots[1].sizeGb)

    assert(vm:delete())
    assert(disk:reload())                           -- still there, detached
    assert.equal(1, #disk.snapshots)
    local again = assert(client.vms:create(vm_params { name = "web-4", disk_uuid = disk.uuid }))
    assert.equal(disk.uuid, again.storage[1].uuid)
    assert(again:delete())

    -- deleting a disk deletes its snapshots
    assert.is_true(assert(disk:delete()))
    res, err = new_disk { source_image_type = "SNAPSHOT", source_image = snap.uuid }
    assert.is_nil(res)
    assert.equal(404, err.status)
    res, err = snap:delete()
    assert.is_nil(res)
    assert.equal("No such storage replica exists.", err.message)
  end)

  it("keeps locations apart", function()
    local disk = assert(new_disk { size_gb = 10 })
    local bus = assert(client:at("bus02"))
    assert.same({}, assert(bus.disks:list()))
    local res, err = bus.disks:get(disk.uuid)
    assert.is_nil(res)
    assert.is_true(err.not_found)
    local vm = assert(bus.vms:create(vm_params()))
    res, err = vm:attach_disk(disk)
    assert.is_nil(res)
    assert.matches("No such disk exists", err.message)
  end)
end)
