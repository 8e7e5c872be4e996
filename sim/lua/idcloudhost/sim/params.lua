-- Request parameters the way the platform (a Flask-RESTful application behind
-- Kong) reads them: from the JSON body, the query string and the form body,
-- first value wins (json, then query, then form), and typed readers that
-- collect one error message per bad field.
local compat = require "idcloudhost.sim.compat"
local json = require "idcloudhost.sim.json"

local params = {}

local function unescape(s, plus)
  if plus then s = s:gsub("+", " ") end
  return (s:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end))
end

-- "a=1&b=x+y&a=2" -> { a = "1", b = "x y" } (first value of a repeated key wins).
-- literal_plus: "+" stays a plus. The platform decodes a form body so: a "+" arrives as a
-- literal plus (zorgatia/terraform-provider-cloudaxion, internal/client/client.go, encodeForm,
-- verified live), so clients must send a space as %20.
function params.parse_urlencoded(s, literal_plus)
  local t = {}
  if not s or s == "" then return t end
  for pair in s:gmatch("[^&;]+") do
    local k, v = pair:match("^([^=]*)=(.*)$")
    if not k then k, v = pair, "" end
    k = unescape(k, not literal_plus)
    if k ~= "" and t[k] == nil then t[k] = unescape(v, not literal_plus) end
  end
  return t
end

-- Decode a body according to its content type.
-- Returns form_table, json_value, error (error = message when a JSON body is malformed).
function params.parse_body(content_type, body)
  local form, decoded = {}, nil
  if not body or body == "" then return form, nil end
  local mime = (content_type or ""):lower():match("^%s*([^;%s]+)") or ""
  if mime == "application/x-www-form-urlencoded" then
    form = params.parse_urlencoded(body, true)
  elseif mime == "application/json" or mime:match("%+json$") then
    local v, err = json.decode(body)
    if v == nil then
      return form, nil, "Failed to decode JSON object: " .. tostring(err)
    end
    decoded = v
  end
  -- Any other content type: the platform does not read the body.
  return form, decoded
end

-- Merge like Flask-RESTful reqparse with location ('json', 'values'):
-- JSON object first, then query string, then form; the first value found wins.
function params.merge(json_value, query, form)
  local merged = {}
  if type(json_value) == "table" and not json.is_array(json_value) then
    for k, v in pairs(json_value) do
      if type(k) == "string" and v ~= json.null then merged[k] = v end
    end
  end
  for _, src in ipairs({ query or {}, form or {} }) do
    for k, v in pairs(src) do
      if merged[k] == nil then merged[k] = v end
    end
  end
  return merged
end

---------------------------------------------------------------------------
-- Typed readers
---------------------------------------------------------------------------

params.MISSING = "Missing required parameter in the JSON body or the post body or the query string"

local reader_mt = {}
reader_mt.__index = reader_mt

-- r = params.reader(p): r:uuid("uuid", true), r:int("vcpu"), r:bool("force", false) ...
-- r.errors holds { field = message } for every bad field; r:failed() says whether any.
function params.reader(p)
  return setmetatable({ p = p or {}, errors = {} }, reader_mt)
end

-- The field errors of several readers and checks as one table (the first message of a field
-- wins, as in one reader).
function params.merge_errors(...)
  local out = {}
  for i = 1, select("#", ...) do
    for k, v in pairs(select(i, ...)) do
      if out[k] == nil then out[k] = v end
    end
  end
  return out
end

function reader_mt:failed()
  return next(self.errors) ~= nil
end

function reader_mt:fail(name, msg)
  if self.errors[name] == nil then self.errors[name] = msg end
  return nil
end

-- Raw value, or nil when absent; "required" records an error when absent.
function reader_mt:raw(name, required)
  local v = self.p[name]
  if v == nil or v == json.null then
    if required then self:fail(name, params.MISSING) end
    return nil
  end
  return v
end

function reader_mt:present(name)
  local v = self.p[name]
  return v ~= nil and v ~= json.null
end

function reader_mt:str(name, required, default)
  local v = self:raw(name, required)
  if v == nil then return default end
  if type(v) == "number" or type(v) == "boolean" then return tostring(v) end
  if type(v) ~= "string" then return self:fail(name, "Must be a string") end
  return v
end

-- Whole number: "12", " 12 ", 12, 12.0
function params.to_int(v)
  if type(v) == "number" then
    if v == math.floor(v) and v > -2^53 and v < 2^53 then return compat.tointeger(v) end
    return compat.is_integer(v) and v or nil
  end
  if type(v) ~= "string" then return nil end
  local s = v:match("^%s*([+-]?%d+)%s*$")
  return s and compat.tointeger(tonumber(s)) or nil
end

function reader_mt:int(name, required, default)
  local v = self:raw(name, required)
  if v == nil then return default end
  local n = params.to_int(v)
  if n == nil then
    return self:fail(name, string.format("Must be a whole number, got '%s'", tostring(v)))
  end
  return n
end

-- Booleans: true/false (any case), 1/0, JSON true/false.
function params.to_bool(v)
  if type(v) == "boolean" then return v end
  if type(v) == "number" then
    if v == 1 then return true elseif v == 0 then return false end
    return nil
  end
  if type(v) ~= "string" then return nil end
  local s = v:lower():match("^%s*(.-)%s*$")
  if s == "true" or s == "1" then return true end
  if s == "false" or s == "0" then return false end
  return nil
end

function reader_mt:bool(name, default)
  local v = self:raw(name, false)
  if v == nil then return default end
  local b = params.to_bool(v)
  if b == nil then
    return self:fail(name, string.format("Invalid literal for boolean(): %s", tostring(v)))
  end
  return b
end

-- Canonical lowercase 8-4-4-4-12 form, or nil. Accepts the forms Python's
-- uuid.UUID() accepts: with or without dashes, braces, "urn:uuid:" prefix.
function params.to_uuid(v)
  if type(v) ~= "string" then return nil end
  local s = v:lower():gsub("^urn:uuid:", ""):gsub("^{(.*)}$", "%1"):gsub("%-", "")
  if #s ~= 32 or s:find("[^0-9a-f]") then return nil end
  return string.format("%s-%s-%s-%s-%s", s:sub(1, 8), s:sub(9, 12), s:sub(13, 16),
    s:sub(17, 20), s:sub(21, 32))
end

function reader_mt:uuid(name, required)
  local v = self:raw(name, required)
  if v == nil then return nil end
  local u = params.to_uuid(v)
  if u == nil then return self:fail(name, "badly formed hexadecimal UUID string") end
  return u
end

return params
