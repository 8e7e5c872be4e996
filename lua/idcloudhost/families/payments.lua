--- Payment-wide calls: client.payments.  The calls of one billing account (pay_all,
-- pay_amount...) are methods of billing account objects.
-- docs/endpoints.md maps its endpoints to these methods.
-- @module idcloudhost.families.payments
local resource = require "idcloudhost.families.kit.resource"

-- {"success": false} here means "no campaign", not a failure: an object, not a success answer.
local E = resource.endpoints("payments", {
  campaigns = { "GET", "payment/has_active_campaigns", answer = "object:success" },
})

--- client.payments: payment-wide calls.
-- @type client.payments

local Payments = {}

--- Whether there are active campaigns (promotions) (elastis edition): true or false.
-- @function client.payments:has_active_campaigns
-- @treturn boolean
-- @errors invalid, api, network, timeout, decode
function Payments:has_active_campaigns()
  local data, err = self:_call(E.campaigns)
  if data == nil then return nil, err end
  return data.success == true
end

return {
  new = resource.collection(Payments),
  endpoints = E,
}
