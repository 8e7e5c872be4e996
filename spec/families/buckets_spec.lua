-- Object storage (client.s3, client.buckets, Bucket objects) against the simulator.
local helper = require "spec.helper"

local refused = helper.invalid -- the SDK's own refusal: kind "invalid", field

describe("s3 on the simulator", function()
  local client

  before_each(function()
    client = helper.fresh_client()
  end)

  it("gives the S3 API's address", function()
    local info = assert(client.s3:info())
    assert.matches("^https://s3%.", info.url)
    assert.equal("GET /v1/storage/api/s3", helper.log()[1].method .. " " .. helper.log()[1].path)
  end)

  it("makes the S3 user and a first key on the first GET /storage/user", function()
    assert.same({}, assert(client.s3:keys()))
    local user = assert(client.s3:user())
    assert.equal("user@example.com", user.userId)
    assert.equal(1000, user.maxBuckets)
    assert.equal(1, #user.s3Credentials)
    local key = user.s3Credentials[1]
    assert.matches("^[A-Z0-9]+$", key.accessKey)
    assert.equal(20, #key.accessKey)
    assert.equal(40, #key.secretKey)
    assert.equal(1, #assert(client.s3:user()).s3Credentials)   -- once only
    local keys = assert(client.s3:keys())
    assert.equal(1, #keys)
    assert.equal(key.accessKey, keys[1].accessKey)
  end)

  it("makes and deletes keys", function()
    assert(client.s3:user())
    local all = assert(client.s3:create_key())
    assert.equal(2, #all)
    assert.is_true(all[1].accessKey < all[2].accessKey)         -- sorted, as in the docs
    assert.is_true(assert(client.s3:delete_key(all[1].accessKey)))
    local keys = assert(client.s3:keys())
    assert.equal(1, #keys)
    assert.equal(all[2].accessKey, keys[1].accessKey)
    local last = helper.log()[#helper.log() - 1]
    assert.equal("DELETE", last.method)
    assert.same({ access_key = all[1].accessKey }, last.params)

    assert.is_true(assert(client.s3:delete_key(keys[1])))      -- a key table will do
    assert.same({}, assert(client.s3:keys()))
    local res, err = client.s3:delete_key(all[1].accessKey)
    assert.is_nil(res)
    assert.equal(404, err.status)
    assert.is_true(err.not_found)
    assert.equal(1, #assert(client.s3:user()).s3Credentials)   -- none left: a new one
  end)

  it("refuses bad input without sending anything", function()
    local before = #helper.log()
    refused("access_key", client.s3:delete_key())
    refused("access_key", client.s3:delete_key(true))
    refused("access_key", client.s3:delete_key({}))
    assert.equal(before, #helper.log())
  end)
end)

describe("buckets on the simulator", function()
  local client

  before_each(function()
    client = helper.fresh_client()
  end)

  it("creates, lists, gets, updates and deletes a bucket", function()
    local b = assert(client.buckets:create { name = "pang1", billing_account_id = 6 })
    assert.equal("pang1", b.name)
    assert.equal(0, b.num_objects)
    assert.equal(0, b.size_bytes)
    assert.equal(6, b.billing_account_id)
    assert.is_false(b.is_suspended)
    assert.matches("^%d%d%d%d%-%d%d%-%d%dT[%d:.]+%+0000$", b.created_at)
    assert.equal("bucket pang1 (0 objects, 0 bytes, billing account 6)", tostring(b))
    assert(client.buckets:create { name = "asi", billing_account_id = 6 })

    local list = assert(client.buckets:list())
    assert.equal(2, #list)
    assert.equal("asi", list[1].name)                            -- by name, as in the docs
    assert.equal(2, #assert(client.buckets:list { billing_account_id = 6 }))
    assert.same({}, assert(client.buckets:list { billing_account_id = 7 }))
    assert.equal("pang1", assert(client.buckets:get("pang1")).name)

    assert.equal(b, assert(b:update { billing_account_id = 6 }))
    local res, err = b:update { billing_account_id = 999 }
    assert.is_nil(res)
    assert.equal(400, err.status)
    assert.matches("[Bb]illing account", err.message)

    assert.is_true(assert(b:delete()))
    res, err = client.buckets:get("pang1")
    assert.is_nil(res)
    assert.equal(404, err.status)
    assert.is_true(err.not_found)
    assert.equal(1, #assert(client.buckets:list()))
    res, err = b:delete()
    assert.is_nil(res)
    assert.equal(404, err.status)
  end)

  it("bills to the default account when none is given", function()
    local made = assert(client.buckets:create { name = "pang1" })
    assert.equal(6, made.billing_account_id)
    local log = helper.log()
    assert.equal("/v1/payment/billing_account/list", log[#log - 1].path)   -- looked up once
    assert.equal("6", log[#log].params.billing_account_id)
    -- the platform itself wants one from a global token
    local res, err = client:request("PUT", "/v1/storage/bucket", { name = "pang2" })
    assert.is_nil(res)
    assert.equal(400, err.status)
    assert.matches("billing_account_id", err.message)
    res, err = client.buckets:create { name = "pang3", billing_account_id = 999 }
    assert.is_nil(res)
    assert.equal(400, err.status)
    assert.equal(1, #assert(client.buckets:list()))
  end)

  it("sends the bucket calls as the docs say", function()
    local b = assert(client.buckets:create { name = "pang1", billing_account_id = 6 })
    assert(client.buckets:list { billing_account_id = 6 })
    assert(b:update { billing_account_id = 6 })
    assert(b:delete())
    local log = helper.log()
    local create, list, update, delete = log[1], log[2], log[3], log[4]
    assert.equal("PUT /v1/storage/bucket", create.method .. " " .. create.path)
    assert.same({ name = "pang1", billing_account_id = "6" }, create.params)
    assert.equal("GET /v1/storage/bucket/list", list.method .. " " .. list.path)
    assert.same({ billing_account_id = "6" }, list.query)
    assert.equal("PATCH", update.method)
    assert.same({ name = "pang1", billing_account_id = "6" }, update.params)
    assert.equal("DELETE", delete.method)
    assert.same({ name = "pang1" }, delete.query)
    assert.equal(204, delete.status)
  end)

  it("keeps names unique across all users: a taken name is 409", function()
    assert(client.buckets:create { name = "pang1", billing_account_id = 6 })
    local res, err = client.buckets:create { name = "pang1", billing_account_id = 6 }
    assert.is_nil(res)
    assert.equal(409, err.status)
    assert.matches("already taken", err.message)

    helper.sim("PUT", "buckets", { name = "someone-elses", foreign = true })
    res, err = client.buckets:create { name = "someone-elses", billing_account_id = 6 }
    assert.is_nil(res)
    assert.equal(409, err.status)
    res, err = client.buckets:get("someone-elses")                -- not ours to see
    assert.is_nil(res)
    assert.equal(404, err.status)
    assert.equal(1, #assert(client.buckets:list()))
  end)

  it("checks names against the S3 rules before sending, and the simulator does too", function()
    local before = #helper.log()
    local bad = { "ab", ("a"):rep(64), "Upper", "under_score", "-start", "end-", "a..b", "a.-b", "a-.b",
      "192.168.5.4", "xn--abc", "web-s3alias", "web--ol-s3", "sp ace", "" }
    for _, name in ipairs(bad) do refused("name", client.buckets:create { name = name }) end
    refused("name", client.buckets:create { name = 42 })
    refused("name", client.buckets:create {})
    refused("billing_account_id", client.buckets:create { name = "fine-name", billing_account_id = "six" })
    refused(nil, client.buckets:create "fine-name")
    assert.equal(before, #helper.log())

    for _, name in ipairs(bad) do
      if name ~= "" then
        local res, err = client:request("PUT", "/v1/storage/bucket", { name = name })
        assert.is_nil(res)
        assert.equal(400, err.status)
        assert.matches("Invalid bucket name", err.message)
      end
    end
    for _, name in ipairs { "abc", "my.bucket-1", ("a"):rep(63), "1-2.3-4" } do
      assert(client.buckets:create { name = name, billing_account_id = 6 })
    end
    assert.equal(4, #assert(client.buckets:list()))
  end)

  it("deletes only empty buckets, and says how to empty one", function()
    local b = assert(client.buckets:create { name = "logs", billing_account_id = 6 })
    helper.sim("PUT", "buckets", { name = "logs", objects = 3 })
    assert.equal(b, assert(b:reload()))
    assert.equal(3, b.num_objects)
    assert.equal(3072, b.size_bytes)

    local ok, err = b:delete()
    assert.is_nil(ok)
    assert.equal("api", err.kind)
    assert.equal(409, err.status)
    assert.is_true(err.not_empty)
    assert.equal("BucketNotEmpty", err.code)
    assert.matches('bucket "logs" is not empty', err.message)
    assert.matches("S3 API", err.message)
    assert.matches("no force option", err.message)
    assert.matches("The bucket you tried to delete is not empty", err.message)

    local before = #helper.log()
    ok, err = b:delete { force = true }
    assert.is_nil(ok)
    assert.equal("invalid", err.kind)
    assert.equal("force", err.field)
    assert.matches("S3 API", err.message)
    refused(nil, b:delete { recursive = true })
    refused(nil, b:delete "force")
    assert.equal(before, #helper.log())

    helper.sim("PUT", "buckets", { name = "logs", objects = 0 })
    assert.is_true(assert(b:delete()))
    assert.same({}, assert(client.buckets:list()))
  end)

  it("refuses bad input without sending anything", function()
    local b = assert(client.buckets:create { name = "pang1", billing_account_id = 6 })
    local before = #helper.log()
    refused("name", client.buckets:get())
    refused("billing_account_id", client.buckets:list { billing_account_id = "x" })
    refused("billing", client.buckets:list { billing = 6 })
    refused("billing_account_id", b:update {})
    refused("size", b:update { billing_account_id = 6, size = 1 })
    assert.equal(before, #helper.log())
  end)

  it("is the same in every location", function()
    assert(client.buckets:create { name = "pang1", billing_account_id = 6 })
    local bus = assert(helper.client { location = "bus02" })
    assert.equal(1, #assert(bus.buckets:list()))
    assert.equal("/v1/storage/bucket/list", helper.log()[#helper.log()].path)
  end)
end)
