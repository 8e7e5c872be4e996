-- Locations (data centres): client.locations (endpoint 7 of endpoints.md).
local resource = require "idcloudhost.resource"

local E = resource.endpoints("location", {
  list = { "GET", "config/locations" },
})

local function summary(l)
  return string.format("%s %q%s", tostring(l.slug), tostring(l.display_name), l.is_default and " (default)" or "")
end

local Location = resource.model { name = "location", key = "slug", summary = summary }

local Locations = {}

--- Every location: objects with slug, display_name, is_default, is_preferred, country_code...
function Locations:list()
  return resource.wrap_list(Location, self.client, self.client:call(E.list))
end

--- A client for this location (client:at(location.slug)), sharing the connection pool.
function Location:client()
  return self:_client():at(self.slug)
end

return {
  new = resource.collection(Locations),
  model = Location,
  endpoints = E,
}
