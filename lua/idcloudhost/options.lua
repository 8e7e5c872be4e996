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
  provider = typed("string"), base_url = typed("string"), location = typed("string"),
  timeout = positive, write_timeout = positive, connect_timeout = positive, deadline = positive,
  retries = count, retry_base = positive, retry_cap = positive,
  max_retry_wait = function(v) if type(v) ~= "number" or v < 0 then return "a number of seconds >= 0" end end,
  max_body = function(v)
    if type(v) ~= "number" or v ~= math.floor(v) or v < 1 then return "a whole number of bytes > 0" end
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
  debug = function(v)
    if type(v) ~= "boolean" and type(v) ~= "function" and v ~= 1 and v ~= 2 then
      return "true, 1, 2 or a function(line)"
    end
  end,
}

local function invalid(name, message)
  return nil, errors.invalid("idcloudhost.new: " .. message, name)
end

local function getenv(name)
  local v = os.getenv(name)
  if v ~= nil and v ~= "" then return v end
end

--- "https://host[:port]" from a base URL, or nil and what is wrong with it.  Anything after the
-- authority would silently change every path (a path, "?", "#"), and userinfo would put a
-- secret into every URL.
function options.base_url(url)
  if url:find("%z") or url:find("%c") or url:find("%s") then return nil, "has a control character or a space" end
  local scheme, authority, rest = url:match("^(https?)://([^/?#]*)(.*)$")
  if not scheme then return nil, "must start with https:// or http://" end
  if authority:find("@", 1, true) then return nil, "must not carry a user or password" end
  local host, port = authority:match("^(%[[%x:.]+%])(.*)$")
  if not host then host, port = authority:match("^([%w.-]+)(.*)$") end
  if not host or host == "" then return nil, "has no host" end
  if port ~= "" then
    local n = port:match("^:(%d+)$")
    if not n or tonumber(n) < 1 or tonumber(n) > 65535 then return nil, "has a bad port" end
  end
  if rest ~= "" and not rest:find("^/+$") then
    return nil, "must have no path, query or fragment (the SDK adds /v1/...)"
  end
  return scheme .. "://" .. authority
end

--- A location slug ("cyc01"), or nil and an invalid error.
function options.slug(slug, what)
  if type(slug) ~= "string" or not slug:find("^[%w][%w_-]*$") or #slug > 64 then
    return nil, errors.invalid((what or "location") .. " must be a slug like \"cyc01\", got " .. tostring(slug), "location")
  end
  return slug
end

--- The checked settings of a client from the options of idcloudhost.new, or nil, err.
-- The api key is returned apart: it never becomes a field of anything.
function options.read(opts)
  if opts == nil then opts = {} end
  if type(opts) ~= "table" then return invalid(nil, "expected an options table") end
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
  if not base then
    local provider = opts.provider or getenv("IDCLOUDHOST_PROVIDER") or "idcloudhost"
    base = options.PROVIDERS[provider]
    if not base then
      return invalid("provider", "unknown provider '" .. provider .. "': use \"idcloudhost\" or \"elastis\", or base_url")
    end
  end
  local url, why = options.base_url(base)
  if not url then
    -- A user:password in the URL is a secret: the message shows the URL without it.
    local shown = base:gsub("^([%w+.-]*://)[^/?#]*@", "%1[redacted]@"):gsub("^[^/?#:]*:[^/?#]*@", "[redacted]@")
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
  return cfg, apikey
end

return options
