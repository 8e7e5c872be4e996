-- The specs' handlers inside nginx (spec/nginx/locations.conf): /t/<name> runs H[name] and
-- answers JSON that spec/nginx/*_spec.lua check.  The app's client (made in init_by_lua) is
-- used where the point is a client made at start-up.
-- luacheck: globals ngx
local idcloudhost = require "idcloudhost"
local json = require "idcloudhost.json"
local app = require "app"

local function reply(v)
  ngx.header["Content-Type"] = "application/json"
  ngx.say(json.encode(v))
end

local function err_of(err)
  if not err then return json.null end
  return { kind = err.kind, code = err.code or json.null, message = tostring(err), uncertain = err.uncertain or false }
end

local function now()
  ngx.update_time()
  return ngx.now()
end

local function client(opts)
  local o = { apikey = "demo-key", base_url = os.getenv("IDCLOUDHOST_BASE_URL"), retries = 0, timeout = 10 }
  for k, v in pairs(opts or {}) do o[k] = v end
  return assert(idcloudhost.new(o))
end

local VM = { os_name = "ubuntu", os_version = "22.04", disks = 20, vcpu = 1, ram = 1024, username = "u",
  password = "Spec-pass-1" }

local H = {}

function H.ping()
  reply { at = now(), pid = ngx.worker.pid(), phase = ngx.get_phase() }
end

-- n reads, then a write, then a read, through the counting proxy; the user agent tags the
-- proxy's log lines of this run.
function H.keepalive(args)
  local c = client { base_url = ngx.var.count_url, user_agent = args.ua, location = "cyc01",
    pool = args.pool and { name = args.pool, size = 2, idle = 5 } or nil }
  local n = tonumber(args.n) or 5
  for _ = 1, n do
    local vms, err = c.vms:list()
    if not vms then return reply { error = err_of(err) } end
  end
  local p = { name = "ka-write" }
  for k, v in pairs(VM) do p[k] = v end
  local vm, werr = c.vms:create(p)
  local after, aerr = c.vms:list()
  reply { reads = n, write = vm ~= nil, write_error = err_of(werr), after = after ~= nil, after_error = err_of(aerr) }
end

-- A read over HTTPS: to = "tls" (a certificate for 127.0.0.1) or "wrong" (for another name);
-- under /t/tls/trusted the specs' CA is trusted, elsewhere only the system's.
function H.tls(args)
  local c = client { base_url = args.to == "wrong" and ngx.var.wrong_url or ngx.var.tls_url,
    insecure = args.insecure == "1", location = "cyc01" }
  local vms, err = c.vms:list()
  reply { ok = vms ~= nil, error = err_of(err) }
end
H["tls/trusted"] = H.tls
H["tls/default"] = H.tls

-- Encoding without (or with) the C core: a form, and a query the simulator must read back.
function H.encode()
  local encode = require "idcloudhost.call.encode"
  local has_core, core = pcall(require, "idcloudhost.core")
  has_core = has_core and type(core) == "table"
  local form = encode.form { name = "a b+c/\195\164", n = 2048, f = 0.5, yes = true, ["k y"] = "~-._" }
  -- With the core: the pure-Lua encoders give its bytes exactly, on random strings too.
  local checked, differ = 0, json.array()
  if has_core and core.form then
    math.randomseed(7)
    for i = 1, 500 do
      local chars = {}
      for j = 1, math.random(0, 12) do chars[j] = string.char(math.random(0, 255)) end
      local s = table.concat(chars)
      local t = { ["k" .. i] = s, v = i * 0.25 }
      if encode.lua.form(t) ~= core.form(t) or encode.lua.escape(s) ~= core.escape(s) then differ[#differ + 1] = i end
      checked = checked + 1
    end
  end
  local c = client()
  local got, err = c:request("GET", "/v1/user-resource/vm/list", { tag = "a b+c/\195\164&x=1;y" }, { location = true })
  reply { form = form, lua_path = encode.escape == encode.lua.escape, core = has_core, checked = checked,
    differ = differ, request_ok = got ~= nil, request_error = err_of(err) }
end

-- A batch inside a batch, items that raise, and the concurrency bound.
function H.nested()
  local c = app.client
  local outer = c:batch({ 1, 2, 3 }, function(i, cl)
    local inner = cl:batch({ 1, 2, 3 }, function(j, c2)
      if i == 3 and j == 3 then error("boom " .. i .. "." .. j) end
      local vms, err = c2.vms:list()
      if not vms then return nil, err end
      return j
    end, { concurrency = 2 })
    local n, raised = 0, nil
    for _, r in ipairs(inner) do
      if r.ok then n = n + 1 elseif r.err.kind == "error" then raised = { message = r.err.message, traceback = r.err.traceback ~= nil } end
    end
    return { ok = n, raised = raised or json.null }
  end, { concurrency = 2 })
  local active, peak, order = 0, 0, json.array()
  local items = {}
  for i = 1, 7 do items[i] = i end
  local t0 = now()
  c:batch(items, function(i)
    active = active + 1
    if active > peak then peak = active end
    ngx.sleep(0.05 * (i % 3 + 1))
    active = active - 1
    order[#order + 1] = i
    return true
  end, { concurrency = 3 })
  local out = json.array()
  for i, r in ipairs(outer) do out[i] = r.ok and r.value or { error = err_of(r.err) } end
  reply { outer = out, peak = peak, done = #order, seconds = now() - t0 }
end

-- transport = "curl" in a request: the user's choice, blocking (or refused without the core).
function H.curl()
  local c = client { transport = "curl", location = "cyc01" }
  local t0 = now()
  local vms, err = c.vms:list()
  c:close()
  reply { ok = vms ~= nil, error = err_of(err), seconds = now() - t0 }
end

-- A read answered 429 with Retry-After: 1 by the simulator (a fault set by the spec): the
-- Retry-After sleep is ngx.sleep.
function H.retry()
  local c = client { retries = 2, location = "cyc01" }
  local t0 = now()
  local vms, err = c.vms:list()
  reply { ok = vms ~= nil, error = err_of(err), started = t0, finished = now() }
end

function H.start(args)
  local vm, err = app.client.vms:get(args.uuid)
  if vm then vm, err = vm:start() end
  reply { ok = vm ~= nil, error = err_of(err) }
end

-- A read from /raw/<case> of this same nginx (spec/nginx/raw.lua) with the client's own
-- options; the answer's headers as the on_request hook saw them.
function H.hostile(args)
  local seen
  local c = client { base_url = "http://127.0.0.1:" .. ngx.var.server_port, timeout = tonumber(args.timeout) or 5,
    max_body = tonumber(args.max_body), on_request = function(rec) seen = rec.response_headers end }
  local t0 = now()
  local n = tonumber(args.n) or 1
  local value, err
  for _ = 1, n do
    value, err = c:request("GET", "/raw/" .. args.case)
    if value == nil then break end
  end
  local write, werr
  if args.write then write, werr = c:request("POST", "/raw/" .. args.case) end
  reply { ok = value ~= nil, value = type(value) == "table" and value or json.null, error = err_of(err),
    headers = seen or json.null, seconds = now() - t0, write_ok = write ~= nil, write_error = err_of(werr) }
end

-- A VM stopped by uuid without fetching it first: client.vms:ref(uuid):stop{force = true}.
function H.ref_stop(args)
  local vm, err = app.client.vms:ref(args.uuid)
  if vm then vm, err = vm:stop { force = true } end
  reply { ok = vm ~= nil, status = vm and vm.status or json.null, error = err_of(err) }
end

-- A timer whose call fails (nothing listens on port 1) and raises with idcloudhost.assert; the
-- location slug marks its line in error.log.
function H.timer_assert()
  local marker = string.format("ta%d", math.random(1, 1e9))
  local c = client { base_url = "http://127.0.0.1:1", location = marker }
  assert(ngx.timer.at(0, function(premature)
    if premature then return end
    local vms = idcloudhost.assert(c.vms:list())   -- (as docs/openresty.md's timer does)
    ngx.log(ngx.NOTICE, #vms, " VMs")
  end))
  reply { marker = marker }
end

-- A call with the debug log on: its line in error.log names this file and line.
function H.debug_site()
  local marker = string.format("ds%d", math.random(1, 1e9))
  local c = client { debug = true, location = marker }
  local line = debug.getinfo(1, "l").currentline + 1
  local _, err = c.vms:list()
  reply { marker = marker, line = line, error = err_of(err) }
end

-- What the log_by_lua handler of /t/logphase saw (spec/nginx/logphase.lua).
function H.logphase_result()
  reply(package.loaded["idcloudhost.spec.logphase"] or { none = true })
end

function H.startup()
  reply { startup = app.startup }
end

local name = ngx.var.uri:match("^/t/(.+)$"):gsub("%-", "_")
local handler = H[name]
if not handler then
  ngx.status = 404
  return reply { error = "no handler " .. name }
end
handler(ngx.req.get_uri_args())
