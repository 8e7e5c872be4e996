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
local secrets = require "idcloudhost.call.secrets"
local transport = require "idcloudhost.transport"

local pipeline = {}

local ARRAY = getmetatable(json.array()) -- json.is_array(t): getmetatable(t) == ARRAY

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
-- Answers: what each endpoint returns (resource.endpoint parses its `answer` declaration)

local function describe(v)
  local t = type(v)
  if t == "string" then return string.format("a JSON string (%q)", #v > 40 and v:sub(1, 40) .. "..." or v) end
  if t == "number" then return "a JSON number (" .. tostring(v) .. ")" end
  if v == nil or v == json.null then return "null" end
  if t == "boolean" then return tostring(v) end
  if json.is_array(v) then return #v == 0 and "an empty list" or "a list" end
  return "an object"
end

-- An object's key as the platform sends it: ids are numbers, uuids, addresses and names
-- non-empty strings; any other declared field (a report's `account`) only has to be there.
local STRING_KEYS = { uuid = true, address = true, name = true, slug = true, accessKey = true, url = true }
-- key -> "number", "string" or "any", worked out once per key (a list checks every item).
local KINDS = setmetatable({}, { __index = function(kinds, key)
  local kind = (key == "id" or key:find("_id$")) and "number"
    or (STRING_KEYS[key] or key:find("_uuid$")) and "string" or "any"
  kinds[key] = kind
  return kind
end })

local function keyed(obj, key)
  local v, kind = obj[key], KINDS[key]
  if kind == "number" then return type(v) == "number" end
  if kind == "string" then return type(v) == "string" and v ~= "" end
  return v ~= nil
end

-- The first item of list that is not an object with key (true: any object), and why; nil when
-- all are.  Inlined: a list of 10,000 VMs runs it 10,000 times.
local function bad_item(list, key)
  local kind = key ~= true and KINDS[key]
  for i = 1, #list do
    local item = list[i]
    if type(item) ~= "table" or getmetatable(item) == ARRAY then return i, describe(item) end
    if kind then
      local v = item[key]
      if kind == "number" then
        if type(v) ~= "number" then return i end
      elseif kind == "string" then
        if type(v) ~= "string" or v == "" then return i end
      elseif v == nil then
        return i
      end
    end
  end
end

-- data if it has the shape `answer` declares, else nil and what came instead.
local function shape(answer, data)
  if answer.any then
    if data == nil or data == false or data == json.null then return nil, describe(data) end
    return data
  end
  if type(data) ~= "table" or data == json.null then
    if data == true and answer.success then return true end
    return nil, describe(data)
  end
  if getmetatable(data) == ARRAY then
    local key = answer.list
    if not key then return nil, describe(data) end
    local i, what = bad_item(data, key)
    if i then return nil, "a list whose item " .. i .. " is " .. (what or ("an object without " .. key)) end
    return data
  end
  if answer.success and data.success ~= nil and (not answer.object or data[answer.object] == nil) then
    if data.success == true then return true end
    return nil, "success = " .. tostring(data.success), true
  end
  local key = answer.object
  if key and (key == true or keyed(data, key)) then return data end
  return nil, key and key ~= true and ("an object without " .. key) or describe(data)
end

-- The platform's id of a request, for support tickets: read when an error or an observer needs
-- it (a transport's headers may be built on first read, see src/xfer.c).
local function request_id(res)
  return res and res.headers["x-warren-correlation-id"] or nil
end

-- The value of a 2xx answer, or nil and what is wrong with it (and true: the platform refused).
local function read(answer, res)
  local text = res.body
  -- The decoder raises only when memory runs out: an answer, not a crash, all the same.
  local ok, data, why = pcall(json.decode, text)
  if not ok then data, why = nil, data end
  if data == nil and why then
    -- (blank text is no JSON: asked for only when the decoder refused it)
    if not text:find("%S") then
      if answer.success or answer.any then return true end
      why = "an empty answer"
    else
      why = text:find("^%s*<") and "an HTML page instead of JSON" or ("malformed JSON (" .. tostring(why) .. ")")
    end
  else
    return shape(answer, data)
  end
  return nil, why
end

-- The error value of a 2xx answer that read() found wrong.
local function misread(answer, res, ctx, write, why, refused)
  if refused then
    return errors.new { kind = "api", status = res.status, message = "the platform answered " .. why,
      method = ctx.method, path = ctx.path, request_id = ctx.request_id, attempts = ctx.attempts }
  end
  return errors.decode("the answer is " .. why .. ", not " .. answer.text
    .. (write and ": the request was accepted, check its effect before sending it again" or ""),
    { status = res.status, method = ctx.method, path = ctx.path, request_id = ctx.request_id,
      attempts = ctx.attempts, uncertain = write or nil })
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

-- ctx: {method, path, attempts}, made here only when the attempt failed: a call that succeeds
-- builds no error context.
local function outcome(redact, answer, res, msg, name, write, method, path, attempts)
  local status = res and res.status
  local why, refused
  if status and status >= 200 and status < 300 then
    local data
    data, why, refused = read(answer, res)
    if data ~= nil then return data end
  end
  local ctx = { method = method, path = path, attempts = attempts, request_id = request_id(res) }
  local err
  if why then
    err = misread(answer, res, ctx, write, why, refused)
  elseif not res then
    local kind = name == "OPERATION_TIMEDOUT" and "timeout" or name == "FILESIZE_EXCEEDED" and "decode" or "network"
    err = errors.new { kind = kind, code = name, message = tostring(msg),
      method = ctx.method, path = ctx.path, attempts = ctx.attempts,
      uncertain = (write and not NOT_SENT[name]) or nil }
  elseif res.status >= 400 then
    err = errors.from_response(res.status, res.body, ctx)
    if write and res.status >= 500 then err.uncertain = true end
  elseif res.status >= 300 then
    err = redirect(res, ctx, redact)
  else
    err = errors.new { kind = "network", code = "WEIRD_SERVER_REPLY", message = "a final answer with status "
      .. res.status, method = ctx.method, path = ctx.path, request_id = ctx.request_id, attempts = ctx.attempts }
  end
  -- Whatever the server echoed, the key (and the call's passwords) leave in no field; the SDK's
  -- own words stay as they are.
  local kind, verb = err.kind, err.method
  secrets.deep(err, redact)
  err.kind, err.method = kind, verb
  return nil, err
end

------------------------------------------------------------------------------------------------
-- Observation: on_request hooks and the debug log, built only when asked for

local function copy_headers(h, redact)
  local out = {}
  for k, v in pairs(h) do
    out[k] = (type(k) == "string" and k:lower() == "apikey") and secrets.MASK or redact(v)
  end
  return out
end

-- A URL or path with the values of secret query fields masked, like bodies (a password given
-- to client:request("GET", ...) travels in the query).
local function mask_query(u)
  if type(u) ~= "string" then return u end
  local head, query = u:match("^([^?]*)%?(.*)$")
  if not head then return u end
  return head .. "?" .. secrets.mask(query)
end

-- The debug log writes one line per entry, whatever a server sends: control characters escaped,
-- a body cut after DEBUG_BODY bytes.
local DEBUG_BODY = 8192
local ESCAPES = { ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t" }

local function one_line(s)
  return (s:gsub("%c", function(c) return ESCAPES[c] or string.format("\\%03d", c:byte()) end))
end

local function body_line(mark, body)
  if #body > DEBUG_BODY then
    body = body:sub(1, DEBUG_BODY) .. string.format("... (%d bytes in all)", #body)
  end
  return "idcloudhost:   " .. mark .. " " .. one_line(body)
end

-- One line per attempt: "idcloudhost: GET /v1/... -> 200 in 12.3 ms (attempt 1, request <id>)";
-- level 2 adds the request ("> ") and answer ("< ") bodies.  To debug = function(line), else
-- to the runtime's log (a host's, like nginx's error log), else stderr.
local function debug_lines(cfg, rt, rec, path)
  local lines = { one_line(string.format("idcloudhost: %s %s -> %s in %.1f ms (attempt %d%s)", rec.method, path,
    rec.status and tostring(rec.status) or tostring(rec.error), rec.duration * 1000, rec.attempt,
    rec.request_id and (", request " .. rec.request_id) or "")) }
  if cfg.debug == 2 then
    if rec.body then lines[#lines + 1] = body_line(">", rec.body) end
    if rec.response_body then lines[#lines + 1] = body_line("<", rec.response_body) end
  end
  local sink = type(cfg.debug) == "function" and cfg.debug or rt.log
  for _, l in ipairs(lines) do
    if sink then pcall(sink, l) else io.stderr:write(l, "\n") end
  end
end

local function observe(cfg, redact, rt, req, res, msg, attempt, duration, path)
  local rec = {
    method = req.method, url = redact(mask_query(req.url)), headers = copy_headers(req.headers, redact),
    body = redact(secrets.mask(req.body)), status = res and res.status,
    response_headers = res and copy_headers(res.headers, redact),
    response_body = res and redact(secrets.mask(res.body)),
    error = not res and redact(tostring(msg)) or nil, attempt = attempt, duration = duration,
    request_id = redact(request_id(res)),
  }
  if cfg.debug then debug_lines(cfg, rt, rec, redact(mask_query(path))) end
  -- A failing hook must not break the call it observes.
  if cfg.on_request then pcall(cfg.on_request, rec) end
end

------------------------------------------------------------------------------------------------
-- Sending, with retries, within the deadline

local function too_large(cfg)
  return nil, "FILESIZE_EXCEEDED: the answer is larger than max_body (" .. cfg.max_body .. " bytes)", "FILESIZE_EXCEEDED"
end

local function deadline_error(method, path, attempts, last, cfg)
  local e = last or errors.new { kind = "timeout", method = method, path = path, message = "" }
  e.kind = "timeout"
  e.message = "the call's deadline passed" .. (cfg.deadline and (" (deadline " .. cfg.deadline .. " s)") or "")
    .. (last and ("; last: " .. tostring(last.message)) or "")
  e.attempts = attempts - 1
  return nil, e
end

-- method, path (after the base URL, without the query), query ("" or the encoded fields), body,
-- headers, answer, timeout (per attempt, overriding the client's), redact (the call's redactor).
local function send(client, method, path, query, body, headers, answer, timeout, redact)
  local shared = client._shared
  if shared.closed then return nil, errors.invalid("the client is closed (client:close())") end
  local cfg = shared.cfg
  redact = redact or shared.redact
  local rt = runtime.current()
  -- A host may refuse a call where it would do harm (Neovim: freezing the editor).
  local refuse = rt.refuse_call
  if refuse then
    local why = refuse(rt, cfg)
    if why then return nil, errors.invalid(why) end
  end
  local t, terr = transport.pick(shared, rt)
  if not t then return nil, terr end
  local write = method ~= "GET" and method ~= "HEAD"
  local per_attempt = timeout or (write and cfg.write_timeout or cfg.timeout)
  local watch = cfg.on_request or cfg.debug
  local deadline = runtime.deadline()
  -- The clock is read when something needs it: a deadline, an observer's durations, a retry.
  local now = (deadline or cfg.deadline or watch) and rt:now()
  if cfg.deadline and (not deadline or now + cfg.deadline < deadline) then deadline = now + cfg.deadline end
  local url = cfg.base_url .. path .. (query == "" and "" or "?") .. query  -- (one new string)
  local attempts, last = 0, nil
  while true do
    attempts = attempts + 1
    timeout = per_attempt
    if deadline then
      local left = deadline - now
      if left <= 0 then return deadline_error(method, path, attempts, last, cfg) end
      if left < timeout then timeout = left end
    end
    -- A table per attempt: a transport may keep what it was given.
    local req = { method = method, url = url, headers = headers, body = body, timeout = timeout, fresh = write }
    local res, msg, name = rt:request(t, req)
    if res and #res.body > cfg.max_body then res, msg, name = too_large(cfg) end
    if watch then
      observe(cfg, redact, rt, req, res, msg, attempts, rt:now() - now, url:sub(#cfg.base_url + 1))
    end
    local data, err = outcome(redact, answer, res, msg, name, write, method, path, attempts)
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

local function encoded(kind, what, values)
  local ok, text
  if kind == "json" then
    text, ok = json.encode(values)
    if not text then return nil, errors.invalid(what .. ": cannot encode the body as JSON: " .. tostring(ok)) end
    return text
  end
  ok, text = pcall(encode.form, values)
  if not ok then return nil, errors.invalid(what .. ": " .. tostring(text)) end
  return text
end

local NONE = {} -- no parameters (never written to)

local function query_of(what, values)
  if next(values) == nil then return "" end
  local ok, text = pcall(encode.form, values)
  if not ok then return nil, errors.invalid(what .. ": " .. tostring(text)) end
  return text
end

-- The client's redactor, or one that also hides this call's passwords (a server may echo the
-- request in an error).  names: the parameters that may hold one (nil: look at every one).
local function redactor(client, values, names)
  local found
  if names then
    for i = 1, #names do
      local v = values[names[i]]
      if type(v) == "string" and #v >= 4 then
        found = found or {}
        found[#found + 1] = v
      end
    end
  else
    for k, v in pairs(values) do
      -- (the platform wants 8 characters at least: shorter ones would only mangle messages)
      if type(v) == "string" and #v >= 4 and secrets.is_secret(k) then
        found = found or {}
        found[#found + 1] = v
      end
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
  local billing
  if ep.billed and values.billing_account_id == nil then
    -- The platform wants an account for what it bills: the default one, looked up once per client.
    billing = require "idcloudhost.families.billing_accounts"
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
  q, err = query_of(ep.name, query)
  if not q then return nil, err end
  if ep.body and (ep.body == "json" or next(body) ~= nil) then
    text, err = encoded(ep.body, ep.name, body)
    if not text then return nil, err end
  end
  local headers = client._shared.headers(text and ep.body or "none")
  local data
  data, err = send(client, ep.method, path, q, text, headers, ep.answer, opts and opts.timeout, redact)
  -- A default account refused (deleted since it was looked up): look it up again next time.
  if billing and data == nil and err.kind == "api" and err.status and err.status < 500 then
    billing.forget_default(client)
  end
  return data, err
end

local ANY = { any = true, text = "any value" }
local REQUEST_OPTS = { json = "boolean", query = "boolean", location = "boolean", timeout = "number" }

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
  if params ~= nil and type(params) ~= "table" then return nil, errors.invalid("client:request: params must be a table") end
  local o, err = check.params("client:request", REQUEST_OPTS, opts)
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
  return send(client, method, path, q, text, client._shared.headers(kind), ANY, o.timeout, redactor(client, params))
end

return pipeline
