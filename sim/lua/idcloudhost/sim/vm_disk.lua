-- The disks of a VM, as the VM application serves them (location-specific):
-- /v1/[{slug}/]user-resource/vm/storage (add, resize, remove) and .../storage/attach, /detach.
-- The disk records are disk.lua's; errors come as {"errors": {...}}, the VM application's shape.
--
-- Choices where the docs are silent (see also sim/README.md):
--   * a disk added to a VM is made with it, and is deleted with it (disk.lua);
--   * a disk only grows; the boot (primary) disk can be neither removed nor detached.
local disk = require "idcloudhost.sim.disk"
local machine = require "idcloudhost.sim.machine"
local params = require "idcloudhost.sim.params"
local reply = require "idcloudhost.sim.reply"

local vm_disk = {}

-- The answers of the calls, with the fields the docs show for each.
local ADDED = { "created_at", "name", "pool", "primary", "replica", "shared", "size", "type", "uuid" }
local RESIZED = { "created_at", "name", "pool", "primary", "replica", "shared", "size", "type",
  "updated_at", "uuid" }
local ATTACHED = { "created_at", "name", "primary", "replica", "size", "user_id", "uuid" }

local function size_in_range(r, name, n, min)
  if n and (n < min or n > disk.MAX_GB) then
    r:fail(name, string.format("Must be between %d and %d", min, disk.MAX_GB))
  end
  return n
end

-- The disk `uuid` of the VM: the disk record, or nil and a reply.
local function disk_of(req, vm_rec, uuid)
  for _, s in ipairs(vm_rec.storage) do
    if s.uuid == uuid then return disk.find(req.loc, uuid) or s end
  end
  return nil, reply.error(string.format("No such disk %s on virtual machine %s", uuid, vm_rec.uuid))
end

-- POST (uuid, size_gb): a new disk, attached.
function vm_disk.add(req)
  local r = params.reader(req.params)
  local size = size_in_range(r, "size_gb", r:int("size_gb", true), disk.MIN_GB)
  local vm_rec, err = machine.lookup_idle(req, r)
  if not vm_rec then return err end
  local rec = disk.new(req.loc, { size = size, billing_account_id = vm_rec.billing_account })
  disk.attach(rec, vm_rec)
  machine.touch(vm_rec)
  return reply.ok(disk.pick(rec, ADDED))
end

-- PATCH (uuid, disk_uuid, size_gb): grow a disk of the VM.
function vm_disk.resize(req)
  local r = params.reader(req.params)
  local uuid = r:uuid("disk_uuid", true)
  local size = size_in_range(r, "size_gb", r:int("size_gb", true), disk.MIN_GB)
  local vm_rec, err = machine.lookup_idle(req, r)
  if not vm_rec then return err end
  local rec, derr = disk_of(req, vm_rec, uuid)
  if not rec then return derr end
  if size < rec.size then
    return reply.error(string.format(
      "New disk size cannot be smaller than current size (%d GB < %d GB)", size, rec.size))
  end
  if size ~= rec.size then
    rec.size = size
    disk.touch(rec)
  end
  return reply.ok(disk.pick(rec, RESIZED))
end

-- DELETE (uuid, storage_uuid): detach and delete a disk that is not the boot disk.
function vm_disk.remove(req)
  local r = params.reader(req.params)
  local uuid = r:uuid("storage_uuid", true)
  local vm_rec, err = machine.lookup_idle(req, r)
  if not vm_rec then return err end
  local rec, derr = disk_of(req, vm_rec, uuid)
  if not rec then return derr end
  if rec.primary then
    return reply.error("Primary/boot disks cannot be deleted: " .. uuid)
  end
  disk.delete(req.loc, rec)
  machine.touch(vm_rec)
  return reply.success()
end

-- The VM ("uuid") and the disk of the location ("storage_uuid") of an attach or a detach:
-- the VM and the disk record, or nil and a reply.
local function vm_and_disk(req)
  local r = params.reader(req.params)
  local uuid = r:uuid("storage_uuid", true)
  local vm_rec, err = machine.lookup_idle(req, r)
  if not vm_rec then return nil, err end
  local rec = disk.find(req.loc, uuid)
  if not rec then return nil, reply.error("No such disk exists. " .. uuid) end
  return vm_rec, rec
end

-- POST attach (uuid, storage_uuid)
function vm_disk.attach(req)
  local vm_rec, rec = vm_and_disk(req)
  if not vm_rec then return rec end
  if rec.vm_uuid == vm_rec.uuid then
    return reply.error(string.format("Disk %s is already attached to this virtual machine", rec.uuid))
  elseif rec.vm_uuid then
    return reply.error(string.format("Disk %s is already attached to a virtual machine", rec.uuid))
  end
  disk.attach(rec, vm_rec)
  machine.touch(vm_rec)
  return reply.ok(disk.pick(rec, ATTACHED))
end

-- POST detach (uuid, storage_uuid)
function vm_disk.detach(req)
  local vm_rec, rec = vm_and_disk(req)
  if not vm_rec then return rec end
  if rec.vm_uuid ~= vm_rec.uuid then
    return reply.error(string.format("Disk %s is not attached to virtual machine %s", rec.uuid, vm_rec.uuid))
  end
  if rec.primary then
    return reply.error("Primary/boot disks cannot be detached: " .. rec.uuid)
  end
  disk.detach(req.loc, rec)
  machine.touch(vm_rec)
  return reply.success()
end


function vm_disk.register(router)
  local L = { loc = true }
  router.add("POST", "/v1/user-resource/vm/storage", vm_disk.add, L)
  router.add("PATCH", "/v1/user-resource/vm/storage", vm_disk.resize, L)
  router.add("DELETE", "/v1/user-resource/vm/storage", vm_disk.remove, L)
  router.add("POST", "/v1/user-resource/vm/storage/attach", vm_disk.attach, L)
  router.add("POST", "/v1/user-resource/vm/storage/detach", vm_disk.detach, L)
end

return vm_disk
