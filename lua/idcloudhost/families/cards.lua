--- Payment methods (credit cards, paying by invoice): client.cards and card objects.  A billing
-- account lists and adds its own: ba:cards(), ba:add_card(token).  additional_data is decoded
-- into a table where it is JSON.
-- docs/endpoints.md maps its endpoints to these methods.
-- @module idcloudhost.families.cards
local nested = require "idcloudhost.families.kit.nested"
local resource = require "idcloudhost.families.kit.resource"

local P = { payment_object_id = "integer!" }

local E = resource.endpoints("card", {
  get         = { "GET",    "payment/card", query = P, answer = "object:id" },
  delete      = { "DELETE", "payment/card", form = P, answer = "success" },
  set_primary = { "PUT",    "payment/card/set_primary", form = P, answer = "success" },
  list        = { "GET",    "payment/card/list", query = { billing_account_id = "integer!" }, answer = "list:id" },
  add         = { "POST",   "payment/card", form = { billing_account_id = "integer!", token = "string!" },
    answer = "object:id" },
})

local NESTED = { "additional_data" }

local function summary(c)
  local d = type(c.additional_data) == "table" and c.additional_data or {}
  local what = d.last4 and string.format("%s ****%s", tostring(d.card_type or "card"), d.last4)
    or tostring(c.identifier)
  local flags = (c.is_primary and " primary" or "") .. (c.is_verified and "" or " unverified")
  return string.format("%s %s%s", tostring(c.id), what, flags)
end

local Card = resource.model { name = "card", key = "id", param = "payment_object_id", get = E.get,
  summary = summary, prepare = function(data) nested.decode(data, NESTED) end }

--- client.cards: payment methods by id.  A billing account lists and adds its own.
-- @type client.cards

local Cards = {}

--- A card object holding only its id, made without a request (by the kit:
-- resource.referrer): a call on it (`client.cards:ref(id):...`) is one request, and obj:reload()
-- fetches the rest.
-- @function client.cards:ref
-- @tparam integer id the card's id (payment_object_id)
-- @treturn card the object
-- @errors invalid (a malformed id)
Cards.ref = resource.referrer(Card)

--- One payment method by its id (payment_object_id).
-- Made by `resource.getter` (families/kit/resource.lua) from this family's get endpoint.
-- @function client.cards:get
-- @tparam integer id
-- @treturn card the card
-- @errors invalid, api (not_found), network, timeout, decode
Cards.get = resource.getter(Card, E.get)

--- A payment method: a credit card, or paying by invoice.  `tostring(card)` is
-- `card 6 visa ****1111 primary`.
-- @type card

--- A card's fields, as the platform sends them (GET payment/card).
-- @table fields
-- @tfield integer id the payment object's id (calls name it payment_object_id)
-- @tfield integer billing_account_id
-- @tfield string identifier the processor's id, "pay_e566cf..."
-- @tfield boolean is_primary
-- @tfield boolean is_verified
-- @tfield integer valid_thru Unix time
-- @tfield integer created Unix time
-- @tfield integer billing_account_processor_identifier_id
-- @tfield table additional_data decoded from the JSON text the platform sends: `{card_type, last4, ...}`

--- Fetches the card again and updates this object in place.
-- Made by the kit: `Base:reload` in families/kit/resource.lua (the model's `get` endpoint).
-- @function card:reload
-- @treturn card the card
-- @errors invalid, api (not_found), network, timeout, decode

--- Removes the card from its billing account.  Returns true.
-- @function card:delete
-- @treturn boolean true
-- @errors invalid, api, network, timeout, decode
function Card:delete(opts)
  return resource.success(self:_call(E.delete, opts))
end

--- Makes this (verified) card the billing account's primary one.  Returns true.
-- @function card:set_primary
-- @treturn boolean true
-- @errors invalid, api, network, timeout, decode
function Card:set_primary(opts)
  local ok, err = resource.success(self:_call(E.set_primary, opts))
  if not ok then return nil, err end
  self.is_primary = true
  return true
end

return {
  new = resource.collection(Cards),
  model = Card,
  endpoints = E,
}
