-- Specs of the simulator (lua/idcloudhost/sim, bin/idcloudhost-sim), spoken to over HTTP with
-- lua-http: the gateway, the VM family, faults, the control API and the process. The docs'
-- shapes are in sim_docs_spec.lua, the field's rules and the editions in sim_field_spec.lua.
--   lua5.3 /usr/bin/busted spec/sim/server_spec.lua   (uses $IDCLOUDHOST_SIM_URL, or starts a simulator)
-- Under other interpreters this file marks itself pending.
-- (Long, on purpose: the server's protocol and control API, case by case.)
local h = require "spec.sim.helper"

if not h.available then
  describe("simulator", function()
    pending("needs lua-http and Lua 5.3: lua5.3 /usr/bin/busted spec/sim/server_spec.lua")
  end)
  return
end

local cqueues = require "cqueues"

local KEY = h.KEY
local UUID_RE = h.UUID_RE
local call, control, with, create, keys_of = h.call, h.control, h.with, h.create, h.keys_of
local sh, read_file = h.sh, h.read_file

-- The VM object of the live platform (no id, tags or hypervisor_id; sim_field_spec.lua).
local VM_FIELDS = {
  "backup", "billing_account", "created_at", "description", "designated_pool_name",
  "designated_pool_uuid", "hostname", "mac", "memory", "name",
  "os_name", "os_version", "private_ipv4", "public_ipv6", "status", "storage",
  "updated_at", "user_id", "username", "uuid", "vcpu",
}
local STORAGE_FIELDS = {
  "created_at", "name", "pool", "primary", "replica", "shared", "size", "type",
  "updated_at", "user_id", "uuid",
}

local saved = h.setup(setup, teardown, before_each)

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

  it("answers 404 for unknown slugs and routes, and slugs on global routes that take none", function()
    for _, p in ipairs({ "/v1/xyz99/user-resource/vm/list", "/v1/nothing/here",
      "/v1/bus02/payment/billing_account/list", "/v1/xyz99/config/locations", "/v2/user-resource/vm/list" }) do
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
      { display_name = "Cycletown", is_default = true, is_preferred = false, is_published = true,
        description = "The original location", order_nr = 1, slug = "cyc01", country_code = "est" },
      { display_name = "Busburg", is_default = false, is_preferred = true, is_published = true,
        description = "Secondary location", order_nr = 2, slug = "bus02", country_code = "est" },
    }, r.json)
  end)

  it("serves the VM parameters with current OS versions", function()
    local r = call("GET", "/v1/api/parameters/vm")
    assert.equal(200, r.status)
    local names = {}
    for _, p in ipairs(r.json) do names[p.parameter] = p end
    assert.same({ "name", "os_name", "os_version", "password", "username" }, keys_of(names))
    local ubuntu
    for _, l in ipairs(names.os_version.limits) do
      if l.os_name == "ubuntu" then ubuntu = l.values end
    end
    assert.same({ "16.04", "18.04", "20.04", "22.04", "22.04-lts", "24.04" }, ubuntu)
  end)

  it("lists the resource pools with the limits of their VMs", function()
    local r = call("GET", "/v1/bus02/user-resource/host_pool/list")
    assert.equal(200, r.status)
    assert.equal(2, #r.json)
    assert.equal("General", r.json[1].name)
    assert.is_true(r.json[1].is_default_designated)
    assert.same({ cpu = { min = 1, max = 16 }, ram_mb = { min = 512, max = 65536 }, disk_gb = { min = 20, max = 240 } },
      r.json[1].guest_limits)
  end)
end)

describe("simulator VMs", function()
  it("creates a VM with exactly the live platform's fields", function()
    local v = create()
    assert.same(VM_FIELDS, keys_of(v))
    assert.same(STORAGE_FIELDS, keys_of(v.storage[1]))
    assert.same({ "n/a", "n/a" }, { v.storage[1].pool, v.storage[1].type })
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
      name = false, disks = 10, vcpu = "two", ram = 99999, password = "password", os_version = "9.9",
      username = "9lives", cloud_init = "{nope", backup = "maybe",
    }) })
    assert.equal(400, r.status)
    assert.same({ "backup", "cloud_init", "disks", "name", "os_version", "password", "ram", "username", "vcpu" },
      keys_of(r.json.errors))
    for _, msg in pairs(r.json.errors) do assert.equal("string", type(msg)) end
  end)

  it("takes the size limits from the pool and needs no disks with a disk_uuid", function()
    local r = call("POST", "/v1/user-resource/vm", { form = with({ vcpu = 17, ram = 511, disks = 241 }) })
    assert.equal(400, r.status)
    assert.same({ "disks", "ram", "vcpu" }, keys_of(r.json.errors))
    r = call("POST", "/v1/user-resource/vm", { form = with({ vcpu = 16, ram = 512, disks = 240 }) })
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
      assert.same({ errors = { Error = "No such virtual machine exists: " .. u } }, r.json)
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
    assert.equal("renamed", r.json.name)
    r = call("POST", "/v1/user-resource/vm/stop", { form = { uuid = v.uuid, force = "True" } })
    assert.equal("stopped", r.json.status)
    r = call("PATCH", "/v1/user-resource/vm", { form = { uuid = v.uuid, vcpu = 99 } })
    assert.equal(400, r.status)
    assert.truthy(r.json.errors.vcpu)
    r = call("PATCH", "/v1/user-resource/vm", { form = { uuid = v.uuid, vcpu = 4, ram = 4096 } })
    assert.same({ 4, 4096 }, { r.json.vcpu, r.json.memory })
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
    r = call("POST", "/v1/user-resource/vm/reinstall", { form = { uuid = v.uuid, os_name = "windows", os_version = "9" } })
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
    control("PUT", "config", { apikeys = saved().apikeys })
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
  it("loads each family alone: families reach each other by require only, in no set order", function()
    local families = dofile(h.ROOT .. "/sim/lua/idcloudhost/sim/families.lua")
    assert.is_true(#families >= 10)
    for _, name in ipairs(families) do
      local script = string.format('package.path = "lua/?.lua;" .. package.path .. '
        .. '";/usr/share/lua/5.1/?.lua;/usr/share/lua/5.1/?/init.lua"; '
        .. 'local r = require "idcloudhost.sim.router"; require("%s").register(r); assert(#r.list() > 0)', name)
      assert.is_true(sh(string.format("cd '%s' && lua5.3 -e '%s' >/dev/null 2>&1", h.ROOT, script)), name)
    end
  end)

  it("prints its address and stops on SIGTERM", function()
    local url, pid, out = h.start_sim("--latency 0")
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
