-- Payment objects of billing accounts (/v1/payment/card..., and the by-invoice object of
-- /v1/payment/apply_for_invoice_payment): cards, which the payment processor (Stripe) describes,
-- and the primary card, which pays what credit does not.
--
-- Records live in state.data.billing.cards[id]: the object as the API shows it, plus the
-- simulator's own `_kind` ("card" or "invoice"), `_card` (brand, last4, expiry, holder,
-- country), `_fingerprint` and `_customer`.
--
-- Choices where the docs are silent (see also sim/README.md):
--   * add takes the processor's test tokens: tok_visa, tok_mastercard, tok_amex give that
--     brand, any other a visa ****1111; tok_declined and tok_chargeDeclined are declined;
--   * a card added to an account without a primary card becomes its primary; removing the
--     primary card makes the oldest other verified card primary, and without a primary card
--     recurring payment is switched off;
--   * the by-invoice object is made unverified: it cannot be the primary one.
-- Seeded: card 6, the primary visa of billing account 6.
local billing = require "idcloudhost.sim.billing"
local ids = require "idcloudhost.sim.ids"
local json = require "idcloudhost.sim.json"
local params = require "idcloudhost.sim.params"
local reply = require "idcloudhost.sim.reply"
local state = require "idcloudhost.sim.state"

local card = {}

local A = json.array
local null = json.null

local function cards() return billing.store().cards end

local CARD_BRANDS = {
  tok_visa = { "visa", "4242" },
  tok_mastercard = { "mastercard", "4444" },
  tok_amex = { "amex", "8431" },
}

local DECLINED = { tok_declined = true, tok_chargeDeclined = true }

local function new_card(ba, f)
  local id = f.id or state.next_id("payment_object")
  local identifier = f.identifier or ("pay_" .. ids.hex(24))
  local exp_month, exp_year = 12, f.exp_year or 2030
  local c = {
    additional_data = json.encode({
      card_holder = f.holder, card_type = f.brand, country = f.country or "ID",
      created_at = f.created, expire_month = tostring(exp_month), expire_year = tostring(exp_year),
      id = identifier, is_recurring = true, last4 = f.last4, type = "creditcard",
    }),
    billing_account_id = ba.id,
    billing_account_processor_identifier_id = id,
    created = f.created,
    id = id,
    identifier = identifier,
    is_primary = false,
    is_verified = true,
    valid_thru = billing.epoch_utc(exp_year + 1, 1, 1),
    _kind = "card",
    _fingerprint = ids.hex(16),
    _customer = "cus_" .. ids.hex(14),
    _card = { brand = f.brand, last4 = f.last4, exp_month = exp_month, exp_year = exp_year,
      holder = f.holder, country = f.country or "ID" },
  }
  cards()[id] = c
  return c
end

-- The payment objects of an account, oldest first.
function card.of(ba_id)
  return state.by_id(cards(), function(c) return c.billing_account_id == ba_id end)
end

-- The card that pays for the account, or nil.
function card.primary(ba_id)
  for _, c in ipairs(card.of(ba_id)) do
    if c.is_primary and c.is_verified and c._kind == "card" then return c end
  end
end

-- True when the account pays by invoice (a verified by-invoice object).
function card.by_invoice(ba_id)
  for _, c in ipairs(card.of(ba_id)) do
    if c._kind == "invoice" and c.is_verified then return true end
  end
  return false
end

-- The card as the payment processor (Stripe) describes it, in full as the docs show it.
local function processor_data(c)
  local d = c._card
  return {
    billing_details = {
      address = { city = null, country = null, line1 = null, line2 = null, postal_code = null, state = null },
      email = null, name = d.holder, phone = null,
    },
    card = {
      brand = d.brand,
      checks = { address_line1_check = null, address_postal_code_check = null, cvc_check = "pass" },
      country = d.country, exp_month = d.exp_month, exp_year = d.exp_year, fingerprint = c._fingerprint,
      funding = "credit", generated_from = null, last4 = d.last4, three_d_secure_usage = { supported = true },
      wallet = null,
    },
    created = c.created, customer = c._customer, id = c.identifier, livemode = false, metadata = {},
    object = "payment_method", type = "card",
  }
end

-- The account's primary_card field: its primary card, or null.
function card.primary_view(ba_id)
  local c = card.primary(ba_id)
  if not c then return null end
  local d = c._card
  local v = {
    card_holder = d.holder, card_type = d.brand, expire_month = d.exp_month, expire_year = d.exp_year,
    id = c.identifier, last4 = d.last4, type = "creditcard", processor_data = processor_data(c),
  }
  v.is_verified = c.is_verified
  return v
end

-- Reads the required payment_object_id parameter and checks access: the payment object, or
-- nil and a reply.
function card.param(req, r)
  return billing.record_param(req, r, "payment_object_id", cards(), "payment object")
end

---------------------------------------------------------------------------
-- Handlers
---------------------------------------------------------------------------

function card.get(req)
  local c, err = card.param(req)
  if not c then return err end
  return reply.ok(billing.strip(c))
end

function card.list(req)
  local ba, err = billing.account_param(req)
  if not ba then return err end
  local out = A()
  for i, c in ipairs(card.of(ba.id)) do out[i] = billing.strip(c) end
  return reply.ok(out)
end

function card.add(req)
  local r = params.reader(req.params)
  local token = r:str("token", true)
  if token == "" then r:fail("token", "Must not be empty") end
  local ba, err = billing.account_param(req, r)
  if not ba then return err end
  if DECLINED[token] then return reply.error("The card was declined.") end
  local brand = CARD_BRANDS[token] or { "visa", "1111" }
  local c = new_card(ba, { brand = brand[1], last4 = brand[2], holder = ba.title or ba.email, created = os.time() })
  c.is_primary = card.primary(ba.id) == nil
  return reply.ok(billing.strip(c))
end

function card.delete(req)
  local c, err = card.param(req)
  if not c then return err end
  cards()[c.id] = nil
  local ba_id = c.billing_account_id
  if c.is_primary then
    for _, other in ipairs(card.of(ba_id)) do
      if other._kind == "card" and other.is_verified then other.is_primary = true break end
    end
  end
  local ba = billing.accounts()[ba_id]
  if ba and not card.primary(ba_id) then ba.is_recurring_payment_enabled = false end
  return reply.success()
end

function card.set_primary(req)
  local c, err = card.param(req)
  if not c then return err end
  if not c.is_verified then
    return reply.error("Payment method " .. c.id .. " is not verified.")
  end
  for _, other in ipairs(card.of(c.billing_account_id)) do other.is_primary = false end
  c.is_primary = true
  return reply.success()
end

function card.apply_for_invoice_payment(req)
  local ba, err = billing.account_param(req)
  if not ba then return err end
  for _, c in ipairs(card.of(ba.id)) do
    if c._kind == "invoice" then return reply.error("Billing account " .. ba.id .. " has already applied for paying by invoice.") end
  end
  local id = state.next_id("payment_object")
  local obj = {
    -- As in the docs: a Python repr, not JSON.
    additional_data = string.format("{'type': 'paying_by_invoice', 'client': {}, 'card_type': 'By invoice', "
      .. "'card_holder': '%s', 'expire_month': '12', 'id': 'N/A', 'expire_year': '2099'}", ba.email or ""),
    billing_account_id = ba.id,
    billing_account_processor_identifier_id = 1,
    created = os.time(),
    id = id,
    identifier = "N/A",
    is_deleted = false,
    is_primary = card.primary(ba.id) == nil,
    is_verified = false,
    valid_thru = 4102358400,
    _kind = "invoice",
  }
  cards()[id] = obj
  return reply.ok(billing.strip(obj))
end

state.on_reset(function()
  billing.store().cards = {}
  local c = new_card(billing.accounts()[6], { id = 6, identifier = "pay_e566cf1e776c91857c5d55c0",
    brand = "visa", last4 = "1111", holder = "Inimene", country = "DE", created = 1519219380, exp_year = 2029 })
  c.is_primary = true
  state.data.counters.payment_object = 6
end)

return card
