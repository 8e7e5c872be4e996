--- Prices: client.pricing.
-- docs/endpoints.md maps its endpoints to these methods.
-- @module idcloudhost.families.pricing
local lazy = require "idcloudhost.lazy"
local errors = lazy "idcloudhost.call.errors"
local json = lazy "idcloudhost.json"
local resource = require "idcloudhost.families.kit.resource"

local E = resource.endpoints("pricing", {
  policy = { "GET", "pricing/policy", answer = "object:policy" },
})

--- client.pricing: prices.
-- @type client.pricing

local Pricing = {}

--- The pricing policy: a list of {policyId, resourceType, price (per hour), serviceNameUserFriendly, ...}.
-- @function client.pricing:policy
-- @treturn {table,...} the prices
-- @errors invalid, api, network, timeout, decode
function Pricing:policy()
  local data, err = self:_call(E.policy)
  if data == nil then return nil, err end
  if not json.is_array(data.policy) then
    return nil, errors.decode("pricing:policy: the answer's policy is not a list")
  end
  return data.policy
end

return {
  new = resource.collection(Pricing),
  endpoints = E,
}
