-- Finding a family's objects by name and owner: client.<family>:find{name =, owner =,
-- all_locations =}.  Generic over every family whose collection has a `list`: a family declared
-- with `resource.lister` gets it by declaration.
local lazy = require "idcloudhost.lazy"
local check = lazy "idcloudhost.call.check"
local errors = lazy "idcloudhost.call.errors"
local resource = require "idcloudhost.families.kit.resource"

local find = {}

local OPTS = { name = "string", owner = "string", unowned = "boolean", all_locations = "boolean" }

--- Does obj match opts (name: the name it was given; owner: its mark; unowned: no mark)?
function find.matches(obj, o)
  if type(obj) ~= "table" or obj.deleted then return false end
  if o.name ~= nil and resource.given_name(obj) ~= o.name then return false end
  if o.owner ~= nil and obj.owner ~= o.owner then return false end
  if o.unowned and obj.owner ~= nil then return false end
  return true
end

--- What family `name` declares (families/<name>.lua: {new =, model =, endpoints =}), or {}.
function find.family(name)
  local ok, mod = pcall(require, "idcloudhost.families." .. tostring(name))
  return ok and type(mod) == "table" and mod or {}
end

--- The field holding the name a family's resources are given ("name", a load balancer's
-- "display_name", ...): its model's name_field.
function find.name_field(name)
  local model = find.family(name).model
  local M = model and resource.meta(model)
  return M and M.name_field or "name"
end

-- Is a family kept per location?  Its list endpoint says (`loc`): buckets, SSH keys and
-- services belong to the account and are listed once.
local function located(family)
  local E = find.family(family).endpoints
  local ep = type(E) == "table" and E.list
  return type(ep) ~= "table" or ep.loc == true
end

--- Every object of coll's family matching opts, in the client's location or, with all_locations,
-- in every location (each with `location`).  Returns a list, or nil, err.
function find.find(coll, opts)
  local what = tostring(coll.family or "collection") .. ":find"
  local o, err = check.params(what, OPTS, opts)
  if not o then return nil, err end
  if o.owner ~= nil and o.unowned then
    return nil, errors.invalid(what .. ": owner and unowned exclude each other", "unowned")
  end
  if type(coll.list) ~= "function" then
    return nil, errors.invalid(what .. ": this family has no list to find in")
  end
  local list
  if o.all_locations and coll.family and located(coll.family) then
    list, err = coll.client:collect_locations(coll.family)
  else
    list, err = coll:list()
  end
  if not list then return nil, err end
  local out = {}
  for _, obj in ipairs(list) do
    if find.matches(obj, o) then out[#out + 1] = obj end
  end
  return out
end

return find
