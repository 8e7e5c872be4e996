-- Disk records (location-specific): what the VM disk calls (vm_disk.lua,
-- /v1/user-resource/vm/storage...) and block storage (block_storage.lua, /v1/storage/disks...)
-- act on, which are one and the same thing on the platform; replica.lua keeps a disk's replicas
-- and vm.lua makes and removes the disks of a VM (disk.adopt, disk.release).
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
--   * devices are named sda (boot disk), then the first free of vdb, vdc, ...
-- Editions: a snapshot in a disk's `snapshots` shows its size as `sizeGb` in the elastis edition
-- (its docs) and as `size_gb` in the idcloudhost one (the 2025-12 text; no live report either
-- way: shared/api/endpoints-2025.md (b1) #32). `read_only_bootable` (false unless a PATCH set
-- it) marks a disk a VM may boot once from (boot_media.lua).
-- From the field: a deleted disk reads back 200 with status "Deleted" for a while (the
-- tombstone setting) before it is unknown (the InSpace CSI driver handles both,
-- thanet-s/inspace-cloud-kube-modules, modules/csi-driver/pkg/cloud/inspace/adapter.go,
-- diskDeletedTombstone).
local clock = require "idcloudhost.sim.clock"
local config = require "idcloudhost.sim.config"
local ids = require "idcloudhost.sim.ids"
local json = require "idcloudhost.sim.json"
local machine = require "idcloudhost.sim.machine"
local state = require "idcloudhost.sim.state"

local disk = {}

local A = json.array
local null = json.null

disk.MIN_GB, disk.MAX_GB, disk.OS_MIN_GB = 1, 2048, 20

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

-- Off its VM: no device name, no longer the boot disk.
local function unplug(rec)
  rec.vm_uuid, rec.name, rec.primary, rec.pool = nil, nil, false, "default"
end

function disk.detach(slug, rec)
  local vm_rec = rec.vm_uuid and machine.all(slug)[rec.vm_uuid]
  if vm_rec then
    for i, s in ipairs(vm_rec.storage) do
      if s == rec or s.uuid == rec.uuid then table.remove(vm_rec.storage, i) break end
    end
  end
  unplug(rec)
  rec.standalone = true
end

-- Gone from the location; it reads back as a tombstone for a while.
local function bury(slug, rec)
  disk.all(slug)[rec.uuid] = nil
  rec.deleted = true
  state.bury(slug, "disk", rec.uuid, rec)
end

-- Deletes a disk and, with it, its replicas.
function disk.delete(slug, rec)
  if rec.vm_uuid then disk.detach(slug, rec) end
  bury(slug, rec)
  disk.touch(rec)
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

-- The fields of rec (a replica list as a JSON array), for the answers of the VM disk calls.
function disk.pick(rec, fields)
  local out = {}
  for _, k in ipairs(fields) do
    local v = rec[k]
    if k == "replica" then v = A(v) end
    out[k] = v
  end
  return out
end

local STORAGE = { "created_at", "id", "name", "pool", "primary", "replica", "shared", "size", "type",
  "updated_at", "user_id", "uuid" }

-- The disk as an entry of a VM's storage list (the answer of "create replica").
function disk.storage_view(rec)
  return disk.pick(rec, STORAGE)
end

-- The block storage object; snapshots = true for get and list (create and modify omit them).
function disk.view(rec, snapshots)
  local created = disk.iso(rec.created_at)
  local out = {
    uuid = rec.uuid,
    status = rec.deleted and "Deleted" or "Active",
    display_name = rec.display_name or "",
    read_only_bootable = rec.read_only_bootable or false,
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
        local snap = { uuid = rep.uuid, created_at = disk.iso(rep.created_at), disk_uuid = rec.uuid }
        snap[config.elastis() and "sizeGb" or "size_gb"] = rep.size
        list[#list + 1] = snap
      end
    end
    out.snapshots = list
  end
  return out
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
      elseif vm_rec.os_name == "_custom" then
        s.source_image_type = "EMPTY" -- an empty-disk VM (os_name _custom)
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
      unplug(rec)
    elseif rec then
      bury(slug, rec)
    end
  end
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

