--- Private networks: client.networks and network objects.
-- docs/endpoints.md maps its endpoints to these methods.
-- @module idcloudhost.families.networks
local lazy = require "idcloudhost.lazy"
local json = lazy "idcloudhost.json"
local resource = require "idcloudhost.families.kit.resource"

local U = { uuid = "uuid!" }
local NET = "object:uuid"

local E = resource.endpoints("network", {
  list         = { "GET",    "network/networks", loc = true, answer = "list:uuid" },
  get          = { "GET",    "network/network/{uuid}", loc = true, path = U, answer = NET },
  -- The name travels in the query string and the request has no body.
  create       = { "POST",   "network/network", loc = true, query = { name = "string!" }, answer = NET },
  default      = { "POST",   "network/network", loc = true, answer = NET },
  -- Answers 204 (the docs) or 200 (live).
  delete       = { "DELETE", "network/network/{uuid}", loc = true, path = U, answer = "success" },
  make_default = { "PUT",    "network/network/{uuid}/default", loc = true, path = U, answer = NET },
  rename       = { "PATCH",  "network/network/{uuid}", loc = true, path = U, json = { name = "string!" }, answer = NET },
})

local function summary(net)
  local n = type(net.vm_uuids) == "table" and #net.vm_uuids or 0
  return string.format("%s %q %s%s(%d VM%s)", tostring(net.uuid), tostring(net.name), tostring(net.subnet),
    net.is_default and " default " or " ", n, n == 1 and "" or "s")
end

local Network = resource.model { name = "network", key = "uuid", get = E.get, summary = summary }

-- ---------------------------------------------------------------------------------------------
-- client.networks (an unknown network is 400 "Network UUID is invalid.": a not_found error)

--- client.networks: the private networks of the client's location.  An unknown network is
-- `400 Network UUID is invalid.` on the platform: the SDK marks that error not_found.
-- @type client.networks

local Networks = {}

--- A network object holding only its uuid, made without a request (by the kit:
-- resource.referrer): a call on it (`client.networks:ref(uuid):...`) is one request, and obj:reload()
-- fetches the rest.
-- @function client.networks:ref
-- @tparam string uuid the network's uuid
-- @treturn network the object
-- @errors invalid (a malformed uuid)
Networks.ref = resource.referrer(Network)

--- Creates a network {name = ...}; the first network of a location becomes its default.
-- @function client.networks:create
-- @tparam table params
-- @tparam string params.name the network's name
-- @treturn network the new network
-- @errors invalid, api, network, timeout (err.uncertain), decode
function Networks:create(params)
  return resource.wrap(Network, self.client, self:_call(E.create, params))
end

--- The default network, created (as "Default network") when the location has none.
-- @function client.networks:default
-- @treturn network the default network
-- @errors invalid, api, network, timeout, decode
function Networks:default()
  return resource.wrap(Network, self.client, self:_call(E.default))
end

-- ---------------------------------------------------------------------------------------------
-- Network objects

--- All networks of the client's location.
-- Made by `resource.lister` (families/kit/resource.lua) from this family's list endpoint.
-- @function client.networks:list
-- @treturn {network,...} the networks
-- @errors invalid, api, network, timeout, decode
Networks.list = resource.lister(Network, E.list)

--- One network by uuid.
-- Made by `resource.getter` (families/kit/resource.lua) from this family's get endpoint.
-- @function client.networks:get
-- @tparam string uuid the network's uuid
-- @treturn network the network
-- @errors invalid, api (not_found), network, timeout, decode
Networks.get = resource.getter(Network, E.get)

--- A private network.  `tostring(net)` is `network 2e8cd389-... "backend" 10.1.104.0/24 default (2 VMs)`.
-- @type network

--- A network's fields, as the platform sends them (GET network/network/{uuid}).
-- @table fields
-- @tfield string uuid the network's id
-- @tfield string name its name
-- @tfield string subnet its IPv4 subnet, "10.1.104.0/24"
-- @tfield[opt] string subnet_ipv6 its IPv6 subnet (elastis edition)
-- @tfield boolean is_default the location's default network (VMs made without network_uuid land in it)
-- @tfield string type "private"
-- @tfield integer vlan_id (docs only: the field leaves it out)
-- @tfield table vm_uuids the uuids of its VMs
-- @tfield integer resources_count how many resources it holds
-- @tfield string created_at "2021-06-29 08:22:52"
-- @tfield string updated_at

--- Fetches the network again and updates this object in place.
-- Made by the kit: `Base:reload` in families/kit/resource.lua (the model's `get` endpoint).
-- @function network:reload
-- @treturn network the network
-- @errors invalid, api (not_found), network, timeout, decode

--- Renames the network; answers the network, updated in place.
-- @function network:rename
-- @tparam string name the new name
-- @treturn network the network, updated in place
-- @errors invalid, api, network, timeout, decode
function Network:rename(name)
  return self:_apply(self:_call(E.rename, nil, { name = name }))
end

--- Makes this the default network of its location (the others stop being default).
-- @function network:make_default
-- @treturn network the network, updated in place
-- @errors invalid, api, network, timeout, decode
function Network:make_default(opts)
  return self:_apply(self:_call(E.make_default, opts))
end

--- Deletes the network (only an empty network that is not the default).  Returns true.
-- @function network:delete
-- @treturn boolean true
-- @errors invalid, api, network, timeout, decode
function Network:delete(opts)
  return resource.success(self:_call(E.delete, opts))
end

--- The VM objects behind vm_uuids (as this object last saw them), in that order.
-- VMs deleted since are left out.  One request: the location's VM list.
-- @function network:vms
-- @treturn {vm,...} its VMs
-- @errors invalid, api, network, timeout, decode
function Network:vms()
  local list, err = self:_client().vms:list()
  if not list then return nil, err end
  local by_uuid = {}
  for _, vm in ipairs(list) do by_uuid[vm.uuid] = vm end
  local out = json.array()
  for _, uuid in ipairs(self.vm_uuids or {}) do
    out[#out + 1] = by_uuid[uuid]
  end
  return out
end

return {
  new = resource.collection(Networks),
  model = Network,
  endpoints = E,
}
