-- Objects the platform reads only in a list (SSH keys, firewalls: no GET by uuid): one is found in
-- the list, by its uuid or, where the model allows it, by its name.
--
--   function Keys:get(id) return listed.get(self, Key, E.list, id, "name") end
--   function Key:reload() return listed.reload(self, E.list) end
local lazy = require "idcloudhost.lazy"
local check = lazy "idcloudhost.call.check"
local errors = lazy "idcloudhost.call.errors"
local pipeline = lazy "idcloudhost.call.pipeline"
local resource = require "idcloudhost.families.kit.resource"

local listed = {}

-- The item of list whose uuid (or, with by_name, whose name field) is id.
local function find(list, id, by_name)
  local uuid = check.is_uuid(id) and id:lower()
  for _, item in ipairs(list) do
    if type(item) == "table" then
      if uuid and type(item.uuid) == "string" and item.uuid:lower() == uuid then return item end
      if by_name and not uuid and item[by_name] == id then return item end
    end
  end
end

local function missing(what, kind, id)
  return errors.new { kind = "api", not_found = true,
    message = string.format("%s: no %s %q (its list does not hold it)", what, kind, tostring(id)) }
end

--- coll:get(id): the object of model `methods` whose uuid is id (or whose by_name field is id),
-- found in ep's list; an api error with not_found when the list does not hold it.
function listed.get(coll, methods, ep, id, by_name)
  local M = resource.meta(methods)
  local what = M.kind .. ":get"
  if by_name then
    if type(id) ~= "string" or id == "" then
      return nil, errors.invalid(what .. ": expected a uuid or a name, got " .. type(id), "uuid")
    end
  else
    local err
    id, err = check.value(what, "uuid", "uuid!", id)
    if not id then return nil, err end
  end
  local list, err = resource.wrap_list(methods, coll.client, coll:_call(ep))
  if not list then return nil, err end
  local item = find(list, id, by_name)
  if not item then return nil, missing(what, M.kind, id) end
  return item
end

--- obj:reload(): the object fetched again from ep's list and updated in place.
function listed.reload(obj, ep)
  local M = getmetatable(obj)
  local list, err = pipeline.call(obj:_client(), ep)
  if not list then return nil, err end
  local data = find(list, tostring(obj.uuid))
  if not data then return nil, missing(M.kind .. ":reload", M.kind, obj.uuid) end
  return obj:_update(data)
end

listed.find = find

return listed
