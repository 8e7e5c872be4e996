-- Object storage buckets on a scripted transport: client.buckets and bucket objects (endpoints
-- 39-43 of docs/endpoints.md).  Buckets live in no location: no slug, ever.
local helper = require "spec.helper"
local docs = require "spec.fixtures.unit_docs"

local BUCKET = "/v1/storage/bucket"

local client = helper.scripted -- (f, a client on cyc01)

-- A fake whose first answer is docs.bucket_get (bucket "pang1"), and the bucket.
local function with_bucket(...)
  local f, c = client(helper.answer(docs.bucket_get), ...)
  return f, assert(c.buckets:get("pang1"))
end

describe("client.buckets", function()
  it("list sends GET /v1/storage/bucket/list, without the location, and answers bucket objects", function()
    local f, c = client(helper.answer(docs.bucket_list))
    local list = assert(c.buckets:list())
    helper.expect(f, 1, { "GET", BUCKET .. "/list" })
    assert.equal(5, #list)
    assert.equal("asi", list[1].name)
    assert.equal(1587609600, list[3].size_bytes)
    for _, b in ipairs(list) do
      for _, m in ipairs { "reload", "update", "delete" } do assert.is_function(b[m], m) end
    end
  end)

  it("list sends billing_account_id in the query when given", function()
    local f, c = client(helper.answer(docs.bucket_list))
    assert(c.buckets:list { billing_account_id = 129072 })
    helper.expect(f, 1, { "GET", BUCKET .. "/list", query = { billing_account_id = "129072" } })
  end)

  it("list refuses unknown and mistyped options, sending nothing", function()
    local f, c = client()
    helper.refuses(f, function() return c.buckets:list { billing_account_id = "6" } end, "billing_account_id")
    helper.refuses(f, function() return c.buckets:list { name = "pang1" } end, "name")
    helper.refuses(f, function() return c.buckets:list(6) end)
  end)

  it("get sends GET /v1/storage/bucket?name= and answers the bucket", function()
    local f, c = client(helper.answer(docs.bucket_get))
    local b = assert(c.buckets:get("pang1"))
    helper.expect(f, 1, { "GET", BUCKET, query = { name = "pang1" } })
    assert.equal("pang1", b.name)
    assert.equal(5, b.num_objects)
    assert.equal(3189211059, b.size_bytes)
    assert.equal(129093, b.billing_account_id)
    assert.equal("bucket pang1 (5 objects, 3189211059 bytes, billing account 129093)", tostring(b))
  end)

  it("get refuses a missing name, sending nothing", function()
    local f, c = client()
    helper.refuses(f, function() return c.buckets:get() end, "name")
    helper.refuses(f, function() return c.buckets:get {} end, "name")
  end)

  describe("create", function()
    it("sends the docs' form to PUT /v1/storage/bucket and answers the bucket", function()
      local f, c = client(helper.answer(docs.bucket_create))
      local b = assert(c.buckets:create { name = "pang1", billing_account_id = 12345 })
      helper.expect(f, 1, { "PUT", BUCKET, form = { name = "pang1", billing_account_id = "12345" } })
      assert.equal("pang1", b.name)
      assert.equal(0, b.num_objects)
      assert.is_function(b.delete)
    end)

    it("sends the default billing account when none is given", function()
      local f, c = client(helper.answer(docs.ba_list_elastis), helper.answer(docs.bucket_create))
      assert(c.buckets:create { name = "pang1" })
      helper.expect(f, 1, { "GET", "/v1/payment/billing_account/list" })
      helper.expect(f, 2, { "PUT", BUCKET, form = { name = "pang1", billing_account_id = "6" } })
    end)

    it("sends names of 3 and 63 characters, dots and dashes inside", function()
      for _, name in ipairs { "abc", string.rep("a", 63), "my.logs-2024", "a-b.c-d", "0day" } do
        local f, c = client(helper.answer(docs.bucket_create))
        assert(c.buckets:create { name = name, billing_account_id = 6 })
        assert.equal(name, helper.sent(f, 1).form.name)
      end
    end)

    it("refuses names against the S3 rules, near misses included, sending nothing", function()
      local f, c = client()
      for _, name in ipairs { "ab", string.rep("a", 64), "", "Pang1", "my_bucket", "my bucket", "-abc", "abc-",
        ".abc", "abc.", "a..b", "a.-b", "a-.b", "192.168.1.1", "xn--abc", "abc-s3alias", "abc--ol-s3", "pang1/x" } do
        helper.refuses(f, function() return c.buckets:create { name = name, billing_account_id = 6 } end, "name")
      end
    end)

    it("refuses a missing name, mistyped or unknown parameters, sending nothing", function()
      local f, c = client()
      helper.refuses(f, function() return c.buckets:create { billing_account_id = 6 } end, "name")
      helper.refuses(f, function() return c.buckets:create { name = 12345, billing_account_id = 6 } end, "name")
      helper.refuses(f, function() return c.buckets:create { name = "pang1", billing_account_id = "6" } end,
        "billing_account_id")
      helper.refuses(f, function() return c.buckets:create { name = "pang1", region = "jkt" } end, "region")
      helper.refuses(f, function() return c.buckets:create "pang1" end)
    end)
  end)
end)

describe("bucket objects", function()
  it("reload sends GET ?name= and updates in place", function()
    local f, b = with_bucket(helper.answer(docs.bucket_update))
    assert.equal(b, assert(b:reload()))
    helper.expect(f, 2, { "GET", BUCKET, query = { name = "pang1" } })
    assert.equal(1, b.num_objects)
  end)

  it("update sends PATCH /v1/storage/bucket {name, billing_account_id} and updates in place", function()
    local f, b = with_bucket(helper.answer(docs.bucket_update))
    assert.equal(b, assert(b:update { billing_account_id = 129072 }))
    helper.expect(f, 2, { "PATCH", BUCKET, form = { name = "pang1", billing_account_id = "129072" } })
    assert.equal(129072, b.billing_account_id)
    assert.equal(3425, b.size_bytes)
  end)

  it("update refuses a missing or mistyped billing account, sending nothing", function()
    local f, b = with_bucket()
    helper.refuses(f, function() return b:update {} end, "billing_account_id")
    helper.refuses(f, function() return b:update { billing_account_id = "7" } end, "billing_account_id")
    helper.refuses(f, function() return b:update { billing_account_id = 7, size = 1 } end, "size")
  end)

  it("update keeps its own name", function()
    local f, b = with_bucket(helper.answer(docs.bucket_update))
    local res, err = b:update { name = "someone-else", billing_account_id = 129072 }
    if res == nil then
      assert.equal("invalid", err.kind)
      assert.equal(1, #f.requests)
    else
      assert.equal("pang1", helper.sent(f, 2).form.name)
    end
  end)

  it("delete sends DELETE /v1/storage/bucket?name= and answers true on the docs' 204", function()
    local f, b = with_bucket({ status = 204, body = "", headers = {} })
    assert.is_true(b:delete())
    helper.expect(f, 2, { "DELETE", BUCKET, query = { name = "pang1" } })
  end)

  it("delete refuses force and unknown options, sending nothing", function()
    local f, b = with_bucket()
    local err = helper.refuses(f, function() return b:delete { force = true } end, "force")
    assert.matches("S3", err.message)
    helper.refuses(f, function() return b:delete { recursive = true } end)
    helper.refuses(f, function() return b:delete "now" end)
  end)
end)
