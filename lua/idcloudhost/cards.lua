-- Payment methods (credit cards, paying by invoice): client.cards and card objects
-- (endpoints 85-89 of endpoints.md).  A billing account lists and adds its own: ba:cards(),
-- ba:add_card(token).  additional_data is decoded into a table where it is JSON.
local nested = require "idcloudhost.nested"
local resource = require "idcloudhost.resource"

local E = resource.endpoints("card", {
  get         = { "GET",    "payment/card", query = { payment_object_id = "integer!" } },
  delete      = { "DELETE", "payment/card", form = { payment_object_id = "integer!" } },
  set_primary = { "PUT",    "payment/card/set_primary", form = { payment_object_id = "integer!" } },
  list        = { "GET",    "payment/card/list", query = { billing_account_id = "integer!" } },
  add         = { "POST",   "payment/card", form = { billing_account_id = "integer!", token = "string!" } },
})

local NESTED = { "additional_data" }

local function summary(c)
  local d = type(c.additional_data) == "table" and c.additional_data or {}
  local what = d.last4 and string.format("%s ****%s", tostring(d.card_type or "card"), d.last4)
    or tostring(c.identifier)
  local flags = (c.is_primary and " primary" or "") .. (c.is_verified and "" or " unverified")
  return string.format("%s %s%s", tostring(c.id), what, flags)
end

local Card = resource.model { name = "card", key = "id", summary = summary }

local cards = {}

--- Wraps a payment object answer (nil, err passes through).
function cards.wrap(client, data, err)
  if data == nil then return nil, err end
  return resource.wrap(Card, client, nested.decode(data, NESTED))
end

--- Wraps a list of payment objects (nil, err passes through).
function cards.wrap_list(client, data, err)
  if data == nil then return nil, err end
  return resource.wrap_list(Card, client, nested.decode_each(data, NESTED))
end

------------------------------------------------------------------------------------------------
-- client.cards

local Cards = {}

--- One payment method by its payment_object_id.
function Cards:get(payment_object_id)
  return cards.wrap(self.client, self.client:call(E.get, { payment_object_id = payment_object_id }))
end

------------------------------------------------------------------------------------------------
-- Card objects

--- Fetches the card again and updates this object in place.
function Card:reload()
  local data, err = self:_call(E.get, { payment_object_id = self.id })
  return self:_apply(nested.decode(data, NESTED), err)
end

--- Removes the card from its billing account.  Returns true.
function Card:delete()
  return resource.success(self:_call(E.delete, { payment_object_id = self.id }))
end

--- Makes this (verified) card the billing account's primary one.  Returns true.
function Card:set_primary()
  local ok, err = resource.success(self:_call(E.set_primary, { payment_object_id = self.id }))
  if not ok then return nil, err end
  self.is_primary = true
  return true
end

cards.new = resource.collection(Cards)
cards.model = Card
cards.endpoints = E
return cards
