--- Billing accounts: client.billing_accounts and billing account objects, with everything that
-- hangs off one account: its resources, cards, credit, invoices, payments and this month's usage.
-- docs/endpoints.md maps its endpoints to these methods.
-- @module idcloudhost.families.billing_accounts
local lazy = require "idcloudhost.lazy"
local cards = require "idcloudhost.families.cards"
local check = lazy "idcloudhost.call.check"
local errors = lazy "idcloudhost.call.errors"
local invoices = require "idcloudhost.families.invoices"
local nested = require "idcloudhost.families.kit.nested"
local pipeline = lazy "idcloudhost.call.pipeline"
local resource = require "idcloudhost.families.kit.resource"
local runtime = lazy "idcloudhost.runtime"
local sched = lazy "idcloudhost.runtime.sched"
local vms = require "idcloudhost.families.vms"

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

local BA = "object:id"

local E = resource.endpoints("billing_account", {
  list        = { "GET",    "payment/billing_account/list", query = { show_shadow = "boolean" }, answer = "list:id" },
  get         = { "GET",    "payment/billing_account", query = ID, answer = BA },
  update      = { "PUT",    "payment/billing_account", form = with_id(FIELDS), answer = BA },
  delete      = { "DELETE", "payment/billing_account", form = ID, answer = "success" },
  recurring   = { "PUT",    "payment/billing_account/{billing_account_id}/recurring_payment", path = ID,
    answer = "object:account", form = { is_recurring_payment_enabled = "boolean!", recurring_payment_amount = "number",
      recurring_payment_threshold = "number" } },
  set_default = { "POST",   "payment/billing_account/set_default", form = ID, answer = "success" },
  unpaid      = { "GET",    "payment/billing_account/unpaid_amount", query = ID, answer = "object:message" },
  apply_invoice_payment = { "POST", "payment/apply_for_invoice_payment", form = ID, answer = "object:id" },
  resources   = { "GET",    "user-resource/billing_resources", loc = true, answer = "list:uuid",
    query = { id = "integer!", resource_type = "string" } },
  assign      = { "POST",   "user-resource/resource_billing", loc = true, answer = "success|object",
    form = { billing_account_id = "integer!", resource_type = "string", uuid = "uuid!" } },
  credits     = { "GET",    "payment/credit/list", query = ID, answer = "list" },
  buy_credit  = { "POST",   "payment/credit/buy", answer = "success",
    form = with_id { payment_object_id = "integer!", amount = "number!" } },
  request_invoice = { "POST", "payment/credit/request_invoice", form = with_id { amount = "number!" },
    answer = "success" },
  pay_all     = { "POST",   "payment/pay_all", form = ID, answer = "object" },
  pay_amount  = { "POST",   "payment/pay_amount", form = with_id { amount = "number!" }, answer = "object" },
  usage       = { "GET",    "charging/usage", query = ID, answer = "list" },
})

local NESTED = { "additional_data" }


local function summary(ba)
  local flags = (ba.is_default and " default" or "") .. (ba.is_deleted and " deleted" or "")
  return string.format("%s %q%s", tostring(ba.id), tostring(ba.title or ""), flags)
end

local BillingAccount = resource.model { name = "billing_account", key = "id", param = "billing_account_id",
  get = E.get, summary = summary, prepare = function(data) nested.decode(data, NESTED) end }

-- ---------------------------------------------------------------------------------------------
-- The default billing account, for calls that need one (VM creation): fetched once per client
-- and shared by every client made from it with client:at.  Keyed on the settings table they share.

local defaults = setmetatable({}, { __mode = "k" }) -- client._shared -> id, or false for "none"

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

-- Lookups in flight: client._shared -> {by = the coroutine making it}.  The items of a batch that
-- create together wait for the first one's answer instead of each asking the same.
local lookups = setmetatable({}, { __mode = "k" })
local MAIN = {}

-- Waits while another coroutine looks the default up, where waiting yields to it (a scheduler:
-- a batch, idcloudhost.async; an nginx request handler): never in plain Lua, never for a lookup
-- of the running coroutine (a hook calling back), never for one whose task was cancelled,
-- never past the client's timeout or the call's deadline (a lookup whose coroutine was dropped
-- otherwise ends nothing).
local function await_lookup(shared)
  local flight = lookups[shared]
  if not flight or flight.by == (coroutine.running() or MAIN) then return end
  local rt = runtime.current()
  if not rt.concurrent then return end
  local now = rt:now()
  local limit = now + shared.cfg.timeout
  local deadline = runtime.deadline()
  if deadline and deadline < limit then limit = deadline end
  while lookups[shared] == flight and defaults[shared] == nil and now < limit and sched.alive(flight.by) do
    rt:sleep(0.01)
    now = rt:now()
  end
end

--- The id of the default billing account of client's api key (nil when there is none), or nil, err.
-- @local
function billing_accounts.default_id(client)
  local shared = client._shared
  if defaults[shared] == nil then await_lookup(shared) end
  local cached = defaults[shared]
  if cached ~= nil then return cached or nil end
  local flight = { by = coroutine.running() or MAIN }
  lookups[shared] = flight
  local list, err = pipeline.call(client, E.list)
  if lookups[shared] == flight then lookups[shared] = nil end
  if list == nil then return nil, err end
  local id = pick_default(list)
  defaults[shared] = id or false
  return id
end

--- Forgets the cached default (the platform refused a call made with it).
-- @local
function billing_accounts.forget_default(client)
  defaults[client._shared] = nil
end

-- ---------------------------------------------------------------------------------------------
-- client.billing_accounts

--- client.billing_accounts: the user's billing accounts.  Cards, credit, invoices, payments
-- and usage hang off one account (its methods).
-- @type client.billing_accounts

local BillingAccounts = {}

--- The billing accounts of the user; {show_shadow = true} adds the deleted ones.
-- @function client.billing_accounts:list
-- @tparam[opt] table opts
-- @tparam[opt] boolean opts.show_shadow the deleted accounts too
-- @treturn {billing_account,...} the accounts
-- @errors invalid, api, network, timeout, decode
function BillingAccounts:list(opts)
  local p = opts
  -- Any value of show_shadow, false included, shows the deleted accounts: send it only for true.
  if type(opts) == "table" and opts.show_shadow == false then
    p = {}
    for k, v in pairs(opts) do p[k] = v end
    p.show_shadow = nil
  end
  return resource.wrap_list(BillingAccount, self.client, pipeline.call(self.client, E.list, p))
end

--- The default billing account (is_default, or the only one a restricted token sees).
-- @function client.billing_accounts:default
-- @treturn billing_account the default account
-- @errors invalid, api (not_found: no account is marked default), network, timeout, decode
function BillingAccounts:default()
  local list, err = self:list()
  if not list then return nil, err end
  local id = pick_default(list)
  for _, ba in ipairs(list) do
    if ba.id == id then return ba end
  end
  return nil, errors.new { kind = "api", message = "no default billing account", not_found = true }
end

-- ---------------------------------------------------------------------------------------------
-- Billing account objects

--- One billing account by id.
-- @function client.billing_accounts:get
-- @tparam integer id the account's id
-- @treturn billing_account the account
-- @errors invalid, api (not_found), network, timeout, decode

--- A billing account.  `tostring(ba)` is `billing_account 6 "konto" default`.  JSON the platform
-- nests in a string (additional_data) arrives decoded into a table.
-- @type billing_account

--- A billing account's fields, as the platform sends them (GET payment/billing_account).
-- @table fields
-- @tfield integer id the account's id (calls name it billing_account_id)
-- @tfield string title its name
-- @tfield string email where invoices go
-- @tfield boolean send_invoice_email
-- @tfield string company_name
-- @tfield string company_reg_code
-- @tfield string company_vat_number
-- @tfield string address_line1
-- @tfield string city
-- @tfield string county
-- @tfield string country two letters, "EE"
-- @tfield string post_index
-- @tfield boolean is_default the default account (calls that bill something without billing_account_id use it)
-- @tfield boolean is_deleted
-- @tfield[opt] boolean is_active (elastis edition)
-- @tfield boolean can_pay
-- @tfield boolean paying_by_invoice
-- @tfield[opt] boolean allow_debt (elastis edition)
-- @tfield number credit_amount credit on the account
-- @tfield number discount_percentage
-- @tfield number vat_percentage
-- @tfield table running_totals this month so far: `{subtotal, vat_tax, discount_amount, total,
-- credit_amount, credit_available, ongoing, ongoing_negative_since}`
-- @tfield[opt] table primary_card `{id, card_holder, card_type, last4, expire_month, expire_year,
-- type, is_verified, processor_data}`
-- @tfield[opt] boolean is_recurring_payment_enabled automatic top-up on (elastis edition)
-- @tfield[opt] number recurring_payment_amount (elastis edition)
-- @tfield[opt] number recurring_payment_threshold (elastis edition)
-- @tfield[opt] table additional_data decoded from the JSON text the platform sends (elastis edition)
-- @tfield[opt] table eligible_promotions `{amount, credit_type, top_up_done, top_up_requirement}`... (elastis edition)
-- @tfield[opt] string referral_code (idcloudhost edition)
-- @tfield[opt] string referral_share_code (elastis edition)
-- @tfield[opt] string reseller (elastis edition)
-- @tfield[opt] string site (elastis edition)
-- @tfield[opt] string restriction_level "FROZEN", ... (elastis edition)
-- @tfield[opt] string suspend_reason (elastis edition)
-- @tfield integer created Unix time
-- @tfield integer user_id the owner's user id
-- @tfield nil unpaid_amount the platform's field gives way to the method billing_account:unpaid_amount()

--- Fetches the account again and updates this object in place.
-- @function billing_account:reload
-- @treturn billing_account the account
-- @errors invalid, api (not_found), network, timeout, decode

--- Changes the account's data (title, email, company_name, address_line1, city, country...).
-- The platform deletes every field a PUT leaves out, so this sends the account's current data
-- (fetched afresh) merged with the changes.  Returns the account, updated in place.
-- @function billing_account:update
-- @tparam table changes any of title, email, company_name, company_reg_code, company_vat_number,
-- address_line1, city, county, country, post_index (strings), send_invoice_email (boolean)
-- @treturn billing_account the account, updated in place
-- @errors invalid, api, network, timeout, decode
function BillingAccount:update(changes)
  local p, err = check.params("billing_account:update", FIELDS, changes)
  if not p then return nil, err end
  if next(p) == nil then
    return nil, errors.invalid("billing_account:update: give at least one field to change")
  end
  local current
  current, err = self:_call(E.get)
  if current == nil then return nil, err end
  local send = {}
  for k, spec in pairs(FIELDS) do
    local v = current[k]
    if v ~= nil and check.value("billing_account:update", k, spec, v) ~= nil then send[k] = v end
  end
  for k, v in pairs(changes) do send[k] = v end
  return self:_apply(self:_call(E.update, send))
end

--- Deletes the account (not the default one, nor one with resources or unpaid invoices).  Returns true.
-- @function billing_account:delete
-- @treturn boolean true
-- @errors invalid, api, network, timeout, decode
function BillingAccount:delete(opts)
  local ok, err = resource.success(self:_call(E.delete, opts))
  if not ok then return nil, err end
  local shared = self:_client()._shared
  if defaults[shared] == self.id then defaults[shared] = nil end
  return true
end

--- Makes this the default billing account.  Returns true.
-- @function billing_account:set_default
-- @treturn boolean true
-- @errors invalid, api, network, timeout, decode
function BillingAccount:set_default(opts)
  local ok, err = resource.success(self:_call(E.set_default, opts))
  if not ok then return nil, err end
  self.is_default = true
  defaults[self:_client()._shared] = self.id
  return true
end

--- The unpaid total of the account's invoices, VAT included: a number.
-- @function billing_account:unpaid_amount
-- @treturn number the amount
-- @errors invalid, api, network, timeout, decode
function BillingAccount:unpaid_amount()
  local data, err = self:_call(E.unpaid)
  if data == nil then return nil, err end
  local n = tonumber(data.message)
  if not n then
    return nil, errors.decode("billing_account:unpaid_amount: the answer holds no amount")
  end
  return n
end

--- Configures the automatic top-up: {enabled = true, amount = 50, threshold = 10} tops up `amount`
-- with the primary card whenever the running balance goes below `threshold`.
-- Returns the payment report ({triggered = bool, errors = {...}}); the account is updated in place.
-- (elastis edition)
-- @function billing_account:set_recurring_payment
-- @tparam table opts
-- @tparam boolean opts.enabled
-- @tparam[opt] number opts.amount how much to top up
-- @tparam[opt] number opts.threshold the balance that triggers it
-- @treturn table the payment report `{triggered = boolean, errors = {...}}`
-- @errors invalid, api, network, timeout, decode
function BillingAccount:set_recurring_payment(opts)
  local p, err = check.params("billing_account:set_recurring_payment",
    { enabled = "boolean!", amount = "number", threshold = "number" }, opts)
  if not p then return nil, err end
  local data
  data, err = self:_call(E.recurring, nil, { is_recurring_payment_enabled = p.enabled,
    recurring_payment_amount = p.amount, recurring_payment_threshold = p.threshold })
  if data == nil then return nil, err end
  if type(data.account) == "table" then self:_update(data.account) end
  return type(data.payment_report) == "table" and data.payment_report or {}
end

--- Applies for paying by invoice: a new payment object, unverified until an admin verifies it.
-- @function billing_account:apply_for_invoice_payment
-- @treturn card the payment object
-- @errors invalid, api, network, timeout, decode
function BillingAccount:apply_for_invoice_payment()
  return resource.wrap(cards.model, self:_client(), self:_call(E.apply_invoice_payment))
end

--- The resources billed to this account in the client's location: VM objects.
-- opts.resource_type: "vm" (the default).
-- @function billing_account:resources
-- @tparam[opt] table opts
-- @tparam[opt="vm"] string opts.resource_type
-- @treturn {vm,...} the VMs (they carry public_ipv4)
-- @errors invalid, api, network, timeout, decode
function BillingAccount:resources(opts)
  return resource.wrap_list(vms.model, self:_client(), self:_call(E.resources, opts, { id = self.id }))
end

--- Bills a VM (object or uuid, in the client's location) to this account.  Returns true.
-- @function billing_account:assign
-- @tparam vm|string vm a VM or its uuid
-- @treturn boolean true
-- @errors invalid, api, network, timeout, decode
function BillingAccount:assign(vm)
  local uuid, err = resource.uuid_of("billing_account:assign", "uuid", vm)
  if not uuid then return nil, err end
  local ok
  ok, err = resource.success(self:_call(E.assign, nil, { uuid = uuid, resource_type = "vm" }))
  if not ok then return nil, err end
  if type(vm) == "table" then vm.billing_account = self.id end
  return true
end

--- The account's payment methods: card objects.
-- @function billing_account:cards
-- @treturn {card,...} the cards
-- @errors invalid, api, network, timeout, decode
function BillingAccount:cards()
  return resource.wrap_list(cards.model, self:_client(), self:_call(cards.endpoints.list))
end

--- Adds a card from a payment processor token.  Returns the new card.
-- @function billing_account:add_card
-- @tparam string token the payment processor's token
-- @treturn card the new card
-- @errors invalid, api, network, timeout (err.uncertain), decode
function BillingAccount:add_card(token)
  return resource.wrap(cards.model, self:_client(), self:_call(cards.endpoints.add, nil, { token = token }))
end

--- The account's credit records ({amount, created, description, id, ...}), newest first.
-- @function billing_account:credits
-- @treturn {table,...} `{id, amount, created (Unix time), description, billing_account_id}`...
-- @errors invalid, api, network, timeout, decode
function BillingAccount:credits()
  return self:_call(E.credits)
end

--- Buys credit with a card: {payment_object_id = card or card.id, amount = 100}.  Returns true.
-- @function billing_account:buy_credit
-- @tparam table opts
-- @tparam card|integer opts.payment_object_id a card or its id
-- @tparam number opts.amount
-- @treturn boolean true
-- @errors invalid, api, network, timeout (err.uncertain: check credits() before buying again), decode
function BillingAccount:buy_credit(opts)
  local p = opts
  if type(opts) == "table" and type(opts.payment_object_id) == "table" then
    p = {}
    for k, v in pairs(opts) do p[k] = v end
    p.payment_object_id = opts.payment_object_id.id
  end
  return resource.success(self:_call(E.buy_credit, p))
end

--- Asks for an invoice to top up credit by amount with a bank transfer.  Returns true.
-- @function billing_account:request_invoice
-- @tparam number amount
-- @treturn boolean true
-- @errors invalid, api, network, timeout, decode
function BillingAccount:request_invoice(amount)
  return resource.success(self:_call(E.request_invoice, nil, { amount = amount }))
end

--- The account's invoices: invoice objects.
-- @function billing_account:invoices
-- @treturn {invoice,...} the invoices
-- @errors invalid, api, network, timeout, decode
function BillingAccount:invoices()
  return resource.wrap_list(invoices.model, self:_client(), self:_call(invoices.endpoints.list))
end

--- Pays every unpaid invoice, oldest first.  Returns the platform's report
-- ({success, paid_invoices, amount_used, amount_left, message, error_log}).
-- @function billing_account:pay_all
-- @treturn table the report
-- @errors invalid, api, network, timeout (err.uncertain), decode
function BillingAccount:pay_all()
  return self:_call(E.pay_all)
end

--- Pays amount towards the unpaid invoices, oldest first.  Returns the report: amount_used,
-- amount_left (what was not needed), paid_invoices (ids paid fully or partly), message.
-- @function billing_account:pay_amount
-- @tparam number amount
-- @treturn table the report
-- @errors invalid, api, network, timeout (err.uncertain), decode
function BillingAccount:pay_amount(amount)
  return self:_call(E.pay_amount, nil, { amount = amount })
end

--- This month's charges: one entry per resource ({description, hours, price, cost, ...}).
-- @function billing_account:usage
-- @treturn {table,...} `{description, hours, price, price_unit, cost, owner_uuid, configurations, ...}`...
-- @errors invalid, api, network, timeout, decode
function BillingAccount:usage()
  return self:_call(E.usage)
end

billing_accounts.new = resource.collection(BillingAccounts, { model = BillingAccount, get = E.get })
billing_accounts.model = BillingAccount
billing_accounts.endpoints = E
return billing_accounts
