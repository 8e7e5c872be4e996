-- Virtual machines: client.vms and VM objects (endpoints 8-16, 19, 25-27 of endpoints.md).
local errors = require "idcloudhost.errors"
local resource = require "idcloudhost.resource"
local wait = require "idcloudhost.wait"

local E = resource.endpoints("vm", {
  list     = { "GET",    "user-resource/vm/list", loc = true },
  get      = { "GET",    "user-resource/vm", loc = true, query = { uuid = "uuid!" } },
  create   = { "POST",   "user-resource/vm", loc = true, form = {
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

local function wrap(client, data, err)
  if data == nil then return nil, err end
  return resource.wrap(VM, client, data)
end

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
  return wrap(self.client, self.client:call(E.get, { uuid = uuid }))
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
  return wrap(self.client, self.client:call(E.create, params))
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

--- Deletes the VM.  Returns true.
function VM:delete()
  return resource.success(self:_call(E.delete, { uuid = self.uuid }))
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
  return wrap(self:_client(), self:_call(E.clone, self:_params(opts)))
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

------------------------------------------------------------------------------------------------
-- Networking of a VM: floating IPs

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
