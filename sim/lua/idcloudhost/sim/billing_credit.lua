-- The credit of billing accounts (/v1/payment/credit/list and /buy): a list of credit records,
-- whose sum is the account's credit (credit_amount). Buying credit, a paid top-up invoice and a
-- recurring payment add a record; paying an invoice from credit adds a negative one.
--
-- Records live in the list state.data.billing.credits, oldest first, as the API shows them.
-- Seeded: 2.00 credit of billing account 6 ("First billing account").
local billing = require "idcloudhost.sim.billing"
local card = require "idcloudhost.sim.billing_card"
local params = require "idcloudhost.sim.params"
local reply = require "idcloudhost.sim.reply"
local state = require "idcloudhost.sim.state"

local credit = {}

local function credits() return billing.store().credits end

-- A new credit record of amount (negative: credit spent); created default now.
function credit.add(ba_id, amount, description, created)
  local rec = {
    amount = billing.money(amount),
    billing_account_id = ba_id,
    created = created or os.time(),
    description = description,
    id = state.next_id("credit"),
  }
  credits()[#credits() + 1] = rec
  return rec
end

-- The credit of an account: the sum of its records.
function credit.balance(ba_id)
  local sum = 0
  for _, c in ipairs(credits()) do
    if c.billing_account_id == ba_id then sum = sum + c.amount end
  end
  return billing.money(sum)
end

function credit.list(req)
  local ba, err = billing.account_param(req)
  if not ba then return err end
  -- newest first, like the docs
  return reply.ok(state.by_id(credits(), function(c) return c.billing_account_id == ba.id end, true))
end

function credit.buy(req)
  local r = params.reader(req.params)
  local amount = billing.amount_param(r, "amount", true)
  r:int("payment_object_id", true)
  local ba, err = billing.account_param(req, r)
  if not ba then return err end
  local c, cerr = card.param(req)
  if not c then return cerr end
  if c.billing_account_id ~= ba.id then
    return reply.error("Payment object " .. c.id .. " does not belong to billing account " .. ba.id .. ".")
  end
  if not c.is_verified or c._kind ~= "card" then
    return reply.error("Payment method " .. c.id .. " is not verified.")
  end
  credit.add(ba.id, amount, "Credit purchase")
  return reply.success()
end

state.on_reset(function()
  billing.store().credits = {}
  credit.add(6, 2.0, "First billing account", 1519219377)
end)

return credit
