-- /f/<name>: the ngx transport's timing and framing under faults (issue 28, item 15), against
-- spec/core/server.lua, whose ports spec/nginx/faults_ngx.lua passes in the query.
-- luacheck: globals ngx
local idcloudhost = require "idcloudhost"
local json = require "idcloudhost.json"
local ngx_transport = require "idcloudhost.transport.ngx"

local function reply(v)
  ngx.header["Content-Type"] = "application/json"
  ngx.say(json.encode(v))
end

local function now()
  ngx.update_time()
  return ngx.now()
end

local args = ngx.req.get_uri_args()
local F = {}

-- A read to a port whose backlog is full (the connect never completes), with the client's
-- connect_timeout far above what the attempt (timeout) or the call (deadline) allows.
function F.connect()
  local c = assert(idcloudhost.new { apikey = "k", base_url = "http://127.0.0.1:" .. args.port, retries = 0,
    connect_timeout = 10, timeout = tonumber(args.timeout) or 10, deadline = tonumber(args.deadline) })
  local t0 = now()
  local vms, err = c.vms:list()
  reply { ok = vms ~= nil, code = err and err.code or json.null, kind = err and err.kind or json.null,
    seconds = now() - t0 }
end

-- What the server read of a request without a body, per method.
function F.nobody()
  local t = assert(ngx_transport.new { timeout = 5 })
  local out = {}
  for _, m in ipairs { "POST", "PUT", "PATCH", "DELETE", "GET" } do
    local res, msg = t:request { method = m, url = "http://127.0.0.1:" .. args.port .. "/echo", timeout = 5 }
    out[m] = res and res.body or ("failed: " .. tostring(msg))
  end
  reply(out)
end

-- A read whose pooled connection the server closes after 0.6 s of silence, and whose resend
-- on a new connection stalls: the attempt's whole timeout bounds both.
function F.stale()
  local t = assert(ngx_transport.new { timeout = 5 })
  local url = "http://127.0.0.1:" .. args.port .. "/stale/" .. args.tag
  local first, msg1 = t:request { method = "GET", url = url, timeout = 5 }
  local t0 = now()
  local res, msg, name = t:request { method = "GET", url = url, timeout = tonumber(args.timeout) }
  reply { first = first ~= nil, first_error = msg1 or json.null, ok = res ~= nil, code = name or json.null,
    message = msg or json.null, seconds = now() - t0 }
end

local name = ngx.var.uri:match("^/f/(.+)$")
if not F[name] then
  ngx.status = 404
  return reply { error = "no fault handler " .. tostring(name) }
end
F[name]()
