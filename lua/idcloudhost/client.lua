-- The client: options, the request pipeline (encode, send, retry, decode, errors) and the
-- resource families, which are loaded on first use (client.vms, ...).
local check = require "idcloudhost.check"
local errors = require "idcloudhost.errors"
local json = require "idcloudhost.json"
local resource = require "idcloudhost.resource"
local transport = require "idcloudhost.transport"

local Client = { __name = "idcloudhost.client" }

local PROVIDERS = {
  idcloudhost = "https://api.idcloudhost.com",
  elastis = "https://api.elastis.id",
}

-- client.<name> → the module that implements that family (each returns {new = fn(client)}).
local FAMILIES = {
  vms = "idcloudhost.vms",
  disks = "idcloudhost.disks", s3 = "idcloudhost.s3", buckets = "idcloudhost.buckets",
  networks = "idcloudhost.networks", floating_ips = "idcloudhost.floating_ips",
  load_balancers = "idcloudhost.load_balancers",
  user = "idcloudhost.user", tokens = "idcloudhost.tokens", locations = "idcloudhost.locations",
  catalog = "idcloudhost.catalog", billing_accounts = "idcloudhost.billing_accounts",
  cards = "idcloudhost.cards", invoices = "idcloudhost.invoices", pricing = "idcloudhost.pricing",
  payments = "idcloudhost.payments",
}

local DEFAULTS = {
  timeout = 30,          -- reads
  write_timeout = 180,   -- VM creation blocks over 30 s on the platform, so writes get more
  connect_timeout = 10,
  retries = 3,
  retry_base = 0.5,      -- first backoff ceiling, doubled per attempt
  retry_cap = 8,         -- backoff ceiling
  max_retry_wait = 60,   -- a Retry-After longer than this is not waited for
}

local VERSION = "0.1.0"

-- GET /v1/config/locations: needed by the client itself to walk every location.
local LOCATIONS = resource.endpoint("locations:list", { "GET", "config/locations" })

local OPTIONS = {
  apikey = "string", provider = "string", base_url = "string", location = "string",
  timeout = "number", write_timeout = "number", connect_timeout = "number",
  retries = "integer", retry_base = "number", retry_cap = "number", max_retry_wait = "number",
  user_agent = "string", ca_file = "string", insecure = "boolean", proxy = "string",
  transport = "function", on_request = "function", sleep = "function",
}

local function getenv(name)
  local v = os.getenv(name)
  if v ~= nil and v ~= "" then return v end
end

local function check_options(opts)
  for k, v in pairs(opts) do
    local want = OPTIONS[k]
    if not want then return nil, errors.invalid("idcloudhost.new: unknown option '" .. tostring(k) .. "'", k) end
    local got = type(v)
    if want == "integer" then
      if got ~= "number" or v ~= math.floor(v) or v < 0 then
        return nil, errors.invalid("idcloudhost.new: option '" .. k .. "' must be a whole number", k)
      end
    elseif got ~= want then
      return nil, errors.invalid("idcloudhost.new: option '" .. k .. "' must be a " .. want .. ", got " .. got, k)
    end
  end
  return true
end

local function check_slug(slug)
  if slug ~= nil and not (type(slug) == "string" and slug:find("^[%w][%w_-]*$")) then
    return nil, errors.invalid("location must be a slug like \"cyc01\", got " .. tostring(slug), "location")
  end
  return true
end

--- idcloudhost.new(opts): a client, or nil, err.
function Client.new(opts)
  opts = opts or {}
  if type(opts) ~= "table" then return nil, errors.invalid("idcloudhost.new: expected an options table") end
  local ok, err = check_options(opts)
  if not ok then return nil, err end
  local apikey = opts.apikey or getenv("IDCLOUDHOST_API_KEY")
  if not apikey then
    return nil, errors.invalid("no api key: pass apikey = ... or set IDCLOUDHOST_API_KEY", "apikey")
  end
  local base = opts.base_url or getenv("IDCLOUDHOST_BASE_URL")
  if not base then
    local provider = opts.provider or getenv("IDCLOUDHOST_PROVIDER") or "idcloudhost"
    base = PROVIDERS[provider]
    if not base then
      return nil, errors.invalid("unknown provider '" .. provider .. "': use \"idcloudhost\" or \"elastis\", or base_url", "provider")
    end
  end
  if not base:find("^https?://[^/]+") then
    return nil, errors.invalid("base_url must look like https://host, got " .. base, "base_url")
  end
  local location = opts.location or getenv("IDCLOUDHOST_LOCATION")
  ok, err = check_slug(location)
  if not ok then return nil, err end

  local cfg = {}
  for k, v in pairs(DEFAULTS) do cfg[k] = opts[k] or v end
  if opts.timeout and not opts.write_timeout then cfg.write_timeout = math.max(opts.timeout, DEFAULTS.write_timeout) end
  cfg.user_agent = opts.user_agent or ("idcloudhost-lua/" .. VERSION)
  cfg.on_request = opts.on_request

  local io_, ierr
  if opts.transport then
    io_ = transport.custom(opts.transport, opts)
  else
    io_, ierr = transport.session {
      timeout = cfg.timeout, connect_timeout = cfg.connect_timeout, user_agent = cfg.user_agent,
      ca_file = opts.ca_file, insecure = opts.insecure, proxy = opts.proxy, sleep = opts.sleep,
    }
    if not io_ then return nil, errors.invalid(ierr) end
  end
  -- The key lives in a closure, not a field: it cannot leak through pairs(), a dump or a log.
  local function headers(extra)
    local h = { apikey = apikey, Accept = "application/json", ["User-Agent"] = cfg.user_agent }
    for k, v in pairs(extra or {}) do h[k] = v end
    return h
  end
  local function redact(s)
    if type(s) ~= "string" then return s end
    local i, j = s:find(apikey, 1, true)
    while i do
      s = s:sub(1, i - 1) .. "[redacted]" .. s:sub(j + 1)
      i, j = s:find(apikey, i + 10, true)
    end
    return s
  end
  return setmetatable({
    base_url = base:gsub("/+$", ""), location = location,
    _cfg = cfg, _io = io_, _headers = headers, _redact = redact,
  }, Client)
end

function Client:__index(k)
  local m = Client[k]
  if m ~= nil then return m end
  local modname = FAMILIES[k]
  if modname then
    local family = require(modname).new(self)
    rawset(self, k, family)
    return family
  end
end

function Client:__tostring()
  return string.format("idcloudhost.client (%s%s)", self.base_url,
    self.location and (", location " .. self.location) or "")
end

--- A client for another location, sharing this one's connection pool and settings.
function Client:at(slug)
  local ok, err = check_slug(slug)
  if not ok then return nil, err end
  if slug == nil then return nil, errors.invalid("client:at(slug): slug is required", "location") end
  return setmetatable({
    base_url = self.base_url, location = slug,
    _cfg = self._cfg, _io = self._io, _headers = self._headers, _redact = self._redact,
  }, Client)
end

--- A client like this one whose I/O goes through io (used by batches).
function Client:_with_io(io_)
  return setmetatable({
    base_url = self.base_url, location = self.location,
    _cfg = self._cfg, _io = io_, _headers = self._headers, _redact = self._redact,
  }, Client)
end

--- Frees the connection pool now, rather than at garbage collection.
function Client:close()
  local s = self._io.session
  if s then s:close() end
end

------------------------------------------------------------------------------------------------
-- Many calls at once

--- Runs fn(item, client) for every item, up to opts.concurrency (8) at once, in one thread.
-- Returns results in item order, each {ok=, value=, err=}; opts.on_progress(done, total, item, result).
function Client:batch(items, fn, opts)
  if type(items) ~= "table" or type(fn) ~= "function" or (opts ~= nil and type(opts) ~= "table") then
    return nil, errors.invalid("client:batch(items, fn, opts): items is a list, fn a function, opts a table")
  end
  return require("idcloudhost.batch").run(self, items, fn, opts)
end

--- Runs fn(location_client, location) for every location of the platform, concurrently.
-- Returns results in the order of the locations, each {ok=, value=, err=, location=}.
function Client:each_location(fn, opts)
  if type(fn) ~= "function" then return nil, errors.invalid("client:each_location(fn, opts): fn must be a function") end
  local locations, err = self:call(LOCATIONS)
  if not locations then return nil, err end
  local results = self:batch(locations, function(loc, client)
    return fn(assert(client:at(loc.slug)), loc)
  end, opts)
  for i, r in ipairs(results) do r.location = locations[i].slug end
  return results
end

--- Every location's answer of client.<family>:list(), concatenated, each object tagged with
-- `location`.  Fails as a whole if one location fails (a partial list would mislead).
function Client:collect_locations(family)
  local results, err = self:each_location(function(client) return client[family]:list() end)
  if not results then return nil, err end
  local all = json.array()
  for _, r in ipairs(results) do
    if not r.ok then
      local e = r.err
      if errors.is(e) then e.message = "location " .. r.location .. ": " .. e.message return nil, e end
      return nil, errors.new { kind = "api", message = "location " .. r.location .. ": " .. tostring(e) }
    end
    for _, obj in ipairs(r.value) do
      obj.location = r.location
      all[#all + 1] = obj
    end
  end
  return all
end

------------------------------------------------------------------------------------------------
-- The pipeline

local function header(h, name)
  if not h then return nil end
  local v = h[name]
  if v then return v end
  name = name:lower()
  for k, x in pairs(h) do
    if type(k) == "string" and k:lower() == name then return x end
  end
end

local function retry_after(h)
  local v = header(h, "retry-after")
  local n = v and tonumber(v)
  if n and n >= 0 then return n end
end

local RETRY_STATUS = { [429] = true, [502] = true, [503] = true, [504] = true }
-- curl codes that mean the request never left: proxy/host resolution, connection refused.
local NOT_SENT = { [5] = true, [6] = true, [7] = true }

local function is_timeout(msg, code)
  return code == 28 or (type(msg) == "string" and msg:lower():find("timed? ?out") ~= nil)
end

function Client:_observe(rec)
  local hook = self._cfg.on_request
  if not hook then return end
  local redact = self._redact
  local h = {}
  for k, v in pairs(rec.headers) do
    h[k] = (type(k) == "string" and k:lower() == "apikey") and "[redacted]" or redact(v)
  end
  rec.headers = h
  rec.url, rec.body, rec.response_body = redact(rec.url), redact(rec.body), redact(rec.response_body)
  rec.error = redact(rec.error)
  -- A failing hook must not break the call it observes.
  pcall(hook, rec)
end

function Client:_backoff(attempt)
  local ceiling = math.min(self._cfg.retry_cap, self._cfg.retry_base * 2 ^ (attempt - 1))
  return math.random() * ceiling
end

-- Turns a 2xx answer into data: decoded JSON, or true for an empty body.
local function decode(res, ctx)
  local text = res.body or ""
  if not text:find("%S") then return true end
  local data, derr = json.decode(text)
  if data == nil then
    local what = text:find("^%s*<") and "an HTML page instead of JSON" or ("malformed JSON (" .. tostring(derr) .. ")")
    return nil, errors.new { kind = "decode", status = res.status, message = "the answer is " .. what,
      method = ctx.method, path = ctx.path, request_id = ctx.request_id, attempts = ctx.attempts }
  end
  return data
end

--- Sends one request with retries.  Returns decoded data (true for an empty body) or nil, err.
-- path is the URL path after the base; query and body are already encoded.
function Client:_send(method, path, body, content_type, timeout)
  local cfg, io_ = self._cfg, self._io
  local idempotent = method == "GET" or method == "HEAD"
  local req = {
    method = method, url = self.base_url .. path, body = body,
    headers = self._headers(content_type and { ["Content-Type"] = content_type }),
    timeout = timeout or (idempotent and cfg.timeout or cfg.write_timeout),
  }
  local ctx = { method = method, path = path:gsub("%?.*", ""), attempts = 0 }
  while true do
    ctx.attempts = ctx.attempts + 1
    local t0 = transport.now()
    local res, msg, code = io_.request(req)
    local rid = res and header(res.headers, "x-warren-correlation-id")
    ctx.request_id = rid
    self:_observe { method = method, url = req.url, headers = req.headers, body = body,
      status = res and res.status, response_headers = res and res.headers,
      response_body = res and res.body, error = not res and msg or nil,
      attempt = ctx.attempts, duration = transport.now() - t0, request_id = rid }
    local delay, err
    if not res then
      local kind = is_timeout(msg, code) and "timeout" or "network"
      err = errors.new { kind = kind, message = self._redact(tostring(msg)), curl_code = code,
        method = method, path = ctx.path, attempts = ctx.attempts }
      if idempotent or NOT_SENT[code] then delay = self:_backoff(ctx.attempts) end
    elseif res.status >= 400 then
      err = errors.from_response(res.status, res.body, ctx)
      err.message = self._redact(err.message)
      -- 429 comes from the gateway before the platform sees the call, so even writes are safe.
      if RETRY_STATUS[res.status] and (idempotent or res.status == 429) then
        delay = retry_after(res.headers) or self:_backoff(ctx.attempts)
      end
    else
      return decode(res, ctx)
    end
    if not delay or ctx.attempts > cfg.retries or delay > cfg.max_retry_wait then
      return nil, err
    end
    io_.sleep(delay)
  end
end

local function expand(path, values)
  return (path:gsub("{([%w_]+)}", function(name)
    local v = values[name]
    values[name] = nil
    return transport.core and transport.core.escape(tostring(v)) or tostring(v)
  end))
end

local function encode_query(values)
  if next(values) == nil then return "" end
  return "?" .. transport.core.form(values)
end

local ENCODERS = {
  form = function(v) return transport.core.form(v), "application/x-www-form-urlencoded" end,
  json = function(v)
    local text, err = json.encode(v)
    if not text then error("cannot encode the body as JSON: " .. err, 0) end
    return text, "application/json"
  end,
}

--- Runs a declared endpoint (see idcloudhost.resource).  params are the user's values.
function Client:call(ep, params, opts)
  local specs = ep.specs
  local values, err = check.params(ep.name, specs, params)
  if not values then return nil, err end
  if ep.billed and values.billing_account_id == nil then
    -- The platform wants an account for what it bills; the default one, looked up once per client.
    local id, berr = require("idcloudhost.billing_accounts").default_id(self)
    if berr then return nil, berr end
    values.billing_account_id = id
  end
  local path = "/v1/" .. ((ep.loc and self.location) and (self.location .. "/") or "") .. expand(ep.path, values)
  local query, body = {}, {}
  for k, v in pairs(values) do
    if ep.where[k] == "query" then query[k] = v else body[k] = v end
  end
  local text, ctype
  if ep.body then
    if ep.body == "form" and next(body) == nil then
      text, ctype = nil, nil
    else
      local ok, t, c = pcall(ENCODERS[ep.body], body)
      if not ok then return nil, errors.invalid(ep.name .. ": " .. t) end
      text, ctype = t, c
    end
  end
  return self:_send(ep.method, path .. encode_query(query), text, ctype, opts and opts.timeout)
end

--- The escape hatch for any endpoint: client:request("GET", "/v1/user-resource/vm/list").
-- params travel in the query string for GET/HEAD/DELETE-less-bodies, else as a form;
-- opts.json = true sends a JSON body; opts.location = true inserts the client's slug after /v1/.
function Client:request(method, path, params, opts)
  opts = opts or {}
  if type(method) ~= "string" or not method:find("^%u+$") then
    return nil, errors.invalid("client:request: method must be an upper-case HTTP verb like \"GET\"")
  end
  if type(path) ~= "string" or path:sub(1, 1) ~= "/" then
    return nil, errors.invalid("client:request: path must start with /, like /v1/user-resource/vm/list")
  end
  if params ~= nil and type(params) ~= "table" then
    return nil, errors.invalid("client:request: params must be a table")
  end
  if opts.location and self.location then
    path = path:gsub("^/v1/", "/v1/" .. self.location .. "/")
  end
  params = params or {}
  local text, ctype
  if method == "GET" or method == "HEAD" or opts.query then
    local ok, q = pcall(encode_query, params)
    if not ok then return nil, errors.invalid("client:request: " .. q) end
    path = path .. q
  elseif next(params) ~= nil or opts.json then
    local ok, t, c = pcall(ENCODERS[opts.json and "json" or "form"], params)
    if not ok then return nil, errors.invalid("client:request: " .. t) end
    text, ctype = t, c
  end
  return self:_send(method, path, text, ctype, opts.timeout)
end

Client.VERSION = VERSION
Client.PROVIDERS = PROVIDERS
Client.FAMILIES = FAMILIES

return Client
