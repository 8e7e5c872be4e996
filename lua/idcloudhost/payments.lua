-- Payment-wide calls: client.payments (endpoint 98 of endpoints.md).  The calls of one billing
-- account (pay_all, pay_amount...) are methods of billing account objects.
local resource = require "idcloudhost.resource"

local E = resource.endpoints("payments", {
  campaigns = { "GET", "payment/has_active_campaigns" },
})

local Payments = {}

--- Whether there are active campaigns (promotions) (elastis edition): true or false.
function Payments:has_active_campaigns()
  local data, err = self.client:call(E.campaigns)
  if data == nil then return nil, err end
  return type(data) == "table" and data.success == true
end

return {
  new = resource.collection(Payments),
  endpoints = E,
}
