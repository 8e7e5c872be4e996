-- VM records (location-specific): the resource pools, a VM as the API shows it, and the
-- lookups every family that acts on a VM shares. The VM calls themselves are in vm.lua.
--
-- VM records live in state.collection(slug, "vms")[uuid]. A record holds the fields of the
-- docs' VM object plus `pending` (a status change that settles later, SIM_SETTLE) and `sim`
-- (what the platform keeps but does not show: cloud_init, public_key, network, public IPv4...).
-- machine.view(record) gives the object as the API shows it.
local clock = require "idcloudhost.sim.clock"
local config = require "idcloudhost.sim.config"
local ids = require "idcloudhost.sim.ids"
local json = require "idcloudhost.sim.json"
local params = require "idcloudhost.sim.params"
local reply = require "idcloudhost.sim.reply"
local state = require "idcloudhost.sim.state"

local machine = {}

local A = json.array

-- The limits of a VM's size. The live parameter list has no vcpu, ram or disks entries: the
-- limits come from the resource pool's guest_limits (zorgatia/terraform-provider-cloudaxion
-- docs/api-notes.md, section 5, verified live). The numbers are the docs' parameter ranges.
local LIMITS = { cpu = { min = 1, max = 16 }, ram_mb = { min = 512, max = 65536 }, disk_gb = { min = 20, max = 240 } }

-- GET /v1/user-resource/host_pool/list: the two pools of the elastis docs, plus guest_limits,
-- storage_pool_uuid, is_visible and ui_position, which live pools carry (docs/api-notes.md of
-- zorgatia/terraform-provider-cloudaxion, section 7, verified live).
machine.pools = A {
  {
    created_at = "2022-12-28 13:50:52",
    description = "A server class for a wide range of purposes",
    guest_limits = LIMITS,
    is_default_designated = true,
    is_visible = true,
    name = "General",
    storage_pool_uuid = "5d0f3b3c-2a3e-4cc4-9a55-0c7e6ef0f0a1",
    ui_position = 1,
    updated_at = "2023-02-21 08:17:13",
    uuid = "4820b11f-82c9-4313-a1ef-14d6039981db",
  },
  {
    created_at = "2022-12-28 13:50:52",
    description = "another fine server class",
    guest_limits = LIMITS,
    is_default_designated = false,
    is_visible = true,
    name = "Performance",
    storage_pool_uuid = "5d0f3b3c-2a3e-4cc4-9a55-0c7e6ef0f0a1",
    ui_position = 2,
    updated_at = "2023-02-22 21:21:13",
    uuid = "d2fc6881-9316-46d7-b515-b6cddaeee927",
  },
}

--- The pool with that uuid; nil: the default one.
function machine.pool(uuid)
  for _, p in ipairs(machine.pools) do
    if (uuid == nil and p.is_default_designated) or p.uuid == uuid then return p end
  end
end

function machine.all(slug)
  return state.collection(slug, "vms")
end

-- The public IPv4 of the location's pool with the number n: 80.64.<106 + loc>.2 and up.
function machine.public_ipv4(slug, n)
  return string.format("80.64.%d.%d", 106 + state.location_index(slug) + math.floor((n - 1) / 250),
    2 + (n - 1) % 250)
end

-- 10.<loc>.14.10 and up (until the VM joins a network); 2a05:1cc0:<loc>0:30::80:fffe and down.
local function allocate_ips(slug)
  local n = state.next_id("ip:" .. slug)
  local i = state.location_index(slug)
  local private = string.format("10.%d.%d.%d", i, 14 + math.floor((n - 1) / 240), 10 + (n - 1) % 240)
  local v6 = string.format("2a05:1cc0:%d0:30::80:%x", i, 0xffff - (n % 0xfff0))
  return private, v6, machine.public_ipv4(slug, n)
end

--- Applies a settled status change whose time has come.
function machine.refresh(r)
  if r.pending and clock.now() >= r.pending.at then
    r.status = r.pending.status
    r.pending = nil
  end
  return r
end

--- Goes to `final`, through `transitional` for SIM_SETTLE seconds when settle > 0.
function machine.set_status(r, transitional, final)
  if (config.settle or 0) > 0 then
    r.status = transitional
    r.pending = { status = final, at = clock.now() + config.settle }
  else
    r.status = final
    r.pending = nil
  end
end

function machine.touch(r)
  r.updated_at = clock.timestamp()
end

-- A storage entry of the VM object. Live VMs show pool and type "n/a" and no id
-- (docs/api-notes.md of zorgatia/terraform-provider-cloudaxion, section 11, verified live).
local function storage_entry(s)
  return {
    created_at = s.created_at,
    name = s.name,
    pool = "n/a",
    primary = s.primary,
    replica = A(s.replica),
    shared = s.shared,
    size = s.size,
    type = "n/a",
    updated_at = s.updated_at,
    user_id = s.user_id,
    uuid = s.uuid,
  }
end

--- The VM object. The live payload (same notes, section 11) has no id, tags or hypervisor_id,
-- and no public_ipv6 key for a VM without a public address; when cloud_init declares users
-- the username is not echoed (section 17). license_type "WINDOWS" on Windows VMs only (the
-- 2025-12 text's example; section 11: absent on Linux guests).
function machine.view(r)
  machine.refresh(r)
  local storage = A()
  for i, s in ipairs(r.storage) do storage[i] = storage_entry(s) end
  return {
    backup = r.backup,
    billing_account = r.billing_account,
    created_at = r.created_at,
    description = r.description,
    designated_pool_name = r.designated_pool_name,
    designated_pool_uuid = r.designated_pool_uuid,
    hostname = r.hostname,
    license_type = r.os_name == "windows" and "WINDOWS" or nil,
    mac = r.mac,
    memory = r.memory,
    name = r.name,
    os_name = r.os_name,
    os_version = r.os_version,
    private_ipv4 = r.private_ipv4,
    public_ipv6 = r.sim.ipv6 and r.public_ipv6 or nil,
    status = r.status,
    storage = storage,
    updated_at = r.updated_at,
    user_id = r.user_id,
    username = not r.sim.cloud_init_users and r.username or nil,
    uuid = r.uuid,
    vcpu = r.vcpu,
  }
end

--- A new VM record, stored. f: name, description, os_name, os_version, ram, vcpu, username,
-- billing_account, backup, disks (GB), disk_uuid, pool, updated_at, and the hidden parts
-- (cloud_init, public_key, reserve_public_ip, network_uuid, source_uuid, source_replica).
function machine.new(slug, f)
  local now = clock.timestamp()
  local uuid = ids.uuid4()
  local private, v6, v4 = allocate_ips(slug)
  local cloud_init = f.cloud_init
  local r = {
    id = state.next_id("vm"),
    uuid = uuid,
    name = f.name,
    hostname = f.name:lower():gsub("[^%w%-]", "-"),
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
    designated_pool_name = f.pool.name,
    designated_pool_uuid = f.pool.uuid,
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
        updated_at = json.null,
        user_id = state.user.id,
        uuid = f.disk_uuid or uuid,
      },
    },
    sim = {
      cloud_init = cloud_init,
      cloud_init_users = f.cloud_init_users or (type(cloud_init) == "table" and cloud_init.users ~= nil) or nil,
      public_key = f.public_key,
      public_keys = f.public_keys,
      reserve_public_ip = f.reserve_public_ip,
      public_ipv4 = f.reserve_public_ip and v4 or nil,
      ipv6 = f.reserve_public_ip or nil, -- made without a public address: no IPv6 either
      network_uuid = f.network_uuid,
      source_uuid = f.source_uuid,
      source_replica = f.source_replica,
    },
  }
  machine.all(slug)[uuid] = r
  machine.set_status(r, "creating", "running")
  return r
end

---------------------------------------------------------------------------
-- Lookups
---------------------------------------------------------------------------

--- 400 {"errors": {"Error": "No such virtual machine exists: <uuid>"}}: the live text has a colon
-- where the docs print a period (docs/api-notes.md of zorgatia/terraform-provider-cloudaxion,
-- section 1, verified live).
function machine.no_such(uuid)
  return reply.error("No such virtual machine exists: " .. tostring(uuid))
end

--- The error for a VM in a transitional status (SIM_SETTLE), or nil when it is not.
function machine.busy(rec)
  if rec.pending then
    return reply.error(string.format(
      "Virtual machine %s is busy (status %s), try again when the operation has finished",
      rec.uuid, rec.status))
  end
end

--- The VM of the location, refreshed, or nil; with idle, one in a transitional status is
-- refused. Returns the record, or nil and a reply.
function machine.find(slug, uuid, idle)
  local rec = uuid and machine.all(slug)[uuid]
  if not rec then return nil, machine.no_such(uuid) end
  machine.refresh(rec)
  local b = idle and machine.busy(rec)
  if b then return nil, b end
  return rec
end

--- The VM named by the "uuid" parameter: the record, or nil and a reply. r: a params.reader
-- that may already hold errors of other fields (all are reported together). as_string: the
-- docs type the parameter as plain text (GET /vm), so a malformed value is just a VM that does
-- not exist. idle: see machine.lookup_idle.
function machine.lookup(req, r, as_string, idle)
  r = r or params.reader(req.params)
  local uuid
  if as_string then
    local raw = r:str("uuid", true)
    uuid = raw and (params.to_uuid(raw) or raw)
  else
    uuid = r:uuid("uuid", true)
  end
  if r:failed() then return nil, reply.errors(r.errors) end
  return machine.find(req.loc, uuid, idle)
end

--- Like machine.lookup, then refuses a VM in a transitional status (the VM actions, the disk
-- and replica calls on a VM).
function machine.lookup_idle(req, r)
  return machine.lookup(req, r, false, true)
end

--- A deleted VM: gone from the location; it still reads back, status "deleted", for
-- config.tombstone seconds (see vm.get).
function machine.bury(slug, rec)
  machine.all(slug)[rec.uuid] = nil
  rec.status, rec.pending = "deleted", nil
  state.bury(slug, "vm", rec.uuid, rec)
end

-- GET /__sim/state shows VMs as the API does, plus the hidden parts.
state.dumpers.vms = function(_, col)
  local out = state.by_id(col)
  for i, rec in ipairs(out) do
    local v = machine.view(rec)
    v.sim = rec.sim
    v.pending_status = rec.pending and rec.pending.status or nil
    v.id = rec.id
    out[i] = v
  end
  return out
end

return machine
