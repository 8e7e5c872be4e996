-- Floating IPs: client.floating_ips and floating IP objects (endpoints 54-60 of endpoints.md).
-- An address is the object's key: it names the floating IP in every call.
local errors = require "idcloudhost.errors"
local resource = require "idcloudhost.resource"

local A = { address = "string!" }

local E = resource.endpoints("floating_ip", {
  list     = { "GET",    "network/ip_addresses", loc = true,
    query = { billing_account_id = "integer", vm_uuid = "uuid" } },
  get      = { "GET",    "network/ip_addresses/{address}", loc = true, path = A },
  create   = { "POST",   "network/ip_addresses", loc = true, billed = true,
    json = { name = "string", billing_account_id = "integer" } },
  update   = { "PATCH",  "network/ip_addresses/{address}", loc = true, path = A,
    json = { name = "string", billing_account_id = "integer" } },
  delete   = { "DELETE", "network/ip_addresses/{address}", loc = true, path = A },
  assign   = { "POST",   "network/ip_addresses/{address}/assign", loc = true, path = A,
    json = { vm_uuid = "uuid!" } },
  unassign = { "POST",   "network/ip_addresses/{address}/unassign", loc = true, path = A },
})

local function summary(ip)
  local to = ip.assigned_to and ("assigned to " .. tostring(ip.assigned_to_resource_type or "resource") .. " "
    .. tostring(ip.assigned_to)) or "unassigned"
  return string.format("%s %q %s", tostring(ip.address), tostring(ip.name), to)
end

local FloatingIP = resource.model { name = "floating_ip", key = "address", summary = summary }

-- An IPv4 or IPv6 address: it becomes a path segment, so anything else is refused here.
local function check_address(what, address)
  if type(address) ~= "string" or not address:find("^[%x.:]+$") or not address:find("[.:]") then
    return nil, errors.invalid(what .. ": expected an IP address like 1.1.1.1, got " .. tostring(address), "address")
  end
  return address
end

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
  return resource.wrap_list(FloatingIP, self.client, self.client:call(E.list, p))
end

--- One floating IP by address.
function FloatingIPs:get(address)
  local a, err = check_address("floating_ip:get", address)
  if not a then return nil, err end
  return resource.wrap(FloatingIP, self.client, self.client:call(E.get, { address = a }))
end

--- Reserves a new address {billing_account_id = ..., name = ...}; it starts unassigned.
function FloatingIPs:create(params)
  return resource.wrap(FloatingIP, self.client, self.client:call(E.create, params))
end

------------------------------------------------------------------------------------------------
-- Floating IP objects

--- Fetches the floating IP again and updates this object in place.
function FloatingIP:reload()
  return self:_apply(self:_call(E.get, { address = self.address }))
end

--- Changes name and/or billing_account_id; answers the floating IP, updated in place.
function FloatingIP:update(params)
  if type(params) ~= "table" or next(params) == nil then
    return nil, errors.invalid("floating_ip:update: give at least one of name, billing_account_id")
  end
  return self:_apply(self:_call(E.update, self:_params(params)))
end

--- Assigns the address to a VM (a VM object or its uuid), moving it from wherever it was.
function FloatingIP:assign(vm)
  local uuid, err = resource.uuid_of("floating_ip:assign", "vm", vm)
  if not uuid then return nil, err end
  return self:_apply(self:_call(E.assign, { address = self.address, vm_uuid = uuid }))
end

--- Takes the address off its VM; it stays reserved (and billed).
function FloatingIP:unassign()
  return self:_apply(self:_call(E.unassign, { address = self.address }))
end

--- Releases the address for good.  Returns true.
function FloatingIP:delete()
  local ok, err = self:_call(E.delete, { address = self.address })
  if ok == nil then return nil, err end
  return true
end

return {
  new = resource.collection(FloatingIPs),
  model = FloatingIP,
  endpoints = E,
}
