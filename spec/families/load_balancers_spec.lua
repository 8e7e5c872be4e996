-- Load balancers end to end against the simulator.
local helper = require "spec.helper"
local idcloudhost = require "idcloudhost"

local BA = 6 -- the simulator's (default) billing account
local NOBODY = "00000000-0000-4000-8000-000000000000"

local last_request = helper.last_request -- the newest log entry, the log's length

local function target_uuids(lb)
  local out = {}
  for i, t in ipairs(lb.targets) do out[i] = t.target_uuid end
  return out
end

describe("load balancers on the simulator", function()
  local client, net, a, b

  before_each(function()
    client = helper.fresh_client { location = "cyc01" }
    assert(client.networks:default())
    net = assert(client.networks:create { name = "web" })
    a = assert(client.vms:create(helper.vm_params { name = "web-a", network_uuid = net.uuid, reserve_public_ip = false }))
    b = assert(client.vms:create(helper.vm_params { name = "web-b", network_uuid = net.uuid, reserve_public_ip = false }))
  end)

  local function make(over)
    local p = { display_name = "my LB", network_uuid = net.uuid, rules = { { source_port = 80, target_port = 8080 } },
      targets = { a } }
    for k, v in pairs(over or {}) do p[k] = v end
    return assert(client.load_balancers:create(p))
  end

  it("creates one with rules and targets, sent as JSON", function()
    local lb = assert(client.load_balancers:create {
      display_name = "my LB", billing_account_id = BA, network_uuid = net, reserve_public_ip = false,
      rules = { { source_port = 80, target_port = 8080 }, { source_port = 443, target_port = 8443 } },
      targets = { a, b.uuid },
    })
    local req = last_request()
    assert.equal("POST", req.method)
    assert.equal("/v1/cyc01/network/load_balancers", req.path)
    assert.equal("application/json", req.content_type)
    local body = idcloudhost.json.decode(req.body)
    assert.same({
      display_name = "my LB", billing_account_id = BA, network_uuid = net.uuid, reserve_public_ip = false,
      rules = { { source_port = 80, target_port = 8080 }, { source_port = 443, target_port = 8443 } },
      targets = { { target_uuid = a.uuid, target_type = "vm" }, { target_uuid = b.uuid, target_type = "vm" } },
    }, body)

    assert.is_truthy(idcloudhost.is_uuid(lb.uuid))
    assert.equal("my LB", lb.display_name)
    assert.equal(net.uuid, lb.network_uuid)
    assert.equal(BA, lb.billing_account_id)
    assert.equal(2, #lb.forwarding_rules)
    assert.equal(80, lb.forwarding_rules[1].source_port)
    assert.equal(8080, lb.forwarding_rules[1].target_port)
    assert.equal("TCP", lb.forwarding_rules[1].protocol)
    assert.is_truthy(idcloudhost.is_uuid(lb.forwarding_rules[1].uuid))
    assert.same({ a.uuid, b.uuid }, target_uuids(lb))
    assert.equal(a.private_ipv4, lb.targets[1].target_ip_address)
    assert.equal("vm", lb.targets[1].target_type)
    local prefix = net.subnet:match("^(%d+%.%d+%.%d+)%.")
    assert.equal(prefix, lb.private_address:match("^(%d+%.%d+%.%d+)%."))
    assert.equal("load_balancer " .. lb.uuid .. ' "my LB" ' .. lb.private_address .. " (2 rules, 2 targets)", tostring(lb))

    local list = assert(client.load_balancers:list())
    assert.equal(1, #list)
    assert.equal(lb.uuid, list[1].uuid)
    local same = assert(client.load_balancers:get(lb.uuid))
    assert.same(target_uuids(lb), target_uuids(same))
    assert.equal(getmetatable(lb), getmetatable(same))
  end)

  it("takes target tables, and lands in the default network without network_uuid", function()
    local c = assert(client.vms:create(helper.vm_params { name = "plain", reserve_public_ip = false }))
    local lb = assert(client.load_balancers:create { targets = { { target_uuid = c.uuid, target_type = "vm" } } })
    assert.equal(assert(client.networks:default()).uuid, lb.network_uuid)
    assert.same({ c.uuid }, target_uuids(lb))
    assert.same({}, lb.forwarding_rules)
    local empty = assert(client.load_balancers:create { rules = {}, targets = {} })
    assert.same({}, empty.targets)
    assert.equal(2, #assert(client.load_balancers:list()))
  end)

  it("renames and changes the billing account with JSON bodies, in place", function()
    local lb = make()
    assert.equal(lb, assert(lb:rename("renamed")))
    assert.equal("renamed", lb.display_name)
    local req = last_request()
    assert.equal("PATCH", req.method)
    assert.same({ display_name = "renamed" }, idcloudhost.json.decode(req.body))
    assert.equal("renamed", assert(client.load_balancers:get(lb.uuid)).display_name)

    assert.equal(lb, assert(lb:set_billing_account(BA)))
    req = last_request()
    assert.equal("PUT", req.method)
    assert.equal("/v1/cyc01/network/load_balancers/" .. lb.uuid .. "/billing_account", req.path)
    assert.same({ set_id = BA }, idcloudhost.json.decode(req.body))
    local ok, err = lb:set_billing_account(4242)                   -- no such account
    assert.is_nil(ok)
    assert.equal(400, err.status)
    assert.matches("billing account", err.message:lower())
    assert.equal(BA, assert(client.load_balancers:get(lb.uuid)).billing_account_id)
    ok, err = client.load_balancers:create { billing_account_id = 4242 }
    assert.is_nil(ok)
    assert.equal(400, err.status)
    assert.equal(1, #assert(client.load_balancers:list()))
  end)

  it("adds and removes targets", function()
    local lb = make()
    local t = assert(lb:add_target(b))
    assert.equal(b.uuid, t.target_uuid)
    assert.equal("vm", t.target_type)
    assert.equal(b.private_ipv4, t.target_ip_address)
    assert.same({ a.uuid, b.uuid }, target_uuids(lb))        -- this object follows
    local req = last_request()
    assert.equal("POST", req.method)
    assert.same({ target_uuid = b.uuid, target_type = "vm" }, idcloudhost.json.decode(req.body))
    assert.same({ a.uuid, b.uuid }, target_uuids(assert(client.load_balancers:get(lb.uuid))))

    local dup, err = lb:add_target(b.uuid)
    assert.is_nil(dup)
    assert.equal(400, err.status)
    assert.matches("already a target", err.message)

    assert.is_true(assert(lb:remove_target(a.uuid)))
    assert.equal("/v1/cyc01/network/load_balancers/" .. lb.uuid .. "/targets/" .. a.uuid, last_request().path)
    assert.same({ b.uuid }, target_uuids(lb))
    assert.same({ b.uuid }, target_uuids(assert(client.load_balancers:get(lb.uuid))))
    assert.is_true(assert(lb:remove_target(b)))             -- a VM object works too
    assert.same({}, assert(client.load_balancers:get(lb.uuid)).targets)

    local ok, rerr = lb:remove_target(a.uuid)
    assert.is_nil(ok)
    assert.equal(404, rerr.status)
    assert.is_true(rerr.not_found)
  end)

  it("takes only VMs that exist, in the balancer's network, as targets", function()
    local lb = make()
    local _, err = lb:add_target(NOBODY)
    assert.equal(400, err.status)
    assert.matches("was not found", err.message)
    local elsewhere = assert(client.vms:create(helper.vm_params { name = "other", reserve_public_ip = false }))
    _, err = lb:add_target(elsewhere)
    assert.equal(400, err.status)
    assert.matches("not in the load balancer's network", err.message)
    _, err = lb:add_target { target_uuid = b.uuid, target_type = "service" }
    assert.equal(400, err.status)

    local none
    none, err = client.load_balancers:create { network_uuid = net.uuid, targets = { a, NOBODY } }
    assert.is_nil(none)
    assert.equal(400, err.status)
    assert.equal(1, #assert(client.load_balancers:list()))
  end)

  it("refuses an unknown network", function()
    local lb, err = client.load_balancers:create { network_uuid = NOBODY }
    assert.is_nil(lb)
    assert.equal(400, err.status)
    assert.equal("Network UUID is invalid.", err.message)
    assert.same({}, assert(client.load_balancers:list()))
  end)

  it("adds a rule and hands back its uuid, re-reading the balancer", function()
    local lb = make()
    helper.sim("DELETE", "log")
    local rule = assert(lb:add_rule { source_port = 443, target_port = 8443 })
    assert.is_truthy(idcloudhost.is_uuid(rule.uuid))
    assert.equal(443, rule.source_port)
    assert.equal(8443, rule.target_port)
    assert.equal(2, #lb.forwarding_rules)                 -- this object was re-read
    local log = helper.log()
    assert.equal(2, #log)
    assert.equal("POST", log[1].method)
    assert.equal("/v1/cyc01/network/load_balancers/" .. lb.uuid .. "/forwarding_rules", log[1].path)
    assert.same({ source_port = 443, target_port = 8443 }, idcloudhost.json.decode(log[1].body))
    assert.equal("GET", log[2].method)

    local fresh = assert(client.load_balancers:get(lb.uuid))
    local found
    for _, f in ipairs(fresh.forwarding_rules) do if f.uuid == rule.uuid then found = f end end
    assert.equal(443, found.source_port)

    local dup, err = lb:add_rule { source_port = 443, target_port = 9000 }
    assert.is_nil(dup)
    assert.equal(400, err.status)
    assert.matches("already exists", err.message)

    assert.is_true(assert(lb:remove_rule(rule.uuid)))
    assert.equal(1, #lb.forwarding_rules)
    assert.equal(1, #assert(client.load_balancers:get(lb.uuid)).forwarding_rules)
    assert.is_true(assert(lb:remove_rule(lb.forwarding_rules[1])))   -- a rule table works too
    assert.same({}, assert(client.load_balancers:get(lb.uuid)).forwarding_rules)
    local ok, rerr = lb:remove_rule(rule.uuid)
    assert.is_nil(ok)
    assert.equal(404, rerr.status)
  end)

  it("deletes (200, empty body); then it reads back deleted, then it is not found", function()
    local lb = make()
    assert.is_true(assert(lb:delete()))
    local req = last_request()
    assert.equal("DELETE", req.method)
    assert.equal(200, req.status)
    local tomb = assert(client.load_balancers:get(lb.uuid))
    assert.is_true(tomb.deleted)
    assert.is_true(tomb.is_deleted)
    helper.config { tombstone = 0 }
    local gone, err = client.load_balancers:get(lb.uuid)
    assert.is_nil(gone)
    assert.equal(404, err.status)
    assert.is_true(err.not_found)
    local _, rerr = lb:rename("x")
    assert.is_true(rerr.not_found)
    assert.same({}, assert(client.load_balancers:list()))
  end)

  it("counts as a resource of its network, which cannot be deleted meanwhile", function()
    local lb = make { targets = {} }
    assert(a:delete())
    assert(b:delete())
    assert.equal(1, assert(net:reload()).resources_count)
    assert.same({}, net.vm_uuids)
    local ok, err = net:delete()
    assert.is_nil(ok)
    assert.matches("has resources", err.message)
    assert(lb:delete())
    assert.equal(0, assert(net:reload()).resources_count)
    assert.is_true(assert(net:delete()))
  end)

  it("drops a deleted VM from its targets", function()
    local lb = make { targets = { a, b } }
    assert(a:delete())
    assert.same({ b.uuid }, target_uuids(assert(lb:reload())))
  end)

  it("reserve_public_ip gives it a floating IP, left reserved when it is deleted", function()
    local lb = make { reserve_public_ip = true }
    local ips = assert(client.floating_ips:list())
    assert.equal(1, #ips)
    assert.equal(lb.uuid, ips[1].assigned_to)
    assert.equal("load_balancer", ips[1].assigned_to_resource_type)
    assert.equal(lb.private_address, ips[1].assigned_to_private_ip)
    assert(lb:delete())
    assert.is_nil(assert(ips[1]:reload()).assigned_to)
    assert.equal(1, #assert(client.floating_ips:list()))     -- still reserved
  end)

  it("relays the simulator's checks of rules and parameters", function()
    local res, err = client:request("POST", "/v1/network/load_balancers",
      { rules = { { source_port = 0, target_port = 80 } } }, { json = true, location = true })
    assert.is_nil(res)
    assert.equal(400, err.status)
    assert.equal("rules", err.code)
    local lb = make()
    res, err = client:request("PATCH", "/v1/network/load_balancers/" .. lb.uuid, {}, { json = true, location = true })
    assert.is_nil(res)
    assert.equal("display_name", err.code)
    res, err = client:request("POST", "/v1/network/load_balancers/" .. lb.uuid .. "/forwarding_rules",
      { source_port = "8080" }, { json = true, location = true })
    assert.is_nil(res)
    assert.equal("target_port", err.code)
  end)

  it("refuses bad input without sending anything", function()
    local lb = make()
    local _, before = last_request()
    local L = client.load_balancers
    local cases = {
      { L:get("nope") },
      { L:create "my LB" },
      { L:create { name = "typo" } },
      { L:create { network_uuid = "nope" } },
      { L:create { network_uuid = { name = "not a network" } } },
      { L:create { rules = { { source_port = 0, target_port = 80 } } } },
      { L:create { rules = { { source_port = 80 } } } },
      { L:create { rules = { { source_port = 80, target_port = 81, protocol = "UDP" } } } },
      { L:create { rules = { source_port = 80, target_port = 81 } } },
      { L:create { targets = { "nope" } } },
      { L:create { targets = { { target_uuid = a.uuid, weight = 2 } } } },
      { L:create { targets = a } },
      { L:create { reserve_public_ip = "true" } },
      { lb:rename() },
      { lb:set_billing_account("6") },
      { lb:add_target("nope") },
      { lb:add_target() },
      { lb:remove_target("nope") },
      { lb:add_rule { source_port = 80, target_port = 70000 } },
      { lb:add_rule { source_port = "80", target_port = 81 } },
      { lb:add_rule() },
      { lb:remove_rule("nope") },
      { lb:remove_rule() },
    }
    helper.all_invalid(cases, before)
  end)
end)
