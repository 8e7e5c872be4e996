-- Invoices: client.invoices and invoice objects (endpoints 93, 94, 97 of endpoints.md).
-- Status 5 is unpaid, 10 paid: invoice.unpaid and invoice.paid say so as booleans.
-- account_snapshot and each transaction's additional_data are decoded where they are JSON.
local nested = require "idcloudhost.nested"
local resource = require "idcloudhost.resource"

local E = resource.endpoints("invoice", {
  get  = { "GET",  "payment/invoice", query = { invoice_id = "integer!" } },
  list = { "GET",  "payment/invoice/list", query = { billing_account_id = "integer!" } },
  pay  = { "POST", "payment/pay_invoice", form = { invoice_id = "integer!" } },
})

local PAID, UNPAID = 10, 5

local function summary(inv)
  local state = inv.status == PAID and "paid" or inv.status == UNPAID and "unpaid" or ("status " .. tostring(inv.status))
  local total = type(inv.totals) == "table" and inv.totals.total
  return string.format("%s %s%s", tostring(inv.id), state, total and (", total " .. tostring(total)) or "")
end

local Invoice = resource.model { name = "invoice", key = "id", summary = summary }

-- paid and unpaid are read from the status, so they stay true to it after a reload.
local index = Invoice.__index
Invoice.__index = function(self, k)
  if k == "paid" then return rawget(self, "status") == PAID end
  if k == "unpaid" then return rawget(self, "status") == UNPAID end
  return index(self, k)
end

local function decode(inv)
  if type(inv) ~= "table" then return inv end
  nested.decode(inv, { "account_snapshot" })
  nested.decode_each(inv.transaction_list, { "additional_data" })
  return inv
end

local invoices = {}

--- Wraps an invoice answer (nil, err passes through).
function invoices.wrap(client, data, err)
  if data == nil then return nil, err end
  return resource.wrap(Invoice, client, decode(data))
end

--- Wraps a list of invoices (nil, err passes through).
function invoices.wrap_list(client, data, err)
  if data == nil then return nil, err end
  if type(data) == "table" then
    for _, inv in ipairs(data) do decode(inv) end
  end
  return resource.wrap_list(Invoice, client, data)
end

------------------------------------------------------------------------------------------------
-- client.invoices

local Invoices = {}

--- One invoice by id.
function Invoices:get(id)
  return invoices.wrap(self.client, self.client:call(E.get, { invoice_id = id }))
end

------------------------------------------------------------------------------------------------
-- Invoice objects

--- Fetches the invoice again and updates this object in place.
function Invoice:reload()
  local data, err = self:_call(E.get, { invoice_id = self.id })
  return self:_apply(decode(data), err)
end

--- Pays the invoice in full.  Returns true; the object then says paid (reload() for the transaction).
function Invoice:pay()
  local ok, err = resource.success(self:_call(E.pay, { invoice_id = self.id }))
  if not ok then return nil, err end
  self.status = PAID
  return true
end

invoices.new = resource.collection(Invoices)
invoices.model = Invoice
invoices.endpoints = E
invoices.PAID, invoices.UNPAID = PAID, UNPAID
return invoices
