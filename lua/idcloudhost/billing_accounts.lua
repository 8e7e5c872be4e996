-- Billing accounts: client.billing_accounts and billing account objects, with everything that
-- hangs off one account: its resources, cards, credit, invoices, payments and this month's usage
-- (endpoints 75-84, 88, 90-92, 94-96, 100 of endpoints.md).
local cards = require "idcloudhost.cards"
local check = require "idcloudhost.check"
local errors = require "idcloudhost.errors"
local invoices = require "idcloudhost.invoices"
local nested = require "idcloudhost.nested"
local resource = require "idcloudhost.resource"
local vms = require "idcloudhost.vms"

local ID = { billing_account_id = "integer!" }

-- The account's own data: what a PUT replaces (a field left out of a PUT is deleted).
local FIELDS = {
  title = "string", email = "string", company_name = "string", company_reg_code = "string",
  company_vat_number = "string", address_line1 = "string", city = "string", county = "string",
  country = "string", post_index = "string", send_invoice_email = "boolean",
}

local function with_id(extra)
  local t = { billing_account_id = "integer!" }
  for k, v in pairs(extra or {}) do t[k] = v end
  return t
end

local E = resource.endpoints("billing_account", {
  list        = { "GET",    "payment/billing_account/list", query = { show_shadow = "boolean" } },
  get         = { "GET",    "payment/billing_account", query = ID },
  update      = { "PUT",    "payment/billing_account", form = with_id(FIELDS) },
  delete      = { "DELETE", "payment/billing_account", form = ID },
  recurring   = { "PUT",    "payment/billing_account/{billing_account_id}/recurring_payment", path = ID,
    form = { is_recurring_payment_enabled = "boolean!", recurring_payment_amount = "number",
      recurring_payment_threshold = "number" } },
  set_default = { "POST",   "payment/billing_account/set_default", form = ID },
  unpaid      = { "GET",    "payment/billing_account/unpaid_amount", query = ID },
  apply_invoice_payment = { "POST", "payment/apply_for_invoice_payment", form = ID },
  resources   = { "GET",    "user-resource/billing_resources", loc = true,
    query = { id = "integer!", resource_type = "string" } },
  assign      = { "POST",   "user-resource/resource_billing", loc = true,
    form = { billing_account_id = "integer!", resource_type = "string", uuid = "uuid!" } },
  credits     = { "GET",    "payment/credit/list", query = ID },
  buy_credit  = { "POST",   "payment/credit/buy",
    form = with_id { payment_object_id = "integer!", amount = "number!" } },
  request_invoice = { "POST", "payment/credit/request_invoice", form = with_id { amount = "number!" } },
  pay_all     = { "POST",   "payment/pay_all", form = ID },
  pay_amount  = { "POST",   "payment/pay_amount", form = with_id { amount = "number!" } },
  usage       = { "GET",    "charging/usage", query = ID },
})

local NESTED = { "additional_data" }

-- An account as the platform shows it, made ready to be an object: nested JSON decoded, and its
-- unpaid_amount field left out, which would hide the unpaid_amount() method.
local function prepare(data)
  if type(data) ~= "table" then return data end
  nested.decode(data, NESTED)
  data.unpaid_amount = nil
  return data
end

local function summary(ba)
  local flags = (ba.is_default and " default" or "") .. (ba.is_deleted and " deleted" or "")
  return string.format("%s %q%s", tostring(ba.id), tostring(ba.title or ""), flags)
end

local BillingAccount = resource.model { name = "billing_account", key = "id", summary = summary }

local function wrap(client, data, err)
  if data == nil then return nil, err end
  return resource.wrap(BillingAccount, client, prepare(data))
end

------------------------------------------------------------------------------------------------
-- The default billing account, for calls that need one (VM creation): fetched once per client
-- and shared by every client made from it with client:at.  Keyed on the settings table they share.

local defaults = setmetatable({}, { __mode = "k" }) -- client._cfg -> id, or false for "none"

-- The default account of a list: the one marked is_default, else the only one (a token
-- restricted to one billing account sees just that one).
local function pick_default(list)
  local live = {}
  for _, ba in ipairs(list) do
    if type(ba) == "table" and not ba.is_deleted then
      if ba.is_default then return ba.id end
      live[#live + 1] = ba
    end
  end
  if #live == 1 then return live[1].id end
end

local billing_accounts = {}

--- The id of the default billing account of client's api key (nil when there is none), or nil, err.
function billing_accounts.default_id(client)
  local cached = defaults[client._cfg]
  if cached ~= nil then return cached or nil end
  local list, err = client:call(E.list)
  if list == nil then return nil, err end
  if type(list) ~= "table" then
    return nil, errors.new { kind = "decode", message = "billing_account:list: expected a list" }
  end
  local id = pick_default(list)
  defaults[client._cfg] = id or false
  return id
end

------------------------------------------------------------------------------------------------
-- client.billing_accounts

local BillingAccounts = {}

--- The billing accounts of the user; {show_shadow = true} adds the deleted ones.
function BillingAccounts:list(opts)
  local p = {}
  if type(opts) == "table" then
    for k, v in pairs(opts) do p[k] = v end
    -- Any value of show_shadow, false included, shows the deleted accounts: send it only for true.
    if p.show_shadow == false then p.show_shadow = nil end
  elseif opts ~= nil then
    p[1] = opts
  end
  local data, err = self.client:call(E.list, p)
  if data == nil then return nil, err end
  if type(data) == "table" then
    for _, ba in ipairs(data) do prepare(ba) end
  end
  return resource.wrap_list(BillingAccount, self.client, data)
end

--- One billing account by id.
function BillingAccounts:get(id)
  return wrap(self.client, self.client:call(E.get, { billing_account_id = id }))
end

--- The default billing account (is_default, or the only one a restricted token sees).
function BillingAccounts:default()
  local list, err = self:list()
  if not list then return nil, err end
  local id = pick_default(list)
  for _, ba in ipairs(list) do
    if ba.id == id then return ba end
  end
  return nil, errors.new { kind = "api", message = "no default billing account", not_found = true }
end

------------------------------------------------------------------------------------------------
-- Billing account objects

--- Calls ep with this account's id and params.
function BillingAccount:_with(ep, params)
  local p = { billing_account_id = self.id }
  for k, v in pairs(params or {}) do p[k] = v end
  return self:_call(ep, p)
end

--- Fetches the account again and updates this object in place.
function BillingAccount:reload()
  local data, err = self:_with(E.get)
  return self:_apply(prepare(data), err)
end

--- Changes the account's data (title, email, company_name, address_line1, city, country...).
-- The platform deletes every field a PUT leaves out, so this sends the account's current data
-- (fetched afresh) merged with the changes.  Returns the account, updated in place.
function BillingAccount:update(changes)
  local p, err = check.params("billing_account:update", FIELDS, changes)
  if not p then return nil, err end
  if next(p) == nil then
    return nil, errors.invalid("billing_account:update: give at least one field to change")
  end
  local current
  current, err = self:_with(E.get)
  if current == nil then return nil, err end
  local send = {}
  for k, spec in pairs(FIELDS) do
    local v = current[k]
    if v ~= nil and check.value("billing_account:update", k, spec, v) ~= nil then send[k] = v end
  end
  for k, v in pairs(changes) do send[k] = v end
  local data
  data, err = self:_with(E.update, send)
  return self:_apply(prepare(data), err)
end

--- Deletes the account (not the default one, nor one with resources or unpaid invoices).  Returns true.
function BillingAccount:delete()
  local ok, err = resource.success(self:_with(E.delete))
  if not ok then return nil, err end
  local cfg = self:_client()._cfg
  if defaults[cfg] == self.id then defaults[cfg] = nil end
  return true
end

--- Makes this the default billing account.  Returns true.
function BillingAccount:set_default()
  local ok, err = resource.success(self:_with(E.set_default))
  if not ok then return nil, err end
  self.is_default = true
  defaults[self:_client()._cfg] = self.id
  return true
end

--- The unpaid total of the account's invoices, VAT included: a number.
function BillingAccount:unpaid_amount()
  local data, err = self:_with(E.unpaid)
  if data == nil then return nil, err end
  local n = type(data) == "table" and tonumber(data.message)
  if not n then
    return nil, errors.new { kind = "decode", message = "billing_account:unpaid_amount: the answer holds no amount" }
  end
  return n
end

--- Configures the automatic top-up: {enabled = true, amount = 50, threshold = 10} tops up `amount`
-- with the primary card whenever the running balance goes below `threshold`.
-- Returns the payment report ({triggered = bool, errors = {...}}); the account is updated in place.
function BillingAccount:set_recurring_payment(opts)
  local p, err = check.params("billing_account:set_recurring_payment",
    { enabled = "boolean!", amount = "number", threshold = "number" }, opts)
  if not p then return nil, err end
  local data
  data, err = self:_with(E.recurring, { is_recurring_payment_enabled = p.enabled,
    recurring_payment_amount = p.amount, recurring_payment_threshold = p.threshold })
  if data == nil then return nil, err end
  if type(data) == "table" and type(data.account) == "table" then
    self:_update(prepare(data.account))
  end
  return type(data) == "table" and data.payment_report or {}
end

--- Applies for paying by invoice: a new payment object, unverified until an admin verifies it.
function BillingAccount:apply_for_invoice_payment()
  return cards.wrap(self:_client(), self:_with(E.apply_invoice_payment))
end

--- The resources billed to this account in the client's location: VM objects.
-- opts.resource_type: "vm" (the default).
function BillingAccount:resources(opts)
  local p = { id = self.id }
  if type(opts) == "table" then
    for k, v in pairs(opts) do p[k] = v end
  elseif opts ~= nil then
    p[1] = opts
  end
  return resource.wrap_list(vms.model, self:_client(), self:_call(E.resources, p))
end

--- Bills a VM (object or uuid, in the client's location) to this account.  Returns true.
function BillingAccount:assign(vm)
  local uuid, err = resource.uuid_of("billing_account:assign", "uuid", vm)
  if not uuid then return nil, err end
  local ok
  ok, err = resource.success(self:_with(E.assign, { uuid = uuid, resource_type = "vm" }))
  if not ok then return nil, err end
  if type(vm) == "table" then vm.billing_account = self.id end
  return true
end

--- The account's payment methods: card objects.
function BillingAccount:cards()
  return cards.wrap_list(self:_client(), self:_with(cards.endpoints.list))
end

--- Adds a card from a payment processor token.  Returns the new card.
function BillingAccount:add_card(token)
  return cards.wrap(self:_client(), self:_with(cards.endpoints.add, { token = token }))
end

--- The account's credit records ({amount, created, description, id, ...}), newest first.
function BillingAccount:credits()
  return self:_with(E.credits)
end

--- Buys credit with a card: {payment_object_id = card or card.id, amount = 100}.  Returns true.
function BillingAccount:buy_credit(opts)
  local p = {}
  if type(opts) == "table" then
    for k, v in pairs(opts) do p[k] = v end
    if type(p.payment_object_id) == "table" then p.payment_object_id = p.payment_object_id.id end
  elseif opts ~= nil then
    p[1] = opts
  end
  return resource.success(self:_with(E.buy_credit, p))
end

--- Asks for an invoice to top up credit by amount with a bank transfer.  Returns true.
function BillingAccount:request_invoice(amount)
  return resource.success(self:_with(E.request_invoice, { amount = amount }))
end

--- The account's invoices: invoice objects.
function BillingAccount:invoices()
  return invoices.wrap_list(self:_client(), self:_with(invoices.endpoints.list))
end

--- Pays every unpaid invoice, oldest first.  Returns the platform's report
-- ({success, paid_invoices, amount_used, amount_left, message, error_log}).
function BillingAccount:pay_all()
  return self:_with(E.pay_all)
end

--- Pays amount towards the unpaid invoices, oldest first.  Returns the report: amount_used,
-- amount_left (what was not needed), paid_invoices (ids paid fully or partly), message.
function BillingAccount:pay_amount(amount)
  return self:_with(E.pay_amount, { amount = amount })
end

--- This month's charges: one entry per resource ({description, hours, price, cost, ...}).
function BillingAccount:usage()
  return self:_with(E.usage)
end

billing_accounts.new = resource.collection(BillingAccounts)
billing_accounts.model = BillingAccount
billing_accounts.endpoints = E
return billing_accounts
