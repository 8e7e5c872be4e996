-- Floating IPs: client.floating_ips and floating IP objects.  An address is the object's key: it
-- names the floating IP in every call, so it is checked to be an IPv4 or IPv6 address before it
-- becomes a path segment.
local errors = require "idcloudhost.errors"
local pipeline = require "idcloudhost.pipeline"
local resource = require "idcloudhost.resource"

local A = { address = "ip!" }
local FIP = "object:address"

local E = resource.endpoints("floating_ip", {
  list     = { "GET",    "network/ip_addresses", loc = true, answer = "list:address",
    query = { billing_account_id = "integer", vm_uuid = "uuid" } },
  get      = { "GET",    "network/ip_addresses/{address}", loc = true, path = A, answer = FIP },
  create   = { "POST",   "network/ip_addresses", loc = true, billed = true, answer = FIP,
    json = { name = "string", billing_account_id = "integer" } },
  update   = { "PATCH",  "network/ip_addresses/{address}", loc = true, path = A, answer = FIP,
    json = { name = "string", billing_account_id = "integer" } },
  -- Answers an empty 200 (the docs) or the body `true` (live).
  delete   = { "DELETE", "network/ip_addresses/{address}", loc = true, path = A, answer = "success" },
  assign   = { "POST",   "network/ip_addresses/{address}/assign", loc = true, path = A, answer = FIP,
    json = { vm_uuid = "uuid!" } },
  unassign = { "POST",   "network/ip_addresses/{address}/unassign", loc = true, path = A, answer = FIP },
})

local function summary(ip)
  local to = ip.assigned_to and ("assigned to " .. tostring(ip.assigned_to_resource_type or "resource") .. " "
    .. tostring(ip.assigned_to)) or "unassigned"
  return string.format("%s %q %s", tostring(ip.address), tostring(ip.name), to)
end

local FloatingIP = resource.model { name = "floating_ip", key = "address", get = E.get, summary = summary }

------------------------------------------------------------------------------------------------
-- client.floating_ips

local FloatingIPs = {}

--- Floating IPs of the client's location; opts: billing_account_id, vm_uuid (a VM or its uuid).
function FloatingIPs:list(opts)
  local p = opts
  if type(opts) == "table" and type(opts.vm_uuid) == "table" then
    p = {}
    for k, v in pairs(opts) do p[k] = v end
    local err
    p.vm_uuid, err = resource.uuid_of("floating_ip:list", "vm_uuid", opts.vm_uuid)
    if not p.vm_uuid then return nil, err end
  end
  return resource.wrap_list(FloatingIP, self.client, pipeline.call(self.client, E.list, p))
end

--- Reserves a new address {billing_account_id = ..., name = ...}; it starts unassigned.
function FloatingIPs:create(params)
  return resource.wrap(FloatingIP, self.client, pipeline.call(self.client, E.create, params))
end

------------------------------------------------------------------------------------------------
-- Floating IP objects

--- Changes name and/or billing_account_id; answers the floating IP, updated in place.
function FloatingIP:update(params)
  if type(params) ~= "table" or next(params) == nil then
    return nil, errors.invalid("floating_ip:update: give at least one of name, billing_account_id")
  end
  return self:_apply(self:_call(E.update, params))
end

--- Assigns the address to a VM (a VM object or its uuid), moving it from wherever it was.
function FloatingIP:assign(vm)
  local uuid, err = resource.uuid_of("floating_ip:assign", "vm", vm)
  if not uuid then return nil, err end
  return self:_apply(self:_call(E.assign, nil, { vm_uuid = uuid }))
end

--- Takes the address off its VM; it stays reserved (and billed).
function FloatingIP:unassign(opts)
  return self:_apply(self:_call(E.unassign, opts))
end

--- Releases the address for good.  Returns true.
function FloatingIP:delete(opts)
  return resource.success(self:_call(E.delete, opts))
end

return {
  new = resource.collection(FloatingIPs, { model = FloatingIP, get = E.get }),
  model = FloatingIP,
  endpoints = E,
}
