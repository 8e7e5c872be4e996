--- Errors are values: tables with a kind, a readable message and the request's context.
-- Kinds (docs/architecture.md): "invalid" (caught before sending), "api" (the platform answered
-- an error, or a redirect), "network", "timeout", "decode" (a 2xx that is not what the endpoint
-- answers), "error" (a Lua error caught in a batch item).
-- @module idcloudhost.call.errors
local lazy = require "idcloudhost.lazy"
local json = lazy "idcloudhost.json"

local errors = {}

local Error = { __name = "idcloudhost.error" }
Error.__index = Error

--- An error value: what every call gives as its second value when it fails (its first is nil).
-- `tostring(err)` is one line: "idcloudhost: GET /v1/user-resource/vm: 400 No such virtual
-- machine exists. ... (request 4f2a...)"; `"failed: " .. err` works as with a string.  No error
-- ever holds the api key, a password or a token's secret.  idcloudhost.is_error(v) tells one.
-- @type error

--- The fields of an error value (all but kind and message may be nil).
-- @table fields
-- @tfield string kind "invalid" (bad input or options, caught before anything is sent; also a
-- call on a closed client), "api" (the platform answered >= 400, or a 3xx), "network" (no
-- complete answer), "timeout" (an attempt or the call's deadline ran out), "decode" (a 2xx that
-- is not what the endpoint answers), "error" (a Lua error raised in a batch item or a wait's function),
-- "conflict" (ensure or plan found two resources of one name and owner: err.matches lists them)
-- "cancelled" (the task the call ran in was cancelled: Neovim's task:cancel(); uncertain when a
-- write was in flight)
-- @tfield string message readable, one line
-- @tfield[opt] integer status the HTTP status (kind "api")
-- @tfield[opt] string code the key inside the answer's `errors` ("consumer::resource_forbidden"),
-- or the transport's error name for kind "network" ("COULDNT_CONNECT", ...)
-- @tfield[opt] boolean not_found true for a missing resource: a 404, or the platform's 400 "No such
-- virtual machine exists." / "Network UUID is invalid."
-- @tfield[opt] boolean no_route true for the gateway's 404 "no route and no API found": a wrong base URL or location slug
-- @tfield[opt] boolean uncertain true for a write that may have landed (timed out or cut off after it
-- was sent): check before doing it again
-- @tfield[opt] boolean not_empty true when deleting a bucket failed because it holds objects
-- @tfield[opt] string field the parameter or option at fault (kind "invalid")
-- @tfield[opt] string request_id the X-Warren-Correlation-Id header, for support tickets
-- @tfield[opt] string method the HTTP method of the call
-- @tfield[opt] string path the path of the call
-- @tfield[opt] integer attempts how many times it was sent
-- @tfield[opt] string location where a 3xx pointed (never followed)
-- @tfield[opt] string last_status a wait's last seen status (kind "timeout", or "api" for fail_on)
-- @tfield[opt] table body the decoded error answer
-- @tfield[opt] string traceback where a Lua error was raised (kind "error")

function Error:__tostring()
  local parts = { "idcloudhost" }
  if self.method and self.path then parts[#parts + 1] = self.method .. " " .. self.path end
  local head = self.status and (tostring(self.status) .. " ") or (tostring(self.kind) .. ": ")
  parts[#parts + 1] = head .. tostring(self.message or "error")
  local line = table.concat(parts, ": ")
  local extra = {}
  if self.code and self.code ~= self.message then extra[#extra + 1] = tostring(self.code) end
  if self.request_id then extra[#extra + 1] = "request " .. tostring(self.request_id) end
  if type(self.attempts) == "number" and self.attempts > 1 then extra[#extra + 1] = self.attempts .. " attempts" end
  if self.uncertain then extra[#extra + 1] = "the write may have been carried out" end
  if #extra > 0 then line = line .. " (" .. table.concat(extra, ", ") .. ")" end
  return line
end

-- "failed: " .. err works as it does with a string message.
function Error.__concat(a, b)
  return tostring(a) .. tostring(b)
end

--- v is an idcloudhost error value?  (idcloudhost.is_error)
-- @local
function errors.is(v)
  return getmetatable(v) == Error
end

--- A new error value from fields: kind and message at least.
-- @local
function errors.new(fields)
  assert(fields.kind and fields.message, "errors.new needs kind and message")
  return setmetatable(fields, Error)
end

--- v as text, whatever user code made it: tostring(v), or a plain description when its
-- __tostring raises or returns something other than a string (what a batch item, a task or a
-- transport threw must never raise a second time where the SDK describes it).
-- @local
function errors.text(v)
  local ok, s = pcall(tostring, v)
  if ok and type(s) == "string" then return s end
  return "a " .. type(v) .. " value (its __tostring " .. (ok and ("returned a " .. type(s)) or "raised an error") .. ")"
end

--- Bad input, caught before any request: kind "invalid".
-- @local
function errors.invalid(message, field)
  return errors.new { kind = "invalid", message = message, field = field }
end

--- A 2xx answer that is not what the call returns: kind "decode".
-- @local
function errors.decode(message, fields)
  local e = fields or {}
  e.kind, e.message = "decode", message
  return errors.new(e)
end

local function first_key(t)
  local best
  for k in pairs(t) do
    if type(k) == "string" and (not best or k < best) then best = k end
  end
  return best
end

-- Reads every error shape the platform sends:
--   {"errors":{"Error":"..."}}, {"errors":{"consumer::resource_forbidden":{"msg":...}}},
--   {"errors":{"field":"..."}} (validation), {"message":"..."}.
-- Returns message, code.
local function from_body(body)
  if type(body) ~= "table" then return nil end
  local errs = body.errors
  if type(errs) == "table" then
    local lines, code = {}, nil
    local keys = {}
    for k in pairs(errs) do if type(k) == "string" then keys[#keys + 1] = k end end
    table.sort(keys)
    for _, k in ipairs(keys) do
      local v = errs[k]
      if type(v) == "table" then
        code = code or k
        lines[#lines + 1] = tostring(v.msg or v.message or v.type or k)
      elseif k == "Error" then
        lines[#lines + 1] = tostring(v)
      else
        code = code or k
        lines[#lines + 1] = k .. ": " .. tostring(v)
      end
    end
    if #lines > 0 then return table.concat(lines, "; "), code end
  elseif type(errs) == "string" then
    return errs
  end
  if type(body.message) == "string" then return body.message end
  if type(body.error) == "string" then return body.error end
  local k = first_key(body)
  if k == "Error" then return tostring(body.Error) end
end

local function html_title(text)
  local title = text:match("<[Tt][Ii][Tt][Ll][Ee]>%s*(.-)%s*</") or text:match("<[Hh]1>%s*(.-)%s*</")
  return title and ("HTML error page: " .. title) or "HTML error page"
end

local NO_ROUTE = "no route and no API found with those values"

-- The platform's application answers 400 for unknown objects: "No such virtual machine exists.
-- <uuid>" (the docs), "... exists: <uuid>" (live), "Network UUID is invalid.".
local function missing(status, message)
  return status == 404 or (status == 400 and (message:find("^No such [%w ]+ exists") ~= nil
    or message == "Network UUID is invalid."))
end

--- The error value for an HTTP answer with status >= 400.
-- ctx: method, path, request_id, attempts.
-- @local
function errors.from_response(status, text, ctx)
  local data = text and text:find("^%s*[{%[]") and json.decode(text) or nil
  local message, code = from_body(data)
  if not message then
    if text and text:find("^%s*<") then
      message = html_title(text)
    elseif text and text:find("%S") then
      message = text:sub(1, 200):gsub("%s+", " ")
    else
      message = "HTTP " .. status .. " with an empty body"
    end
  end
  local no_route = message == NO_ROUTE
  if no_route then message = NO_ROUTE .. ": check the base URL and the location slug" end
  return errors.new {
    kind = "api", status = status, message = message, code = code,
    not_found = (not no_route and missing(status, message)) or nil, no_route = no_route or nil,
    method = ctx.method, path = ctx.path, request_id = ctx.request_id, attempts = ctx.attempts,
    body = data,
  }
end

return errors
