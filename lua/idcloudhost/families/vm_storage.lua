--- The storage of a VM, as methods of VM objects: its replicas (snapshots and backups), the disks
-- it carries (added, resized, removed, attached, detached) and the deprecated public IP calls.
-- The disks themselves are idcloudhost.disks; replicas are idcloudhost.replicas.
-- docs/endpoints.md maps its endpoints to these methods.
-- @module idcloudhost.families.vm_storage
local lazy = require "idcloudhost.lazy"
local check = lazy "idcloudhost.call.check"
local disks = require "idcloudhost.families.disks"
local errors = lazy "idcloudhost.call.errors"
local replicas = require "idcloudhost.families.replicas"
local resource = require "idcloudhost.families.kit.resource"

local VM_ANSWER = "object:uuid|success"

local S = resource.endpoints("vm", {
  replicas    = { "GET",    "user-resource/vm/replica", loc = true, query = { uuid = "uuid!", r_type = "string" },
    answer = "list:uuid" },
  snapshot    = { "POST",   "user-resource/vm/replica", loc = true, form = { uuid = "uuid!", r_type = "string" },
    answer = "object:uuid" },
  rebuild     = { "POST",   "user-resource/vm/rebuild", loc = true, form = { uuid = "uuid!", replica_uuid = "string!" },
    answer = VM_ANSWER },
  add_disk    = { "POST",   "user-resource/vm/storage", loc = true, form = { uuid = "uuid!", size_gb = "integer!" },
    answer = "object:uuid" },
  resize_disk = { "PATCH",  "user-resource/vm/storage", loc = true, answer = "object:uuid|success",
    form = { uuid = "uuid!", disk_uuid = "uuid!", size_gb = "integer!" } },
  remove_disk = { "DELETE", "user-resource/vm/storage", loc = true, form = { uuid = "uuid!", storage_uuid = "uuid!" },
    answer = "success" },
  reserve_public_ip = { "POST",   "user-resource/vm/ip/public", loc = true, form = { uuid = "uuid!" }, answer = VM_ANSWER },
  release_public_ip = { "DELETE", "user-resource/vm/ip/public", loc = true, form = { uuid = "uuid!" }, answer = VM_ANSWER },
})

-- The entry of this VM's storage list with that uuid: index, entry.
local function storage_entry(vm, uuid)
  for i, s in ipairs(type(vm.storage) == "table" and vm.storage or {}) do
    if type(s) == "table" and s.uuid == uuid then return i, s end
  end
end

-- Keeps vm.storage true to a disk call's answer: entry added/updated (data) or removed (nil).
local function sync_storage(vm, uuid, data)
  local i, s = storage_entry(vm, uuid)
  if data == nil then
    if i then table.remove(vm.storage, i) end
  elseif type(data) == "table" then
    if s then
      for k, v in pairs(data) do s[k] = v end
    elseif type(vm.storage) == "table" then
      vm.storage[#vm.storage + 1] = data
    end
  end
end

-- Refuses the VM's primary (boot) disk, when this VM object or the disk says it is one.
local function refuse_primary(vm, what, disk, uuid)
  local _, s = storage_entry(vm, uuid)
  if (type(disk) == "table" and disk.primary == true) or (s and s.primary == true) then
    return nil, errors.invalid(string.format("%s: disk %s is the VM's primary (boot) disk, which cannot be %s",
      what, uuid, what == "vm:remove_disk" and "removed" or "detached"), "disk")
  end
  return true
end

-- Takes a disk (object or uuid) off the VM through ep: never the primary one.
local function take_off(vm, what, ep, disk)
  local uuid, err = check.uuid_of(what, "disk", disk)
  if not uuid then return nil, err end
  local ok, perr = refuse_primary(vm, what, disk, uuid)
  if not ok then return nil, perr end
  ok, err = resource.success(vm:_call(ep, nil, { storage_uuid = uuid }))
  if not ok then return nil, err end
  sync_storage(vm, uuid, nil)
  return true
end

local storage = {}

--- The storage methods of @{idcloudhost.families.vms.vm|VM objects}.  The disk methods keep vm.storage
-- up to date.
-- @type vm

-- Adds the storage methods to the VM model (not a doc comment: LDoc would take the first
-- method's for it).
function storage.attach(VM)
  --- The VM's replicas of one type: {r_type = "snapshot"} (the default) or {r_type = "backup"}.
  -- @function vm:replicas
  -- @tparam[opt] table opts
  -- @tparam[opt="snapshot"] string opts.r_type "snapshot" or "backup"
  -- @treturn {replica,...} the replicas
  -- @errors invalid, api, network, timeout, decode
  function VM:replicas(opts)
    local ok, err = replicas.r_type_of("vm:replicas", opts)
    if not ok then return nil, err end
    return resource.wrap_list(replicas.model, self:_client(), self:_call(S.replicas, opts))
  end

  --- Makes a replica of the VM's disk, {r_type = "snapshot"} (the default) or "backup".  Returns it.
  -- @function vm:snapshot
  -- @tparam[opt] table opts
  -- @tparam[opt="snapshot"] string opts.r_type "snapshot" or "backup"
  -- @treturn replica the new replica
  -- @errors invalid, api, network, timeout (err.uncertain), decode (err.uncertain: made, but not in the answer)
  function VM:snapshot(opts)
    local ok, err = replicas.r_type_of("vm:snapshot", opts)
    if not ok then return nil, err end
    local data, cerr = self:_call(S.snapshot, opts)
    if data == nil then return nil, cerr end
    -- The answer is the disk with its replicas: the new one is the newest.
    local newest = resource.newest(data.replica)
    if not newest then
      return nil, errors.decode("vm:snapshot: the answer holds no replica: the replica may exist, check vm:replicas()",
        { uncertain = true })
    end
    local _, s = storage_entry(self, data.uuid)
    if s then s.replica = data.replica end
    return resource.wrap(replicas.model, self:_client(), newest)
  end

  --- Discards the disk's current state and restores it from a replica (object or uuid).  The VM
  -- is left stopped.  Returns the VM, updated.
  -- @function vm:rebuild
  -- @tparam replica|string replica a replica of this VM or its uuid
  -- @treturn vm the VM, updated in place
  -- @errors invalid, api, network, timeout, decode
  function VM:rebuild(replica)
    -- (a replica's uuid is no UUID)
    local uuid, err = check.uuid_of("vm:rebuild", "replica_uuid", replica, "ident!")
    if not uuid then return nil, err end
    return self:_apply(self:_call(S.rebuild, nil, { replica_uuid = uuid }))
  end

  --- Makes a new disk and attaches it: {size_gb = 50}.  Returns the disk as the VM shows it.
  -- @function vm:add_disk
  -- @tparam table opts
  -- @tparam integer opts.size_gb the new disk's size in GB
  -- @treturn table the disk as vm.storage shows it: `{uuid, name ("vdb"), size, primary, ...}`
  -- @errors invalid, api, network, timeout (err.uncertain), decode
  function VM:add_disk(opts)
    local data, err = self:_call(S.add_disk, opts)
    if data == nil then return nil, err end
    sync_storage(self, data.uuid, data)
    return data
  end

  --- Grows a disk of the VM (a disk or its uuid) to size_gb; a disk cannot shrink.  Returns the disk.
  -- @function vm:resize_disk
  -- @tparam table|string disk a disk of the VM (an entry of vm.storage, a disk object) or its uuid
  -- @tparam integer size_gb the new size in GB, not less than the current one
  -- @treturn table|boolean the disk as vm.storage shows it (or true, on the older edition)
  -- @errors invalid (a shrink, a bad size), api, network, timeout, decode
  function VM:resize_disk(disk, size_gb)
    local uuid, err = check.uuid_of("vm:resize_disk", "disk", disk)
    if not uuid then return nil, err end
    if type(size_gb) ~= "number" or size_gb ~= math.floor(size_gb) then
      return nil, errors.invalid("vm:resize_disk: size_gb must be a whole number of GB, got " .. tostring(size_gb), "size_gb")
    end
    local _, s = storage_entry(self, uuid)
    local current = (type(disk) == "table" and (disk.size or disk.size_gb)) or (s and s.size)
    if type(current) == "number" and size_gb < current then
      return nil, errors.invalid(string.format("vm:resize_disk: a disk cannot shrink: %d GB is less than its current %d GB",
        size_gb, current), "size_gb")
    end
    local data, cerr = self:_call(S.resize_disk, nil, { disk_uuid = uuid, size_gb = size_gb })
    if data == nil then return nil, cerr end
    sync_storage(self, uuid, type(data) == "table" and data or { size = size_gb })
    return data
  end

  --- Detaches and deletes a disk of the VM (a disk or its uuid); not the primary disk.  Returns true.
  -- @function vm:remove_disk
  -- @tparam table|string disk a disk of the VM or its uuid
  -- @treturn boolean true
  -- @errors invalid (the primary disk), api, network, timeout, decode
  function VM:remove_disk(disk)
    return take_off(self, "vm:remove_disk", S.remove_disk, disk)
  end

  --- Attaches a disk (a disk object or its uuid) to the VM.  Returns the disk as the VM shows it.
  -- (elastis edition)
  -- @function vm:attach_disk
  -- @tparam disk|string disk a block storage disk (client.disks) or its uuid
  -- @treturn table the disk as vm.storage shows it
  -- @errors invalid, api, network, timeout, decode
  function VM:attach_disk(disk)
    local uuid, err = check.uuid_of("vm:attach_disk", "disk", disk)
    if not uuid then return nil, err end
    local data, cerr = self:_call(disks.endpoints.attach, nil, { storage_uuid = uuid })
    if data == nil then return nil, cerr end
    sync_storage(self, uuid, data)
    return data
  end

  --- Detaches a disk (a disk object or its uuid) from the VM; the disk stays.  Returns true.
  -- (elastis edition)
  -- @function vm:detach_disk
  -- @tparam disk|string disk a disk attached to the VM, or its uuid
  -- @treturn boolean true
  -- @errors invalid (the primary disk), api, network, timeout, decode
  function VM:detach_disk(disk)
    return take_off(self, "vm:detach_disk", disks.endpoints.detach, disk)
  end

  --- DEPRECATED (use client.floating_ips): reserves a public IP and assigns it to the VM.  Returns
  -- the VM (the address is not in the answer).
  -- @function vm:reserve_public_ip
  -- @treturn vm the VM, updated in place
  -- @errors invalid, api, network, timeout, decode
  function VM:reserve_public_ip(opts)
    return self:_apply(self:_call(S.reserve_public_ip, opts))
  end

  --- DEPRECATED (use client.floating_ips): releases the VM's public IP; the address stays reserved
  -- for the account.  Returns the VM.
  -- @function vm:release_public_ip
  -- @treturn vm the VM, updated in place
  -- @errors invalid, api, network, timeout, decode
  function VM:release_public_ip(opts)
    return self:_apply(self:_call(S.release_public_ip, opts))
  end
end

storage.endpoints = S
return storage
