-- Firewalls on a scripted transport: client.firewalls, firewall objects and vm:firewalls()
-- (endpoints 106-111 of docs/endpoints.md: the 2025-12 edition).  JSON bodies, in a location;
-- no GET of one firewall; update is a PUT of the whole firewall; assign and unassign take the VM
-- in the query; delete answers 204.
local cjson = require "cjson"
local helper = require "spec.helper"
local docs = require "spec.fixtures.unit_docs"

local FW1 = "550e8400-e29b-41d4-a716-446655440000"   -- docs.firewall_list's firewall
local FW2 = "2a874f44-310f-4df8-9340-1dc274c2bd51"   -- created / updated in the docs
local R80 = "7b3ec3c8-9c7e-4bcb-a1b9-2c8ad37a82c9"
local R443 = "1c7d9a29-4b0e-42c7-9d05-57ca08b8cd22"
local VM = "ff4b3c1b-998a-48a5-9bf4-5777ee2ae9db"
local BASE = "/v1/cyc01/network/firewalls"

local client = helper.scripted

local function with_fw(...)
  local f, c = client(helper.answer(docs.firewall_list), ...)
  return f, assert(c.firewalls:get(FW1)), c
end

local SSH = { direction = "inbound", protocol = "tcp", port_start = 22, endpoint_spec = { "10.0.0.0/8" } }

describe("client.firewalls", function()
  it("list sends GET .../network/firewalls and reads the list's name as display_name", function()
    local f, c = client(helper.answer(docs.firewall_list))
    local list = assert(c.firewalls:list())
    helper.expect(f, 1, { "GET", BASE })
    assert.equal(1, #list)
    local fw = list[1]
    assert.equal("Web Server Firewall", fw.display_name)
    assert.equal("Web Server Firewall", fw.name)
    assert.equal(2, #fw.rules)
    assert.equal('firewall ' .. FW1 .. ' "Web Server Firewall" (2 rules, 0 resources)', tostring(fw))
    for _, m in ipairs { "reload", "update", "add_rule", "remove_rule", "assign", "unassign", "delete" } do
      assert.is_function(fw[m], m)
    end
  end)

  it("get finds a firewall in the list; one it lacks is not_found; a bad uuid sends nothing", function()
    local f, c = client(helper.answer(docs.firewall_list), helper.answer(docs.firewall_list))
    assert.equal(FW1, assert(c.firewalls:get(FW1:upper())).uuid)
    helper.expect(f, 1, { "GET", BASE })
    local fw, err = c.firewalls:get(FW2)
    assert.is_nil(fw)
    assert.is_true(err.not_found)
    helper.refuses(f, function() return c.firewalls:get("Web Server Firewall") end, "uuid")
  end)

  it("create sends POST with display_name, the account and the rules checked and completed", function()
    local f, c = client(helper.answer(docs.firewall_create))
    local fw = assert(c.firewalls:create { display_name = "Database Firewall", billing_account_id = 123, rules = {
      { direction = "inbound", protocol = "TCP", port_start = 3306, port_end = 3306,
        endpoint_spec_type = "ip_prefixes", endpoint_spec = { "10.0.0.0/24" } },
      { direction = "outbound", protocol = "any" },
    } })
    helper.expect(f, 1, { "POST", BASE, json = { display_name = "Database Firewall", billing_account_id = 123, rules = {
      { direction = "inbound", protocol = "tcp", port_start = 3306, port_end = 3306,
        endpoint_spec_type = "ip_prefixes", endpoint_spec = { "10.0.0.0/24" } },
      { direction = "outbound", protocol = "any", endpoint_spec_type = "any" },
    } } })
    assert.equal(FW2, fw.uuid)
    assert.equal("Database Firewall", fw.display_name)
    assert.equal("db9acacd-91e1-4225-b934-7f264f9f75a2", fw.rules[1].uuid)
  end)

  it("create sends the rules as a JSON list, even an empty one", function()
    local f, c = client(helper.answer(docs.firewall_create))
    assert(c.firewalls:create { display_name = "empty", billing_account_id = 123 })
    assert.matches('"rules":[]', helper.sent(f, 1).body, 1, true)
  end)

  it("create sends the default billing account when none is given", function()
    local f, c = client(helper.answer(docs.ba_list_elastis), helper.answer(docs.firewall_create))
    assert(c.firewalls:create { display_name = "fw", rules = { SSH } })
    helper.expect(f, 1, { "GET", "/v1/payment/billing_account/list" })
    assert.equal(6, helper.sent(f, 2).json.billing_account_id)
    assert.equal("ip_prefixes", helper.sent(f, 2).json.rules[1].endpoint_spec_type)
  end)

  describe("rules are checked before anything is sent", function()
    local NONE = {} -- a field left out
    local function rule(over)
      local r = { direction = "inbound", protocol = "tcp", port_start = 80, port_end = 443,
        endpoint_spec_type = "ip_prefixes", endpoint_spec = { "10.0.0.0/24", "203.0.113.7", "2001:db8::/32" } }
      for k, v in pairs(over) do
        if v == NONE then r[k] = nil else r[k] = v end
      end
      return r
    end
    local cases = {
      { "direction", rule { direction = "in" } },
      { "direction", rule { direction = "INBOUND" } },
      { "direction", rule { direction = false } },
      { "protocol", rule { protocol = "gre" } },
      { "protocol", rule { protocol = 6 } },
      { "port_start", rule { port_start = 0 } },
      { "port_start", rule { port_start = 65536, port_end = 65536 } },
      { "port_start", rule { port_start = 22.5 } },
      { "port_start", rule { port_start = "22" } },
      { "port_end", rule { port_end = 65536 } },
      { "port_end", rule { port_end = 0 } },
      { "port_end", rule { port_start = 443, port_end = 80 } },
      { "port_end", rule { port_start = NONE, port_end = 80 } },
      { "endpoint_spec_type", rule { endpoint_spec_type = "cidr" } },
      { "endpoint_spec_type", rule { endpoint_spec_type = "firewall" } },
      { "endpoint_spec", rule { endpoint_spec = NONE } },
      { "endpoint_spec", rule { endpoint_spec = false } },
      { "endpoint_spec", rule { endpoint_spec = {} } },
      { "endpoint_spec", rule { endpoint_spec = "10.0.0.0/24" } },
      { "endpoint_spec", rule { endpoint_spec = { "10.0.0.0/33" } } },
      { "endpoint_spec", rule { endpoint_spec = { "300.1.1.1" } } },
      { "endpoint_spec", rule { endpoint_spec = { "10.0.0.0/" } } },
      { "endpoint_spec", rule { endpoint_spec = { "10.0.0.0/08" } } },
      { "endpoint_spec", rule { endpoint_spec = { "2001:db8::/129" } } },
      { "endpoint_spec", rule { endpoint_spec = { "example.com" } } },
      { "endpoint_spec", rule { endpoint_spec = { "10.0.0.1", 5 } } },
      { "endpoint_spec", rule { endpoint_spec = { [1] = "10.0.0.1", x = "y" } } },
      { "endpoint_spec", rule { endpoint_spec_type = "any", endpoint_spec = { "10.0.0.0/24" } } },
      { "uuid", rule { uuid = "rule-1" } },
      { "port", rule { port = 22 } },
    }

    it("create refuses each bad rule with an invalid error naming the field", function()
      local f, c = client()
      for _, case in ipairs(cases) do
        local err = helper.refuses(f, function()
          return c.firewalls:create { display_name = "fw", billing_account_id = 1, rules = { SSH, case[2] } }
        end, case[1])
        assert.matches("rule 2", err.message, 1, true)
      end
      helper.refuses(f, function() return c.firewalls:create { display_name = "fw", billing_account_id = 1, rules = SSH } end,
        "rules")
      helper.refuses(f, function() return c.firewalls:create { display_name = "fw", billing_account_id = 1, rules = { 1 } } end,
        "rules")
      helper.refuses(f, function() return c.firewalls:create { billing_account_id = 1 } end, "display_name")
      helper.refuses(f, function() return c.firewalls:create() end)
    end)

    it("add_rule and update refuse them too, sending nothing", function()
      local f, fw = with_fw()
      for _, case in ipairs(cases) do
        helper.refuses(f, function() return fw:add_rule(case[2]) end, case[1])
        helper.refuses(f, function() return fw:update { rules = { case[2] } } end, case[1])
      end
    end)

    it("takes the edge values: ports 1 and 65535, port_end = port_start, every port, /0 and /32", function()
      local f, c = client(helper.answer(docs.firewall_create))
      assert(c.firewalls:create { display_name = "fw", billing_account_id = 1, rules = {
        rule { port_start = 1, port_end = 65535, endpoint_spec = { "0.0.0.0/0", "10.1.2.3/32", "::/0" } },
        rule { port_start = 8080, port_end = 8080 },
        rule { port_start = NONE, port_end = NONE, protocol = "icmp" },
      } })
      local sent = helper.sent(f, 1).json.rules
      assert.same({ 1, 65535 }, { sent[1].port_start, sent[1].port_end })
      assert.same({ 8080, 8080 }, { sent[2].port_start, sent[2].port_end })
      assert.is_nil(sent[3].port_start)
      assert.is_nil(sent[3].port_end)
    end)
  end)
end)

describe("firewall objects", function()
  it("update sends a PUT of the whole firewall: the name given, the rules kept with their uuids", function()
    local f, fw = with_fw(helper.answer(docs.firewall_update))
    assert.equal(fw, assert(fw:update { display_name = "Updated" }))
    local s = helper.expect(f, 2, { "PUT", BASE .. "/" .. FW1, json = {
      name = "Updated", description = "Firewall for web server instances", rules = {
        { uuid = R80, protocol = "tcp", direction = "inbound", port_start = 80, port_end = 80,
          endpoint_spec_type = "ip_prefixes", endpoint_spec = { "10.22.33.0/24", "10.12.34.5" } },
        { uuid = R443, protocol = "tcp", direction = "inbound", port_start = 443, port_end = 443,
          endpoint_spec_type = "any" },
      } } })
    assert.is_nil(s.json.display_name)
    assert.equal(FW2, fw.uuid) -- updated in place from the answer
    assert.equal("Database Firewall", fw.display_name)
  end)

  it("update with rules keeps the name and description it last saw", function()
    local f, fw = with_fw(helper.answer(docs.firewall_update))
    assert(fw:update { rules = { SSH } })
    helper.expect(f, 2, { "PUT", BASE .. "/" .. FW1, json = {
      name = "Web Server Firewall", description = "Firewall for web server instances", rules = {
        { direction = "inbound", protocol = "tcp", port_start = 22, endpoint_spec_type = "ip_prefixes",
          endpoint_spec = { "10.0.0.0/8" } } } } })
  end)

  it("update keeps a rule given as read (its uuid sent: the platform keeps its identity)", function()
    local f, fw = with_fw(helper.answer(docs.firewall_update))
    assert(fw:update { rules = { fw.rules[1], SSH } })
    local rules = helper.sent(f, 2).json.rules
    assert.equal(R80, rules[1].uuid)
    assert.same({ "10.22.33.0/24", "10.12.34.5" }, rules[1].endpoint_spec)
    assert.is_nil(rules[2].uuid)
  end)

  it("update with no rules left sends an empty list", function()
    local f, fw = with_fw(helper.answer(docs.firewall_update))
    assert(fw:update { rules = {} })
    assert.matches('"rules":[]', helper.sent(f, 2).body, 1, true)
  end)

  it("update refuses nothing to change and unknown fields, sending nothing", function()
    local f, fw = with_fw()
    helper.refuses(f, function() return fw:update() end)
    helper.refuses(f, function() return fw:update {} end)
    helper.refuses(f, function() return fw:update { name = "x" } end, "name")
    helper.refuses(f, function() return fw:update { billing_account_id = 1 } end, "billing_account_id")
  end)

  it("add_rule sends the rules it holds and the new one", function()
    local f, fw = with_fw(helper.answer(docs.firewall_update))
    assert.equal(fw, assert(fw:add_rule(SSH)))
    local rules = helper.sent(f, 2).json.rules
    assert.equal(3, #rules)
    assert.same({ R80, R443 }, { rules[1].uuid, rules[2].uuid })
    assert.is_nil(rules[3].uuid)
    assert.equal(22, rules[3].port_start)
    assert.equal("PUT", helper.sent(f, 2).method)
  end)

  it("add_rule sends back the rules the platform holds as they are, even ones the SDK would not make", function()
    local list = cjson.decode(docs.firewall_list)
    list[1].rules[2].protocol = "all"       -- a protocol of the platform's own
    list[1].rules[2].endpoint_spec = cjson.null
    local f, c = client(helper.answer(cjson.encode(list)), helper.answer(docs.firewall_update))
    local fw = assert(c.firewalls:get(FW1))
    assert(fw:add_rule(SSH))
    local rules = helper.sent(f, 2).json.rules
    assert.equal("all", rules[2].protocol)
    assert.is_nil(rules[2].endpoint_spec) -- null left out
    assert.equal(3, #rules)
  end)

  it("remove_rule sends the rules but that one (by uuid or the rule itself)", function()
    for _, which in ipairs { R80, R80:upper(), "rule" } do
      local f, fw = with_fw(helper.answer(docs.firewall_update))
      assert(fw:remove_rule(which == "rule" and fw.rules[1] or which))
      local rules = helper.sent(f, 2).json.rules
      assert.equal(1, #rules)
      assert.equal(R443, rules[1].uuid)
    end
  end)

  it("remove_rule refuses a rule the firewall does not hold, sending nothing", function()
    local f, fw = with_fw()
    helper.refuses(f, function() return fw:remove_rule("aaaaaaaa-0000-bbbb-1111-cccccccccccc") end, "rule")
    helper.refuses(f, function() return fw:remove_rule("port 80") end, "rule")
    helper.refuses(f, function() return fw:remove_rule() end, "rule")
  end)

  it("assign sends POST .../{uuid}/vms?vm_uuid= with no body and keeps the answer", function()
    local f, fw = with_fw(helper.answer(docs.firewall_assign))
    assert.equal(fw, assert(fw:assign { uuid = VM }))
    helper.expect(f, 2, { "POST", BASE .. "/" .. FW1 .. "/vms", query = { vm_uuid = VM } })
    assert.same({ { resource_type = "vm", resource_uuid = VM } }, fw.resources_assigned)
  end)

  it("unassign sends DELETE .../{uuid}/vms?vm_uuid= with no body; no content takes the VM off", function()
    local f, fw = with_fw(helper.answer(docs.firewall_assign), { status = 204, body = "" })
    assert(fw:assign(VM))
    assert.equal(fw, assert(fw:unassign(VM)))
    helper.expect(f, 3, { "DELETE", BASE .. "/" .. FW1 .. "/vms", query = { vm_uuid = VM } })
    assert.same({}, fw.resources_assigned)
  end)

  it("assign and unassign refuse what is no VM, sending nothing", function()
    local f, fw = with_fw()
    for _, bad in ipairs { "web-1", VM .. "x", 12, {} } do
      helper.refuses(f, function() return fw:assign(bad) end, "vm")
      helper.refuses(f, function() return fw:unassign(bad) end, "vm")
    end
  end)

  it("delete sends DELETE .../{uuid} and takes the 204", function()
    local f, fw = with_fw({ status = 204, body = "" })
    assert.is_true(assert(fw:delete()))
    helper.expect(f, 2, { "DELETE", BASE .. "/" .. FW1 })
    assert.is_true(fw.deleted)
  end)

  it("vm:firewalls() lists the location's firewalls and keeps those guarding the VM", function()
    local list = cjson.decode(docs.firewall_list)
    local other = cjson.decode(docs.firewall_list)[1]
    other.uuid = FW2
    list[1].resources_assigned = { { resource_type = "vm", resource_uuid = VM } }
    list[2] = other
    local f, c = client(helper.answer(docs.vm_get), helper.answer(cjson.encode(list)))
    local vm = assert(c.vms:get("5aea1842-895f-4bd3-8bd6-e37b2282fb46"))
    vm.uuid = VM
    local fws = assert(vm:firewalls())
    helper.expect(f, 2, { "GET", BASE })
    assert.equal(1, #fws)
    assert.equal(FW1, fws[1].uuid)
  end)
end)

describe("firewalls: hostile answers", function()
  it("a list that is no list of firewalls is a decode error", function()
    for _, body in ipairs { "{}", '[{"name": "x"}]', "null", "" } do
      local _, c = client(helper.answer(body))
      local list, err = c.firewalls:list()
      assert.is_nil(list)
      assert.equal("decode", err.kind, body)
    end
  end)

  it("a create or update answered 204, a list or no uuid is a decode error marked uncertain", function()
    for _, answer in ipairs { { status = 204, body = "" }, helper.answer("[]"), helper.answer('{"display_name": "x"}') } do
      local _, c = client(answer)
      local fw, err = c.firewalls:create { display_name = "x", billing_account_id = 1 }
      assert.is_nil(fw)
      assert.equal("decode", err.kind)
      assert.is_true(err.uncertain)
      local f2, fw2 = with_fw(answer)
      local ok, err2 = fw2:update { display_name = "y" }
      assert.is_nil(ok)
      assert.equal("decode", err2.kind)
      assert.equal(2, #f2.requests)
    end
  end)

  it("an assign answered 204 or a list of something else is a decode error, not success", function()
    for _, answer in ipairs { { status = 204, body = "" }, helper.answer('[{"resource_type": "vm"}]'), helper.answer('"ok"') } do
      local _, fw = with_fw(answer)
      local ok, err = fw:assign(VM)
      assert.is_nil(ok)
      assert.equal("decode", err.kind)
      assert.is_true(err.uncertain)
    end
  end)
end)
