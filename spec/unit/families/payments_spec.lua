-- Payment-wide calls on a scripted transport: client.payments (endpoint 98 of
-- docs/endpoints.md).  The calls of one billing account are in billing_accounts_spec.
local helper = require "spec.helper"
local docs = require "spec.fixtures.unit_docs"

describe("client.payments", function()
  it("has_active_campaigns sends GET /v1/payment/has_active_campaigns and answers true for the docs' answer", function()
    local f = helper.fake { helper.answer(docs.campaigns) }
    assert.is_true(f.client { location = "cyc01" }.payments:has_active_campaigns())
    helper.expect(f, 1, { "GET", "/v1/payment/has_active_campaigns" })
  end)
end)
