-- Invoices of billing accounts: /v1/payment/invoice[/list], and
-- /v1/payment/credit/request_invoice (a credit top-up invoice). Paying them is billing_payment's.
--
-- Records live in state.data.billing.invoices[id]: the invoice as the API shows it, plus the
-- simulator's own `_name`, `_kind` ("usage" or "top_up") and `_paid` (the amount paid so far).
-- Status 5 is unpaid, 10 paid; a payment is a transaction of the invoice (invoice.record_payment),
-- from credit or from a card. A paid top-up invoice adds its amount to the credit.
-- Seeded (after the card and the credit they use): invoice 1 of billing account 6 (two months
-- ago, paid with card 6) and invoice 2 (last month, unpaid).
local billing = require "idcloudhost.sim.billing"
local card = require "idcloudhost.sim.billing_card"
local credit = require "idcloudhost.sim.billing_credit"
local ids = require "idcloudhost.sim.ids"
local json = require "idcloudhost.sim.json"
local params = require "idcloudhost.sim.params"
local reply = require "idcloudhost.sim.reply"
local state = require "idcloudhost.sim.state"

local invoice = {}

local A = json.array
local null = json.null
local money = billing.money

local function invoices() return billing.store().invoices end

---------------------------------------------------------------------------
-- Records
---------------------------------------------------------------------------

local function snapshot(ba)
  return json.encode({
    address_line1 = ba.address_line1 or null, address_line2 = null, city = ba.city or null,
    company_name = ba.company_name or null, company_reg_code = ba.company_reg_code or null,
    company_vat_number = ba.company_vat_number or null, country = ba.country or null,
    county = ba.county or null, created = ba.created, credit_amount = credit.balance(ba.id),
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
    local amount = billing.round(l.qty * l.item_price, 5)
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
  invoices()[id] = inv
  return inv
end

-- What is left to pay of inv.
function invoice.unpaid(inv)
  if inv.status == 10 then return 0 end
  return money(inv.totals.total - inv._paid)
end

-- Unpaid invoices of an account, oldest first.
function invoice.unpaid_list(ba_id)
  local out = {}
  for _, inv in pairs(invoices()) do
    if inv.billing_account_id == ba_id and invoice.unpaid(inv) > 0 then out[#out + 1] = inv end
  end
  table.sort(out, function(a, b)
    if a.created ~= b.created then return a.created < b.created end
    return a.id < b.id
  end)
  return out
end

-- What the account owes: the sum of its unpaid invoices.
function invoice.unpaid_amount(ba_id)
  local sum = 0
  for _, inv in ipairs(invoice.unpaid_list(ba_id)) do sum = sum + invoice.unpaid(inv) end
  return money(sum)
end

-- Records a payment of amount on inv from c (a card record) or from credit (c nil).
function invoice.record_payment(inv, amount, c)
  amount = money(amount)
  if amount <= 0 then return end
  local now = os.time()
  local identifier = c and ("tran_" .. ids.hex(28)) or ("credit_" .. ids.hex(12))
  inv.transaction_list[#inv.transaction_list + 1] = {
    additional_data = json.encode({
      amount = math.floor(amount * 100 + 0.5), currency = "EUR", id = identifier,
      description = string.format("Payment for invoice #%d: '%s'", inv.id, inv._name),
      payment = c and c.identifier or "credit", status = "closed", type = c and "creditcard" or "credit",
    }),
    amount = amount,
    created = now,
    id = state.next_id("transaction"),
    identifier = identifier,
    payment_object_id = c and c.id or null,
  }
  if not c then credit.add(inv.billing_account_id, -amount, "Invoice payment", now) end
  inv._paid = money(inv._paid + amount)
  if inv._paid >= inv.totals.total then
    inv.status = 10
    if inv._kind == "top_up" then
      credit.add(inv.billing_account_id, inv.totals.subtotal, "Credit top-up, invoice #" .. inv.id, now)
    end
  end
end

---------------------------------------------------------------------------
-- Handlers
---------------------------------------------------------------------------

-- Reads the required invoice_id parameter and checks access: the invoice, or nil and a reply.
function invoice.param(req)
  return billing.record_param(req, nil, "invoice_id", invoices(), "invoice")
end

-- An invoice (its records with location_slug in both editions: the 2025-12 idcloudhost text
-- shows it too, as the elastis one does).
local function invoice_view(inv)
  return billing.strip(inv)
end

function invoice.get(req)
  local inv, err = invoice.param(req)
  if not inv then return err end
  return reply.ok(invoice_view(inv))
end

function invoice.list(req)
  local ba, err = billing.account_param(req)
  if not ba then return err end
  -- newest first, like the docs
  local out = state.by_id(invoices(), function(inv) return inv.billing_account_id == ba.id end, true)
  for i, inv in ipairs(out) do out[i] = invoice_view(inv) end
  return reply.ok(out)
end

function invoice.request(req)
  local r = params.reader(req.params)
  local amount = billing.amount_param(r, "amount", true)
  local ba, err = billing.account_param(req, r)
  if not ba then return err end
  new_invoice(ba, {
    name = "Credit top-up", kind = "top_up",
    lines = { { name = "Credit top-up", descr = "Credit top-up by bank transfer", qty = 1, qty_unit = "pcs",
      item_price = money(amount) } },
  })
  return reply.success()
end

state.on_reset(function()
  billing.store().invoices = {}
  local konto = billing.accounts()[6]
  -- Invoice 1 (two months ago): paid with the card; invoice 2 (last month): unpaid.
  local two, one, this = billing.month_start(2), billing.month_start(1), billing.month_start(0)
  local paid = new_invoice(konto, {
    created = one + 3600, period_start = two, period_end = one,
    lines = {
      { name = "web-old, 2 CPUs, 2 GB RAM, 20 GB disk", qty = 24, item_price = 0.02882, location_slug = "cyc01" },
      { name = "web-old, 2 CPUs, 2 GB RAM, 20 GB disk, stopped", qty = 150, item_price = 0.0028,
        location_slug = "cyc01" },
    },
  })
  invoice.record_payment(paid, paid.totals.total, card.primary(6))
  for _, t in ipairs(paid.transaction_list) do t.created = paid.created + 600 end
  new_invoice(konto, {
    created = this + 3600, period_start = one, period_end = this,
    lines = {
      { name = "db-1, 2 CPUs, 2 GB RAM, 20 GB disk", qty = 700, item_price = 0.02882, location_slug = "cyc01" },
      { name = "db-1, snapshots", qty = 154, item_price = 0.0084, location_slug = "cyc01" },
    },
  })
end)

return invoice
