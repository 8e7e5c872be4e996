-- Private networks: client.networks and network objects (endpoints 48-53 of endpoints.md).
local json = require "idcloudhost.json"
local resource = require "idcloudhost.resource"

local E = resource.endpoints("network", {
  list         = { "GET",    "network/networks", loc = true },
  get          = { "GET",    "network/network/{uuid}", loc = true, path = { uuid = "uuid!" } },
  -- The name travels in the query string and the request has no body.
  create       = { "POST",   "network/network", loc = true, query = { name = "string!" } },
  default      = { "POST",   "network/network", loc = true },
  delete       = { "DELETE", "network/network/{uuid}", loc = true, path = { uuid = "uuid!" } },
  make_default = { "PUT",    "network/network/{uuid}/default", loc = true, path = { uuid = "uuid!" } },
  rename       = { "PATCH",  "network/network/{uuid}", loc = true, path = { uuid = "uuid!" },
    json = { name = "string!" } },
})

local function summary(net)
  local n = type(net.vm_uuids) == "table" and #net.vm_uuids or 0
  return string.format("%s %q %s%s(%d VM%s)", tostring(net.uuid), tostring(net.name), tostring(net.subnet),
    net.is_default and " default " or " ", n, n == 1 and "" or "s")
end

local Network = resource.model { name = "network", key = "uuid", summary = summary }

-- The platform answers an unknown network with 400 "Network UUID is invalid.": that is a not-found.
local function mark(data, err)
  if data == nil and err and err.status == 400 and err.message == "Network UUID is invalid." then
    err.not_found = true
  end
  return data, err
end

------------------------------------------------------------------------------------------------
-- client.networks

local Networks = {}

--- All private networks of the client's location.
function Networks:list()
  return resource.wrap_list(Network, self.client, self.client:call(E.list))
end

--- One network by uuid.
function Networks:get(uuid)
  return resource.wrap(Network, self.client, mark(self.client:call(E.get, { uuid = uuid })))
end

--- Creates a network {name = ...}; the first network of a location becomes its default.
function Networks:create(params)
  return resource.wrap(Network, self.client, self.client:call(E.create, params))
end

--- The default network, created (as "Default network") when the location has none.
function Networks:default()
  return resource.wrap(Network, self.client, self.client:call(E.default))
end

------------------------------------------------------------------------------------------------
-- Network objects

--- Fetches the network again and updates this object in place.
function Network:reload()
  return self:_apply(mark(self:_call(E.get, { uuid = self.uuid })))
end

--- Renames the network; answers the network, updated in place.
function Network:rename(name)
  return self:_apply(mark(self:_call(E.rename, { uuid = self.uuid, name = name })))
end

--- Makes this the default network of its location (the others stop being default).
function Network:make_default()
  return self:_apply(mark(self:_call(E.make_default, { uuid = self.uuid })))
end

--- Deletes the network (only an empty network that is not the default).  Returns true.
function Network:delete()
  local ok, err = mark(self:_call(E.delete, { uuid = self.uuid }))
  if ok == nil then return nil, err end
  return true
end

--- The VM objects behind vm_uuids (as this object last saw them), in that order.
-- VMs deleted since are left out.  One request: the location's VM list.
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
