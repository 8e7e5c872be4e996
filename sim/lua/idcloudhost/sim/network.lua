-- Private networks (location-specific): /v1/[{slug}/]network/network(s)...
--
-- Records live in state.collection(slug, "networks")[uuid]. A record holds the
-- docs' fields plus `id` (creation order) and `others` (uuids of the load
-- balancers in the network: resources that are not VMs). Rules:
--   * the first network of a location becomes its default; from then on there
--     is always exactly one default (it cannot be deleted, and making another
--     one default un-defaults it);
--   * POST /network without a name is create-or-get: the default network,
--     created as "Default network" when there is none;
--   * a network with resources (VMs, load balancers) or the default one cannot
--     be deleted;
--   * VMs created without network_uuid land in the default network (created if
--     need be) and appear in its vm_uuids; deleting a VM takes it out;
--   * a VM's private_ipv4 comes from its network's subnet (.10 upwards; load
--     balancers take .254 downwards); vm.lua calls network.join and network.leave;
--   * no vlan_id (the live platform omits it), delete answers 200 with an empty body
--     (docs/api-notes.md of zorgatia/terraform-provider-cloudaxion, sections 8 and 9,
--     verified live; the docs say vlan_id and 204);
--   * GET and DELETE also answer with a trailing slash, as the vendor's client sends them
--     (WarrenCloudPlatform/terraform-provider-warren,
--     vendor/gitlab.com/warrenio/library/go-client/warren/network.go).
-- Errors of this service come as {"message": "..."}; an unknown or malformed
-- network uuid is 400 {"message": "Network UUID is invalid."} (also for VM
-- creation with such a network_uuid), parameter errors as {"errors": {...}}.
local compat = require "idcloudhost.sim.compat"
local clock = require "idcloudhost.sim.clock"
local ids = require "idcloudhost.sim.ids"
local json = require "idcloudhost.sim.json"
local params = require "idcloudhost.sim.params"
local reply = require "idcloudhost.sim.reply"
local state = require "idcloudhost.sim.state"

local network = {}

local A = json.array

network.INVALID = "Network UUID is invalid."

local function nets(slug)
  return state.collection(slug, "networks")
end

-- The network with that uuid (any form Python's uuid.UUID takes), or nil.
function network.find(slug, uuid)
  local u = params.to_uuid(uuid)
  return u and nets(slug)[u] or nil
end

-- New network; the first one of the location becomes the default.
function network.new(slug, name)
  local n = state.next_id("network:" .. slug)
  local i = state.location_index(slug)
  local now = clock.timestamp()
  local rec = {
    id = state.next_id("network"),
    uuid = ids.uuid4(),
    name = name,
    subnet = string.format("10.%d.%d.0/24", i, (100 + n) % 256),
    subnet_ipv6 = string.format("2a05:1cc0:%d0:30::%x:0/112", i, 0x40 + n),
    type = "private",
    is_default = network.default(slug) == nil,
    created_at = now,
    updated_at = now,
    vm_uuids = {},
    others = {},
    hosts = 0,
    vm_hosts = 0,
  }
  nets(slug)[rec.uuid] = rec
  return rec
end

-- The default network of the location; with create, made ("Default network") when missing.
function network.default(slug, create)
  for _, rec in pairs(nets(slug)) do
    if rec.is_default then return rec end
  end
  if create then return network.new(slug, "Default network") end
end

local function prefix(rec)
  return rec.subnet:match("^(%d+%.%d+%.%d+)%.")
end

-- A fresh address in the network for a service (load balancers): .254 downwards.
function network.allocate(rec)
  rec.hosts = rec.hosts + 1
  return string.format("%s.%d", prefix(rec), 255 - rec.hosts)
end

-- A fresh address in the network for a VM: .10 upwards.
function network.allocate_vm(rec)
  rec.vm_hosts = rec.vm_hosts + 1
  return string.format("%s.%d", prefix(rec), 9 + rec.vm_hosts)
end

-- Resources that are not VMs (load balancers) join and leave a network.
function network.attach(rec, uuid)
  rec.others[uuid] = true
end

function network.detach(slug, uuid, resource_uuid)
  local rec = network.find(slug, uuid)
  if rec then rec.others[resource_uuid] = nil end
end

--- A new VM joins its network (network_uuid, or the default one, made when missing) and takes
-- its private address there.
function network.join(slug, vm)
  local rec = vm.sim.network_uuid and network.find(slug, vm.sim.network_uuid) or network.default(slug, true)
  vm.sim.network_uuid = rec.uuid
  vm.private_ipv4 = network.allocate_vm(rec)
  rec.vm_uuids[#rec.vm_uuids + 1] = vm.uuid
end

--- A deleted VM leaves its network.
function network.leave(slug, vm_uuid)
  for _, rec in pairs(nets(slug)) do
    for i = #rec.vm_uuids, 1, -1 do
      if rec.vm_uuids[i] == vm_uuid then table.remove(rec.vm_uuids, i) end
    end
  end
end

function network.view(rec)
  local n = 0
  for _ in pairs(rec.others) do n = n + 1 end
  return {
    subnet = rec.subnet,
    subnet_ipv6 = rec.subnet_ipv6,
    name = rec.name,
    created_at = rec.created_at,
    updated_at = rec.updated_at,
    uuid = rec.uuid,
    type = rec.type,
    is_default = rec.is_default,
    vm_uuids = A(compat.move(rec.vm_uuids, 1, #rec.vm_uuids, 1, {})),
    resources_count = #rec.vm_uuids + n,
  }
end

---------------------------------------------------------------------------
-- Handlers
---------------------------------------------------------------------------

local function invalid()
  return reply.message(400, network.INVALID)
end

local function lookup(req)
  local rec = network.find(req.loc, req.vars.uuid)
  if not rec then return nil, invalid() end
  return rec
end

function network.list(req)
  return reply.ok(state.list(req.loc, "networks", network.view))
end

function network.get(req)
  local rec, err = lookup(req)
  if not rec then return err end
  return reply.ok(network.view(rec))
end

function network.create(req)
  local r = params.reader(req.params)
  local name = r:str("name")
  if r:failed() then return reply.errors(r.errors) end
  if name == nil or name == "" then
    return reply.ok(network.view(network.default(req.loc, true)))
  end
  return reply.ok(network.view(network.new(req.loc, name)))
end

function network.delete(req)
  local rec, err = lookup(req)
  if not rec then return err end
  if rec.is_default then
    return reply.message(400, "Default network can not be deleted.")
  end
  if #rec.vm_uuids > 0 or next(rec.others) then
    return reply.message(400, "Network " .. rec.uuid .. " has resources and can not be deleted.")
  end
  nets(req.loc)[rec.uuid] = nil
  return reply.empty(200)
end

function network.make_default(req)
  local rec, err = lookup(req)
  if not rec then return err end
  if not rec.is_default then
    local now = clock.timestamp()
    for _, other in pairs(nets(req.loc)) do
      if other.is_default then
        other.is_default = false
        other.updated_at = now
      end
    end
    rec.is_default = true
    rec.updated_at = now
  end
  return reply.ok(network.view(rec))
end

function network.rename(req)
  local r = params.reader(req.params)
  local name = r:str("name")
  if name == "" then r:fail("name", "Must not be empty") end
  if r:failed() then return reply.errors(r.errors) end
  local rec, err = lookup(req)
  if not rec then return err end
  if name and name ~= rec.name then
    rec.name = name
    rec.updated_at = clock.timestamp()
  end
  return reply.ok(network.view(rec))
end

function network.register(router)
  local L = { loc = true }
  local LS = { loc = true, slash = true }
  router.add("GET", "/v1/network/networks", network.list, L)
  router.add("GET", "/v1/network/network/{uuid}", network.get, LS)
  router.add("POST", "/v1/network/network", network.create, L)
  router.add("DELETE", "/v1/network/network/{uuid}", network.delete, LS)
  router.add("PUT", "/v1/network/network/{uuid}/default", network.make_default, L)
  router.add("PATCH", "/v1/network/network/{uuid}", network.rename, L)
end

state.dumpers.networks = function(slug)
  return state.list(slug, "networks", network.view)
end

return network
