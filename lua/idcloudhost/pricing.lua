-- Prices: client.pricing (endpoint 99 of endpoints.md).
local errors = require "idcloudhost.errors"
local resource = require "idcloudhost.resource"

local E = resource.endpoints("pricing", {
  policy = { "GET", "pricing/policy" },
})

local Pricing = {}

--- The pricing policy: a list of {policyId, resourceType, price (per hour), serviceNameUserFriendly, ...}.
function Pricing:policy()
  local data, err = self.client:call(E.policy)
  if data == nil then return nil, err end
  if type(data) ~= "table" or type(data.policy) ~= "table" then
    return nil, errors.new { kind = "decode", message = "pricing:policy: the answer has no policy list" }
  end
  return data.policy
end

return {
  new = resource.collection(Pricing),
  endpoints = E,
}
