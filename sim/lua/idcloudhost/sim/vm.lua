-- VM family (location-specific): /v1/[{slug}/]user-resource/vm..., and the resource pools at
-- /v1/[{slug}/]user-resource/host_pool/list. This module makes and removes VMs (create, clone,
-- delete) and holds the family's route table; the calls that act on one VM's record alone are
-- vm_action.lua's, the records, views and lookups machine.lua's.
--
-- A VM is made of other families' resources, and this module wires them: creation puts the
-- VM in its network (network.join), turns its disks into disk records (disk.adopt) and its
-- public address into a floating IP (floating_ip.adopt); deletion undoes that (network.leave,
-- disk.release, floating_ip.release_from, load_balancer.drop_target, firewall.drop_vm).
--
-- The 2025-12 text (shared/api/endpoints-2025.md (b1) #12): cloud_init is JSON or YAML text
-- (read_cloud_init); public_keys may be repeated; os_name and os_version both left out (or
-- _custom and _) make an empty-disk VM, to boot from an ISO (boot_media.lua).
--
-- Choices where the docs are silent (see also sim/README.md): a copy of a VM's backup or
-- snapshot (source_uuid with source_replica) takes the OS and the disk size of the source VM;
-- a VM made from a disk (disk_uuid) boots from that disk, which must not be attached.
-- From the field (sources in sim/README.md): names have no pattern (clone takes any name,
-- the docs' own example is "Name of the Clone"); sizes are checked against the pool's
-- guest_limits; a deleted VM reads back (GET /vm) with status "deleted" for the tombstone time.
local action = require "idcloudhost.sim.vm_action"
local billing = require "idcloudhost.sim.billing"
local catalog = require "idcloudhost.sim.catalog"
local disk = require "idcloudhost.sim.disk"
local fip = require "idcloudhost.sim.floating_ip"
local firewall = require "idcloudhost.sim.firewall"
local json = require "idcloudhost.sim.json"
local lb = require "idcloudhost.sim.load_balancer"
local machine = require "idcloudhost.sim.machine"
local network = require "idcloudhost.sim.network"
local params = require "idcloudhost.sim.params"
local replica = require "idcloudhost.sim.replica"
local reply = require "idcloudhost.sim.reply"

local vm = {}

local null = json.null

-- The top-level keys of a YAML document that is a mapping ("key: value" lines at column 0;
-- comments, blank lines, document markers and indented lines under a key are skipped), or nil
-- when it is not one (a list, a scalar, broken JSON).
local function yaml_keys(text)
  local keys, any = {}, false
  for line in (text .. "\n"):gmatch("([^\n]*)\n") do
    line = line:gsub("\r$", "")
    if line:match("^%s*#") or line:match("^%s*$") or line:match("^%-%-%-") or line:match("^%.%.%.") then -- luacheck: ignore 542
    elseif line:match("^%s") then
      if not any then return nil end
    else
      local key = line:match("^([^:#%s%-%[{][^:]*):%s") or line:match("^([^:#%s%-%[{][^:]*):$")
      if not key then return nil end
      keys[(key:gsub("^[\"'](.*)[\"']$", "%1"))] = true
      any = true
    end
  end
  return any and keys or nil
end

-- cloud_init: a JSON object (a table in a JSON body, or its text) or YAML text whose top is a
-- mapping, as the 2025-12 text says ("a valid YAML or JSON object is expected") and live clients
-- confirm (a YAML cloud-config reaches the guest: zorgatia/terraform-provider-cloudaxion
-- internal/client/client.go, encodeForm, verified live). Returns the value (decoded JSON, or the
-- YAML text as sent) and whether it declares `users`.
local function read_cloud_init(r)
  local v = r:raw("cloud_init")
  if v == nil or v == "" then return nil end
  if type(v) == "table" then return v, v.users ~= nil end
  local bad = "Must be a JSON object or a YAML mapping (cloud-config)"
  if type(v) ~= "string" then return r:fail("cloud_init", bad) end
  local decoded = json.decode(v)
  if type(decoded) == "table" and not json.is_array(decoded) and decoded[1] == nil then
    return decoded, decoded.users ~= nil
  end
  local keys = decoded == nil and yaml_keys(v)
  if not keys then return r:fail("cloud_init", bad) end
  return v, keys.users ~= nil
end

local function unescape_form(s)
  return (s:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end))
end

-- public_keys: the parameter repeated (the 2025-12 text; live: CloudAxion notes section 11).
-- Every value of a form body, a JSON body's list (or string), else the query string's (its
-- first value only: the server keeps one). public_key, when given, comes first. Returns the
-- list (nil when none), or nil with the error in r.
local function read_public_keys(req, r, public_key)
  local out = {}
  if public_key and public_key ~= "" then out[1] = public_key end
  local v = req.params.public_keys
  local from_form = type(req.form) == "table" and req.form.public_keys ~= nil and type(req.body) == "string"
  if from_form and (req.json == nil) then
    for pair in req.body:gmatch("[^&;]+") do
      local k, val = pair:match("^([^=]*)=(.*)$")
      if k and unescape_form(k) == "public_keys" then out[#out + 1] = unescape_form(val) end
    end
  elseif type(v) == "table" then
    for _, k in ipairs(v) do
      if type(k) ~= "string" then return r:fail("public_keys", "Must be OpenSSH public key lines (strings)") end
      out[#out + 1] = k
    end
  elseif type(v) == "string" then
    out[#out + 1] = v
  elseif v ~= nil then
    return r:fail("public_keys", "Must be OpenSSH public key lines (strings)")
  end
  for i = #out, 1, -1 do
    if out[i] == "" then table.remove(out, i) end
  end
  return #out > 0 and out or nil
end

-- os_name and os_version both left out (no disk_uuid, no source_uuid): an empty-disk VM, as
-- with the special values os_name=_custom, os_version=_ (the 2025-12 text).
local function empty_disk_params(p)
  local function blank(k) return p[k] == nil or p[k] == "" or p[k] == null end
  if not (blank("os_name") and blank("os_version") and blank("disk_uuid") and blank("source_uuid")) then return p end
  local q = {}
  for k, v in pairs(p) do q[k] = v end
  q.os_name, q.os_version = "_custom", "_"
  return q
end

-- A new VM takes its place in the other families: network, disks, public address.
local function place(slug, rec)
  network.join(slug, rec)
  disk.adopt(slug, rec)
  fip.adopt(slug, rec)
end

function vm.create(req)
  local p = empty_disk_params(req.params)
  local r = params.reader(p)
  local backup = r:bool("backup", false)
  local billing_id = r:int("billing_account_id", false, 0)
  local description = r:str("description", false, "")
  local public_key = r:str("public_key")
  local source_uuid = r:uuid("source_uuid")
  local source_replica = r:str("source_replica")
  local reserve_public_ip = r:bool("reserve_public_ip", true)
  local network_uuid = p.network_uuid ~= "" and r:uuid("network_uuid") or nil -- "": the default network
  local cloud_init, cloud_init_users = read_cloud_init(r)
  local public_keys = read_public_keys(req, r, public_key)
  local pool_uuid = r:uuid("designated_pool_uuid")
  local disk_uuid = r:uuid("disk_uuid")
  if source_uuid and not source_replica then
    r:fail("source_replica", "Required together with source_uuid")
  elseif source_replica and not source_uuid and not r.errors.source_uuid then
    r:fail("source_uuid", "Required together with source_replica")
  end
  local pool = machine.pool(pool_uuid)
  if pool_uuid and not pool then
    r:fail("designated_pool_uuid", "No such resource pool: " .. pool_uuid
      .. " (see GET /v1/user-resource/host_pool/list)")
  end

  -- A copy of a backup/snapshot takes OS and disk size from the source VM.
  local source = source_uuid and machine.all(req.loc)[source_uuid]
  local values, verrors = catalog.validate(p, { os_name = source and source.os_name })
  local sizes, serrors = catalog.check_sizes(p, (pool or machine.pool()).guest_limits,
    { skip = { disks = disk_uuid ~= nil or source_uuid ~= nil } })
  local errors = params.merge_errors(r.errors, verrors, serrors)
  if next(errors) then return reply.errors(errors) end

  -- Objects the parameters point at.
  local ba, ba_err = billing.account_for(req, billing_id, "errors")
  if not ba then return ba_err end
  if source_uuid and not source then return machine.no_such(source_uuid) end
  local rep = source_replica and replica.find(req.loc, source_uuid, source_replica)
  if source_replica and not rep then
    return reply.error("No such storage replica exists. " .. source_replica)
  end
  local boot
  if disk_uuid then
    boot = disk.find(req.loc, disk_uuid)
    if not boot then return reply.error("No such disk exists. " .. disk_uuid) end
    if boot.vm_uuid then
      return reply.error("Disk " .. disk_uuid .. " is already attached to a virtual machine")
    end
  end
  if network_uuid and not network.find(req.loc, network_uuid) then
    return reply.message(400, network.INVALID)
  end

  local size = sizes.disks
  if boot then size = boot.size
  elseif source then size = size or (rep and rep.size) or source.storage[1].size end
  local os_name = values.os_name or (source and source.os_name)
  local rec = machine.new(req.loc, {
    name = values.name,
    description = description,
    os_name = os_name,
    os_version = values.os_version or (source and source.os_version),
    ram = sizes.ram,
    vcpu = sizes.vcpu,
    username = values.username or (source and source.username) or "",
    billing_account = ba.id,
    backup = backup,
    disks = size or 20,
    disk_uuid = disk_uuid,
    pool = pool or machine.pool(),
    cloud_init = cloud_init,
    cloud_init_users = cloud_init_users,
    public_key = public_key,
    public_keys = public_keys,
    reserve_public_ip = reserve_public_ip,
    network_uuid = network_uuid,
    source_uuid = source_uuid,
    source_replica = source_replica,
  })
  if boot then boot.vm_uuid = rec.uuid end
  place(req.loc, rec)
  return reply.ok(machine.view(rec))
end

function vm.delete(req)
  local rec, err = machine.lookup(req)
  if not rec then return err end
  machine.bury(req.loc, rec)
  network.leave(req.loc, rec.uuid)
  disk.release(req.loc, rec)
  fip.release_from(req.loc, rec.uuid)
  lb.drop_target(req.loc, rec.uuid)
  firewall.drop_vm(req.loc, rec.uuid)
  return reply.success()
end

-- POST clone (uuid, name): any name, as for create (the docs' own example is "Name of the Clone").
function vm.clone(req)
  local r = params.reader(req.params)
  local uuid = r:uuid("uuid", true)
  local name = r:str("name", true)
  if name == "" then r:fail("name", params.MISSING) end
  if r:failed() then return reply.errors(r.errors) end
  local src, serr = machine.find(req.loc, uuid, true)
  if not src then return serr end
  local rec = machine.new(req.loc, {
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
    pool = machine.pool(src.designated_pool_uuid) or machine.pool(),
    updated_at = null, -- as in the docs' clone example
    reserve_public_ip = src.sim.reserve_public_ip,
    network_uuid = src.sim.network_uuid,
    public_key = src.sim.public_key,
    source_uuid = src.uuid,
  })
  place(req.loc, rec)
  return reply.ok(machine.view(rec))
end

function vm.register(router)
  local L = { loc = true }
  local C = { loc = true, latency = "create" }
  router.add("GET", "/v1/user-resource/host_pool/list", action.host_pools, L)
  router.add("GET", "/v1/user-resource/vm/list", action.list, L)
  router.add("GET", "/v1/user-resource/vm", action.get, L)
  router.add("POST", "/v1/user-resource/vm", vm.create, C)
  router.add("PATCH", "/v1/user-resource/vm", action.modify, L)
  router.add("DELETE", "/v1/user-resource/vm", vm.delete, L)
  router.add("POST", "/v1/user-resource/vm/start", action.start, L)
  router.add("POST", "/v1/user-resource/vm/stop", action.stop, L)
  router.add("POST", "/v1/user-resource/vm/rescue_start", action.rescue_start, L)
  router.add("PATCH", "/v1/user-resource/vm/user", action.change_password, L)
  router.add("POST", "/v1/user-resource/vm/clone", vm.clone, C)
  router.add("POST", "/v1/user-resource/vm/reinstall", action.reinstall, L)
  router.add("POST", "/v1/user-resource/vm/backup", action.toggle_backup, L)
end

return vm
