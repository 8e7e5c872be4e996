-- Parameter checks, run before anything is sent.  A parameter spec is a type name with an
-- optional "!" for required: "uuid!", "string", "integer", "number", "boolean", "json", "array",
-- "table", "ip" (an IPv4 or IPv6 address), "prefix" (an address or a CIDR prefix: "10.0.0.0/24"),
-- "pubkey" (an OpenSSH public key line: private key material is refused, its text never shown),
-- "pubkeys" (a list of them: a form sends it as the field repeated), "document" (a table, sent
-- as JSON text, or non-empty text sent as it is: YAML, or JSON when it opens with { or [),
-- "bucket" (an S3 bucket name), "seconds" (a finite number > 0).  Path parameters are checked by
-- kind like the rest, so "." or ".." can never reach a URL.
local lazy = require "idcloudhost.lazy"
local errors = lazy "idcloudhost.call.errors"
local json = lazy "idcloudhost.json"

local check = {}

local UUID = "^%x%x%x%x%x%x%x%x%-%x%x%x%x%-%x%x%x%x%-%x%x%x%x%-%x%x%x%x%x%x%x%x%x%x%x%x$"

-- s in lower case when it is a UUID, else nil: the C core's core.uuid where it is built (a Lua
-- pattern costs more than all the rest of a call's parameter checks), this one elsewhere.
local function lua_uuid(s)
  if type(s) == "string" and s:find(UUID) then return s:lower() end
end
check.lua_uuid = lua_uuid -- (spec/unit/call/uuid_spec.lua holds both to the same answers)
local uuid_text = lua_uuid
local core = require("idcloudhost.native").core
if core and core.uuid then uuid_text = core.uuid end

function check.is_uuid(s)
  return uuid_text(s) ~= nil
end

--- true when s is an IPv4 address in dotted decimal (no leading zeros).
function check.is_ipv4(s)
  if type(s) ~= "string" then return false end
  local n = 0
  for part in (s .. "."):gmatch("([^.]*)%.") do
    n = n + 1
    if not part:find("^%d%d?%d?$") or (#part > 1 and part:sub(1, 1) == "0") or tonumber(part) > 255 then
      return false
    end
  end
  return n == 4
end

-- The ":"-separated groups of s (all of them hex groups of 1-4 digits), or nil.
local function hex_groups(s)
  local groups = {}
  if s == "" then return groups end
  for g in (s .. ":"):gmatch("([^:]*):") do
    if not g:find("^%x%x?%x?%x?$") then return nil end
    groups[#groups + 1] = g
  end
  return groups
end

--- true when s is an IPv6 address (RFC 4291 text forms, an IPv4 tail allowed, no zone).
function check.is_ipv6(s)
  if type(s) ~= "string" or not s:find(":", 1, true) then return false end
  local head, v4 = s, 0
  local last = s:match("([^:]*)$")
  if last:find(".", 1, true) then
    if not check.is_ipv4(last) then return false end
    v4 = 2
    head = s:sub(1, #s - #last)
    if head:sub(-2) ~= "::" then head = head:sub(1, -2) end -- the ":" before the IPv4 part
  end
  local a, b = head:match("^(.-)::(.*)$")
  if a then
    if b:find("::", 1, true) then return false end
    local ga, gb = hex_groups(a), hex_groups(b)
    return ga ~= nil and gb ~= nil and #ga + #gb + v4 < 8
  end
  local g = hex_groups(head)
  return g ~= nil and #g + v4 == 8
end

--- true when s is an IPv4 or IPv6 address, or a CIDR prefix of one ("10.0.0.0/24", "2001:db8::/32":
-- a prefix length within the family's bits, written without leading zeros).
function check.is_prefix(s)
  if type(s) ~= "string" then return false end
  local addr, bits = s:match("^([^/]+)/(%d%d?%d?)$")
  if not addr then return check.is_ipv4(s) or check.is_ipv6(s) end
  if #bits > 1 and bits:sub(1, 1) == "0" then return false end
  local n = tonumber(bits)
  if check.is_ipv4(addr) then return n <= 32 end
  return check.is_ipv6(addr) and n <= 128
end

--- nil when name follows the S3 bucket naming rules, else what is wrong with it.
function check.bucket_problem(name)
  if type(name) ~= "string" then return "must be a string, got " .. type(name) end
  if #name < 3 or #name > 63 then return "must be 3 to 63 characters long" end
  if name:find("[^a-z0-9.-]") then return "may hold only lowercase letters, digits, '.' and '-'" end
  for label in (name .. "."):gmatch("([^.]*)%.") do
    if not label:find("^[a-z0-9]") or not label:find("[a-z0-9]$") then
      return "must start and end with a letter or digit, also around each '.' (no '..')"
    end
  end
  if name:find("^%d+%.%d+%.%d+%.%d+$") then return "must not look like an IP address" end
  if name:find("^xn%-%-") then return "must not start with 'xn--'" end
  if name:find("%-s3alias$") or name:find("%-%-ol%-s3$") then return "must not end with '-s3alias' or '--ol-s3'" end
end

local function is_integer(v)
  return type(v) == "number" and v == math.floor(v) and v > -2^53 and v < 2^53
end

local function integer(v)
  return math.tointeger and math.tointeger(v) or v
end

-- An OpenSSH public key line, or nil, what was expected and true when the value may be secret
-- (private key material: refused before anything is sent, and never shown in the error).
local function pubkey(v)
  if type(v) ~= "string" or not v:find("%S") then return nil, "an OpenSSH public key line" end
  local upper = v:upper()
  if upper:find("PRIVATE KEY", 1, true) or upper:find("-----BEGIN", 1, true) or upper:find("PUTTY-USER-KEY", 1, true) then
    return nil, "a public key line (\"ssh-ed25519 AAAA... user@host\"): this looks like PRIVATE key material,"
      .. " which must never leave your machine (its text is not shown)", true
  end
  return v
end

-- Each converter returns the value as it travels, or nil and what was expected (and true when
-- the value must not be shown).
local convert = {
  string = function(v)
    if type(v) == "string" then return v end
    -- (a number as its text: never "nan", "inf" or the rounded "9.2233720368548e+18")
    if type(v) == "number" and v == v and v >= -2^53 and v <= 2^53 then
      return v == math.floor(v) and string.format("%d", v) or tostring(v)  -- (not 9.007199254741e+15 on 5.1)
    end
    return nil, "a string"
  end,
  uuid = function(v)
    local u = uuid_text(v)
    if u then return u end
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
  -- A time: finite and > 0 (a timeout of 0 or -1 would be refused by the transport, or mean "none").
  -- A timeout: seconds, at most an hour (5000 is an OpenResty user's milliseconds, refused).
  seconds = function(v)
    if type(v) == "number" and v > 0 and v <= 3600 then return v end
    return nil, "a number of seconds > 0, at most 3600 (timeouts are seconds, not milliseconds)"
  end,
  boolean = function(v)
    if type(v) == "boolean" then return v end
    return nil, "true or false"
  end,
  -- Sent as JSON text: a table is encoded, a string must already be JSON.
  json = function(v)
    if type(v) == "table" then
      local text, why = json.encode(v)
      if text then return text end
      return nil, "a table JSON can encode (" .. tostring(why) .. ")"
    end
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
  ["function"] = function(v)
    if type(v) == "function" then return v end
    return nil, "a function"
  end,
  -- An id the platform makes that is no UUID (a replica's): letters, digits and dashes.
  ident = function(v)
    if type(v) == "string" and v:find("^[%w-]+$") then return v end
    return nil, "an id of letters, digits and dashes"
  end,
  ip = function(v)
    if check.is_ipv4(v) or check.is_ipv6(v) then return v end
    return nil, "an IP address like 103.151.0.2"
  end,
  prefix = function(v)
    if check.is_prefix(v) then return v end
    return nil, "an IP address or a CIDR prefix like 10.0.0.0/24"
  end,
  -- An OpenSSH public key line; private key material is refused (and never shown).
  pubkey = function(v)
    return pubkey(v)
  end,
  pubkeys = function(v)
    if type(v) ~= "table" or getmetatable(v) ~= nil and not json.is_array(v) or #v == 0 then
      return nil, "a list of public key lines"
    end
    local n = 0
    for _ in pairs(v) do n = n + 1 end
    if n ~= #v then return nil, "a list of public key lines" end
    local out = json.array()
    for i = 1, n do
      local key, expected, secret = pubkey(v[i])
      if not key then return nil, expected .. " (item " .. i .. ")", secret end
      out[i] = key
    end
    return out
  end,
  -- Text sent as it is (YAML, or JSON: text that opens with { or [ must be JSON), or a table
  -- sent as JSON text.
  document = function(v)
    if type(v) == "table" then return json.encode(v) end
    if type(v) == "string" and v:find("%S") then
      if not v:find("^%s*[{%[]") or json.decode(v) ~= nil then return v end
      return nil, "YAML text or JSON text (this opens like JSON but is none)"
    end
    return nil, "a table or non-empty text (YAML or JSON)"
  end,
  bucket = function(v)
    local problem = check.bucket_problem(v)
    if not problem then return v end
    return nil, "a bucket name (3 to 63 of a-z 0-9 . -): it " .. problem
  end,
}

local function describe(v)
  if type(v) == "string" then return string.format("%q", #v > 40 and v:sub(1, 40) .. "..." or v) end
  if type(v) == "number" then return "the number " .. tostring(v) end
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

-- specs (name -> spec string) as a list of {name, converter, required}, in pairs() order, made
-- once per specs table (every endpoint's are made once and kept).
local compiled = setmetatable({}, { __mode = "k" })
local function compile(specs)
  local list = {}
  for k, spec in pairs(specs) do
    local tname, required = parse(spec)
    list[#list + 1] = { k, convert[tname], required }
  end
  compiled[specs] = list
  return list
end

-- A table with a metatable (a proxy, an object) read once, protected: what its __pairs gives
-- (on every Lua, as the JSON encoder reads it), else its own fields, then each declared name
-- left out through __index; nil and why when reading it raises.
local function plain(params, specs)
  local copy = {}
  local mt = getmetatable(params)
  local mp = type(mt) == "table" and rawget(mt, "__pairs") or nil
  local ok, why = pcall(function()
    if mp then
      for k, v in mp(params) do copy[k] = v end
    else
      for k, v in next, params do copy[k] = v end
    end
    for k in pairs(specs) do
      if copy[k] == nil then copy[k] = params[k] end
    end
  end)
  if not ok then return nil, errors.text(why) end
  return copy
end

local function index(t, k) return t[k] end

--- t[k] of a table user code gave (an object, a proxy), read protected: the value, or nil and an
-- invalid error naming `what` and `name` when reading it raises.
function check.field(what, name, t, k)
  local ok, v = pcall(index, t, k)
  if ok then return v end
  return nil, errors.invalid(what .. ": " .. name .. " could not be read: " .. errors.text(v), name)
end

--- params as a plain table (itself when it has no metatable), read once and protected, or nil
-- and an invalid error naming `what` when reading it raises.  specs: the names it may hold
-- (read through __index); without them a table with __index and no __pairs cannot be read.
function check.plain(what, params, specs)
  if type(params) ~= "table" then return params end
  local mt = getmetatable(params)
  if mt == nil then return params end
  if not specs and (type(mt) ~= "table" or (rawget(mt, "__index") ~= nil and rawget(mt, "__pairs") == nil)) then
    return nil, errors.invalid(what .. ": the parameters are a table with __index and no __pairs (a proxy?): "
      .. "its fields cannot be read")
  end
  local copy, why = plain(params, specs or {})
  if not copy then return nil, errors.invalid(what .. ": the parameters could not be read: " .. why) end
  return copy
end

--- Checks params against specs (name -> spec string).  `what` names the call in messages.
-- Returns a new table of converted values (or `into` with them: params itself, converted in
-- place, when the caller made it), or nil and an "invalid" error.
function check.params(what, specs, params, into)
  if params ~= nil and type(params) ~= "table" then
    return nil, errors.invalid(what .. ": expected a table of parameters, got " .. type(params))
  end
  if params ~= into then
    local err
    params, err = check.plain(what, params, specs)
    if err then return nil, err end
  end
  local out = into or {}
  if params ~= nil then
    for k in pairs(params) do
      if type(k) ~= "string" then
        return nil, errors.invalid(what .. ": expected named parameters, like {name = value}")
      elseif specs[k] == nil then
        return nil, errors.invalid(what .. ": unknown parameter '" .. tostring(k) .. "'", k)
      end
    end
  else
    params = out  -- (empty)
  end
  local list = compiled[specs] or compile(specs)
  for i = 1, #list do
    local c = list[i]
    local k, required = c[1], c[3]
    local v = params[k]
    if v == nil or (required and v == "") then
      if required then
        return nil, errors.invalid(what .. ": " .. (v == "" and "empty" or "missing") .. " required parameter '" .. k .. "'", k)
      end
    else
      local cv, expected, secret = c[2](v)
      if cv == nil then
        -- (a value that may be a secret is not shown, not even its start)
        return nil, errors.invalid(string.format("%s: parameter '%s' must be %s%s",
          what, k, expected, secret and "" or (", got " .. describe(v))), k)
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

--- The uuid of an object (its `uuid` field) or a uuid given as such, checked against spec
-- ("uuid!" unless given): the one way a method takes "a VM or its uuid".
function check.uuid_of(what, name, v, spec)
  if type(v) == "table" then
    local err
    v, err = check.field(what, name, v, "uuid")
    if err then return nil, err end
  end
  return check.value(what, name, spec or "uuid!", v)
end

return check
