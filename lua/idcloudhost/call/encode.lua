-- URL and form encoding in pure Lua (RFC 3986: every byte but A-Z a-z 0-9 - . _ ~ is %XX, so a
-- space is %20 and a "+" stays a plus).  The C core's escape/form give byte-identical output
-- faster (spec/unit/call/encode_spec.lua proves it on a table of cases and random strings), so they
-- are used when the core is loaded; hosts without it (OpenResty, Neovim plugins) use these.
local encode = {}

local function hex(c)
  return string.format("%%%02X", c:byte())
end

--- s percent-encoded for a URL path segment, query or form.
function encode.escape(s)
  return (s:gsub("[^A-Za-z0-9%-%._~]", hex))
end

local TWO63 = 2 ^ 63

--- A number as it travels in a form: integers as integers whatever the Lua version ("2", not
-- "2.0"), other numbers with the fewest digits that read back as the same number.
function encode.number(n)
  if n ~= n or n == math.huge or n == -math.huge then return nil end
  if math.type and math.type(n) == "integer" then return string.format("%d", n) end
  if n == math.floor(n) and n >= -TWO63 and n < TWO63 then
    if n == 0 then return "0" end
    return string.format("%.0f", n)
  end
  for p = 14, 17 do
    local s = string.format("%." .. p .. "g", n)
    if p == 17 or tonumber(s) == n then return s end
  end
end

local function field(k, v)
  local t = type(v)
  if t == "string" then return v end
  if t == "boolean" then return v and "true" or "false" end
  if t == "number" then
    local s = encode.number(v)
    if s then return s end
    error("form: field '" .. k .. "' is not a finite number", 0)
  end
  if t == "table" then error("form: field '" .. k .. "' is a table", 0) end
  error("form: field '" .. k .. "' has unsupported type " .. t, 0)
end

-- A list value (checked by a list parameter type: "pubkeys") travels as the field repeated, in list
-- order: public_keys=a&public_keys=b.  Any other table is refused.
local function list_of(k, v)
  local n = 0
  for _ in pairs(v) do n = n + 1 end
  if n == 0 or n ~= #v then error("form: field '" .. k .. "' is a table", 0) end
  return v
end

--- t as application/x-www-form-urlencoded, keys sorted (bytewise); a list value repeats its
-- field.  Raises on a value that cannot be sent (callers pcall it and turn the message into an
-- "invalid" error).
function encode.form(t)
  local keys = {}
  for k in pairs(t) do
    if type(k) ~= "string" then error("form: keys must be strings (got a " .. type(k) .. " key)", 0) end
    keys[#keys + 1] = k
  end
  table.sort(keys)
  local out = {}
  for _, k in ipairs(keys) do
    local v = t[k]
    local name = encode.escape(k) .. "="
    if type(v) == "table" then
      for _, item in ipairs(list_of(k, v)) do out[#out + 1] = name .. encode.escape(field(k, item)) end
    else
      out[#out + 1] = name .. encode.escape(field(k, v))
    end
  end
  return table.concat(out, "&")
end

encode.lua = { escape = encode.escape, form = encode.form }

--- The form with list values repeated (an endpoint with a list parameter: ep.repeats): always
-- this Lua encoder, the C core's form takes no list.
encode.form_repeated = encode.form

-- The C core's versions when it is there (byte-identical, faster).
local core = require("idcloudhost.native").core
if core and core.escape and core.form then
  encode.escape, encode.form = core.escape, core.form
end

return encode
