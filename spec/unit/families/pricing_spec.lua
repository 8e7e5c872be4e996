-- Prices on a scripted transport: client.pricing (endpoint 99 of docs/endpoints.md).
local helper = require "spec.helper"
local docs = require "spec.fixtures.unit_docs"

describe("client.pricing", function()
  it("policy sends GET /v1/pricing/policy and answers the docs' policy list", function()
    local f = helper.fake { helper.answer(docs.pricing) }
    local policy = assert(f.client { location = "cyc01" }.pricing:policy())
    helper.expect(f, 1, { "GET", "/v1/pricing/policy" })
    assert.equal(8, #policy)
    assert.equal(1001, policy[1].policyId)
    assert.equal("CPU", policy[1].resourceType)
    assert.equal(0.00521, policy[1].price)
    assert.equal(512, policy[2].megsRam)
    assert.equal(3.42e-05, policy[4].price)
    assert.equal("Object storage per gigabyte per hour", policy[8].serviceNameUserFriendly)
  end)
end)
