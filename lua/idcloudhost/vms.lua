-- Virtual machines: client.vms and VM objects (endpoints 8-16, 19, 25-27 of endpoints.md).
local errors = require "idcloudhost.errors"
local resource = require "idcloudhost.resource"
local wait = require "idcloudhost.wait"

local E = resource.endpoints("vm", {
  list     = { "GET",    "user-resource/vm/list", loc = true },
  get      = { "GET",    "user-resource/vm", loc = true, query = { uuid = "uuid!" } },
  create   = { "POST",   "user-resource/vm", loc = true, billed = true, form = {
    name = "string!", os_name = "string", os_version = "string", disks = "integer",
    vcpu = "integer!", ram = "integer!", username = "string", password = "string",
    public_key = "string", description = "string", backup = "boolean",
    billing_account_id = "integer", reserve_public_ip = "boolean", network_uuid = "uuid",
    cloud_init = "json", designated_pool_uuid = "uuid", disk_uuid = "uuid",
    source_uuid = "uuid", source_replica = "string",
  } },
  update   = { "PATCH",  "user-resource/vm", loc = true,
    form = { uuid = "uuid!", name = "string", vcpu = "integer", ram = "integer" } },
  delete   = { "DELETE", "user-resource/vm", loc = true, form = { uuid = "uuid!" } },
  start    = { "POST",   "user-resource/vm/start", loc = true, form = { uuid = "uuid!" } },
  stop     = { "POST",   "user-resource/vm/stop", loc = true, form = { uuid = "uuid!", force = "boolean" } },
  rescue   = { "POST",   "user-resource/vm/rescue_start", loc = true, form = { uuid = "uuid!" } },
  clone    = { "POST",   "user-resource/vm/clone", loc = true, form = { uuid = "uuid!", name = "string!" } },
  reinstall = { "POST",  "user-resource/vm/reinstall", loc = true,
    form = { uuid = "uuid!", os_name = "string", os_version = "string" } },
  backup   = { "POST",   "user-resource/vm/backup", loc = true, form = { uuid = "uuid!" } },
  password = { "PATCH",  "user-resource/vm/user", loc = true,
    form = { uuid = "uuid!", username = "string!", password = "string!" } },
  pools    = { "GET",    "user-resource/host_pool/list", loc = true },
})

local function summary(vm)
  local disk = type(vm.storage) == "table" and vm.storage[1] and vm.storage[1].size
  return string.format("%s %q %s (%s vcpu, %s MB%s)", tostring(vm.uuid), tostring(vm.name),
    tostring(vm.status), tostring(vm.vcpu), tostring(vm.memory), disk and (", " .. disk .. " GB") or "")
end

local VM = resource.model { name = "vm", key = "uuid", summary = summary }

------------------------------------------------------------------------------------------------
-- client.vms

local VMs = {}

--- All VMs of the client's location; with {all_locations = true}, every VM of the account, each
-- tagged with its `location` slug (the platform has no call for that: each location is asked).
function VMs:list(opts)
  if opts ~= nil and (type(opts) ~= "table" or next(opts) ~= nil and opts.all_locations == nil) then
    return nil, errors.invalid("vm:list: the only option is all_locations")
  end
  if opts and opts.all_locations then return self.client:collect_locations("vms") end
  return resource.wrap_list(VM, self.client, self.client:call(E.list))
end

--- One VM by uuid.
function VMs:get(uuid)
  return resource.wrap(VM, self.client, self.client:call(E.get, { uuid = uuid }))
end

-- What create needs besides name, vcpu and ram: a source for its disk, and a login.
local function check_create(p)
  if type(p) ~= "table" then return nil, errors.invalid("vm:create: expected a table of parameters") end
  local from_copy = p.source_uuid ~= nil or p.source_replica ~= nil
  if (p.source_uuid == nil) ~= (p.source_replica == nil) then
    return nil, errors.invalid("vm:create: source_uuid and source_replica go together", "source_replica")
  end
  if not from_copy then
    for _, k in ipairs { "os_name", "os_version" } do
      if p[k] == nil then return nil, errors.invalid("vm:create: missing required parameter '" .. k .. "'", k) end
    end
    if p.disk_uuid == nil and p.disks == nil then
      return nil, errors.invalid("vm:create: missing required parameter 'disks' (size in GB, or give disk_uuid)", "disks")
    end
    if p.password == nil and p.public_key == nil then
      return nil, errors.invalid("vm:create: missing required parameter 'password' (or public_key)", "password")
    end
  end
  return true
end

--- Creates a VM.  Every parameter of the docs; cloud_init may be a Lua table (sent as JSON text).
function VMs:create(params)
  local ok, err = check_create(params)
  if not ok then return nil, err end
  return resource.wrap(VM, self.client, self.client:call(E.create, params))
end

--- The host pools (server classes) a VM can be placed in (elastis edition).
function VMs:pools()
  return self.client:call(E.pools)
end

------------------------------------------------------------------------------------------------
-- VM objects

--- Fetches the VM again and updates this object in place.
function VM:reload()
  return self:_apply(self:_call(E.get, { uuid = self.uuid }))
end

--- Changes name, vcpu and/or ram (vcpu and ram only while stopped).  Returns true.
function VM:update(params)
  if type(params) ~= "table" or next(params) == nil then
    return nil, errors.invalid("vm:update: give at least one of name, vcpu, ram")
  end
  local ok, err = resource.success(self:_call(E.update, self:_params(params)))
  if not ok then return nil, err end
  -- The platform answers {"success": true}; keep the object true to what was set.
  self.name = params.name or self.name
  self.vcpu = params.vcpu or self.vcpu
  self.memory = params.ram or self.memory
  return true
end

--- Deletes the VM.  Returns true.  {release_ips = true} also deletes the floating IPs assigned
-- to it (otherwise they stay reserved, and billed, after the VM is gone).
function VM:delete(opts)
  if opts ~= nil and type(opts) ~= "table" then return nil, errors.invalid("vm:delete: expected an options table") end
  for k, v in pairs(opts or {}) do
    if k ~= "release_ips" then return nil, errors.invalid("vm:delete: unknown option '" .. tostring(k) .. "'", k) end
    if type(v) ~= "boolean" then return nil, errors.invalid("vm:delete: release_ips must be true or false", k) end
  end
  local ips, err
  if opts and opts.release_ips then
    ips, err = self:floating_ips()
    if not ips then return nil, err end
  end
  local ok
  ok, err = resource.success(self:_call(E.delete, { uuid = self.uuid }))
  if not ok then return nil, err end
  for _, ip in ipairs(ips or {}) do
    ok, err = ip:delete()
    if not ok then
      err.message = "the VM is deleted, but releasing floating IP " .. tostring(ip.address) .. " failed: " .. tostring(err.message)
      return nil, err
    end
  end
  return true
end

--- Starts the VM; answers the VM.
function VM:start()
  return self:_apply(self:_call(E.start, { uuid = self.uuid }))
end

--- Stops the VM: gracefully through ACPI, or at once with {force = true}.
function VM:stop(opts)
  return self:_apply(self:_call(E.stop, self:_params(opts)))
end

--- Boots the VM once from a rescue image.
function VM:rescue()
  return self:_apply(self:_call(E.rescue, { uuid = self.uuid }))
end

--- Clones the VM; returns the NEW VM.
function VM:clone(opts)
  return resource.wrap(VM, self:_client(), self:_call(E.clone, self:_params(opts)))
end

--- Reinstalls the OS (same one unless os_name/os_version are given).  Data on the disk is lost.
function VM:reinstall(opts)
  return self:_apply(self:_call(E.reinstall, self:_params(opts)))
end

--- Turns automatic backups on or off (whichever they are not).
function VM:toggle_backup()
  return self:_apply(self:_call(E.backup, { uuid = self.uuid }))
end

--- Sets a user's password (the VM must be running).  Returns true.
function VM:set_password(opts)
  return resource.success(self:_call(E.password, self:_params(opts)))
end

------------------------------------------------------------------------------------------------
-- Storage of a VM: replicas, attached disks, the deprecated public IP calls
-- (endpoints 17-18, 20-24 and 28-30 of endpoints.md; attach/detach are the disks family's 36-37).

local disks = require "idcloudhost.disks"
local replicas = require "idcloudhost.replicas"

local S = resource.endpoints("vm", {
  replicas    = { "GET",    "user-resource/vm/replica", loc = true, query = { uuid = "uuid!", r_type = "string" } },
  snapshot    = { "POST",   "user-resource/vm/replica", loc = true, form = { uuid = "uuid!", r_type = "string" } },
  rebuild     = { "POST",   "user-resource/vm/rebuild", loc = true, form = { uuid = "uuid!", replica_uuid = "string!" } },
  add_disk    = { "POST",   "user-resource/vm/storage", loc = true, form = { uuid = "uuid!", size_gb = "integer!" } },
  resize_disk = { "PATCH",  "user-resource/vm/storage", loc = true,
    form = { uuid = "uuid!", disk_uuid = "uuid!", size_gb = "integer!" } },
  remove_disk = { "DELETE", "user-resource/vm/storage", loc = true, form = { uuid = "uuid!", storage_uuid = "uuid!" } },
  reserve_public_ip = { "POST",   "user-resource/vm/ip/public", loc = true, form = { uuid = "uuid!" } },
  release_public_ip = { "DELETE", "user-resource/vm/ip/public", loc = true, form = { uuid = "uuid!" } },
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

--- The VM's replicas of one type: {r_type = "snapshot"} (the default) or {r_type = "backup"}.
function VM:replicas(opts)
  local p = self:_params(opts)
  local ok, err = replicas.check_type("vm:replicas", "r_type", p.r_type)
  if not ok then return nil, err end
  return resource.wrap_list(replicas.model, self:_client(), self:_call(S.replicas, p))
end

--- Makes a replica of the VM's disk, {r_type = "snapshot"} (the default) or "backup".  Returns it.
function VM:snapshot(opts)
  local p = self:_params(opts)
  local ok, err = replicas.check_type("vm:snapshot", "r_type", p.r_type)
  if not ok then return nil, err end
  local data, cerr = self:_call(S.snapshot, p)
  if data == nil then return nil, cerr end
  -- The answer is the disk with its replicas: the new one is the newest.
  local newest
  for _, r in ipairs(type(data) == "table" and type(data.replica) == "table" and data.replica or {}) do
    if not newest or (tonumber(r.id) or 0) >= (tonumber(newest.id) or 0) then newest = r end
  end
  if not newest then
    return nil, errors.new { kind = "decode", message = "vm:snapshot: the answer holds no replica" }
  end
  local _, s = storage_entry(self, data.uuid)
  if s then s.replica = data.replica end
  return resource.wrap(replicas.model, self:_client(), newest)
end

--- Discards the disk's current state and restores it from a replica (object or uuid).  The VM
-- is left stopped.  Returns the VM, updated.
function VM:rebuild(replica)
  local uuid, err = replicas.uuid_of("vm:rebuild", replica)
  if not uuid then return nil, err end
  return self:_apply(self:_call(S.rebuild, { uuid = self.uuid, replica_uuid = uuid }))
end

--- Makes a new disk and attaches it: {size_gb = 50}.  Returns the disk as the VM shows it.
function VM:add_disk(opts)
  local data, err = self:_call(S.add_disk, self:_params(opts))
  if data == nil then return nil, err end
  if type(data) == "table" then sync_storage(self, data.uuid, data) end
  return data
end

--- Grows a disk of the VM (a disk or its uuid) to size_gb; a disk cannot shrink.  Returns the disk.
function VM:resize_disk(disk, size_gb)
  local uuid, err = resource.uuid_of("vm:resize_disk", "disk", disk)
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
  local data, cerr = self:_call(S.resize_disk, { uuid = self.uuid, disk_uuid = uuid, size_gb = size_gb })
  if data == nil then return nil, cerr end
  sync_storage(self, uuid, type(data) == "table" and data or { size = size_gb })
  return data
end

--- Detaches and deletes a disk of the VM (a disk or its uuid); not the primary disk.  Returns true.
function VM:remove_disk(disk)
  local uuid, err = resource.uuid_of("vm:remove_disk", "disk", disk)
  if not uuid then return nil, err end
  local ok, perr = refuse_primary(self, "vm:remove_disk", disk, uuid)
  if not ok then return nil, perr end
  ok, err = resource.success(self:_call(S.remove_disk, { uuid = self.uuid, storage_uuid = uuid }))
  if not ok then return nil, err end
  sync_storage(self, uuid, nil)
  return true
end

--- Attaches a disk (a disk object or its uuid) to the VM.  Returns the disk as the VM shows it.
function VM:attach_disk(disk)
  local uuid, err = resource.uuid_of("vm:attach_disk", "disk", disk)
  if not uuid then return nil, err end
  local data, cerr = self:_call(disks.endpoints.attach, { uuid = self.uuid, storage_uuid = uuid })
  if data == nil then return nil, cerr end
  if type(data) == "table" then sync_storage(self, uuid, data) end
  return data
end

--- Detaches a disk (a disk object or its uuid) from the VM; the disk stays.  Returns true.
function VM:detach_disk(disk)
  local uuid, err = resource.uuid_of("vm:detach_disk", "disk", disk)
  if not uuid then return nil, err end
  local ok, perr = refuse_primary(self, "vm:detach_disk", disk, uuid)
  if not ok then return nil, perr end
  ok, err = resource.success(self:_call(disks.endpoints.detach, { uuid = self.uuid, storage_uuid = uuid }))
  if not ok then return nil, err end
  sync_storage(self, uuid, nil)
  return true
end

--- DEPRECATED (use client.floating_ips): reserves a public IP and assigns it to the VM.  Returns
-- the VM (the address is not in the answer).
function VM:reserve_public_ip()
  return self:_apply(self:_call(S.reserve_public_ip, { uuid = self.uuid }))
end

--- DEPRECATED (use client.floating_ips): releases the VM's public IP; the address stays reserved
-- for the account.  Returns the VM.
function VM:release_public_ip()
  return self:_apply(self:_call(S.release_public_ip, { uuid = self.uuid }))
end

------------------------------------------------------------------------------------------------
-- Networking of a VM: floating IPs

--- The floating IPs assigned to this VM (floating IP objects, see client.floating_ips).
function VM:floating_ips()
  return self:_client().floating_ips:list { vm_uuid = self.uuid }
end

------------------------------------------------------------------------------------------------
-- Waiting

--- vm:wait(target, opts): polls until the VM's status is target ("running", a list of statuses,
-- or a function of the VM).  opts: timeout (600 s), interval (first delay, grows to max_interval),
-- on_progress(vm, elapsed), fail_on.  Returns the VM, or nil, err (kind "timeout", last_status).
VM.wait = wait.status

return {
  new = resource.collection(VMs),
  model = VM,
  endpoints = E,
}
