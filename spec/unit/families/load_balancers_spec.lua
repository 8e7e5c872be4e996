-- Network load balancers on a scripted transport: client.load_balancers and balancer objects
-- (endpoints 61-70 of docs/endpoints.md, elastis edition).  Every body is JSON.
local cjson = require "cjson"
local helper = require "spec.helper"
local docs = require "spec.fixtures.unit_docs"

local LB = "438ac62f-e97b-4ef0-8940-507b9e94af43"       -- the balancer of every docs example
local RULE = "b3f28feb-c91e-4601-a6b6-267fa98dc121"     -- its forwarding rule
local TARGET = "145cc106-e067-419a-85fd-333ded30f169"   -- its target VM
local VM2 = "e9717243-59df-4847-bd50-dca5b090432b"
local NET = "438ac62f-e97b-4ef0-8940-507b9e94af43"      -- the docs use the LB's uuid as the network's
local NEW_RULE = "6f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f"
local BASE = "/v1/cyc01/network/load_balancers"

local client = helper.scripted -- (f, a client on cyc01)

-- A fake whose first answer is docs.lb_create (the balancer with its display_name), and it.
local function with_lb(...)
  local f, c = client(helper.answer(docs.lb_create), ...)
  return f, assert(c.load_balancers:get(LB)), c
end

-- The docs' create call (elastis-api.txt:2199): its JSON body, and the same as Lua parameters.
local CREATE_JSON = { display_name = "my LB", billing_account_id = 130157, network_uuid = NET,
  reserve_public_ip = true, rules = { { source_port = 8080, target_port = 80 } },
  targets = { { target_uuid = TARGET, target_type = "vm" }, { target_uuid = VM2, target_type = "vm" } } }

local function create_params(over)
  local p = { display_name = "my LB", billing_account_id = 130157, network_uuid = NET, reserve_public_ip = true,
    rules = { { source_port = 8080, target_port = 80 } },
    targets = { { target_uuid = TARGET, target_type = "vm" }, { target_uuid = VM2, target_type = "vm" } } }
  for k, v in pairs(over or {}) do p[k] = v end
  return p
end

describe("client.load_balancers", function()
  it("list sends GET .../network/load_balancers and answers balancer objects", function()
    local f, c = client(helper.answer(docs.lb_list))
    local lbs = assert(c.load_balancers:list())
    helper.expect(f, 1, { "GET", BASE })
    assert.equal(1, #lbs)
    assert.equal(LB, lbs[1].uuid)
    assert.equal("10.112.231.192", lbs[1].private_address)
    assert.equal(8080, lbs[1].forwarding_rules[1].source_port)
    assert.equal("SOURCE_IP", lbs[1].forwarding_rules[1].settings.session_persistence)
    assert.equal(TARGET, lbs[1].targets[1].target_uuid)
    for _, m in ipairs { "reload", "rename", "set_billing_account", "delete", "add_target", "remove_target",
      "add_rule", "remove_rule" } do
      assert.is_function(lbs[1][m], m)
    end
  end)

  it("get sends GET .../load_balancers/{uuid} with no body and answers the balancer", function()
    local f, c = client(helper.answer(docs.lb_get))
    local lb = assert(c.load_balancers:get(LB))
    helper.expect(f, 1, { "GET", BASE .. "/" .. LB })
    assert.equal(130157, lb.billing_account_id)
    assert.is_false(lb.is_deleted)
    assert.equal(1, #lb.targets)
  end)

  it("get refuses what is not a UUID, sending nothing", function()
    local f, c = client()
    for _, bad in ipairs { "", "my LB", LB .. "/targets", LB .. "x", 42 } do
      helper.refuses(f, function() return c.load_balancers:get(bad) end, "uuid")
    end
  end)

  describe("create", function()
    it("sends the docs' body as JSON to POST .../load_balancers and answers the balancer", function()
      local f, c = client(helper.answer(docs.lb_create))
      local lb = assert(c.load_balancers:create(create_params()))
      helper.expect(f, 1, { "POST", BASE, json = CREATE_JSON })
      assert.equal(LB, lb.uuid)
      assert.equal("my LB", lb.display_name)
      assert.equal("load_balancer " .. LB .. ' "my LB" 10.112.231.192 (1 rule, 1 target)', tostring(lb))
      assert.is_function(lb.add_rule)
    end)

    it("takes VM objects, uuids and target tables as targets, and a network object", function()
      local f, c = client(helper.answer(docs.network_get), helper.answer((docs.vm_get:gsub(
        "f80b1d62%-ffe4%-43ef%-9210%-60f05445456a", TARGET))), helper.answer(docs.lb_create))
      local net = assert(c.networks:get("2e8cd389-27fe-45ce-a63d-d536068659e5"))
      local vm = assert(c.vms:get(TARGET))
      assert(c.load_balancers:create(create_params { network_uuid = net,
        targets = { vm, VM2, { target_uuid = VM2 }, { target_uuid = TARGET, target_type = "vm" } } }))
      local s = helper.sent(f, 3)
      assert.equal("2e8cd389-27fe-45ce-a63d-d536068659e5", s.json.network_uuid)
      assert.same({ { target_uuid = TARGET, target_type = "vm" }, { target_uuid = VM2, target_type = "vm" },
        { target_uuid = VM2, target_type = "vm" }, { target_uuid = TARGET, target_type = "vm" } }, s.json.targets)
    end)

    it("sends empty rules and targets as JSON arrays", function()
      local f, c = client(helper.answer(docs.lb_create))
      assert(c.load_balancers:create(create_params { rules = {}, targets = {} }))
      local body = helper.sent(f, 1).body
      assert.matches('"rules":%[%]', body)
      assert.matches('"targets":%[%]', body)
    end)

    it("sends the valid port boundaries 1 and 65535", function()
      local f, c = client(helper.answer(docs.lb_create))
      assert(c.load_balancers:create(create_params { rules = { { source_port = 1, target_port = 65535 },
        { source_port = 65535, target_port = 1 } } }))
      assert.same({ { source_port = 1, target_port = 65535 }, { source_port = 65535, target_port = 1 } },
        helper.sent(f, 1).json.rules)
    end)

    it("sends the default billing account when none is given", function()
      local f, c = client(helper.answer(docs.ba_list_elastis), helper.answer(docs.lb_create))
      local p = create_params()
      p.billing_account_id = nil
      assert(c.load_balancers:create(p))
      helper.expect(f, 1, { "GET", "/v1/payment/billing_account/list" })
      assert.equal(6, helper.sent(f, 2).json.billing_account_id)
    end)

    it("refuses bad rules, near-miss ports included, sending nothing", function()
      local f, c = client()
      local rules = {
        { { source_port = 0, target_port = 80 } },
        { { source_port = 8080, target_port = 65536 } },
        { { source_port = -1, target_port = 80 } },
        { { source_port = 80.5, target_port = 80 } },
        { { source_port = "80", target_port = 80 } },
        { { source_port = 80 } },
        { { source_port = 80, target_port = 80, protocol = "TCP" } },
        { { source_port = 80, target_port = 80 }, "443:443" },
        { source_port = 80, target_port = 80 },               -- a rule, not a list of rules
        "80:8080",
      }
      for i, r in ipairs(rules) do
        local before = #f.requests
        local res, err = c.load_balancers:create(create_params { rules = r })
        assert.is_nil(res, "case " .. i)
        assert.equal("invalid", err.kind, "case " .. i)
        assert.equal(before, #f.requests, "case " .. i)
      end
    end)

    it("refuses bad targets, networks and parameters, sending nothing", function()
      local f, c = client()
      local cases = {
        { targets = { "web-1" } },
        { targets = { { target_uuid = "web-1" } } },
        { targets = { { target_uuid = TARGET, target_type = "vm", weight = 2 } } },
        { targets = { { target_uuid = TARGET, target_type = true } } },
        { targets = { target_uuid = TARGET } },
        { network_uuid = "default" },
        { network_uuid = { uuid = "x" } },
        { reserve_public_ip = "true" },
        { billing_account_id = "130157" },
        { display_name = {} },
        { protocol = "TCP" },
      }
      for i, over in ipairs(cases) do
        local before = #f.requests
        local res, err = c.load_balancers:create(create_params(over))
        assert.is_nil(res, "case " .. i)
        assert.equal("invalid", err.kind, "case " .. i)
        assert.equal(before, #f.requests, "case " .. i)
      end
      helper.refuses(f, function() return c.load_balancers:create "my LB" end)
    end)
  end)
end)

describe("load balancer objects", function()
  it("reload sends GET .../load_balancers/{uuid} and updates in place", function()
    local f, lb = with_lb(helper.answer(docs.lb_rename))
    assert.equal(lb, assert(lb:reload()))
    helper.expect(f, 2, { "GET", BASE .. "/" .. LB })
    assert.equal("my new LB Name", lb.display_name)
  end)

  it("rename sends PATCH .../load_balancers/{uuid} with the JSON display_name and updates in place", function()
    local f, lb = with_lb(helper.answer(docs.lb_rename))
    assert.equal(lb, assert(lb:rename("my new LB Name")))
    helper.expect(f, 2, { "PATCH", BASE .. "/" .. LB, json = { display_name = "my new LB Name" } })
    assert.equal("my new LB Name", lb.display_name)
    helper.refuses(f, function() return lb:rename() end, "display_name")
    helper.refuses(f, function() return lb:rename { display_name = "x" } end, "display_name")
  end)

  it("set_billing_account sends PUT .../{uuid}/billing_account {set_id} as JSON and updates in place", function()
    local f, lb = with_lb(helper.answer(docs.lb_billing))
    assert.equal(lb, assert(lb:set_billing_account(123456)))
    helper.expect(f, 2, { "PUT", BASE .. "/" .. LB .. "/billing_account", json = { set_id = 123456 } })
    assert.equal(123456, lb.billing_account_id)
    helper.refuses(f, function() return lb:set_billing_account() end, "set_id")
    helper.refuses(f, function() return lb:set_billing_account("123456") end, "set_id")
    helper.refuses(f, function() return lb:set_billing_account(1.5) end, "set_id")
  end)

  it("sends whole numbers in JSON with every digit", function()
    local f, lb = with_lb(helper.answer(docs.lb_billing))
    assert(lb:set_billing_account(123456789012345))
    assert.matches('"set_id":123456789012345[,}]', helper.sent(f, 2).body)
  end)

  it("delete sends DELETE .../load_balancers/{uuid} with no body and answers true on the docs' empty 200", function()
    local f, lb = with_lb(helper.answer(""))
    assert.is_true(lb:delete())
    helper.expect(f, 2, { "DELETE", BASE .. "/" .. LB })
  end)

  it("add_target sends POST .../{uuid}/targets as JSON and adds the answered target to the object", function()
    local f, lb = with_lb(helper.answer(docs.lb_add_target), helper.answer(docs.lb_add_target))
    local t = assert(lb:add_target(TARGET))
    helper.expect(f, 2, { "POST", BASE .. "/" .. LB .. "/targets", json = { target_uuid = TARGET, target_type = "vm" } })
    assert.equal("10.61.10.2", t.target_ip_address)
    assert.equal(2, #lb.targets)
    assert(lb:add_target { target_uuid = VM2, target_type = "vm" })
    helper.expect(f, 3, { "POST", BASE .. "/" .. LB .. "/targets", json = { target_uuid = VM2, target_type = "vm" } })
  end)

  it("add_target refuses what is not a VM, a uuid or a target, sending nothing", function()
    local f, lb = with_lb()
    for _, bad in ipairs { "web-1", TARGET .. "/x", {}, { target_uuid = TARGET, port = 80 }, 5 } do
      helper.refuses(f, function() return lb:add_target(bad) end)
    end
  end)

  it("remove_target sends DELETE .../{uuid}/targets/{target} with no body and drops it from the object", function()
    local f, lb = with_lb(helper.answer(""))
    assert.is_true(lb:remove_target(TARGET))
    helper.expect(f, 2, { "DELETE", BASE .. "/" .. LB .. "/targets/" .. TARGET })
    assert.same({}, lb.targets)
    helper.refuses(f, function() return lb:remove_target("../" .. TARGET) end)
    helper.refuses(f, function() return lb:remove_target() end)
  end)

  it("add_rule sends POST .../{uuid}/forwarding_rules, re-reads the balancer and answers the new rule", function()
    -- The docs answer the ports only (elastis-api.txt:2378); the re-read balancer is docs.lb_create
    -- with the new rule added.
    local after = cjson.decode(docs.lb_create)
    after.forwarding_rules[2] = { uuid = NEW_RULE, protocol = "TCP", created_at = "2022-07-12 14:25:00",
      source_port = 8080, target_port = 80 }
    local f, lb = with_lb(helper.answer(docs.lb_add_rule), helper.answer(cjson.encode(after)))
    local rule = assert(lb:add_rule { source_port = 8080, target_port = 80 })
    helper.expect(f, 2, { "POST", BASE .. "/" .. LB .. "/forwarding_rules", json = { source_port = 8080, target_port = 80 } })
    helper.expect(f, 3, { "GET", BASE .. "/" .. LB })
    assert.equal(NEW_RULE, rule.uuid)
    assert.equal(2, #lb.forwarding_rules)
  end)

  it("add_rule refuses near-miss ports and unknown fields, sending nothing; 1 and 65535 pass", function()
    local f, lb = with_lb(helper.answer(docs.lb_add_rule), helper.answer(docs.lb_create))
    for _, bad in ipairs { { source_port = 0, target_port = 80 }, { source_port = 80, target_port = 65536 },
      { source_port = 80, target_port = 0 }, { source_port = 65536, target_port = 80 },
      { source_port = 80.5, target_port = 80 }, { source_port = "80", target_port = 80 }, { source_port = 80 },
      { source_port = 80, target_port = 80, uuid = LB } } do
      helper.refuses(f, function() return lb:add_rule(bad) end)
    end
    helper.refuses(f, function() return lb:add_rule() end)
    lb:add_rule { source_port = 1, target_port = 65535 }  -- sent (the re-read shows no such rule: not asserted)
    helper.expect(f, 2, { "POST", BASE .. "/" .. LB .. "/forwarding_rules", json = { source_port = 1, target_port = 65535 } })
  end)

  it("remove_rule sends DELETE .../{uuid}/forwarding_rules/{rule} and drops it from the object", function()
    local f, lb = with_lb(helper.answer(""), helper.answer(""))
    assert.is_true(lb:remove_rule(lb.forwarding_rules[1]))
    helper.expect(f, 2, { "DELETE", BASE .. "/" .. LB .. "/forwarding_rules/" .. RULE })
    assert.same({}, lb.forwarding_rules)
    assert.is_true(lb:remove_rule(RULE))
    helper.expect(f, 3, { "DELETE", BASE .. "/" .. LB .. "/forwarding_rules/" .. RULE })
    helper.refuses(f, function() return lb:remove_rule("8080") end, "rule_uuid")
    helper.refuses(f, function() return lb:remove_rule() end, "rule_uuid")
  end)
end)
