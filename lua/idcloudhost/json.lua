-- JSON through lua-cjson (cjson.safe).  Two fixes on top of it:
--  * decode: JSON null becomes nil, integral numbers become integers (cjson 2.1 gives floats on
--    Lua 5.3+, and "2048.0" must never be sent back in a form), and empty arrays are marked so
--    they encode back as [] (cjson 2.1 has no empty_array of its own);
--  * encode: a table marked with json.array() is an array even when empty.
local cjson = require "cjson.safe"

local json = {}

local array_mt = { __name = "idcloudhost.json.array" }
local null = cjson.null
local tointeger = math.tointeger or function(n)
  if n == math.floor(n) and n >= -2^53 and n <= 2^53 then return n end
end

--- Marks t (default a new table) as a JSON array, so that it encodes as [] when empty.
function json.array(t)
  return setmetatable(t or {}, array_mt)
end

function json.is_array(t)
  return getmetatable(t) == array_mt
end

-- Which empty tables were arrays?  cjson does not say.  When the text holds no empty object
-- ("{}") every empty table was "[]", which is the common case in this API.
local function clean(v, empty_is_array)
  if v == null then return nil end
  local tv = type(v)
  if tv == "number" then
    return tointeger(v) or v
  elseif tv ~= "table" then
    return v
  end
  local n = #v
  for k, x in pairs(v) do v[k] = clean(x, empty_is_array) end
  -- Objects decode with string keys only, so integer keys mean the value was an array.
  if n > 0 or (empty_is_array and next(v) == nil) then
    setmetatable(v, array_mt)
  end
  return v
end

--- Decodes text; returns the value, or nil and a message.
function json.decode(text)
  if type(text) ~= "string" then return nil, "expected a JSON string, got " .. type(text) end
  local v, err = cjson.decode(text)
  if v == nil and err then return nil, err end
  return clean(v, not text:find("{%s*}"))
end

-- The marker must survive cjson: a string no real data holds.  Built once per process.
local EMPTY = "\1idcloudhost.empty_array." .. tostring(array_mt):gsub("%W", "") .. "\1"
local EMPTY_JSON = assert(cjson.encode(EMPTY))

local function mark(v, seen)
  if type(v) ~= "table" then return v end
  if seen[v] then error("cannot encode a table that contains itself", 0) end
  if next(v) == nil then
    if getmetatable(v) == array_mt then return EMPTY, true end
    return v
  end
  seen[v] = true
  local out, found = {}, false
  for k, x in pairs(v) do
    local m, f = mark(x, seen)
    out[k] = m
    found = found or f
  end
  seen[v] = nil
  return out, found
end

--- Encodes v; returns the text, or nil and a message.
function json.encode(v)
  local ok, marked, found = pcall(mark, v, {})
  if not ok then return nil, marked end
  local text, err = cjson.encode(marked)
  if not text then return nil, err end
  if found then
    text = text:gsub(EMPTY_JSON:gsub("%p", "%%%0"), "[]")
  end
  -- cjson writes "/" as "\/"; outside an escape a backslash is always "\\", so this is exact.
  return (text:gsub("\\/", "/"))
end

json.null = null

return json
