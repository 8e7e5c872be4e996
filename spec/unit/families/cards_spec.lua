-- Payment methods on a scripted transport: client.cards and card objects (endpoints 85-86 and 89
-- of docs/endpoints.md; a billing account's list and add are in billing_accounts_spec).
local helper = require "spec.helper"
local docs = require "spec.fixtures.unit_docs"

local CARD = "/v1/payment/card"

local client = helper.scripted -- (f, a client on cyc01)

local function with_card(first, ...)
  local f, c = client(helper.answer(first), ...)
  return f, assert(c.cards:get(6))
end

describe("client.cards", function()
  it("get sends GET /v1/payment/card?payment_object_id= and answers the card, additional_data decoded", function()
    local f, c = client(helper.answer(docs.card_get))
    local card = assert(c.cards:get(6))
    helper.expect(f, 1, { "GET", CARD, query = { payment_object_id = "6" } })
    assert.equal(6, card.id)
    assert.equal(6, card.billing_account_id)
    assert.equal("pay_e566cf1e776c91857c5d55c0", card.identifier)
    assert.is_true(card.is_primary)
    assert.is_table(card.additional_data)
    assert.equal("1111", card.additional_data.last4)
    assert.equal("client_57b586239757f585c569", card.additional_data.client.id)
    assert.equal(24, #card.additional_data.client.payment)
    assert.equal("card 6 visa ****1111 primary", tostring(card))
    for _, m in ipairs { "reload", "delete", "set_primary" } do assert.is_function(card[m], m) end
  end)

  it("get refuses what is not a payment object id, sending nothing", function()
    local f, c = client()
    for _, bad in ipairs { "6", 6.5, "pay_e566cf1e776c91857c5d55c0" } do
      helper.refuses(f, function() return c.cards:get(bad) end, "payment_object_id")
    end
    helper.refuses(f, function() return c.cards:get() end, "payment_object_id")
  end)
end)

describe("card objects", function()
  local NOT_PRIMARY = (docs.card_get:gsub('"is_primary": true', '"is_primary": false'))

  it("reload sends GET ?payment_object_id= and updates in place, additional_data decoded", function()
    local f, card = with_card(docs.card_get, helper.answer(NOT_PRIMARY))
    assert.equal(card, assert(card:reload()))
    helper.expect(f, 2, { "GET", CARD, query = { payment_object_id = "6" } })
    assert.is_false(card.is_primary)
    assert.equal("visa", card.additional_data.card_type)
  end)

  it("delete sends DELETE /v1/payment/card {payment_object_id} and answers true", function()
    local f, card = with_card(docs.card_get, helper.answer(docs.success))
    assert.is_true(card:delete())
    helper.expect(f, 2, { "DELETE", CARD, form = { payment_object_id = "6" } })
  end)

  it("set_primary sends PUT /v1/payment/card/set_primary and marks the card primary", function()
    local f, card = with_card(NOT_PRIMARY, helper.answer(docs.success))
    assert.is_false(card.is_primary)
    assert.is_true(card:set_primary())
    helper.expect(f, 2, { "PUT", CARD .. "/set_primary", form = { payment_object_id = "6" } })
    assert.is_true(card.is_primary)
  end)
end)
