-- Invoices on a scripted transport: client.invoices and invoice objects (endpoints 93 and 97 of
-- docs/endpoints.md; a billing account's list is in billing_accounts_spec).
-- Status 5 is unpaid, 10 paid.
local helper = require "spec.helper"
local docs = require "spec.fixtures.unit_docs"

local client = helper.scripted -- (f, a client on cyc01)

local UNPAID = (docs.invoice_get:gsub('"status": 10', '"status": 5'))

describe("client.invoices", function()
  it("get sends GET /v1/payment/invoice?invoice_id= and answers the invoice, nested JSON decoded", function()
    local f, c = client(helper.answer(docs.invoice_get))
    local inv = assert(c.invoices:get(1))
    helper.expect(f, 1, { "GET", "/v1/payment/invoice", query = { invoice_id = "1" } })
    assert.equal(1, inv.id)
    assert.equal(10, inv.status)
    assert.is_true(inv.paid)
    assert.is_false(inv.unpaid)
    assert.equal(1.21, inv.totals.total)
    assert.equal(-0.10, inv.totals.credit)
    assert.equal(5, #inv.records_list)
    assert.equal("K\195\188la", inv.account_snapshot.city)          -- a JSON string in the docs, decoded
    assert.equal(147, inv.transaction_list[1].additional_data.amount)
    assert.equal("EUR", inv.transaction_list[1].additional_data.currency)
    assert.equal("invoice 1 paid, total 1.21", tostring(inv))
    assert.is_function(inv.pay)
    assert.is_function(inv.reload)
  end)

  it("get refuses what is not an invoice id, sending nothing", function()
    local f, c = client()
    for _, bad in ipairs { "1", 1.5, "001" } do
      helper.refuses(f, function() return c.invoices:get(bad) end, "invoice_id")
    end
    helper.refuses(f, function() return c.invoices:get() end, "invoice_id")
  end)
end)

describe("invoice objects", function()
  it("reload sends GET ?invoice_id= and updates in place; paid follows the status", function()
    local f, c = client(helper.answer(UNPAID), helper.answer(docs.invoice_get))
    local inv = assert(c.invoices:get(1))
    assert.is_true(inv.unpaid)
    assert.equal(inv, assert(inv:reload()))
    helper.expect(f, 2, { "GET", "/v1/payment/invoice", query = { invoice_id = "1" } })
    assert.is_true(inv.paid)
    assert.is_false(inv.unpaid)
    assert.is_table(inv.account_snapshot)
  end)

  it("pay sends POST /v1/payment/pay_invoice {invoice_id} and answers true; the invoice then says paid", function()
    local f, c = client(helper.answer(UNPAID), helper.answer(docs.success))
    local inv = assert(c.invoices:get(1))
    assert.is_false(inv.paid)
    assert.is_true(inv:pay())
    helper.expect(f, 2, { "POST", "/v1/payment/pay_invoice", form = { invoice_id = "1" } })
    assert.is_true(inv.paid)
    assert.equal("invoice 1 paid, total 1.21", tostring(inv))
  end)
end)
