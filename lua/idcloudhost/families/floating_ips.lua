--- Floating IPs: client.floating_ips and floating IP objects.  An address is the object's key: it
-- names the floating IP in every call, so it is checked to be an IPv4 or IPv6 address before it
-- becomes a path segment.
-- docs/endpoints.md maps its endpoints to these methods.
-- @module idcloudhost.families.floating_ips
local lazy = require "idcloudhost.lazy"
local check = lazy "idcloudhost.call.check"
local errors = lazy "idcloudhost.call.errors"
local resource = require "idcloudhost.families.kit.resource"

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
  -- A VM by vm_uuid (the docs); a load balancer or a service by assigned_to and
  -- assigned_to_resource_type (what live clients send: the docs show no way).
  assign   = { "POST",   "network/ip_addresses/{address}/assign", loc = true, path = A, answer = FIP,
    json = { vm_uuid = "uuid", assigned_to = "uuid", assigned_to_resource_type = "string" } },
  unassign = { "POST",   "network/ip_addresses/{address}/unassign", loc = true, path = A, answer = FIP },
})

local function summary(ip)
  local to = ip.assigned_to and ("assigned to " .. tostring(ip.assigned_to_resource_type or "resource") .. " "
    .. tostring(ip.assigned_to)) or "unassigned"
  return string.format("%s %q %s", tostring(ip.address), tostring(ip.name), to)
end

local FloatingIP = resource.model { name = "floating_ip", key = "address", get = E.get, summary = summary,
  mark = { name = "name" } }

-- ---------------------------------------------------------------------------------------------
-- client.floating_ips

--- client.floating_ips: the floating (public) IP addresses of the client's location.  A VM's
-- public address is a floating IP: it stays reserved, and billed, until deleted.
-- @type client.floating_ips

local FloatingIPs = {}

--- A floating ip object holding only its address, made without a request (by the kit: resource.referrer): a call on it
-- (`client.floating_ips:ref(address):...`) is one request, and obj:reload() fetches the rest.
-- @function client.floating_ips:ref
-- @tparam string address the IP address
-- @treturn floating_ip the object
-- @errors invalid (a malformed address)
FloatingIPs.ref = resource.referrer(FloatingIP)

--- Floating IPs of the client's location; opts: billing_account_id, vm_uuid (a VM or its uuid).
-- @function client.floating_ips:list
-- @tparam[opt] table opts
-- @tparam[opt] integer opts.billing_account_id only those billed to this account
-- @tparam[opt] vm|string opts.vm_uuid only those assigned to this VM (a VM or its uuid)
-- @treturn {floating_ip,...} the floating IPs
-- @errors invalid, api, network, timeout, decode
function FloatingIPs:list(opts)
  local perr
  opts, perr = check.plain("floating_ip:list", opts, E.list.specs)
  if perr then return nil, perr end
  local p = opts
  if type(opts) == "table" and type(opts.vm_uuid) == "table" then
    p = {}
    for k, v in pairs(opts) do p[k] = v end
    local err
    p.vm_uuid, err = check.uuid_of("floating_ip:list", "vm_uuid", opts.vm_uuid)
    if not p.vm_uuid then return nil, err end
  end
  return resource.wrap_list(FloatingIP, self.client, self:_call(E.list, p))
end

--- Reserves a new address {billing_account_id = ..., name = ...}; it starts unassigned.
-- @function client.floating_ips:create
-- @tparam[opt] table params
-- @tparam[opt] string params.name
-- @tparam[opt] integer params.billing_account_id default: the account's default billing account
-- @treturn floating_ip the new floating IP, unassigned
-- @errors invalid, api, network, timeout (err.uncertain), decode
function FloatingIPs:create(params)
  local p, err = resource.marked(FloatingIP, params, E.create)
  if err then return nil, err end
  return resource.wrap(FloatingIP, self.client, self:_call(E.create, p))
end

-- ---------------------------------------------------------------------------------------------
-- Floating IP objects

--- One floating IP by its address.
-- Made by `resource.getter` (families/kit/resource.lua) from this family's get endpoint.
-- @function client.floating_ips:get
-- @tparam string address an IPv4 or IPv6 address
-- @treturn floating_ip the floating IP
-- @errors invalid, api (not_found), network, timeout, decode
FloatingIPs.get = resource.getter(FloatingIP, E.get)

--- A floating IP address; the address is its key.  `tostring(ip)` is
-- `floating_ip 103.151.0.2 "web" assigned to virtual_machine 5aea1842-...`.
-- @type floating_ip

--- A floating IP's fields, as the platform sends them (GET network/ip_addresses/{address}).
-- @table fields
-- @tfield string address the IPv4 or IPv6 address, the key of every call
-- @tfield string name its name
-- @tfield integer id
-- @tfield[opt] string uuid (the field shows one; the docs do not)
-- @tfield string type "public"
-- @tfield boolean enabled
-- @tfield integer billing_account_id the billing account it is billed to
-- @tfield[opt] string assigned_to the uuid of the VM, load balancer or service it is assigned to; null when unassigned
-- @tfield[opt] string assigned_to_resource_type "virtual_machine", "load_balancer" or "service"
-- @tfield[opt] string assigned_to_private_ip the private address it maps to (elastis edition)
-- @tfield[opt] boolean is_deleted (elastis edition)
-- @tfield[opt] boolean is_virtual (elastis edition)
-- @tfield[opt] boolean is_ipv6 (the field shows it; the docs do not)
-- @tfield[opt] string unassigned_at when it was last unassigned (the field)
-- @tfield[opt] integer network_id null in the docs
-- @tfield integer user_id the owner's user id
-- @tfield string created_at "2019-10-31 10:52:19"
-- @tfield string updated_at

--- Fetches the floating IP again and updates this object in place.
-- Made by the kit: `Base:reload` in families/kit/resource.lua (the model's `get` endpoint).
-- @function floating_ip:reload
-- @treturn floating_ip the floating IP
-- @errors invalid, api (not_found), network, timeout, decode

--- Changes name and/or billing_account_id; answers the floating IP, updated in place.
-- @function floating_ip:update
-- @tparam table params
-- @tparam[opt] string params.name
-- @tparam[opt] integer params.billing_account_id
-- @treturn floating_ip the floating IP, updated in place
-- @errors invalid, api, network, timeout, decode
function FloatingIP:update(params)
  if type(params) ~= "table" or next(params) == nil then
    return nil, errors.invalid("floating_ip:update: give at least one of name, billing_account_id")
  end
  if type(params.name) == "string" then -- the owner mark kept
    local p = {}
    for k, v in pairs(params) do p[k] = v end
    p.name = resource.remarked(self, params.name)
    params = p
  end
  return self:_apply(self:_call(E.update, params))
end

-- The resource types an address can be assigned to, by the kind of the SDK's object.
local TARGETS = { load_balancer = "load_balancer", service = "service" }

--- Assigns the address to a VM, a load balancer or a managed service, moving it from wherever
-- it was.  A VM (or a uuid alone, which means a VM) is sent as `vm_uuid`; a load balancer or a
-- service object as `assigned_to` with `assigned_to_resource_type` ("load_balancer", "service"),
-- as live clients send them.  Anything else is refused before sending.
-- @function floating_ip:assign
-- @tparam vm|load_balancer|service|string target a VM, a load balancer, a service, or a VM's uuid
-- @treturn floating_ip the floating IP, updated in place
-- @errors invalid, api, network, timeout, decode
function FloatingIP:assign(target)
  local what = "floating_ip:assign"
  local M = type(target) == "table" and getmetatable(target)
  if type(M) ~= "table" or type(rawget(M, "kind")) ~= "string" or rawget(M, "__name") ~= "idcloudhost." .. M.kind then
    M = nil
  end
  if type(target) == "table" and not (M and (M.kind == "vm" or TARGETS[M.kind])) then
    return nil, errors.invalid(what .. ": expected a VM, a load balancer, a service or a VM's uuid, got "
      .. (M and ("a " .. M.kind) or "a table"), "target")
  end
  local uuid, err = check.uuid_of(what, "target", target)
  if not uuid then return nil, err end
  if M and TARGETS[M.kind] then
    return self:_apply(self:_call(E.assign, nil, { assigned_to = uuid, assigned_to_resource_type = TARGETS[M.kind] }))
  end
  return self:_apply(self:_call(E.assign, nil, { vm_uuid = uuid }))
end

--- Takes the address off its VM; it stays reserved (and billed).
-- @function floating_ip:unassign
-- @treturn floating_ip the floating IP, updated in place
-- @errors invalid, api, network, timeout, decode
function FloatingIP:unassign(opts)
  return self:_apply(self:_call(E.unassign, opts))
end

--- Releases the address for good.  Returns true.
-- @function floating_ip:delete
-- @treturn boolean true
-- @errors invalid, api, network, timeout, decode
function FloatingIP:delete(opts)
  return resource.success(self:_call(E.delete, opts))
end

return {
  new = resource.collection(FloatingIPs),
  model = FloatingIP,
  endpoints = E,
}
