-- The request pipeline: one call from the caller's parameters to a value or an error value.
-- All the policy of a request lives here, once: where parameters travel, which attempts are
-- made again (retry_policy), how long a call may take (timeouts, deadlines), what an answer must
-- look like (each endpoint's `answer`), and what may be shown of it (redaction, hooks, the
-- debug log).  Transports only move bytes (docs/architecture.md).
local check = require "idcloudhost.call.check"
local encode = require "idcloudhost.call.encode"
local errors = require "idcloudhost.call.errors"
local json = require "idcloudhost.json"
local runtime = require "idcloudhost.runtime"
local answer = require "idcloudhost.call.answer"
local observe = require "idcloudhost.call.observe"
local secrets = require "idcloudhost.call.secrets"

local pipeline = {}
local plain = runtime.plain

------------------------------------------------------------------------------------------------
-- Retries

-- Transport failures before the request left: any request may be sent again.
local NOT_SENT = { COULDNT_RESOLVE_HOST = true, COULDNT_RESOLVE_PROXY = true, COULDNT_CONNECT = true }
-- Failures that another attempt cannot mend (or must not: a refused certificate).
local NEVER = {
  PEER_FAILED_VERIFICATION = true, SSL_CONNECT_ERROR = true, SSL_CACERT_BADFILE = true,
  SSL_CERTPROBLEM = true, SSL_ISSUER_ERROR = true, SSL_PINNEDPUBKEYNOTMATCH = true,
  SSL_CRL_BADFILE = true, SSL_INVALIDCERTSTATUS = true, SSL_CIPHER = true, USE_SSL_FAILED = true,
  FILESIZE_EXCEEDED = true, UNSUPPORTED_PROTOCOL = true, URL_MALFORMAT = true,
  OUT_OF_MEMORY = true, BAD_FUNCTION_ARGUMENT = true, BAD_TRANSPORT_ANSWER = true,
}
local RETRY_STATUS = { [502] = true, [503] = true, [504] = true }

-- A 429 the gateway (Kong's rate limiting) sent before the platform saw the call: it says so
-- in its body or its rate-limit headers.  Any other 429 on a write may come after the write.
local function gateway_refused(res)
  for k in pairs(res.headers) do
    if k:find("^x%-ratelimit%-") or k:find("^ratelimit%-") then return true end
  end
  return res.body:lower():find("rate limit", 1, true) ~= nil
end

--- The one retry rule: may an attempt that ended so be made again?  write: the call changes
-- something (no idempotency keys on the platform: a replayed create is a second VM).
local function retry_policy(write, res, name)
  if not res then
    if NEVER[name] then return false end
    return not write or NOT_SENT[name] == true
  end
  if res.status == 429 then return not write or gateway_refused(res) end
  return not write and RETRY_STATUS[res.status] == true
end
pipeline.retry_policy = retry_policy

local function retry_after(res)
  local n = tonumber(res.headers["retry-after"] or "")
  if n and n >= 0 then return n end
end

-- Capped exponential backoff with full jitter.
local function backoff(cfg, attempt)
  return math.random() * math.min(cfg.retry_cap, cfg.retry_base * 2 ^ (attempt - 1))
end

------------------------------------------------------------------------------------------------
-- Outcomes: an attempt's answer or failure as a value, or an error value

local function redirect(res, ctx, redact)
  local to = redact(res.headers["location"])
  return errors.new { kind = "api", status = res.status, location = to,
    message = "the server answered a redirect" .. (to and (" to " .. to) or "")
      .. ", which is not followed: check the base URL",
    method = ctx.method, path = ctx.path, request_id = ctx.request_id, attempts = ctx.attempts }
end

-- The record of a call that its failures, deadline and observers read (cfg, method, path,
-- answer, redact, write): made only when one of them needs it.  ep says what the call is (a
-- declared endpoint, or the escape hatch's {method, answer, write}).  (A call that succeeded
-- unobserved used to build one all the same: ten fields, ~3,400 of a vms:get's ~212,000
-- instructions.)
local function record(shared, ep, path, redact)
  return { cfg = shared.cfg, method = ep.method, path = path, answer = ep.answer, redact = redact, write = ep.write }
end

-- The value of attempt number `attempts` of the call (ep to path, redact: its redactor) that
-- ended with res (or msg, name), or nil and its error value.  c and ctx, the error's context,
-- are made only when the attempt failed: a call that succeeds builds neither.
local function outcome(shared, ep, path, redact, res, msg, name, attempts)
  local status = res and res.status
  local why, refused
  if status and status >= 200 and status < 300 then
    local data
    data, why, refused = answer.read(ep.answer, res)
    if data ~= nil then return data end
  end
  local c = record(shared, ep, path, redact)
  local write = c.write
  local ctx = { method = c.method, path = c.path, attempts = attempts, request_id = answer.request_id(res) }
  local err
  if why then
    err = answer.misread(c.answer, res, ctx, write, why, refused)
  elseif not res then
    local kind = name == "OPERATION_TIMEDOUT" and "timeout" or name == "FILESIZE_EXCEEDED" and "decode" or "network"
    err = errors.new { kind = kind, code = name, message = tostring(msg),
      method = ctx.method, path = ctx.path, attempts = ctx.attempts,
      uncertain = (write and not NOT_SENT[name]) or nil }
  elseif res.status >= 400 then
    err = errors.from_response(res.status, res.body, ctx)
    if write and res.status >= 500 then err.uncertain = true end
  elseif res.status >= 300 then
    err = redirect(res, ctx, c.redact)
  else
    err = errors.new { kind = "network", code = "WEIRD_SERVER_REPLY", message = "a final answer with status "
      .. res.status, method = ctx.method, path = ctx.path, request_id = ctx.request_id, attempts = ctx.attempts }
  end
  -- Whatever the server echoed, the key (and the call's passwords) leave in no field; the SDK's
  -- own words stay as they are.
  local kind, verb = err.kind, err.method
  secrets.deep(err, c.redact)
  err.kind, err.method = kind, verb
  return nil, err
end

------------------------------------------------------------------------------------------------
-- Sending, with retries, within the deadline

local function too_large(cfg)
  return nil, "FILESIZE_EXCEEDED: the answer is larger than max_body (" .. cfg.max_body .. " bytes)", "FILESIZE_EXCEEDED"
end

local function deadline_error(c, attempts, last)
  local cfg = c.cfg
  local e = last or errors.new { kind = "timeout", method = c.method, path = c.path, message = "" }
  e.kind = "timeout"
  e.message = "the call's deadline passed" .. (cfg.deadline and (" (deadline " .. cfg.deadline .. " s)") or "")
    .. (last and ("; last: " .. tostring(last.message)) or "")
  e.attempts = attempts - 1
  return nil, e
end

-- The error of a call that cannot go on because its client was closed: kind "invalid" as for
-- any call after close(); uncertain when a write was in flight (it may have been carried out).
-- attempts: how many were sent; write_in_flight: a write was cut.
local function closed_error(c, attempts, last, write_in_flight)
  local e = errors.invalid("the client is closed (client:close())" .. (write_in_flight
    and ", the write was in flight" or "")
    .. (last and ("; last: " .. tostring(last.message)) or ""))
  e.method, e.path, e.attempts, e.uncertain = c.method, c.path, attempts, write_in_flight or nil
  return nil, e
end

-- Sends one call (what its attempts share, passed as they are: no record per call):
--   shared        the client's shared state (its settings: shared.cfg)
--   ep            what the call is: method, answer (what a 2xx must hold), write (whether it
--                 changes something); a declared endpoint, or the escape hatch's own
--   path          the path after the base URL (no query)
--   query, body   "" or the encoded query fields; the body text or nil
--   headers, redact   the request's headers, the call's redactor
--   given_timeout seconds per attempt (nil: the client's)
local function send(shared, ep, path, query, body, headers, redact, given_timeout)
  local cfg = shared.cfg
  if shared.closed then return nil, errors.invalid("the client is closed (client:close())") end
  local rt, t, terr, deadline = runtime.attempt(shared)
  -- A host may refuse a call where it would do harm (Neovim: freezing the editor).
  local why = rt.refuse_call and rt:refuse_call(cfg)
  if why then return nil, errors.invalid(why) end
  if not t then return nil, terr end
  local write = ep.write
  local per_attempt = given_timeout or (write and cfg.write_timeout or cfg.timeout)
  local watch = cfg.on_request or cfg.debug
  -- The clock is read when something needs it: a deadline, an observer's durations, a retry.
  local now = (deadline or cfg.deadline or watch) and rt:now()
  if cfg.deadline and (not deadline or now + cfg.deadline < deadline) then deadline = now + cfg.deadline end
  local url = cfg.base_url .. path .. (query == "" and "" or "?") .. query  -- (one new string)
  local attempts, last = 0, nil
  while true do
    -- (closed since: by a hook before this retry, or by another item of a batch)
    if shared.closed then return closed_error(record(shared, ep, path, redact), attempts, last) end
    attempts = attempts + 1
    local timeout = per_attempt
    if deadline then
      local left = deadline - now
      if left <= 0 then return deadline_error(record(shared, ep, path, redact), attempts, last) end
      if left < timeout then timeout = left end
    end
    -- A table per attempt: a transport may keep what it was given.
    local req = { method = ep.method, url = url, headers = headers, body = body, timeout = timeout, fresh = write }
    -- (rate: a client-side rate limit, call/rate.lua, holds every attempt to its slots)
    local res, msg, name
    if cfg.rate then res, msg, name = cfg.rate:send(rt, t, req, cfg) elseif rt == plain then
      res, msg, name = t:request(req) -- (what plain Lua's rt:request does, a call less)
    else
      res, msg, name = rt:request(t, req)
    end
    -- Closed while in flight: the transfer was cut (a write may have landed all the same).
    if not res and shared.closed then return closed_error(record(shared, ep, path, redact), attempts, nil, write) end
    if res and #res.body > cfg.max_body then res, msg, name = too_large(cfg) end
    if watch then observe(record(shared, ep, path, redact), rt, req, res, msg, attempts, rt:now() - now) end
    local data, err = outcome(shared, ep, path, redact, res, msg, name, attempts)
    if data ~= nil then return data end
    last = err
    if not retry_policy(write, res, name) or attempts > cfg.retries then return nil, err end
    local delay = res and retry_after(res) or backoff(cfg, attempts)
    if delay > cfg.max_retry_wait then return nil, err end
    now = rt:now()
    if deadline and now + delay >= deadline then
      err.message = err.message .. " (not retried: the call's deadline comes first)"
      return nil, err
    end
    runtime.sleep(rt, cfg, delay)
    now = rt:now()
  end
end

------------------------------------------------------------------------------------------------
-- Building a request from parameters

-- "/v1/<slug>/<path with {name} parts filled>", or nil and an invalid error.
local function url_path(client, ep, values)
  if not ep.templated then
    -- (rawget: a client without a location would ask its __index function for one)
    local slug = ep.loc and rawget(client, "location")
    if slug then return "/v1/" .. slug .. "/" .. ep.path end
    return ep.v1_path
  end
  local bad
  local path = ep.path:gsub("{([%w_]+)}", function(name)
    local v = encode.escape(tostring(values[name]))
    values[name] = nil
    if v == "" or v == "." or v == ".." then bad = name end
    return v
  end)
  if bad then return nil, errors.invalid(ep.name .. ": parameter '" .. bad .. "' cannot be empty, '.' or '..'", bad) end
  if ep.loc and client.location then return "/v1/" .. client.location .. "/" .. path end
  return "/v1/" .. path
end

local function encoded(kind, what, values, repeats)
  local ok, text
  if kind == "json" then
    text, ok = json.encode(values)
    if not text then
      -- (the field at fault: the first step of the place the encoder names, "at $.rules[1]")
      return nil, errors.invalid(what .. ": cannot encode the body as JSON: " .. tostring(ok),
        tostring(ok):match(" at %$%.([%a_][%w_]*)"))
    end
    return text
  end
  ok, text = pcall(repeats and encode.form_repeated or encode.form, values)
  if not ok then return nil, errors.invalid(what .. ": " .. tostring(text)) end
  return text
end

local NONE = {} -- no parameters (never written to)
local CALL_OPTS = { timeout = "seconds" }

local function query_of(what, values, repeats)
  if next(values) == nil then return "" end
  local ok, text = pcall(repeats and encode.form_repeated or encode.form, values)
  if not ok then return nil, errors.invalid(what .. ": " .. tostring(text)) end
  return text
end

-- The client's redactor, or one that also hides this call's passwords (a server may echo the
-- request in an error), as given and as they travel in a query or a form ("hunter 22!" is
-- "hunter%2022%21" there).  names: the parameters that may hold one (nil: look at every one).
local function redactor(client, values, names)
  local found
  local function add(v)
    found = found or {}
    found[#found + 1] = v
    local escaped = encode.escape(v)
    if escaped ~= v then found[#found + 1] = escaped end
  end
  if names then
    for i = 1, #names do
      local v = values[names[i]]
      if type(v) == "string" and #v >= 4 then add(v) end
    end
  else
    for k, v in pairs(values) do
      -- (the platform wants 8 characters at least: shorter ones would only mangle messages)
      if type(v) == "string" and #v >= 4 and secrets.is_secret(k) then add(v) end
    end
  end
  local redact = client._shared.redact
  return found and secrets.also(redact, found) or redact
end

--- Runs a declared endpoint (see resource.endpoint) with the caller's params.
-- opts.timeout: seconds per attempt instead of the client's.  owned: params is a table the SDK
-- made for this call, checked and converted in place (no copy).
function pipeline.call(client, ep, params, opts, owned)
  local values, err = check.params(ep.name, ep.specs, params, owned and params or nil)
  if not values then return nil, err end
  if opts ~= nil then
    opts, err = check.params(ep.name, CALL_OPTS, opts)
    if not opts then return nil, err end
  end
  local billing
  if ep.billed and values.billing_account_id == nil then
    -- The platform wants an account for what it bills: the default one, looked up once per client.
    billing = require "idcloudhost.call.billing"
    local id, berr = billing.default_id(client)
    if berr then return nil, berr end
    if id == nil then
      -- Sent without one, a global token's call is refused by the platform: say why here.
      return nil, errors.invalid(ep.name .. ": give billing_account_id: the api key sees several billing "
        .. "accounts and none is marked default", "billing_account_id")
    end
    values.billing_account_id = id
  end
  local path
  path, err = url_path(client, ep, values)
  if not path then return nil, err end
  local query, body = values, values  -- ep.only: every parameter left travels that way
  if ep.only == "body" then
    query = NONE
  elseif ep.only == nil then
    query, body = {}, {}
    local where = ep.where
    for k, v in pairs(values) do
      if where[k] == "query" then query[k] = v else body[k] = v end
    end
  end
  local redact = #ep.secret_params == 0 and client._shared.redact or redactor(client, values, ep.secret_params)
  local q, text
  local key = ep.uuid_query
  if key then
    q = key .. "=" .. values[key] -- (checked: a UUID, nothing in it to escape; call/endpoint.lua)
  else
    q, err = query_of(ep.name, query, ep.repeats)
    if not q then return nil, err end
  end
  if ep.body and (ep.body == "json" or next(body) ~= nil) then
    text, err = encoded(ep.body, ep.name, body, ep.repeats)
    if not text then return nil, err end
  end
  local shared = client._shared
  local data
  data, err = send(shared, ep, path, q, text, shared.headers(text and ep.body or "none"), redact, opts and opts.timeout)
  -- A default account refused (deleted since it was looked up): look it up again next time.
  if billing and data == nil and err.kind == "api" and err.status and err.status < 500 then
    billing.forget_default(client)
  end
  return data, err
end

local ANY = { any = true, text = "any value" }
local REQUEST_OPTS = { json = "boolean", query = "boolean", location = "boolean", timeout = "seconds" }

-- A path of the escape hatch: absolute, no query or fragment (params travel apart), no dot
-- segments or empty segments (libcurl would remove them and call another route).
local function checked_path(path)
  if type(path) ~= "string" or path:sub(1, 1) ~= "/" then return nil, "path must start with /, like /v1/user-resource/vm/list" end
  if path:find("[%c%s?#]") then return nil, "path must not hold spaces, control characters, '?' or '#' (give params)" end
  for seg in (path:sub(2) .. "/"):gmatch("([^/]*)/") do
    if seg == "" or seg == "." or seg == ".." then return nil, "path must not hold empty, '.' or '..' segments" end
  end
  return path
end

--- The escape hatch for any endpoint: client:request("GET", "/v1/user-resource/vm/list").
function pipeline.request(client, method, path, params, opts)
  if type(method) ~= "string" or not method:find("^%u+$") then
    return nil, errors.invalid("client:request: method must be an upper-case HTTP verb like \"GET\"")
  end
  local ok, why = checked_path(path)
  if not ok then return nil, errors.invalid("client:request: " .. why) end
  local err
  if params ~= nil and type(params) ~= "table" then return nil, errors.invalid("client:request: params must be a table") end
  params, err = check.plain("client:request", params)
  if err then return nil, err end
  local o
  o, err = check.params("client:request", REQUEST_OPTS, opts)
  if not o then return nil, err end
  if o.location and client.location then path = path:gsub("^/v1/", "/v1/" .. client.location .. "/") end
  params = params or {}
  local q, text, kind = "", nil, "none"
  if method == "GET" or method == "HEAD" or o.query then
    q, err = query_of("client:request", params)
    if not q then return nil, err end
  elseif next(params) ~= nil or o.json then
    kind = o.json and "json" or "form"
    text, err = encoded(kind, "client:request", params)
    if not text then return nil, err end
  end
  local shared = client._shared
  -- (what the call is, as a declared endpoint would say it: send's ep)
  local what = { method = method, answer = ANY, write = method ~= "GET" and method ~= "HEAD" }
  return send(shared, what, path, q, text, shared.headers(kind), redactor(client, params), o.timeout)
end

return pipeline
