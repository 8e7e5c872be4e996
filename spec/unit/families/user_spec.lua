-- The account's user on a scripted transport: client.user (endpoints 1-2 of
-- docs/endpoints.md).  Not a location call: no slug, even on a located client.
local helper = require "spec.helper"
local docs = require "spec.fixtures.unit_docs"

local client = helper.scripted -- (f, a client on cyc01)

describe("client.user", function()
  it("get sends GET /v1/user-resource/user and answers the user", function()
    local f, c = client(helper.answer(docs.user_get))
    local user = assert(c.user:get())
    helper.expect(f, 1, { "GET", "/v1/user-resource/user" })
    assert.equal(8, user.id)
    assert.equal("user@example.com", user.name)
    assert.is_nil(user.profile)
    assert.equal("Cloudia", user.profile_data.first_name)
    assert.equal("+111111111", user.profile_data.phone_number)
    assert.equal("user 8 user@example.com (Cloudia Iaas)", tostring(user))
  end)

  it("update sends the docs' form to PATCH /v1/user-resource/user/profile, + as %2B, and answers the profile", function()
    local f, c = client(helper.answer(docs.user_profile))
    local profile = assert(c.user:update { first_name = "Cloudia", last_name = "Iaas", phone_number = "+98765",
      personal_id_number = "123456" })
    local s = helper.expect(f, 1, { "PATCH", "/v1/user-resource/user/profile", form = { first_name = "Cloudia",
      last_name = "Iaas", phone_number = "+98765", personal_id_number = "123456" } })
    assert.matches("phone_number=%2B98765", s.body, 1, true)
    assert.equal("+98765", profile.phone_number)
    assert.equal(8, profile.user_id)
  end)

  it("update sends only what it is given, spaces as %20", function()
    local f, c = client(helper.answer(docs.user_profile))
    assert(c.user:update { last_name = "van der Berg" })
    local s = helper.expect(f, 1, { "PATCH", "/v1/user-resource/user/profile", form = { last_name = "van der Berg" } })
    assert.equal("last_name=van%20der%20Berg", s.body)
  end)

  it("update refuses no changes, unknown and mistyped ones, sending nothing", function()
    local f, c = client()
    helper.refuses(f, function() return c.user:update() end)
    helper.refuses(f, function() return c.user:update {} end)
    helper.refuses(f, function() return c.user:update { email = "x@example.com" } end, "email")
    helper.refuses(f, function() return c.user:update { first_name = true } end, "first_name")
    helper.refuses(f, function() return c.user:update "Cloudia" end)
  end)
end)
