-- JSON for the simulator: cjson.safe for decoding and for scalars, a small
-- encoder of our own for tables so that
--   * object keys come out sorted (like the platform's answers in the docs),
--   * empty arrays come out as [] (lua-cjson 2.1.0 has no empty_array):
--     mark a table as an array with json.array(t),
--   * json.null (cjson.null) comes out as null.
local cjson = require "cjson.safe"

local json = {}

json.null = cjson.null

local array_mt = { __name = "idcloudhost.sim.json.array" }

-- Mark t (default: a new table) as a JSON array, even when empty.
function json.array(t)
  return setmetatable(t or {}, array_mt)
end

function json.is_array(t)
  return getmetatable(t) == array_mt
end

local function is_sequence(t)
  local n = #t
  if n == 0 then return false end
  local count = 0
  for _ in pairs(t) do count = count + 1 end
  return count == n
end

local encode_value

-- cjson writes "/" as "\/"; the platform (Python) does not. cjson escapes
-- every "/", so each "\/" in its output is exactly an escaped slash.
local function encode_string(s)
  return (cjson.encode(s):gsub("\\/", "/"))
end

local function encode_table(t, out, depth)
  if depth > 64 then error("json: nesting too deep") end
  if getmetatable(t) == array_mt or is_sequence(t) then
    out[#out + 1] = "["
    for i = 1, #t do
      if i > 1 then out[#out + 1] = "," end
      encode_value(t[i], out, depth + 1)
    end
    out[#out + 1] = "]"
    return
  end
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = tostring(k) end
  table.sort(keys)
  local lookup = {}
  for k, v in pairs(t) do lookup[tostring(k)] = v end
  out[#out + 1] = "{"
  for i, k in ipairs(keys) do
    if i > 1 then out[#out + 1] = "," end
    out[#out + 1] = encode_string(k)
    out[#out + 1] = ":"
    encode_value(lookup[k], out, depth + 1)
  end
  out[#out + 1] = "}"
end

function encode_value(v, out, depth)
  local tv = type(v)
  if tv == "table" then
    encode_table(v, out, depth)
  elseif tv == "nil" then
    out[#out + 1] = "null"
  elseif tv == "number" and (v ~= v or v == math.huge or v == -math.huge) then
    out[#out + 1] = "null"
  elseif tv == "number" and math.type(v) == "integer" then
    out[#out + 1] = string.format("%d", v)
  elseif tv == "string" then
    out[#out + 1] = encode_string(v)
  else
    local s = cjson.encode(v)
    if s == nil then error("json: cannot encode a " .. tv) end
    out[#out + 1] = s
  end
end

function json.encode(v)
  local out = {}
  encode_value(v, out, 0)
  return table.concat(out)
end

-- Returns value, or nil and an error message.
function json.decode(s)
  return cjson.decode(s)
end

return json
