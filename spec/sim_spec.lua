-- Specs of the simulator (sim/), spoken to over HTTP with lua-http.
-- lua-http exists for Lua 5.1-5.3 on Debian but the simulator needs 5.3:
--   cd /work/main && lua5.3 /usr/bin/busted spec/sim_spec.lua
-- Under other interpreters this file marks itself pending.
-- Uses the simulator at IDCLOUDHOST_SIM_URL when set, otherwise starts one.
if _VERSION == "Lua 5.3" then
  -- Debian ships fifo, lpeg_patterns and basexx (pure Lua, lua-http needs
  -- them) for 5.1/5.2 only; they work on 5.3 (sim/main.lua does the same).
  package.path = package.path .. ";/usr/share/lua/5.1/?.lua;/usr/share/lua/5.1/?/init.lua"
end
local have_http = _VERSION == "Lua 5.3" and pcall(require, "http.request")

if not have_http then
  describe("simulator", function()
    pending("needs lua-http and Lua 5.3: lua5.3 /usr/bin/busted spec/sim_spec.lua")
  end)
  return
end

local cjson = require "cjson.safe"
local cqueues = require "cqueues"
local http_request = require "http.request"

local KEY = "demo-key"
local UUID_RE = "^%x%x%x%x%x%x%x%x%-%x%x%x%x%-%x%x%x%x%-%x%x%x%x%-%x%x%x%x%x%x%x%x%x%x%x%x$"

local function sh(cmd)
  local ok = os.execute(cmd)
  return ok == true or ok == 0
end

local function read_file(path)
  local f = io.open(path, "r")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end

-- The repo root: this file is <root>/spec/sim_spec.lua.
local ROOT = (debug.getinfo(1, "S").source:match("^@(.*)[/\\]spec[/\\][^/\\]+$") or ".")

-- Start a simulator (PORT=0) in the background: returns url, pid, log file.
local function start_sim(env)
  local out = os.tmpname()
  local pidfile = os.tmpname()
  -- exec: the pid is the simulator's own, not a subshell's
  sh(string.format("(cd '%s' && exec env PORT=0 %s lua5.3 bin/idcloudhost-sim >'%s' 2>&1) & echo $! >'%s'",
    ROOT, env or "", out, pidfile))
  local pid = tonumber((read_file(pidfile) or ""):match("%d+"))
  os.remove(pidfile)
  for _ = 1, 100 do
    local port = (read_file(out) or ""):match("listening on http://127%.0%.0%.1:(%d+)")
    if port then return "http://127.0.0.1:" .. port, pid, out end
    cqueues.sleep(0.05)
  end
  error("simulator did not start: " .. tostring(read_file(out)))
end

local function urlencode(s)
  return (tostring(s):gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", c:byte()) end))
end

local function form_encode(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = k end
  table.sort(keys)
  local parts = {}
  for _, k in ipairs(keys) do parts[#parts + 1] = urlencode(k) .. "=" .. urlencode(t[k]) end
  return table.concat(parts, "&")
end

local base, own_pid, own_log

-- call(method, path, {form=, json=, query=, key= (false: none), timeout=, body=, ctype=})
-- Returns {status, headers, body, json} or nil, error.
local function call(method, path, opts)
  opts = opts or {}
  if opts.query then path = path .. "?" .. form_encode(opts.query) end
  local req = http_request.new_from_uri(base .. path)
  req.headers:upsert(":method", method)
  if opts.key ~= false then req.headers:upsert("apikey", opts.key or KEY) end
  local body, ctype = opts.body, opts.ctype
  if opts.form then
    body, ctype = form_encode(opts.form), "application/x-www-form-urlencoded"
  elseif opts.json then
    body, ctype = cjson.encode(opts.json), "application/json"
  end
  if ctype then req.headers:upsert("content-type", ctype) end
  if body then req:set_body(body) end
  local headers, stream = req:go(opts.timeout or 10)
  if not headers then return nil, stream end
  local text, err = stream:get_body_as_string(opts.timeout or 10)
  if not text then return nil, err end
  stream:shutdown()
  return {
    status = tonumber(headers:get(":status")),
    headers = headers,
    body = text,
    json = cjson.decode(text),
  }
end

local function control(method, path, value)
  local r = assert(call(method, "/__sim/" .. path, {
    key = false,
    body = value ~= nil and cjson.encode(value) or nil,
    ctype = value ~= nil and "application/json" or nil,
  }))
  assert(r.status == 200, "control " .. path .. ": " .. r.status .. " " .. r.body)
  return r.json
end

local VALID = {
  name = "web-1",
  os_name = "ubuntu",
  os_version = "22.04",
  disks = 20,
  vcpu = 2,
  ram = 2048,
  username = "example",
  password = "Password123",
  billing_account_id = 6, -- required with an unrestricted token (sim/billing.lua)
}

local function with(over)
  local t = {}
  for k, v in pairs(VALID) do t[k] = v end
  for k, v in pairs(over or {}) do t[k] = v end
  for k, v in pairs(t) do if v == false then t[k] = nil end end
  return t
end

local function create(prefix, over)
  local r = assert(call("POST", (prefix or "/v1") .. "/user-resource/vm", { form = with(over) }))
  assert(r.status == 200, r.body)
  return r.json
end

local VM_FIELDS = {
  "backup", "billing_account", "created_at", "description", "designated_pool_name",
  "designated_pool_uuid", "hostname", "hypervisor_id", "id", "mac", "memory", "name",
  "os_name", "os_version", "private_ipv4", "public_ipv6", "status", "storage", "tags",
  "updated_at", "user_id", "username", "uuid", "vcpu",
}
local STORAGE_FIELDS = {
  "created_at", "id", "name", "pool", "primary", "replica", "shared", "size", "type",
  "updated_at", "user_id", "uuid",
}

local function keys_of(t)
  local out = {}
  for k in pairs(t) do out[#out + 1] = k end
  table.sort(out)
  return out
end

local saved_config

setup(function()
  base = os.getenv("IDCLOUDHOST_SIM_URL")
  if not base or base == "" then
    base, own_pid, own_log = start_sim("APIKEYS=demo-key,other-key SIM_LATENCY=0")
  end
  base = base:gsub("/+$", "")
  saved_config = control("GET", "config")
end)

teardown(function()
  if own_pid then
    sh("kill " .. own_pid)
    os.remove(own_log)
  elseif saved_config then
    control("PUT", "config", saved_config)
    control("POST", "reset")
  end
end)

before_each(function()
  control("POST", "reset")
  control("PUT", "config", { latency = 0, create_latency = cjson.null, settle = 0 })
end)

describe("simulator gateway", function()
  it("answers 401 without an api key and 403 with an unknown one", function()
    local r = call("GET", "/v1/user-resource/vm/list", { key = false })
    assert.equal(401, r.status)
    assert.same({ message = "No API key found in request" }, r.json)
    r = call("GET", "/v1/user-resource/vm/list", { key = "nope" })
    assert.equal(403, r.status)
    assert.same({ message = "Invalid authentication credentials" }, r.json)
    assert.equal(200, call("GET", "/v1/user-resource/vm/list", { key = "other-key" }).status)
  end)

  it("answers 404 for unknown slugs and routes, and slugs on non-location routes", function()
    for _, p in ipairs({ "/v1/xyz99/user-resource/vm/list", "/v1/nothing/here",
      "/v1/bus02/config/locations", "/v2/user-resource/vm/list" }) do
      local r = call("GET", p)
      assert.equal(404, r.status, p)
      assert.same({ message = "no route and no API found with those values" }, r.json)
    end
  end)

  it("sends JSON with a fresh correlation id on every answer", function()
    local a = call("GET", "/v1/config/locations")
    local b = call("GET", "/v1/config/locations", { key = false })
    assert.equal("application/json", a.headers:get("content-type"))
    assert.equal("application/json", b.headers:get("content-type"))
    local ida, idb = a.headers:get("x-warren-correlation-id"), b.headers:get("x-warren-correlation-id")
    assert.truthy(ida and idb)
    assert.not_equal(ida, idb)
  end)

  it("lists the locations of the docs", function()
    local r = call("GET", "/v1/config/locations")
    assert.equal(200, r.status)
    assert.same({
      { display_name = "Cycletown", is_default = true, is_preferred = false,
        description = "The original location", order_nr = 1, slug = "cyc01", country_code = "est" },
      { display_name = "Busburg", is_default = false, is_preferred = true,
        description = "Secondary location", order_nr = 2, slug = "bus02", country_code = "est" },
    }, r.json)
  end)

  it("serves the VM parameters with current OS versions", function()
    local r = call("GET", "/v1/api/parameters/vm")
    assert.equal(200, r.status)
    local names = {}
    for _, p in ipairs(r.json) do names[p.parameter] = p end
    assert.same({ "disks", "name", "os_name", "os_version", "password", "ram", "username", "vcpu" },
      keys_of(names))
    local ubuntu
    for _, l in ipairs(names.os_version.limits) do
      if l.os_name == "ubuntu" then ubuntu = l.values end
    end
    assert.same({ "16.04", "18.04", "20.04", "22.04", "22.04-lts", "24.04" }, ubuntu)
    assert.same({ min = 20, max = 240 }, { min = names.disks.min, max = names.disks.max })
  end)

  it("lists the resource pools", function()
    local r = call("GET", "/v1/bus02/user-resource/host_pool/list")
    assert.equal(200, r.status)
    assert.equal(2, #r.json)
    assert.equal("General", r.json[1].name)
    assert.is_true(r.json[1].is_default_designated)
  end)
end)

describe("simulator VMs", function()
  it("creates a VM with exactly the documented fields", function()
    local v = create()
    assert.same(VM_FIELDS, keys_of(v))
    assert.same(STORAGE_FIELDS, keys_of(v.storage[1]))
    assert.equal("running", v.status)
    assert.equal("web-1", v.name)
    assert.equal(2048, v.memory)
    assert.equal(6, v.billing_account)
    assert.equal(8, v.user_id)
    assert.equal("General", v.designated_pool_name)
    assert.equal(20, v.storage[1].size)
    assert.matches(UUID_RE, v.uuid)
    -- nulls and empty arrays in the wire text
    local r = call("GET", "/v1/user-resource/vm", { query = { uuid = v.uuid } })
    assert.matches('"hypervisor_id":null', r.body, 1, true)
    assert.matches('"tags":null', r.body, 1, true)
    assert.matches('"replica":[]', r.body, 1, true)
    assert.matches('"updated_at":null', r.body, 1, true)
  end)

  it("accepts JSON bodies and picks the designated pool", function()
    local r = call("POST", "/v1/user-resource/vm", { json = with({
      designated_pool_uuid = "d2fc6881-9316-46d7-b515-b6cddaeee927",
      backup = true,
      cloud_init = '{"runcmd": ["/firstboot"]}',
    }) })
    assert.equal(200, r.status, r.body)
    assert.equal("Performance", r.json.designated_pool_name)
    assert.is_true(r.json.backup)
  end)

  it("answers an empty list as []", function()
    local r = call("GET", "/v1/user-resource/vm/list")
    assert.equal(200, r.status)
    assert.equal("[]", r.body)
  end)

  it("reports every bad field on create", function()
    local r = call("POST", "/v1/user-resource/vm", { form = with({
      name = "x", disks = 10, vcpu = "two", password = "password", os_version = "9.9",
      username = false, cloud_init = "{nope", backup = "maybe",
    }) })
    assert.equal(400, r.status)
    assert.same({ "backup", "cloud_init", "disks", "name", "os_version", "password", "username", "vcpu" },
      keys_of(r.json.errors))
    for _, msg in pairs(r.json.errors) do assert.equal("string", type(msg)) end
  end)

  it("applies the windows limits and the disks exemptions", function()
    local r = call("POST", "/v1/user-resource/vm", { form = with({
      os_name = "windows", os_version = "2022", vcpu = 1, ram = 512, username = false }) })
    assert.equal(400, r.status)
    assert.same({ "ram", "vcpu" }, keys_of(r.json.errors))
    r = call("POST", "/v1/user-resource/vm", { form = with({
      os_name = "windows", os_version = "2022", vcpu = 2, ram = 1024, username = false }) })
    assert.equal(200, r.status, r.body)
    -- disk_uuid: an existing, unattached disk of the location (sim/disk.lua)
    local disk = call("POST", "/v1/storage/disks", { form = { size_gb = 30, billing_account_id = 6 } }).json
    r = call("POST", "/v1/user-resource/vm", { form = with({ disks = false, disk_uuid = disk.uuid }) })
    assert.equal(200, r.status, r.body)
    assert.equal(disk.uuid, r.json.storage[1].uuid)
    assert.equal(30, r.json.storage[1].size)
  end)

  it("refuses an unknown billing account", function()
    local r = call("POST", "/v1/user-resource/vm", { form = with({ billing_account_id = 99 }) })
    assert.equal(400, r.status)
    assert.equal("string", type(r.json.errors.Error))
  end)

  it("keeps locations apart", function()
    local v = create("/v1/bus02")
    local function count(p) return #call("GET", p).json end
    assert.equal(1, count("/v1/bus02/user-resource/vm/list"))
    assert.equal(0, count("/v1/cyc01/user-resource/vm/list"))
    assert.equal(0, count("/v1/user-resource/vm/list"))
    local r = call("GET", "/v1/user-resource/vm", { query = { uuid = v.uuid } })
    assert.equal(400, r.status)
    r = call("GET", "/v1/bus02/user-resource/vm", { query = { uuid = v.uuid } })
    assert.equal(200, r.status)
    create("/v1/cyc01")
    assert.equal(1, count("/v1/user-resource/vm/list"))
  end)

  it("answers the docs' error for an unknown VM and field errors for bad uuids", function()
    local u = "aaaaaaaa-0000-bbbb-1111-cccccccccccc"
    for _, c in ipairs({ { "DELETE", "" }, { "POST", "/start" }, { "POST", "/stop" },
      { "POST", "/backup" }, { "POST", "/reinstall" }, { "POST", "/rescue_start" } }) do
      local r = call(c[1], "/v1/user-resource/vm" .. c[2], { form = { uuid = u } })
      assert.equal(400, r.status)
      assert.same({ errors = { Error = "No such virtual machine exists. " .. u } }, r.json)
    end
    local r = call("POST", "/v1/user-resource/vm/start", { form = { uuid = "zzz" } })
    assert.equal(400, r.status)
    assert.equal("string", type(r.json.errors.uuid))
    r = call("POST", "/v1/user-resource/vm/start", { form = {} })
    assert.equal("string", type(r.json.errors.uuid))
    r = call("GET", "/v1/user-resource/vm")
    assert.equal("string", type(r.json.errors.uuid))
  end)

  it("changes vcpu and ram only while stopped", function()
    local v = create()
    local r = call("PATCH", "/v1/user-resource/vm", { form = { uuid = v.uuid, vcpu = 4, ram = 4096 } })
    assert.equal(400, r.status)
    assert.matches("stopped", r.json.errors.Error)
    r = call("PATCH", "/v1/user-resource/vm", { form = { uuid = v.uuid, name = "renamed" } })
    assert.same({ success = true }, r.json)
    r = call("POST", "/v1/user-resource/vm/stop", { form = { uuid = v.uuid, force = "True" } })
    assert.equal("stopped", r.json.status)
    r = call("PATCH", "/v1/user-resource/vm", { form = { uuid = v.uuid, vcpu = 99 } })
    assert.equal(400, r.status)
    assert.truthy(r.json.errors.vcpu)
    r = call("PATCH", "/v1/user-resource/vm", { form = { uuid = v.uuid, vcpu = 4, ram = 4096 } })
    assert.same({ success = true }, r.json)
    local g = call("GET", "/v1/user-resource/vm", { query = { uuid = v.uuid } }).json
    assert.same({ "renamed", 4, 4096 }, { g.name, g.vcpu, g.memory })
  end)

  it("changes the password only while running", function()
    local v = create()
    local form = { uuid = v.uuid, username = "example", password = "NewPassw0rd" }
    assert.same({ success = true }, call("PATCH", "/v1/user-resource/vm/user", { form = form }).json)
    call("POST", "/v1/user-resource/vm/stop", { form = { uuid = v.uuid } })
    local r = call("PATCH", "/v1/user-resource/vm/user", { form = form })
    assert.equal(400, r.status)
    assert.matches("running", r.json.errors.Error)
    local s = call("POST", "/v1/user-resource/vm/start", { form = { uuid = v.uuid } })
    assert.equal("running", s.json.status)
    assert.equal(200, call("PATCH", "/v1/user-resource/vm/user", { form = form }).status)
    r = call("PATCH", "/v1/user-resource/vm/user", { form = { uuid = v.uuid, username = "example",
      password = "weak" } })
    assert.equal(400, r.status)
    assert.truthy(r.json.errors.password)
  end)

  it("starts and stops idempotently", function()
    local v = create()
    assert.equal("running", call("POST", "/v1/user-resource/vm/start", { form = { uuid = v.uuid } }).json.status)
    assert.equal("stopped", call("POST", "/v1/user-resource/vm/stop", { form = { uuid = v.uuid } }).json.status)
    assert.equal("stopped", call("POST", "/v1/user-resource/vm/stop", { form = { uuid = v.uuid } }).json.status)
    assert.equal("running",
      call("POST", "/v1/user-resource/vm/rescue_start", { form = { uuid = v.uuid } }).json.status)
  end)

  it("clones, reinstalls, toggles backup and deletes", function()
    local v = create(nil, { vcpu = 1 })
    local c = call("POST", "/v1/user-resource/vm/clone", { form = { uuid = v.uuid, name = "the-clone" } })
    assert.equal(200, c.status, c.body)
    assert.not_equal(v.uuid, c.json.uuid)
    assert.equal("the-clone", c.json.name)
    assert.same({ v.vcpu, v.memory, v.os_name }, { c.json.vcpu, c.json.memory, c.json.os_name })
    assert.equal(2, #call("GET", "/v1/user-resource/vm/list").json)

    local r = call("POST", "/v1/user-resource/vm/reinstall",
      { form = { uuid = v.uuid, os_name = "debian", os_version = "12" } })
    assert.same({ "debian", "12" }, { r.json.os_name, r.json.os_version })
    r = call("POST", "/v1/user-resource/vm/reinstall", { form = { uuid = v.uuid } })
    assert.same({ "debian", "12" }, { r.json.os_name, r.json.os_version })
    r = call("POST", "/v1/user-resource/vm/reinstall", { form = { uuid = v.uuid, os_name = "windows" } })
    assert.equal(400, r.status)

    assert.is_true(call("POST", "/v1/user-resource/vm/backup", { form = { uuid = v.uuid } }).json.backup)
    assert.is_false(call("POST", "/v1/user-resource/vm/backup", { form = { uuid = v.uuid } }).json.backup)

    assert.same({ success = true }, call("DELETE", "/v1/user-resource/vm", { form = { uuid = v.uuid } }).json)
    local list = call("GET", "/v1/user-resource/vm/list").json
    assert.equal(1, #list)
    assert.equal(c.json.uuid, list[1].uuid)
  end)

  it("passes through transitional statuses with settle", function()
    control("PUT", "config", { settle = 0.3 })
    local v = create()
    assert.equal("creating", v.status)
    local r = call("POST", "/v1/user-resource/vm/stop", { form = { uuid = v.uuid } })
    assert.equal(400, r.status)
    assert.matches("busy", r.json.errors.Error)
    cqueues.sleep(0.35)
    assert.equal("running", call("GET", "/v1/user-resource/vm", { query = { uuid = v.uuid } }).json.status)
    assert.equal("stopping", call("POST", "/v1/user-resource/vm/stop", { form = { uuid = v.uuid } }).json.status)
    assert.equal("stopping", call("GET", "/v1/user-resource/vm/list").json[1].status)
    cqueues.sleep(0.35)
    assert.equal("stopped", call("GET", "/v1/user-resource/vm/list").json[1].status)
  end)

  it("serves other requests while a write waits out its latency", function()
    local v = create()
    control("PUT", "config", { latency = 0.3 })
    local cq = cqueues.new()
    local statuses = {}
    for i = 1, 2 do
      cq:wrap(function()
        local r = call("POST", "/v1/user-resource/vm/" .. (i == 1 and "stop" or "backup"),
          { form = { uuid = v.uuid } })
        statuses[i] = r.status
      end)
    end
    local t0 = cqueues.monotime()
    assert(cq:loop())
    local elapsed = cqueues.monotime() - t0
    assert.same({ 200, 200 }, statuses)
    assert.is_true(elapsed >= 0.3 and elapsed < 0.5, "elapsed " .. elapsed)
  end)
end)

describe("simulator faults", function()
  local LIST = "/v1/user-resource/vm/list"

  it("answers a status fault with its headers, count times, in location paths too", function()
    control("POST", "faults", { path = LIST, kind = "status", status = 429, count = 2,
      headers = { ["Retry-After"] = "1" } })
    local r = call("GET", "/v1/bus02" .. "/user-resource/vm/list")
    assert.equal(429, r.status)
    assert.equal("1", r.headers:get("retry-after"))
    assert.equal("string", type(r.json.message))
    assert.equal(429, call("GET", LIST).status)
    assert.equal(200, call("GET", LIST).status)
    assert.same({}, control("GET", "faults"))
  end)

  it("matches the method when given and keeps faults in order", function()
    control("POST", "faults", { path = "/v1/user-resource/vm", method = "POST", kind = "status",
      status = 503, body = '{"message":"down"}' })
    control("POST", "faults", { path = LIST, kind = "status", status = 502 })
    control("POST", "faults", { path = LIST, kind = "status", status = 504 })
    assert.equal(400, call("GET", "/v1/user-resource/vm").status)
    local r = call("POST", "/v1/user-resource/vm", { form = with() })
    assert.same({ 503, { message = "down" } }, { r.status, r.json })
    assert.equal(502, call("GET", LIST).status)
    assert.equal(504, call("GET", LIST).status)
    -- the create never reached the platform
    assert.equal("[]", call("GET", LIST).body)
  end)

  it("answers an nginx HTML page", function()
    control("POST", "faults", { path = LIST, kind = "html", status = 502 })
    local r = call("GET", LIST)
    assert.equal(502, r.status)
    assert.matches("^text/html", r.headers:get("content-type"))
    assert.matches("<h1>502 Bad Gateway</h1>", r.body, 1, true)
  end)

  it("truncates the real answer", function()
    create()
    local full = call("GET", LIST).body
    control("POST", "faults", { path = LIST, kind = "truncated" })
    local r = call("GET", LIST)
    assert.equal(200, r.status)
    assert.equal(full:sub(1, math.floor(#full / 2)), r.body)
    assert.is_nil(r.json)
  end)

  it("answers an empty body", function()
    control("POST", "faults", { path = LIST, kind = "empty", status = 200 })
    local r = call("GET", LIST)
    assert.same({ 200, "" }, { r.status, r.body })
  end)

  it("stalls past the client's timeout", function()
    control("POST", "faults", { path = LIST, kind = "stall", seconds = 1.5 })
    local t0 = cqueues.monotime()
    local r, err = call("GET", LIST, { timeout = 0.3 })
    assert.is_nil(r)
    assert.truthy(err)
    assert.is_true(cqueues.monotime() - t0 < 1)
    assert.equal(200, call("GET", LIST).status)
  end)

  it("drops the connection, before or after the write", function()
    control("POST", "faults", { path = LIST, kind = "drop" })
    local r, err = call("GET", LIST)
    assert.is_nil(r)
    assert.truthy(err)
    control("POST", "faults", { path = "/v1/user-resource/vm", method = "POST", kind = "drop", after = true })
    r = call("POST", "/v1/user-resource/vm", { form = with() })
    assert.is_nil(r)
    assert.equal(1, #call("GET", LIST).json) -- the VM was created anyway
    control("POST", "faults", { path = "/v1/user-resource/vm", kind = "status", status = 504, after = true })
    r = call("POST", "/v1/user-resource/vm", { form = with({ name = "web-2" }) })
    assert.equal(504, r.status)
    assert.equal(2, #call("GET", LIST).json)
  end)

  it("refuses malformed faults", function()
    local r = call("POST", "/__sim/faults", { key = false, json = { path = LIST, kind = "bogus" } })
    assert.equal(400, r.status)
    r = call("POST", "/__sim/faults", { key = false, json = { kind = "drop" } })
    assert.equal(400, r.status)
  end)
end)

describe("simulator control API", function()
  it("logs API requests without the api key, not control requests", function()
    create("/v1/bus02", { description = "a b&c" })
    call("GET", "/v1/user-resource/vm", { query = { uuid = "x" }, key = false })
    local r = call("GET", "/__sim/log", { key = false })
    assert.not_matches(KEY, r.body, 1, true)
    local log = r.json
    assert.equal(2, #log)
    local e = log[1]
    assert.equal("POST", e.method)
    assert.equal("/v1/bus02/user-resource/vm", e.path)
    assert.equal("bus02", e.location)
    assert.equal("application/x-www-form-urlencoded", e.content_type)
    assert.equal("a b&c", e.params.description)
    assert.equal("web-1", e.params.name)
    assert.matches("name=web%-1", e.body)
    assert.equal(200, e.status)
    assert.is_true(e.apikey_present)
    assert.equal("x", log[2].query.uuid)
    assert.equal(401, log[2].status)
    assert.is_false(log[2].apikey_present)
    control("DELETE", "log")
    assert.same({}, control("GET", "log"))
  end)

  it("resets state, faults and log", function()
    create()
    control("POST", "faults", { path = "/v1/user-resource/vm/list", kind = "drop" })
    control("POST", "reset")
    assert.same({}, control("GET", "faults"))
    assert.same({}, control("GET", "log"))
    assert.equal("[]", call("GET", "/v1/user-resource/vm/list").body)
  end)

  it("changes settings live", function()
    local c = control("PUT", "config", { latency = 0.02, create_latency = 0.05, settle = 0 })
    assert.same({ 0.02, 0.05 }, { c.latency, c.create_latency })
    control("PUT", "config", { apikeys = { "fresh" } })
    assert.equal(403, call("GET", "/v1/config/locations").status)
    assert.equal(200, call("GET", "/v1/config/locations", { key = "fresh" }).status)
    control("PUT", "config", { apikeys = saved_config.apikeys })
    assert.equal(200, call("GET", "/v1/config/locations").status)
    local r = call("PUT", "/__sim/config", { key = false, json = { latency = -1 } })
    assert.equal(400, r.status)
  end)

  it("dumps the state", function()
    local v = create("/v1/bus02", { cloud_init = '{"runcmd":["ls"]}' })
    local s = control("GET", "state")
    assert.equal(v.uuid, s.locations.bus02.vms[1].uuid)
    assert.same({ "ls" }, s.locations.bus02.vms[1].sim.cloud_init.runcmd)
  end)
end)

describe("simulator process", function()
  it("prints its address and stops on SIGTERM", function()
    local url, pid, out = start_sim("SIM_LATENCY=0")
    assert.matches("^http://127%.0%.0%.1:%d+$", url)
    assert.truthy(pid)
    sh("kill -TERM " .. pid)
    local function alive()
      local stat = read_file("/proc/" .. pid .. "/stat")
      return stat ~= nil and not stat:match("^%d+ %b() Z")
    end
    local gone = false
    for _ = 1, 40 do
      if not alive() then gone = true break end
      cqueues.sleep(0.05)
    end
    os.remove(out)
    assert.is_true(gone)
  end)
end)
