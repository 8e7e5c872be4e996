-- The HTTP side: lua-http server, request parsing, location prefix, auth,
-- write latency, fault injection, request log, response writing.
--
--   local server = require "idcloudhost.sim.server"
--   local srv = server.listen{ host = "127.0.0.1", port = 0, cq = cq }
--
-- Resource families are the modules named in families.lua; each has register(router).
local http_headers = require "http.headers"
local http_server = require "http.server"

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

local server = {}

local IO_TIMEOUT = 60

local WRITES = { POST = true, PUT = true, PATCH = true, DELETE = true }

for _, name in ipairs(families) do
  require(name).register(router)
end

-- Send a reply ({status, body, headers}); errors (client gone) are ignored.
local function send(stream, rep)
  local h = http_headers.new()
  h:append(":status", tostring(rep.status))
  local extra = rep.headers or {}
  local ctype = extra["content-type"]
  if ctype == nil then ctype = "application/json" end
  if ctype then h:append("content-type", ctype) end
  h:append("x-warren-correlation-id", ids.uuid4())
  for k, v in pairs(extra) do
    local lk = k:lower()
    if lk ~= "content-type" and lk ~= "content-length" and lk ~= "transfer-encoding"
      and lk ~= "connection" then
      h:append(lk, tostring(v))
    end
  end
  local body = rep.body or ""
  -- A 204 has no body and no Content-Length (lua-http refuses to send one: 503 instead).
  if rep.status ~= 204 then h:append("content-length", tostring(#body)) end
  local ok = stream:write_headers(h, body == "", IO_TIMEOUT)
  if ok and body ~= "" then stream:write_chunk(body, true, IO_TIMEOUT) end
end

-- Close the connection without an answer.
local function drop(stream)
  local sock = stream.connection and stream.connection.socket
  if sock then sock:shutdown("rw") end
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
  local ok, rep = xpcall(route.handler, debug.traceback, req)
  if not ok then
    io.stderr:write("sim: handler error for ", req.method, " ", req.path, ": ", tostring(rep), "\n")
    return reply.message(500, "An unexpected error occurred")
  end
  return rep
end

local function api(stream, method, path, qs, headers, body)
  local ctype = headers:get("content-type")
  local apikey = headers:get("apikey")
  local query = params.parse_urlencoded(qs)
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
    at = clock.now(), -- monotonic seconds, when it arrived
  })
  local _, fault_path = router.split_location(path, state.is_location)
  local fault = faults.take(method, fault_path)
  if fault then entry.fault = fault.kind end

  local early = fault and not fault.after and fault.kind ~= "stall" and fault.kind ~= "truncated"
  if fault and fault.kind == "stall" then
    clock.sleep(fault.seconds or 30)
  end
  if early then
    if fault.kind == "drop" then return drop(stream) end
    local rep = faults.reply(fault)
    entry.status = rep.status
    return send(stream, rep)
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
    if fault.kind == "drop" then
      entry.handler_status = rep.status
      return drop(stream)
    end
    entry.handler_status = rep.status
    rep = faults.reply(fault)
  end
  entry.status = rep.status
  return send(stream, rep)
end

local function onstream(_, stream)
  local headers = stream:get_headers(IO_TIMEOUT)
  if not headers then return end
  local method = headers:get(":method") or "GET"
  local target = headers:get(":path") or "/"
  local path, qs = target:match("^([^?#]*)%??([^#]*)")
  if (headers:get("expect") or ""):lower() == "100-continue" then
    stream:write_continue(IO_TIMEOUT)
  end
  local body = stream:get_body_as_string(IO_TIMEOUT) or ""
  if path == "/__sim" or path:sub(1, 7) == "/__sim/" then
    return send(stream, control.handle(method, path, body))
  end
  return api(stream, method, path, qs, headers, body)
end

local function onerror(_, context, op, err)
  -- Clients that go away (timeouts, drops) are normal here; report the rest.
  if op == "onstream" then
    io.stderr:write("sim: ", tostring(op), ": ", tostring(err), "\n")
  end
  local _ = context
end

-- opts: host, port, cq. Returns the lua-http server (already bound) and the port.
function server.listen(opts)
  local srv, err = http_server.listen({
    host = opts.host or "127.0.0.1",
    port = opts.port or 0,
    cq = opts.cq,
    tls = false,
    reuseaddr = true,
    onstream = onstream,
    onerror = onerror,
  })
  if not srv then return nil, err end
  local ok, lerr = srv:listen()
  if not ok then return nil, lerr end
  local _, _, port = srv:localname()
  return srv, port
end

return server
