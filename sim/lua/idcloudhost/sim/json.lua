-- JSON for the simulator: a decoder it finds (lua-cjson's, or the SDK's idcloudhost.json), and
-- an encoder of our own for tables so that
--   * object keys come out sorted (like the platform's answers in the docs),
--   * empty arrays come out as [] (lua-cjson 2.1.0 has no empty_array):
--     mark a table as an array with json.array(t),
--   * json.null comes out as null, "/" is not escaped.
--
-- Decoders, chosen once when this module loads:
--   cjson        lua-cjson (cjson.safe): the HTTP server's (the simulator rock depends on it);
--                a null member of an object stays as json.null (cjson.null)
--   idcloudhost  the SDK's idcloudhost.json (the C core's decoder, cjson, or vim.json), where
--                lua-cjson is not installed (idcloudhost.fake in Neovim): null members are left
--                out, arrays are marked, whole numbers are integers
-- json.backend names the one in use.  The encoder is plain Lua on every interpreter.
local compat = require "idcloudhost.sim.compat"

local json = {}

local has_cjson, cjson = pcall(require, "cjson.safe")
if not has_cjson or type(cjson) ~= "table" then cjson = nil end
local sdk = not cjson and require "idcloudhost.json"

json.backend = cjson and "cjson" or "idcloudhost"
json.null = cjson and cjson.null or sdk.null

local array_mt = { __name = "idcloudhost.sim.json.array" }

-- Mark t (default: a new table) as a JSON array, even when empty.
function json.array(t)
  return setmetatable(t or {}, array_mt)
end

local function marked(t)
  local mt = getmetatable(t)
  return mt == array_mt or (sdk and mt ~= nil and sdk.is_array(t))
end

function json.is_array(t)
  return marked(t)
end

local function is_sequence(t)
  local n = #t
  if n == 0 then return false end
  local count = 0
  for _ in pairs(t) do count = count + 1 end
  return count == n
end

local encode_value

local ESCAPES = { ['"'] = '\\"', ["\\"] = "\\\\", ["\b"] = "\\b", ["\f"] = "\\f", ["\n"] = "\\n",
  ["\r"] = "\\r", ["\t"] = "\\t", ["\127"] = "\\u007f" }
for c = 0, 31 do
  local ch = string.char(c)
  ESCAPES[ch] = ESCAPES[ch] or string.format("\\u%04x", c)
end

-- As lua-cjson writes a string, but "/" as it is: the platform (Python) does not escape it.
-- (cjson escapes every "/", so each "\/" in its output is exactly an escaped slash.)
local function encode_string(s)
  if cjson then return (cjson.encode(s):gsub("\\/", "/")) end
  return '"' .. s:gsub('[%z\1-\31"\\\127]', ESCAPES) .. '"'
end

-- Numbers as lua-cjson writes them (%.14g), whole numbers as integers.
local function encode_number(v)
  if compat.is_integer(v) then return string.format("%d", v) end
  if cjson then return cjson.encode(v) end
  return (string.format("%.14g", v):gsub(",", "."))
end

local function encode_table(t, out, depth)
  if depth > 64 then error("json: nesting too deep") end
  if marked(t) or is_sequence(t) then
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
  elseif tv == "nil" or v == json.null then
    out[#out + 1] = "null"
  elseif tv == "number" and (v ~= v or v == math.huge or v == -math.huge) then
    out[#out + 1] = "null"
  elseif tv == "number" then
    out[#out + 1] = encode_number(v)
  elseif tv == "string" then
    out[#out + 1] = encode_string(v)
  elseif tv == "boolean" then
    out[#out + 1] = v and "true" or "false"
  else
    error("json: cannot encode a " .. tv)
  end
end

function json.encode(v)
  local out = {}
  encode_value(v, out, 0)
  return table.concat(out)
end

-- Returns value, or nil and an error message.
function json.decode(s)
  if cjson then return cjson.decode(s) end
  return sdk.decode(s)
end

return json
