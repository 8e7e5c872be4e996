-- Parameter checks, run before anything is sent.  A parameter spec is a type name with an
-- optional "!" for required: "uuid!", "string", "integer", "number", "boolean", "json", "array".
local errors = require "idcloudhost.errors"
local json = require "idcloudhost.json"

local check = {}

local UUID = "^%x%x%x%x%x%x%x%x%-%x%x%x%x%-%x%x%x%x%-%x%x%x%x%-%x%x%x%x%x%x%x%x%x%x%x%x$"

function check.is_uuid(s)
  return type(s) == "string" and s:find(UUID) ~= nil
end

local function is_integer(v)
  return type(v) == "number" and v == math.floor(v) and v > -2^53 and v < 2^53
end

local function integer(v)
  return math.tointeger and math.tointeger(v) or v
end

-- Each converter returns the value as it travels, or nil and what was expected.
local convert = {
  string = function(v)
    if type(v) == "string" then return v end
    if type(v) == "number" then return tostring(integer(v)) end
    return nil, "a string"
  end,
  uuid = function(v)
    if check.is_uuid(v) then return v:lower() end
    return nil, "a UUID like 5aea1842-895f-4bd3-8bd6-e37b2282fb46"
  end,
  integer = function(v)
    if is_integer(v) then return integer(v) end
    return nil, "a whole number"
  end,
  number = function(v)
    if type(v) == "number" and v == v then return integer(v) or v end
    return nil, "a number"
  end,
  boolean = function(v)
    if type(v) == "boolean" then return v end
    return nil, "true or false"
  end,
  -- Sent as JSON text: a table is encoded, a string must already be JSON.
  json = function(v)
    if type(v) == "table" then return json.encode(v) end
    if type(v) == "string" and json.decode(v) ~= nil then return v end
    return nil, "a table or a JSON string"
  end,
  array = function(v)
    if type(v) == "table" and (next(v) == nil or #v > 0) then return json.array(v) end
    return nil, "a list"
  end,
  table = function(v)
    if type(v) == "table" then return v end
    return nil, "a table"
  end,
}

local function describe(v)
  if type(v) == "string" then return string.format("%q", #v > 40 and v:sub(1, 40) .. "..." or v) end
  return type(v)
end

-- Parses "uuid!" into "uuid", true.  Cached per spec string.
local parsed = {}
local function parse(spec)
  local p = parsed[spec]
  if not p then
    local name, bang = spec:match("^(%a+)(!?)$")
    assert(name and convert[name], "unknown parameter type: " .. spec)
    p = { name, bang == "!" }
    parsed[spec] = p
  end
  return p[1], p[2]
end

--- Checks params against specs (name -> spec string).  `what` names the call in messages.
-- Returns a new table of converted values, or nil and an "invalid" error.
function check.params(what, specs, params)
  if params ~= nil and type(params) ~= "table" then
    return nil, errors.invalid(what .. ": expected a table of parameters, got " .. type(params))
  end
  params = params or {}
  for k in pairs(params) do
    if type(k) ~= "string" then
      return nil, errors.invalid(what .. ": expected named parameters, like {name = value}")
    elseif specs[k] == nil then
      return nil, errors.invalid(what .. ": unknown parameter '" .. tostring(k) .. "'", k)
    end
  end
  local out = {}
  for k, spec in pairs(specs) do
    local tname, required = parse(spec)
    local v = params[k]
    if v == nil then
      if required then
        return nil, errors.invalid(what .. ": missing required parameter '" .. k .. "'", k)
      end
    else
      local cv, expected = convert[tname](v)
      if cv == nil then
        return nil, errors.invalid(string.format("%s: parameter '%s' must be %s, got %s",
          what, k, expected, describe(v)), k)
      end
      out[k] = cv
    end
  end
  return out
end

--- Checks one value against a spec; returns the converted value or nil, err.
function check.value(what, name, spec, v)
  local out, err = check.params(what, { [name] = spec }, { [name] = v })
  if not out then return nil, err end
  return out[name]
end

return check
