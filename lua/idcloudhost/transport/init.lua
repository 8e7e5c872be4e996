-- Which transport a call goes out on (docs/architecture.md, "C moves bytes, Lua decides"):
--   transport = "auto" (default): the runtime's own (ngx inside nginx, ...), else the C core;
--   "curl": the C core (blocking outside a scheduler); "ngx": nginx cosockets;
--   a function(req): the user's, held to the same contract.
-- Transports are made on first use and kept with the client's shared state, so a client made
-- where the C core cannot run (nginx's init phase) still works later where it can.
local lazy = require "idcloudhost.lazy"
local errors = lazy "idcloudhost.call.errors"

local transport = {}


local function bad(what)
  return nil, "BAD_TRANSPORT_ANSWER: the transport " .. what, "BAD_TRANSPORT_ANSWER"
end

-- A failure reported by a user's transport as nil, message [, name or code].
local function failure(msg, name)
  -- old-style numeric curl codes from a user's transport, named as the contract wants
  if type(name) == "number" then name = require("idcloudhost.transport.codes").name(name) end
  msg = msg and errors.text(msg) or "the transport failed"
  if type(name) ~= "string" or name == "" then
    -- cosocket style: "timeout", "connection refused"
    local m = msg:lower()
    name = (m:find("timeout") or m:find("timed out")) and "OPERATION_TIMEDOUT"
      or m:find("refused") and "COULDNT_CONNECT" or "TRANSPORT_ERROR"
  end
  return nil, msg, name
end

-- Header names lower-cased, as the C core gives them; nil when a name is not a string or a value
-- neither a string nor a number.
local function lower_headers(h)
  local upper = false
  for k, v in pairs(h) do
    if type(k) ~= "string" or (type(v) ~= "string" and type(v) ~= "number") then return nil end
    if k:find("%u") then upper = true end
  end
  if not upper then return h end
  local out = {}
  for name, v in pairs(h) do
    local l = name:lower()
    out[l] = out[l] and (out[l] .. ", " .. tostring(v)) or v
  end
  return out
end

-- The answer of a user's function as the contract wants it.
local function answer(res, msg, name)
  if res == nil then return failure(msg, name) end
  if type(res) ~= "table" then return bad("returned a " .. type(res) .. ", not {status=, body=, headers=}") end
  local status = res.status
  if type(status) ~= "number" or status ~= math.floor(status) or status < 100 or status > 999 then
    return bad("returned status " .. tostring(status))
  end
  local body, headers = res.body, res.headers
  if body == nil then body = "" elseif type(body) ~= "string" then return bad("returned a " .. type(body) .. " body") end
  if headers == nil then headers = {} elseif type(headers) ~= "table" then return bad("returned " .. type(headers) .. " headers") end
  headers = lower_headers(headers)
  if not headers then return bad("returned a header name that is not a string, or a value that is not a string or a number") end
  return { status = status, body = body, headers = headers }
end

--- A transport object around a user's function(req) -> res | nil, message, name.
function transport.custom(fn)
  local t = {}
  function t.request(_, req)
    local ok, res, msg, name = pcall(fn, req)
    if not ok then return bad("raised an error: " .. errors.text(res)) end
    -- (an answer whose fields raise when read is a bad answer, not a raise out of the call)
    local read, a, b, c = pcall(answer, res, msg, name)
    if not read then return bad("returned an answer that raised when read: " .. errors.text(a)) end
    return a, b, c
  end
  return t
end

local MODULES = { curl = "idcloudhost.transport.curl", ngx = "idcloudhost.transport.ngx",
  spawn = "idcloudhost.transport.spawn" }

--- The transport for a call in runtime rt, made on first use; or nil, an invalid error.
function transport.pick(shared, rt)
  if shared.picked_rt == rt then return shared.picked end  -- (the last answer, asked per call)
  local want = shared.cfg.transport or "auto"
  local cache = shared.transports
  if type(want) == "function" then
    cache.custom = cache.custom or transport.custom(want)
    return cache.custom
  end
  local auto = want == "auto"
  if auto then want = rt.transport or "curl" end
  -- A runtime may refuse a transport that cannot run there (nginx's init phase has no cosockets),
  -- or one it would pick itself but not block on unasked (auto: nginx's log phase).
  local why = rt.refuse and rt:refuse(want, auto)
  if why then return nil, errors.invalid(why) end
  local t = cache[want]
  if not t then
    local ok, mod = pcall(require, MODULES[want])
    local err
    if ok then
      t, err = mod.new(shared.cfg, rt)
    else
      err = mod
    end
    if not t then
      return nil, errors.invalid("transport " .. want .. " is not available here: " .. tostring(err)
        .. (want == "curl" and " (build the C core with `make`, or pass transport = function(req))" or ""))
    end
    cache[want] = t
  end
  -- (what a runtime accepts depends on the runtime and the client's setting only: a refusal is
  -- never remembered, so it is said again each time)
  shared.picked_rt, shared.picked = rt, t
  return t
end

--- Closes every transport the shared state made (connection pools).
function transport.close(shared)
  shared.picked_rt, shared.picked = nil, nil
  for _, t in pairs(shared.transports) do
    if t.close then t:close() end
  end
end

return transport
