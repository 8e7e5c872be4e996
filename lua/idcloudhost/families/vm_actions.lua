-- The VM family's methods past its first answer: a VM object's actions (update, delete, start,
-- stop, resize, boot_media, ...) and what vms:create checks.  They are documented with the family,
-- in vms.lua; their code is here so that a process's start-up, which parses vms.lua for client.vms,
-- does not parse them: this module loads at the first VM answer or method (the model's `extend`,
-- families/kit/resource.lua), or at the first vms:create.
local lazy = require "idcloudhost.lazy"
local check = lazy "idcloudhost.call.check"
local errors = lazy "idcloudhost.call.errors"
local resource = require "idcloudhost.families.kit.resource"
local vms = require "idcloudhost.families.vms"

local E = vms.endpoints
local VM = vms.model

local actions = {}

-- What create needs besides name, vcpu and ram: a source for its disk, and a login.
local function check_create(p)
  if type(p) ~= "table" then return nil, errors.invalid("vm:create: expected a table of parameters") end
  local from_copy = p.source_uuid ~= nil or p.source_replica ~= nil
  if (p.source_uuid == nil) ~= (p.source_replica == nil) then
    return nil, errors.invalid("vm:create: source_uuid and source_replica go together", "source_replica")
  end
  if not from_copy then
    -- Both, or neither: an empty disk to boot an installer on (os_name "_custom", os_version "_").
    if (p.os_name == nil) ~= (p.os_version == nil) then
      local k = p.os_name == nil and "os_name" or "os_version"
      return nil, errors.invalid("vm:create: os_name and os_version go together (leave both out for an empty disk)", k)
    end
    if p.disk_uuid == nil and p.disks == nil then
      return nil, errors.invalid("vm:create: missing required parameter 'disks' (size in GB, or give disk_uuid)", "disks")
    end
    -- A cloud_init may declare the users itself (then username must not be sent).
    if p.cloud_init == nil then
      if p.username == nil then
        return nil, errors.invalid("vm:create: missing required parameter 'username' (or a cloud_init with users)", "username")
      end
      if p.password == nil and p.public_key == nil and p.public_keys == nil and p.ssh_keys == nil then
        return nil, errors.invalid("vm:create: missing required parameter 'password' (or public_key, public_keys, ssh_keys)",
          "password")
      end
    end
  end
  return true
end

-- ssh_keys = {key, "uuid", "name", ...} made into public_keys (after those given): key objects
-- give their public key, uuids and names are looked up in the account's keys (one list).
local function with_keys(client, p)
  if p.ssh_keys == nil then return p end
  local what = "vm:create"
  local keys, kerr = check.plain(what, p.ssh_keys)
  if kerr then return nil, kerr end
  if type(keys) ~= "table" or #keys == 0 then
    return nil, errors.invalid(what .. ": ssh_keys must be a list of SSH keys, their uuids or names", "ssh_keys")
  end
  local out = {}
  for k, v in pairs(p) do if k ~= "ssh_keys" then out[k] = v end end
  local list, seen = {}, {}
  local function add(key)
    if not seen[key] then seen[key] = true; list[#list + 1] = key end
  end
  if type(p.public_keys) == "table" then
    local given, gerr = check.plain(what, p.public_keys)
    if gerr then return nil, gerr end
    for _, key in ipairs(given) do add(key) end
  elseif p.public_keys ~= nil then
    return nil, errors.invalid(what .. ": public_keys must be a list of public key lines", "public_keys")
  end
  local stored
  for i, key in ipairs(keys) do
    local line
    if type(key) == "table" then
      local ferr
      line, ferr = check.field(what, "ssh_keys", key, "public_key")
      if ferr then return nil, ferr end
    elseif type(key) == "string" and key ~= "" then
      -- private key material is refused unseen; a public key line is taken as it is
      local ok, err = check.value(what, "ssh_keys", "pubkey", key)
      if not ok then return nil, err end
      if key:find("^%S+%s+AAAA") then line = key end
    end
    if type(key) == "string" and not line and key ~= "" then
      if not stored then
        local err
        stored, err = client.ssh_keys:list()
        if not stored then return nil, err end
      end
      local lower = key:lower()
      for _, s in ipairs(stored) do
        if tostring(s.uuid):lower() == lower or s.name == key then line = s.public_key break end
      end
      if not line then
        return nil, errors.invalid(string.format("%s: ssh_keys[%d]: the account has no SSH key %q", what, i, key), "ssh_keys")
      end
    end
    if type(line) ~= "string" or line == "" then
      return nil, errors.invalid(string.format("%s: ssh_keys[%d] must be an SSH key, its uuid or its name", what, i), "ssh_keys")
    end
    add(line)
  end
  out.public_keys = list
  return out
end

--- vms:create's work (documented at client.vms:create in vms.lua): coll is client.vms.
function actions.create(coll, params)
  local ok, err
  params, err = check.plain("vm:create", params)
  if err then return nil, err end
  params, err = resource.marked(VM, params, E.create)
  if err then return nil, err end
  ok, err = check_create(params)
  if not ok then return nil, err end
  params, err = with_keys(coll.client, params) -- ssh_keys made into public_keys
  if not params then return nil, err end
  return resource.wrap(VM, coll.client, coll:_call(E.create, params))
end

local DELETE_OPTS = { release_ips = "boolean" }

local RESIZE_OPTS = { vcpu = "integer", ram = "integer", restart = "boolean", force = "boolean", timeout = "number" }

-- After a failed step of a resize that stopped the VM: start it again (its power state before),
-- and say in err how that went.
local function restore_power(vm, err)
  local ok, serr = vm:start()
  if ok then
    err.message = tostring(err.message) .. " (the VM was started again)"
  else
    err.message = tostring(err.message) .. " (starting the VM again failed too: " .. tostring(serr and serr.message) .. ")"
  end
  err.restarted = ok and true or false
  return nil, err
end

local REPOSITORIES = { platform = true, private = true }

local BOOT_OPTS = { image = true, repository = true }

--- Adds the methods to the VM model (resource.model's `extend`: it passes vms.model, VM here).
function actions.attach()
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

  function VM:start(opts)
    return self:_apply(self:_call(E.start, opts))
  end

  function VM:stop(opts)
    return self:_apply(self:_call(E.stop, opts))
  end

  function VM:rescue(opts)
    return self:_apply(self:_call(E.rescue, opts))
  end

  function VM:clone(opts)
    return resource.wrap(VM, self:_client(), self:_call(E.clone, opts))
  end

  function VM:reinstall(opts)
    return self:_apply(self:_call(E.reinstall, opts))
  end

  function VM:toggle_backup(opts)
    return self:_apply(self:_call(E.backup, opts))
  end

  function VM:set_password(opts)
    return resource.success(self:_call(E.password, opts))
  end

  function VM:resize(opts)
    local o, err = check.params("vm:resize", RESIZE_OPTS, opts)
    if not o then return nil, err end
    if o.vcpu == nil and o.ram == nil then return nil, errors.invalid("vm:resize: give vcpu, ram or both") end
    for _, k in ipairs { "vcpu", "ram" } do
      if o[k] ~= nil and o[k] < 1 then return nil, errors.invalid("vm:resize: " .. k .. " must be at least 1", k) end
    end
    local change = { vcpu = o.vcpu, ram = o.ram }
    if not o.restart then
      local ok, uerr = self:update(change)
      if not ok then return nil, uerr end
      return self
    end
    local ok
    ok, err = self:reload()
    if not ok then return nil, err end
    local running = tostring(self.status):lower() == "running"
    if running then
      ok, err = self:stop { force = o.force }
      if not ok then
        if err.uncertain then return restore_power(self, err) end
        return nil, err
      end
      ok, err = self:wait("stopped", { timeout = o.timeout })
      if not ok then return restore_power(self, err) end
    end
    ok, err = self:update(change)
    if not ok then
      if running then return restore_power(self, err) end
      return nil, err
    end
    if running then
      ok, err = self:start()
      if not ok then
        err.message = "the VM is resized but did not start again: " .. tostring(err.message)
        err.resized = true
        return nil, err
      end
    end
    return self
  end

  function VM:floating_ips()
    return self:_client().floating_ips:list { vm_uuid = self.uuid }
  end

  function VM:wait(target, opts) return require("idcloudhost.ops.wait").status(self, target, opts) end

  function VM:boot_media(opts)
    local what = "vm:boot_media"
    if type(opts) ~= "table" then return nil, errors.invalid(what .. ": expected {image = ..., repository = ...}") end
    local perr
    opts, perr = check.plain(what, opts, BOOT_OPTS)
    if perr then return nil, perr end
    for k in pairs(opts) do
      if k ~= "image" and k ~= "repository" then
        return nil, errors.invalid(what .. ": unknown parameter '" .. tostring(k) .. "'", k)
      end
    end
    local image, err = check.uuid_of(what, "image", opts.image)
    if not image then return nil, err end
    if opts.repository ~= nil and not REPOSITORIES[opts.repository] then
      return nil, errors.invalid(what .. ": repository must be \"platform\" or \"private\", got " .. tostring(opts.repository),
        "repository")
    end
    local data
    data, err = self:_call(E.boot_media, nil, { boot_image_uuid = image, boot_image_repository = opts.repository })
    if data == nil then return nil, err end
    if type(data) == "table" and data.uuid ~= nil then self:_update(data) end
    return self
  end

  function VM:firewalls()
    local list, err = self:_client().firewalls:list()
    if not list then return nil, err end
    local guards = require("idcloudhost.families.firewalls").guards
    local out, uuid = {}, tostring(self.uuid):lower()
    for _, fw in ipairs(list) do
      if guards(fw, uuid) then out[#out + 1] = fw end
    end
    return out
  end
end

return actions
