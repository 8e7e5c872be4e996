-- The properties fuzz/json_fuzz.c checks on every input, in a fresh Lua 5.4 state each time.
-- Called as chunk(core, root); returns check(data), which raises when a property fails (and the
-- target aborts with the message).
--   decode   core.json's decode agrees with a reference decoder written here in plain Lua
--            (accept or reject, and the same value, integer and float subtypes included);
--            a rejection is a message ending "at byte N" with N inside the text or just past it
--   encode   whatever decode accepts encodes, and decodes back to the same value; the text is
--            byte for byte what the Lua encoder of lua/idcloudhost/json.lua writes
--   strings  encode(data) works exactly when data is UTF-8 (utf8.len, strict), and reads back
--   fallback what the core reads, json.lua on lua-cjson reads alike (when cjson is installed)
--   tables   values built from the input's bytes (mixed, sparse, NaN, cycles, odd keys...):
--            the C and the Lua encoder give the same text or the same error
--   escape   core.escape writes only unreserved characters and %XX, and unescapes to data;
--            core.form{k = v} is escape(k) .. "=" .. escape(v)
local core, root = ...

package.path = root .. "/lua/?.lua;" .. package.path

-- lua/idcloudhost/json.lua on its Lua encoder: the core hidden, and a stand-in for cjson that
-- only lets the module load (its decode is never used here).
local LIGHT_NULL = select(3, core.json())
local function load_lua_json()
  local env = setmetatable({}, { __index = _G })
  env.require = function(name)
    if name == "idcloudhost.core" then error("hidden") end
    if name == "cjson.safe" then
      return { new = function()
        return { null = LIGHT_NULL, encode = function(s) return string.format("%q", s) end,
                 decode = function() return nil, "not here" end }
      end }
    end
    return require(name)
  end
  local chunk = assert(loadfile(root .. "/lua/idcloudhost/json.lua", "t", env))
  return chunk()
end
local lj = load_lua_json()
assert(lj.backend == "cjson" and lj.null == LIGHT_NULL)

local MT = getmetatable(lj.array())

-- lua/idcloudhost/json.lua on lua-cjson, when this Lua has it: its fallback decoder (cjson, the
-- empty arrays marked in the text, the walk) must read what the core reads, the same way.
local lc
if pcall(require, "cjson.safe") then
  local env = setmetatable({ require = function(name)
    if name == "idcloudhost.core" then error("hidden") end
    return require(name)
  end }, { __index = _G })
  lc = assert(loadfile(root .. "/lua/idcloudhost/json.lua", "t", env))()
  assert(lc.backend == "cjson" and lc.null == LIGHT_NULL)
end
local decode, encode, null = core.json { array_mt = MT }
assert(null == LIGHT_NULL)

local math_type, utf8_len, utf8_char = math.type, utf8.len, utf8.char
local byte, find, sub, char, format = string.byte, string.find, string.sub, string.char, string.format

local function fail(fmt, ...) error(format(fmt, ...), 0) end

---------------------------------------------------------------------------------------------------
-- The reference decoder: slow, obvious, RFC 8259 as json.lua documents it.

local ref  -- forward
do
  local s, pos, depth
  local function bad() error("reject", 0) end
  local function ws() pos = (find(s, "[^ \t\r\n]", pos)) or #s + 1 end

  local function str()
    pos = pos + 1  -- the quote
    local out = {}
    while true do
      local i = find(s, '["\\%c]', pos)
      if not i then bad() end
      local raw = sub(s, pos, i - 1)
      if not utf8_len(raw) then bad() end
      out[#out + 1] = raw
      local c = byte(s, i)
      if c == 34 then pos = i + 1; return table.concat(out) end
      if c ~= 92 then
        if c < 32 then bad() end  -- %c also has DEL: it is plain text in JSON
        out[#out + 1] = char(c)
        pos = i + 1
      else
        local e = sub(s, i + 1, i + 1)
        local simple = ({ ['"'] = '"', ["\\"] = "\\", ["/"] = "/", b = "\b", f = "\f", n = "\n",
          r = "\r", t = "\t" })[e]
        if simple then
          out[#out + 1] = simple
          pos = i + 2
        elseif e == "u" then
          local h = sub(s, i + 2, i + 5)
          if not find(h, "^%x%x%x%x$") then bad() end
          local x = tonumber(h, 16)
          pos = i + 6
          if x >= 0xDC00 and x <= 0xDFFF then bad() end
          if x >= 0xD800 and x <= 0xDBFF then
            local l = sub(s, pos, pos + 5)
            if not find(l, "^\\u%x%x%x%x$") then bad() end
            local y = tonumber(sub(l, 3), 16)
            if y < 0xDC00 or y > 0xDFFF then bad() end
            x = 0x10000 + (x - 0xD800) * 0x400 + (y - 0xDC00)
            pos = pos + 6
          end
          out[#out + 1] = utf8_char(x)
        else
          bad()
        end
      end
    end
  end

  local function num()
    local tok = s:match("^-?%d+%.?%d*[eE]?[-+]?%d*", pos)
    if not tok then bad() end
    -- the strict grammar, piece by piece
    local int, rest = tok:match("^(-?%d+)(.*)$")
    if int:find("^-?0%d") then bad() end
    local frac, exp = rest:match("^(%.%d+)(.*)$")
    if not frac then
      frac, exp = "", rest
      if rest:find("^%.") then bad() end
    end
    if exp ~= "" and not exp:find("^[eE][-+]?%d+$") then bad() end
    pos = pos + #tok
    local v
    if frac == "" and exp == "" then
      v = tonumber(int)  -- Lua 5.4: an integer when it fits 64 bits, else a float
    else
      v = tonumber(tok)
    end
    if v == math.huge or v == -math.huge then bad() end
    return v
  end

  local value
  local function container(open, close, obj)
    depth = depth + 1
    if depth > 1000 then bad() end
    pos = pos + 1
    local t = obj and {} or setmetatable({}, MT)
    ws()
    if sub(s, pos, pos) == close then pos = pos + 1; depth = depth - 1; return t end
    local n = 0
    while true do
      ws()
      if obj then
        if sub(s, pos, pos) ~= '"' then bad() end
        local k = str()
        ws()
        if sub(s, pos, pos) ~= ":" then bad() end
        pos = pos + 1
        ws()
        local v = value()
        if v == null then t[k] = nil else t[k] = v end
      else
        n = n + 1
        t[n] = value()
      end
      ws()
      local c = sub(s, pos, pos)
      pos = pos + 1
      if c == close then break end
      if c ~= "," then bad() end
    end
    assert(open)
    depth = depth - 1
    return t
  end

  function value()
    local c = sub(s, pos, pos)
    if c == "{" then return container("{", "}", true)
    elseif c == "[" then return container("[", "]", false)
    elseif c == '"' then return str()
    elseif find(c, "^[-%d]$") then return num()
    elseif sub(s, pos, pos + 3) == "true" then pos = pos + 4; return true
    elseif sub(s, pos, pos + 4) == "false" then pos = pos + 5; return false
    elseif sub(s, pos, pos + 3) == "null" then pos = pos + 4; return null
    end
    bad()
  end

  ref = function(text)
    s, pos, depth = text, 1, 0
    local ok, v = pcall(function()
      ws()
      local r = value()
      ws()
      if pos <= #s then bad() end
      return r
    end)
    if ok then return v end
    if v ~= "reject" then error(v, 0) end
    return nil
  end
end

---------------------------------------------------------------------------------------------------

-- Same value; strict: number subtypes and the sign of 0.0 too.
local function same(a, b, strict, seen)
  if type(a) ~= type(b) then return false end
  if type(a) == "number" then
    if a ~= b then return false end
    if strict and (math_type(a) ~= math_type(b) or (a == 0 and 1 / a ~= 1 / b)) then return false end
    return true
  end
  if type(a) ~= "table" then return a == b end
  if getmetatable(a) ~= getmetatable(b) then return false end
  for k, v in pairs(a) do
    if not same(v, b[k], strict, seen) then return false end
  end
  for k in pairs(b) do
    if a[k] == nil then return false end
  end
  return true
end

-- Same value, numbers compared as doubles (cjson reads every number as one), arrays marked by
-- each module's own mark.
local function same_fallback(a, b)
  if type(a) ~= type(b) then return false end
  if type(a) == "number" then return a + 0.0 == b + 0.0 end
  if type(a) ~= "table" then return a == b end
  if (getmetatable(a) == MT) ~= lc.is_array(b) then return false end
  for k, v in pairs(a) do
    if not same_fallback(v, b[k]) then return false end
  end
  for k in pairs(b) do
    if a[k] == nil then return false end
  end
  return true
end

local function check_decode(data)
  local v, err = decode(data)
  local want = ref(data)
  if v == nil then
    if type(err) ~= "string" then fail("decode: no message") end
    local at = tonumber(err:match(" at byte (%d+)$"))
    if not at or at < 1 or at > #data + 1 then fail("decode: bad message %q", err) end
    if want ~= nil then fail("decode rejects what the reference accepts: %q (%s)", data, err) end
    return
  end
  if err ~= nil then fail("decode: a value and a message") end
  if want == nil then fail("decode accepts what the reference rejects: %q", data) end
  if not same(v, want, true) then fail("decode and the reference differ on %q", data) end
  -- encode it, and read it back
  local text, eerr = encode(v)
  if not text then fail("encode of a decoded value failed: %s", eerr) end
  if find((text:gsub("\\\\", "")), "\\/", 1, true) then fail("encode escaped a /") end
  local back, berr = decode(text)
  if back == nil then fail("encode wrote what decode rejects: %q (%s)", text, berr) end
  if not same(v, back, false) then fail("decode(encode(v)) differs from v for %q", data) end
  local ltext, lerr = lj.encode(v)
  if ltext ~= text then fail("C and Lua encoders differ: %q / %q (%s)", text, tostring(ltext), tostring(lerr)) end
  if lc then
    local fv, ferr = lc.decode(data)
    if fv == nil then fail("the cjson fallback rejects what the core reads: %q (%s)", data, tostring(ferr)) end
    if not same_fallback(v, fv) then fail("the cjson fallback and the core differ on %q", data) end
  end
end

local function check_string(data)
  local text, err = encode(data)
  local valid = utf8_len(data) ~= nil
  if valid ~= (text ~= nil) then fail("encode(string) and utf8.len disagree on %q (%s)", data, tostring(err)) end
  if text then
    local back = decode(text)
    if back ~= data then fail("a string does not read back: %q", data) end
  end
  local ltext, lerr = lj.encode(data)
  if ltext ~= text or lerr ~= err then fail("C and Lua encoders differ on a string: %q", data) end
  -- every short window too: random bytes are seldom UTF-8 as a whole, 4 of them often are
  for i = 1, math.min(#data, 64) do
    local w = sub(data, i, i + 3)
    if (utf8_len(w) ~= nil) ~= (encode(w) ~= nil) then fail("encode and utf8.len disagree on %q", w) end
  end
end

local UNHEX = {}
for c = 0, 255 do
  UNHEX[format("%%%02X", c)] = char(c)
  UNHEX[format("%%%02x", c)] = char(c)
end

local function check_escape(data)
  local e = core.escape(data)
  if find(e, "[^%w%-%._~%%]") then fail("escape left a reserved character: %q", e) end
  local back = e:gsub("%%%x%x", UNHEX)
  if back ~= data then fail("escape does not unescape to the input") end
  local k, v = data:match("^([^=]+)=(.*)$")
  if k then
    local f = core.form { [k] = v }
    if f ~= core.escape(k) .. "=" .. core.escape(v) then fail("form{k=v} is not escape(k)=escape(v)") end
  end
end

-- A value built from the bytes: any shape the encoders must judge.
local function build(data)
  local pos = 1
  local function b()
    local c = byte(data, pos) or 0
    pos = pos + 1
    return c
  end
  local function piece(n)
    local s = sub(data, pos, pos + n - 1)
    pos = pos + n
    return s
  end
  local tables = {}
  local function val(depth)
    local c = b()
    local k = c % 11
    if k == 0 then return piece(c // 11 % 8)
    elseif k == 1 then
      local s = piece(8)
      return #s == 8 and string.unpack("<d", s) or 0.5
    elseif k == 2 then
      local s = piece(8)
      return #s == 8 and string.unpack("<j", s) or -1
    elseif k == 3 then return c >= 128
    elseif k == 4 then return null
    elseif k == 5 and #tables > 0 then return tables[c % #tables + 1]  -- maybe a cycle
    elseif k == 6 then return print
    elseif depth < 12 and pos <= #data then
      local t = (k == 7) and setmetatable({}, MT) or {}
      tables[#tables + 1] = t
      for _ = 1, b() % 7 do
        local kc = b()
        local key
        local kk = kc % 8
        if kk <= 3 then key = #t + 1
        elseif kk == 4 then key = piece(kc // 8 % 6)
        elseif kk == 5 then key = kc // 8 - 8
        elseif kk == 6 then key = (kc // 8) + 0.5
        else key = kc >= 128 end
        t[key] = val(depth + 1)
      end
      return t
    end
    return c
  end
  return val(0)
end

local function check_tables(data)
  local v = build(data)
  local text, err = encode(v)
  local ltext, lerr = lj.encode(v)
  if text ~= ltext then fail("C and Lua encoders differ on a built value: %q / %q", tostring(text), tostring(ltext)) end
  if err ~= lerr then
    -- the C core cuts long paths; the messages must agree up to " at $"
    local ck, lk = err and err:match("^(.-) at %$"), lerr and lerr:match("^(.-) at %$")
    if not ck or ck ~= lk or #lerr < 200 then fail("C and Lua encoders' errors differ: %q / %q", tostring(err), tostring(lerr)) end
  end
  if text then
    local back = decode(text)
    if back == nil then fail("encode wrote what decode rejects: %q", text) end
  end
end

return function(data)
  check_decode(data)
  check_string(data)
  check_escape(data)
  check_tables(data)
end
