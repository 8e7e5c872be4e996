--- Invoices: client.invoices and invoice objects.  Status 5 is unpaid, 10 paid: invoice.unpaid and
-- invoice.paid say so as booleans.  account_snapshot and each transaction's additional_data are
-- decoded where they are JSON.
-- docs/endpoints.md maps its endpoints to these methods.
-- @module idcloudhost.families.invoices
local nested = require "idcloudhost.families.kit.nested"
local resource = require "idcloudhost.families.kit.resource"

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

--- client.invoices: invoices by id.  A billing account lists its own.
-- @type client.invoices

local Invoices = {}

--- A invoice object holding only its id, made without a request (by the kit:
-- resource.referrer): a call on it (`client.invoices:ref(id):...`) is one request, and obj:reload()
-- fetches the rest.
-- @function client.invoices:ref
-- @tparam integer id the invoice's id
-- @treturn invoice the object
-- @errors invalid (a malformed id)
Invoices.ref = resource.referrer(Invoice)

--- One invoice by id.
-- Made by `resource.getter` (families/kit/resource.lua) from this family's get endpoint.
-- @function client.invoices:get
-- @tparam integer id
-- @treturn invoice the invoice
-- @errors invalid, api (not_found), network, timeout, decode
Invoices.get = resource.getter(Invoice, E.get)

--- An invoice.  `tostring(inv)` is `invoice 2 paid, total 25.76`.
-- @type invoice

--- An invoice's fields, as the platform sends them (GET payment/invoice), and two the SDK reads
-- from its status.
-- @table fields
-- @tfield integer id the invoice's id (calls name it invoice_id)
-- @tfield string padded_id "001"
-- @tfield integer status 5 unpaid, 10 paid
-- @tfield boolean paid the SDK's: status is 10
-- @tfield boolean unpaid the SDK's: status is 5
-- @tfield table totals `{subtotal, vat_tax, discount_amount, credit, total}`: the amount due is totals.total
-- @tfield table records_list the lines: `{id, name, qty, qty_unit, item_price, amount, location_slug, ...}`
-- @tfield table transaction_list payments: `{id, amount, created, identifier, payment_object_id, additional_data}`
-- @tfield integer billing_account_id
-- @tfield number discount_percentage
-- @tfield number vat_percentage
-- @tfield table account_snapshot the account's data when it was made, decoded from JSON text
-- @tfield integer created Unix time
-- @tfield integer due_date Unix time
-- @tfield integer period_start Unix time
-- @tfield integer period_end Unix time

--- Fetches the invoice again and updates this object in place.
-- Made by the kit: `Base:reload` in families/kit/resource.lua (the model's `get` endpoint).
-- @function invoice:reload
-- @treturn invoice the invoice
-- @errors invalid, api (not_found), network, timeout, decode

--- Pays the invoice in full.  Returns true; the object then says paid (reload() for the transaction).
-- @function invoice:pay
-- @treturn boolean true
-- @errors invalid, api, network, timeout (err.uncertain: reload before paying again), decode
function Invoice:pay(opts)
  local ok, err = resource.success(self:_call(E.pay, opts))
  if not ok then return nil, err end
  self.status = PAID
  return true
end

return {
  new = resource.collection(Invoices),
  model = Invoice,
  endpoints = E,
  PAID = PAID, UNPAID = UNPAID,
}
