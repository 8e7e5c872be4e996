-- The simulator's rules from the field (what real clients and live reports show) and the two
-- editions; each rule's source is in sim/README.md ("From the field").
--   lua5.3 /usr/bin/busted spec/sim/field_spec.lua   (uses $IDCLOUDHOST_SIM_URL, or starts one)
local h = require "spec.sim.helper"

if not h.available then
  describe("simulator field rules", function()
    pending("needs lua-http and Lua 5.3: lua5.3 /usr/bin/busted spec/sim/field_spec.lua")
  end)
  return
end

local cqueues = require "cqueues"

local call, ok, control, create, keys_of = h.call, h.ok, h.control, h.create, h.keys_of

local NEEDED = "'billing_account_id' is required if using a global API token"
local INCORRECT = "Provided billing account is incorrect."

local function edition(e) control("PUT", "config", { edition = e }) end
local function disk(over)
  local form = { size_gb = 20, billing_account_id = 6 }
  for k, v in pairs(over or {}) do form[k] = v end
  return ok("POST", "/v1/storage/disks", { form = form }, 201)
end
local function fip() return ok("POST", "/v1/network/ip_addresses", { json = { billing_account_id = 6, name = "ip" } }) end
local function lb(v, over)
  local body = { display_name = "lb", billing_account_id = 6, rules = { { source_port = 80, target_port = 8080 } },
    targets = { { target_uuid = v.uuid, target_type = "vm" } } }
  for k, x in pairs(over or {}) do body[k] = x end
  for k, x in pairs(body) do if x == false then body[k] = nil end end
  return call("POST", "/v1/network/load_balancers", { json = body })
end
local function get_vm(uuid) return call("GET", "/v1/user-resource/vm", { query = { uuid = uuid } }) end

describe("simulator field rules", function()
  h.setup(setup, teardown, before_each)

  describe("routes", function()
    it("answers global routes that carry a location slug, as the vendor's client sends them", function()
      for _, p in ipairs({ "/v1/cyc01/config/locations", "/v1/bus02/config/vm_images",
        "/v1/bus02/config/vm_images/plain_os", "/v1/cyc01/config/vm_images/app_catalog" }) do
        local r = call("GET", p)
        assert.equal(200, r.status, p)
        assert.same(call("GET", (p:gsub("^/v1/%w+/", "/v1/"))).json, r.json)
      end
      assert.equal(404, call("GET", "/v1/nope9/config/locations").status)
      -- a slug is taken only where the field shows one
      assert.equal(404, call("GET", "/v1/cyc01/api/parameters/vm").status)
    end)

    it("answers networks and floating IPs with a trailing slash", function()
      create()
      local net = ok("POST", "/v1/network/network", { query = { name = "second" } })
      assert.same(net, ok("GET", "/v1/network/network/" .. net.uuid .. "/"))
      local r = call("DELETE", "/v1/network/network/" .. net.uuid .. "/")
      assert.same({ 200, "" }, { r.status, r.body })
      local a = fip().address
      r = call("DELETE", "/v1/network/ip_addresses/" .. a .. "/")
      assert.same({ 200, "true" }, { r.status, r.body })
      assert.equal(200, call("POST", "/v1/network/ip_addresses/", { json = { billing_account_id = 6 } }).status)
    end)

    it("answers disks at the singular /v1/storage/disk/{uuid} too", function()
      local d = disk()
      assert.same(ok("GET", "/v1/storage/disks/" .. d.uuid).uuid, ok("GET", "/v1/storage/disk/" .. d.uuid).uuid)
      assert.equal(204, call("DELETE", "/v1/storage/disk/" .. d.uuid).status)
      assert.equal(404, call("DELETE", "/v1/storage/disks/" .. d.uuid).status)
    end)
  end)

  describe("answers", function()
    it("deletes a network with 200 and an empty body, a floating IP with the body true", function()
      ok("POST", "/v1/network/network", { query = { name = "first" } })
      local net = ok("POST", "/v1/network/network", { query = { name = "second" } })
      local r = call("DELETE", "/v1/network/network/" .. net.uuid)
      assert.same({ 200, "" }, { r.status, r.body })
      r = call("DELETE", "/v1/network/ip_addresses/" .. fip().address)
      assert.same({ 200, "true", "application/json" }, { r.status, r.body, r.headers:get("content-type") })
    end)

    it("creates a disk with 201 and keeps its display_name", function()
      local r = call("POST", "/v1/storage/disks", { form = { size_gb = 20, billing_account_id = 6, display_name = "data" } })
      assert.equal(201, r.status)
      assert.equal("data", r.json.display_name)
      assert.equal("data", ok("GET", "/v1/storage/disks/" .. r.json.uuid).display_name)
      local p = ok("PATCH", "/v1/storage/disks/" .. r.json.uuid, { form = { display_name = "logs" } })
      assert.same({ "logs", 6 }, { p.display_name, p.billing_account_id })
      assert.equal("", disk().display_name)
    end)

    it("shows uuid and is_ipv6 on every floating IP", function()
      local a = fip()
      assert.truthy(a.uuid:match(h.UUID_RE))
      assert.is_false(a.is_ipv6)
      for _, x in ipairs({ ok("GET", "/v1/network/ip_addresses/" .. a.address), ok("GET", "/v1/network/ip_addresses")[1] }) do
        assert.same({ a.uuid, false }, { x.uuid, x.is_ipv6 })
      end
    end)

    it("shows networks without vlan_id", function()
      create()
      for _, n in ipairs(ok("GET", "/v1/network/networks")) do
        assert.same({ "created_at", "is_default", "name", "resources_count", "subnet", "subnet_ipv6", "type",
          "updated_at", "uuid", "vm_uuids" }, keys_of(n))
      end
    end)

    it("shows VMs without id, tags or hypervisor_id, storage as n/a without id", function()
      local v = create()
      for _, x in ipairs({ v, ok("GET", "/v1/user-resource/vm", { query = { uuid = v.uuid } }),
        ok("GET", "/v1/user-resource/vm/list")[1] }) do
        assert.is_nil(x.id)
        assert.is_nil(x.tags)
        assert.is_nil(x.hypervisor_id)
        assert.same({ "n/a", "n/a" }, { x.storage[1].pool, x.storage[1].type })
        assert.is_nil(x.storage[1].id)
      end
    end)

    it("shows no public_ipv6 on a VM made without a public address", function()
      local with_ip = create()
      assert.truthy(with_ip.public_ipv6)
      local without = create(nil, { name = "web-2", reserve_public_ip = "false" })
      assert.is_nil(without.public_ipv6)
      assert.is_nil(ok("GET", "/v1/user-resource/vm", { query = { uuid = without.uuid } }).public_ipv6)
    end)

    it("does not echo the username when cloud_init declares users", function()
      local v = create(nil, { cloud_init = '{"users": [{"name": "ops"}]}' })
      assert.is_nil(v.username)
      assert.equal("example", create(nil, { name = "web-2", cloud_init = '{"runcmd": ["ls"]}' }).username)
    end)

    it("shows guest_limits on the host pools and is_published on the locations", function()
      for _, p in ipairs(ok("GET", "/v1/user-resource/host_pool/list")) do
        assert.same({ "cpu", "disk_gb", "ram_mb" }, keys_of(p.guest_limits))
        assert.is_true(p.is_visible)
      end
      for _, l in ipairs(ok("GET", "/v1/config/locations")) do assert.is_true(l.is_published) end
    end)
  end)

  describe("VM parameters", function()
    it("lists no vcpu, ram or disks and marks os and credentials optional", function()
      local by = {}
      for _, p in ipairs(ok("GET", "/v1/api/parameters/vm")) do by[p.parameter] = p end
      assert.is_nil(by.vcpu or by.ram or by.disks)
      for _, name in ipairs({ "os_name", "os_version", "username", "password" }) do
        assert.is_false(by[name].mandatory, name)
      end
      assert.same({ "disk_uuid", "source_uuid" }, by.os_name.ignore_for)
      assert.is_nil(by.name.expression)
    end)

    it("takes any name, and a VM without username and password", function()
      local v = create(nil, { name = "Web server #1 (prod)", username = false, password = false })
      assert.same({ "Web server #1 (prod)", "" }, { v.name, v.username })
      local c = ok("POST", "/v1/user-resource/vm/clone", { form = { uuid = v.uuid, name = "Name of the Clone" } })
      assert.equal("Name of the Clone", c.name)
      assert.equal(400, call("POST", "/v1/user-resource/vm", { form = h.with({ name = "" }) }).status)
    end)
  end)

  describe("errors", function()
    it("reads an unknown VM's error with a colon", function()
      local u = "aaaaaaaa-0000-bbbb-1111-cccccccccccc"
      local r = get_vm(u)
      assert.same({ 400, { errors = { Error = "No such virtual machine exists: " .. u } } }, { r.status, r.json })
    end)

    it("keeps the two error shapes: message for the network and storage services, errors for the VM application", function()
      local u = "aaaaaaaa-0000-4bbb-8111-cccccccccccc"
      local message = {
        { "GET", "/v1/storage/disks/" .. u, 404 }, { "GET", "/v1/storage/bucket?name=nothing-here", 404 },
        { "GET", "/v1/network/network/" .. u, 400 }, { "GET", "/v1/network/ip_addresses/198.51.100.7", 404 },
        { "GET", "/v1/network/load_balancers/" .. u, 404 },
      }
      for _, c in ipairs(message) do
        local r = call(c[1], c[2])
        assert.equal(c[3], r.status, c[2])
        assert.same({ "message" }, keys_of(r.json), c[2])
      end
      for _, p in ipairs({ "/v1/user-resource/vm?uuid=" .. u, "/v1/user-resource/vm/replica?uuid=" .. u }) do
        local r = call("GET", p)
        assert.same({ 400, { "errors" } }, { r.status, keys_of(r.json) }, p)
      end
    end)
  end)

  describe("parameters", function()
    it("keeps a + in a form body a literal plus, %20 a space", function()
      local r = call("POST", "/v1/user-resource/vm", { ctype = "application/x-www-form-urlencoded",
        body = h.form_encode(h.with({ description = false })) .. "&description=a+b%20c" })
      assert.equal(200, r.status, r.body)
      assert.equal("a+b c", r.json.description)
      -- the query string is decoded as always
      local n = ok("POST", "/v1/network/network?name=My+Net")
      assert.equal("My Net", n.name)
    end)

    it("ignores a JSON body to POST /v1/storage/disks: a global token then has no account", function()
      local r = call("POST", "/v1/storage/disks", { json = { size_gb = 20, billing_account_id = 6 } })
      assert.same({ 400, { message = NEEDED } }, { r.status, r.json })
      assert.same({}, ok("GET", "/v1/storage/disks"))
      r = call("PATCH", "/v1/storage/disks/" .. disk().uuid, { json = { billing_account_id = 7 } })
      assert.equal(400, r.status)
    end)
  end)

  describe("the billing account of a new resource", function()
    it("is required from a global token, with one text (floating IPs: a required parameter)", function()
      local r = call("POST", "/v1/user-resource/vm", { form = h.with({ billing_account_id = false }) })
      assert.same({ 400, { errors = { billing_account_id = NEEDED } } }, { r.status, r.json })
      local v = create()
      for _, c in ipairs({
        { "POST", "/v1/storage/disks", { form = { size_gb = 20 } } },
        { "PUT", "/v1/storage/bucket", { form = { name = "b-1" } } },
        { "POST", "/v1/network/load_balancers", { json = { display_name = "x", targets = {} } } },
      }) do
        r = call(c[1], c[2], c[3])
        assert.same({ 400, { message = NEEDED } }, { r.status, r.json }, c[2])
      end
      assert.truthy(v.uuid)
      -- the docs mark it required for floating IPs: a field error, whatever the token
      r = call("POST", "/v1/network/ip_addresses", { json = { name = "x" } })
      assert.same({ 400, { "billing_account_id" } }, { r.status, keys_of(r.json.errors) })
    end)

    it("is the token's own for a restricted token, and an unknown one is incorrect", function()
      local token
      for _, t in ipairs(ok("POST", "/v1/user-resource/token", { form = { restricted = true, billing_account_id = 7 } })) do
        if t.restricted then token = t.token end
      end
      local v = ok("POST", "/v1/user-resource/vm", { key = token, form = h.with({ billing_account_id = false }) })
      assert.equal(7, v.billing_account)
      local d = ok("POST", "/v1/storage/disks", { key = token, form = { size_gb = 20 } }, 201)
      assert.equal(7, d.billing_account_id)
      local r = call("POST", "/v1/user-resource/vm", { form = h.with({ billing_account_id = 99 }) })
      assert.same({ errors = { Error = INCORRECT } }, r.json)
      r = call("POST", "/v1/network/ip_addresses", { json = { billing_account_id = 99 } })
      assert.same({ 400, { message = INCORRECT } }, { r.status, r.json })
    end)
  end)

  describe("tombstones", function()
    it("reads a deleted VM back with status deleted for the tombstone time, then not at all", function()
      local v = create()
      ok("DELETE", "/v1/user-resource/vm", { form = { uuid = v.uuid } })
      local r = get_vm(v.uuid)
      assert.same({ 200, "deleted" }, { r.status, r.json.status })
      assert.same({}, ok("GET", "/v1/user-resource/vm/list"))
      assert.equal(400, call("POST", "/v1/user-resource/vm/start", { form = { uuid = v.uuid } }).status)
      control("PUT", "config", { tombstone = 0.01 }) -- the age counts from the deletion
      cqueues.sleep(0.02)
      assert.equal(400, get_vm(v.uuid).status)
    end)

    it("forgets at once with tombstone 0", function()
      control("PUT", "config", { tombstone = 0 })
      local v = create()
      ok("DELETE", "/v1/user-resource/vm", { form = { uuid = v.uuid } })
      assert.equal(400, get_vm(v.uuid).status)
      local d = disk()
      call("DELETE", "/v1/storage/disks/" .. d.uuid)
      assert.equal(404, call("GET", "/v1/storage/disks/" .. d.uuid).status)
    end)

    it("reads a deleted disk back with status Deleted, its VM's boot disk too", function()
      local d = disk()
      assert.equal(204, call("DELETE", "/v1/storage/disks/" .. d.uuid).status)
      assert.equal("Deleted", ok("GET", "/v1/storage/disks/" .. d.uuid).status)
      assert.equal("Deleted", ok("GET", "/v1/storage/disk/" .. d.uuid).status)
      assert.same({}, ok("GET", "/v1/storage/disks"))
      assert.equal(404, call("DELETE", "/v1/storage/disks/" .. d.uuid).status)
      local v = create()
      ok("DELETE", "/v1/user-resource/vm", { form = { uuid = v.uuid } })
      assert.equal("Deleted", ok("GET", "/v1/storage/disks/" .. v.storage[1].uuid).status)
      control("PUT", "config", { tombstone = 0.01 })
      cqueues.sleep(0.02)
      assert.equal(404, call("GET", "/v1/storage/disks/" .. d.uuid).status)
    end)

    it("reads a deleted load balancer back with is_deleted, and lists it with all=true", function()
      local b = lb(create()).json
      ok("DELETE", "/v1/network/load_balancers/" .. b.uuid)
      assert.is_true(ok("GET", "/v1/network/load_balancers/" .. b.uuid).is_deleted)
      assert.same({}, ok("GET", "/v1/network/load_balancers"))
      assert.same({}, ok("GET", "/v1/network/load_balancers", { query = { all = "false" } }))
      local all = ok("GET", "/v1/network/load_balancers", { query = { all = "true" } })
      assert.same({ b.uuid, true }, { all[1].uuid, all[1].is_deleted })
      assert.equal(404, call("DELETE", "/v1/network/load_balancers/" .. b.uuid).status)
      control("PUT", "config", { tombstone = 0.01 })
      cqueues.sleep(0.02)
      assert.equal(404, call("GET", "/v1/network/load_balancers/" .. b.uuid).status)
      assert.same({}, ok("GET", "/v1/network/load_balancers", { query = { all = "true" } }))
    end)
  end)

  describe("VM update", function()
    it("refuses vcpu and ram sent unchanged, takes a change of one", function()
      local v = create()
      ok("POST", "/v1/user-resource/vm/stop", { form = { uuid = v.uuid } })
      local r = call("PATCH", "/v1/user-resource/vm", { form = { uuid = v.uuid, name = "x", vcpu = 2, ram = 2048 } })
      assert.equal(400, r.status)
      assert.equal("string", type(r.json.errors.Error))
      assert.equal("web-1", ok("GET", "/v1/user-resource/vm", { query = { uuid = v.uuid } }).name)
      r = ok("PATCH", "/v1/user-resource/vm", { form = { uuid = v.uuid, vcpu = 4, ram = 2048 } })
      assert.same({ 4, 2048 }, { r.vcpu, r.memory })
    end)
  end)

  describe("editions", function()
    -- The old idcloudhost seed answered {"success": true}; its 2025-12 text answers the VM, as the
    -- elastis docs do (shared/api/endpoints-2025.md (b2) #11).
    it("answers a VM update with the VM in both editions", function()
      local v = create()
      local r = ok("PATCH", "/v1/user-resource/vm", { form = { uuid = v.uuid, name = "one" } })
      assert.same({ v.uuid, "one" }, { r.uuid, r.name })
      edition("idcloudhost")
      r = ok("PATCH", "/v1/user-resource/vm", { form = { uuid = v.uuid, name = "two" } })
      assert.same({ v.uuid, "two" }, { r.uuid, r.name })
    end)

    it("answers a load balancer without a targets key with 500 (elastis) and takes it (idcloudhost)", function()
      local v = create()
      local r = lb(v, { targets = false })
      assert.equal(500, r.status)
      assert.same({}, ok("GET", "/v1/network/load_balancers"))
      r = lb(v, { targets = {} })
      assert.equal(200, r.status, r.body)
      assert.same({}, r.json.targets)
      edition("idcloudhost")
      assert.equal(200, lb(v, { targets = false, rules = { { source_port = 81, target_port = 81 } } }).status)
    end)

    -- The rows of the old idcloudhost seed that its 2025-12 text replaced by the elastis docs'
    -- version (shared/api/endpoints-2025.md (b2)): buckets' is_suspended, the billing account's
    -- fields, invoices' location_slug are the same in both editions now.
    it("shows buckets' is_suspended in both editions", function()
      local b = ok("PUT", "/v1/storage/bucket", { form = { name = "b-1", billing_account_id = 6 } })
      assert.is_false(b.is_suspended)
      edition("idcloudhost")
      assert.is_false(ok("GET", "/v1/storage/bucket", { query = { name = "b-1" } }).is_suspended)
    end)

    it("shows billing accounts and invoices alike in both editions (the 2025-12 idcloudhost text)", function()
      local e = ok("GET", "/v1/payment/billing_account", { query = { billing_account_id = 6 } })
      local e_inv = ok("GET", "/v1/payment/invoice", { query = { invoice_id = 1 } })
      assert.is_true(e.is_default)
      assert.is_true(e.primary_card.is_verified)
      assert.is_nil(e.referral_code)
      assert.equal("cyc01", e_inv.records_list[1].location_slug)
      edition("idcloudhost")
      local i = ok("GET", "/v1/payment/billing_account", { query = { billing_account_id = 6 } })
      assert.same(h.keys_of(e), h.keys_of(i))
      assert.same(h.keys_of(e.running_totals), h.keys_of(i.running_totals))
      assert.same({ true, "yfsx0q", "warren" }, { i.primary_card.is_verified, i.referral_share_code, i.site })
      assert.is_nil(i.referral_code)
      assert.equal("cyc01", ok("GET", "/v1/payment/invoice", { query = { invoice_id = 1 } }).records_list[1].location_slug)
    end)

    it("is a setting: --edition, SIM_EDITION and PUT /__sim/config", function()
      assert.equal("elastis", control("GET", "config").edition)
      local r = call("PUT", "/__sim/config", { key = false, json = { edition = "other" } })
      assert.equal(400, r.status)
      local url, pid, out = h.start_sim("--edition idcloudhost --latency 0")
      local base = h.base
      h.base = url
      local got = control("GET", "config").edition
      h.base = base
      h.stop_sim(pid, out)
      assert.equal("idcloudhost", got)
      url, pid, out = h.start_sim("--latency 0", "SIM_EDITION=idcloudhost SIM_TOMBSTONE=5")
      h.base = url
      local c = control("GET", "config")
      h.base = base
      h.stop_sim(pid, out)
      assert.same({ "idcloudhost", 5 }, { c.edition, c.tombstone })
    end)
  end)
end)
