-- API tokens on a scripted transport: client.tokens and token objects (endpoints 3-6 of
-- docs/endpoints.md).  A token's secret never shows in tostring.
local helper = require "spec.helper"
local docs = require "spec.fixtures.unit_docs"

local TOKEN = "/v1/user-resource/token"

local client = helper.scripted -- (f, a client on cyc01)

-- A fake whose first answer is the docs' token list, and its tokens: 2 (unrestricted), 7
-- (restricted to billing account 6).
local function with_tokens(...)
  local f, c = client(helper.answer(docs.token_list), ...)
  local list = assert(c.tokens:list())
  return f, list[1], list[2]
end

describe("client.tokens", function()
  it("list sends GET /v1/user-resource/token/list and answers token objects", function()
    local f, c = client(helper.answer(docs.token_list))
    local tokens = assert(c.tokens:list())
    helper.expect(f, 1, { "GET", TOKEN .. "/list" })
    assert.equal(2, #tokens)
    assert.equal(2, tokens[1].id)
    assert.is_false(tokens[1].restricted)
    assert.equal("vYNKd8VWHg583sTkAZ8vKbyVtyXWILXn", tokens[1].token)
    assert.equal(6, tokens[2].billing_account_id)
    for _, t in ipairs(tokens) do
      assert.is_function(t.update)
      assert.is_function(t.delete)
      assert.not_matches(t.token, tostring(t), 1, true)
    end
    assert.equal('token 7 "Token Description" restricted to billing account 6', tostring(tokens[2]))
    assert.equal('token 2 "hea token" unrestricted', tostring(tokens[1]))
  end)

  it("create sends the docs' form to POST /v1/user-resource/token and answers the new token", function()
    local f, c = client(helper.answer(docs.token_create))
    local t = assert(c.tokens:create { description = "Token Description", restricted = true, billing_account_id = 6 })
    helper.expect(f, 1, { "POST", TOKEN, form = { description = "Token Description", restricted = "true",
      billing_account_id = "6" } })
    assert.equal(7, t.id)                                -- the newest of the list the platform answers
    assert.equal("PS2vfOCKuU52be83QZhMMndqOusfFkHr", t.token)
    assert.is_true(t.restricted)
    assert.is_function(t.delete)
  end)

  it("create sends only what it is given", function()
    local f, c = client(helper.answer(docs.token_create))
    assert(c.tokens:create { description = "ci" })
    helper.expect(f, 1, { "POST", TOKEN, form = { description = "ci" } })
  end)

  it("create refuses a restricted token without its billing account, and bad parameters, sending nothing", function()
    local f, c = client()
    helper.refuses(f, function() return c.tokens:create { restricted = true } end, "billing_account_id")
    helper.refuses(f, function() return c.tokens:create { restricted = true, billing_account_id = 0 } end, "billing_account_id")
    helper.refuses(f, function() return c.tokens:create { restricted = "yes", billing_account_id = 6 } end, "restricted")
    helper.refuses(f, function() return c.tokens:create { description = "x", token_id = 3 } end, "token_id")
    helper.refuses(f, function() return c.tokens:create "ci" end)
  end)
end)

describe("token objects", function()
  -- The docs show no successful update: the platform answers the token list, as for a create.
  local CHANGED = (docs.token_list:gsub('"hea token"', '"Description changed"'))

  it("update sends PATCH /v1/user-resource/token and leaves restricted out of an unrestricted token", function()
    local f, t2 = with_tokens(helper.answer(CHANGED))
    assert.equal(t2, assert(t2:update { description = "Description changed" }))
    helper.expect(f, 2, { "PATCH", TOKEN, form = { token_id = "2", description = "Description changed" } })
    assert.equal("Description changed", t2.description)
    assert.equal(2, t2.id)
  end)

  it("update keeps a restricted token restricted to its billing account", function()
    local f, _, t7 = with_tokens(helper.answer(docs.token_list))
    assert(t7:update { description = "ci runner" })
    helper.expect(f, 2, { "PATCH", TOKEN, form = { token_id = "7", description = "ci runner", restricted = "true",
      billing_account_id = "6" } })
  end)

  it("update {restricted = false} leaves restricted and the billing account out", function()
    local f, _, t7 = with_tokens(helper.answer(docs.token_list))
    assert(t7:update { restricted = false })
    helper.expect(f, 2, { "PATCH", TOKEN, form = { token_id = "7", description = "Token Description" } })
  end)

  it("update refuses no changes, a restriction without an account and its own id, sending nothing", function()
    local f, t2 = with_tokens()
    helper.refuses(f, function() return t2:update() end)
    helper.refuses(f, function() return t2:update {} end)
    helper.refuses(f, function() return t2:update { restricted = true } end, "billing_account_id")
    helper.refuses(f, function() return t2:update { token_id = 7, description = "x" } end, "token_id")
    helper.refuses(f, function() return t2:update { description = {} } end, "description")
  end)

  it("delete sends DELETE /v1/user-resource/token {token_id} and answers true", function()
    local f, _, t7 = with_tokens(helper.answer(docs.success))
    assert.is_true(t7:delete())
    helper.expect(f, 2, { "DELETE", TOKEN, form = { token_id = "7" } })
  end)
end)
