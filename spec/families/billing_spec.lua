-- Billing accounts and what hangs off them, against the simulator: resources, cards, credit,
-- invoices, payments, usage; and VM creation filling in the default billing account.
-- (Long, on purpose: billing accounts carry 30 endpoints, one spec file per family.)
local helper = require "spec.helper"

local LIST = "/v1/payment/billing_account/list"

local count = helper.count
local refused = helper.refused -- kind "invalid", nothing sent

local function last(method, path)
  local log = helper.log()
  for i = #log, 1, -1 do
    local e = log[i]
    if e.method == method and (path == nil or e.path == path) then return e end
  end
end

-- Asserts an api error with status and message.
local function api_error(status, message, res, err)
  assert.is_nil(res)
  assert.equal("api", err.kind)
  assert.equal(status, err.status)
  if message then assert.equal(message, err.message) end
  return err
end

local function forbidden(res, err)
  api_error(403, "Consumer not allowed to access resource.", res, err)
  assert.equal("consumer::resource_forbidden", err.code)
end

describe("billing accounts", function()
  local client

  before_each(function()
    client = helper.fresh_client { location = "cyc01" }
  end)

  it("lists and gets accounts, with nested JSON decoded", function()
    local list = assert(client.billing_accounts:list())
    assert.equal(2, #list)
    local konto = list[1]
    assert.equal(6, konto.id)
    assert.is_true(konto.is_default)
    assert.equal("konto", konto.title)
    assert.same({ "duitku::FT", "duitku::M1" }, konto.additional_data.link_methods)
    assert.equal("1111", konto.primary_card.last4)
    assert.equal('billing_account 6 "konto" default', tostring(konto))
    local got = assert(client.billing_accounts:get(7))
    assert.equal("Side project", got.title)
    assert.is_false(got.is_default)
    assert.same({}, got.additional_data.link_methods)
    local res, err = client.billing_accounts:get(99)
    api_error(400, "Provided billing account is incorrect.", res, err)
    assert.equal(6, assert(client.billing_accounts:default()).id)
  end)

  it("updates by sending the current fields merged with the changes", function()
    local konto = assert(client.billing_accounts:get(6))
    assert.equal(konto, assert(konto:update { title = "main", city = "Jakarta" }))
    assert.equal("main", konto.title)
    assert.equal("Jakarta", konto.city)
    assert.equal("Firma", konto.company_name)          -- kept: the SDK sent it along
    local put = last("PUT", "/v1/payment/billing_account")
    assert.equal("Firma", put.params.company_name)
    assert.equal("314243123", put.params.post_index)
    assert.equal("6", put.params.billing_account_id)
    local fresh = assert(client.billing_accounts:get(6))
    assert.equal("Moldaavia", fresh.county)
    assert.equal("main", fresh.title)

    -- what the SDK saves callers from: a bare PUT deletes the fields it leaves out
    assert(client:request("PUT", "/v1/payment/billing_account", { billing_account_id = 6, title = "bare" }))
    fresh = assert(client.billing_accounts:get(6))
    assert.is_nil(fresh.company_name)
    assert.equal("user@example.com", fresh.email)     -- the e-mail cannot be deleted
    assert.equal("Firma", konto.company_name)
    assert.equal(konto, assert(konto:reload()))      -- in place
    assert.is_nil(konto.company_name)
    assert.equal("bare", konto.title)
    assert.is_nil(rawget(konto, "unpaid_amount"))    -- gives way to the method
    assert.equal(25.76, assert(konto:unpaid_amount()))

    local res, err = konto:update { email = "not-an-address" }
    api_error(400, nil, res, err)
    assert.matches("email", err.message)
  end)

  it("refuses bad updates without sending", function()
    local konto = assert(client.billing_accounts:get(6))
    refused(function() return konto:update {} end, "at least one field")
    refused(function() return konto:update { balance = 100 } end, "unknown parameter 'balance'")
    refused(function() return konto:update { send_invoice_email = "yes" } end, "must be true or false")
    refused(function() return client.billing_accounts:get("six") end, "must be a whole number")
    refused(function() return client.billing_accounts:list { show_shadow = 1 } end, "must be true or false")
  end)

  it("moves the default, deletes accounts and shows deleted ones with show_shadow", function()
    local side = assert(client.billing_accounts:get(7))
    local konto = assert(client.billing_accounts:get(6))
    local res, err = konto:delete()
    api_error(400, "The default billing account cannot be deleted.", res, err)

    assert.is_true(assert(side:set_default()))
    assert.is_true(side.is_default)
    assert.is_false(assert(client.billing_accounts:get(6)).is_default)
    assert.equal(7, assert(client.billing_accounts:default()).id)
    assert(konto:set_default())

    assert.is_true(assert(side:delete()))
    assert.equal(1, #assert(client.billing_accounts:list()))
    assert.equal(1, #assert(client.billing_accounts:list { show_shadow = false }))
    -- "any value" of show_shadow shows them: the SDK sends it only for true
    assert.is_nil(last("GET", LIST).query.show_shadow)
    local all = assert(client.billing_accounts:list { show_shadow = true })
    assert.equal(2, #all)
    assert.is_true(all[2].is_deleted)
    assert.is_true(assert(client.billing_accounts:get(7)).is_deleted)
    res, err = side:set_default()
    api_error(400, "Provided billing account is incorrect.", res, err)
  end)

  it("refuses to delete an account with resources or unpaid invoices", function()
    local side = assert(client.billing_accounts:get(7))
    local vm = assert(client.vms:create(helper.vm_params { billing_account_id = 7 }))
    local res, err = side:delete()
    api_error(400, nil, res, err)
    assert.matches("resources", err.message)
    assert(vm:delete())
    assert(side:request_invoice(10))
    res, err = side:delete()
    api_error(400, nil, res, err)
    assert.matches("unpaid", err.message)
  end)

  it("lists and assigns the resources of an account", function()
    local konto = assert(client.billing_accounts:get(6))
    local side = assert(client.billing_accounts:get(7))
    local a = assert(client.vms:create(helper.vm_params { name = "on-six" }))
    local b = assert(client.vms:create(helper.vm_params { name = "on-seven", billing_account_id = 7 }))
    local six = assert(konto:resources())
    assert.equal(1, #six)
    assert.equal(a.uuid, six[1].uuid)
    assert.equal("vm", getmetatable(six[1]).kind)     -- VM objects, with their methods
    assert.equal("running", six[1].status)

    assert.is_true(assert(side:assign(a)))
    assert.equal(7, a.billing_account)
    assert.equal(0, #assert(konto:resources()))
    assert.equal(2, #assert(side:resources { resource_type = "vm" }))
    assert.is_true(assert(konto:assign(b.uuid)))
    assert.equal(6, assert(client.vms:get(b.uuid)).billing_account)
    local e = last("POST", "/v1/cyc01/user-resource/resource_billing")
    assert.equal("6", e.params.billing_account_id)
    assert.equal("vm", e.params.resource_type)

    -- resources live in a location
    assert.equal(0, #assert(assert(client:at("bus02")).billing_accounts:get(6):resources()))
    local res, err = konto:assign("5aea1842-895f-4bd3-8bd6-e37b2282fb46")
    api_error(400, nil, res, err)
    -- the docs print "exists. <uuid>", the platform "exists: <uuid>": both are a missing VM
    assert.matches("^No such virtual machine exists[.:] 5aea1842%-895f%-4bd3%-8bd6%-e37b2282fb46$", err.message)
    assert.is_true(err.not_found)
    res, err = konto:resources { resource_type = "disk" }
    api_error(400, nil, res, err)
    refused(function() return konto:assign("not-a-uuid") end, "must be a UUID")
    refused(function() return konto:resources { kind = "vm" } end, "unknown parameter 'kind'")
  end)
end)

describe("cards", function()
  local client, konto

  before_each(function()
    client = helper.fresh_client()
    konto = assert(client.billing_accounts:get(6))
  end)

  it("lists, adds, gets, makes primary and removes cards", function()
    local cards = assert(konto:cards())
    assert.equal(1, #cards)
    local first = cards[1]
    assert.equal(6, first.id)
    assert.is_true(first.is_primary)
    assert.equal("1111", first.additional_data.last4)  -- decoded from its JSON string
    assert.equal("card 6 visa ****1111 primary", tostring(first))

    local mc = assert(konto:add_card("tok_mastercard"))
    assert.equal("mastercard", mc.additional_data.card_type)
    assert.is_false(mc.is_primary)
    assert.is_true(mc.is_verified)
    assert.equal(2, #assert(konto:cards()))
    assert.equal(mc.id, assert(client.cards:get(mc.id)).id)

    assert.is_true(assert(mc:set_primary()))
    assert.is_true(mc.is_primary)
    assert.is_false(assert(client.cards:get(6)).is_primary)
    assert.equal("4444", assert(client.billing_accounts:get(6)).primary_card.last4)

    assert.is_true(assert(mc:delete()))
    local res, err = client.cards:get(mc.id)
    api_error(400, "Provided payment object is incorrect.", res, err)
    -- the other card took over as primary
    assert.is_true(assert(first:reload()).is_primary)
  end)

  it("refuses a declined card and an unverified primary", function()
    local res, err = konto:add_card("tok_declined")
    api_error(400, "The card was declined.", res, err)
    assert.equal(1, #assert(konto:cards()))
    local inv = assert(konto:apply_for_invoice_payment())
    assert.is_false(inv.is_verified)
    assert.equal("N/A", inv.identifier)
    -- a Python repr, not JSON: kept as the string it is
    assert.equal("string", type(inv.additional_data))
    assert.matches("paying_by_invoice", inv.additional_data)
    res, err = inv:set_primary()
    api_error(400, nil, res, err)
    assert.matches("not verified", err.message)
    res, err = konto:apply_for_invoice_payment()
    api_error(400, nil, res, err)
    refused(function() return konto:add_card() end, "missing required parameter 'token'")
    refused(function() return client.cards:get() end, "missing required parameter 'payment_object_id'")
  end)
end)

describe("credit, invoices and payments", function()
  local client, konto

  before_each(function()
    client = helper.fresh_client { location = "cyc01" }
    konto = assert(client.billing_accounts:get(6))
  end)

  it("reads invoices with their status as booleans and nested JSON decoded", function()
    local list = assert(konto:invoices())
    assert.equal(2, #list)
    local newest, oldest = list[1], list[2]
    assert.equal(5, newest.status)
    assert.is_true(newest.unpaid)
    assert.is_false(newest.paid)
    assert.is_true(oldest.paid)
    assert.is_false(oldest.unpaid)
    assert.equal("konto", newest.account_snapshot.title)   -- decoded from its JSON string
    assert.equal("closed", oldest.transaction_list[1].additional_data.status)
    assert.is_nil(rawget(newest, "paid"))                   -- read from status, not stored
    local same = assert(client.invoices:get(newest.id))
    assert.equal(newest.totals.total, same.totals.total)
    assert.equal("invoice " .. same.id .. " unpaid, total " .. same.totals.total, tostring(same))
    local res, err = client.invoices:get(12345)
    api_error(400, "Provided invoice is incorrect.", res, err)
  end)

  it("pays an invoice: credit first, then the card; unpaid 5 becomes paid 10", function()
    local unpaid = assert(konto:unpaid_amount())
    assert.equal("number", type(unpaid))
    assert.is_true(unpaid > 0)
    local inv = assert(konto:invoices())[1]
    assert.equal(unpaid, inv.totals.total)
    assert.is_true(assert(inv:pay()))
    assert.is_true(inv.paid)
    assert.equal(10, assert(client.invoices:get(inv.id)).status)
    assert.equal(0, assert(konto:unpaid_amount()))
    -- the 2.00 of credit went first, the card paid the rest
    local credits = assert(konto:credits())
    assert.equal(-2, credits[1].amount)
    assert.equal("Invoice payment", credits[1].description)
    assert(inv:reload())
    assert.equal(2, #inv.transaction_list)
    assert.equal(6, inv.transaction_list[2].payment_object_id)
    local res, err = inv:pay()
    api_error(400, nil, res, err)
    assert.matches("already paid", err.message)
  end)

  it("buys credit, requests a top-up invoice and pays everything", function()
    local card = assert(konto:cards())[1]
    assert.is_true(assert(konto:buy_credit { payment_object_id = card, amount = 100 }))
    local credits = assert(konto:credits())
    assert.equal(100, credits[1].amount)
    assert.equal(102, assert(client.billing_accounts:get(6)).credit_amount)

    assert.is_true(assert(konto:request_invoice(50)))
    local top_up = assert(konto:invoices())[1]
    assert.is_true(top_up.unpaid)
    assert.equal(50, top_up.totals.subtotal)
    assert.equal(60, top_up.totals.total)              -- 20% VAT

    local report = assert(konto:pay_all())
    assert.is_true(report.success)
    assert.equal(2, #report.paid_invoices)
    assert.equal(0, assert(konto:unpaid_amount()))
    for _, inv in ipairs(assert(konto:invoices())) do assert.is_true(inv.paid) end
    -- a paid top-up invoice adds its amount to the credit
    assert.equal("Credit top-up, invoice #" .. top_up.id, assert(konto:credits())[1].description)
    report = assert(konto:pay_all())
    assert.same({}, report.paid_invoices)

    local side = assert(client.billing_accounts:get(7))
    local res, err = side:buy_credit { payment_object_id = card.id, amount = 5 }
    api_error(400, nil, res, err)
    assert.matches("does not belong", err.message)
    res, err = konto:buy_credit { payment_object_id = card.id, amount = -5 }
    api_error(400, nil, res, err)
    assert.matches("amount", err.message)
    refused(function() return konto:buy_credit { amount = 5 } end, "missing required parameter 'payment_object_id'")
    refused(function() return konto:request_invoice("lots") end, "'amount' must be a number")
  end)

  it("pays an amount, oldest invoices first, and reports what was left", function()
    assert(konto:request_invoice(10))                  -- 12.00 with VAT, newer than the seeded one
    local invs = assert(konto:invoices())
    local newer, older = invs[1], invs[2]
    local total = older.totals.total + newer.totals.total

    local report = assert(konto:pay_amount(older.totals.total + 5))
    assert.is_true(report.success)
    assert.same({ older.id, newer.id }, report.paid_invoices)
    assert.equal(0, report.amount_left)
    assert.matches("paid fully or partially", report.message)
    assert.is_true(assert(older:reload()).paid)
    assert.is_true(assert(newer:reload()).unpaid)      -- partly paid
    assert.equal(7, assert(konto:unpaid_amount()))

    report = assert(konto:pay_amount(20))
    assert.equal(7, report.amount_used)
    assert.equal(13, report.amount_left)
    assert.same({ newer.id }, report.paid_invoices)
    assert.is_true(assert(newer:reload()).paid)
    assert.equal(0, assert(konto:unpaid_amount()))
    assert.is_true(total > 0)
    refused(function() return konto:pay_amount() end, "missing required parameter 'amount'")
  end)

  it("cannot pay without credit or a card", function()
    local side = assert(client.billing_accounts:get(7))
    assert(side:request_invoice(10))
    local res, err = side:pay_all()
    api_error(400, nil, res, err)
    assert.matches("No payment method", err.message)
    res, err = assert(side:invoices())[1]:pay()
    api_error(400, nil, res, err)
    assert.equal(12, assert(side:unpaid_amount()))
  end)

  it("configures the recurring payment, which tops up at once below the threshold", function()
    local report = assert(konto:set_recurring_payment { enabled = true, amount = 50, threshold = 10 })
    assert.is_true(report.triggered)
    assert.is_true(konto.is_recurring_payment_enabled)   -- the account, updated in place
    assert.equal(50, konto.recurring_payment_amount)
    assert.equal(52, konto.credit_amount)
    local put = last("PUT", "/v1/payment/billing_account/6/recurring_payment")
    assert.equal("true", put.params.is_recurring_payment_enabled)
    assert.equal("50", put.params.recurring_payment_amount)
    -- above the threshold now: no payment
    report = assert(konto:set_recurring_payment { enabled = true, amount = 50, threshold = 20 })
    assert.is_false(report.triggered)
    assert.equal(52, konto.credit_amount)
    assert(konto:set_recurring_payment { enabled = false })
    assert.is_false(konto.is_recurring_payment_enabled)

    local side = assert(client.billing_accounts:get(7))
    local res, err = side:set_recurring_payment { enabled = true, amount = 10, threshold = 5 }
    api_error(400, nil, res, err)
    assert.matches("credit card", err.message)
    refused(function() return konto:set_recurring_payment { amount = 5 } end, "missing required parameter 'enabled'")
    refused(function() return konto:set_recurring_payment { enabled = true, limit = 5 } end, "unknown parameter 'limit'")
  end)

  it("shows this month's usage and running totals from the VMs that exist", function()
    assert.same({}, assert(konto:usage()))
    local vm = assert(client.vms:create(helper.vm_params { vcpu = 2, ram = 2048, disks = 20 }))
    local usage = assert(konto:usage())
    assert.equal(1, #usage)
    local u = usage[1]
    assert.equal(vm.uuid, u.owner_uuid)
    assert.equal("web-1, 2 CPUs, 2 GB RAM, 20 GB disk", u.description)
    assert.equal(1, u.hours)
    -- 2 x 0.00521 (CPU) + 2 x 0.00329 (GB RAM) + 20 x 0.0001 (GB storage), from the pricing policy
    assert.is_true(math.abs(u.price - 0.019) < 1e-9)
    assert.equal(u.price, u.cost)
    assert(vm:stop())
    u = assert(konto:usage())[1]
    assert.matches(", stopped$", u.description)
    assert.is_true(math.abs(u.price - 0.002) < 1e-9)
    local fresh = assert(client.billing_accounts:get(6))
    assert.equal("table", type(fresh.running_totals))
    assert.equal(2, fresh.running_totals.credit_available)
    assert(vm:delete())
    assert.same({}, assert(konto:usage()))
    assert.same({}, assert(assert(client.billing_accounts:get(7)):usage()))
  end)
end)

describe("restricted tokens", function()
  local client, side

  before_each(function()
    client = helper.fresh_client { location = "cyc01" }
    local t = assert(client.tokens:create { description = "side", restricted = true, billing_account_id = 7 })
    side = helper.client { apikey = t.token, location = "cyc01" }
  end)

  it("see and manage only their own billing account", function()
    local mine = assert(side.billing_accounts:get(7))
    local theirs = assert(client.billing_accounts:get(6))
    local other = require("idcloudhost.families.kit.resource").wrap(
      require("idcloudhost.families.billing_accounts").model, side, { id = 6 })
    forbidden(other:unpaid_amount())
    forbidden(other:invoices())
    forbidden(other:cards())
    forbidden(other:credits())
    forbidden(other:usage())
    forbidden(other:pay_all())
    forbidden(other:pay_amount(1))
    forbidden(other:set_default())
    forbidden(other:update { title = "mine now" })
    forbidden(other:add_card("tok_visa"))
    forbidden(other:request_invoice(5))
    forbidden(other:set_recurring_payment { enabled = false })
    forbidden(other:resources())
    forbidden(side.invoices:get(assert(theirs:invoices())[1].id))
    forbidden(side.cards:get(6))
    forbidden(other:delete())
    -- an unknown account is forbidden too: it is not theirs
    forbidden(side.billing_accounts:get(99))
    -- their own works
    assert.equal(0, assert(mine:unpaid_amount()))
    assert.same({}, assert(mine:invoices()))
    assert(mine:update { title = "side, renamed" })
    assert.equal("side, renamed", mine.title)
  end)

  it("create VMs in their own account without naming it, and only there", function()
    local vm = assert(side.vms:create(helper.vm_params { name = "side-vm" }))
    assert.equal(7, vm.billing_account)
    -- the SDK filled in the only account the token sees
    assert.equal("7", last("POST", "/v1/cyc01/user-resource/vm").params.billing_account_id)
    forbidden(side.vms:create(helper.vm_params { name = "other-vm", billing_account_id = 6 }))
    local mine = assert(side.billing_accounts:get(7))
    assert.equal(1, #assert(mine:resources()))
    -- a VM of account 6 cannot be moved by them, nor theirs moved to 6
    local vm6 = assert(client.vms:create(helper.vm_params { name = "six-vm" }))
    forbidden(mine:assign(vm6))
    local other = require("idcloudhost.families.kit.resource").wrap(
      require("idcloudhost.families.billing_accounts").model, side, { id = 6 })
    forbidden(other:assign(vm))
  end)
end)

describe("VM creation fills in the default billing account", function()
  before_each(helper.reset)

  it("sends the default one when omitted, fetching the list once per client", function()
    local client = helper.client { location = "cyc01" }
    local a = assert(client.vms:create(helper.vm_params { name = "vm-one" }))
    assert.equal(6, a.billing_account)
    assert.equal("6", last("POST", "/v1/cyc01/user-resource/vm").params.billing_account_id)
    assert(client.vms:create(helper.vm_params { name = "vm-two" }))
    assert(assert(client:at("bus02")).vms:create(helper.vm_params { name = "vm-three" }))
    assert.equal(1, count("GET", LIST))
    -- the explicit id wins
    local b = assert(client.vms:create(helper.vm_params { name = "vm-four", billing_account_id = 7 }))
    assert.equal(7, b.billing_account)
    assert.equal("7", last("POST", "/v1/cyc01/user-resource/vm").params.billing_account_id)
    assert.equal(1, count("GET", LIST))
    -- a new default set through the SDK is used from then on, without fetching again
    assert(assert(client.billing_accounts:get(7)):set_default())
    local c = assert(client.vms:create(helper.vm_params { name = "vm-five" }))
    assert.equal(7, c.billing_account)
    assert.equal(1, count("GET", LIST))
    -- another client fetches its own
    assert(helper.client().vms:create(helper.vm_params { name = "vm-six" }))
    assert.equal(2, count("GET", LIST))
  end)

  it("the platform wants billing_account_id from an unrestricted token", function()
    local client = helper.client()
    local res, err = client:request("POST", "/v1/user-resource/vm", helper.vm_params())
    api_error(400, nil, res, err)
    assert.equal("billing_account_id", err.code)
  end)

  it("checks the parameters before fetching anything", function()
    local client = helper.client()
    refused(function() return client.vms:create(helper.vm_params { ram = "lots" }) end, "'ram' must be a whole number")
    assert.equal(0, count("GET", LIST))
  end)

  it("passes on a failure to fetch the list, and sends no VM", function()
    helper.fault { path = LIST, kind = "status", status = 500 }
    local client = helper.client()
    local res, err = client.vms:create(helper.vm_params())
    api_error(500, nil, res, err)
    assert.equal(0, count("POST", "/v1/user-resource/vm"))
    -- not cached: the next create fetches again and works
    assert(client.vms:create(helper.vm_params()))
  end)
end)
