-- Block storage (location-specific): /v1/[{slug}/]storage/disks..., the storage service's view
-- of the disk records of disk.lua (the disks of VMs included). Errors come as {"message": ...},
-- the storage service's shape.
--
-- Choices where the docs are silent (see also sim/README.md):
--   * a disk is made EMPTY (size_gb needed), OS_BASE (source_image <os_name>_<os_version> of the
--     VM parameter list, at least 20 GB), or from a DISK or SNAPSHOT of the location (at least
--     its size);
--   * an attached disk cannot be deleted here (409): detach it first.
--
-- From the field:
--   * it reads parameters from the query string and a form body only: a JSON body
--     is ignored, so a JSON create from a global token fails 400 for want of a
--     billing_account_id (zorgatia/terraform-provider-cloudaxion docs/api-notes.md, section
--     13, verified live);
--   * create answers 201, and disks keep a display_name (thanet-s/inspace-cloud-kube-modules,
--     modules/client/contracts_test.go and modules/client/storage.go);
--   * a deleted disk reads back 200 with status "Deleted" for the tombstone time (disk.lua);
--   * GET and DELETE also answer at the singular /v1/storage/disk/{uuid}, which the vendor's
--     client uses (WarrenCloudPlatform/terraform-provider-warren,
--     vendor/gitlab.com/warrenio/library/go-client/warren/block_storage.go).
local billing = require "idcloudhost.sim.billing"
local catalog = require "idcloudhost.sim.catalog"
local disk = require "idcloudhost.sim.disk"
local json = require "idcloudhost.sim.json"
local params = require "idcloudhost.sim.params"
local reply = require "idcloudhost.sim.reply"
local state = require "idcloudhost.sim.state"

local block = {}

local IMAGE_TYPES = { EMPTY = true, OS_BASE = true, DISK = true, SNAPSHOT = true }

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

function block.create(req)
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

function block.get(req)
  local rec, err = lookup(req, true)
  if not rec then return err end
  return reply.ok(disk.view(rec, true))
end

-- ?read_only_bootable=true: only the disks marked so (the 2025-12 text); false or absent: all.
function block.list(req)
  local r = params.reader(form_params(req))
  local only = r:bool("read_only_bootable", false)
  local field, msg = next(r.errors)
  if field then return message(400, "%s: %s", field, msg) end
  local out = json.array()
  for _, rec in ipairs(state.list(req.loc, "disks")) do
    if not only or rec.read_only_bootable then out[#out + 1] = disk.view(rec, true) end
  end
  return reply.ok(out)
end

-- PATCH (billing_account_id, display_name, read_only_bootable: the disk's "meta-data" in the
-- 2025-12 text): one of them at least.
function block.modify(req)
  local rec, err = lookup(req)
  if not rec then return err end
  local r = params.reader(form_params(req))
  local display_name = r:str("display_name")
  local bootable = r:bool("read_only_bootable")
  local billing_id = r:int("billing_account_id", display_name == nil and bootable == nil)
  local field, msg = next(r.errors)
  if field then return message(400, "%s: %s", field, msg) end
  if billing_id ~= nil then
    local ba, berr = billing.account_for(req, billing_id, "message")
    if not ba then return berr end
    rec.billing_account_id = ba.id
  end
  if display_name ~= nil then rec.display_name = display_name end
  if bootable ~= nil then rec.read_only_bootable = bootable end
  disk.touch(rec)
  return reply.ok(disk.view(rec, false))
end

function block.delete(req)
  local rec, err = lookup(req)
  if not rec then return err end
  if rec.vm_uuid then
    return message(409, "Disk %s is attached to virtual machine %s: detach it first", rec.uuid, rec.vm_uuid)
  end
  disk.delete(req.loc, rec)
  return reply.empty(204)
end


function block.register(router)
  local L = { loc = true }
  router.add("GET", "/v1/storage/disks", block.list, L)
  router.add("POST", "/v1/storage/disks", block.create, L)
  router.add("GET", "/v1/storage/disks/{disk_uuid}", block.get, L)
  router.add("PATCH", "/v1/storage/disks/{disk_uuid}", block.modify, L)
  router.add("DELETE", "/v1/storage/disks/{disk_uuid}", block.delete, L)
  router.add("GET", "/v1/storage/disk/{disk_uuid}", block.get, L)
  router.add("DELETE", "/v1/storage/disk/{disk_uuid}", block.delete, L)
end

return block
