-- Floating IPs (location-specific): /v1/[{slug}/]network/ip_addresses...
--
-- Records live in state.collection(slug, "floating_ips")[address]. Rules:
--   * an address is assigned to one resource at a time; assigning it to
--     another VM moves it, and `assigned_to` follows;
--   * assign (ip_assign.lua) takes {"vm_uuid": ...} (the docs) or {"assigned_to": ...,
--     "assigned_to_resource_type": "virtual_machine" | "load_balancer" | "service"} (live clients);
--   * a VM created with a public IP (reserve_public_ip, true by default) gets
--     a floating IP assigned to it (its public address, named after the VM,
--     billed to the VM's account); deleting the VM leaves its floating IPs
--     reserved and unassigned (they keep being billed, as on the platform);
--   * a load balancer created with reserve_public_ip gets one too
--     (assigned_to_resource_type "load_balancer");
--   * billing accounts: billing.account_for;
--   * unknown address: 404 {"message": "Ip address <a> was not found."};
--     delete answers 200 with the body `true` (an assigned address is
--     unassigned and deleted; thanet-s/inspace-cloud-kube-modules,
--     modules/client/contracts_test.go); unassign of an unassigned address
--     answers it unchanged.
-- Every address shows uuid and is_ipv6 (WarrenCloudPlatform/terraform-provider-warren,
-- vendor/gitlab.com/warrenio/library/go-client/warren/network.go; the InSpace contract
-- above); the assignment fields (assigned_to_resource_type, assigned_to_private_ip) only
-- while assigned, unassigned_at once it was unassigned.
--
-- Also here: the deprecated public IP calls of a VM, POST and DELETE
-- /v1/[{slug}/]user-resource/vm/ip/public. A VM's public IPv4 is a floating IP assigned to
-- it. Reserve gives a VM without one a new address; release unassigns it, and the address
-- stays reserved for the user (a floating IP of the account), as the docs say. Both answer
-- the VM, which does not show the address. A VM that has one already cannot reserve another,
-- one without cannot release: 400 {"errors": {"Error": ...}}.
local billing = require "idcloudhost.sim.billing"
local clock = require "idcloudhost.sim.clock"
local ids = require "idcloudhost.sim.ids"
local json = require "idcloudhost.sim.json"
local machine = require "idcloudhost.sim.machine"
local params = require "idcloudhost.sim.params"
local reply = require "idcloudhost.sim.reply"
local state = require "idcloudhost.sim.state"

local fip = {}

local A = json.array
local null = json.null

local function ips(slug)
  return state.collection(slug, "floating_ips")
end

-- 103.15<loc>.x.y: apart from the addresses VMs are created with.
local function allocate(slug)
  local col = ips(slug)
  while true do
    local n = state.next_id("floating_ip:" .. slug)
    local addr = string.format("103.%d.%d.%d", 150 + state.location_index(slug), math.floor((n - 1) / 250) % 256,
      2 + (n - 1) % 250)
    if not col[addr] then return addr end
  end
end

-- f: address (optional), name, billing_account_id.
function fip.new(slug, f)
  local now = clock.timestamp()
  local rec = {
    id = state.next_id("floating_ip"),
    uuid = ids.uuid4(),
    address = f.address or allocate(slug),
    name = f.name or "",
    billing_account_id = f.billing_account_id,
    created_at = now,
    updated_at = now,
  }
  ips(slug)[rec.address] = rec
  return rec
end

-- Assign to a resource: kind "virtual_machine", "load_balancer" or "service".
function fip.assign(rec, uuid, kind, private_ip)
  rec.assigned_to, rec.resource_type, rec.private_ip = uuid, kind, private_ip
  rec.updated_at = clock.timestamp()
end

function fip.unassign(rec)
  if rec.assigned_to then
    rec.assigned_to, rec.resource_type, rec.private_ip = nil, nil, nil
    rec.unassigned_at = clock.timestamp()
    rec.updated_at = rec.unassigned_at
  end
end

-- Unassigns every address assigned to the resource uuid.
function fip.release_from(slug, uuid)
  for _, rec in pairs(ips(slug)) do
    if rec.assigned_to == uuid then fip.unassign(rec) end
  end
end

function fip.view(rec)
  local v = {
    id = rec.id,
    address = rec.address,
    user_id = state.user.id,
    billing_account_id = rec.billing_account_id,
    type = "public",
    network_id = null,
    name = rec.name,
    enabled = true,
    created_at = rec.created_at,
    updated_at = rec.updated_at,
    is_deleted = false,
    is_ipv6 = false,
    is_virtual = false,
    assigned_to = rec.assigned_to or null,
    unassigned_at = rec.unassigned_at,
    uuid = rec.uuid,
  }
  if rec.assigned_to then
    v.assigned_to_resource_type = rec.resource_type
    v.assigned_to_private_ip = rec.private_ip
  end
  return v
end

---------------------------------------------------------------------------
-- Handlers
---------------------------------------------------------------------------

--- The address of the path: the record, or nil and the 404 reply (ip_assign.lua uses it too).
local function lookup(req)
  local addr = req.vars.address
  local rec = ips(req.loc)[addr]
  if not rec then return nil, reply.message(404, "Ip address " .. addr .. " was not found.") end
  return rec
end


function fip.list(req)
  local r = params.reader(req.params)
  local ba = r:int("billing_account_id")
  local vm_uuid = r:uuid("vm_uuid")
  if r:failed() then return reply.errors(r.errors) end
  local out = A()
  for _, rec in ipairs(state.list(req.loc, "floating_ips")) do
    if (ba == nil or rec.billing_account_id == ba) and (vm_uuid == nil or rec.assigned_to == vm_uuid) then
      out[#out + 1] = fip.view(rec)
    end
  end
  return reply.ok(out)
end

fip.lookup = lookup

function fip.get(req)
  local rec, err = lookup(req)
  if not rec then return err end
  return reply.ok(fip.view(rec))
end

function fip.create(req)
  local r = params.reader(req.params)
  local id = r:int("billing_account_id", true)
  local name = r:str("name", false, "")
  if r:failed() then return reply.errors(r.errors) end
  local ba, err = billing.account_for(req, id, "message")
  if not ba then return err end
  return reply.ok(fip.view(fip.new(req.loc, { name = name, billing_account_id = ba.id })))
end

function fip.update(req)
  local r = params.reader(req.params)
  local id = r:int("billing_account_id")
  local name = r:str("name")
  if r:failed() then return reply.errors(r.errors) end
  local rec, err = lookup(req)
  if not rec then return err end
  local ba
  if id ~= nil then
    ba, err = billing.account_for(req, id, "message")
    if not ba then return err end
  end
  rec.name = name or rec.name
  rec.billing_account_id = ba and ba.id or rec.billing_account_id
  rec.updated_at = clock.timestamp()
  return reply.ok(fip.view(rec))
end

function fip.delete(req)
  local rec, err = lookup(req)
  if not rec then return err end
  ips(req.loc)[rec.address] = nil
  return reply.json(200, true)
end

function fip.do_unassign(req)
  local rec, err = lookup(req)
  if not rec then return err end
  fip.unassign(rec)
  return reply.ok(fip.view(rec))
end

---------------------------------------------------------------------------
-- VMs: their public address is a floating IP; deletion leaves it reserved.
---------------------------------------------------------------------------

--- A new VM with a public IP (reserve_public_ip) gets its address as a floating IP, assigned to
-- it, named after it, billed to its account.
function fip.adopt(slug, vm)
  local addr = vm.sim.public_ipv4
  if addr and not ips(slug)[addr] then
    local rec = fip.new(slug, { address = addr, name = vm.name, billing_account_id = vm.billing_account })
    fip.assign(rec, vm.uuid, "virtual_machine", vm.private_ipv4)
  end
end

-- The floating IPs assigned to the VM, oldest first.
local function assigned(slug, uuid)
  return state.by_id(ips(slug), function(rec) return rec.assigned_to == uuid end)
end

function fip.reserve_public_ip(req)
  local vm, err = machine.lookup_idle(req)
  if not vm then return err end
  if #assigned(req.loc, vm.uuid) > 0 then
    return reply.error("Virtual machine " .. vm.uuid .. " already has a public IP address")
  end
  local rec = fip.new(req.loc, { name = vm.name, billing_account_id = vm.billing_account })
  fip.assign(rec, vm.uuid, "virtual_machine", vm.private_ipv4)
  vm.sim.public_ipv4, vm.sim.reserve_public_ip = rec.address, true
  machine.touch(vm)
  return reply.ok(machine.view(vm))
end

function fip.release_public_ip(req)
  local vm, err = machine.lookup_idle(req)
  if not vm then return err end
  local list = assigned(req.loc, vm.uuid)
  if #list == 0 then
    return reply.error("Virtual machine " .. vm.uuid .. " has no public IP address")
  end
  for _, rec in ipairs(list) do fip.unassign(rec) end
  vm.sim.public_ipv4, vm.sim.reserve_public_ip = nil, false
  machine.touch(vm)
  return reply.ok(machine.view(vm))
end

function fip.register(router)
  local L = { loc = true }
  router.add("GET", "/v1/network/ip_addresses", fip.list, L)
  router.add("POST", "/v1/network/ip_addresses", fip.create, { loc = true, slash = true }) -- the docs' request line has the slash
  router.add("GET", "/v1/network/ip_addresses/{address}", fip.get, L)
  router.add("PATCH", "/v1/network/ip_addresses/{address}", fip.update, L)
  -- The vendor's client deletes with a trailing slash (WarrenCloudPlatform/terraform-provider-warren,
  -- vendor/gitlab.com/warrenio/library/go-client/warren/network.go).
  router.add("DELETE", "/v1/network/ip_addresses/{address}", fip.delete, { loc = true, slash = true })
  -- POST .../{address}/assign is ip_assign.lua's: it assigns to VMs, load balancers and services.
  router.add("POST", "/v1/network/ip_addresses/{address}/unassign", fip.do_unassign, L)
  router.add("POST", "/v1/user-resource/vm/ip/public", fip.reserve_public_ip, L)
  router.add("DELETE", "/v1/user-resource/vm/ip/public", fip.release_public_ip, L)
end

state.dumpers.floating_ips = function(slug)
  return state.list(slug, "floating_ips", fip.view)
end

return fip
