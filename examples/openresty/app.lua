-- The handlers of examples/openresty/nginx.conf: the idcloudhost SDK inside nginx.
-- One client, made at start-up (init_by_lua) and used by every request of every worker: how a
-- call waits is decided per call, so in a request handler or a timer it yields to nginx
-- (cosockets, ngx.sleep, light threads) and never blocks the worker.
-- luacheck: globals ngx
local idcloudhost = require "idcloudhost"
local json = require "idcloudhost.json"

local app = {}

local function reply(status, value)
  ngx.status = status
  ngx.header["Content-Type"] = "application/json"
  ngx.say(json.encode(value))
end

local function fail(err)
  local status = err.not_found and 404 or (err.kind == "invalid" or (err.status and err.status < 500)) and 400 or 502
  return reply(status, { error = tostring(err), kind = err.kind, code = err.code })
end

--- init_by_lua: the shared client; and a check of the key at start-up.
function app.init()
  app.client = assert(idcloudhost.new { retries = 2 })
  -- No cosockets at start-up: a call on the default transport is refused here (it would block
  -- nginx).  Blocking is fine before nginx serves, so this one asks for the C core (transport =
  -- "curl"; refused without the core).  It uses a client of its own, closed at once: connections
  -- opened in the master must not be inherited by the workers.
  local probe = assert(idcloudhost.new { retries = 0, timeout = 5, transport = "curl" })
  local locations, err = probe.locations:list()
  probe:close()
  app.startup = { ok = locations ~= nil, locations = locations and #locations,
    kind = err and err.kind, error = err and tostring(err) }
end

--- init_worker_by_lua: a timer (cosockets work there) lists the VMs of every location at once,
-- in one worker only (init_worker_by_lua runs in each).
function app.start_timer()
  if ngx.worker.id() ~= 0 then return end
  ngx.timer.at(0, function(premature)
    if premature then return end
    local t0 = ngx.now()
    local vms, err = app.client.vms:list { all_locations = true }
    app.timer = { ok = vms ~= nil, vms = vms and #vms, error = err and tostring(err),
      seconds = ngx.now() - t0 }
  end)
end

--- GET /vms: the VMs of the client's location.
function app.list_vms()
  local vms, err = app.client.vms:list()
  if not vms then return fail(err) end
  local out = json.array()
  for i, vm in ipairs(vms) do out[i] = { uuid = vm.uuid, name = vm.name, status = vm.status } end
  reply(200, out)
end

--- POST /vms/create?name=...: one write (the platform takes a while: the worker goes on).
function app.create_vm()
  local args = ngx.req.get_uri_args()
  local vm, err = app.client.vms:create { name = args.name or "web-1", os_name = "ubuntu", os_version = "22.04",
    disks = 20, vcpu = 1, ram = 1024, username = "ubuntu", password = "Example-pass1" }
  if not vm then return fail(err) end
  reply(200, { uuid = vm.uuid, name = vm.name, status = vm.status })
end

--- POST /vms/stop: stop every VM and wait until each is stopped, 10 at a time, as light threads.
function app.stop_all()
  local t0 = ngx.now()
  local vms, err = app.client.vms:list()
  if not vms then return fail(err) end
  local results = app.client:batch(vms, function(vm)
    local ok, serr = vm:stop { force = true }
    if not ok then return nil, serr end
    return vm:wait("stopped", { interval = 0.1, timeout = 60 })
  end, { concurrency = 10 })
  local out = json.array()
  for i, r in ipairs(results) do
    out[i] = { uuid = vms[i].uuid, ok = r.ok, status = r.ok and r.value.status or nil, error = r.err and tostring(r.err) }
  end
  ngx.update_time()
  reply(200, { started = t0, finished = ngx.now(), results = out })
end

--- GET /vms/wait?uuid=...&status=...: waits (polling with ngx.sleep) for a VM's status.
function app.wait_vm()
  local args = ngx.req.get_uri_args()
  local t0 = ngx.now()
  local vm, err = app.client.vms:get(args.uuid)
  if vm then vm, err = vm:wait(args.status or "running", { interval = 0.1, timeout = tonumber(args.timeout) or 60 }) end
  if not vm then return fail(err) end
  ngx.update_time()
  reply(200, { status = vm.status, started = t0, finished = ngx.now() })
end

--- GET /status: what start-up and the timer saw.
function app.status()
  reply(200, { startup = app.startup, timer = app.timer or json.null, pid = ngx.worker.pid() })
end

return app
