-- The engine: the platform's state and rules as a plain Lua library, no network.  A request
-- goes in as a table, an answer comes out as a table; the shells move them: server.lua over
-- HTTP (lua-http, cqueues), idcloudhost.fake inside the process (a transport for the SDK).
--
--   local engine = require "idcloudhost.sim.engine"
--   local rep, dropped = engine.handle{ method = "GET", path = "/v1/user-resource/vm/list",
--     query = "uuid=...", headers = { apikey = "demo-key", ["content-type"] = ... }, body = "" }
--   -- rep = {status = 200, body = "...", headers = {["content-type"] = ..., ...}} (lower-case
--   -- names, the correlation id included), or nil, "drop": close the connection, no answer
--   local rep = engine.control("POST", "/__sim/reset", body)   -- the /__sim/ API
--
-- Routing (location prefix), auth, parameters, write latency, fault injection and the request
-- log happen here; the resource families (families.lua) are registered when this loads.  Time
-- is clock.lua's: the shell plugs its clock in (cqueues', the SDK's, a virtual one).  Every
-- module keeps its state in itself (one engine per Lua state); idcloudhost.fake loads a private
-- set of these modules for each fake.  Runs on Lua 5.1 to 5.4 and LuaJIT (compat.lua).
local account = require "idcloudhost.sim.account"
local clock = require "idcloudhost.sim.clock"
local config = require "idcloudhost.sim.config"
local control = require "idcloudhost.sim.control"
local faults = require "idcloudhost.sim.faults"
local families = require "idcloudhost.sim.families"
local ids = require "idcloudhost.sim.ids"
local json = require "idcloudhost.sim.json"
local log = require "idcloudhost.sim.log"
local params = require "idcloudhost.sim.params"
local reply = require "idcloudhost.sim.reply"
local router = require "idcloudhost.sim.router"
local state = require "idcloudhost.sim.state"

local engine = {}

local WRITES = { POST = true, PUT = true, PATCH = true, DELETE = true }

for _, name in ipairs(families) do
  require(name).register(router)
end

-- The headers every answer carries: content-type (default application/json; false: none),
-- x-warren-correlation-id, then the reply's own, lower-cased (hop-by-hop and length left out:
-- the shell frames the body).
local function headers_of(rep)
  local h = {}
  local extra = rep.headers or {}
  local ctype = extra["content-type"]
  if ctype == nil then ctype = "application/json" end
  if ctype then h["content-type"] = ctype end
  h["x-warren-correlation-id"] = ids.uuid4()
  for k, v in pairs(extra) do
    local lk = k:lower()
    if lk ~= "content-type" and lk ~= "content-length" and lk ~= "transfer-encoding"
      and lk ~= "connection" then
      h[lk] = tostring(v)
    end
  end
  return h
end

local function answer(rep)
  return { status = rep.status, body = rep.body or "", headers = headers_of(rep) }
end

-- Routing, auth, latency and the handler: returns a reply.
local function process(req, entry)
  local route, vars, slug = router.match(req.method, req.path, state.is_location)
  if not route then return reply.message(404, reply.NO_ROUTE) end
  if req.apikey == nil then
    return reply.message(401, "No API key found in request")
  end
  -- A configured key (APIKEYS) is an unrestricted token; tokens made through the API count too.
  req.token = not config.apikeys[req.apikey] and account.find_token(req.apikey) or nil
  if not config.apikeys[req.apikey] and not req.token then
    return reply.message(403, "Invalid authentication credentials")
  end
  if req.json_error then return reply.message(400, req.json_error) end
  req.vars = vars
  req.loc = route.loc and (slug or state.default_location()) or nil
  entry.location = req.loc or json.null
  if WRITES[req.method] then
    clock.sleep(route.latency == "create" and config.get_create_latency() or config.latency)
  end
  local ok, rep = xpcall(function() return route.handler(req) end, debug.traceback)
  if not ok then
    io.stderr:write("sim: handler error for ", req.method, " ", req.path, ": ", tostring(rep), "\n")
    return reply.message(500, "An unexpected error occurred")
  end
  return rep
end

--- One API request (not /__sim/): {method, path, query = raw query string, headers = {name =
-- value} with lower-case names, body}.  Returns the answer, or nil, "drop" (a drop fault: the
-- connection closes without one).  May sleep (clock.sleep): latency, stall faults.
function engine.handle(r)
  local method, path, headers, body = r.method, r.path, r.headers or {}, r.body or ""
  local ctype = headers["content-type"]
  local apikey = headers.apikey
  local query = params.parse_urlencoded(r.query)
  local form, decoded, json_error = params.parse_body(ctype, body)
  local merged = params.merge(decoded, query, form)
  local entry = log.add({
    method = method,
    path = path,
    query = query,
    params = merged,
    content_type = ctype or json.null,
    body = body,
    status = json.null,
    location = json.null,
    apikey_present = apikey ~= nil,
    fault = json.null,
    at = clock.now(), -- seconds on the shell's clock, when it arrived
  })
  local _, fault_path = router.split_location(path, state.is_location)
  local fault = faults.take(method, fault_path)
  if fault then entry.fault = fault.kind end

  local early = fault and not fault.after and fault.kind ~= "stall" and fault.kind ~= "truncated"
  if fault and fault.kind == "stall" then
    clock.sleep(fault.seconds or 30)
  end
  if early then
    if fault.kind == "drop" then return nil, "drop" end
    local rep = faults.reply(fault)
    entry.status = rep.status
    return answer(rep)
  end

  local rep = process({
    method = method,
    path = path,
    query = query,
    form = form,
    json = decoded,
    json_error = json_error,
    params = merged,
    body = body,
    headers = headers,
    apikey = apikey,
  }, entry)

  if fault and fault.kind == "truncated" then
    rep = {
      status = fault.status or 200,
      headers = rep.headers,
      body = rep.body:sub(1, math.floor(#rep.body / 2)),
    }
  elseif fault and fault.after then
    entry.handler_status = rep.status
    if fault.kind == "drop" then return nil, "drop" end
    rep = faults.reply(fault)
  end
  entry.status = rep.status
  return answer(rep)
end

--- The control API (/__sim/...): answers like engine.handle, never drops, never sleeps.
function engine.control(method, path, body)
  return answer(control.handle(method, path, body))
end

--- true for a path of the control API.
function engine.is_control(path)
  return path == "/__sim" or path:sub(1, 7) == "/__sim/"
end

return engine
