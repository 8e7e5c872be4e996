-- Replicas (snapshots and backups) of disks, and rebuilding a VM from one
-- (location-specific): /v1/user-resource/vm/replica and /v1/user-resource/vm/rebuild.
--
-- A replica object is kept exactly as the API shows it, in the `replica` list of its disk
-- record (disk.lua), so VM objects show it too:
--   {created_at, id, master_id, master_uuid, pool = "", size, type, updated_at = null, uuid}
-- Its uuid is the disk's uuid followed by the UTC time, "<disk uuid>YYYY-MM-DD-HH-MM-SS",
-- as in the docs; a second replica of the same disk within the same second takes the next
-- free second. A replica remembers the OS of the VM whose boot disk it copied, so a rebuild
-- brings back the OS with the data.
--
-- Choices where the docs are silent (see also sim/README.md):
--   * `uuid` of list and create names a VM (its boot disk, for create; all its disks, for
--     list) or a disk of the location;
--   * r_type is "snapshot" (default) or "backup"; anything else is a field error;
--   * convert answers the replica with its new type; converting to the type it has, or from
--     a type it does not have, is an Error;
--   * rebuild takes a replica of one of the VM's own disks, restores that disk (its size at
--     the time of the replica) and answers the VM "stopped", whatever its status was;
--   * replica_uuid is plain text everywhere (the docs type it as a UUID for convert, but
--     replica names are not UUIDs).
local clock = require "idcloudhost.sim.clock"
local disk = require "idcloudhost.sim.disk"
local json = require "idcloudhost.sim.json"
local machine = require "idcloudhost.sim.machine"
local params = require "idcloudhost.sim.params"
local reply = require "idcloudhost.sim.reply"
local state = require "idcloudhost.sim.state"

local replica = {}

local A = json.array
local null = json.null

local TYPES = { snapshot = true, backup = true }

-- What a replica of a boot disk remembers of its VM (weak: gone with the replica).
local os_of = setmetatable({}, { __mode = "k" })

local function no_replica()
  return reply.error("No such storage replica exists.")
end

local function read_type(r, name, default)
  local t = r:str(name, false, default)
  if t ~= nil and not TYPES[t] then
    return r:fail(name, "Must be one of: snapshot, backup")
  end
  return t
end

-- The disks named by "uuid": a VM's (boot disk first) or one disk. Returns the list, or nil
-- and a reply.
local function disks_of(req, r)
  local uuid = r:uuid("uuid", true)
  if r:failed() then return nil, reply.errors(r.errors) end
  local vm_rec = machine.all(req.loc)[uuid]
  if vm_rec then
    machine.refresh(vm_rec)
    local out = {}
    for _, s in ipairs(vm_rec.storage) do out[#out + 1] = disk.find(req.loc, s.uuid) or s end
    return out, vm_rec
  end
  local rec = disk.find(req.loc, uuid)
  if rec then
    return { rec }, rec.vm_uuid and machine.all(req.loc)[rec.vm_uuid]
  end
  return nil, machine.no_such(uuid)
end

-- "<disk uuid>YYYY-MM-DD-HH-MM-SS", unique among the disk's replicas.
local function replica_uuid(rec)
  local taken = {}
  for _, rep in ipairs(rec.replica) do taken[rep.uuid] = true end
  local t = os.time()
  while true do
    local name = rec.uuid .. os.date("!%Y-%m-%d-%H-%M-%S", t)
    if not taken[name] then return name end
    t = t + 1
  end
end

-- GET ?uuid=&r_type=
function replica.list(req)
  local r = params.reader(req.params)
  local r_type = read_type(r, "r_type", "snapshot")
  local list, err = disks_of(req, r)
  if not list then return err end
  local out = A()
  for _, rec in ipairs(list) do
    for _, rep in ipairs(rec.replica) do
      if rep.type == r_type then out[#out + 1] = rep end
    end
  end
  return reply.ok(state.by_id(out))
end

-- POST (uuid, r_type): answers the disk with its replicas.
function replica.create(req)
  local r = params.reader(req.params)
  local r_type = read_type(r, "r_type", "snapshot")
  local list, vm_rec = disks_of(req, r)
  if not list then return vm_rec end
  local busy = vm_rec and machine.busy(vm_rec)
  if busy then return busy end
  local rec = list[1]
  local rep = {
    created_at = clock.timestamp_us(),
    id = state.next_id("replica"),
    master_id = rec.id,
    master_uuid = rec.uuid,
    pool = "",
    size = rec.size,
    type = r_type,
    updated_at = null,
    uuid = replica_uuid(rec),
  }
  rec.replica[#rec.replica + 1] = rep
  if vm_rec and rec.primary then
    os_of[rep] = { os_name = vm_rec.os_name, os_version = vm_rec.os_version }
  end
  return reply.ok(disk.storage_view(rec))
end

-- DELETE (replica_uuid)
function replica.delete(req)
  local r = params.reader(req.params)
  local uuid = r:str("replica_uuid", true)
  if r:failed() then return reply.errors(r.errors) end
  local rep, rec = disk.find_replica(req.loc, uuid)
  if not rep then return no_replica() end
  for i, x in ipairs(rec.replica) do
    if x == rep then table.remove(rec.replica, i) break end
  end
  return reply.success()
end

-- PATCH (replica_uuid, from_type = backup, to_type = snapshot)
function replica.convert(req)
  local r = params.reader(req.params)
  local uuid = r:str("replica_uuid", true)
  local from = read_type(r, "from_type", "backup")
  local to = read_type(r, "to_type", "snapshot")
  if r:failed() then return reply.errors(r.errors) end
  local rep = disk.find_replica(req.loc, uuid)
  if not rep then return no_replica() end
  if rep.type ~= from then
    return reply.error(string.format("Replica %s is a %s, not a %s", uuid, rep.type, from))
  end
  if from == to then
    return reply.error(string.format("Replica %s is already a %s", uuid, to))
  end
  rep.type = to
  rep.updated_at = clock.timestamp_us()
  return reply.ok(rep)
end

-- POST rebuild (uuid, replica_uuid): the VM's disk as it was, the VM stopped.
function replica.rebuild(req)
  local r = params.reader(req.params)
  local uuid = r:str("replica_uuid", true)
  local vm_rec, err = machine.lookup_idle(req, r)
  if not vm_rec then return err end
  local rep, rec = disk.find_replica(req.loc, uuid)
  if not rep or rec.vm_uuid ~= vm_rec.uuid then
    return reply.error("No such storage replica exists for virtual machine " .. vm_rec.uuid .. ": " .. uuid)
  end
  rec.size = rep.size
  disk.touch(rec)
  local saved = os_of[rep]
  if saved then vm_rec.os_name, vm_rec.os_version = saved.os_name, saved.os_version end
  vm_rec.status, vm_rec.pending = "stopped", nil
  vm_rec.sim.rescue = false
  vm_rec.sim.rebuilt_from = uuid
  vm_rec.updated_at = clock.timestamp()
  return reply.ok(machine.view(vm_rec))
end

-- For vm.lua: create with source_uuid + source_replica copies a replica of that VM.
function replica.find(slug, vm_uuid, uuid)
  local rep, rec = disk.find_replica(slug, uuid)
  if rep and rec.vm_uuid == vm_uuid then return rep end
end

function replica.register(router)
  local L = { loc = true }
  router.add("GET", "/v1/user-resource/vm/replica", replica.list, L)
  router.add("POST", "/v1/user-resource/vm/replica", replica.create, L)
  router.add("DELETE", "/v1/user-resource/vm/replica", replica.delete, L)
  router.add("PATCH", "/v1/user-resource/vm/replica", replica.convert, L)
  router.add("POST", "/v1/user-resource/vm/rebuild", replica.rebuild, L)
end

return replica
