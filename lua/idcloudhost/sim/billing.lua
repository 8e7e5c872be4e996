-- Billing: billing accounts, payment methods (cards), credit, invoices,
-- payments, the pricing policy, this month's usage, and which billing account
-- a resource is billed to. Not location-specific, except
-- /v1/[{slug}/]user-resource/billing_resources and .../resource_billing.
--
-- State (reset with the rest, seeded as in the docs): billing account 6
-- "konto" (the default; a verified primary visa card, payment object 6;
-- 2.00 credit; invoice 1 paid, invoice 2 unpaid) and billing account 7
-- "Side project" (nothing yet). Records live in state.data.billing_accounts
-- (the account's own data) and state.data.billing (cards, credit records,
-- invoices); everything derived (credit balance, running totals, unpaid
-- amount, primary card) is computed when shown.
--
-- Money: amounts are rounded to cents. Prices per hour come from the pricing
-- policy. This month's usage is one entry per existing VM of the account (all
-- locations), charged per started hour since the VM was created; a stopped VM
-- costs only its storage.
--
-- Payments (choices where the docs are silent, see also sim/README.md):
--   * paying an invoice (pay_invoice, pay_all) uses the account's credit
--     first, then charges the verified primary card; without a card for the
--     rest: Error, nothing paid;
--   * pay_amount charges the card `amount`, paying the oldest unpaid invoices
--     first (the last one possibly partly), and reports what was left;
--   * a paid credit top-up invoice (request_invoice) adds its amount to the credit;
--   * recurring payment: when enabled and running_totals.ongoing (credit
--     minus this month's total) is below the threshold, the card is charged
--     `amount` into credit at once (payment_report.triggered = true).
--
-- Restricted tokens: a token restricted to a billing account gets
-- 403 {"errors": {"consumer::resource_forbidden": {...}}} for anything of
-- another account (and sees only its own account in the list).
-- billing.account_for(req, id, style) is the account a new resource (VM, disk, bucket,
-- floating IP, load balancer) is billed to, for every family that makes one.
local account = require "idcloudhost.sim.account"
local config = require "idcloudhost.sim.config"
local ids = require "idcloudhost.sim.ids"
local json = require "idcloudhost.sim.json"
local machine = require "idcloudhost.sim.machine"
local params = require "idcloudhost.sim.params"
local reply = require "idcloudhost.sim.reply"
local state = require "idcloudhost.sim.state"

local billing = {}

local A = json.array
local null = json.null

billing.INCORRECT = "Provided billing account is incorrect."
-- The docs: billing_account_id is "Required if using a global API token" (disks, buckets) and
-- "optional if using an API token that is restricted to one billing account" (VMs); the live
-- platform's text (docs/api-notes.md of zorgatia/terraform-provider-cloudaxion, section 13).
billing.NEEDED = "'billing_account_id' is required if using a global API token"

-- GET /v1/pricing/policy, as in the docs.
billing.POLICY = A {
  { numCpus = 1, policyId = 1001, price = 0.00521, resourceType = "CPU", serviceNameUserFriendly = "1 CPU" },
  { megsRam = 512, policyId = 1010, price = 0.001645, resourceType = "RAM", serviceNameUserFriendly = "0.5 GB RAM" },
  { megsRam = 1024, policyId = 1011, price = 0.00329, resourceType = "RAM", serviceNameUserFriendly = "1 GB RAM" },
  { policyId = 1021, price = 3.42e-05, resourceType = "STORAGE", serviceNameInUptime = "backup",
    serviceNameUserFriendly = "Backup" },
  { policyId = 1022, price = 0.0001, resourceType = "STORAGE", serviceNameInUptime = "snapshot",
    serviceNameUserFriendly = "Snapshot" },
  { policyId = 1023, price = 0.0001, resourceType = "STORAGE", serviceNameInUptime = "main",
    serviceNameUserFriendly = "Storage" },
  { policyId = 1030, price = 0.00548, resourceType = "LICENSE", serviceNameInUptime = "windows",
    serviceNameUserFriendly = "Windows license per core per hour" },
  { policyId = 1040, price = 3.42e-05, resourceType = "OBJECT_STORAGE", serviceNameInUptime = "object_storage",
    serviceNameUserFriendly = "Object storage per gigabyte per hour" },
}

local function policy_price(id)
  for _, p in ipairs(billing.POLICY) do
    if p.policyId == id then return p.price end
  end
end

local PRICE = {
  cpu = policy_price(1001),        -- per vcpu
  ram_gb = policy_price(1011),     -- per GB of RAM
  backup_gb = policy_price(1021),
  storage_gb = policy_price(1023),
  windows_core = policy_price(1030),
}

---------------------------------------------------------------------------
-- Numbers and time
---------------------------------------------------------------------------

local function round(x, places)
  local m = 10 ^ places
  local r = math.floor(x * m + 0.5) / m
  return math.tointeger(r) or r
end

local function money(x) return round(x, 2) end

-- Seconds since the epoch of a UTC "YYYY-mm-dd HH:MM:SS".
local function epoch_utc(y, mo, d, h, mi, s)
  local now = os.time()
  local offset = now - os.time(os.date("!*t", now))
  return os.time({ year = y, month = mo, day = d, hour = h or 0, min = mi or 0, sec = s or 0, isdst = false }) + offset
end

local function parse_timestamp(ts)
  local y, mo, d, h, mi, s = tostring(ts):match("^(%d+)-(%d+)-(%d+) (%d+):(%d+):(%d+)")
  if not y then return os.time() end
  return epoch_utc(tonumber(y), tonumber(mo), tonumber(d), tonumber(h), tonumber(mi), tonumber(s))
end

-- The first second of the month `back` months before the current one (UTC).
local function month_start(back)
  local t = os.date("!*t")
  local m = t.month - back
  local y = t.year
  while m < 1 do m, y = m + 12, y - 1 end
  return epoch_utc(y, m, 1)
end

local function hex(n)
  return (ids.uuid4() .. ids.uuid4()):gsub("%-", ""):sub(1, n)
end

---------------------------------------------------------------------------
-- Records
---------------------------------------------------------------------------

local function B() return state.data.billing end

local function accounts() return state.data.billing_accounts end

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

-- What PUT /payment/billing_account replaces: strings, deleted when left out (but email).
local EDITABLE = {
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
  for _, k in ipairs(EDITABLE) do
    if f[k] ~= nil then ba[k] = f[k] end
  end
  accounts()[ba.id] = ba
  return ba
end

local function add_credit(ba_id, amount, description, created)
  local rec = {
    amount = money(amount),
    billing_account_id = ba_id,
    created = created or os.time(),
    description = description,
    id = state.next_id("credit"),
  }
  B().credits[#B().credits + 1] = rec
  return rec
end

local function credit_balance(ba_id)
  local sum = 0
  for _, c in ipairs(B().credits) do
    if c.billing_account_id == ba_id then sum = sum + c.amount end
  end
  return money(sum)
end

local CARD_BRANDS = {
  tok_visa = { "visa", "4242" },
  tok_mastercard = { "mastercard", "4444" },
  tok_amex = { "amex", "8431" },
}

local DECLINED = { tok_declined = true, tok_chargeDeclined = true }

local function new_card(ba, f)
  local id = f.id or state.next_id("payment_object")
  local identifier = f.identifier or ("pay_" .. hex(24))
  local exp_month, exp_year = 12, f.exp_year or 2030
  local card = {
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
    valid_thru = epoch_utc(exp_year + 1, 1, 1),
    _kind = "card",
    _fingerprint = hex(16),
    _customer = "cus_" .. hex(14),
    _card = { brand = f.brand, last4 = f.last4, exp_month = exp_month, exp_year = exp_year,
      holder = f.holder, country = f.country or "ID" },
  }
  B().cards[id] = card
  return card
end

local function cards_of(ba_id)
  return state.by_id(B().cards, function(c) return c.billing_account_id == ba_id end)
end

local function primary_card(ba_id)
  for _, c in ipairs(cards_of(ba_id)) do
    if c.is_primary and c.is_verified and c._kind == "card" then return c end
  end
end

local function snapshot(ba)
  return json.encode({
    address_line1 = ba.address_line1 or null, address_line2 = null, city = ba.city or null,
    company_name = ba.company_name or null, company_reg_code = ba.company_reg_code or null,
    company_vat_number = ba.company_vat_number or null, country = ba.country or null,
    county = ba.county or null, created = ba.created, credit_amount = credit_balance(ba.id),
    email = ba.email or null, id = ba.id, is_deleted = ba.is_deleted, post_index = ba.post_index or null,
    title = ba.title or null, user_id = ba.user_id,
  })
end

-- lines: { {name=, qty=, item_price=, qty_unit=, location_slug=} }
local function new_invoice(ba, f)
  local id = f.id or state.next_id("invoice")
  local created = f.created or os.time()
  local records = A()
  local subtotal = 0
  for _, l in ipairs(f.lines) do
    local amount = round(l.qty * l.item_price, 5)
    subtotal = subtotal + amount
    records[#records + 1] = {
      amount = amount, created = created, descr = l.descr or "TODO", id = state.next_id("invoice_record"),
      invoice_id = id, item_price = l.item_price, location_slug = l.location_slug or null, name = l.name,
      qty = l.qty, qty_unit = l.qty_unit or "h",
    }
  end
  subtotal = money(subtotal)
  local vat = money(subtotal * ba.vat_percentage / 100)
  local inv = {
    account_snapshot = snapshot(ba),
    billing_account_id = ba.id,
    created = created,
    discount_percentage = ba.discount_percentage,
    due_date = created + 14 * 86400,
    id = id,
    _name = f.name or "Invoice",
    padded_id = string.format("%03d", id),
    period_end = f.period_end or created,
    period_start = f.period_start or created,
    records_list = records,
    status = 5,
    totals = { subtotal = subtotal, discount_amount = 0, credit = 0, vat_tax = vat, total = money(subtotal + vat) },
    transaction_list = A(),
    vat_percentage = ba.vat_percentage,
    _paid = 0,
    _kind = f.kind or "usage",
  }
  B().invoices[id] = inv
  return inv
end

local function unpaid(inv)
  if inv.status == 10 then return 0 end
  return money(inv.totals.total - inv._paid)
end

-- Unpaid invoices of an account, oldest first.
local function unpaid_invoices(ba_id)
  local out = {}
  for _, inv in pairs(B().invoices) do
    if inv.billing_account_id == ba_id and unpaid(inv) > 0 then out[#out + 1] = inv end
  end
  table.sort(out, function(a, b)
    if a.created ~= b.created then return a.created < b.created end
    return a.id < b.id
  end)
  return out
end

local function unpaid_amount(ba_id)
  local sum = 0
  for _, inv in ipairs(unpaid_invoices(ba_id)) do sum = sum + unpaid(inv) end
  return money(sum)
end

-- Records a payment of amount on inv from card (a card record) or from credit (card nil).
local function apply_payment(inv, amount, card)
  amount = money(amount)
  if amount <= 0 then return end
  local now = os.time()
  local identifier = card and ("tran_" .. hex(28)) or ("credit_" .. hex(12))
  inv.transaction_list[#inv.transaction_list + 1] = {
    additional_data = json.encode({
      amount = math.floor(amount * 100 + 0.5), currency = "EUR", id = identifier,
      description = string.format("Payment for invoice #%d: '%s'", inv.id, inv._name),
      payment = card and card.identifier or "credit", status = "closed", type = card and "creditcard" or "credit",
    }),
    amount = amount,
    created = now,
    id = state.next_id("transaction"),
    identifier = identifier,
    payment_object_id = card and card.id or null,
  }
  if not card then add_credit(inv.billing_account_id, -amount, "Invoice payment", now) end
  inv._paid = money(inv._paid + amount)
  if inv._paid >= inv.totals.total then
    inv.status = 10
    if inv._kind == "top_up" then
      add_credit(inv.billing_account_id, inv.totals.subtotal, "Credit top-up, invoice #" .. inv.id, now)
    end
  end
end

---------------------------------------------------------------------------
-- Usage
---------------------------------------------------------------------------

local function disk_size(rec)
  local size = 0
  for _, s in ipairs(rec.storage or {}) do size = size + (tonumber(s.size) or 0) end
  return size
end

function billing.vm_price(rec)
  local disk = disk_size(rec)
  local p = disk * PRICE.storage_gb + (rec.backup and disk * PRICE.backup_gb or 0)
  if rec.status ~= "stopped" then
    p = p + rec.vcpu * PRICE.cpu + rec.memory / 1024 * PRICE.ram_gb
    if rec.os_name == "windows" then p = p + rec.vcpu * PRICE.windows_core end
  end
  return round(p, 5)
end

local function usage_of(ba_id)
  local out = A()
  local now = os.time()
  for _, l in ipairs(state.locations) do
    for _, rec in pairs(state.collection(l.slug, "vms")) do
      if rec.billing_account == ba_id then
        machine.refresh(rec)
        local stopped = rec.status == "stopped"
        local price = billing.vm_price(rec)
        local since = math.max(parse_timestamp(rec.created_at), month_start(0))
        local hours = math.max(1, math.ceil((now - since) / 3600))
        out[#out + 1] = {
          billing_account_id = ba_id,
          configurations = A { {
            cpus = rec.vcpu, disk_size_GB = disk_size(rec), os_name = rec.os_name, ram_MB = rec.memory,
            vm_name = rec.name,
          } },
          cost = round(price * hours, 5),
          description = string.format("%s, %d CPUs, %s GB RAM, %d GB disk%s", rec.name, rec.vcpu,
            string.format("%g", rec.memory / 1024), disk_size(rec), stopped and ", stopped" or ""),
          hours = hours,
          owner_uuid = rec.uuid,
          price = price,
          price_unit = "h",
          uptime_types = stopped and A { "MAIN_STORAGE" } or A { "VM_COMPUTE", "VM_RUNNING", "MAIN_STORAGE" },
          user_id = state.user.id,
          _created = rec.id,
        }
      end
    end
  end
  table.sort(out, function(a, b) return a._created < b._created end)
  for _, u in ipairs(out) do u._created = nil end
  return out
end

local function running_totals(ba)
  local subtotal = 0
  for _, u in ipairs(usage_of(ba.id)) do subtotal = subtotal + u.cost end
  subtotal = money(subtotal)
  local discount = money(subtotal * ba.discount_percentage / 100)
  local vat = money((subtotal - discount) * ba.vat_percentage / 100)
  local total = money(subtotal - discount + vat)
  local credit = credit_balance(ba.id)
  return {
    credit_amount = money(math.max(0, math.min(credit, total))),
    credit_available = credit,
    discount_amount = discount,
    ongoing = money(credit - total),
    subtotal = subtotal,
    total = total,
    vat_tax = vat,
  }
end

---------------------------------------------------------------------------
-- Views
---------------------------------------------------------------------------

local function strip(rec)
  local out = {}
  for k, v in pairs(rec) do
    if type(k) ~= "string" or k:sub(1, 1) ~= "_" then out[k] = v end
  end
  return out
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

local function primary_card_view(ba_id)
  local c = primary_card(ba_id)
  if not c then return null end
  local d = c._card
  local v = {
    card_holder = d.holder, card_type = d.brand, expire_month = d.exp_month, expire_year = d.exp_year,
    id = c.identifier, last4 = d.last4, type = "creditcard", processor_data = processor_data(c),
  }
  if config.elastis() then v.is_verified = c.is_verified end
  return v
end

-- Keys of the elastis edition's account that the idcloudhost edition's docs do not show; that
-- edition shows referral_code and running_totals.ongoing_negative_since instead.
local ELASTIS_ONLY = {
  additional_data = true, allow_debt = true, eligible_promotions = true, is_active = true, is_default = true,
  is_recurring_payment_enabled = true, recurring_payment_amount = true, recurring_payment_threshold = true,
  referral_share_code = true, reseller = true, restriction_level = true, send_invoice_email = true,
  site = true, suspend_reason = true,
}

-- An account's own data that is left out, not null, when the account has none (the docs never
-- show these as null).
local OPTIONAL = {}
for _, k in ipairs(EDITABLE) do OPTIONAL[k] = true end

function billing.view(ba)
  local has_invoice_method = false
  for _, c in ipairs(cards_of(ba.id)) do
    if c._kind == "invoice" and c.is_verified then has_invoice_method = true end
  end
  local derived = {
    can_pay = primary_card(ba.id) ~= nil or has_invoice_method,
    credit_amount = credit_balance(ba.id),
    is_active = not ba.is_deleted,
    paying_by_invoice = has_invoice_method,
    primary_card = primary_card_view(ba.id),
    running_totals = running_totals(ba),
    unpaid_amount = unpaid_amount(ba.id),
  }
  local elastis = config.elastis()
  local out = {}
  for _, k in ipairs(BA_FIELDS) do
    local v = derived[k]
    if v == nil then v = ba[k] end
    if v == nil and not OPTIONAL[k] then v = null end
    if elastis or not ELASTIS_ONLY[k] then out[k] = v end
  end
  if not elastis then
    out.referral_code = ba.referral_share_code and ba.referral_share_code:upper() or null
    local totals = out.running_totals
    totals.ongoing_negative_since = totals.ongoing < 0 and (ba._negative_since or os.time()) or null
  end
  return out
end

---------------------------------------------------------------------------
-- Access
---------------------------------------------------------------------------

-- The billing account id names, if the request may touch it: ba, or nil and a reply.
-- opts.deleted: a deleted account is fine too (GET shows it).
local function access(req, id, opts)
  local t = account.restriction(req)
  if t and t.billing_account_id ~= id then return nil, account.forbidden() end
  local ba = id and accounts()[id]
  if not ba or (ba.is_deleted and not (opts and opts.deleted)) then
    return nil, reply.error(billing.INCORRECT)
  end
  return ba
end

-- Reads the required billing_account_id parameter and checks access.
local function account_param(req, r, opts)
  r = r or params.reader(req.params)
  local id = r:int("billing_account_id", true)
  if r:failed() then return nil, reply.errors(r.errors) end
  return access(req, id, opts)
end

local function card_param(req, r)
  r = r or params.reader(req.params)
  local id = r:int("payment_object_id", true)
  if r:failed() then return nil, reply.errors(r.errors) end
  local card = B().cards[id]
  local t = account.restriction(req)
  if card and t and t.billing_account_id ~= card.billing_account_id then return nil, account.forbidden() end
  if not card then return nil, reply.error("Provided payment object is incorrect.") end
  return card
end

local function invoice_param(req)
  local r = params.reader(req.params)
  local id = r:int("invoice_id", true)
  if r:failed() then return nil, reply.errors(r.errors) end
  local inv = B().invoices[id]
  local t = account.restriction(req)
  if inv and t and t.billing_account_id ~= inv.billing_account_id then return nil, account.forbidden() end
  if not inv then return nil, reply.error("Provided invoice is incorrect.") end
  return inv
end

-- A positive amount parameter ("A decimal number"): the number, or nil (error recorded in r).
local function amount_param(r, name, required)
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
  local ba = accounts()[id]
  if not ba or ba.is_deleted then return refuse(nil, billing.INCORRECT) end
  return ba
end

---------------------------------------------------------------------------
-- Handlers: billing accounts
---------------------------------------------------------------------------

local function sorted_accounts(req, with_deleted)
  local t = account.restriction(req)
  local out = state.by_id(accounts(), function(ba)
    return (with_deleted or not ba.is_deleted) and (not t or t.billing_account_id == ba.id)
  end)
  for i, ba in ipairs(out) do out[i] = billing.view(ba) end
  return out
end

function billing.list_accounts(req)
  -- "Additionally 'show_shadow' attribute may be added (any value)": presence is enough.
  return reply.ok(sorted_accounts(req, req.params.show_shadow ~= nil))
end

function billing.get_account(req)
  local ba, err = account_param(req, nil, { deleted = true })
  if not ba then return err end
  return reply.ok(billing.view(ba))
end

function billing.update_account(req)
  local r = params.reader(req.params)
  local values = {}
  for _, k in ipairs(EDITABLE) do values[k] = r:str(k) end
  local send_invoice_email = r:bool("send_invoice_email")
  if values.email and not values.email:find("^[^@%s]+@[^@%s]+$") then r:fail("email", "Must be an e-mail address") end
  local ba, err = account_param(req, r)
  if not ba then return err end
  for _, k in ipairs(EDITABLE) do
    -- A field left out is deleted ("PS! e-mail field can't be deleted").
    if values[k] ~= nil or k ~= "email" then ba[k] = values[k] end
  end
  if send_invoice_email ~= nil then ba.send_invoice_email = send_invoice_email end
  return reply.ok(billing.view(ba))
end

local function has_resources(ba_id)
  for _, l in ipairs(state.locations) do
    for _, rec in pairs(state.collection(l.slug, "vms")) do
      if rec.billing_account == ba_id then return true end
    end
  end
  return false
end

function billing.delete_account(req)
  local ba, err = account_param(req)
  if not ba then return err end
  if ba.is_default then return reply.error("The default billing account cannot be deleted.") end
  if has_resources(ba.id) then
    return reply.error("Billing account " .. ba.id .. " still has resources: move or delete them first.")
  end
  if unpaid_amount(ba.id) > 0 then
    return reply.error("Billing account " .. ba.id .. " has unpaid invoices.")
  end
  ba.is_deleted = true
  ba.is_default = false
  return reply.success()
end

function billing.set_default(req)
  local ba, err = account_param(req)
  if not ba then return err end
  for _, other in pairs(accounts()) do other.is_default = false end
  ba.is_default = true
  return reply.success()
end

function billing.unpaid(req)
  local ba, err = account_param(req)
  if not ba then return err end
  return reply.ok({ message = unpaid_amount(ba.id) })
end

function billing.recurring(req)
  local r = params.reader(req.params)
  local id = params.to_int(req.vars.billing_account_id)
  if id == nil then r:fail("billing_account_id", "Must be a whole number") end
  local enabled = r:bool("is_recurring_payment_enabled")
  if enabled == nil and not r.errors.is_recurring_payment_enabled then
    r:fail("is_recurring_payment_enabled", params.MISSING)
  end
  local amount = amount_param(r, "recurring_payment_amount")
  local threshold
  if r:present("recurring_payment_threshold") then
    threshold = tonumber(r:raw("recurring_payment_threshold"))
    if threshold == nil or threshold < 0 then
      r:fail("recurring_payment_threshold", "Must be a decimal number >= 0")
    end
  end
  if r:failed() then return reply.errors(r.errors) end
  local ba, err = access(req, id)
  if not ba then return err end
  local new_amount = amount or ba.recurring_payment_amount
  local new_threshold = threshold or ba.recurring_payment_threshold
  local card = primary_card(ba.id)
  if enabled then
    if new_amount <= 0 then
      return reply.errors({ recurring_payment_amount = "Must be greater than 0" })
    end
    if not card then
      return reply.error("Recurring payment needs a payment method capable of automated payments (a verified credit card).")
    end
  end
  ba.is_recurring_payment_enabled = enabled
  ba.recurring_payment_amount = new_amount
  ba.recurring_payment_threshold = new_threshold
  local triggered = false
  if enabled and running_totals(ba).ongoing < new_threshold then
    add_credit(ba.id, new_amount, "Recurring payment")
    triggered = true
  end
  return reply.ok({ payment_report = { triggered = triggered, errors = A() }, account = billing.view(ba) })
end

function billing.apply_for_invoice_payment(req)
  local ba, err = account_param(req)
  if not ba then return err end
  for _, c in ipairs(cards_of(ba.id)) do
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
    is_primary = primary_card(ba.id) == nil,
    is_verified = false,
    valid_thru = 4102358400,
    _kind = "invoice",
  }
  B().cards[id] = obj
  return reply.ok(strip(obj))
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

function billing.resources(req)
  local r = params.reader(req.params)
  local id = r:int("id", true)
  local rtype = r:str("resource_type", false, "vm")
  if rtype ~= "vm" then r:fail("resource_type", "Must be one of: vm") end
  if r:failed() then return reply.errors(r.errors) end
  local ba, err = access(req, id)
  if not ba then return err end
  local out = state.by_id(state.collection(req.loc, "vms"), function(rec) return rec.billing_account == ba.id end)
  for i, rec in ipairs(out) do out[i] = resource_view(rec) end
  return reply.ok(out)
end

function billing.resource_billing(req)
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
  local ba, err = access(req, id)
  if not ba then return err end
  rec.billing_account = ba.id
  return reply.success()
end

---------------------------------------------------------------------------
-- Handlers: cards
---------------------------------------------------------------------------

function billing.get_card(req)
  local card, err = card_param(req)
  if not card then return err end
  return reply.ok(strip(card))
end

function billing.list_cards(req)
  local ba, err = account_param(req)
  if not ba then return err end
  local out = A()
  for i, c in ipairs(cards_of(ba.id)) do out[i] = strip(c) end
  return reply.ok(out)
end

function billing.add_card(req)
  local r = params.reader(req.params)
  local token = r:str("token", true)
  if token == "" then r:fail("token", "Must not be empty") end
  local ba, err = account_param(req, r)
  if not ba then return err end
  if DECLINED[token] then return reply.error("The card was declined.") end
  local brand = CARD_BRANDS[token] or { "visa", "1111" }
  local card = new_card(ba, { brand = brand[1], last4 = brand[2], holder = ba.title or ba.email, created = os.time() })
  card.is_primary = primary_card(ba.id) == nil
  return reply.ok(strip(card))
end

function billing.delete_card(req)
  local card, err = card_param(req)
  if not card then return err end
  B().cards[card.id] = nil
  local ba_id = card.billing_account_id
  if card.is_primary then
    for _, c in ipairs(cards_of(ba_id)) do
      if c._kind == "card" and c.is_verified then c.is_primary = true break end
    end
  end
  local ba = accounts()[ba_id]
  if ba and not primary_card(ba_id) then ba.is_recurring_payment_enabled = false end
  return reply.success()
end

function billing.set_primary(req)
  local card, err = card_param(req)
  if not card then return err end
  if not card.is_verified then
    return reply.error("Payment method " .. card.id .. " is not verified.")
  end
  for _, c in ipairs(cards_of(card.billing_account_id)) do c.is_primary = false end
  card.is_primary = true
  return reply.success()
end

---------------------------------------------------------------------------
-- Handlers: credit
---------------------------------------------------------------------------

function billing.list_credit(req)
  local ba, err = account_param(req)
  if not ba then return err end
  -- newest first, like the docs
  return reply.ok(state.by_id(B().credits, function(c) return c.billing_account_id == ba.id end, true))
end

function billing.buy_credit(req)
  local r = params.reader(req.params)
  local amount = amount_param(r, "amount", true)
  r:int("payment_object_id", true)
  local ba, err = account_param(req, r)
  if not ba then return err end
  local card, cerr = card_param(req)
  if not card then return cerr end
  if card.billing_account_id ~= ba.id then
    return reply.error("Payment object " .. card.id .. " does not belong to billing account " .. ba.id .. ".")
  end
  if not card.is_verified or card._kind ~= "card" then
    return reply.error("Payment method " .. card.id .. " is not verified.")
  end
  add_credit(ba.id, amount, "Credit purchase")
  return reply.success()
end

function billing.request_invoice(req)
  local r = params.reader(req.params)
  local amount = amount_param(r, "amount", true)
  local ba, err = account_param(req, r)
  if not ba then return err end
  new_invoice(ba, {
    name = "Credit top-up", kind = "top_up",
    lines = { { name = "Credit top-up", descr = "Credit top-up by bank transfer", qty = 1, qty_unit = "pcs",
      item_price = money(amount) } },
  })
  return reply.success()
end

---------------------------------------------------------------------------
-- Handlers: invoices and payments
---------------------------------------------------------------------------

-- An invoice; the idcloudhost edition's records have no location_slug.
local function invoice_view(inv)
  local out = strip(inv)
  if not config.elastis() then
    local records = A()
    for i, rec in ipairs(inv.records_list) do
      local r = {}
      for k, v in pairs(rec) do if k ~= "location_slug" then r[k] = v end end
      records[i] = r
    end
    out.records_list = records
  end
  return out
end

function billing.get_invoice(req)
  local inv, err = invoice_param(req)
  if not inv then return err end
  return reply.ok(invoice_view(inv))
end

function billing.list_invoices(req)
  local ba, err = account_param(req)
  if not ba then return err end
  -- newest first, like the docs
  local out = state.by_id(B().invoices, function(inv) return inv.billing_account_id == ba.id end, true)
  for i, inv in ipairs(out) do out[i] = invoice_view(inv) end
  return reply.ok(out)
end

local NO_METHOD = "No payment method to pay with: add a verified card or buy credit."

-- Pays invoices in full, credit first then the primary card. Returns the
-- amount paid, or nil and a reply (then nothing was paid).
local function pay_in_full(ba_id, list)
  local card = primary_card(ba_id)
  local credit = credit_balance(ba_id)
  local need_card = 0
  for _, inv in ipairs(list) do
    local due = unpaid(inv)
    local from_credit = inv._kind == "top_up" and 0 or math.min(credit, due)
    credit = credit - from_credit
    need_card = need_card + (due - from_credit)
  end
  if money(need_card) > 0 and not card then return nil, reply.error(NO_METHOD) end
  local total = 0
  for _, inv in ipairs(list) do
    local due = unpaid(inv)
    local from_credit = inv._kind == "top_up" and 0 or math.min(math.max(credit_balance(ba_id), 0), due)
    apply_payment(inv, from_credit, nil)
    apply_payment(inv, due - from_credit, card)
    total = total + due
  end
  return money(total)
end

local function id_list(list)
  local out = {}
  for i, inv in ipairs(list) do out[i] = "#" .. inv.id end
  return table.concat(out, ", ")
end

function billing.pay_invoice(req)
  local inv, err = invoice_param(req)
  if not inv then return err end
  if inv.status == 10 then return reply.error("Invoice " .. inv.id .. " is already paid.") end
  local ok, perr = pay_in_full(inv.billing_account_id, { inv })
  if not ok then return perr end
  return reply.success()
end

function billing.pay_all(req)
  local ba, err = account_param(req)
  if not ba then return err end
  local list = unpaid_invoices(ba.id)
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

function billing.pay_amount(req)
  local r = params.reader(req.params)
  local amount = amount_param(r, "amount", true)
  local ba, err = account_param(req, r)
  if not ba then return err end
  local list = unpaid_invoices(ba.id)
  local card = primary_card(ba.id)
  if #list > 0 and not card then return reply.error(NO_METHOD) end
  local left = money(amount)
  local touched, paid_ids = {}, A()
  for _, inv in ipairs(list) do
    if left <= 0 then break end
    local pay = math.min(unpaid(inv), left)
    apply_payment(inv, pay, card)
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

function billing.campaigns()
  return reply.ok({ success = B().campaigns })
end

function billing.policy()
  return reply.ok({ policy = billing.POLICY })
end

function billing.usage(req)
  local ba, err = account_param(req)
  if not ba then return err end
  return reply.ok(usage_of(ba.id))
end

---------------------------------------------------------------------------
-- Seed
---------------------------------------------------------------------------

local function seed()
  state.data.billing = { cards = {}, credits = {}, invoices = {}, campaigns = true }
  local konto = new_account {
    id = 6, is_default = true, created = 1519219377, title = "konto", email = state.user.email,
    additional_data = '{"link_methods": ["duitku::FT", "duitku::M1"]}',
    address_line1 = "Puiestee", city = "K\u{fc}la", company_name = "Firma", company_reg_code = "232",
    company_vat_number = "235235", country = "EE", county = "Moldaavia", post_index = "314243123",
    referral_share_code = "yfsx0q", recurring_payment_amount = 52, recurring_payment_threshold = 55,
    eligible_promotions = A { { amount = 17.0, credit_type = "referral_receiver", top_up_done = 2.0,
      top_up_requirement = 50.0 } },
  }
  new_account {
    id = 7, created = 1546300800, title = "Side project", email = state.user.email, country = "ID",
    referral_share_code = "k2mw7p",
  }
  local card = new_card(konto, { id = 6, identifier = "pay_e566cf1e776c91857c5d55c0", brand = "visa",
    last4 = "1111", holder = "Inimene", country = "DE", created = 1519219380, exp_year = 2029 })
  card.is_primary = true
  state.data.counters.payment_object = 6
  add_credit(6, 2.0, "First billing account", 1519219377)

  -- Invoice 1 (two months ago): paid with the card; invoice 2 (last month): unpaid.
  local two, one, this = month_start(2), month_start(1), month_start(0)
  local paid = new_invoice(konto, {
    created = one + 3600, period_start = two, period_end = one,
    lines = {
      { name = "web-old, 2 CPUs, 2 GB RAM, 20 GB disk", qty = 24, item_price = 0.02882, location_slug = "cyc01" },
      { name = "web-old, 2 CPUs, 2 GB RAM, 20 GB disk, stopped", qty = 150, item_price = 0.0028,
        location_slug = "cyc01" },
    },
  })
  apply_payment(paid, paid.totals.total, card)
  for _, t in ipairs(paid.transaction_list) do t.created = paid.created + 600 end
  new_invoice(konto, {
    created = this + 3600, period_start = one, period_end = this,
    lines = {
      { name = "db-1, 2 CPUs, 2 GB RAM, 20 GB disk", qty = 700, item_price = 0.02882, location_slug = "cyc01" },
      { name = "db-1, snapshots", qty = 154, item_price = 0.0084, location_slug = "cyc01" },
    },
  })
end

state.on_reset(seed)

function billing.register(router)
  local L = { loc = true }
  router.add("GET", "/v1/payment/billing_account/list", billing.list_accounts)
  router.add("GET", "/v1/payment/billing_account", billing.get_account)
  router.add("PUT", "/v1/payment/billing_account", billing.update_account)
  router.add("DELETE", "/v1/payment/billing_account", billing.delete_account)
  router.add("PUT", "/v1/payment/billing_account/{billing_account_id}/recurring_payment", billing.recurring)
  router.add("POST", "/v1/payment/billing_account/set_default", billing.set_default)
  router.add("GET", "/v1/payment/billing_account/unpaid_amount", billing.unpaid)
  router.add("POST", "/v1/payment/apply_for_invoice_payment", billing.apply_for_invoice_payment)
  router.add("GET", "/v1/user-resource/billing_resources", billing.resources, L)
  router.add("POST", "/v1/user-resource/resource_billing", billing.resource_billing, L)
  router.add("GET", "/v1/payment/card", billing.get_card)
  router.add("POST", "/v1/payment/card", billing.add_card)
  router.add("DELETE", "/v1/payment/card", billing.delete_card)
  router.add("GET", "/v1/payment/card/list", billing.list_cards)
  router.add("PUT", "/v1/payment/card/set_primary", billing.set_primary)
  router.add("GET", "/v1/payment/credit/list", billing.list_credit)
  router.add("POST", "/v1/payment/credit/buy", billing.buy_credit)
  router.add("POST", "/v1/payment/credit/request_invoice", billing.request_invoice)
  router.add("GET", "/v1/payment/invoice", billing.get_invoice)
  router.add("GET", "/v1/payment/invoice/list", billing.list_invoices)
  router.add("POST", "/v1/payment/pay_all", billing.pay_all)
  router.add("POST", "/v1/payment/pay_amount", billing.pay_amount)
  router.add("POST", "/v1/payment/pay_invoice", billing.pay_invoice)
  router.add("GET", "/v1/payment/has_active_campaigns", billing.campaigns)
  router.add("GET", "/v1/pricing/policy", billing.policy)
  router.add("GET", "/v1/charging/usage", billing.usage)
end

return billing
