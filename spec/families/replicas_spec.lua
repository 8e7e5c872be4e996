-- Replicas (snapshots, backups), rebuild and restore, against the simulator.
local helper = require "spec.helper"

local vm_params = helper.billed_vm_params -- a global token names the billing account
local refused = helper.invalid -- the SDK's own refusal: kind "invalid", field

-- A VM made from a replica: no OS or disk size, those come from the source.
local function restore_params(over)
  local p = { name = "web-restored", vcpu = 2, ram = 2048, username = "ubuntu", password = "S3cret-pass",
    billing_account_id = 6 }
  for k, v in pairs(over) do p[k] = v end
  return p
end

local function escape(s)
  return (s:gsub("%p", "%%%0"))
end

describe("replicas on the simulator", function()
  local client, vm

  before_each(function()
    client = helper.fresh_client { location = "cyc01" }
    vm = assert(client.vms:create(vm_params()))
  end)

  it("snapshots a VM, lists its replicas by type and deletes them", function()
    local disk = vm.storage[1]
    local snap = assert(vm:snapshot())
    assert.equal("snapshot", snap.type)
    assert.equal(disk.uuid, snap.master_uuid)
    assert.is_not_nil(snap.master_id)
    assert.equal(20, snap.size)
    -- named after the disk and the time
    assert.matches("^" .. escape(disk.uuid) .. "%d%d%d%d%-%d%d%-%d%d%-%d%d%-%d%d%-%d%d$", snap.uuid)
    assert.matches("^replica " .. escape(snap.uuid) .. " snapshot %(20 GB", tostring(snap))
    assert.equal(1, #vm.storage[1].replica)       -- the VM object follows

    local backup = assert(vm:snapshot { r_type = "backup" })
    assert.equal("backup", backup.type)
    assert.not_equal(snap.uuid, backup.uuid)      -- unique even within the same second

    local snaps = assert(vm:replicas())
    assert.equal(1, #snaps)
    assert.equal(snap.uuid, snaps[1].uuid)
    local backups = assert(vm:replicas { r_type = "backup" })
    assert.equal(1, #backups)
    assert.equal(backup.uuid, backups[1].uuid)
    assert.equal(2, #assert(client.vms:get(vm.uuid)).storage[1].replica)

    assert.is_true(assert(snaps[1]:delete()))
    assert.same({}, assert(vm:replicas()))
    assert.equal(1, #assert(vm:replicas { r_type = "backup" }))
    local ok, err = snaps[1]:delete()
    assert.is_nil(ok)
    assert.equal("api", err.kind)
    assert.equal(400, err.status)
    assert.equal("No such storage replica exists.", err.message)
  end)

  it("sends the replica calls as the docs say", function()
    local snap = assert(vm:snapshot { r_type = "backup" })
    assert(vm:replicas { r_type = "backup" })
    assert(snap:delete())
    local log = helper.log()
    local create, list, delete = log[#log - 2], log[#log - 1], log[#log]
    assert.equal("POST", create.method)
    assert.equal("/v1/cyc01/user-resource/vm/replica", create.path)
    assert.same({ uuid = vm.uuid, r_type = "backup" }, create.params)
    assert.equal("GET", list.method)
    assert.same({ uuid = vm.uuid, r_type = "backup" }, list.query)
    assert.equal("DELETE", delete.method)
    assert.same({ replica_uuid = snap.uuid }, delete.params)
  end)

  it("converts a backup into a snapshot and back", function()
    local replica = assert(vm:snapshot { r_type = "backup" })
    assert.equal(replica, assert(replica:convert()))   -- by default: to the other type
    assert.equal("snapshot", replica.type)
    assert.equal(1, #assert(vm:replicas()))
    assert.same({}, assert(vm:replicas { r_type = "backup" }))
    assert(replica:convert { to_type = "backup" })
    assert.equal("backup", replica.type)
    assert.equal(1, #assert(vm:replicas { r_type = "backup" }))
    -- the platform checks from_type against the replica
    local ok, err = replica:convert { from_type = "snapshot", to_type = "backup" }
    assert.is_nil(ok)
    assert.equal(400, err.status)
    assert.matches("is a backup, not a snapshot", err.message)
    assert.equal("backup", replica.type)
  end)

  it("rebuilds a VM from a snapshot: the disk as it was, the VM stopped", function()
    local snap = assert(vm:snapshot())
    assert(vm:resize_disk(vm.storage[1], 40))
    assert(vm:reinstall { os_name = "debian", os_version = "12" })
    assert.equal("running", vm.status)
    assert.equal(40, vm.storage[1].size)

    assert.equal(vm, assert(vm:rebuild(snap)))
    assert.equal("stopped", vm.status)
    assert.equal(20, vm.storage[1].size)
    assert.equal("ubuntu", vm.os_name)
    assert.equal("22.04", vm.os_version)
    local fresh = assert(client.vms:get(vm.uuid))
    assert.equal("stopped", fresh.status)
    assert.equal(20, fresh.storage[1].size)

    assert(vm:start())
    assert(vm:rebuild(snap.uuid))                   -- the uuid will do
    assert.equal("stopped", vm.status)
    local last = helper.log()[#helper.log()]
    assert.equal("/v1/cyc01/user-resource/vm/rebuild", last.path)
    assert.same({ uuid = vm.uuid, replica_uuid = snap.uuid }, last.params)
  end)

  it("rebuilds only from a replica of the VM's own disks", function()
    local other = assert(client.vms:create(vm_params { name = "web-2" }))
    local theirs = assert(other:snapshot())
    local ok, err = vm:rebuild(theirs)
    assert.is_nil(ok)
    assert.equal(400, err.status)
    assert.matches("No such storage replica exists", err.message)
    assert.equal("running", assert(client.vms:get(vm.uuid)).status)
  end)

  it("restores a new VM from a replica, which must exist", function()
    local snap = assert(vm:snapshot())
    assert(vm:resize_disk(vm.storage[1], 30))
    local copy = assert(client.vms:create(restore_params { source_uuid = vm.uuid, source_replica = snap.uuid }))
    assert.not_equal(vm.uuid, copy.uuid)
    assert.equal("ubuntu", copy.os_name)
    assert.equal(20, copy.storage[1].size)          -- the replica's size, not the disk's now

    local res, err = client.vms:create(restore_params { name = "web-nothing",
      source_uuid = vm.uuid, source_replica = vm.uuid .. "2001-01-01-00-00-00" })
    assert.is_nil(res)
    assert.equal(400, err.status)
    assert.matches("No such storage replica exists", err.message)
    -- a replica of another VM is not a replica of this one
    res, err = client.vms:create(restore_params { name = "web-mixed", source_uuid = copy.uuid, source_replica = snap.uuid })
    assert.is_nil(res)
    assert.equal(400, err.status)
    assert.equal(2, #assert(client.vms:list()))
  end)

  it("gives clean errors for the simulator's rules", function()
    local ghost = assert(client.vms:create(vm_params { name = "ghost" }))
    assert(ghost:delete())
    local res, err = ghost:replicas()
    assert.is_nil(res)
    assert.equal(400, err.status)
    assert.is_true(err.not_found)
    res, err = ghost:snapshot()
    assert.is_nil(res)
    assert.is_true(err.not_found)
    -- what the SDK refuses, the simulator refuses too
    res, err = client:request("GET", "/v1/user-resource/vm/replica", { uuid = vm.uuid, r_type = "weekly" },
      { location = true })
    assert.is_nil(res)
    assert.equal(400, err.status)
    assert.matches("r_type", err.message)
    res, err = client:request("PATCH", "/v1/user-resource/vm/replica", { replica_uuid = "nope" }, { location = true })
    assert.is_nil(res)
    assert.equal("No such storage replica exists.", err.message)
  end)

  it("refuses bad input without sending anything", function()
    local snap = assert(vm:snapshot())
    local before = #helper.log()
    refused(nil, vm:snapshot { r_type = "weekly" })
    refused(nil, vm:snapshot { kind = "snapshot" })
    refused(nil, vm:replicas { r_type = "daily" })
    refused(nil, vm:replicas "snapshot")
    refused(nil, vm:rebuild())
    refused(nil, vm:rebuild {})
    refused(nil, vm:rebuild(""))
    refused("to_type", snap:convert { to_type = "snapshot" })   -- it is one already
    refused("to_type", snap:convert { to_type = "weird" })
    refused(nil, snap:convert { from_type = "backup", to_type = "backup" })
    refused(nil, snap:convert { type = "backup" })
    refused(nil, snap:convert "backup")
    refused("source_replica", client.vms:create(restore_params { source_uuid = vm.uuid }))
    assert.equal(before, #helper.log())
  end)
end)
