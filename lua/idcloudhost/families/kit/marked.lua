-- Owner marks where the kit meets them (ops/marks.lua says what a mark is): a create's owner and
-- labels written into the model's mark, an update that keeps it, the name a marked object was
-- given.  resource.marked, resource.remarked and resource.given_name (families/kit/resource.lua)
-- load this at their first use.
local lazy = require "idcloudhost.lazy"
local check = lazy "idcloudhost.call.check"
local errors = lazy "idcloudhost.call.errors"
local marks = lazy "idcloudhost.ops.marks"
local resource = require "idcloudhost.families.kit.resource"

local marked = {}

--- Params of a create with `owner` and `labels` taken out and written as the model's mark
-- (ops/marks.lua): a copy, or params itself when it has neither; nil, err (invalid) on a bad mark
-- or on a family that keeps none.
function marked.marked(methods, params, ep)
  local M = resource.meta(methods)
  local what = M.kind .. ":create"
  if type(params) ~= "table" then return params end
  local specs = { owner = "table", labels = "table" } -- the names read through a proxy's __index
  for k, v in pairs(ep and ep.specs or {}) do specs[k] = v end
  local err
  params, err = check.plain(what, params, specs)
  if err then return nil, err end
  if params.owner == nil and params.labels == nil then return params end
  if not M.mark then return nil, errors.invalid(what .. ": this family keeps no owner mark", "owner") end
  err = marks.check(what, params.owner, params.labels, M.mark.name ~= nil)
  if err then return nil, err end
  local p = {}
  for k, v in pairs(params) do p[k] = v end
  p.owner, p.labels = nil, nil
  if M.mark.text then
    p[M.mark.text] = marks.write_text(p[M.mark.text], params.owner, params.labels)
  elseif params.owner ~= nil and (type(p[M.mark.name]) ~= "string" or p[M.mark.name] == "") then
    -- (the mark lives in the name: without one it would be dropped, and the resource unowned)
    return nil, errors.invalid(what .. ": an owner is kept in the " .. M.mark.name .. ", which is missing", M.mark.name)
  elseif type(p[M.mark.name]) == "string" then
    if p[M.mark.name]:find(marks.NAME_SEP, 1, true) then
      return nil, errors.invalid(what .. ": a marked name may not hold '" .. marks.NAME_SEP .. "'", M.mark.name)
    end
    p[M.mark.name] = marks.write_name(p[M.mark.name], params.owner)
  end
  return p
end

--- A new value for the field holding obj's mark, the mark kept (an update rewriting that field
-- must not drop who owns it).
function marked.remarked(obj, value)
  local M = getmetatable(obj)
  local mark = M and M.mark
  if not mark or type(obj.owner) ~= "string" or type(value) ~= "string" then return value end
  if mark.text then return marks.write_text(value, obj.owner, obj.labels) end
  return marks.write_name(value, obj.owner)
end

--- The name obj was given: its name field with a name mark left out.
function marked.given_name(obj)
  local M = getmetatable(obj)
  local field = M and M.name_field or "name"
  local v = obj[field]
  if M and M.mark and M.mark.name and type(obj.owner) == "string" then
    return (marks.read_name(v))
  end
  return v
end

return marked
