-- Strings the platform nests as JSON inside its JSON answers (a card's additional_data, an
-- invoice's account_snapshot...): decoded into tables where they parse, kept as strings where
-- they do not (some are Python reprs, like "{'type': 'paying_by_invoice'}").
local lazy = require "idcloudhost.lazy"
local json = lazy "idcloudhost.json"

local nested = {}

--- Decodes, in place, the named fields of t that hold JSON objects or arrays.  Returns t.
function nested.decode(t, fields)
  if type(t) ~= "table" then return t end
  for _, k in ipairs(fields) do
    local v = t[k]
    if type(v) == "string" and v:find("^%s*[{%[]") then
      local decoded = json.decode(v)
      if type(decoded) == "table" then t[k] = decoded end
    end
  end
  return t
end

--- nested.decode on every item of a list.  Returns the list.
function nested.decode_each(list, fields)
  if type(list) ~= "table" then return list end
  for _, item in ipairs(list) do nested.decode(item, fields) end
  return list
end

return nested
