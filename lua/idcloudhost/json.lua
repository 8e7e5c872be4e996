-- JSON for the SDK: one set of rules, whichever library reads the text.
--
--   json.decode(text)  -> value | nil, message
--   json.encode(value) -> text  | nil, message naming where: "... at $.rules[2].port" (Lua indexes)
--   json.array(t)      marks t (default: a new table) as an array; returns it
--   json.is_array(t)   true for a marked table (every decoded array is marked)
--   json.null          what a JSON null becomes where nil cannot stand: an item of an array
--                      (so lengths stay right) or a whole text that is just `null`.  A null
--                      member of an object is left out (nil).  encode writes json.null as null.
--                      Compare with json.null itself: it is the light userdata NULL (equal to
--                      cjson.null and ngx.null) on the core and cjson backends, vim.NIL on vim.json.
--   json.backend       "core", "cjson" or "vim.json": which decoder this process uses
--
-- Decoding: objects are plain tables; arrays are tables marked with json.array, empty or not, so
-- they encode back as [] and {} stays {}.  A number without fraction or exponent is an integer
-- (a math.type "integer" on Lua 5.3+, exact to 64 bits; "-0" is 0); with one it is a float;
-- beyond the double range it is an error.  Encoding: marked tables and tables with keys 1..n are
-- arrays, tables with string keys objects, an unmarked empty table {}; anything else (mixed or
-- sparse keys, functions, NaN, invalid UTF-8, cycles) is an error.  A table with a metatable is
-- read through its __pairs (a read-only proxy, on every Lua); one with __index and no __pairs, a
-- hidden metatable or a __pairs that raises is an error (never sent as {}).  Integral numbers within 2^53
-- print as integers, other floats in the fewest digits that read back the same; "/" is not
-- escaped.
--
-- Backends, chosen once when this module loads:
--   core      idcloudhost.core's json (src/json.c): one pass in C, strict RFC 8259 (UTF-8 checked,
--             no NaN, no leading zeros, no BOM...).  The normal case.
--   cjson     lua-cjson, when the core is not built (OpenResty ships it): a private instance,
--             arrays marked by cjson itself where it can (OpenResty's decode_array_with_array_mt),
--             else found in the text; then one walk drops null members, turns integral floats
--             into integers (Lua 5.3+) and rejects inf.  cjson cannot tell 2048.0 from 2048 nor
--             keep integers past 2^53, and lets some malformed text through (invalid UTF-8).
--   vim.json  inside Neovim without the core: vim.json.decode, whose empty objects carry
--             vim.empty_dict's metatable, then the same walk.  json.null is vim.NIL there.
-- The fallbacks encode with the Lua encoder below, which follows the core's rules exactly.
-- (Long, on purpose: three backends held to one set of rules: the checks each of them needs, in
-- Lua.)

local json = {}

local type, pairs, next, pcall, error, tostring = type, pairs, next, pcall, error, tostring
local getmetatable, setmetatable = getmetatable, setmetatable
local byte, find, format, gsub, match, sub = string.byte, string.find, string.format, string.gsub,
  string.match, string.sub
local concat = table.concat
local huge, floor = math.huge, math.floor
local math_type, tointeger = math.type, math.tointeger

local MAX_DEPTH = 1000

local array_mt = { __name = "idcloudhost.json.array" }
local null, decode, encode

---------------------------------------------------------------------------------------------------
-- The Lua encoder of the fallbacks: the same rules and messages as src/json.c.

-- True when s is UTF-8 without overlongs, surrogates or code points past U+10FFFF.
local function utf8_valid(s)
  local i = find(s, "[\128-\255]")
  while i do
    local c, c1 = byte(s, i, i + 1)
    local n
    local lo, hi = 0x80, 0xBF
    if c >= 0xC2 and c <= 0xDF then n = 1
    elseif c >= 0xE0 and c <= 0xEF then
      n = 2
      if c == 0xE0 then lo = 0xA0 elseif c == 0xED then hi = 0x9F end
    elseif c >= 0xF0 and c <= 0xF4 then
      n = 3
      if c == 0xF0 then lo = 0x90 elseif c == 0xF4 then hi = 0x8F end
    else
      return false
    end
    if not c1 or c1 < lo or c1 > hi then return false end
    for j = i + 2, i + n do
      local cj = byte(s, j)
      if not cj or cj < 0x80 or cj > 0xBF then return false end
    end
    i = find(s, "[\128-\255]", i + n + 1)
  end
  return true
end

local ESCAPES = { ['"'] = '\\"', ["\\"] = "\\\\", ["\b"] = "\\b", ["\f"] = "\\f", ["\n"] = "\\n",
  ["\r"] = "\\r", ["\t"] = "\\t" }
for c = 0, 31 do
  local ch = string.char(c)
  ESCAPES[ch] = ESCAPES[ch] or format("\\u%04x", c)
end

local function fail(msg, path, depth)
  error({ msg = msg, at = "$" .. concat(path, "", 1, depth) }, 0)
end

local function quote(s, path, depth, what)
  if not utf8_valid(s) then fail("invalid UTF-8 in a " .. what, path, depth) end
  -- %c may match more than 0-31 in some locales: those bytes have no entry and stay as they are
  return '"' .. gsub(s, '[%c"\\]', ESCAPES) .. '"'
end

local function number(x, path, depth)
  if x ~= x then fail("cannot encode NaN", path, depth) end
  if x == huge or x == -huge then fail("cannot encode infinity", path, depth) end
  if (math_type and math_type(x) == "integer") or (x >= -2 ^ 53 and x <= 2 ^ 53 and x == floor(x)) then
    return format("%d", x)
  end
  local s
  for prec = 15, 17 do
    s = format("%." .. prec .. "g", x)
    if tonumber(s) == x then break end
  end
  return (gsub(s, "[^%d%.eE+-]", "."))  -- a locale's decimal comma back to "."
end

local function segment(k)
  if type(k) ~= "string" then return "[" .. tostring(k) .. "]" end
  if #k <= 40 and find(k, "^[%a_][%w_]*$") then return "." .. k end
  local shown = gsub(sub(k, 1, 40), '[^ -~]', "?")
  return '["' .. gsub(shown, '["\\]', "?") .. (#k > 40 and '..."]' or '"]')
end

local value

-- A key the core takes for an array index: a positive lua_Integer (5.3+), a positive int (5.1).
local function index(k)
  if math_type then return math_type(k) == "integer" and k >= 1 end
  return k >= 1 and k <= 2147483647 and k == floor(k)
end

-- Keys 1..n and nothing else: returns n.
local function array_length(t, path, depth)
  local n, max = 0, 0
  for k in pairs(t) do
    local tk = type(k)
    if tk == "string" then fail("a table with both number and string keys", path, depth) end
    if tk ~= "number" then fail("a table with a " .. tk .. " key", path, depth) end
    if not index(k) then fail("a table with a key that is not a positive integer", path, depth) end
    n = n + 1
    if k > max then max = k end
  end
  if max ~= n then fail(format("a sparse array (%d of %d indexes set)", n, max), path, depth) end
  return n
end

local function tbl(t, out, path, depth)
  if depth >= MAX_DEPTH then
    fail("tables nested deeper than " .. MAX_DEPTH .. " (a cycle?)", path, depth)
  end
  local marked = getmetatable(t) == array_mt
  local k1 = next(t)
  if k1 == nil then
    out[#out + 1] = marked and "[]" or "{}"
    return
  end
  if type(k1) == "string" then
    if marked then fail("an array (marked) with a string key", path, depth) end
    out[#out + 1] = "{"
    local first = true
    for k, v in pairs(t) do
      if type(k) ~= "string" then fail("a table with both string and " .. type(k) .. " keys", path, depth) end
      path[depth + 1] = segment(k)
      out[#out + 1] = (first and "" or ",") .. quote(k, path, depth + 1, "key") .. ":"
      first = false
      value(v, out, path, depth + 1)
    end
    out[#out + 1] = "}"
    return
  end
  local n = array_length(t, path, depth)
  out[#out + 1] = "["
  for i = 1, n do
    if i > 1 then out[#out + 1] = "," end
    path[depth + 1] = "[" .. i .. "]"
    value(t[i], out, path, depth + 1)
  end
  out[#out + 1] = "]"
end

function value(v, out, path, depth)
  local tv = type(v)
  if v == null or v == nil then out[#out + 1] = "null"
  elseif tv == "string" then out[#out + 1] = quote(v, path, depth, "string")
  elseif tv == "number" then out[#out + 1] = number(v, path, depth)
  elseif tv == "boolean" then out[#out + 1] = v and "true" or "false"
  elseif tv == "table" then tbl(v, out, path, depth)
  else fail("cannot encode a " .. tv, path, depth)
  end
end

local function lua_encode(v)
  local out = {}
  local ok, err = pcall(value, v, out, {}, 0)
  if not ok then
    if type(err) == "table" and err.msg then return nil, err.msg .. " at " .. err.at end
    error(err, 0)  -- not ours (out of memory): as the core would
  end
  return concat(out)
end

---------------------------------------------------------------------------------------------------
-- Before any encoder: what it would not send as the caller sees it.  The encoders read tables
-- raw (next, rawget), so a table whose metatable has __pairs (a read-only proxy) is read through
-- its __pairs into a plain copy, on every Lua (5.1 and LuaJIT too: one rule everywhere); one with
-- __index and no __pairs (fields a raw read misses), a hidden metatable (__metatable), a __pairs
-- that raises, and a cycle are refused, naming the place.  Plain tables cost one look each and
-- are never copied.

local faithful

-- The pairs of t through its __pairs, as a plain table (the array mark kept).
local function through_pairs(t, mp, path, depth)
  local copy = {}
  local ok = pcall(function()
    for k, x in mp(t) do copy[k] = x end
  end)
  if not ok then fail("a table whose __pairs raised an error", path, depth) end
  return copy
end

function faithful(t, path, depth, open)
  if depth >= MAX_DEPTH then fail("tables nested deeper than " .. MAX_DEPTH .. " (a cycle?)", path, depth) end
  if open[t] then fail("a cycle: a table that holds itself", path, depth) end
  local mt = getmetatable(t)
  local out = t
  if mt ~= nil and mt ~= array_mt then
    if type(mt) ~= "table" then fail("a table with a hidden metatable (__metatable)", path, depth) end
    local mp = rawget(mt, "__pairs")
    if mp ~= nil then
      out = through_pairs(t, mp, path, depth)
    elseif rawget(mt, "__index") ~= nil then
      fail("a table with __index and no __pairs (a proxy?): its fields cannot be read", path, depth)
    end
  end
  open[t] = true
  for k, x in next, out do
    if type(x) == "table" then
      path[depth + 1] = segment(k)
      local y = faithful(x, path, depth + 1, open)
      if y ~= x then
        if out == t then  -- copied on the first change: the caller's table stays as it is
          out = {}
          for k2, x2 in next, t do out[k2] = x2 end
          if mt == array_mt then setmetatable(out, array_mt) end
        end
        out[k] = y
      end
    end
  end
  open[t] = nil
  return out
end

-- enc behind the check above.
local function readable(enc)
  return function(v)
    if type(v) == "table" then
      local ok, r = pcall(faithful, v, {}, 0, {})
      if not ok then
        if type(r) == "table" and r.msg then return nil, r.msg .. " at " .. r.at end
        error(r, 0)
      end
      v = r
    end
    return enc(v)
  end
end

---------------------------------------------------------------------------------------------------
-- The decode walk of the fallbacks: null members out, integral floats to integers (5.3+), inf
-- refused, arrays marked.  is_array(t) says whether the library decoded t from an array.

local function walker(is_array, lib_null)
  local bad
  local function walk(t)
    local arr = is_array(t)
    if arr then setmetatable(t, array_mt) end
    for k, x in pairs(t) do
      local tx = type(x)
      if tx == "table" then
        walk(x)
      elseif tx == "number" then
        if x == huge or x == -huge or x ~= x then bad = true
        elseif tointeger and math_type(x) == "float" then
          local i = tointeger(x)
          if i then t[k] = i end
        end
      elseif x == lib_null and not arr then
        t[k] = nil  -- allowed while traversing: the field exists
      elseif x == lib_null and lib_null ~= null then
        t[k] = null
      end
    end
  end
  return function(v)
    if type(v) ~= "table" then
      if v == lib_null then return null end
      if v == huge or v == -huge or v ~= v then return nil, "number out of range" end
      if tointeger and math_type(v) == "float" then return tointeger(v) or v end
      return v
    end
    bad = false
    walk(v)
    if bad then return nil, "number out of range" end
    return v
  end
end

---------------------------------------------------------------------------------------------------
-- Backends.

local function use_core()
  local core = require("idcloudhost.native").core
  if not core or type(core.json) ~= "function" then return false end
  decode, encode, null = core.json { array_mt = array_mt, max_depth = MAX_DEPTH }
  encode = readable(encode)
  json.backend = "core"
  return true
end

-- True when the quote at q is escaped: an odd run of backslashes before it.
local function escaped(text, q)
  local n = 0
  while byte(text, q - n - 1) == 92 do n = n + 1 end
  return n % 2 == 1
end

-- The "[" and "]" positions of each empty array of a text, whitespace inside allowed.  Not
-- exact: those inside strings too (cheap: plain finds of "[").  Exact: an unescaped quote opens
-- or closes a string, so one is inside a string when an odd number of them precede it.
local function empty_arrays(text, exact)
  local found, inside, qpos = {}, false, 1
  local open = find(text, "[", 1, true)
  while open do
    local close = match(text, "^[ \t\r\n]*()%]", open + 1)
    if close then
      while exact do
        local q = find(text, '"', qpos, true)
        if not q or q > open then break end
        qpos = q + 1
        if not escaped(text, q) then inside = not inside end
      end
      if not inside then
        found[#found + 1] = open
        found[#found + 1] = close
      end
    end
    open = find(text, "[", open + 1, true)
  end
  return found
end

local function use_cjson()
  local ok, cjson = pcall(require, "cjson.safe")
  if not ok or type(cjson) ~= "table" or not cjson.new then return false end
  local cj = cjson.new()  -- a private instance: the host's own settings stay as they are
  if cj.decode_invalid_numbers then cj.decode_invalid_numbers(false) end
  if cj.decode_max_depth then cj.decode_max_depth(MAX_DEPTH) end
  null = cj.null
  local is_array, prepare
  if cj.decode_array_with_array_mt and cj.array_mt then
    cj.decode_array_with_array_mt(true)
    array_mt = cj.array_mt
    is_array = function(t) return getmetatable(t) == array_mt end
  else
    -- cjson 2.1 decodes [] and {} alike: each empty array of the text becomes [MARK] first.  A
    -- "[]" inside a string, marked too by the cheap search, ends that string early and leaves a
    -- backslash outside any string: invalid, never a wrong value; then the exact search runs.
    local mark = "\0idcloudhost.json.empty." .. gsub(tostring(array_mt), "%W", "") .. os.time()
    local mark_json = assert(cj.encode(mark))
    prepare = function(text, exact)
      local found = empty_arrays(text, exact)
      if #found == 0 then return text end
      local out, pos = {}, 1
      for i = 1, #found, 2 do
        out[#out + 1] = sub(text, pos, found[i])
        out[#out + 1] = mark_json
        pos = found[i + 1]
      end
      out[#out + 1] = sub(text, pos)
      return concat(out)
    end
    is_array = function(t)  -- objects decode with string keys only; every empty one is an object
      local first = t[1]
      if first == mark and t[2] == nil then t[1] = nil; return true end
      return first ~= nil
    end
  end
  local finish = walker(is_array, null)
  decode = function(text)
    local marked = prepare and prepare(text, false) or text
    local v, err = cj.decode(marked)
    if v == nil and marked ~= text then
      v, err = cj.decode(prepare(text, true))
      if v == nil then err = select(2, cj.decode(text)) or err end  -- offsets of the text itself
    end
    if v == nil then return nil, err or "malformed JSON" end
    return finish(v)
  end
  encode = readable(lua_encode)
  json.backend = "cjson"
  return true
end

local function use_vim()
  local vim = rawget(_G, "vim")
  if type(vim) ~= "table" or type(vim.json) ~= "table" or not vim.empty_dict then return false end
  -- Not luanil = {object = true}: {"a": null} would come back an empty table without the
  -- empty_dict mark, which only a literal {} gets, and be taken for an array.  The walk drops
  -- null members after telling arrays from objects.
  local empty_mt = getmetatable(vim.empty_dict())
  null = vim.NIL
  local finish = walker(function(t)
    local mt = getmetatable(t)
    if mt ~= nil and mt == empty_mt then setmetatable(t, nil); return false end
    return t[1] ~= nil or next(t) == nil  -- an empty object carries empty_mt
  end, null)
  decode = function(text)
    local ok, v = pcall(vim.json.decode, text)
    if not ok then return nil, tostring(v) end
    return finish(v)
  end
  encode = readable(lua_encode)
  json.backend = "vim.json"
  return true
end

if not (use_core() or use_cjson() or use_vim()) then
  error("idcloudhost.json: no JSON library: build idcloudhost.core, or install lua-cjson", 2)
end

---------------------------------------------------------------------------------------------------

--- Marks t (default a new table) as a JSON array, so that it encodes as [] even when empty.
function json.array(t)
  return setmetatable(t or {}, array_mt)
end

function json.is_array(t)
  return getmetatable(t) == array_mt
end

--- Decodes text; returns the value, or nil and a message.
function json.decode(text)
  if type(text) ~= "string" then return nil, "expected a JSON text (string), got " .. type(text) end
  return decode(text)
end

--- Encodes v; returns the text, or nil and a message.
function json.encode(v)
  return encode(v)
end

json.null = null
-- The backend's decoder itself (not public), for a caller whose text is a string already: the
-- pipeline reads every answer's body (a string, by the transport contract) through it, a Lua call
-- less per answer.
json._decode_text = decode

return json
