-- The 2025-12 edition of the platform (shared/api/endpoints-2025.md): its new routes (SSH keys,
-- firewalls, managed services, boot media) and its changes to the old ones (YAML cloud_init,
-- public_keys, empty-disk VMs, disk meta-data, snapshots' size_gb, floating IPs on load
-- balancers and services), with the editions' choices (sim/README.md, "Editions").
--   lua5.3 /usr/bin/busted spec/sim/platform2025_spec.lua   (uses $IDCLOUDHOST_SIM_URL, or starts one)
-- (Long, on purpose: every route and rule of the 2025-12 edition, around one simulator.)
local h = require "spec.sim.helper"

if not h.available then
  describe("simulator, 2025-12 edition", function()
    pending("needs lua-http and Lua 5.3: lua5.3 /usr/bin/busted spec/sim/platform2025_spec.lua")
  end)
  return
end

local call, ok, control, create, keys_of = h.call, h.ok, h.control, h.create, h.keys_of

local NEEDED = "'billing_account_id' is required if using a global API token"
local UNKNOWN = "aaaaaaaa-0000-4bbb-8111-cccccccccccc"
local KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMockPublicKeyData user@host"

local function edition(e) control("PUT", "config", { edition = e }) end
local function state() return control("GET", "state") end

local function ssh_key(name, public_key)
  return call("POST", "/v1/user-resource/ssh_keys", { json = { name = name, public_key = public_key or KEY } })
end

local FW = "/v1/network/firewalls"
local function rule(over)
  local t = { protocol = "tcp", direction = "inbound", port_start = 22, port_end = 22, endpoint_spec_type = "any" }
  for k, v in pairs(over or {}) do t[k] = v end
  for k, v in pairs(t) do if v == false then t[k] = nil end end
  return t
end
local function firewall(rules, prefix)
  return call("POST", (prefix or "/v1") .. "/network/firewalls", { json = { display_name = "web", billing_account_id = 6,
    rules = rules or { rule() } } })
end
local function firewalls(prefix) return ok("GET", (prefix or "/v1") .. "/network/firewalls") end
local function by_port(list)
  local out = {}
  for _, x in ipairs(list) do out[x.port_start == h.null and "all" or x.port_start] = x end
  return out
end

local SVC = "/v1/user-resource/service/package"
local function service(over)
  local body = { billing_account_id = 6, service = "postgresql", version = "14.0", display_name = "db", vm_cpu = 2,
    vm_ram = 4096, vm_disk_gb = 40 }
  for k, v in pairs(over or {}) do body[k] = v end
  for k, v in pairs(body) do if v == false then body[k] = nil end end
  return call("POST", SVC, { json = body })
end

local function fip() return ok("POST", "/v1/network/ip_addresses", { json = { billing_account_id = 6, name = "ip" } }) end
local function lb(v)
  return ok("POST", "/v1/network/load_balancers", { json = { display_name = "lb", billing_account_id = 6,
    rules = { { source_port = 80, target_port = 8080 } }, targets = { { target_uuid = v.uuid, target_type = "vm" } } } })
end

local function pct(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", c:byte()) end))
end
-- A form body (keys in order, repeats kept): { {k, v}, ... }.
local function form_body(pairs_)
  local out = {}
  for _, kv in ipairs(pairs_) do out[#out + 1] = pct(kv[1]) .. "=" .. pct(tostring(kv[2])) end
  return table.concat(out, "&")
end
local function vm_form(extra)
  local list = {}
  for _, k in ipairs(keys_of(h.VALID)) do list[#list + 1] = { k, h.VALID[k] } end
  for _, kv in ipairs(extra) do list[#list + 1] = kv end
  return call("POST", "/v1/user-resource/vm", { body = form_body(list), ctype = "application/x-www-form-urlencoded" })
end
local function sim_vm(uuid)
  for _, v in ipairs(state().locations.cyc01.vms) do
    if v.uuid == uuid then return v end
  end
end

describe("simulator, 2025-12 edition", function()
  h.setup(setup, teardown, before_each)

  describe("SSH keys", function()
    it("creates, lists, renames and deletes keys with the docs' fields", function()
      local r = ssh_key("laptop")
      assert.equal(200, r.status, r.body)
      local k = r.json
      assert.same({ "created_at", "name", "public_key", "user_id", "uuid" }, keys_of(k))
      assert.matches(h.UUID_RE, k.uuid)
      assert.matches("^%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%dZ$", k.created_at)
      assert.same({ "laptop", KEY, 8 }, { k.name, k.public_key, k.user_id })
      ssh_key("desktop", "ssh-rsa AAAA other")
      local list = ok("GET", "/v1/user-resource/ssh_keys")
      assert.same({ "laptop", "desktop" }, { list[1].name, list[2].name })
      local renamed = ok("PATCH", "/v1/user-resource/ssh_keys/" .. k.uuid, { json = { name = "personal" } })
      assert.same({ k.uuid, "personal", KEY }, { renamed.uuid, renamed.name, renamed.public_key })
      r = call("DELETE", "/v1/user-resource/ssh_keys/" .. k.uuid)
      assert.same({ 200, "" }, { r.status, r.body })
      assert.same({ "desktop" }, { ok("GET", "/v1/user-resource/ssh_keys")[1].name, nil })
      assert.equal(1, #ok("GET", "/v1/user-resource/ssh_keys"))
      assert.equal(404, call("DELETE", "/v1/user-resource/ssh_keys/" .. k.uuid).status)
    end)

    it("answers 201 and 204 in the idcloudhost edition (its docs), 200 and 200 in the elastis one (live)", function()
      edition("idcloudhost")
      local r = ssh_key("laptop")
      assert.equal(201, r.status)
      local d = call("DELETE", "/v1/user-resource/ssh_keys/" .. r.json.uuid)
      assert.same({ 204, "" }, { d.status, d.body })
      edition("elastis")
      assert.equal(200, ssh_key("laptop").status)
    end)

    it("refuses a taken name with 409, on create and on rename", function()
      ssh_key("laptop")
      local other = ssh_key("desktop").json
      local r = ssh_key("laptop", "ssh-ed25519 BBBB another")
      assert.equal(409, r.status)
      assert.equal("string", type(r.json.errors.name))
      r = call("PATCH", "/v1/user-resource/ssh_keys/" .. other.uuid, { json = { name = "laptop" } })
      assert.equal(409, r.status)
      assert.equal(2, #ok("GET", "/v1/user-resource/ssh_keys"))
      assert.equal("desktop", ok("GET", "/v1/user-resource/ssh_keys")[2].name)
    end)

    it("keeps the public key immutable and needs a name and a key", function()
      local k = ssh_key("laptop").json
      local r = call("PATCH", "/v1/user-resource/ssh_keys/" .. k.uuid, { json = { name = "x", public_key = "ssh-rsa NEW" } })
      assert.equal(400, r.status)
      assert.equal("string", type(r.json.errors.public_key))
      local now = ok("GET", "/v1/user-resource/ssh_keys")[1]
      assert.same({ "laptop", KEY }, { now.name, now.public_key })
      -- sending the same key back is no change
      assert.equal("y", ok("PATCH", "/v1/user-resource/ssh_keys/" .. k.uuid, { json = { name = "y", public_key = KEY } }).name)
      r = call("POST", "/v1/user-resource/ssh_keys", { json = { name = "" } })
      assert.equal(400, r.status)
      assert.same({ "name", "public_key" }, keys_of(r.json.errors))
      assert.equal(400, call("PATCH", "/v1/user-resource/ssh_keys/" .. k.uuid, { json = { name = "" } }).status)
      assert.equal(404, call("PATCH", "/v1/user-resource/ssh_keys/" .. UNKNOWN, { json = { name = "z" } }).status)
      -- no format check of the key ("no strict format validation")
      assert.equal(200, ssh_key("odd", "not really a key").status)
    end)
  end)

  describe("firewalls", function()
    it("creates a firewall: rules read back with uuids, port_end filled, endpoint_spec null for any", function()
      local r = firewall({
        rule { port_start = 80, port_end = false },
        rule { port_start = 3306, port_end = 3310, endpoint_spec_type = "ip_prefixes",
          endpoint_spec = { "10.0.0.0/24", "10.1.2.3", "2001:db8::/32" } },
        rule { port_start = h.null, port_end = false, protocol = "icmp" },
      })
      assert.equal(200, r.status, r.body)
      local f = r.json
      assert.same({ "billing_account_id", "created_at", "deleted_at", "display_name", "resources_assigned", "rules",
        "user_id", "uuid" }, keys_of(f))
      assert.same({ "web", 6, {} }, { f.display_name, f.billing_account_id, f.resources_assigned })
      assert.matches("^%d%d%d%d%-%d%d%-%d%d %d%d:%d%d:%d%d$", f.created_at)
      local rules = by_port(f.rules)
      for _, x in ipairs(f.rules) do assert.matches(h.UUID_RE, x.uuid) end
      assert.same({ 80, h.null, "any" }, { rules[80].port_end, rules[80].endpoint_spec, rules[80].endpoint_spec_type })
      assert.same({ 3310, { "10.0.0.0/24", "10.1.2.3", "2001:db8::/32" } }, { rules[3306].port_end, rules[3306].endpoint_spec })
      assert.same({ h.null, "icmp" }, { rules.all.port_end, rules.all.protocol })
      -- the API's order, not the order sent (by rule uuid here)
      assert.is_true(f.rules[1].uuid < f.rules[2].uuid and f.rules[2].uuid < f.rules[3].uuid)
      assert.same(f, firewalls()[1])
    end)

    it("refuses every bad rule with a field error and creates nothing", function()
      local bad = {
        rule { direction = "in" },
        rule { direction = false },
        rule { protocol = "http" },
        rule { endpoint_spec_type = "cidr" },
        rule { port_start = 0 },
        rule { port_start = 65536, port_end = false },
        rule { port_end = 65536 },
        rule { port_start = 443, port_end = 80 },
        rule { port_start = "x" },
        rule { port_start = h.null, port_end = 80 },
        rule { endpoint_spec_type = "ip_prefixes" },
        rule { endpoint_spec_type = "ip_prefixes", endpoint_spec = {} },
        rule { endpoint_spec_type = "ip_prefixes", endpoint_spec = { "10.0.0.300/24" } },
        rule { endpoint_spec_type = "ip_prefixes", endpoint_spec = { "10.0.0.0/33" } },
        rule { endpoint_spec_type = "ip_prefixes", endpoint_spec = { "example.com" } },
        rule { endpoint_spec_type = "ip_prefixes", endpoint_spec = "10.0.0.0/24" },
      }
      for i, b in ipairs(bad) do
        local r = firewall({ rule(), b })
        assert.equal(400, r.status, "bad rule " .. i .. ": " .. r.body)
        assert.matches("^rule 2: ", r.json.errors.rules, nil, false)
      end
      assert.same({}, firewalls())
      -- the edges are fine
      assert.equal(200, firewall({ rule { port_start = 1, port_end = 65535 }, rule { port_start = 8080, port_end = 8080 } }).status)
      local r = call("POST", FW, { json = { billing_account_id = 6, rules = {} } })
      assert.equal(400, r.status)
      assert.equal("string", type(r.json.errors.display_name))
    end)

    it("needs a billing account from a global token, in the network service's shape", function()
      local r = call("POST", FW, { json = { display_name = "web", rules = {} } })
      assert.same({ 400, NEEDED }, { r.status, r.json.message })
      assert.equal(400, call("POST", FW, { json = { display_name = "web", billing_account_id = 99, rules = {} } }).status)
    end)

    it("has no GET of one firewall: 405", function()
      local f = firewall().json
      local r = call("GET", FW .. "/" .. f.uuid)
      assert.equal(405, r.status)
      assert.equal(405, call("GET", "/v1/bus02/network/firewalls/" .. f.uuid).status)
    end)

    it("replaces the whole firewall on PUT: rules left out are gone, sent uuids kept, name and description", function()
      local f = firewall({ rule { port_start = 22 }, rule { port_start = 80, port_end = false } }).json
      local by = by_port(f.rules)
      local keep = by[22]
      local r = ok("PUT", FW .. "/" .. f.uuid, { json = { name = "renamed", description = "ssh and https",
        rules = { rule { uuid = keep.uuid, port_start = 22, endpoint_spec_type = "ip_prefixes", endpoint_spec = { "10.0.0.0/8" } },
          rule { port_start = 443, port_end = false } } } })
      local now = by_port(r.rules)
      assert.same({ "renamed", "ssh and https" }, { r.display_name, r.description })
      assert.is_nil(now[80])
      assert.equal(keep.uuid, now[22].uuid)
      assert.same({ "10.0.0.0/8" }, now[22].endpoint_spec)
      assert.is_truthy(now[443].uuid ~= keep.uuid and now[443].uuid ~= by[80].uuid)
      assert.equal(2, #r.rules)
      assert.same(r, firewalls()[1])
      -- a uuid that is not one of the firewall's rules: a new rule
      r = ok("PUT", FW .. "/" .. f.uuid, { json = { rules = { rule { uuid = by[80].uuid, port_start = 80, port_end = 80 } } } })
      assert.is_truthy(r.rules[1].uuid ~= by[80].uuid)
      -- name and description left out stay; display_name renames too
      assert.same({ "renamed", "ssh and https" }, { r.display_name, r.description })
      assert.equal("again", ok("PUT", FW .. "/" .. f.uuid, { json = { display_name = "again", rules = {} } }).display_name)
      assert.same({}, firewalls()[1].rules)
    end)

    it("refuses a PUT without rules, or with a bad one, and changes nothing", function()
      local f = firewall({ rule { port_start = 22 } }).json
      local r = call("PUT", FW .. "/" .. f.uuid, { json = { name = "x" } })
      assert.equal(400, r.status)
      assert.equal("string", type(r.json.errors.rules))
      r = call("PUT", FW .. "/" .. f.uuid, { json = { name = "x", rules = { rule { direction = "sideways" } } } })
      assert.equal(400, r.status)
      assert.same(f, firewalls()[1])
      assert.equal(404, call("PUT", FW .. "/" .. UNKNOWN, { json = { rules = {} } }).status)
    end)

    it("deletes with 204 and no body", function()
      local f = firewall().json
      local r = call("DELETE", FW .. "/" .. f.uuid)
      assert.same({ 204, "" }, { r.status, r.body })
      assert.same({}, firewalls())
      assert.equal(404, call("DELETE", FW .. "/" .. f.uuid).status)
    end)

    it("assigns and unassigns VMs by the vm_uuid query parameter; a deleted VM leaves", function()
      local f = firewall().json
      local a, b = create(), create(nil, { name = "web-2" })
      local path = FW .. "/" .. f.uuid .. "/vms"
      local r = ok("POST", path, { query = { vm_uuid = a.uuid } })
      assert.same({ { resource_type = "vm", resource_uuid = a.uuid } }, r)
      ok("POST", path, { query = { vm_uuid = a.uuid } }) -- again: no change
      r = ok("POST", path, { query = { vm_uuid = b.uuid } })
      assert.equal(2, #r)
      assert.same(r, firewalls()[1].resources_assigned)
      local u = call("DELETE", path, { query = { vm_uuid = a.uuid } })
      assert.same({ 204, "" }, { u.status, u.body })
      assert.same({ { resource_type = "vm", resource_uuid = b.uuid } }, firewalls()[1].resources_assigned)
      ok("DELETE", "/v1/user-resource/vm", { form = { uuid = b.uuid } })
      assert.same({}, firewalls()[1].resources_assigned)
      r = call("POST", path, { query = { vm_uuid = UNKNOWN } })
      assert.same({ 400, "Virtual machine " .. UNKNOWN .. " was not found." }, { r.status, r.json.message })
      r = call("POST", path)
      assert.equal(400, r.status)
      assert.equal("string", type(r.json.errors.vm_uuid))
      assert.equal(404, call("POST", FW .. "/" .. UNKNOWN .. "/vms", { query = { vm_uuid = a.uuid } }).status)
    end)

    it("keeps locations apart", function()
      local f = firewall(nil, "/v1/bus02").json
      assert.same({}, firewalls())
      assert.equal(f.uuid, firewalls("/v1/bus02")[1].uuid)
      assert.equal(404, call("DELETE", FW .. "/" .. f.uuid).status)
      -- a VM of another location cannot be assigned
      local v = create()
      assert.equal(400, call("POST", "/v1/bus02/network/firewalls/" .. f.uuid .. "/vms", { query = { vm_uuid = v.uuid } }).status)
    end)
  end)

  describe("managed services", function()
    it("creates a single-node and a multi-node package as the docs show them", function()
      local r = service()
      assert.equal(200, r.status, r.body)
      local s = r.json
      assert.same({ "billing_account_id", "created_at", "display_name", "is_deleted", "is_multi_node", "prices",
        "properties", "resources", "service", "status", "updated_at", "user_id", "uuid", "version" }, keys_of(s))
      assert.same({ "active", false, false, "postgresql", "14.0", 6 },
        { s.status, s.is_deleted, s.is_multi_node, s.service, s.version, s.billing_account_id })
      assert.same({ "location", "port", "service_ip", "sql_user" }, keys_of(s.properties))
      assert.same({ "cyc01", 5432, "wadmin" }, { s.properties.location, s.properties.port, s.properties.sql_user })
      assert.equal(1, #s.resources)
      local node = s.resources[1]
      assert.same({ "vm", 2, 4096, 40 }, { node.resource_type, node.resource_allocation.vcpu,
        node.resource_allocation.memory, node.resource_allocation.storage[1].size })
      assert.equal(9, #s.prices)
      local m = service { is_multi_node = true, service = "mariadb", version = "10.5", display_name = "m" }.json
      assert.same({ true, 3306, 3 }, { m.is_multi_node, m.properties.port, #m.resources })
      assert.same({ "virtual_ip", m.properties.service_ip }, { m.resources[1].resource_type,
        m.resources[1].resource_allocation.address })
      -- the service lives on the location's default network
      local net = ok("GET", "/v1/network/networks")[1]
      assert.is_true(net.is_default)
      assert.equal(net.subnet:match("^(%d+%.%d+%.%d+)%."), s.properties.service_ip:match("^(%d+%.%d+%.%d+)%."))
    end)

    it("checks every parameter of a create", function()
      local r = service { service = false, version = false, display_name = false, vm_cpu = false, vm_ram = false,
        vm_disk_gb = false }
      assert.equal(400, r.status)
      assert.same({ "display_name", "service", "version", "vm_cpu", "vm_disk_gb", "vm_ram" }, keys_of(r.json.errors))
      r = service { service = "mongodb" }
      assert.same({ "service" }, keys_of(r.json.errors))
      r = service { version = "9.6" }
      assert.same({ "version" }, keys_of(r.json.errors))
      r = service { vm_cpu = 0, vm_ram = 100, vm_disk_gb = "big", is_multi_node = "maybe", package_parameters = "[1]" }
      assert.same({ "is_multi_node", "package_parameters", "vm_cpu", "vm_disk_gb", "vm_ram" }, keys_of(r.json.errors))
      r = service { billing_account_id = false }
      assert.same({ 400, NEEDED }, { r.status, r.json.errors.billing_account_id })
      assert.same({}, ok("GET", SVC .. "s"))
    end)

    it("lists, reads and updates the metadata; unknown packages are 404", function()
      local a = service().json
      local b = service { display_name = "second" }.json
      local list = ok("GET", SVC .. "s")
      assert.same({ a.uuid, b.uuid }, { list[1].uuid, list[2].uuid })
      assert.same(a, ok("GET", SVC .. "/" .. a.uuid))
      local u = ok("PATCH", SVC .. "/" .. a.uuid, { json = { display_name = "New name", billing_account_id = 7 } })
      assert.same({ "New name", 7 }, { u.display_name, u.billing_account_id })
      assert.equal("only-name", ok("PATCH", SVC .. "/" .. a.uuid, { json = { display_name = "only-name" } }).display_name)
      assert.equal(7, ok("GET", SVC .. "/" .. a.uuid).billing_account_id)
      assert.equal(400, call("PATCH", SVC .. "/" .. a.uuid, { json = { billing_account_id = 99 } }).status)
      assert.equal(400, call("PATCH", SVC .. "/" .. a.uuid, { json = { display_name = "" } }).status)
      for _, m in ipairs({ "GET", "PATCH", "DELETE" }) do
        assert.equal(404, call(m, SVC .. "/" .. UNKNOWN, { json = {} }).status, m)
      end
      assert.equal(404, call("GET", SVC .. "/" .. UNKNOWN .. "/secrets").status)
    end)

    it("shows the secrets only through /secrets", function()
      local s = service().json
      local sec = ok("GET", SVC .. "/" .. s.uuid .. "/secrets")
      assert.same({ "sql_pass" }, keys_of(sec))
      assert.is_true(#sec.sql_pass >= 12)
      local plain = sec.sql_pass:gsub("%p", "%%%0")
      for _, text in ipairs({ call("GET", SVC .. "/" .. s.uuid).body, call("GET", SVC .. "s").body,
        call("PATCH", SVC .. "/" .. s.uuid, { json = { display_name = "x" } }).body,
        h.call("GET", "/__sim/state", { key = false }).body }) do
        assert.is_nil(text:find(plain), text)
      end
      -- each package its own
      assert.are_not.equal(sec.sql_pass, ok("GET", SVC .. "/" .. service().json.uuid .. "/secrets").sql_pass)
    end)

    it("deletes: the package answers deleted, leaves the list, reads back as a tombstone", function()
      local s = service { is_multi_node = true }.json
      local d = ok("DELETE", SVC .. "/" .. s.uuid)
      assert.same({ true, "deleted", "string" }, { d.is_deleted, d.status, type(d.deleted_at) })
      for _, res in ipairs(d.resources) do assert.same({}, res.resource_allocation) end
      assert.same({}, ok("GET", SVC .. "s"))
      assert.equal("deleted", ok("GET", SVC .. "/" .. s.uuid).status)
      assert.equal(404, call("DELETE", SVC .. "/" .. s.uuid).status)
      assert.equal(404, call("GET", SVC .. "/" .. s.uuid .. "/secrets").status)
      control("PUT", "config", { tombstone = 0 })
      assert.equal(404, call("GET", SVC .. "/" .. s.uuid).status)
    end)

    it("keeps a whitelist of addresses and prefixes, by ip_address only", function()
      local s = service().json
      local path = SVC .. "/" .. s.uuid .. "/whitelist_addresses"
      assert.same({}, ok("GET", path))
      assert.same({ "176.112.157.203" }, ok("POST", path, { form = { ip_address = "176.112.157.203" } }))
      assert.same({ "176.112.157.203", "1.2.3.0/24" }, ok("POST", path, { json = { ip_address = "1.2.3.0/24" } }))
      -- adding one that is there changes nothing
      assert.same({ "176.112.157.203", "1.2.3.0/24" }, ok("POST", path, { form = { ip_address = "1.2.3.0/24" } }))
      assert.same({ "176.112.157.203", "1.2.3.0/24", "2001:db8::1" }, ok("POST", path, { form = { ip_address = "2001:db8::1" } }))
      for _, bad in ipairs({ { ip = "10.0.0.1" }, { cidr = "10.0.0.0/8" }, { address = "10.0.0.1" } }) do
        local r = call("POST", path, { form = bad })
        assert.equal(400, r.status)
        assert.same({ "ip_address" }, keys_of(r.json.errors))
      end
      assert.equal(400, call("POST", path, { form = { ip_address = "1.2.3.4/40" } }).status)
      assert.equal(400, call("POST", path, { form = { ip_address = "everyone" } }).status)
      assert.same({ "176.112.157.203", "2001:db8::1" }, ok("DELETE", path, { form = { ip_address = "1.2.3.0/24" } }))
      assert.same({ "176.112.157.203", "2001:db8::1" }, ok("DELETE", path, { form = { ip_address = "1.2.3.0/24" } }))
      -- location-specific in the docs: answered with a slug too
      assert.same({ "176.112.157.203", "2001:db8::1" }, ok("GET", "/v1/bus02" .. path:sub(4)))
      assert.equal(404, call("GET", SVC .. "/" .. UNKNOWN .. "/whitelist_addresses").status)
    end)

    it("bills packages in the usage, at the package's multiplier", function()
      create()
      local s = service { is_multi_node = true }.json
      local usage = ok("GET", "/v1/charging/usage", { query = { billing_account_id = 6 } })
      assert.equal(2, #usage)
      local vm_entry, svc_entry = usage[1], usage[2]
      assert.equal(s.uuid, svc_entry.owner_uuid)
      assert.equal(2, #svc_entry.configurations)
      -- two nodes of 2 CPUs, 4 GB RAM, 40 GB disk, three times the VM prices
      assert.near(3 * 2 * (2 * 0.00521 + 4 * 0.00329 + 40 * 0.0001), svc_entry.price, 1e-5)
      assert.is_true(svc_entry.price > vm_entry.price)
      ok("PATCH", SVC .. "/" .. s.uuid, { json = { billing_account_id = 7 } })
      assert.equal(1, #ok("GET", "/v1/charging/usage", { query = { billing_account_id = 6 } }))
      assert.equal(s.uuid, ok("GET", "/v1/charging/usage", { query = { billing_account_id = 7 } })[1].owner_uuid)
      ok("DELETE", SVC .. "/" .. s.uuid)
      assert.same({}, ok("GET", "/v1/charging/usage", { query = { billing_account_id = 7 } }))
    end)
  end)

  describe("floating IPs on load balancers and services", function()
    it("assigns to a load balancer and a service with assigned_to + assigned_to_resource_type", function()
      local v = create(nil, { reserve_public_ip = "false" })
      local b = lb(v)
      local s = service().json
      local a = fip().address
      local path = "/v1/network/ip_addresses/" .. a .. "/assign"
      local r = ok("POST", path, { json = { assigned_to = b.uuid, assigned_to_resource_type = "load_balancer" } })
      assert.same({ b.uuid, "load_balancer", b.private_address }, { r.assigned_to, r.assigned_to_resource_type,
        r.assigned_to_private_ip })
      r = ok("POST", path, { json = { assigned_to = s.uuid, assigned_to_resource_type = "service" } })
      assert.same({ s.uuid, "service", s.properties.service_ip }, { r.assigned_to, r.assigned_to_resource_type,
        r.assigned_to_private_ip })
      -- vm_uuid still works, and assigned_to alone is a VM
      r = ok("POST", path, { form = { vm_uuid = v.uuid } })
      assert.same({ v.uuid, "virtual_machine" }, { r.assigned_to, r.assigned_to_resource_type })
      ok("POST", path, { json = { assigned_to = s.uuid, assigned_to_resource_type = "service" } })
      -- deleting the package unassigns it; the address stays reserved
      ok("DELETE", SVC .. "/" .. s.uuid)
      local ip = ok("GET", "/v1/network/ip_addresses/" .. a)
      assert.same({ h.null, "string" }, { ip.assigned_to, type(ip.unassigned_at) })
    end)

    it("refuses other resource types and resources that do not exist", function()
      local a = fip().address
      local path = "/v1/network/ip_addresses/" .. a .. "/assign"
      local r = call("POST", path, { json = { assigned_to = UNKNOWN, assigned_to_resource_type = "bucket" } })
      assert.equal(400, r.status)
      assert.same({ "assigned_to_resource_type" }, keys_of(r.json.errors))
      r = call("POST", path, { json = { assigned_to = UNKNOWN, assigned_to_resource_type = "load_balancer" } })
      assert.same({ 400, "Load balancer " .. UNKNOWN .. " was not found." }, { r.status, r.json.message })
      r = call("POST", path, { json = { assigned_to = UNKNOWN, assigned_to_resource_type = "service" } })
      assert.same({ 400, "Service " .. UNKNOWN .. " was not found." }, { r.status, r.json.message })
      r = call("POST", path, { json = { assigned_to = UNKNOWN } })
      assert.same({ 400, "Virtual machine " .. UNKNOWN .. " was not found." }, { r.status, r.json.message })
      assert.equal(h.null, ok("GET", "/v1/network/ip_addresses/" .. a).assigned_to)
      -- a package lives in the default location: an address of another one cannot take it
      local s = service().json
      local other = ok("POST", "/v1/bus02/network/ip_addresses", { json = { billing_account_id = 6 } }).address
      r = call("POST", "/v1/bus02/network/ip_addresses/" .. other .. "/assign",
        { json = { assigned_to = s.uuid, assigned_to_resource_type = "service" } })
      assert.same({ 400, "Service " .. s.uuid .. " was not found." }, { r.status, r.json.message })
    end)
  end)

  describe("VM create", function()
    it("takes cloud_init as YAML text, and hides the username when it declares users", function()
      local yaml = "#cloud-config\nusers:\n  - name: ops\n    ssh_authorized_keys:\n      - " .. KEY .. "\nruncmd:\n  - [ls, -l]\n"
      local v = create(nil, { cloud_init = yaml })
      assert.is_nil(v.username)
      assert.equal(yaml, sim_vm(v.uuid).sim.cloud_init)
      local w = create(nil, { name = "web-2", cloud_init = "---\npackages:\n  - nginx\n" })
      assert.equal("example", w.username)
      -- JSON as before
      assert.same({ "ls" }, sim_vm(create(nil, { name = "web-3", cloud_init = '{"runcmd": ["ls"]}' }).uuid).sim.cloud_init.runcmd)
      for _, bad in ipairs({ "- just\n- a list\n", "{nope", "plain words", "  indented: first\n" }) do
        local r = call("POST", "/v1/user-resource/vm", { form = h.with { name = "bad", cloud_init = bad } })
        assert.equal(400, r.status, bad)
        assert.same({ "cloud_init" }, keys_of(r.json.errors))
      end
    end)

    it("takes public_keys repeated, in a form or as a JSON list, after public_key", function()
      local r = vm_form { { "public_key", "ssh-ed25519 AAA one" }, { "public_keys", "ssh-ed25519 BBB two" },
        { "public_keys", "ssh-rsa CCC three+x" } }
      assert.equal(200, r.status, r.body)
      assert.same({ "ssh-ed25519 AAA one", "ssh-ed25519 BBB two", "ssh-rsa CCC three+x" }, sim_vm(r.json.uuid).sim.public_keys)
      local body = h.with { name = "web-2", password = false, username = false }
      body.public_keys = { "ssh-ed25519 DDD four", "ssh-ed25519 EEE five" }
      local v = ok("POST", "/v1/user-resource/vm", { json = body })
      assert.same({ "ssh-ed25519 DDD four", "ssh-ed25519 EEE five" }, sim_vm(v.uuid).sim.public_keys)
      body = h.with { name = "web-3" }
      body.public_keys = { "ok", 5 }
      assert.equal(400, call("POST", "/v1/user-resource/vm", { json = body }).status)
    end)

    it("makes empty-disk VMs without os_name and os_version, or with _custom and _", function()
      local v = create(nil, { os_name = false, os_version = false, username = false, password = false })
      assert.same({ "_custom", "_" }, { v.os_name, v.os_version })
      local w = create(nil, { name = "web-2", os_name = "_custom", os_version = "_" })
      local disks = ok("GET", "/v1/storage/disks")
      assert.same({ "EMPTY", "EMPTY" }, { disks[1].source_image_type, disks[2].source_image_type })
      assert.equal(w.uuid, disks[2].uuid)
      -- one of the two alone is still an error
      local r = call("POST", "/v1/user-resource/vm", { form = h.with { os_version = false } })
      assert.same({ "os_version" }, keys_of(r.json.errors))
      r = call("POST", "/v1/user-resource/vm", { form = h.with { os_name = false } })
      assert.same({ "os_name" }, keys_of(r.json.errors))
      assert.equal(400, call("POST", "/v1/user-resource/vm", { form = h.with { os_name = "_custom", os_version = "22.04" } }).status)
      -- not an image
      for _, img in ipairs(ok("GET", "/v1/config/vm_images")) do assert.are_not.equal("_custom", img.os_name) end
    end)

    it("shows license_type on Windows VMs only", function()
      assert.equal("WINDOWS", create(nil, { os_name = "windows", os_version = "2022", username = false }).license_type)
      assert.is_nil(create(nil, { name = "web-2" }).license_type)
    end)
  end)

  describe("disks", function()
    local function snapshot_disk()
      local d = ok("POST", "/v1/storage/disks", { form = { size_gb = 30, billing_account_id = 6 } }, 201)
      ok("POST", "/v1/user-resource/vm/replica", { form = { uuid = d.uuid, r_type = "snapshot" } })
      return d
    end

    it("answers snapshots' size as sizeGb (elastis edition) or size_gb (idcloudhost edition)", function()
      local d = snapshot_disk()
      local s = ok("GET", "/v1/storage/disks/" .. d.uuid).snapshots[1]
      assert.same({ 30, nil }, { s.sizeGb, s.size_gb })
      edition("idcloudhost")
      s = ok("GET", "/v1/storage/disks/" .. d.uuid).snapshots[1]
      assert.same({ nil, 30 }, { s.sizeGb, s.size_gb })
      assert.equal(30, ok("GET", "/v1/storage/disks")[1].snapshots[1].size_gb)
    end)

    it("marks disks read_only_bootable and lists only those on request", function()
      local a = ok("POST", "/v1/storage/disks", { form = { size_gb = 1, billing_account_id = 6 } }, 201)
      local b = ok("POST", "/v1/storage/disks", { form = { size_gb = 2, billing_account_id = 6 } }, 201)
      assert.is_false(a.read_only_bootable)
      local m = ok("PATCH", "/v1/storage/disks/" .. b.uuid, { form = { read_only_bootable = "true", display_name = "iso" } })
      assert.same({ true, "iso", 6 }, { m.read_only_bootable, m.display_name, m.billing_account_id })
      local only = ok("GET", "/v1/storage/disks", { query = { read_only_bootable = "true" } })
      assert.same({ b.uuid }, { only[1].uuid, only[2] and only[2].uuid })
      assert.equal(2, #ok("GET", "/v1/storage/disks", { query = { read_only_bootable = "false" } }))
      assert.equal(400, call("GET", "/v1/storage/disks", { query = { read_only_bootable = "maybe" } }).status)
      assert.is_false(ok("PATCH", "/v1/storage/disks/" .. b.uuid, { form = { read_only_bootable = "false" } }).read_only_bootable)
    end)
  end)

  describe("boot media", function()
    it("lists the bootable images, with a location slug too", function()
      local list = ok("GET", "/v1/config/boot_images")
      assert.is_true(#list >= 2)
      assert.same({ "description", "image_name", "is_installation_media", "is_published", "uuid" }, keys_of(list[1]))
      assert.equal("e3a5f2d6-7d15-11f0-85ba-047bcbc1cb26", list[1].uuid)
      assert.same(list, ok("GET", "/v1/bus02/config/boot_images"))
    end)

    it("boots a VM once from a platform image or a read-only bootable disk", function()
      local images = ok("GET", "/v1/config/boot_images")
      local v = create(nil, { os_name = false, os_version = false })
      ok("POST", "/v1/user-resource/vm/stop", { form = { uuid = v.uuid } })
      local r = ok("POST", "/v1/user-resource/vm/boot_iso_media", { form = { uuid = v.uuid, boot_image_uuid = images[2].uuid } })
      assert.same({ v.uuid, "running" }, { r.uuid, r.status })
      assert.same({ uuid = images[2].uuid, repository = "platform" }, sim_vm(v.uuid).sim.boot_media)
      -- the next start boots normally
      ok("POST", "/v1/user-resource/vm/stop", { form = { uuid = v.uuid } })
      ok("POST", "/v1/user-resource/vm/start", { form = { uuid = v.uuid } })
      assert.is_nil(sim_vm(v.uuid).sim.boot_media)
      -- without an image: the platform's rescue image
      ok("POST", "/v1/user-resource/vm/boot_iso_media", { form = { uuid = v.uuid } })
      assert.equal(images[1].uuid, sim_vm(v.uuid).sim.boot_media.uuid)
      -- a private ISO: a disk marked read_only_bootable
      local d = ok("POST", "/v1/storage/disks", { form = { size_gb = 1, billing_account_id = 6 } }, 201)
      local form = { uuid = v.uuid, boot_image_uuid = d.uuid, boot_image_repository = "private" }
      r = call("POST", "/v1/user-resource/vm/boot_iso_media", { form = form })
      assert.equal(400, r.status)
      assert.equal("string", type(r.json.errors.Error))
      ok("PATCH", "/v1/storage/disks/" .. d.uuid, { form = { read_only_bootable = "true" } })
      ok("POST", "/v1/user-resource/vm/boot_iso_media", { form = form })
      assert.same({ uuid = d.uuid, repository = "private" }, sim_vm(v.uuid).sim.boot_media)
    end)

    it("refuses unknown images, repositories and VMs", function()
      local v = create()
      local function boot(form) return call("POST", "/v1/user-resource/vm/boot_iso_media", { form = form }) end
      local r = boot { uuid = v.uuid, boot_image_uuid = UNKNOWN }
      assert.same({ 400, "string" }, { r.status, type(r.json.errors.Error) })
      r = boot { uuid = v.uuid, boot_image_repository = "usb" }
      assert.same({ "boot_image_repository" }, keys_of(r.json.errors))
      r = boot { uuid = v.uuid, boot_image_repository = "private" }
      assert.same({ "boot_image_uuid" }, keys_of(r.json.errors))
      r = boot { uuid = v.uuid, boot_image_uuid = UNKNOWN, boot_image_repository = "private" }
      assert.same({ 400, "No such disk exists. " .. UNKNOWN }, { r.status, r.json.errors.Error })
      r = boot { uuid = UNKNOWN }
      assert.same({ 400, "No such virtual machine exists: " .. UNKNOWN }, { r.status, r.json.errors.Error })
      assert.is_nil(sim_vm(v.uuid).sim.boot_media)
    end)
  end)

  describe("control API", function()
    it("shows the new kinds in the state and resets them", function()
      ssh_key("laptop")
      firewall()
      service()
      local s = state()
      assert.equal("laptop", s.globals.ssh_keys[1].name)
      assert.equal("db", s.globals.services[1].display_name)
      assert.same({}, s.globals.services[1].sim.whitelist)
      assert.equal("web", s.locations.cyc01.firewalls[1].display_name)
      control("POST", "reset")
      s = state()
      assert.is_nil((s.globals or {}).ssh_keys and s.globals.ssh_keys[1])
      assert.is_nil(s.locations.cyc01.firewalls and s.locations.cyc01.firewalls[1])
      assert.same({}, ok("GET", "/v1/user-resource/ssh_keys"))
      assert.same({}, ok("GET", SVC .. "s"))
    end)

    it("faults the new routes like any other", function()
      control("POST", "faults", { path = "/v1/network/firewalls", method = "POST", kind = "status", status = 503 })
      assert.equal(503, firewall().status)
      assert.same({}, firewalls())
      control("POST", "faults", { path = "/v1/user-resource/ssh_keys", kind = "status", status = 429, after = true })
      assert.equal(429, ssh_key("laptop").status)
      assert.equal(1, #ok("GET", "/v1/user-resource/ssh_keys"))
    end)
  end)
end)
