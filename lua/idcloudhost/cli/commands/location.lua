-- idcloudhost location: the platform's locations (client.locations).
local family = require "idcloudhost.cli.family"

local fam = { name = "location", kind = "location", collection = "locations", key = "slug", located = false,
  is_key = function() return false end, name_field = "slug", summary = "the platform's locations",
  columns = { "slug", "display_name", "is_default", "country_code" } }

fam.verbs = { "list" }

local node = family.new(fam)
node.family = fam
return node
