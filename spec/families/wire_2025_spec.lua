-- Every route the 2025-12 edition adds (101-121 of spec/fixtures/api_endpoints.lua), and the
-- changed VM create, over the wire: the SDK through the C core (libcurl) to the throwaway server
-- of spec/core/server.lua on 127.0.0.1, whose /echo answer is the request as it arrived (request
-- line, headers, body).  Each route is held to its inventory row (method, path, location slug)
-- and to its docs (where each parameter travels, how the body is encoded).  Pending without a
-- Lua that has cqueues (the server's).
local cjson = require "cjson"
local H = require "spec.core.helper"
local idcloudhost = require "idcloudhost"

local INVENTORY = {}
for _, row in ipairs(dofile("spec/fixtures/api_endpoints.lua")) do INVENTORY[row.n] = row end

local VM = "f80b1d62-ffe4-43ef-9210-60f05445456a"
local KEY = "3f8f4c5a-2c6d-4f0a-9a3a-8c9f6e3f1a2b"
local FW = "2a874f44-310f-4df8-9340-1dc274c2bd51"
local SVC = "71cddf54-35ed-4f6e-bdf7-d344bbf0a546"
local ISO = "e3a5f2d6-7d15-11f0-85ba-047bcbc1cb26"
local PUB = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMockPublicKeyData user@host"

local function unescape(s)
  return (s:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end))
end

-- The request the server saw: method, path, query ({name = value}), headers (lower-case), body.
local function parse(echo)
  local line, rest = echo:match("^([^\n]*)\n(.*)$")
  local method, target = line:match("^(%S+) (%S+)$")
  local head, body = rest:match("^(.-)\n\n(.*)$")
  local headers = {}
  for h in (head .. "\n"):gmatch("([^\n]*)\n") do
    local k, v = h:match("^([^:]+):%s*(.*)$")
    if k then headers[k:lower()] = v end
  end
  local path, qs = target:match("^([^?]*)%??(.*)$")
  local query = {}
  for pair in qs:gmatch("[^&]+") do
    local k, v = pair:match("^([^=]*)=(.*)$")
    query[unescape(k)] = unescape(v)
  end
  return { method = method, path = path, query = query, headers = headers, body = body }
end

-- A form body as a list of {name, value} in the order sent.
local function form_pairs(body)
  local out = {}
  for pair in body:gmatch("[^&]+") do
    local k, v = pair:match("^([^=]*)=(.*)$")
    out[#out + 1] = { unescape(k), unescape(v) }
  end
  return out
end

-- Objects as the SDK makes them from answers, without asking the server for them.
local function objects(c)
  local fws = require "idcloudhost.families.firewalls"
  local svcs = require "idcloudhost.families.services"
  local keys = require "idcloudhost.families.ssh_keys"
  local vms = require "idcloudhost.families.vms"
  local resource = require "idcloudhost.families.kit.resource"
  return {
    vm = resource.wrap(vms.model, c, { uuid = VM, name = "web-1" }),
    key = resource.wrap(keys.model, c, { uuid = KEY, name = "laptop", public_key = PUB }),
    fw = resource.wrap(fws.model, c, { uuid = FW, display_name = "db", description = "d", rules = {
      { uuid = "db9acacd-91e1-4225-b934-7f264f9f75a2", direction = "inbound", protocol = "tcp", port_start = 3306,
        port_end = 3306, endpoint_spec_type = "ip_prefixes", endpoint_spec = { "10.0.0.0/24" } } },
      resources_assigned = {} }),
    svc = resource.wrap(svcs.model, c, { uuid = SVC, display_name = "db" }),
  }
end

-- n: the inventory row; call(c, o); want: what the server must see beyond the row's method and
-- path (query, json, form: a list of {name, value}, or none = no body).
local ROUTES = {
  { n = 101, call = function(c) return c.ssh_keys:list() end },
  { n = 102, call = function(c) return c.ssh_keys:create { name = "laptop", public_key = PUB } end,
    json = { name = "laptop", public_key = PUB } },
  { n = 103, call = function(_, o) return o.key:rename("desk") end, json = { name = "desk" }, id = KEY },
  { n = 104, call = function(_, o) return o.key:delete() end, id = KEY },
  { n = 105, call = function(_, o) return o.vm:boot_media { image = ISO, repository = "private" } end,
    form = { { "boot_image_repository", "private" }, { "boot_image_uuid", ISO }, { "uuid", VM } } },
  { n = 106, call = function(c) return c.firewalls:list() end },
  { n = 107, call = function(c)
      return c.firewalls:create { display_name = "web", billing_account_id = 12, rules = {
        { direction = "inbound", protocol = "tcp", port_start = 80, endpoint_spec_type = "any" } } }
    end,
    json = { display_name = "web", billing_account_id = 12, rules = {
      { direction = "inbound", protocol = "tcp", port_start = 80, endpoint_spec_type = "any" } } } },
  { n = 108, call = function(_, o) return o.fw:update { display_name = "db-2" } end, id = FW,
    json = { name = "db-2", description = "d", rules = { { uuid = "db9acacd-91e1-4225-b934-7f264f9f75a2",
      direction = "inbound", protocol = "tcp", port_start = 3306, port_end = 3306,
      endpoint_spec_type = "ip_prefixes", endpoint_spec = { "10.0.0.0/24" } } } } },
  { n = 109, call = function(_, o) return o.fw:delete() end, id = FW },
  { n = 110, call = function(_, o) return o.fw:assign(o.vm) end, id = FW, query = { vm_uuid = VM } },
  { n = 111, call = function(_, o) return o.fw:unassign(VM) end, id = FW, query = { vm_uuid = VM } },
  { n = 112, call = function(c) return c.catalog:boot_images() end },
  { n = 113, call = function(c)
      return c.services:create { billing_account_id = 12, service = "postgresql", version = "14.0",
        display_name = "db", vm_cpu = 2, vm_ram = 4096, vm_disk_gb = 40, package_parameters = { location = "dc1" },
        is_multi_node = false }
    end,
    json = { billing_account_id = 12, service = "postgresql", version = "14.0", display_name = "db", vm_cpu = 2,
      vm_ram = 4096, vm_disk_gb = 40, package_parameters = '{"location":"dc1"}', is_multi_node = false } },
  { n = 114, call = function(c) return c.services:list() end },
  { n = 115, call = function(c) return c.services:get(SVC) end, id = SVC },
  { n = 116, call = function(_, o) return o.svc:update { display_name = "db-2", billing_account_id = 13 } end, id = SVC,
    json = { display_name = "db-2", billing_account_id = 13 } },
  { n = 117, call = function(_, o) return o.svc:secrets() end, id = SVC, secret = true },
  { n = 118, call = function(_, o) return o.svc:delete() end, id = SVC },
  { n = 119, call = function(_, o) return o.svc:whitelist() end, id = SVC },
  { n = 120, call = function(_, o) return o.svc:allow("1.2.3.0/24") end, id = SVC, form = { { "ip_address", "1.2.3.0/24" } } },
  { n = 121, call = function(_, o) return o.svc:disallow("1.2.3.0/24") end, id = SVC,
    form = { { "ip_address", "1.2.3.0/24" } } },
}

describe("the 2025-12 routes on the wire", function()
  local server
  setup(function() server = H.start() end)
  teardown(function() H.stop(server) end)

  -- A client on the echo server, and what the server saw of each request (the hook's record of
  -- the answer: the echo; the record of a secret answer is masked, so its request line is read
  -- from the record of the request instead).
  local function client()
    local seen = {}
    local c = assert(idcloudhost.new { apikey = "wire-key-2025", base_url = server.url, location = "cyc01",
      retries = 0, on_request = function(r) seen[#seen + 1] = r end })
    return c, seen
  end

  it("sends every new route as its inventory row and its docs say", function()
    if not server then pending("needs lua5.3 or lua5.4 with cqueues") return end
    for _, r in ipairs(ROUTES) do
      local inv = assert(INVENTORY[r.n], "no inventory row " .. r.n)
      local c, seen = client()
      r.call(c, objects(c)) -- the echo is no JSON answer: the call fails, the request went out
      assert.equal(1, #seen, "#" .. r.n .. ": one request")
      local rec = seen[1]
      assert.equal(inv.method, rec.method, "#" .. r.n)
      local want_path = inv.path:gsub("%?.*$", ""):gsub("{[%w_]+}", r.id or "")
      if inv.loc then want_path = want_path:gsub("^/v1/", "/v1/cyc01/") end
      if r.secret then
        assert.equal("[redacted]", rec.response_body)
        assert.equal(server.url .. want_path, rec.url, "#" .. r.n)
      else
        local got = parse(rec.response_body)
        assert.equal(inv.method, got.method, "#" .. r.n)
        assert.equal(want_path, got.path, "#" .. r.n)
        assert.same(r.query or {}, got.query, "#" .. r.n)
        assert.equal("[redacted]", got.headers.apikey) -- it went out (the record hides it)
        if r.json then
          assert.equal("application/json", got.headers["content-type"], "#" .. r.n)
          assert.equal(inv.body, "json", "#" .. r.n)
          assert.same(r.json, cjson.decode(got.body), "#" .. r.n)
        elseif r.form then
          assert.equal("application/x-www-form-urlencoded", got.headers["content-type"], "#" .. r.n)
          assert.equal(inv.body, "form", "#" .. r.n)
          assert.same(r.form, form_pairs(got.body), "#" .. r.n)
        else
          assert.is_nil(got.headers["content-type"], "#" .. r.n)
          assert.equal("", got.body, "#" .. r.n)
        end
      end
    end
  end)

  it("sends public_keys repeated and a YAML cloud_init with spaces as %20 (#12)", function()
    if not server then pending("needs lua5.3 or lua5.4 with cqueues") return end
    local c, seen = client()
    local yaml = "#cloud-config\npackages:\n  - nginx\n"
    c.vms:create { name = "web-1", os_name = "ubuntu", os_version = "22.04", disks = 20, vcpu = 1, ram = 1024,
      username = "ubuntu", billing_account_id = 6, public_keys = { PUB, "ssh-rsa AAAAB3 two@host" }, cloud_init = yaml }
    local got = parse(seen[1].response_body)
    assert.equal("POST", got.method)
    assert.equal("/v1/cyc01/user-resource/vm", got.path)
    local keys, ci = {}, nil
    for _, p in ipairs(form_pairs(got.body)) do
      if p[1] == "public_keys" then keys[#keys + 1] = p[2] end
      if p[1] == "cloud_init" then ci = p[2] end
    end
    assert.same({ PUB, "ssh-rsa AAAAB3 two@host" }, keys)
    assert.equal(yaml, ci)
    assert.matches("cloud_init=%23cloud-config%0Apackages%3A%0A%20%20-%20nginx%0A", got.body, 1, true)
  end)

  it("covers every route the inventory adds", function()
    local covered = {}
    for _, r in ipairs(ROUTES) do covered[r.n] = true end
    for n, row in pairs(INVENTORY) do
      if row.ed == "2025" then assert.is_true(covered[n] == true, "route " .. n .. " has no wire spec") end
    end
  end)
end)
