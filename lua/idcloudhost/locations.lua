-- Locations (data centres): client.locations.
local resource = require "idcloudhost.resource"

local E = resource.endpoints("location", {
  list = { "GET", "config/locations", answer = "list:slug" },
})

local function summary(l)
  return string.format("%s %q%s", tostring(l.slug), tostring(l.display_name), l.is_default and " (default)" or "")
end

local Location = resource.model { name = "location", key = "slug", summary = summary }

local Locations = {}

--- A client for this location (client:at(location.slug)), sharing the connection pool.
function Location:client()
  return self:_client():at(self.slug)
end

return {
  new = resource.collection(Locations, { model = Location, list = E.list }),
  model = Location,
  endpoints = E,
}
