-- Paying the invoices of billing accounts: /v1/payment/pay_invoice, pay_all and pay_amount.
--
-- Choices where the docs are silent (see also sim/README.md):
--   * paying an invoice (pay_invoice, pay_all) uses the account's credit
--     first, then charges the verified primary card; without a card for the
--     rest: Error, nothing paid; a top-up invoice is paid by card only;
--   * pay_amount charges the card `amount`, paying the oldest unpaid invoices
--     first (the last one possibly partly), and reports what was left.
local billing = require "idcloudhost.sim.billing"
local card = require "idcloudhost.sim.billing_card"
local credit = require "idcloudhost.sim.billing_credit"
local invoice = require "idcloudhost.sim.billing_invoice"
local json = require "idcloudhost.sim.json"
local params = require "idcloudhost.sim.params"
local reply = require "idcloudhost.sim.reply"

local payment = {}

local A = json.array
local money = billing.money

local NO_METHOD = "No payment method to pay with: add a verified card or buy credit."

-- Pays invoices in full, credit first then the primary card. Returns the
-- amount paid, or nil and a reply (then nothing was paid).
local function pay_in_full(ba_id, list)
  local c = card.primary(ba_id)
  local left = credit.balance(ba_id)
  local need_card = 0
  for _, inv in ipairs(list) do
    local due = invoice.unpaid(inv)
    local from_credit = inv._kind == "top_up" and 0 or math.min(left, due)
    left = left - from_credit
    need_card = need_card + (due - from_credit)
  end
  if money(need_card) > 0 and not c then return nil, reply.error(NO_METHOD) end
  local total = 0
  for _, inv in ipairs(list) do
    local due = invoice.unpaid(inv)
    local from_credit = inv._kind == "top_up" and 0 or math.min(math.max(credit.balance(ba_id), 0), due)
    invoice.record_payment(inv, from_credit, nil)
    invoice.record_payment(inv, due - from_credit, c)
    total = total + due
  end
  return money(total)
end

local function id_list(list)
  local out = {}
  for i, inv in ipairs(list) do out[i] = "#" .. inv.id end
  return table.concat(out, ", ")
end

function payment.pay_invoice(req)
  local inv, err = invoice.param(req)
  if not inv then return err end
  if inv.status == 10 then return reply.error("Invoice " .. inv.id .. " is already paid.") end
  local ok, perr = pay_in_full(inv.billing_account_id, { inv })
  if not ok then return perr end
  return reply.success()
end

function payment.pay_all(req)
  local ba, err = billing.account_param(req)
  if not ba then return err end
  local list = invoice.unpaid_list(ba.id)
  local ids_paid = A()
  for i, inv in ipairs(list) do ids_paid[i] = inv.id end
  local used, perr = pay_in_full(ba.id, list)
  if not used then return perr end
  return reply.ok({
    amount_left = 0, amount_used = used, error_log = "",
    message = #list == 0 and "No unpaid invoices." or ("Invoices (" .. id_list(list) .. ") were paid."),
    paid_invoices = ids_paid, success = true,
  })
end

function payment.pay_amount(req)
  local r = params.reader(req.params)
  local amount = billing.amount_param(r, "amount", true)
  local ba, err = billing.account_param(req, r)
  if not ba then return err end
  local list = invoice.unpaid_list(ba.id)
  local c = card.primary(ba.id)
  if #list > 0 and not c then return reply.error(NO_METHOD) end
  local left = money(amount)
  local touched, paid_ids = {}, A()
  for _, inv in ipairs(list) do
    if left <= 0 then break end
    local pay = math.min(invoice.unpaid(inv), left)
    invoice.record_payment(inv, pay, c)
    left = money(left - pay)
    touched[#touched + 1] = inv
    paid_ids[#paid_ids + 1] = inv.id
  end
  local message
  if #touched == 0 then
    message = "No unpaid invoices: nothing was paid."
  elseif left <= 0 then
    message = "All amount were used. Invoices (" .. id_list(touched) .. ") were paid fully or partially."
  else
    message = string.format("Invoices (%s) were paid fully. Amount left: %.2f.", id_list(touched), left)
  end
  return reply.ok({
    amount_left = left, amount_used = money(amount - left), error_log = "", message = message,
    paid_invoices = paid_ids, success = true,
  })
end

return payment
