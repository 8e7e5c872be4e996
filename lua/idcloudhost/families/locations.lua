--- Locations (data centres): client.locations.
-- docs/endpoints.md maps its endpoints to these methods.
-- @module idcloudhost.families.locations
local resource = require "idcloudhost.families.kit.resource"

local E = resource.endpoints("location", {
  list = { "GET", "config/locations", answer = "list:slug" },
})

local function summary(l)
  return string.format("%s %q%s", tostring(l.slug), tostring(l.display_name), l.is_default and " (default)" or "")
end

local Location = resource.model { name = "location", key = "slug", summary = summary }

--- client.locations: the platform's locations (data centres).
-- @type client.locations

local Locations = {}

--- A location object holding only its slug, made without a request (by the kit:
-- resource.referrer): a call on it (`client.locations:ref(slug):...`) is one request, and obj:reload()
-- fetches the rest.
-- @function client.locations:ref
-- @tparam string slug the location's slug
-- @treturn location the object
-- @errors invalid (a malformed slug)
Locations.ref = resource.referrer(Location)

--- Every location of the platform.
-- Made by `resource.lister` (families/kit/resource.lua) from this family's list endpoint.
-- @function client.locations:list
-- @treturn {location,...} the locations
-- @errors invalid, api, network, timeout, decode
Locations.list = resource.lister(Location, E.list)

--- A location.  `tostring(loc)` is `location cyc01 "Cycletown" (default)`.
-- @type location

--- A location's fields, as the platform sends them (GET config/locations).
-- @table fields
-- @tfield string slug its slug, "cyc01": what client:at and the location option take
-- @tfield string display_name "Jakarta"
-- @tfield string description
-- @tfield boolean is_default the account's default location (calls without a slug go there)
-- @tfield boolean is_preferred
-- @tfield string country_code
-- @tfield integer order_nr

--- Not available: the platform has no call that fetches one (locations are listed with client.locations:list()).
-- It returns an `invalid` error, as every object's reload does when its model has none.
-- Made by the kit: `Base:reload` in families/kit/resource.lua (the model's `get` endpoint).
-- @function location:reload

--- A client for this location (client:at(location.slug)), sharing the connection pool.
-- @function location:client
-- @treturn client a client of this location
-- @errors invalid
function Location:client()
  return self:_client():at(self.slug)
end

return {
  new = resource.collection(Locations),
  model = Location,
  endpoints = E,
}
