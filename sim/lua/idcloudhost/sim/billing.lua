-- Billing accounts: their records, who may touch one, and which one a new resource is billed
-- to (billing.account_for, for every family that makes one: VMs, disks, buckets, floating IPs,
-- load balancers). Also the money and month helpers of the billing modules.
--
-- Billing is seven modules, each requiring only some of those before it (no cycles):
--   billing          the accounts' records, access, account_for (this module)
--   billing_card     payment objects: cards and the by-invoice object
--   billing_credit   the credit records of an account and its balance
--   billing_invoice  invoices, and the payments recorded on them
--   billing_payment  paying invoices (credit first, then the card)
--   billing_usage    the pricing policy, this month's usage, running totals
--   billing_account  accounts as the API shows them, their calls, and the route table of
--                    them all (the family that families.lua names)
-- Not location-specific, except /v1/[{slug}/]user-resource/billing_resources and
-- .../resource_billing.
--
-- State (reset with the rest, seeded as in the docs; each module seeds its own records, in
-- the order of the list above): billing account 6 "konto" (the default; a verified primary
-- visa card, payment object 6; 2.00 credit; invoice 1 paid, invoice 2 unpaid) and billing
-- account 7 "Side project" (nothing yet). Records live in state.data.billing_accounts (the
-- account's own data) and state.data.billing (cards, credit records, invoices); everything
-- derived (credit balance, running totals, unpaid amount, primary card) is computed when shown.
--
-- Money: amounts are rounded to cents (billing.money).
--
-- Restricted tokens: a token restricted to a billing account gets
-- 403 {"errors": {"consumer::resource_forbidden": {...}}} for anything of
-- another account (and sees only its own account in the list).
local compat = require "idcloudhost.sim.compat"
local account = require "idcloudhost.sim.account"
local json = require "idcloudhost.sim.json"
local params = require "idcloudhost.sim.params"
local reply = require "idcloudhost.sim.reply"
local state = require "idcloudhost.sim.state"

local billing = {}

local A = json.array

billing.INCORRECT = "Provided billing account is incorrect."
-- The docs: billing_account_id is "Required if using a global API token" (disks, buckets) and
-- "optional if using an API token that is restricted to one billing account" (VMs); the live
-- platform's text (docs/api-notes.md of zorgatia/terraform-provider-cloudaxion, section 13).
billing.NEEDED = "'billing_account_id' is required if using a global API token"

---------------------------------------------------------------------------
-- Numbers and time
---------------------------------------------------------------------------

function billing.round(x, places)
  local m = 10 ^ places
  local r = math.floor(x * m + 0.5) / m
  return compat.tointeger(r) or r
end

function billing.money(x) return billing.round(x, 2) end

-- Seconds since the epoch of a UTC "YYYY-mm-dd HH:MM:SS".
function billing.epoch_utc(y, mo, d, h, mi, s)
  local now = os.time()
  local offset = now - os.time(os.date("!*t", now))
  return os.time({ year = y, month = mo, day = d, hour = h or 0, min = mi or 0, sec = s or 0, isdst = false }) + offset
end

-- The first second of the month `back` months before the current one (UTC).
function billing.month_start(back)
  local t = os.date("!*t")
  local m = t.month - back
  local y = t.year
  while m < 1 do m, y = m + 12, y - 1 end
  return billing.epoch_utc(y, m, 1)
end

---------------------------------------------------------------------------
-- Records
---------------------------------------------------------------------------

-- The other billing records (cards, credits, invoices), one key per module that keeps them.
function billing.store() return state.data.billing end

function billing.accounts() return state.data.billing_accounts end

-- What PUT /payment/billing_account replaces: strings, deleted when left out (but email).
billing.EDITABLE = {
  "address_line1", "city", "company_name", "company_reg_code", "company_vat_number", "country", "county",
  "email", "post_index", "title",
}

local function new_account(f)
  local ba = {
    additional_data = f.additional_data or '{"link_methods": []}',
    allow_debt = false,
    created = f.created or os.time(),
    discount_percentage = 0,
    eligible_promotions = f.eligible_promotions or A(),
    email = f.email or state.user.email,
    id = f.id,
    is_default = f.is_default or false,
    is_deleted = false,
    is_recurring_payment_enabled = false,
    recurring_payment_amount = f.recurring_payment_amount or 0,
    recurring_payment_threshold = f.recurring_payment_threshold or 0,
    referral_share_code = f.referral_share_code,
    reseller = "Warren",
    restriction_level = "NONE",
    send_invoice_email = true,
    site = "warren",
    suspend_reason = "",
    user_id = state.user.id,
    vat_percentage = 20,
  }
  for _, k in ipairs(billing.EDITABLE) do
    if f[k] ~= nil then ba[k] = f[k] end
  end
  billing.accounts()[ba.id] = ba
  return ba
end

-- A record as the API shows it: without the simulator's own "_" fields.
function billing.strip(rec)
  local out = {}
  for k, v in pairs(rec) do
    if type(k) ~= "string" or k:sub(1, 1) ~= "_" then out[k] = v end
  end
  return out
end

---------------------------------------------------------------------------
-- Access
---------------------------------------------------------------------------

-- The billing account id names, if the request may touch it: ba, or nil and a reply.
-- opts.deleted: a deleted account is fine too (GET shows it).
function billing.access(req, id, opts)
  local t = account.restriction(req)
  if t and t.billing_account_id ~= id then return nil, account.forbidden() end
  local ba = id and billing.accounts()[id]
  if not ba or (ba.is_deleted and not (opts and opts.deleted)) then
    return nil, reply.error(billing.INCORRECT)
  end
  return ba
end

-- Reads the required billing_account_id parameter and checks access.
function billing.account_param(req, r, opts)
  r = r or params.reader(req.params)
  local id = r:int("billing_account_id", true)
  if r:failed() then return nil, reply.errors(r.errors) end
  return billing.access(req, id, opts)
end

-- Reads the required id parameter `name` and the record of `records` (cards, invoices) it
-- names, if the request may touch it (403 when the record is of another account than a
-- restricted token's): the record, or nil and a reply ("Provided <what> is incorrect.").
function billing.record_param(req, r, name, records, what)
  r = r or params.reader(req.params)
  local id = r:int(name, true)
  if r:failed() then return nil, reply.errors(r.errors) end
  local rec = records[id]
  local t = account.restriction(req)
  if rec and t and t.billing_account_id ~= rec.billing_account_id then return nil, account.forbidden() end
  if not rec then return nil, reply.error("Provided " .. what .. " is incorrect.") end
  return rec
end

-- A positive amount parameter ("A decimal number"): the number, or nil (error recorded in r).
function billing.amount_param(r, name, required)
  local v = r:raw(name, required)
  if v == nil then return nil end
  local n = tonumber(v)
  if n == nil or n ~= n then return r:fail(name, string.format("Must be a decimal number, got '%s'", tostring(v))) end
  if n <= 0 then return r:fail(name, "Must be greater than 0") end
  return n
end

--- The billing account a new resource is billed to (VM creation, disks, buckets, floating IPs,
-- load balancers), or nil and a reply. id 0 or absent: the account of a token restricted to
-- one; from a global token that is an error. A restricted token may not name another account
-- (403); an unknown or deleted one is incorrect. style: "errors" for the VM application
-- (400 {"errors": {...}}), "message" for the storage and network services (400 {"message": ...}).
function billing.account_for(req, id, style)
  local t = account.restriction(req)
  local function refuse(field, text)
    if style == "message" then return nil, reply.message(400, text) end
    if field then return nil, reply.errors({ [field] = text }) end
    return nil, reply.error(text)
  end
  if id == nil or id == 0 then
    if not t then return refuse("billing_account_id", billing.NEEDED) end
    id = t.billing_account_id
  end
  if t and t.billing_account_id ~= id then return nil, account.forbidden() end
  local ba = billing.accounts()[id]
  if not ba or ba.is_deleted then return refuse(nil, billing.INCORRECT) end
  return ba
end

---------------------------------------------------------------------------
-- Seed
---------------------------------------------------------------------------

state.on_reset(function()
  state.data.billing = {}
  new_account {
    id = 6, is_default = true, created = 1519219377, title = "konto", email = state.user.email,
    additional_data = '{"link_methods": ["duitku::FT", "duitku::M1"]}',
    address_line1 = "Puiestee", city = "K\195\188la", company_name = "Firma", company_reg_code = "232",
    company_vat_number = "235235", country = "EE", county = "Moldaavia", post_index = "314243123",
    referral_share_code = "yfsx0q", recurring_payment_amount = 52, recurring_payment_threshold = 55,
    eligible_promotions = A { { amount = 17.0, credit_type = "referral_receiver", top_up_done = 2.0,
      top_up_requirement = 50.0 } },
  }
  new_account {
    id = 7, created = 1546300800, title = "Side project", email = state.user.email, country = "ID",
    referral_share_code = "k2mw7p",
  }
end)

return billing
