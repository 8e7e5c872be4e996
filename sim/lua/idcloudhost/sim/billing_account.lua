-- Billing accounts as the API shows them (/v1/payment/billing_account...), the resources billed
-- to one (/v1/[{slug}/]user-resource/billing_resources and .../resource_billing), and the route
-- table of all billing calls: the billing family that families.lua names. The handlers live
-- with the records they touch (billing_card, billing_credit, billing_invoice, billing_payment,
-- billing_usage);
-- one table here keeps the billing API readable in one place. See billing.lua for the modules.
--
-- An account object is its own data (billing.lua's records) plus what is derived when shown:
-- credit_amount, unpaid_amount, primary_card, can_pay, paying_by_invoice, is_active and
-- running_totals, in both editions as the elastis docs and the 2025-12 idcloudhost text show it
-- (the old idcloudhost seed's account, without the elastis keys, is superseded).
--
-- Choices where the docs are silent (see also sim/README.md):
--   * PUT replaces the account's data: a field left out is deleted, but email;
--   * delete: not the default account, not one with VMs or unpaid invoices;
--   * recurring payment: when enabled and running_totals.ongoing (credit
--     minus this month's total) is below the threshold, the card is charged
--     `amount` into credit at once (payment_report.triggered = true).
local account = require "idcloudhost.sim.account"
local billing = require "idcloudhost.sim.billing"
local card = require "idcloudhost.sim.billing_card"
local credit = require "idcloudhost.sim.billing_credit"
local invoice = require "idcloudhost.sim.billing_invoice"
local json = require "idcloudhost.sim.json"
local machine = require "idcloudhost.sim.machine"
local payment = require "idcloudhost.sim.billing_payment"
local params = require "idcloudhost.sim.params"
local reply = require "idcloudhost.sim.reply"
local state = require "idcloudhost.sim.state"
local usage = require "idcloudhost.sim.billing_usage"

local accounts = {}

local A = json.array
local null = json.null

---------------------------------------------------------------------------
-- Views
---------------------------------------------------------------------------

-- The account's own data, in the order of the docs' object. Others are derived.
local BA_FIELDS = {
  "additional_data", "address_line1", "allow_debt", "can_pay", "city", "company_name", "company_reg_code",
  "company_vat_number", "country", "county", "created", "credit_amount", "discount_percentage",
  "eligible_promotions", "email", "id", "is_active", "is_default", "is_deleted",
  "is_recurring_payment_enabled", "paying_by_invoice", "post_index", "primary_card",
  "recurring_payment_amount", "recurring_payment_threshold", "referral_share_code", "reseller",
  "restriction_level", "running_totals", "send_invoice_email", "site", "suspend_reason", "title",
  "unpaid_amount", "user_id", "vat_percentage",
}

-- An account's own data that is left out, not null, when the account has none (the docs never
-- show these as null).
local OPTIONAL = {}
for _, k in ipairs(billing.EDITABLE) do OPTIONAL[k] = true end

function accounts.view(ba)
  local by_invoice = card.by_invoice(ba.id)
  local derived = {
    can_pay = card.primary(ba.id) ~= nil or by_invoice,
    credit_amount = credit.balance(ba.id),
    is_active = not ba.is_deleted,
    paying_by_invoice = by_invoice,
    primary_card = card.primary_view(ba.id),
    running_totals = usage.running_totals(ba),
    unpaid_amount = invoice.unpaid_amount(ba.id),
  }
  local out = {}
  for _, k in ipairs(BA_FIELDS) do
    local v = derived[k]
    if v == nil then v = ba[k] end
    if v == nil and not OPTIONAL[k] then v = null end
    out[k] = v
  end
  return out
end

---------------------------------------------------------------------------
-- Handlers: billing accounts
---------------------------------------------------------------------------

local function sorted_accounts(req, with_deleted)
  local t = account.restriction(req)
  local out = state.by_id(billing.accounts(), function(ba)
    return (with_deleted or not ba.is_deleted) and (not t or t.billing_account_id == ba.id)
  end)
  for i, ba in ipairs(out) do out[i] = accounts.view(ba) end
  return out
end

function accounts.list(req)
  -- "Additionally 'show_shadow' attribute may be added (any value)": presence is enough.
  return reply.ok(sorted_accounts(req, req.params.show_shadow ~= nil))
end

function accounts.get(req)
  local ba, err = billing.account_param(req, nil, { deleted = true })
  if not ba then return err end
  return reply.ok(accounts.view(ba))
end

function accounts.update(req)
  local r = params.reader(req.params)
  local values = {}
  for _, k in ipairs(billing.EDITABLE) do values[k] = r:str(k) end
  local send_invoice_email = r:bool("send_invoice_email")
  if values.email and not values.email:find("^[^@%s]+@[^@%s]+$") then r:fail("email", "Must be an e-mail address") end
  local ba, err = billing.account_param(req, r)
  if not ba then return err end
  for _, k in ipairs(billing.EDITABLE) do
    -- A field left out is deleted ("PS! e-mail field can't be deleted").
    if values[k] ~= nil or k ~= "email" then ba[k] = values[k] end
  end
  if send_invoice_email ~= nil then ba.send_invoice_email = send_invoice_email end
  return reply.ok(accounts.view(ba))
end

function accounts.delete(req)
  local ba, err = billing.account_param(req)
  if not ba then return err end
  if ba.is_default then return reply.error("The default billing account cannot be deleted.") end
  if #usage.vms(ba.id) > 0 then
    return reply.error("Billing account " .. ba.id .. " still has resources: move or delete them first.")
  end
  if invoice.unpaid_amount(ba.id) > 0 then
    return reply.error("Billing account " .. ba.id .. " has unpaid invoices.")
  end
  ba.is_deleted = true
  ba.is_default = false
  return reply.success()
end

function accounts.set_default(req)
  local ba, err = billing.account_param(req)
  if not ba then return err end
  for _, other in pairs(billing.accounts()) do other.is_default = false end
  ba.is_default = true
  return reply.success()
end

function accounts.unpaid(req)
  local ba, err = billing.account_param(req)
  if not ba then return err end
  return reply.ok({ message = invoice.unpaid_amount(ba.id) })
end

function accounts.recurring(req)
  local r = params.reader(req.params)
  local id = params.to_int(req.vars.billing_account_id)
  if id == nil then r:fail("billing_account_id", "Must be a whole number") end
  local enabled = r:bool("is_recurring_payment_enabled")
  if enabled == nil and not r.errors.is_recurring_payment_enabled then
    r:fail("is_recurring_payment_enabled", params.MISSING)
  end
  local amount = billing.amount_param(r, "recurring_payment_amount")
  local threshold
  if r:present("recurring_payment_threshold") then
    threshold = tonumber(r:raw("recurring_payment_threshold"))
    if threshold == nil or threshold < 0 then
      r:fail("recurring_payment_threshold", "Must be a decimal number >= 0")
    end
  end
  if r:failed() then return reply.errors(r.errors) end
  local ba, err = billing.access(req, id)
  if not ba then return err end
  local new_amount = amount or ba.recurring_payment_amount
  local new_threshold = threshold or ba.recurring_payment_threshold
  if enabled then
    if new_amount <= 0 then
      return reply.errors({ recurring_payment_amount = "Must be greater than 0" })
    end
    if not card.primary(ba.id) then
      return reply.error("Recurring payment needs a payment method capable of automated payments (a verified credit card).")
    end
  end
  ba.is_recurring_payment_enabled = enabled
  ba.recurring_payment_amount = new_amount
  ba.recurring_payment_threshold = new_threshold
  local triggered = false
  if enabled and usage.running_totals(ba).ongoing < new_threshold then
    credit.add(ba.id, new_amount, "Recurring payment")
    triggered = true
  end
  return reply.ok({ payment_report = { triggered = triggered, errors = A() }, account = accounts.view(ba) })
end

---------------------------------------------------------------------------
-- Handlers: resources of an account (location-specific)
---------------------------------------------------------------------------

-- A VM as the billing resources show it (the docs of both editions): with its public IPv4
-- (null without one) and each disk's (null), without the pool and the IPv6 address.
local function resource_view(rec)
  local v = machine.view(rec)
  v.designated_pool_name, v.designated_pool_uuid, v.public_ipv6 = nil, nil, nil
  v.public_ipv4 = rec.sim.public_ipv4 or null
  for _, s in ipairs(v.storage) do s.public_ipv4 = null end
  return v
end

function accounts.resources(req)
  local r = params.reader(req.params)
  local id = r:int("id", true)
  local rtype = r:str("resource_type", false, "vm")
  if rtype ~= "vm" then r:fail("resource_type", "Must be one of: vm") end
  if r:failed() then return reply.errors(r.errors) end
  local ba, err = billing.access(req, id)
  if not ba then return err end
  local out = state.by_id(state.collection(req.loc, "vms"), function(rec) return rec.billing_account == ba.id end)
  for i, rec in ipairs(out) do out[i] = resource_view(rec) end
  return reply.ok(out)
end

function accounts.resource_billing(req)
  local r = params.reader(req.params)
  local id = r:int("billing_account_id", true)
  local rtype = r:str("resource_type", false, "vm")
  if rtype ~= "vm" then r:fail("resource_type", "Must be one of: vm") end
  local uuid = r:uuid("uuid", true)
  if r:failed() then return reply.errors(r.errors) end
  local rec = state.collection(req.loc, "vms")[uuid]
  if not rec then return machine.no_such(uuid) end
  local t = account.restriction(req)
  if t and rec.billing_account ~= t.billing_account_id then return account.forbidden() end
  local ba, err = billing.access(req, id)
  if not ba then return err end
  rec.billing_account = ba.id
  return reply.success()
end

---------------------------------------------------------------------------
-- The billing family's routes
---------------------------------------------------------------------------

function accounts.register(router)
  local L = { loc = true }
  router.add("GET", "/v1/payment/billing_account/list", accounts.list)
  router.add("GET", "/v1/payment/billing_account", accounts.get)
  router.add("PUT", "/v1/payment/billing_account", accounts.update)
  router.add("DELETE", "/v1/payment/billing_account", accounts.delete)
  router.add("PUT", "/v1/payment/billing_account/{billing_account_id}/recurring_payment", accounts.recurring)
  router.add("POST", "/v1/payment/billing_account/set_default", accounts.set_default)
  router.add("GET", "/v1/payment/billing_account/unpaid_amount", accounts.unpaid)
  router.add("POST", "/v1/payment/apply_for_invoice_payment", card.apply_for_invoice_payment)
  router.add("GET", "/v1/user-resource/billing_resources", accounts.resources, L)
  router.add("POST", "/v1/user-resource/resource_billing", accounts.resource_billing, L)
  router.add("GET", "/v1/payment/card", card.get)
  router.add("POST", "/v1/payment/card", card.add)
  router.add("DELETE", "/v1/payment/card", card.delete)
  router.add("GET", "/v1/payment/card/list", card.list)
  router.add("PUT", "/v1/payment/card/set_primary", card.set_primary)
  router.add("GET", "/v1/payment/credit/list", credit.list)
  router.add("POST", "/v1/payment/credit/buy", credit.buy)
  router.add("POST", "/v1/payment/credit/request_invoice", invoice.request)
  router.add("GET", "/v1/payment/invoice", invoice.get)
  router.add("GET", "/v1/payment/invoice/list", invoice.list)
  router.add("POST", "/v1/payment/pay_all", payment.pay_all)
  router.add("POST", "/v1/payment/pay_amount", payment.pay_amount)
  router.add("POST", "/v1/payment/pay_invoice", payment.pay_invoice)
  router.add("GET", "/v1/payment/has_active_campaigns", usage.campaigns)
  router.add("GET", "/v1/pricing/policy", usage.policy)
  router.add("GET", "/v1/charging/usage", usage.usage)
end

return accounts
