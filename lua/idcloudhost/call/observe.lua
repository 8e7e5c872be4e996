-- Observation: on_request hooks and the debug log, built only when a client asks for them.  Every
-- value that leaves here is redacted: the key masked by name, the call's passwords by value.
local answer = require "idcloudhost.call.answer"
local secrets = require "idcloudhost.call.secrets"

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

--- Reports one attempt of call c (the pipeline's record) to the client's on_request hook and debug
-- log: req as sent, res or msg as it ended, its number and how long it took.
return function(c, rt, req, res, msg, attempt, duration)
  local cfg, redact = c.cfg, c.redact
  local rec = {
    method = req.method, url = redact(mask_query(req.url)), headers = copy_headers(req.headers, redact),
    body = redact(secrets.mask(req.body)), status = res and res.status,
    response_headers = res and copy_headers(res.headers, redact),
    -- (an endpoint whose answer is all secret, a service's secrets: its body is never shown)
    response_body = res and (c.answer.secret and secrets.MASK or redact(secrets.mask(res.body))),
    error = not res and redact(tostring(msg)) or nil, attempt = attempt, duration = duration,
    request_id = redact(answer.request_id(res)),
  }
  if cfg.debug then debug_lines(cfg, rt, rec, redact(mask_query(req.url:sub(#cfg.base_url + 1)))) end
  -- A failing hook must not break the call it observes.
  if cfg.on_request then pcall(cfg.on_request, rec) end
end
