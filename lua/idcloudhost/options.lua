-- Client options: every default in one place, every check done at idcloudhost.new, so that a
-- call never fails for a setting that new() could have refused.
local lazy = require "idcloudhost.lazy"
local errors = lazy "idcloudhost.call.errors"
local VERSION = require "idcloudhost.version"

local options = {}

options.PROVIDERS = {
  idcloudhost = "https://api.idcloudhost.com",
  elastis = "https://api.elastis.id",
}

options.DEFAULTS = {
  timeout = 30,            -- seconds, one attempt of a read
  write_timeout = 180,     -- seconds, one attempt of a write: VM creation blocks over 30 s
  connect_timeout = 10,
  deadline = nil,          -- seconds, a whole call with its retries and waits; nil: no bound
  retries = 3,
  retry_base = 0.5,        -- first backoff ceiling, doubled per attempt
  retry_cap = 8,           -- backoff ceiling
  max_retry_wait = 60,     -- a Retry-After longer than this is not waited for
  max_body = 64 * 1024 * 1024, -- bytes of one answer, after decompression (2,500 VMs: ~5 MB)
  user_agent = "idcloudhost-lua/" .. VERSION,
}

-- name -> checker(v) returning nil when v is fine, else what it should be.
local function positive(v)
  if type(v) ~= "number" or v ~= v or v <= 0 or v == math.huge then return "a number of seconds > 0" end
end

-- Timeouts are seconds.  An hour is the most any of them may be: 5000 is an OpenResty user's
-- milliseconds (lua-resty-http's unit), which would otherwise wait 83 minutes.
options.MAX_TIMEOUT = 3600
local function timeout_check(v)
  local want = positive(v)
  if want then return want end
  if v > options.MAX_TIMEOUT then
    return "at most " .. options.MAX_TIMEOUT .. " seconds (timeouts are seconds, not milliseconds)"
  end
end
options.timeout_check = timeout_check

-- pool = {size = n, idle = seconds, name = "..."}: the ngx transport's keep-alive pools.
local POOL_FIELDS = { size = true, idle = true, name = true }
local function pool_check(v)
  local want = "a table {size = connections >= 1, idle = seconds > 0 (at most 3600), name = a string}"
  if type(v) ~= "table" then return want end
  for k in pairs(v) do
    if not POOL_FIELDS[k] then return want .. " (unknown field " .. tostring(k) .. ")" end
  end
  if v.size ~= nil and (type(v.size) ~= "number" or v.size ~= math.floor(v.size) or v.size < 1 or v.size > 1e6) then
    return want
  end
  if v.idle ~= nil and timeout_check(v.idle) then return want end
  if v.name ~= nil and (type(v.name) ~= "string" or not v.name:find("^[%w_.:-]+$")) then return want end
end
local function count(v)
  if type(v) ~= "number" or v ~= math.floor(v) or v < 0 or v == math.huge then return "a whole number >= 0" end
end
local function string_of(pattern, what)
  return function(v)
    if type(v) ~= "string" or not v:find(pattern) then return what end
  end
end
local function typed(t)
  return function(v)
    if type(v) ~= t then return "a " .. t end
  end
end

local CHECKS = {
  -- Printable ASCII without spaces: it travels in a header, and an empty key would make
  -- redaction find it everywhere.
  apikey = string_of("^[\33-\126]+$", "a non-empty string of printable characters without spaces"),
  provider = typed("string"), base_url = typed("string"), location = typed("string"), profile = typed("string"),
  timeout = timeout_check, write_timeout = timeout_check, connect_timeout = timeout_check,
  deadline = timeout_check, pool = pool_check,
  -- {per_second =, burst =, shared =} or a limiter (idcloudhost.rate_limiter): checked by call/rate.lua
  rate = function(v)
    if type(v) ~= "table" then return "a table {per_second =, burst = [, shared =]} or idcloudhost.rate_limiter(...)" end
  end,
  retries = count, retry_base = positive, retry_cap = positive,
  max_retry_wait = function(v)
    if type(v) ~= "number" or v ~= v or v < 0 or v == math.huge then return "a number of seconds >= 0" end
  end,
  max_body = function(v)
    if type(v) ~= "number" or v ~= math.floor(v) or v < 1 or v == math.huge then return "a whole number of bytes > 0" end
  end,
  user_agent = string_of("^[\32-\126]+$", "a non-empty string of printable characters"),
  ca_file = string_of("^[^%z]+$", "a file name"), proxy = string_of("^[^%z%c]+$", "a proxy URL"),
  insecure = typed("boolean"), blocking = typed("boolean"),
  transport = function(v)
    if type(v) ~= "function" and v ~= "auto" and v ~= "curl" and v ~= "ngx" then
      return 'a function, or "auto", "curl" or "ngx"'
    end
  end,
  on_request = typed("function"), sleep = typed("function"),
  clock = function(v)
    if type(v) ~= "table" or type(v.now) ~= "function" or type(v.sleep) ~= "function" then
      return "a table {now = function, sleep = function(seconds)}"
    end
  end,
  debug = function(v)
    if type(v) ~= "boolean" and type(v) ~= "function" and v ~= 1 and v ~= 2 then
      return "true, 1, 2 or a function(line)"
    end
  end,
}

options.CHECKS = CHECKS -- (the settings a profile may hold: idcloudhost.profile)

local function invalid(name, message)
  return nil, errors.invalid("idcloudhost.new: " .. message, name)
end

local function getenv(name)
  local v = os.getenv(name)
  if v ~= nil and v ~= "" then return v end
end

--- "https://host[:port]" from a base URL, or nil and what is wrong with it (idcloudhost.url,
-- loaded when a base URL is given: a provider's own is written right).
function options.base_url(url)
  return require("idcloudhost.url").base_url(url)
end

--- A location slug ("cyc01"), or nil and an invalid error.
function options.slug(slug, what)
  if type(slug) ~= "string" or not slug:find("^[%w][%w_-]*$") or #slug > 64 then
    return nil, errors.invalid((what or "location") .. " must be a slug like \"cyc01\", got " .. tostring(slug), "location")
  end
  return slug
end

-- ---------------------------------------------------------------------------------------------
-- Profiles: named sets of options in a Lua data file (README, "Profiles"; idcloudhost.profile
-- reads it).

--- The profile file: $IDCLOUDHOST_CONFIG, else $XDG_CONFIG_HOME (or ~/.config)/idcloudhost/config.lua.
function options.config_path()
  local p = getenv("IDCLOUDHOST_CONFIG")
  if p then return p end
  local base = getenv("XDG_CONFIG_HOME") or (getenv("HOME") and (getenv("HOME") .. "/.config"))
  return base and (base .. "/idcloudhost/config.lua")
end

-- opts with the profile in use merged under them (opts win; the profile wins over the
-- IDCLOUDHOST_* variables), or opts itself when no profile is in use: one is named (the
-- profile option, $IDCLOUDHOST_PROFILE), or the file's default when nothing gives a key.  The
-- file is read by idcloudhost.profile, loaded only then.
local function with_profile(opts)
  local name = opts.profile or getenv("IDCLOUDHOST_PROFILE")
  if name == nil and (opts.apikey or getenv("IDCLOUDHOST_API_KEY")) then return opts end
  return require("idcloudhost.profile").with(opts, name)
end

--- The checked settings of a client from the options of idcloudhost.new, or nil, err.
-- The api key is returned apart: it never becomes a field of anything.
function options.read(opts)
  if opts == nil then opts = {} end
  if type(opts) ~= "table" then return invalid(nil, "expected an options table") end
  if opts.profile ~= nil and type(opts.profile) ~= "string" then
    return invalid("profile", "option 'profile' must be a string, got " .. tostring(opts.profile))
  end
  local perr
  opts, perr = with_profile(opts)
  if not opts then return nil, perr end
  for k, v in pairs(opts) do
    local chk = CHECKS[k]
    if not chk then return invalid(k, "unknown option '" .. tostring(k) .. "'") end
    local want = chk(v)
    if want then
      return invalid(k, "option '" .. k .. "' must be " .. want .. (k == "apikey" and "" or (", got " .. tostring(v))))
    end
  end
  local apikey = opts.apikey or getenv("IDCLOUDHOST_API_KEY")
  if not apikey then return invalid("apikey", "no api key: pass apikey = ... or set IDCLOUDHOST_API_KEY") end
  if CHECKS.apikey(apikey) then return invalid("apikey", "IDCLOUDHOST_API_KEY must be " .. CHECKS.apikey(apikey)) end

  local base = opts.base_url or getenv("IDCLOUDHOST_BASE_URL")
  local url, why
  if not base then
    local provider = opts.provider or getenv("IDCLOUDHOST_PROVIDER") or "idcloudhost"
    base = options.PROVIDERS[provider]
    if not base then
      return invalid("provider", "unknown provider '" .. provider .. "': use \"idcloudhost\" or \"elastis\", or base_url")
    end
    url = base -- (a provider's URL is ours: nothing to check)
  else
    url, why = options.base_url(base)
  end
  if not url then
    -- A user:password in the URL is a secret: the message shows the URL without it.
    -- (whatever comes before the last "@" ahead of any "?" or "#", with or without a scheme:
    -- "user:pass@host", "//user:pass@host", "http:/user:pass@host")
    local scheme = base:match("^[%w+.-]*://") or base:match("^/*")
    local shown = scheme .. base:sub(#scheme + 1):gsub("^[^?#]*@", "[redacted]@")
    return invalid("base_url", "base_url " .. why .. ", got " .. string.format("%q", shown))
  end
  local location = opts.location or getenv("IDCLOUDHOST_LOCATION")
  if location ~= nil then
    local ok, err = options.slug(location)
    if not ok then return nil, err end
  end

  local cfg = {}
  for k, v in pairs(options.DEFAULTS) do cfg[k] = v end
  for k, v in pairs(opts) do
    if k ~= "apikey" then cfg[k] = v end
  end
  -- A longer read timeout also lengthens writes (never the other way round).
  if opts.timeout and not opts.write_timeout then cfg.write_timeout = math.max(opts.timeout, cfg.write_timeout) end
  if cfg.debug == nil then
    local level = tonumber(getenv("IDCLOUDHOST_DEBUG") or "")
    if level and level > 0 then cfg.debug = level >= 2 and 2 or 1 end
  end
  cfg.base_url, cfg.location = url, location
  if opts.rate ~= nil then
    -- The limiter object (shared by every client given the same one); loaded only when asked for.
    local limiter, err = require("idcloudhost.call.rate").of(opts.rate)
    if not limiter then return invalid("rate", "option 'rate' " .. err) end
    cfg.rate = limiter
  end
  return cfg, apikey
end

return options
