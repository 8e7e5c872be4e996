-- VM family (location-specific): /v1/[{slug}/]user-resource/vm..., and the
-- resource pools at /v1/[{slug}/]user-resource/host_pool/list.
--
-- VM records live in state.collection(slug, "vms")[uuid]. A record holds the
-- fields of the docs' VM object plus `pending` (a status change that settles
-- later, SIM_SETTLE) and `sim` (what the platform keeps but does not show:
-- cloud_init, public_key, network, public IPv4...). vm.view(record) gives the
-- object exactly as the API shows it.
--
-- Choices where the docs say nothing (see also sim/README.md):
--   * start on a running VM and stop on a stopped VM answer the VM unchanged
--     (idempotent, like the platform's other "set state" calls), after the
--     usual write latency;
--   * rescue_start works from any state and answers the VM "running";
--   * a VM in a transitional status (only with SIM_SETTLE > 0) refuses every
--     action but delete with 400 {"errors": {"Error": "... is busy ..."}};
--   * PATCH /vm answers {"success": true} (idcloudhost edition; the elastis
--     edition shows the VM object instead);
--   * vcpu/ram changes are refused unless the VM is "stopped"; giving the
--     current value again is not a change and is accepted;
--   * PATCH /vm/user checks username and password like VM creation does.
local catalog = require "sim.catalog"
local clock = require "sim.clock"
local config = require "sim.config"
local ids = require "sim.ids"
local json = require "sim.json"
local params = require "sim.params"
local reply = require "sim.reply"
local state = require "sim.state"

local vm = {}

local A = json.array
local null = json.null

-- GET /v1/user-resource/host_pool/list (elastis docs), same in every location.
vm.pools = A {
  {
    created_at = "2022-12-28 13:50:52",
    description = "A server class for a wide range of purposes",
    is_default_designated = true,
    name = "General",
    updated_at = "2023-02-21 08:17:13",
    uuid = "4820b11f-82c9-4313-a1ef-14d6039981db",
  },
  {
    created_at = "2022-12-28 13:50:52",
    description = "another fine server class",
    is_default_designated = false,
    name = "Performance",
    updated_at = "2023-02-22 21:21:13",
    uuid = "d2fc6881-9316-46d7-b515-b6cddaeee927",
  },
}

local function find_pool(uuid)
  for _, p in ipairs(vm.pools) do
    if (uuid == nil and p.is_default_designated) or p.uuid == uuid then return p end
  end
end

---------------------------------------------------------------------------
-- Records
---------------------------------------------------------------------------

local function vms(slug)
  return state.collection(slug, "vms")
end

-- The public IPv4 of the location's pool with the number n (state.next_id("ip:" .. slug)):
-- 80.64.<106 + loc>.2 and up.
function vm.public_ipv4(slug, n)
  return string.format("80.64.%d.%d", 106 + state.location_index(slug) + math.floor((n - 1) / 250),
    2 + (n - 1) % 250)
end

-- 10.<loc>.14.10 and up; 2a05:1cc0:<loc>0:30::80:fffe and down (like the docs).
local function allocate_ips(slug)
  local n = state.next_id("ip:" .. slug)
  local i = state.location_index(slug)
  local private = string.format("10.%d.%d.%d", i, 14 + math.floor((n - 1) / 240), 10 + (n - 1) % 240)
  local v6 = string.format("2a05:1cc0:%d0:30::80:%x", i, 0xffff - (n % 0xfff0))
  return private, v6, vm.public_ipv4(slug, n)
end

-- Apply a settled status change whose time has come.
function vm.refresh(r)
  if r.pending and clock.now() >= r.pending.at then
    r.status = r.pending.status
    r.pending = nil
  end
  return r
end

-- Go to `final`, through `transitional` for SIM_SETTLE seconds when settle > 0.
local function set_status(r, transitional, final)
  if (config.settle or 0) > 0 then
    r.status = transitional
    r.pending = { status = final, at = clock.now() + config.settle }
  else
    r.status = final
    r.pending = nil
  end
end

local function touch(r)
  r.updated_at = clock.timestamp()
end

-- The VM object exactly as the docs show it.
function vm.view(r)
  vm.refresh(r)
  local storage = A()
  for i, s in ipairs(r.storage) do
    storage[i] = {
      created_at = s.created_at,
      id = s.id,
      name = s.name,
      pool = s.pool,
      primary = s.primary,
      replica = A(s.replica),
      shared = s.shared,
      size = s.size,
      type = s.type,
      updated_at = s.updated_at,
      user_id = s.user_id,
      uuid = s.uuid,
    }
  end
  return {
    backup = r.backup,
    billing_account = r.billing_account,
    created_at = r.created_at,
    description = r.description,
    designated_pool_name = r.designated_pool_name,
    designated_pool_uuid = r.designated_pool_uuid,
    hostname = r.hostname,
    hypervisor_id = null,
    id = r.id,
    mac = r.mac,
    memory = r.memory,
    name = r.name,
    os_name = r.os_name,
    os_version = r.os_version,
    private_ipv4 = r.private_ipv4,
    public_ipv6 = r.public_ipv6,
    status = r.status,
    storage = storage,
    tags = null,
    updated_at = r.updated_at,
    user_id = r.user_id,
    username = r.username,
    uuid = r.uuid,
    vcpu = r.vcpu,
  }
end

local function new_record(slug, f)
  local now = clock.timestamp()
  local uuid = ids.uuid4()
  local private, v6, v4 = allocate_ips(slug)
  local pool = f.pool
  local r = {
    id = state.next_id("vm"),
    uuid = uuid,
    name = f.name,
    hostname = f.name:lower(),
    description = f.description or "",
    os_name = f.os_name,
    os_version = f.os_version,
    memory = f.ram,
    vcpu = f.vcpu,
    username = f.username,
    billing_account = f.billing_account,
    backup = f.backup or false,
    created_at = now,
    updated_at = f.updated_at or now,
    mac = ids.mac(),
    private_ipv4 = private,
    public_ipv6 = v6,
    designated_pool_name = pool.name,
    designated_pool_uuid = pool.uuid,
    user_id = state.user.id,
    status = "running",
    storage = {
      {
        created_at = clock.timestamp_us(),
        id = state.next_id("storage"),
        name = "sda",
        pool = "default2",
        primary = true,
        replica = {},
        shared = false,
        size = f.disks,
        type = "block",
        updated_at = null,
        user_id = state.user.id,
        uuid = f.disk_uuid or uuid,
      },
    },
    sim = {
      cloud_init = f.cloud_init,
      public_key = f.public_key,
      reserve_public_ip = f.reserve_public_ip,
      public_ipv4 = f.reserve_public_ip and v4 or nil,
      network_uuid = f.network_uuid,
      source_uuid = f.source_uuid,
      source_replica = f.source_replica,
    },
  }
  vms(slug)[uuid] = r
  set_status(r, "creating", "running")
  return r
end

---------------------------------------------------------------------------
-- Lookups shared by the handlers
---------------------------------------------------------------------------

-- 400 {"errors": {"Error": "No such virtual machine exists. <uuid>"}}
function vm.no_such(uuid)
  return reply.error("No such virtual machine exists. " .. tostring(uuid))
end

-- The error for a VM in a transitional status (SIM_SETTLE), or nil when it is not.
function vm.busy(rec)
  if rec.pending then
    return reply.error(string.format(
      "Virtual machine %s is busy (status %s), try again when the operation has finished",
      rec.uuid, rec.status))
  end
end

-- The VM uuid of the location, refreshed; with idle, one in a transitional status is
-- refused. Returns the record, or nil and a reply.
local function find(slug, uuid, idle)
  local rec = vms(slug)[uuid]
  if not rec then return nil, vm.no_such(uuid) end
  vm.refresh(rec)
  local b = idle and vm.busy(rec)
  if b then return nil, b end
  return rec
end

-- The VM named by the "uuid" parameter: returns the record, or nil and a reply.
-- r: a params.reader that may already hold errors of other fields (all are
-- reported together). as_string: the docs type the parameter as plain text
-- (GET /vm), so a malformed value is just a VM that does not exist. idle: see
-- vm.lookup_idle.
function vm.lookup(req, r, as_string, idle)
  r = r or params.reader(req.params)
  local uuid
  if as_string then
    local raw = r:str("uuid", true)
    uuid = raw and (params.to_uuid(raw) or raw)
  else
    uuid = r:uuid("uuid", true)
  end
  if r:failed() then return nil, reply.errors(r.errors) end
  return find(req.loc, uuid, idle)
end

-- Like vm.lookup, then refuses a VM in a transitional status (the VM actions, the disk and
-- replica calls on a VM).
function vm.lookup_idle(req, r)
  return vm.lookup(req, r, false, true)
end

-- Merge field-error tables into one.
local function merge_errors(...)
  local out = {}
  for i = 1, select("#", ...) do
    for k, v in pairs(select(i, ...)) do
      if out[k] == nil then out[k] = v end
    end
  end
  return out
end

---------------------------------------------------------------------------
-- Handlers
---------------------------------------------------------------------------

local function read_cloud_init(r)
  local v = r:raw("cloud_init")
  if v == nil or v == "" then return nil end
  if type(v) == "table" then return v end
  if type(v) ~= "string" then return r:fail("cloud_init", "Must be a JSON object") end
  local decoded, err = json.decode(v)
  if type(decoded) ~= "table" or json.is_array(decoded) or decoded[1] ~= nil then
    return r:fail("cloud_init", "Must be a JSON object"
      .. (err and (": " .. tostring(err)) or ""))
  end
  return decoded
end

function vm.create(req)
  local p = req.params
  local r = params.reader(p)
  local backup = r:bool("backup", false)
  local billing_id = r:int("billing_account_id", false, 0)
  local description = r:str("description", false, "")
  local public_key = r:str("public_key")
  local source_uuid = r:uuid("source_uuid")
  local source_replica = r:str("source_replica")
  local reserve_public_ip = r:bool("reserve_public_ip", true)
  local network_uuid = p.network_uuid ~= "" and r:uuid("network_uuid") or nil -- "": the default network
  local cloud_init = read_cloud_init(r)
  local pool_uuid = r:uuid("designated_pool_uuid")
  local disk_uuid = r:uuid("disk_uuid")
  if source_uuid and not source_replica then
    r:fail("source_replica", "Required together with source_uuid")
  elseif source_replica and not source_uuid and not r.errors.source_uuid then
    r:fail("source_uuid", "Required together with source_replica")
  end
  local pool = find_pool(pool_uuid)
  if pool_uuid and not pool then
    r:fail("designated_pool_uuid", "No such resource pool: " .. pool_uuid
      .. " (see GET /v1/user-resource/host_pool/list)")
  end

  -- A copy of a backup/snapshot takes OS and disk size from the source VM.
  local source = source_uuid and vms(req.loc)[source_uuid]
  local skip = {}
  if disk_uuid or source_uuid then skip.disks = true end
  if source_uuid then skip.os_name, skip.os_version = true, true end
  local values, verrors = catalog.validate(p, {
    skip = skip,
    os_name = source and source.os_name,
  })
  local errors = merge_errors(r.errors, verrors)
  if next(errors) then return reply.errors(errors) end

  -- Objects the parameters point at.
  local ba, ba_err
  if state.hooks.billing_account_for then -- sim/billing.lua: restricted tokens, required id
    ba, ba_err = state.hooks.billing_account_for(req, billing_id)
    if not ba then return ba_err end
  elseif billing_id == 0 then
    ba = state.default_billing_account()
  else
    ba = state.billing_account(billing_id)
  end
  if not ba then
    return reply.error("No such billing account exists. " .. tostring(billing_id))
  end
  if source_uuid and not source then return vm.no_such(source_uuid) end
  local replica = source_replica and state.hooks.find_replica
    and state.hooks.find_replica(req.loc, source_uuid, source_replica)
  if source_replica and state.hooks.find_replica and not replica then
    return reply.error("No such storage replica exists. " .. source_replica)
  end
  local disk
  if disk_uuid and state.hooks.find_disk then
    disk = state.hooks.find_disk(req.loc, disk_uuid)
    if not disk then return reply.error("No such disk exists. " .. disk_uuid) end
    if disk.vm_uuid then
      return reply.error("Disk " .. disk_uuid .. " is already attached to a virtual machine")
    end
  end
  if network_uuid and state.hooks.find_network
    and not state.hooks.find_network(req.loc, network_uuid) then
    return reply.message(400, "Network UUID is invalid.")
  end

  local size = values.disks
  if disk then size = disk.size
  elseif source then size = size or (replica and replica.size) or source.storage[1].size end
  local os_name = values.os_name or (source and source.os_name)
  local rec = new_record(req.loc, {
    name = values.name,
    description = description,
    os_name = os_name,
    os_version = values.os_version or (source and source.os_version),
    ram = values.ram,
    vcpu = values.vcpu,
    username = values.username or (source and source.username)
      or (os_name == "windows" and "Administrator") or "",
    billing_account = ba.id,
    backup = backup,
    disks = size or 20,
    disk_uuid = disk_uuid,
    pool = pool or find_pool(nil),
    cloud_init = cloud_init,
    public_key = public_key,
    reserve_public_ip = reserve_public_ip,
    network_uuid = network_uuid,
    source_uuid = source_uuid,
    source_replica = source_replica,
  })
  if disk then disk.vm_uuid = rec.uuid end
  state.emit("vm_created", req.loc, rec)
  return reply.ok(vm.view(rec))
end

function vm.get(req)
  local rec, err = vm.lookup(req, nil, true)
  if not rec then return err end
  return reply.ok(vm.view(rec))
end

function vm.list(req)
  local out = A()
  for _, rec in pairs(vms(req.loc)) do out[#out + 1] = rec end
  table.sort(out, function(a, b) return a.id > b.id end) -- newest first, like the docs
  for i, rec in ipairs(out) do out[i] = vm.view(rec) end
  return reply.ok(out)
end

function vm.modify(req)
  local rec, err = vm.lookup_idle(req)
  if not rec then return err end
  local values, errors = catalog.validate(req.params, {
    only = { name = true, vcpu = true, ram = true },
    os_name = rec.os_name,
  })
  if next(errors) then return reply.errors(errors) end
  local resize = (values.vcpu and values.vcpu ~= rec.vcpu)
    or (values.ram and values.ram ~= rec.memory)
  if resize and rec.status ~= "stopped" then
    return reply.error(string.format(
      "vcpu and ram can only be changed when the virtual machine is stopped (status: %s)",
      rec.status))
  end
  rec.name = values.name or rec.name
  rec.vcpu = values.vcpu or rec.vcpu
  rec.memory = values.ram or rec.memory
  touch(rec)
  return reply.success()
end

function vm.delete(req)
  local rec, err = vm.lookup(req)
  if not rec then return err end
  vms(req.loc)[rec.uuid] = nil
  state.emit("vm_deleted", req.loc, rec)
  return reply.success()
end

function vm.start(req)
  local rec, err = vm.lookup_idle(req)
  if not rec then return err end
  if rec.status ~= "running" then
    rec.sim.rescue = false
    set_status(rec, "starting", "running")
    touch(rec)
  end
  return reply.ok(vm.view(rec))
end

function vm.stop(req)
  local r = params.reader(req.params)
  local force = r:bool("force", false)
  local rec, err = vm.lookup_idle(req, r)
  if not rec then return err end
  if rec.status ~= "stopped" then
    rec.sim.rescue = false
    rec.sim.last_stop_forced = force
    set_status(rec, "stopping", "stopped")
    touch(rec)
  end
  return reply.ok(vm.view(rec))
end

function vm.rescue_start(req)
  local rec, err = vm.lookup_idle(req)
  if not rec then return err end
  rec.sim.rescue = true
  set_status(rec, "starting", "running")
  touch(rec)
  return reply.ok(vm.view(rec))
end

function vm.change_password(req)
  local r = params.reader(req.params)
  local uuid = r:uuid("uuid", true)
  local username = r:str("username", true)
  local password = r:str("password", true)
  local _, verrors = catalog.validate({ username = username, password = password },
    { only = { username = true, password = true } })
  local errors = merge_errors(r.errors, verrors)
  if next(errors) then return reply.errors(errors) end
  local rec, err = find(req.loc, uuid, true)
  if not rec then return err end
  if rec.status ~= "running" then
    return reply.error(string.format(
      "Virtual machine must be running to change the password (status: %s)", rec.status))
  end
  rec.sim.password_changed_for = username
  touch(rec)
  return reply.success()
end

function vm.clone(req)
  local r = params.reader(req.params)
  local uuid = r:uuid("uuid", true)
  local name = r:str("name", true)
  local errors = r.errors
  if name and not errors.name then
    local _, err = catalog.check("name", name)
    if err then errors.name = err end
  end
  if next(errors) then return reply.errors(errors) end
  local src, serr = find(req.loc, uuid, true)
  if not src then return serr end
  local rec = new_record(req.loc, {
    name = name,
    description = src.description,
    os_name = src.os_name,
    os_version = src.os_version,
    ram = src.memory,
    vcpu = src.vcpu,
    username = src.username,
    billing_account = src.billing_account,
    backup = false,
    disks = src.storage[1].size,
    pool = find_pool(src.designated_pool_uuid) or find_pool(nil),
    updated_at = null, -- as in the docs' clone example
    reserve_public_ip = src.sim.reserve_public_ip,
    network_uuid = src.sim.network_uuid,
    public_key = src.sim.public_key,
    source_uuid = src.uuid,
  })
  state.emit("vm_created", req.loc, rec)
  return reply.ok(vm.view(rec))
end

function vm.reinstall(req)
  local r = params.reader(req.params)
  local os_name = r:str("os_name")
  local os_version = r:str("os_version")
  local rec, err = vm.lookup_idle(req, r)
  if not rec then return err end
  if os_name == "" then os_name = nil end
  if os_version == "" then os_version = nil end
  local new_name = os_name or rec.os_name
  local new_version = os_version or rec.os_version
  local _, errors = catalog.validate({ os_name = new_name, os_version = new_version },
    { only = { os_name = true, os_version = true } })
  if next(errors) then return reply.errors(errors) end
  local _, fit = catalog.validate({ vcpu = rec.vcpu, ram = rec.memory },
    { only = { vcpu = true, ram = true }, os_name = new_name })
  local field = next(fit)
  if field then
    return reply.error(string.format("Cannot reinstall with %s %s: %s: %s",
      new_name, new_version, field, fit[field]))
  end
  rec.os_name, rec.os_version = new_name, new_version
  rec.sim.rescue = false
  set_status(rec, "reinstalling", "running")
  touch(rec)
  return reply.ok(vm.view(rec))
end

function vm.toggle_backup(req)
  local rec, err = vm.lookup_idle(req)
  if not rec then return err end
  rec.backup = not rec.backup
  touch(rec)
  return reply.ok(vm.view(rec))
end

function vm.host_pools()
  return reply.ok(vm.pools)
end

function vm.register(router)
  local L = { loc = true }
  local C = { loc = true, latency = "create" }
  router.add("GET", "/v1/user-resource/host_pool/list", vm.host_pools, L)
  router.add("GET", "/v1/user-resource/vm/list", vm.list, L)
  router.add("GET", "/v1/user-resource/vm", vm.get, L)
  router.add("POST", "/v1/user-resource/vm", vm.create, C)
  router.add("PATCH", "/v1/user-resource/vm", vm.modify, L)
  router.add("DELETE", "/v1/user-resource/vm", vm.delete, L)
  router.add("POST", "/v1/user-resource/vm/start", vm.start, L)
  router.add("POST", "/v1/user-resource/vm/stop", vm.stop, L)
  router.add("POST", "/v1/user-resource/vm/rescue_start", vm.rescue_start, L)
  router.add("PATCH", "/v1/user-resource/vm/user", vm.change_password, L)
  router.add("POST", "/v1/user-resource/vm/clone", vm.clone, C)
  router.add("POST", "/v1/user-resource/vm/reinstall", vm.reinstall, L)
  router.add("POST", "/v1/user-resource/vm/backup", vm.toggle_backup, L)
end

-- GET /__sim/state shows VMs as the API does, plus the hidden parts.
state.dumpers.vms = function(_, col)
  local out = A()
  for _, rec in pairs(col) do
    local v = vm.view(rec)
    v.sim = rec.sim
    v.pending_status = rec.pending and rec.pending.status or nil
    out[#out + 1] = v
  end
  table.sort(out, function(a, b) return a.id < b.id end)
  return out
end

return vm
