-- The one way to declare endpoints, resource objects and the collections that hand them out.
--
--   local E = resource.endpoints("vm", {
--     stop = { "POST", "user-resource/vm/stop", loc = true, form = { uuid = "uuid!", force = "boolean" } },
--   })
--   function VM:stop(opts) return self:_apply(self:_call(E.stop, { uuid = self.uuid, force = ... })) end
--
-- An endpoint names its method, its path after /v1/ ({name} parts come from parameters), whether
-- it lives in a location (loc), where each parameter travels (path, query, form or json), and
-- whether an omitted billing_account_id means the account's default one (billed).
local check = require "idcloudhost.check"
local errors = require "idcloudhost.errors"
local json = require "idcloudhost.json"

local resource = {}

local PLACES = { "path", "query", "form", "json" }

--- Builds one endpoint description from its declaration.
function resource.endpoint(name, decl)
  local ep = { name = name, method = decl[1], path = decl[2], loc = decl.loc or false,
    billed = decl.billed or false, specs = {}, where = {} }
  for _, place in ipairs(PLACES) do
    for k, spec in pairs(decl[place] or {}) do
      assert(not ep.specs[k], name .. ": parameter declared twice: " .. k)
      ep.specs[k], ep.where[k] = spec, place
    end
    if (place == "form" or place == "json") and decl[place] then ep.body = place end
  end
  for part in ep.path:gmatch("{([%w_]+)}") do
    assert(ep.where[part] == "path", name .. ": {" .. part .. "} needs a path parameter")
  end
  return ep
end

--- Declares a family's endpoints; each is named "<prefix>:<key>" in error messages.
function resource.endpoints(prefix, decls)
  local out = {}
  for key, decl in pairs(decls) do out[key] = resource.endpoint(prefix .. ":" .. key, decl) end
  return out
end

------------------------------------------------------------------------------------------------
-- Objects: plain tables holding the API's fields, with methods from their model.
-- The client an object belongs to is kept aside, so pairs(obj) shows only API data.

local owner = setmetatable({}, { __mode = "k" })

local Base = {}

--- The client this object came from.
function Base:_client()
  return owner[self]
end

--- Runs an endpoint through the object's client.
function Base:_call(ep, params, opts)
  return owner[self]:call(ep, params, opts)
end

--- The parameters of a call on this object: a copy of the caller's options plus the object's key.
-- Options that the endpoint does not know are then refused by the checks, typos included.
function Base:_params(opts)
  local key = getmetatable(self).key
  local p = {}
  if type(opts) == "table" then
    for k, v in pairs(opts) do p[k] = v end
  elseif opts ~= nil then
    p[1] = opts -- refused by the checks as an unknown parameter, with the call's name
  end
  p[key] = self[key]
  return p
end

--- Replaces the object's fields with data (in place: references to it stay valid).
function Base:_update(data)
  local location = rawget(self, "location") -- our tag (see client:collect_locations), not API data
  for k in pairs(self) do self[k] = nil end
  for k, v in pairs(data) do self[k] = v end
  if self.location == nil then self.location = location end
  return self
end

--- For calls that answer with this object: update in place and return self, or pass on nil, err.
-- An answer that is not the object (say {"success": true}) leaves the fields as they are.
function Base:_apply(data, err)
  if data == nil then return nil, err end
  local key = getmetatable(self).key
  if type(data) == "table" and data[key] ~= nil then self:_update(data) end
  return self
end

--- For calls that answer {"success": true}: true, or nil, err.
function resource.success(data, err)
  if data == nil then return nil, err end
  if type(data) == "table" and data.success == false then
    return nil, errors.new { kind = "api", message = "the platform answered success = false" }
  end
  return true
end

--- A model: the metatable of one kind of object.
-- spec: name, key (the identifying field), summary (a function giving the tostring text).
function resource.model(spec)
  local M = { __name = "idcloudhost." .. spec.name, kind = spec.name, key = spec.key or "uuid",
    summary = spec.summary }
  M.__index = function(_, k)
    local m = M[k]
    if m ~= nil then return m end
    return Base[k]
  end
  M.__tostring = function(self)
    local s = M.summary and M.summary(self) or tostring(self[M.key])
    return M.kind .. " " .. s
  end
  return M
end

--- Wraps decoded data as an object of model M owned by client; nil, err passes through.
function resource.wrap(M, client, data, err)
  if data == nil then return nil, err end
  if type(data) ~= "table" then return data end
  owner[data] = client
  return setmetatable(data, M)
end

--- Wraps a list answer (nil, err passes through).  The list is a plain array of objects.
function resource.wrap_list(M, client, data, err)
  if data == nil then return nil, err end
  if type(data) ~= "table" then
    return nil, errors.new { kind = "decode", message = "expected a list, got " .. type(data) }
  end
  local out = json.array()
  for i, item in ipairs(data) do out[i] = resource.wrap(M, client, item) end
  return out
end

--- The uuid of an object or a uuid string, checked; for "a VM or its uuid" arguments.
function resource.uuid_of(what, name, v)
  if type(v) == "table" then v = v.uuid end
  return check.value(what, name, "uuid!", v)
end

--- A collection: client.vms and friends.  methods get `self.client`.
function resource.collection(methods)
  local mt = { __index = methods }
  return function(client)
    return setmetatable({ client = client }, mt)
  end
end

return resource
