--- Block storage: client.disks and Disk objects (elastis edition).  The disks of a VM are the same
-- disks: vm:add_disk() and friends live in idcloudhost.vm_storage.
-- docs/endpoints.md maps its endpoints to these methods.
-- @module idcloudhost.families.disks
local lazy = require "idcloudhost.lazy"
local check = lazy "idcloudhost.call.check"
local errors = lazy "idcloudhost.call.errors"
local resource = require "idcloudhost.families.kit.resource"

local PATH = { disk_uuid = "uuid!" }

local E = resource.endpoints("disk", {
  -- read_only_bootable = true: only the disks a VM can boot an ISO from (2025-12 edition).
  list   = { "GET",    "storage/disks", loc = true, answer = "list:uuid", query = { read_only_bootable = "boolean" } },
  get    = { "GET",    "storage/disks/{disk_uuid}", loc = true, path = PATH, answer = "object:uuid" },
  -- A form body: the platform ignores a JSON one here and fails the call.
  create = { "POST",   "storage/disks", loc = true, billed = true, answer = "object:uuid", form = {
    size_gb = "integer", billing_account_id = "integer", source_image_type = "string", source_image = "string",
    display_name = "string",
  } },
  -- The disk's metadata (2025-12 edition: display_name and read_only_bootable besides the account).
  update = { "PATCH",  "storage/disks/{disk_uuid}", loc = true, path = PATH, answer = "object:uuid",
    form = { billing_account_id = "integer", display_name = "string", read_only_bootable = "boolean" } },
  delete = { "DELETE", "storage/disks/{disk_uuid}", loc = true, path = PATH, answer = "success" },
  attach = { "POST",   "user-resource/vm/storage/attach", loc = true, answer = "object:uuid",
    form = { uuid = "uuid!", storage_uuid = "uuid!" } },
  detach = { "POST",   "user-resource/vm/storage/detach", loc = true, answer = "success",
    form = { uuid = "uuid!", storage_uuid = "uuid!" } },
})

-- source_image_type values; source_image is required for all but EMPTY.
local IMAGE_TYPES = { EMPTY = true, OS_BASE = true, DISK = true, SNAPSHOT = true }

local function summary(d)
  local src = d.source_image and (" from " .. tostring(d.source_image_type) .. " " .. tostring(d.source_image)) or ""
  return string.format("%s %s GB %s%s", tostring(d.uuid), tostring(d.size_gb), tostring(d.status), src)
end

-- Snapshots' size: `sizeGb` in the older docs, `size_gb` in the 2025-12 ones; each is filled from
-- the other, so both read the same whichever came.
local function prepare(d)
  for _, snap in ipairs(type(d.snapshots) == "table" and d.snapshots or {}) do
    if type(snap) == "table" then
      if snap.size_gb == nil then snap.size_gb = snap.sizeGb end
      if snap.sizeGb == nil then snap.sizeGb = snap.size_gb end
    end
  end
end

-- Owner marks: a disk has no free text, so its display_name keeps one (the name convention,
-- ops/marks.lua); a VM's boot disk has no display_name and takes none.
local Disk = resource.model { name = "disk", key = "uuid", param = "disk_uuid", get = E.get, list = E.list,
  mark = { name = "display_name" }, name_field = "display_name",
  summary = summary, prepare = prepare, statuses = resource.statuses { "active", "creating", "attached", "detached", "resizing", "deleting",
    "deleted", "error" } }

-- ---------------------------------------------------------------------------------------------
-- client.disks

--- client.disks: the block storage disks of the client's location, VMs' disks included
-- (elastis edition).
-- @type client.disks

local Disks = {}

--- A disk object holding only its uuid, made without a request (by the kit:
-- resource.referrer): a call on it (`client.disks:ref(uuid):...`) is one request, and obj:reload()
-- fetches the rest.
-- @function client.disks:ref
-- @tparam string uuid the disk's uuid
-- @treturn disk the object
-- @errors invalid (a malformed uuid)
Disks.ref = resource.referrer(Disk)

-- What the docs ask of a new disk's source.
local function check_create(p)
  if type(p) ~= "table" then return nil, errors.invalid("disk:create: expected a table of parameters") end
  local kind = p.source_image_type
  if kind == nil then kind = "EMPTY" end
  if not IMAGE_TYPES[kind] then
    return nil, errors.invalid("disk:create: source_image_type must be one of OS_BASE, DISK, SNAPSHOT or EMPTY, got "
      .. tostring(kind), "source_image_type")
  end
  if kind == "EMPTY" then
    if p.size_gb == nil then
      return nil, errors.invalid("disk:create: an EMPTY disk needs size_gb", "size_gb")
    end
  elseif p.source_image == nil or p.source_image == "" then
    return nil, errors.invalid("disk:create: source_image is required for source_image_type " .. kind
      .. (kind == "OS_BASE" and ' (like "ubuntu_20.04")' or " (the uuid of the source)"), "source_image")
  elseif kind == "DISK" then
    local ok, err = check.uuid_of("disk:create", "source_image", p.source_image)
    if not ok then return nil, err end
  end
  return true
end

--- Creates a disk: {size_gb=, billing_account_id= (default: the default account),
-- source_image_type = "EMPTY" (default), "OS_BASE", "DISK" or "SNAPSHOT",
-- source_image = "ubuntu_20.04" or a disk's/snapshot's uuid}.
-- @function client.disks:create
-- @tparam table params
-- @tparam[opt] integer params.size_gb size in GB (required for an EMPTY disk)
-- @tparam[opt] integer params.billing_account_id default: the account's default billing account
-- @tparam[opt="EMPTY"] string params.source_image_type "EMPTY", "OS_BASE", "DISK" or "SNAPSHOT"
-- @tparam[opt] string params.source_image "ubuntu_20.04" (OS_BASE), a disk's uuid (DISK) or a snapshot's (SNAPSHOT)
-- @tparam[opt] string params.display_name its name (2025-12 edition)
-- @treturn disk the new disk
-- @errors invalid, api, network, timeout (err.uncertain), decode
function Disks:create(params)
  local ok, err
  params, err = resource.marked(Disk, params, E.create)
  if err then return nil, err end
  ok, err = check_create(params)
  if not ok then return nil, err end
  return resource.wrap(Disk, self.client, self:_call(E.create, params))
end

--- Waits for many disks (objects or uuids, any mix of locations) at once, reading each
-- location's list once per round; as vms:wait_all.
-- @function client.disks:wait_all
-- @tparam table items disks or their uuids
-- @tparam string|table|function target as for disk:wait
-- @tparam[opt] table opts as for disk:wait
-- @treturn {table,...} results in item order, each `{ok = true, value = disk}` or `{ok = false, err = error}`
-- @errors invalid
function Disks:wait_all(items, target, opts)
  return require("idcloudhost.ops.wait").all(self.client, Disk, items, target, opts) -- (loaded when first needed)
end

-- ---------------------------------------------------------------------------------------------
-- Disk objects

--- All disks of the client's location; {read_only_bootable = true}: only those a VM can boot an
-- ISO from.
-- Made by `resource.lister` (families/kit/resource.lua) from this family's list endpoint.
-- @function client.disks:list
-- @tparam[opt] table opts
-- @tparam[opt] boolean opts.read_only_bootable only the read-only bootable disks (2025-12 edition)
-- @treturn {disk,...} the disks
-- @errors invalid, api, network, timeout, decode
Disks.list = resource.lister(Disk, E.list)

--- One disk by uuid.
-- Made by `resource.getter` (families/kit/resource.lua) from this family's get endpoint.
-- @function client.disks:get
-- @tparam string uuid the disk's uuid
-- @treturn disk the disk
-- @errors invalid, api (not_found), network, timeout, decode
Disks.get = resource.getter(Disk, E.get)

--- A block storage disk (elastis edition).  `tostring(disk)` is `disk 05a61876-... 50 GB Active`.
-- @type disk

--- A disk's fields, as the platform sends them (GET storage/disks/{uuid}).
-- @table fields
-- @tfield string uuid the disk's id
-- @tfield integer size_gb size in GB
-- @tfield string status "Active", "Creating", "Attached", "Detached", "Resizing", "Deleting", "Deleted", "Error"
-- @tfield string source_image_type "EMPTY", "OS_BASE", "DISK" or "SNAPSHOT"
-- @tfield[opt] string source_image what it was made from: "ubuntu_20.04", or a disk's or snapshot's uuid
-- @tfield integer billing_account_id the billing account it is billed to
-- @tfield table snapshots its snapshots: a list of `{uuid, disk_uuid, size_gb, sizeGb, display_name,
-- created_at}` (the platform sends `size_gb` (2025-12) or `sizeGb` (older): the SDK fills in the other)
-- @tfield integer user_id the owner's user id
-- @tfield string created_at "2022-08-25T09:26:21.171+0000"
-- @tfield string updated_at
-- @tfield[opt] string display_name its name, where the platform sends one (primary OS disks have none)
-- @tfield[opt] boolean read_only_bootable a disk a VM can boot an ISO from (vm:boot_media, 2025-12 edition)
-- @tfield[opt] string storage_pool_uuid its storage pool (2025-12 docs; live answers may lack it)
-- @tfield[opt] boolean deleted set by the SDK: the disk reads back deleted (a tombstone)

--- Fetches the disk again and updates this object in place.
-- Made by the kit: `Base:reload` in families/kit/resource.lua (the model's `get` endpoint).
-- @function disk:reload
-- @treturn disk the disk
-- @errors invalid, api (not_found), network, timeout, decode

--- Changes the disk's metadata: {billing_account_id = 7, display_name = "data",
-- read_only_bootable = true}.  Returns the disk, updated.
-- @function disk:update
-- @tparam table opts at least one of:
-- @tparam[opt] integer opts.billing_account_id the new billing account
-- @tparam[opt] string opts.display_name its name (2025-12 edition)
-- @tparam[opt] boolean opts.read_only_bootable make it an ISO a VM can boot from (2025-12 edition)
-- @treturn disk the disk, updated in place
-- @errors invalid, api, network, timeout, decode
function Disk:update(opts)
  if type(opts) ~= "table" or next(opts) == nil then
    return nil, errors.invalid("disk:update: give at least one of billing_account_id, display_name, read_only_bootable")
  end
  if type(opts.display_name) == "string" and self.owner then -- a new name keeps the owner mark
    local o = {}
    for k, v in pairs(opts) do o[k] = v end
    o.display_name = resource.remarked(self, opts.display_name)
    opts = o
  end
  local data, err = self:_call(E.update, opts)
  if data == nil then return nil, err end
  -- The answer leaves out the snapshots: keep the ones we know.
  if data.snapshots == nil then data.snapshots = self.snapshots end
  return self:_apply(data)
end

--- Deletes the disk and all its snapshots (it must not be attached).  Returns true.
-- @function disk:delete
-- @treturn boolean true
-- @errors invalid, api, network, timeout, decode
function Disk:delete(opts)
  return resource.success(self:_call(E.delete, opts))
end

--- Attaches the disk to a VM (a VM object or its uuid).  Returns the disk as the VM shows it
-- ({name = "vdb", size =, uuid =, ...}).
-- @function disk:attach
-- @tparam vm|string vm a VM or its uuid
-- @treturn table the disk as vm.storage shows it
-- @errors invalid, api, network, timeout, decode
function Disk:attach(vm)
  local vm_uuid, err = check.uuid_of("disk:attach", "vm", vm)
  if not vm_uuid then return nil, err end
  return self:_call(E.attach, nil, { uuid = vm_uuid, storage_uuid = self.uuid })
end

--- Detaches the disk from a VM (a VM object or its uuid).  Returns true.
-- @function disk:detach
-- @tparam vm|string vm the VM it is attached to, or its uuid
-- @treturn boolean true
-- @errors invalid, api, network, timeout, decode
function Disk:detach(vm)
  local vm_uuid, err = check.uuid_of("disk:detach", "vm", vm)
  if not vm_uuid then return nil, err end
  return resource.success(self:_call(E.detach, nil, { uuid = vm_uuid, storage_uuid = self.uuid }))
end

--- disk:wait(status, opts): polls until the disk has the status ("Active"; case-insensitive).
-- The options and answers of vm:wait.
-- @function disk:wait
-- @tparam string|table|function target a status, a list of them, or `function(disk)`
-- @tparam[opt] table opts those of vm:wait
-- @treturn disk the disk, updated
-- @errors invalid, timeout (err.last_status), api (not_found), network, decode
function Disk:wait(target, opts) return require("idcloudhost.ops.wait").status(self, target, opts) end

return {
  new = resource.collection(Disks),
  model = Disk,
  endpoints = E,
}
