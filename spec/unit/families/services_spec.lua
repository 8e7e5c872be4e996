-- Managed services on a scripted transport: client.services and service objects (endpoints
-- 113-121 of docs/endpoints.md: the 2025-12 edition).  The packages carry no location slug, their
-- whitelists do; JSON bodies but the whitelist's form.  A service's secrets never show in an
-- error, a hook record, the debug log or a tostring.
-- luacheck: ignore 122 (a spec swaps io.stderr to read the debug log)
local cjson = require "cjson"
local helper = require "spec.helper"
local docs = require "spec.fixtures.unit_docs"

local SVC = "71cddf54-35ed-4f6e-bdf7-d344bbf0a546"
local BASE = "/v1/user-resource/service/package"
local WL = "/v1/cyc01/user-resource/service/package/" .. SVC .. "/whitelist_addresses"
local SECRET = "MKL-TosvErik"

local client = helper.scripted

local function with_svc(...)
  local f, c = client(helper.answer(docs.service_get), ...)
  return f, assert(c.services:get(SVC)), c
end

local CREATE = { service = "postgresql", version = "14.0", display_name = "My Postgre Service 14.0",
  vm_cpu = 2, vm_ram = 4096, vm_disk_gb = 40, billing_account_id = 12 }

describe("client.services", function()
  it("list sends GET /v1/user-resource/service/packages (no slug) and answers service objects", function()
    local f, c = client(helper.answer(docs.service_list))
    local list = assert(c.services:list())
    helper.expect(f, 1, { "GET", "/v1/user-resource/service/packages" })
    assert.is_true(#list >= 1)
    for _, m in ipairs { "reload", "update", "secrets", "whitelist", "allow", "disallow", "delete", "wait" } do
      assert.is_function(list[1][m], m)
    end
  end)

  it("get sends GET /v1/user-resource/service/package/{uuid} and answers the service", function()
    local f, c = client(helper.answer(docs.service_get))
    local svc = assert(c.services:get(SVC))
    helper.expect(f, 1, { "GET", BASE .. "/" .. SVC })
    assert.equal("postgresql", svc.service)
    assert.equal(5432, svc.properties.port)
    assert.equal('service ' .. SVC .. ' "My Postgre Service 14.0" postgresql 14.0 active', tostring(svc))
  end)

  it("create sends POST with the docs' JSON body; package_parameters as JSON text", function()
    local f, c = client(helper.answer(docs.service_create))
    local p = {}
    for k, v in pairs(CREATE) do p[k] = v end
    p.package_parameters = { location = "dc1" }
    p.is_multi_node = true
    local svc = assert(c.services:create(p))
    local want = {}
    for k, v in pairs(CREATE) do want[k] = v end
    want.package_parameters = '{"location":"dc1"}'
    want.is_multi_node = true
    helper.expect(f, 1, { "POST", BASE, json = want })
    assert.equal(SVC, svc.uuid)
    assert.equal("active", svc.status)
  end)

  it("create sends the default billing account when none is given", function()
    local f, c = client(helper.answer(docs.ba_list_elastis), helper.answer(docs.service_create))
    local p = {}
    for k, v in pairs(CREATE) do p[k] = v end
    p.billing_account_id = nil
    assert(c.services:create(p))
    helper.expect(f, 1, { "GET", "/v1/payment/billing_account/list" })
    assert.equal(6, helper.sent(f, 2).json.billing_account_id)
  end)

  it("create refuses what the docs require left out, or mistyped, sending nothing", function()
    local f, c = client()
    for _, k in ipairs { "service", "version", "display_name", "vm_cpu", "vm_ram", "vm_disk_gb" } do
      local p = {}
      for key, v in pairs(CREATE) do if key ~= k then p[key] = v end end
      helper.refuses(f, function() return c.services:create(p) end, k)
    end
    local p = {}
    for k, v in pairs(CREATE) do p[k] = v end
    p.vm_ram = "4G"
    helper.refuses(f, function() return c.services:create(p) end, "vm_ram")
    p.vm_ram, p.is_multi_node = 4096, "True"
    helper.refuses(f, function() return c.services:create(p) end, "is_multi_node")
    p.is_multi_node, p.package_parameters = nil, "{oops"
    helper.refuses(f, function() return c.services:create(p) end, "package_parameters")
  end)
end)

describe("service objects", function()
  it("update sends PATCH (not the curl's GET) with a JSON body and updates in place", function()
    local f, svc = with_svc(helper.answer(docs.service_update))
    assert.equal(svc, assert(svc:update { display_name = "New name", billing_account_id = 13 }))
    helper.expect(f, 2, { "PATCH", BASE .. "/" .. SVC, json = { display_name = "New name", billing_account_id = 13 } })
    assert.equal("New name", svc.display_name)
    assert.equal(13, svc.billing_account_id)
  end)

  it("update refuses nothing to change and unknown fields, sending nothing", function()
    local f, svc = with_svc()
    helper.refuses(f, function() return svc:update() end)
    helper.refuses(f, function() return svc:update {} end)
    helper.refuses(f, function() return svc:update { vm_cpu = 4 } end, "vm_cpu")
  end)

  it("secrets sends GET .../{uuid}/secrets and answers them; tostring names the fields only", function()
    local f, svc = with_svc(helper.answer(docs.service_secrets))
    local s = assert(svc:secrets())
    helper.expect(f, 2, { "GET", BASE .. "/" .. SVC .. "/secrets" })
    assert.equal(SECRET, s.sql_pass)
    assert.equal("service secrets (sql_pass: values not shown)", tostring(s))
    assert.is_nil(svc.sql_pass)
    assert.is_nil(tostring(svc):find(SECRET, 1, true))
  end)

  it("secrets never reach a hook record or the debug log, answer or error", function()
    local seen, lines = {}, {}
    local real = io.stderr
    io.stderr = { write = function(self, ...)
      for _, l in ipairs { ... } do lines[#lines + 1] = l end
      return self
    end }
    for _, answer in ipairs {
      helper.answer(docs.service_secrets),
      helper.answer('{"errors": {"Error": "cannot read ' .. SECRET .. '"}}', 500),
      helper.answer('"' .. SECRET .. '"'),
      helper.answer('{"secret_value": "' .. SECRET .. '"}'),
    } do
      local f = helper.fake { helper.answer(docs.service_get), answer }
      local c = f.client { location = "cyc01", retries = 0, debug = 2,
        on_request = function(r) seen[#seen + 1] = r end }
      local svc = assert(c.services:get(SVC))
      pcall(svc.secrets, svc)
    end
    io.stderr = real
    local function hunt(v, where)
      if type(v) == "string" then
        assert.is_nil(v:find(SECRET, 1, true), "the secret leaked in " .. where)
      elseif type(v) == "table" then
        for k, x in pairs(v) do hunt(x, where .. "." .. tostring(k)) end
      end
    end
    assert.equal(8, #seen)
    hunt(seen, "a hook record")
    assert.matches("/secrets -> 200", table.concat(lines), 1, true)
    assert.matches("idcloudhost:   < [redacted]", table.concat(lines), 1, true)
    hunt(lines, "the debug log")
  end)

  it("an error of secrets holds nothing of the answer", function()
    local answers = {
      helper.answer('{"errors": {"sql_pass": "' .. SECRET .. '"}}', 400),
      helper.answer('{"message": "' .. SECRET .. '"}', 403),
      helper.answer('"' .. SECRET .. '"'),
      helper.answer('["' .. SECRET .. '"]'),
      helper.answer('{"sql_pass": "' .. SECRET .. '"'), -- cut short
      { status = 204, body = "" },
    }
    for i, answer in ipairs(answers) do
      local _, svc = with_svc(answer)
      local s, err = svc:secrets()
      assert.is_nil(s, i)
      assert.is_table(err, i)
      assert.is_nil(tostring(err):find(SECRET, 1, true), "answer " .. i .. ": " .. tostring(err))
      assert.is_nil(cjson.encode(err.body or {}):find(SECRET, 1, true))
      assert.matches("not shown", err.message, 1, true)
    end
  end)

  it("a service answer that echoes a sql_pass keeps it out of the hook record", function()
    local body = cjson.decode(docs.service_get)
    body.properties.sql_pass = SECRET
    local seen = {}
    local f = helper.fake { helper.answer(cjson.encode(body)) }
    local c = f.client { location = "cyc01", on_request = function(r) seen[#seen + 1] = r end }
    assert(c.services:get(SVC))
    assert.is_nil(seen[1].response_body:find(SECRET, 1, true))
  end)

  it("whitelist sends GET to the location's whitelist route and answers the addresses", function()
    local f, svc = with_svc(helper.answer(docs.whitelist))
    assert.same({ "10.123.8.0/24", "176.112.157.203" }, assert(svc:whitelist()))
    helper.expect(f, 2, { "GET", WL })
  end)

  it("allow sends POST with the form ip_address and answers the whole whitelist", function()
    local f, svc = with_svc(helper.answer(docs.whitelist_add))
    assert.same({ "176.112.157.203", "1.2.3.0/24" }, assert(svc:allow("1.2.3.0/24")))
    helper.expect(f, 2, { "POST", WL, form = { ip_address = "1.2.3.0/24" } })
  end)

  it("disallow sends DELETE with the form ip_address and answers the whole whitelist", function()
    local f, svc = with_svc(helper.answer(docs.whitelist_delete))
    assert.same({ "176.112.157.203" }, assert(svc:disallow("1.2.3.0/24")))
    helper.expect(f, 2, { "DELETE", WL, form = { ip_address = "1.2.3.0/24" } })
  end)

  it("allow and disallow refuse what is no address or CIDR prefix, sending nothing", function()
    local f, svc = with_svc()
    for _, bad in ipairs { "1.2.3.0/33", "1.2.3", "host.example", "", 7, "1.2.3.4 " } do
      helper.refuses(f, function() return svc:allow(bad) end, "ip_address")
      helper.refuses(f, function() return svc:disallow(bad) end, "ip_address")
    end
  end)

  it("a whitelist answer that is no list of addresses is a decode error (uncertain for a change)", function()
    for _, answer in ipairs { { status = 204, body = "" }, helper.answer("{}"), helper.answer("[1, 2]"), helper.answer("true") } do
      local _, svc = with_svc(answer)
      local wl, err = svc:allow("1.2.3.4")
      assert.is_nil(wl)
      assert.equal("decode", err.kind)
      assert.is_true(err.uncertain)
      local _, svc2 = with_svc(answer)
      wl, err = svc2:whitelist()
      assert.is_nil(wl)
      assert.equal("decode", err.kind)
      assert.is_nil(err.uncertain)
    end
  end)

  it("delete sends DELETE .../{uuid} and reads the deleted package", function()
    local f, svc = with_svc(helper.answer(docs.service_delete))
    assert.is_true(assert(svc:delete()))
    helper.expect(f, 2, { "DELETE", BASE .. "/" .. SVC })
    assert.is_true(svc.deleted)
    assert.equal("deleted", svc.status)
  end)

  it("wait polls the service until its status", function()
    local creating = docs.service_get:gsub('"status": "active"', '"status": "creating"')
    local f, svc = with_svc(helper.answer(creating), helper.answer(docs.service_get))
    assert.equal(svc, assert(svc:wait("active", { interval = 0.01, sleep = function() end, coalesce = false })))
    helper.expect(f, 3, { "GET", BASE .. "/" .. SVC })
    helper.refuses(f, function() return svc:wait("Runing") end)
  end)

  it("a create answered 204 or without a uuid is a decode error marked uncertain", function()
    for _, answer in ipairs { { status = 204, body = "" }, helper.answer('{"status": "active"}'), helper.answer("[]") } do
      local _, c = client(answer)
      local svc, err = c.services:create(CREATE)
      assert.is_nil(svc)
      assert.equal("decode", err.kind)
      assert.is_true(err.uncertain)
    end
  end)
end)
