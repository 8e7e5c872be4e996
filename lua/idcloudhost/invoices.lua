-- Invoices: client.invoices and invoice objects.  Status 5 is unpaid, 10 paid: invoice.unpaid and
-- invoice.paid say so as booleans.  account_snapshot and each transaction's additional_data are
-- decoded where they are JSON.
local nested = require "idcloudhost.nested"
local resource = require "idcloudhost.resource"

local I = { invoice_id = "integer!" }

local E = resource.endpoints("invoice", {
  get  = { "GET",  "payment/invoice", query = I, answer = "object:id" },
  list = { "GET",  "payment/invoice/list", query = { billing_account_id = "integer!" }, answer = "list:id" },
  pay  = { "POST", "payment/pay_invoice", form = I, answer = "success" },
})

local PAID, UNPAID = 10, 5

local function summary(inv)
  local state = inv.status == PAID and "paid" or inv.status == UNPAID and "unpaid" or ("status " .. tostring(inv.status))
  local total = type(inv.totals) == "table" and inv.totals.total
  return string.format("%s %s%s", tostring(inv.id), state, total and (", total " .. tostring(total)) or "")
end

local function prepare(inv)
  nested.decode(inv, { "account_snapshot" })
  nested.decode_each(inv.transaction_list, { "additional_data" })
end

-- paid and unpaid are read from the status, so they stay true to it whatever changes it.
local Invoice = resource.model { name = "invoice", key = "id", param = "invoice_id", get = E.get,
  summary = summary, prepare = prepare, computed = {
    paid = function(inv) return rawget(inv, "status") == PAID end,
    unpaid = function(inv) return rawget(inv, "status") == UNPAID end,
  } }

--- Pays the invoice in full.  Returns true; the object then says paid (reload() for the transaction).
function Invoice:pay(opts)
  local ok, err = resource.success(self:_call(E.pay, opts))
  if not ok then return nil, err end
  self.status = PAID
  return true
end

return {
  new = resource.collection({}, { model = Invoice, get = E.get }),
  model = Invoice,
  endpoints = E,
  PAID = PAID, UNPAID = UNPAID,
}
