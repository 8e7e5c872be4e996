-- The HTTP shell over the engine (engine.lua): lua-http server, cqueues' clock, reading a
-- request into the engine's table, writing its answer.  Everything the platform does is the
-- engine's; this file only moves bytes.
--
--   local server = require "idcloudhost.sim.server"
--   local srv = server.listen{ host = "127.0.0.1", port = 0, cq = cq }
local cqueues = require "cqueues"
local http_headers = require "http.headers"
local http_server = require "http.server"

local clock = require "idcloudhost.sim.clock"
local engine = require "idcloudhost.sim.engine"

local server = {}

local IO_TIMEOUT = 60

-- Writes wait with cqueues.sleep: other requests are served meanwhile.
clock.use { now = cqueues.monotime, sleep = cqueues.sleep }

-- Send an answer ({status, body, headers} of the engine); errors (client gone) are ignored.
local function send(stream, rep)
  local h = http_headers.new()
  h:append(":status", tostring(rep.status))
  if rep.headers["content-type"] then h:append("content-type", rep.headers["content-type"]) end
  h:append("x-warren-correlation-id", rep.headers["x-warren-correlation-id"])
  for k, v in pairs(rep.headers) do
    if k ~= "content-type" and k ~= "x-warren-correlation-id" then h:append(k, v) end
  end
  local body = rep.body
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

-- The request's headers as the engine takes them: {lower-case name = value} (the first of a
-- repeated header, as headers:get gives it).
local function header_table(headers)
  local t = {}
  for name in headers:each() do
    if name:sub(1, 1) ~= ":" and t[name] == nil then t[name] = headers:get(name) end
  end
  return t
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
  if engine.is_control(path) then
    return send(stream, engine.control(method, path, body))
  end
  local rep = engine.handle { method = method, path = path, query = qs, headers = header_table(headers),
    body = body }
  if not rep then return drop(stream) end
  return send(stream, rep)
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
