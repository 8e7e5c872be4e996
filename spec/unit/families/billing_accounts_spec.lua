-- Billing accounts on a scripted transport: client.billing_accounts and account objects, with
-- their resources, cards, credit, invoices, payments and usage (endpoints 75-84, 88, 90-92,
-- 94-96 and 100 of docs/endpoints.md).
local cjson = require "cjson"
local helper = require "spec.helper"
local docs = require "spec.fixtures.unit_docs"

local BA = "/v1/payment/billing_account"
local VM_UUID = "e624e5cb-e0f9-4b59-8686-0a4c829027c6"   -- the first VM of docs.ba_resources

local client = helper.scripted -- (f, a client on cyc01)

-- A fake whose first answer is docs.ba_get (account 6), and the account.
local function with_ba(...)
  local f, c = client(helper.answer(docs.ba_get), ...)
  return f, assert(c.billing_accounts:get(6)), c
end

-- The form a call on account 6 sends: billing_account_id plus fields.
local function form6(fields)
  local t = { billing_account_id = "6" }
  for k, v in pairs(fields or {}) do t[k] = v end
  return t
end

describe("client.billing_accounts", function()
  it("list sends GET .../billing_account/list and answers account objects", function()
    local f, c = client(helper.answer(docs.ba_list))
    local list = assert(c.billing_accounts:list())
    helper.expect(f, 1, { "GET", BA .. "/list" })
    assert.equal(2, #list)
    assert.equal(6, list[1].id)
    assert.equal("konto", list[1].title)
    assert.equal("1111", list[1].primary_card.last4)
    assert.equal(129075, list[2].id)
    for _, ba in ipairs(list) do
      for _, m in ipairs { "reload", "update", "delete", "set_default", "unpaid_amount", "set_recurring_payment",
        "apply_for_invoice_payment", "resources", "assign", "cards", "add_card", "credits", "buy_credit",
        "request_invoice", "invoices", "pay_all", "pay_amount", "usage" } do
        assert.is_function(ba[m], m)
      end
    end
  end)

  it("list {show_shadow = true} sends show_shadow in the query; false sends nothing (any value shows them)", function()
    local f, c = client(helper.answer(docs.ba_list), helper.answer(docs.ba_list))
    assert(c.billing_accounts:list { show_shadow = true })
    helper.expect(f, 1, { "GET", BA .. "/list", query = { show_shadow = "true" } })
    assert(c.billing_accounts:list { show_shadow = false })
    helper.expect(f, 2, { "GET", BA .. "/list" })
  end)

  it("list refuses unknown and mistyped options, sending nothing", function()
    local f, c = client()
    helper.refuses(f, function() return c.billing_accounts:list { show_shadow = "yes" } end, "show_shadow")
    helper.refuses(f, function() return c.billing_accounts:list { deleted = true } end, "deleted")
    helper.refuses(f, function() return c.billing_accounts:list(true) end)
  end)

  it("get sends GET .../billing_account?billing_account_id= and answers the account", function()
    local f, c = client(helper.answer(docs.ba_get))
    local ba = assert(c.billing_accounts:get(6))
    helper.expect(f, 1, { "GET", BA, query = { billing_account_id = "6" } })
    assert.equal(6, ba.id)
    assert.equal("K\195\188la", ba.city)                 -- "K\u00fcla"
    assert.equal(-1.2, ba.running_totals.total)
    assert.equal("REF3456", ba.referral_code)
    assert.is_function(ba.unpaid_amount)                  -- the method, not the answer's field
    assert.equal('billing_account 6 "konto"', tostring(ba))
  end)

  it("get refuses what is not an account id, sending nothing", function()
    local f, c = client()
    for _, bad in ipairs { "6", 6.5, true } do
      helper.refuses(f, function() return c.billing_accounts:get(bad) end, "billing_account_id")
    end
    helper.refuses(f, function() return c.billing_accounts:get() end, "billing_account_id")
  end)

  it("default answers the only account a restricted token sees, or the one marked is_default", function()
    local marked = cjson.decode(docs.ba_list)
    marked[2].is_default = true
    local f, c = client(helper.answer(docs.ba_list_elastis), helper.answer(cjson.encode(marked)))
    local ba = assert(c.billing_accounts:default())
    helper.expect(f, 1, { "GET", BA .. "/list" })
    assert.equal(6, ba.id)
    assert.is_function(ba.pay_all)
    assert.equal(129075, assert(c.billing_accounts:default()).id)
  end)

  it("default says not_found when no account is the default", function()
    local _, c = client(helper.answer(docs.ba_list))
    local ba, err = c.billing_accounts:default()
    assert.is_nil(ba)
    assert.is_true(err.not_found)
  end)
end)

describe("billing account objects", function()
  it("reload sends GET ?billing_account_id= and updates in place", function()
    local f, ba = with_ba(helper.answer((docs.ba_get:gsub('"konto"', '"main"'))))
    assert.equal(ba, assert(ba:reload()))
    helper.expect(f, 2, { "GET", BA, query = { billing_account_id = "6" } })
    assert.equal("main", ba.title)
  end)

  it("update fetches the account and PUTs its data merged with the changes", function()
    local changed = docs.ba_get:gsub('"konto"', '"main"'):gsub('"K\\u00fcla"', '"Jakarta"')
    local f, ba = with_ba(helper.answer(docs.ba_get), helper.answer(changed))
    assert.equal(ba, assert(ba:update { title = "main", city = "Jakarta" }))
    helper.expect(f, 2, { "GET", BA, query = { billing_account_id = "6" } })
    helper.expect(f, 3, { "PUT", BA, form = form6 { title = "main", city = "Jakarta", email = "user@example.com",
      company_name = "Firma", company_reg_code = "232", company_vat_number = "235235", address_line1 = "Puiestee",
      county = "Moldaavia", country = "EE", post_index = "314243123" } })
    assert.equal("main", ba.title)
    assert.equal("Jakarta", ba.city)
  end)

  it("update refuses no changes, unknown fields and its own id, sending nothing", function()
    local f, ba = with_ba()
    helper.refuses(f, function() return ba:update() end)
    helper.refuses(f, function() return ba:update {} end)
    helper.refuses(f, function() return ba:update { billing_account_id = 7, title = "x" } end, "billing_account_id")
    helper.refuses(f, function() return ba:update { id = 7 } end, "id")
    helper.refuses(f, function() return ba:update { send_invoice_email = "yes" } end, "send_invoice_email")
  end)

  it("delete sends DELETE .../billing_account {billing_account_id} and answers true", function()
    local f, ba = with_ba(helper.answer(docs.success))
    assert.is_true(ba:delete())
    helper.expect(f, 2, { "DELETE", BA, form = form6() })
  end)

  it("set_default sends POST .../set_default, and the client's creates then bill that account", function()
    local f, c = client(helper.answer(docs.ba_list), helper.answer(docs.success), helper.answer(docs.bucket_create))
    local other = assert(c.billing_accounts:list())[2]
    assert.is_true(other:set_default())
    helper.expect(f, 2, { "POST", BA .. "/set_default", form = { billing_account_id = "129075" } })
    assert.is_true(other.is_default)
    assert(c.buckets:create { name = "pang1" })           -- no lookup: the default is known
    helper.expect(f, 3, { "PUT", "/v1/storage/bucket", form = { name = "pang1", billing_account_id = "129075" } })
  end)

  it("unpaid_amount sends GET .../unpaid_amount?billing_account_id= and answers the number", function()
    local f, ba = with_ba(helper.answer(docs.ba_unpaid))
    assert.equal(59.96, ba:unpaid_amount())
    helper.expect(f, 2, { "GET", BA .. "/unpaid_amount", query = { billing_account_id = "6" } })
  end)

  it("set_recurring_payment sends PUT .../{id}/recurring_payment and answers the report, updating the account", function()
    local f, ba = with_ba(helper.answer(docs.ba_recurring))
    local report = assert(ba:set_recurring_payment { enabled = true, amount = 52, threshold = 55 })
    helper.expect(f, 2, { "PUT", BA .. "/6/recurring_payment", form = { is_recurring_payment_enabled = "true",
      recurring_payment_amount = "52", recurring_payment_threshold = "55" } })
    assert.is_true(report.triggered)
    assert.same({}, report.errors)
    assert.equal(52, ba.recurring_payment_amount)
    assert.equal("FROZEN", ba.restriction_level)
    assert.same({ link_methods = { "duitku::FT", "duitku::M1" } }, ba.additional_data)   -- nested JSON, decoded
  end)

  it("set_recurring_payment sends fractional amounts with their digits", function()
    local f, ba = with_ba(helper.answer(docs.ba_recurring))
    assert(ba:set_recurring_payment { enabled = false, amount = 1234567.5, threshold = 0.25 })
    helper.expect(f, 2, { "PUT", BA .. "/6/recurring_payment", form = { is_recurring_payment_enabled = "false",
      recurring_payment_amount = "1234567.5", recurring_payment_threshold = "0.25" } })
  end)

  it("set_recurring_payment refuses missing, mistyped and unknown options, sending nothing", function()
    local f, ba = with_ba()
    helper.refuses(f, function() return ba:set_recurring_payment() end, "enabled")
    helper.refuses(f, function() return ba:set_recurring_payment { amount = 50 } end, "enabled")
    helper.refuses(f, function() return ba:set_recurring_payment { enabled = "yes" } end, "enabled")
    helper.refuses(f, function() return ba:set_recurring_payment { enabled = true, amount = "50" } end, "amount")
    helper.refuses(f, function() return ba:set_recurring_payment { enabled = true, billing_account_id = 7 } end,
      "billing_account_id")
  end)

  it("apply_for_invoice_payment sends POST /v1/payment/apply_for_invoice_payment and answers the payment object", function()
    local f, ba = with_ba(helper.answer(docs.ba_apply_invoice))
    local card = assert(ba:apply_for_invoice_payment())
    helper.expect(f, 2, { "POST", "/v1/payment/apply_for_invoice_payment", form = form6() })
    assert.equal(1, card.id)
    assert.is_false(card.is_verified)
    assert.is_string(card.additional_data)               -- a Python repr, not JSON: kept as it is
    assert.is_function(card.set_primary)
  end)

  it("resources sends GET /v1/{slug}/user-resource/billing_resources?id= and answers VM objects", function()
    local f, ba = with_ba(helper.answer(docs.ba_resources), helper.answer(docs.ba_resources))
    local vms = assert(ba:resources())
    helper.expect(f, 2, { "GET", "/v1/cyc01/user-resource/billing_resources", query = { id = "6" } })
    assert.equal(5, #vms)
    assert.equal(VM_UUID, vms[1].uuid)
    assert.equal("80.64.107.54", vms[1].public_ipv4)
    assert.is_function(vms[1].stop)
    assert(ba:resources { resource_type = "vm" })
    helper.expect(f, 3, { "GET", "/v1/cyc01/user-resource/billing_resources", query = { id = "6", resource_type = "vm" } })
  end)

  it("resources keeps its own account id", function()
    local f, ba = with_ba(helper.answer("[]"))
    local res, err = ba:resources { id = 7 }
    if res == nil then
      assert.equal("invalid", err.kind)
      assert.equal(1, #f.requests)
    else
      assert.equal("6", helper.sent(f, 2).query.id)
    end
  end)

  it("assign sends POST /v1/{slug}/user-resource/resource_billing and answers true", function()
    local f, ba, c = with_ba(helper.answer(docs.ba_resources), helper.answer(docs.success), helper.answer(docs.success))
    local vm = assert(c.vms:list())[1]
    vm.billing_account = 7
    assert.is_true(ba:assign(vm))
    helper.expect(f, 3, { "POST", "/v1/cyc01/user-resource/resource_billing", form = form6 { resource_type = "vm",
      uuid = VM_UUID } })
    assert.equal(6, vm.billing_account)
    assert.is_true(ba:assign(VM_UUID))
    helper.expect(f, 4, { "POST", "/v1/cyc01/user-resource/resource_billing", form = form6 { resource_type = "vm",
      uuid = VM_UUID } })
    helper.refuses(f, function() return ba:assign("web-1") end)
    helper.refuses(f, function() return ba:assign() end)
  end)

  it("cards sends GET /v1/payment/card/list?billing_account_id= and answers card objects, nested JSON decoded", function()
    local f, ba = with_ba(helper.answer(docs.card_list))
    local cards = assert(ba:cards())
    helper.expect(f, 2, { "GET", "/v1/payment/card/list", query = { billing_account_id = "6" } })
    assert.equal(1, #cards)
    assert.equal(6, cards[1].id)
    assert.equal("1111", cards[1].additional_data.last4)
    assert.equal("Inimene", cards[1].additional_data.card_holder)
    assert.is_function(cards[1].delete)
  end)

  it("add_card sends POST /v1/payment/card {billing_account_id, token} and answers the card", function()
    local f, ba = with_ba(helper.answer(docs.card_get))
    local card = assert(ba:add_card("tok_visa"))
    helper.expect(f, 2, { "POST", "/v1/payment/card", form = form6 { token = "tok_visa" } })
    assert.equal(6, card.id)
    assert.equal("visa", card.additional_data.card_type)
    helper.refuses(f, function() return ba:add_card() end, "token")
    helper.refuses(f, function() return ba:add_card {} end, "token")
  end)

  it("credits sends GET /v1/payment/credit/list?billing_account_id= and answers the records", function()
    local f, ba = with_ba(helper.answer(docs.credits))
    local credits = assert(ba:credits())
    helper.expect(f, 2, { "GET", "/v1/payment/credit/list", query = { billing_account_id = "6" } })
    assert.equal(5, #credits)
    assert.equal(-3.44, credits[1].amount)
    assert.equal("First billing account", credits[5].description)
  end)

  it("buy_credit sends POST /v1/payment/credit/buy with a card or its id and the amount, and answers true", function()
    local f, ba, c = with_ba(helper.answer(docs.success), helper.answer(docs.card_get), helper.answer(docs.success))
    assert.is_true(ba:buy_credit { payment_object_id = 5, amount = 100 })
    helper.expect(f, 2, { "POST", "/v1/payment/credit/buy", form = form6 { payment_object_id = "5", amount = "100" } })
    local card = assert(c.cards:get(6))
    assert.is_true(ba:buy_credit { payment_object_id = card, amount = 1234567.5 })
    helper.expect(f, 4, { "POST", "/v1/payment/credit/buy", form = form6 { payment_object_id = "6", amount = "1234567.5" } })
  end)

  it("buy_credit refuses a missing or mistyped card or amount, sending nothing", function()
    local f, ba = with_ba()
    helper.refuses(f, function() return ba:buy_credit { amount = 100 } end, "payment_object_id")
    helper.refuses(f, function() return ba:buy_credit { payment_object_id = 5 } end, "amount")
    helper.refuses(f, function() return ba:buy_credit { payment_object_id = 5, amount = "100" } end, "amount")
    helper.refuses(f, function() return ba:buy_credit { payment_object_id = 5, amount = 0 / 0 } end, "amount")
    helper.refuses(f, function() return ba:buy_credit { payment_object_id = "5", amount = 100 } end, "payment_object_id")
    helper.refuses(f, function() return ba:buy_credit(100) end)
  end)

  it("buy_credit keeps its own account id", function()
    local f, ba = with_ba(helper.answer(docs.success))
    local res, err = ba:buy_credit { payment_object_id = 5, amount = 100, billing_account_id = 7 }
    if res == nil then
      assert.equal("invalid", err.kind)
      assert.equal(1, #f.requests)
    else
      assert.equal("6", helper.sent(f, 2).form.billing_account_id)
    end
  end)

  it("request_invoice sends POST /v1/payment/credit/request_invoice {billing_account_id, amount} and answers true", function()
    local f, ba = with_ba(helper.answer(docs.success))
    assert.is_true(ba:request_invoice(100))
    helper.expect(f, 2, { "POST", "/v1/payment/credit/request_invoice", form = form6 { amount = "100" } })
    helper.refuses(f, function() return ba:request_invoice() end, "amount")
    helper.refuses(f, function() return ba:request_invoice("100") end, "amount")
  end)

  it("invoices sends GET /v1/payment/invoice/list?billing_account_id= and answers invoice objects", function()
    local f, ba = with_ba(helper.answer(docs.invoice_list))
    local invs = assert(ba:invoices())
    helper.expect(f, 2, { "GET", "/v1/payment/invoice/list", query = { billing_account_id = "6" } })
    assert.equal(5, #invs)
    assert.equal(3782543, invs[1].id)
    assert.is_true(invs[1].unpaid)
    assert.is_false(invs[1].paid)
    assert.is_true(invs[5].paid)
    assert.equal("Puiestee", invs[5].account_snapshot.address_line1)              -- nested JSON, decoded
    assert.equal("closed", invs[5].transaction_list[1].additional_data.status)
    assert.is_function(invs[1].pay)
  end)

  it("pay_all sends POST /v1/payment/pay_all {billing_account_id} and answers the report", function()
    local f, ba = with_ba(helper.answer(docs.pay_amount))
    local report = assert(ba:pay_all())
    helper.expect(f, 2, { "POST", "/v1/payment/pay_all", form = form6() })
    assert.same({ 6 }, report.paid_invoices)
  end)

  it("pay_amount sends POST /v1/payment/pay_amount {billing_account_id, amount} and answers the report", function()
    local f, ba = with_ba(helper.answer(docs.pay_amount))
    local report = assert(ba:pay_amount(10))
    helper.expect(f, 2, { "POST", "/v1/payment/pay_amount", form = form6 { amount = "10" } })
    assert.equal(10, report.amount_used)
    assert.equal(0, report.amount_left)
    assert.same({ 6 }, report.paid_invoices)
    assert.is_true(report.success)
    helper.refuses(f, function() return ba:pay_amount() end, "amount")
    helper.refuses(f, function() return ba:pay_amount("10") end, "amount")
  end)

  it("sends amounts in forms with every significant digit", function()
    local f, ba = with_ba(helper.answer(docs.pay_amount))
    local amount = 1234567890123.45
    assert(ba:pay_amount(amount))
    local sent = helper.sent(f, 2).form.amount
    assert.equal(amount, tonumber(sent), "sent as " .. sent)
  end)

  it("usage sends GET /v1/charging/usage?billing_account_id= and answers this month's charges", function()
    local f, ba = with_ba(helper.answer(docs.usage))
    local usage = assert(ba:usage())
    helper.expect(f, 2, { "GET", "/v1/charging/usage", query = { billing_account_id = "6" } })
    assert.equal(1, #usage)
    assert.equal(0.08646, usage[1].cost)
    assert.equal(3, usage[1].hours)
    assert.same({ "VM_COMPUTE", "VM_RUNNING", "MAIN_STORAGE" }, usage[1].uptime_types)
    assert.is_nil(usage[1].configurations[2].os_name)
  end)
end)

describe("the default billing account, looked up inside a scheduler", function()
  local idcloudhost = require "idcloudhost"
  local runtime = require "idcloudhost.runtime"
  local sched = require "idcloudhost.runtime.sched"
  local LIST = '[{"id":6,"is_default":true}]'

  -- A client whose lookups (GET .../billing_account/list) last `takes[n]` seconds of s's clock,
  -- slept in the scheduler; every other request answers {} at once.
  local function setup(takes)
    local c = { t = 0 }
    local s = sched.new { now = function() return c.t end, sleep = function(d) c.t = c.t + d end }
    local lookups = 0
    local cl = assert(idcloudhost.new { apikey = "k", base_url = "https://x.test", timeout = 5,
      transport = function(req)
        if req.url:find("billing_account/list", 1, true) then
          lookups = lookups + 1
          s:sleep(takes[lookups] or 0)
          return { status = 200, body = LIST }
        end
        return { status = 200, body = "{}" }
      end })
    return s, cl, c, function() return lookups end
  end

  it("is asked once by the coroutines that need it together", function()
    if not runtime.yieldable_pcall then pending("PUC Lua 5.1 cannot yield across pcall") end
    local s, cl, _, lookups = setup { 1 }
    local ids = {}
    s:map(4, 4, function() return require("idcloudhost.call.billing").default_id(cl) end,
      function(i, out) ids[i] = out[2] end)
    assert.same({ 6, 6, 6, 6 }, ids)
    assert.equal(1, lookups())
  end)

  it("is not waited for past the client's timeout: a lookup that never ends holds nobody", function()
    if not runtime.yieldable_pcall then pending("PUC Lua 5.1 cannot yield across pcall") end
    local s, cl, c, lookups = setup { 1000 }
    local done = {}
    s:map(2, 2, function() return require("idcloudhost.call.billing").default_id(cl) end,
      function(i, out) done[i] = { id = out[2], at = c.t } end)
    assert.equal(6, done[2].id)
    assert.is_true(done[2].at >= 5 and done[2].at < 6, "the second waited until " .. done[2].at)
    assert.equal(2, lookups())
  end)

  it("is not waited for when the task looking it up was cancelled", function()
    if not runtime.yieldable_pcall then pending("PUC Lua 5.1 cannot yield across pcall") end
    local s, cl, c, lookups = setup { 1000 }
    local billing = require "idcloudhost.call.billing"
    local a = s:task(function() return billing.default_id(cl) end)
    s:step(0) -- a's lookup is under way (1000 s)
    assert.equal(1, lookups())
    a:cancel()
    local b = s:task(function() return billing.default_id(cl) end)
    local ok, id = b:wait()
    assert.is_true(ok)
    assert.equal(6, id)
    assert.is_true(c.t < 1, "b waited for a cancelled lookup until " .. c.t)
    assert.equal(2, lookups())
  end)
end)
