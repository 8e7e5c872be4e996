-- Object storage access on a scripted transport: client.s3, the S3 API's address and keys
-- (endpoints 38 and 44-47 of docs/endpoints.md).  None lives in a location.
local helper = require "spec.helper"
local docs = require "spec.fixtures.unit_docs"

local client = helper.scripted -- (f, a client on cyc01)

describe("client.s3", function()
  it("info sends GET /v1/storage/api/s3 and answers the address", function()
    local f, c = client(helper.answer(docs.s3_info))
    local info = assert(c.s3:info())
    helper.expect(f, 1, { "GET", "/v1/storage/api/s3" })
    assert.equal("https://s3.idcloudhost.com:8080/", info.url)
  end)

  it("user sends GET /v1/storage/user and answers the user with its credentials", function()
    local f, c = client(helper.answer(docs.s3_user))
    local user = assert(c.s3:user())
    helper.expect(f, 1, { "GET", "/v1/storage/user" })
    assert.equal("user+test@example.com", user.userId)
    assert.equal(1000, user.maxBuckets)
    assert.equal(4, #user.s3Credentials)
    assert.equal("ES1R...1N", user.s3Credentials[1].accessKey)
    assert.equal("bwtl...LU", user.s3Credentials[1].secretKey)
  end)

  it("keys sends GET /v1/storage/user/keys and answers the list", function()
    local f, c = client(helper.answer(docs.s3_keys))
    local keys = assert(c.s3:keys())
    helper.expect(f, 1, { "GET", "/v1/storage/user/keys" })
    assert.equal(3, #keys)
    assert.equal("V5G9...6P", keys[3].accessKey)
  end)

  it("create_key sends POST /v1/storage/user/keys with no body and answers every key", function()
    local f, c = client(helper.answer(docs.s3_create_key))
    local keys = assert(c.s3:create_key())
    helper.expect(f, 1, { "POST", "/v1/storage/user/keys" })
    assert.equal(4, #keys)
    assert.equal("44PW...BC", keys[1].accessKey)
  end)

  it("delete_key sends DELETE /v1/storage/user/keys {access_key} and answers true on the docs' empty answer", function()
    local f, c = client(helper.answer(""), helper.answer(docs.s3_keys), helper.answer(""))
    assert.is_true(c.s3:delete_key("I16N8YDF6A6FX8ILP30T"))
    helper.expect(f, 1, { "DELETE", "/v1/storage/user/keys", form = { access_key = "I16N8YDF6A6FX8ILP30T" } })
    local keys = assert(c.s3:keys())
    assert.is_true(c.s3:delete_key(keys[2]))          -- a key table from keys()
    helper.expect(f, 3, { "DELETE", "/v1/storage/user/keys", form = { access_key = "H2MZ...0A" } })
  end)

  it("delete_key refuses a missing access key, sending nothing", function()
    local f, c = client()
    helper.refuses(f, function() return c.s3:delete_key() end, "access_key")
    helper.refuses(f, function() return c.s3:delete_key {} end, "access_key")
    helper.refuses(f, function() return c.s3:delete_key(true) end, "access_key")
  end)

  it("delete_key refuses an empty access key, sending nothing", function()
    local f, c = client()
    helper.refuses(f, function() return c.s3:delete_key "" end, "access_key")
    helper.refuses(f, function() return c.s3:delete_key { accessKey = "" } end, "access_key")
  end)
end)
