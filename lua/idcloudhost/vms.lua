-- Virtual machines: client.vms and VM objects.  The VM's storage (replicas, disks, the deprecated
-- public IP calls) is idcloudhost.vm_storage; docs/endpoints.md maps every endpoint.
local check = require "idcloudhost.check"
local errors = require "idcloudhost.errors"
local pipeline = require "idcloudhost.pipeline"
local resource = require "idcloudhost.resource"

local VM_ANSWER = "object:uuid|success" -- the VM (elastis edition), or {"success": true} (older)

local E = resource.endpoints("vm", {
  list     = { "GET",    "user-resource/vm/list", loc = true, answer = "list:uuid" },
  get      = { "GET",    "user-resource/vm", loc = true, query = { uuid = "uuid!" }, answer = "object:uuid" },
  create   = { "POST",   "user-resource/vm", loc = true, billed = true, answer = "object:uuid", form = {
    name = "string!", os_name = "string", os_version = "string", disks = "integer",
    vcpu = "integer!", ram = "integer!", username = "string", password = "string",
    public_key = "string", description = "string", backup = "boolean",
    billing_account_id = "integer", reserve_public_ip = "boolean", network_uuid = "uuid",
    cloud_init = "json", designated_pool_uuid = "uuid", disk_uuid = "uuid",
    source_uuid = "uuid", source_replica = "string",
  } },
  update   = { "PATCH",  "user-resource/vm", loc = true, answer = VM_ANSWER,
    form = { uuid = "uuid!", name = "string", vcpu = "integer", ram = "integer" } },
  delete   = { "DELETE", "user-resource/vm", loc = true, form = { uuid = "uuid!" }, answer = VM_ANSWER },
  start    = { "POST",   "user-resource/vm/start", loc = true, form = { uuid = "uuid!" }, answer = VM_ANSWER },
  stop     = { "POST",   "user-resource/vm/stop", loc = true, form = { uuid = "uuid!", force = "boolean" },
    answer = VM_ANSWER },
  rescue   = { "POST",   "user-resource/vm/rescue_start", loc = true, form = { uuid = "uuid!" }, answer = VM_ANSWER },
  clone    = { "POST",   "user-resource/vm/clone", loc = true, form = { uuid = "uuid!", name = "string!" },
    answer = "object:uuid" },
  reinstall = { "POST",  "user-resource/vm/reinstall", loc = true, answer = VM_ANSWER,
    form = { uuid = "uuid!", os_name = "string", os_version = "string" } },
  backup   = { "POST",   "user-resource/vm/backup", loc = true, form = { uuid = "uuid!" }, answer = VM_ANSWER },
  password = { "PATCH",  "user-resource/vm/user", loc = true, answer = "success",
    form = { uuid = "uuid!", username = "string!", password = "string!" } },
  pools    = { "GET",    "user-resource/host_pool/list", loc = true, answer = "list:uuid" },
})

local function summary(vm)
  local disk = type(vm.storage) == "table" and type(vm.storage[1]) == "table" and vm.storage[1].size
  return string.format("%s %q %s (%s vcpu, %s MB%s)", tostring(vm.uuid), tostring(vm.name),
    tostring(vm.status), tostring(vm.vcpu), tostring(vm.memory), disk and (", " .. disk .. " GB") or "")
end

local VM = resource.model { name = "vm", key = "uuid", get = E.get, list = E.list, summary = summary,
  statuses = resource.statuses { "running", "stopped", "creating", "starting", "stopping", "reinstalling",
    "rebuilding", "rescue", "cloning", "resizing", "migrating", "paused", "suspended", "pending",
    "deleting", "deleted", "error" } }

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
  return resource.wrap_list(VM, self.client, pipeline.call(self.client, E.list))
end

-- What create needs besides name, vcpu and ram: a source for its disk, and a login.
local function check_create(p)
  if type(p) ~= "table" then return nil, errors.invalid("vm:create: expected a table of parameters") end
  local from_copy = p.source_uuid ~= nil or p.source_replica ~= nil
  if (p.source_uuid == nil) ~= (p.source_replica == nil) then
    return nil, errors.invalid("vm:create: source_uuid and source_replica go together", "source_replica")
  end
  if not from_copy then
    for _, k in ipairs { "os_name", "os_version", "username" } do
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
-- reserve_public_ip defaults to true on the platform: the VM gets a floating IP, billed until
-- released (vm:delete{release_ips = true} releases it with the VM).
function VMs:create(params)
  local ok, err = check_create(params)
  if not ok then return nil, err end
  return resource.wrap(VM, self.client, pipeline.call(self.client, E.create, params))
end

--- Waits for many VMs (objects or uuids, any mix of locations) at once: each location's list is
-- read once per round for all of them.  target and opts as for vm:wait; returns the results in
-- item order, each {ok = true, value = vm} or {ok = false, err =} (see wait.all).
function VMs:wait_all(items, target, opts)
  return require("idcloudhost.wait").all(self.client, VM, items, target, opts) -- (loaded when first needed)
end

--- The host pools (server classes) a VM can be placed in (elastis edition).
function VMs:pools()
  return pipeline.call(self.client, E.pools)
end

------------------------------------------------------------------------------------------------
-- VM objects

--- Changes name, vcpu and/or ram (vcpu and ram only while stopped).  Returns true.
function VM:update(params)
  if type(params) ~= "table" or next(params) == nil then
    return nil, errors.invalid("vm:update: give at least one of name, vcpu, ram")
  end
  local data, err = self:_call(E.update, params)
  if data == nil then return nil, err end
  if type(data) == "table" then
    self:_update(data) -- the newer edition answers the VM
  else
    -- the older answers {"success": true}: keep the object true to what was set
    self.name = params.name or self.name
    self.vcpu = params.vcpu or self.vcpu
    self.memory = params.ram or self.memory
  end
  return true
end

local DELETE_OPTS = { release_ips = "boolean" }

--- Deletes the VM.  Returns true.  {release_ips = true} also deletes the floating IPs assigned
-- to it (otherwise they stay reserved, and billed, after the VM is gone).
function VM:delete(opts)
  local o, err = check.params("vm:delete", DELETE_OPTS, opts)
  if not o then return nil, err end
  local ips
  if o.release_ips then
    ips, err = self:floating_ips()
    if not ips then return nil, err end
  end
  local ok
  ok, err = resource.success(self:_call(E.delete))
  if not ok then return nil, err end
  self.deleted = true
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
function VM:start(opts)
  return self:_apply(self:_call(E.start, opts))
end

--- Stops the VM: gracefully through ACPI, or at once with {force = true}.
function VM:stop(opts)
  return self:_apply(self:_call(E.stop, opts))
end

--- Boots the VM once from a rescue image.
function VM:rescue(opts)
  return self:_apply(self:_call(E.rescue, opts))
end

--- Clones the VM; returns the NEW VM.
function VM:clone(opts)
  return resource.wrap(VM, self:_client(), self:_call(E.clone, opts))
end

--- Reinstalls the OS (same one unless os_name/os_version are given).  Data on the disk is lost.
function VM:reinstall(opts)
  return self:_apply(self:_call(E.reinstall, opts))
end

--- Turns automatic backups on or off (whichever they are not).
function VM:toggle_backup(opts)
  return self:_apply(self:_call(E.backup, opts))
end

--- Sets a user's password (the VM must be running).  Returns true.
function VM:set_password(opts)
  return resource.success(self:_call(E.password, opts))
end

--- The floating IPs assigned to this VM (floating IP objects, see client.floating_ips).
function VM:floating_ips()
  return self:_client().floating_ips:list { vm_uuid = self.uuid }
end

--- vm:wait(target, opts): polls until the VM's status is target ("running", a list of statuses,
-- or a function of the VM).  opts: timeout (600 s), interval (first delay, grows to max_interval),
-- on_progress(vm, elapsed), fail_on.  Returns the VM, or nil, err (kind "timeout", last_status).
function VM:wait(target, opts) return require("idcloudhost.wait").status(self, target, opts) end

require("idcloudhost.vm_storage").attach(VM)

return {
  new = resource.collection(VMs, { model = VM, get = E.get }),
  model = VM,
  endpoints = E,
}
