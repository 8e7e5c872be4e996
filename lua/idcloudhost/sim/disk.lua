-- Disks (location-specific): the disks of VMs (/v1/user-resource/vm/storage...) and block
-- storage (/v1/storage/disks...), which are one and the same thing on the platform.
--
-- A disk record lives in state.collection(slug, "disks")[uuid]. While a disk is attached it
-- is also an entry of its VM's `storage` list: the very same table, so a resize or a new
-- replica shows in the VM object at once. machine.lua's view copies only the documented
-- fields of a storage entry; the other fields of a record are the simulator's own:
--   vm_uuid            the VM it is attached to (nil when detached)
--   billing_account_id, source_image_type, source_image
--   standalone         made through /storage/disks (or detached since): survives its VM
--   updated_iso        the last change, as /storage/disks shows it
-- A record's `replica` list holds the replica objects exactly as the API shows them
-- (replica.lua).
--
-- Choices where the docs are silent (see also sim/README.md):
--   * disks made with a VM (its boot disk, "add disk") are deleted with it; a standalone
--     disk attached to a deleted VM is detached and kept;
--   * extra disks are 1-2048 GB; an OS_BASE disk at least 20 GB (the VM minimum);
--   * the boot (primary) disk can be neither removed nor detached;
--   * an attached disk cannot be deleted through /storage/disks (409), detach it first;
--   * devices are named sda (boot disk), then the first free of vdb, vdc, ...;
--   * errors of /storage/disks come as {"message": ...} (the storage service), those of
--     /user-resource/vm/storage... as {"errors": {...}} (the VM application).
--
-- From the field:
--   * /storage/disks reads parameters from the query string and a form body only: a JSON body
--     is ignored, so a JSON create from a global token fails 400 for want of a
--     billing_account_id (zorgatia/terraform-provider-cloudaxion docs/api-notes.md, section
--     13, verified live);
--   * create answers 201, and disks keep a display_name (thanet-s/inspace-cloud-kube-modules,
--     modules/client/contracts_test.go and modules/client/storage.go);
--   * a deleted disk reads back 200 with status "Deleted" for a while (the tombstone setting)
--     before it is unknown (the InSpace CSI driver handles both,
--     modules/csi-driver/pkg/cloud/inspace/adapter.go, diskDeletedTombstone);
--   * GET and DELETE also answer at the singular /v1/storage/disk/{uuid}, which the vendor's
--     client uses (WarrenCloudPlatform/terraform-provider-warren,
--     vendor/gitlab.com/warrenio/library/go-client/warren/block_storage.go).
local billing = require "idcloudhost.sim.billing"
local catalog = require "idcloudhost.sim.catalog"
local clock = require "idcloudhost.sim.clock"
local ids = require "idcloudhost.sim.ids"
local json = require "idcloudhost.sim.json"
local machine = require "idcloudhost.sim.machine"
local params = require "idcloudhost.sim.params"
local reply = require "idcloudhost.sim.reply"
local state = require "idcloudhost.sim.state"

local disk = {}

local A = json.array
local null = json.null

disk.MIN_GB, disk.MAX_GB, disk.OS_MIN_GB = 1, 2048, 20

local IMAGE_TYPES = { EMPTY = true, OS_BASE = true, DISK = true, SNAPSHOT = true }

function disk.all(slug)
  return state.collection(slug, "disks")
end

function disk.find(slug, uuid)
  return uuid and disk.all(slug)[uuid] or nil
end

-- "2018-02-22 14:24:13.766985" -> "2018-02-22T14:24:13.766+0000" (the storage service's format)
function disk.iso(ts)
  if type(ts) ~= "string" then return ts end
  local day, time, frac = ts:match("^(%S+) (%d%d:%d%d:%d%d)%.?(%d*)")
  if not day then return ts end
  return string.format("%sT%s.%s+0000", day, time, (frac .. "000"):sub(1, 3))
end

-- A new disk record (not attached). f: size, billing_account_id, source_image_type,
-- source_image, display_name, standalone, uuid (default: a fresh one).
function disk.new(slug, f)
  local rec = {
    created_at = clock.timestamp_us(),
    id = state.next_id("storage"),
    pool = "default",
    primary = false,
    replica = A(),
    shared = false,
    size = f.size,
    type = "block",
    updated_at = null,
    user_id = state.user.id,
    uuid = f.uuid or ids.uuid4(),
    billing_account_id = f.billing_account_id,
    source_image_type = f.source_image_type or "EMPTY",
    source_image = f.source_image,
    display_name = f.display_name or "",
    standalone = f.standalone or false,
  }
  disk.all(slug)[rec.uuid] = rec
  return rec
end

function disk.touch(rec)
  rec.updated_at = clock.timestamp()
  rec.updated_iso = disk.iso(clock.timestamp_us())
end

-- The first free device name of a VM: vdb, vdc, ...
local function device_name(vm_rec)
  local used = {}
  for _, s in ipairs(vm_rec.storage) do used[s.name] = true end
  for c = string.byte("b"), string.byte("z") do
    local name = "vd" .. string.char(c)
    if not used[name] then return name end
  end
  return "vd" .. #vm_rec.storage
end

function disk.attach(rec, vm_rec)
  rec.vm_uuid = vm_rec.uuid
  rec.name = device_name(vm_rec)
  rec.primary = false
  vm_rec.storage[#vm_rec.storage + 1] = rec
end

function disk.detach(slug, rec)
  local vm_rec = rec.vm_uuid and machine.all(slug)[rec.vm_uuid]
  if vm_rec then
    for i, s in ipairs(vm_rec.storage) do
      if s == rec or s.uuid == rec.uuid then table.remove(vm_rec.storage, i) break end
    end
  end
  rec.vm_uuid, rec.name, rec.primary, rec.pool = nil, nil, false, "default"
  rec.standalone = true
end

-- Deletes a disk and, with it, its replicas; it reads back as a tombstone for a while.
function disk.delete(slug, rec)
  if rec.vm_uuid then disk.detach(slug, rec) end
  disk.all(slug)[rec.uuid] = nil
  rec.deleted = true
  disk.touch(rec)
  state.bury(slug, "disk", rec.uuid, rec)
end

-- The replica of a location by its uuid: replica, disk record.
function disk.find_replica(slug, replica_uuid)
  for _, rec in pairs(disk.all(slug)) do
    for _, rep in ipairs(rec.replica) do
      if rep.uuid == replica_uuid then return rep, rec end
    end
  end
end

---------------------------------------------------------------------------
-- Views
---------------------------------------------------------------------------

local function pick(rec, fields)
  local out = {}
  for _, k in ipairs(fields) do
    local v = rec[k]
    if k == "replica" then v = A(v) end
    out[k] = v
  end
  return out
end

-- The answers of the VM disk calls, with the fields the docs show for each.
local ADDED = { "created_at", "name", "pool", "primary", "replica", "shared", "size", "type", "uuid" }
local RESIZED = { "created_at", "name", "pool", "primary", "replica", "shared", "size", "type",
  "updated_at", "uuid" }
local ATTACHED = { "created_at", "name", "primary", "replica", "size", "user_id", "uuid" }
local STORAGE = { "created_at", "id", "name", "pool", "primary", "replica", "shared", "size", "type",
  "updated_at", "user_id", "uuid" }

-- The disk as an entry of a VM's storage list (the answer of "create replica").
function disk.storage_view(rec)
  return pick(rec, STORAGE)
end

-- The block storage object; snapshots = true for get and list (create and modify omit them).
function disk.view(rec, snapshots)
  local created = disk.iso(rec.created_at)
  local out = {
    uuid = rec.uuid,
    status = rec.deleted and "Deleted" or "Active",
    display_name = rec.display_name or "",
    user_id = rec.user_id,
    billing_account_id = rec.billing_account_id,
    size_gb = rec.size,
    source_image_type = rec.source_image_type,
    created_at = created,
    updated_at = rec.updated_iso or created,
  }
  if rec.source_image_type ~= "EMPTY" then out.source_image = rec.source_image end
  if snapshots then
    local list = A()
    for _, rep in ipairs(rec.replica) do
      if rep.type == "snapshot" then
        list[#list + 1] = { uuid = rep.uuid, sizeGb = rep.size, created_at = disk.iso(rep.created_at),
          disk_uuid = rec.uuid }
      end
    end
    out.snapshots = list
  end
  return out
end

---------------------------------------------------------------------------
-- Shared by the handlers
---------------------------------------------------------------------------

local function size_in_range(r, name, n, min)
  if n and (n < min or n > disk.MAX_GB) then
    r:fail(name, string.format("Must be between %d and %d", min, disk.MAX_GB))
  end
  return n
end

-- The disk of a VM named by the parameter `name`.
local function vm_disk(req, vm_rec, uuid)
  for _, s in ipairs(vm_rec.storage) do
    if s.uuid == uuid then return disk.find(req.loc, uuid) or s end
  end
  return nil, reply.error(string.format("No such disk %s on virtual machine %s", uuid, vm_rec.uuid))
end

---------------------------------------------------------------------------
-- VM disks: /v1/user-resource/vm/storage
---------------------------------------------------------------------------

-- POST (uuid, size_gb): a new disk, attached.
function disk.add(req)
  local r = params.reader(req.params)
  local size = size_in_range(r, "size_gb", r:int("size_gb", true), disk.MIN_GB)
  local vm_rec, err = machine.lookup_idle(req, r)
  if not vm_rec then return err end
  local rec = disk.new(req.loc, { size = size, billing_account_id = vm_rec.billing_account })
  disk.attach(rec, vm_rec)
  vm_rec.updated_at = clock.timestamp()
  return reply.ok(pick(rec, ADDED))
end

-- PATCH (uuid, disk_uuid, size_gb): grow a disk of the VM.
function disk.resize(req)
  local r = params.reader(req.params)
  local uuid = r:uuid("disk_uuid", true)
  local size = size_in_range(r, "size_gb", r:int("size_gb", true), disk.MIN_GB)
  local vm_rec, err = machine.lookup_idle(req, r)
  if not vm_rec then return err end
  local rec, derr = vm_disk(req, vm_rec, uuid)
  if not rec then return derr end
  if size < rec.size then
    return reply.error(string.format(
      "New disk size cannot be smaller than current size (%d GB < %d GB)", size, rec.size))
  end
  if size ~= rec.size then
    rec.size = size
    disk.touch(rec)
  end
  return reply.ok(pick(rec, RESIZED))
end

-- DELETE (uuid, storage_uuid): detach and delete a disk that is not the boot disk.
function disk.remove(req)
  local r = params.reader(req.params)
  local uuid = r:uuid("storage_uuid", true)
  local vm_rec, err = machine.lookup_idle(req, r)
  if not vm_rec then return err end
  local rec, derr = vm_disk(req, vm_rec, uuid)
  if not rec then return derr end
  if rec.primary then
    return reply.error("Primary/boot disks cannot be deleted: " .. uuid)
  end
  disk.delete(req.loc, rec)
  vm_rec.updated_at = clock.timestamp()
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
function disk.attach_call(req)
  local vm_rec, rec = vm_and_disk(req)
  if not vm_rec then return rec end
  if rec.vm_uuid == vm_rec.uuid then
    return reply.error(string.format("Disk %s is already attached to this virtual machine", rec.uuid))
  elseif rec.vm_uuid then
    return reply.error(string.format("Disk %s is already attached to a virtual machine", rec.uuid))
  end
  disk.attach(rec, vm_rec)
  vm_rec.updated_at = clock.timestamp()
  return reply.ok(pick(rec, ATTACHED))
end

-- POST detach (uuid, storage_uuid)
function disk.detach_call(req)
  local vm_rec, rec = vm_and_disk(req)
  if not vm_rec then return rec end
  if rec.vm_uuid ~= vm_rec.uuid then
    return reply.error(string.format("Disk %s is not attached to virtual machine %s", rec.uuid, vm_rec.uuid))
  end
  if rec.primary then
    return reply.error("Primary/boot disks cannot be detached: " .. rec.uuid)
  end
  disk.detach(req.loc, rec)
  vm_rec.updated_at = clock.timestamp()
  return reply.success()
end

---------------------------------------------------------------------------
-- Block storage: /v1/storage/disks
---------------------------------------------------------------------------

local message = reply.messagef

local function not_found()
  return reply.message(404, "Disk not found")
end

-- The disk of the path; with tombstones, a deleted one too (reads only).
local function lookup(req, tombstones)
  local uuid = params.to_uuid(req.vars.disk_uuid)
  local rec = disk.find(req.loc, uuid) or (tombstones and state.tombstone(req.loc, "disk", uuid))
  if not rec then return nil, not_found() end
  return rec
end

-- The storage service reads the query string and a form body, never a JSON one.
local function form_params(req)
  return params.merge(nil, req.query, req.form)
end

-- The size and source of a new disk, or nil and a reply.
local function source_of(req, kind, image, size)
  if kind == "EMPTY" then
    if size == nil then return nil, message(400, "size_gb is required for an EMPTY disk") end
    return size
  end
  if image == nil or image == "" then
    return nil, message(400, "source_image is required when source_image_type is %s", kind)
  end
  if kind == "OS_BASE" then
    local os_name, os_version = image:match("^([%a]+)_(.+)$")
    local versions = os_name and catalog.os_versions(os_name)
    local known = false
    for _, v in ipairs(versions or {}) do known = known or v == os_version end
    if not known then
      return nil, message(400, "Unknown OS base image '%s': use <os_name>_<os_version> of "
        .. "GET /v1/api/parameters/vm, like ubuntu_20.04", image)
    end
    size = size or disk.OS_MIN_GB
    if size < disk.OS_MIN_GB then
      return nil, message(400, "size_gb must be at least %d for an OS_BASE disk", disk.OS_MIN_GB)
    end
    return size
  end
  local min
  if kind == "DISK" then
    local src = disk.find(req.loc, params.to_uuid(image))
    if not src then return nil, message(404, "Source disk %s not found", image) end
    min = src.size
  else
    local rep = disk.find_replica(req.loc, image)
    if not rep or rep.type ~= "snapshot" then
      return nil, message(404, "Source snapshot %s not found", image)
    end
    min = rep.size
  end
  size = size or min
  if size < min then
    return nil, message(400, "size_gb cannot be smaller than the source (%d GB)", min)
  end
  return size
end

function disk.create(req)
  local r = params.reader(form_params(req))
  local size = r:int("size_gb")
  local billing_id = r:int("billing_account_id")
  local kind = r:str("source_image_type", false, "EMPTY")
  local image = r:str("source_image")
  local display_name = r:str("display_name")
  local field, msg = next(r.errors)
  if field then return message(400, "%s: %s", field, msg) end
  if not IMAGE_TYPES[kind] then
    return message(400, "source_image_type must be one of OS_BASE, DISK, SNAPSHOT or EMPTY, got '%s'", kind)
  end
  if size and (size < disk.MIN_GB or size > disk.MAX_GB) then
    return message(400, "size_gb must be between %d and %d", disk.MIN_GB, disk.MAX_GB)
  end
  local ba, berr = billing.account_for(req, billing_id, "message")
  if not ba then return berr end
  local final, err = source_of(req, kind, image, size)
  if not final then return err end
  local rec = disk.new(req.loc, {
    size = final,
    billing_account_id = ba.id,
    source_image_type = kind,
    source_image = kind ~= "EMPTY" and image or nil,
    display_name = display_name,
    standalone = true,
  })
  return reply.json(201, disk.view(rec, false))
end

function disk.get(req)
  local rec, err = lookup(req, true)
  if not rec then return err end
  return reply.ok(disk.view(rec, true))
end

function disk.list(req)
  return reply.ok(state.list(req.loc, "disks", function(rec) return disk.view(rec, true) end))
end

-- PATCH (billing_account_id, display_name): either or both.
function disk.modify(req)
  local rec, err = lookup(req)
  if not rec then return err end
  local r = params.reader(form_params(req))
  local display_name = r:str("display_name")
  local billing_id = r:int("billing_account_id", display_name == nil)
  local field, msg = next(r.errors)
  if field then return message(400, "%s: %s", field, msg) end
  if billing_id ~= nil then
    local ba, berr = billing.account_for(req, billing_id, "message")
    if not ba then return berr end
    rec.billing_account_id = ba.id
  end
  if display_name ~= nil then rec.display_name = display_name end
  disk.touch(rec)
  return reply.ok(disk.view(rec, false))
end

function disk.delete_call(req)
  local rec, err = lookup(req)
  if not rec then return err end
  if rec.vm_uuid then
    return message(409, "Disk %s is attached to virtual machine %s: detach it first", rec.uuid, rec.vm_uuid)
  end
  disk.delete(req.loc, rec)
  return reply.empty(204)
end

---------------------------------------------------------------------------
-- With the VM family (vm.lua calls these)
---------------------------------------------------------------------------

--- A new VM: its storage entries become disk records. The boot disk made from disk_uuid is
-- the existing record.
function disk.adopt(slug, vm_rec)
  local all = disk.all(slug)
  for i, s in ipairs(vm_rec.storage) do
    local existing = all[s.uuid]
    if existing and existing ~= s then
      existing.name, existing.primary, existing.pool = s.name, s.primary, s.pool
      existing.vm_uuid = vm_rec.uuid
      vm_rec.storage[i] = existing
    elseif not existing then
      local sim = vm_rec.sim or {}
      s.billing_account_id = vm_rec.billing_account
      s.vm_uuid = vm_rec.uuid
      s.standalone = false
      s.display_name = ""
      if sim.source_replica then
        s.source_image_type, s.source_image = "SNAPSHOT", sim.source_replica
      elseif sim.source_uuid then
        local src = machine.all(slug)[sim.source_uuid]
        s.source_image_type, s.source_image = "DISK", src and src.storage[1] and src.storage[1].uuid
      else
        s.source_image_type = "OS_BASE"
        s.source_image = vm_rec.os_name .. "_" .. vm_rec.os_version
      end
      if s.source_image == nil then s.source_image_type = "EMPTY" end
      all[s.uuid] = s
    end
  end
end

--- A deleted VM: the disks made with it go too; standalone disks are detached and kept.
function disk.release(slug, vm_rec)
  local all = disk.all(slug)
  for _, s in ipairs(vm_rec.storage) do
    local rec = all[s.uuid]
    if rec and rec.standalone then
      rec.vm_uuid, rec.name, rec.primary, rec.pool = nil, nil, false, "default"
    elseif rec then
      all[s.uuid] = nil
      rec.deleted = true
      state.bury(slug, "disk", rec.uuid, rec)
    end
  end
end

function disk.register(router)
  local L = { loc = true }
  router.add("POST", "/v1/user-resource/vm/storage", disk.add, L)
  router.add("PATCH", "/v1/user-resource/vm/storage", disk.resize, L)
  router.add("DELETE", "/v1/user-resource/vm/storage", disk.remove, L)
  router.add("POST", "/v1/user-resource/vm/storage/attach", disk.attach_call, L)
  router.add("POST", "/v1/user-resource/vm/storage/detach", disk.detach_call, L)
  router.add("GET", "/v1/storage/disks", disk.list, L)
  router.add("POST", "/v1/storage/disks", disk.create, L)
  router.add("GET", "/v1/storage/disks/{disk_uuid}", disk.get, L)
  router.add("PATCH", "/v1/storage/disks/{disk_uuid}", disk.modify, L)
  router.add("DELETE", "/v1/storage/disks/{disk_uuid}", disk.delete_call, L)
  router.add("GET", "/v1/storage/disk/{disk_uuid}", disk.get, L)
  router.add("DELETE", "/v1/storage/disk/{disk_uuid}", disk.delete_call, L)
end

-- GET /__sim/state shows disks as /storage/disks does, plus where they are attached.
state.dumpers.disks = function(_, col)
  local out = state.by_id(col)
  for i, rec in ipairs(out) do
    local v = disk.view(rec, true)
    v.sim = { id = rec.id, vm_uuid = rec.vm_uuid, name = rec.name, primary = rec.primary,
      standalone = rec.standalone, replicas = #rec.replica }
    out[i] = v
  end
  return out
end

return disk
