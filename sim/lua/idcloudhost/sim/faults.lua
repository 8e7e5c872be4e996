-- Fault injection: a queue of faults, each for the next `count` requests
-- whose path (location slug removed) equals `path` and, when given, whose
-- method equals `method`. The first matching fault in the queue wins.
--
-- Kinds:
--   status     answer `status` with `body` (string, or table sent as JSON;
--              default {"message": "<reason>"}) and `headers`
--   html       answer `status` (default 502) with an nginx-like HTML page
--   empty      answer `status` (default 200) with an empty body
--   drop       close the connection without answering
--   truncated  run the request, then send the first half of its body, status
--              `status` (default 200)
--   stall      wait `seconds` (default 30), then run the request normally
-- status/html/empty/drop do not run the request (it never reached the
-- platform) unless `after` is true: then the request runs first and its
-- answer is replaced by the fault ("the write happened, the answer was lost").
local compat = require "idcloudhost.sim.compat"
local json = require "idcloudhost.sim.json"

local faults = { queue = {} }

local KINDS = { status = true, html = true, empty = true, drop = true, truncated = true, stall = true }

local next_id = 0

local function check(f)
  if type(f) ~= "table" or json.is_array(f) then return nil, "a fault must be a JSON object" end
  if type(f.path) ~= "string" or f.path:sub(1, 1) ~= "/" then
    return nil, "path must be a string starting with /"
  end
  if not KINDS[f.kind] then
    return nil, "kind must be one of status, html, empty, drop, truncated, stall"
  end
  if f.method ~= nil and type(f.method) ~= "string" then return nil, "method must be a string" end
  for _, k in ipairs({ "count", "status", "seconds" }) do
    if f[k] ~= nil and (type(f[k]) ~= "number" or f[k] < 0) then
      return nil, k .. " must be a number >= 0"
    end
  end
  if f.kind == "status" and f.status == nil then return nil, "kind status needs a status" end
  if f.status ~= nil and (f.status < 100 or f.status > 599 or f.status % 1 ~= 0) then
    return nil, "status must be an HTTP status code"
  end
  if f.headers ~= nil then
    if type(f.headers) ~= "table" or json.is_array(f.headers) then
      return nil, "headers must be an object of strings"
    end
    for k, v in pairs(f.headers) do
      if type(k) ~= "string" or (type(v) ~= "string" and type(v) ~= "number") then
        return nil, "headers must be an object of strings"
      end
    end
  end
  if f.body ~= nil and type(f.body) ~= "string" and type(f.body) ~= "table" then
    return nil, "body must be a string (or a JSON value to encode)"
  end
  return true
end

-- Add one fault (table) or several (array). Returns the added faults or nil, error.
function faults.add(spec)
  local list = json.is_array(spec) and spec or (spec and spec[1] ~= nil and spec) or { spec }
  for _, f in ipairs(list) do
    local ok, err = check(f)
    if not ok then return nil, err end
  end
  local added = json.array()
  for _, f in ipairs(list) do
    next_id = next_id + 1
    local fault = {
      id = next_id,
      path = f.path,
      method = f.method and f.method:upper() or nil,
      kind = f.kind,
      count = compat.tointeger(f.count or 1) or 1,
      status = f.status and compat.tointeger(f.status),
      body = f.body,
      headers = f.headers,
      seconds = f.seconds,
      after = f.after == true,
    }
    if fault.count > 0 then
      faults.queue[#faults.queue + 1] = fault
      added[#added + 1] = fault
    end
  end
  return added
end

-- The fault for this request, consuming one of its count; nil when none.
function faults.take(method, path)
  for i, f in ipairs(faults.queue) do
    if f.path == path and (f.method == nil or f.method == method) then
      f.count = f.count - 1
      if f.count <= 0 then table.remove(faults.queue, i) end
      return f
    end
  end
end

function faults.clear()
  faults.queue = {}
end

function faults.view()
  return json.array(faults.queue)
end

local REASONS = {
  [400] = "Bad Request", [401] = "Unauthorized", [403] = "Forbidden", [404] = "Not Found",
  [408] = "Request Timeout", [409] = "Conflict", [429] = "Too Many Requests",
  [500] = "Internal Server Error", [502] = "Bad Gateway", [503] = "Service Temporarily Unavailable",
  [504] = "Gateway Time-out",
}

function faults.reason(status)
  return REASONS[status] or "Error"
end

-- The reply for kinds status/html/empty (see reply.lua for the shape).
function faults.reply(f)
  local headers = {}
  for k, v in pairs(f.headers or {}) do headers[k:lower()] = tostring(v) end
  if f.kind == "html" then
    local status = f.status or 502
    local title = string.format("%d %s", status, faults.reason(status))
    headers["content-type"] = headers["content-type"] or "text/html"
    return {
      status = status,
      headers = headers,
      body = "<html>\r\n<head><title>" .. title .. "</title></head>\r\n<body>\r\n"
        .. "<center><h1>" .. title .. "</h1></center>\r\n<hr><center>nginx</center>\r\n"
        .. "</body>\r\n</html>\r\n",
    }
  elseif f.kind == "empty" then
    return { status = f.status or 200, headers = headers, body = "" }
  end
  local body = f.body
  if body == nil then
    local msg = f.status == 429 and "API rate limit exceeded" or faults.reason(f.status)
    body = json.encode({ message = msg })
  elseif type(body) == "table" then
    body = json.encode(body)
  end
  return { status = f.status, headers = headers, body = body }
end

return faults
