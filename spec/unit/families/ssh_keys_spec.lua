-- SSH keys on a scripted transport: client.ssh_keys and key objects (endpoints 101-104 of
-- docs/endpoints.md: the 2025-12 edition).  JSON bodies, no location slug; create answers 201
-- (the docs) or 200 (live), delete 204 (the docs) or 200 (live); there is no GET of one key.
local cjson = require "cjson"
local helper = require "spec.helper"
local docs = require "spec.fixtures.unit_docs"

local K1 = "3f8f4c5a-2c6d-4f0a-9a3a-8c9f6e3f1a2b"
local K2 = "9a7c1df2-6e44-4330-b6a1-3b77f5c1e8d0"
local BASE = "/v1/user-resource/ssh_keys"
local PUB = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMockPublicKeyData user@host"

local client = helper.scripted

local function with_key(...)
  local f, c = client(helper.answer(docs.ssh_key_list), ...)
  return f, assert(c.ssh_keys:get(K1)), c
end

describe("client.ssh_keys", function()
  it("list sends GET /v1/user-resource/ssh_keys (no slug) and answers key objects", function()
    local f, c = client(helper.answer(docs.ssh_key_list))
    local keys = assert(c.ssh_keys:list())
    helper.expect(f, 1, { "GET", BASE })
    assert.equal(2, #keys)
    assert.equal("laptop-mbp", keys[1].name)
    assert.equal(PUB, keys[1].public_key)
    assert.equal(K2, keys[2].uuid)
    for _, m in ipairs { "reload", "rename", "delete" } do assert.is_function(keys[1][m], m) end
    assert.equal('ssh_key ' .. K1 .. ' "laptop-mbp" ssh-ed25519 ...cKeyData user@host', tostring(keys[1]))
  end)

  it("get finds a key in the list by uuid (any case) or by name", function()
    local f, c = client(helper.answer(docs.ssh_key_list), helper.answer(docs.ssh_key_list))
    assert.equal(K2, assert(c.ssh_keys:get(K2:upper())).uuid)
    assert.equal(K2, assert(c.ssh_keys:get("office-desktop")).uuid)
    helper.expect(f, 1, { "GET", BASE })
    helper.expect(f, 2, { "GET", BASE })
  end)

  it("get of a key the list lacks is a not_found api error", function()
    local _, c = client(helper.answer(docs.ssh_key_list))
    local key, err = c.ssh_keys:get("aaaaaaaa-0000-bbbb-1111-cccccccccccc")
    assert.is_nil(key)
    assert.equal("api", err.kind)
    assert.is_true(err.not_found)
  end)

  it("get refuses what is no uuid or name, sending nothing", function()
    local f, c = client()
    helper.refuses(f, function() return c.ssh_keys:get() end, "uuid")
    helper.refuses(f, function() return c.ssh_keys:get("") end, "uuid")
    helper.refuses(f, function() return c.ssh_keys:get(42) end, "uuid")
  end)

  it("create sends POST with a JSON {name, public_key} and takes 201 or 200", function()
    for _, status in ipairs { 201, 200 } do
      local f, c = client(helper.answer(docs.ssh_key_create, status))
      local key = assert(c.ssh_keys:create { name = "laptop-mbp", public_key = PUB })
      helper.expect(f, 1, { "POST", BASE, json = { name = "laptop-mbp", public_key = PUB } })
      assert.equal(K1, key.uuid)
      assert.is_function(key.rename)
    end
  end)

  it("create refuses a missing name or key and unknown parameters, sending nothing", function()
    local f, c = client()
    helper.refuses(f, function() return c.ssh_keys:create { public_key = PUB } end, "name")
    helper.refuses(f, function() return c.ssh_keys:create { name = "x" } end, "public_key")
    helper.refuses(f, function() return c.ssh_keys:create { name = "x", public_key = "" } end, "public_key")
    helper.refuses(f, function() return c.ssh_keys:create { name = "x", public_key = PUB, fingerprint = "y" } end,
      "fingerprint")
  end)

  it("create reports a taken name (409) as an api error", function()
    local _, c = client(helper.answer('{"errors": {"Error": "SSH key with this name already exists"}}', 409))
    local key, err = c.ssh_keys:create { name = "laptop-mbp", public_key = PUB }
    assert.is_nil(key)
    assert.equal("api", err.kind)
    assert.equal(409, err.status)
  end)
end)

describe("ssh_key objects", function()
  it("rename sends PATCH /v1/user-resource/ssh_keys/{uuid} with a JSON name and updates in place", function()
    local f, key = with_key(helper.answer(docs.ssh_key_rename))
    assert.equal(key, assert(key:rename("personal-laptop")))
    helper.expect(f, 2, { "PATCH", BASE .. "/" .. K1, json = { name = "personal-laptop" } })
    assert.equal("personal-laptop", key.name)
    assert.equal(PUB, key.public_key)
  end)

  it("rename refuses a missing or mistyped name, sending nothing", function()
    local f, key = with_key()
    helper.refuses(f, function() return key:rename() end, "name")
    helper.refuses(f, function() return key:rename { name = "x" } end, "name")
  end)

  it("delete sends DELETE /v1/user-resource/ssh_keys/{uuid} and takes 204, 200 empty or the key", function()
    for _, answer in ipairs { { status = 204, body = "" }, helper.answer(""), helper.answer(docs.ssh_key_create) } do
      local f, key = with_key(answer)
      assert.is_true(assert(key:delete()))
      helper.expect(f, 2, { "DELETE", BASE .. "/" .. K1 })
      assert.is_true(key.deleted)
    end
  end)

  it("reload finds the key again in the list", function()
    local renamed = docs.ssh_key_list:gsub('"laptop%-mbp"', '"renamed"')
    local f, key = with_key(helper.answer(renamed))
    assert.equal(key, assert(key:reload()))
    helper.expect(f, 2, { "GET", BASE })
    assert.equal("renamed", key.name)
  end)
end)

describe("ssh keys: hostile answers", function()
  it("a list that is no list of keys, or a create without a key, is a decode error", function()
    for _, body in ipairs { "{}", '[{"name": "x"}]', '"ok"', "<html></html>" } do
      local _, c = client(helper.answer(body))
      local keys, err = c.ssh_keys:list()
      assert.is_nil(keys)
      assert.equal("decode", err.kind, body)
    end
    for _, answer in ipairs { { status = 201, body = "" }, helper.answer("[]"), helper.answer('{"name": "x"}') } do
      local _, c = client(answer)
      local key, err = c.ssh_keys:create { name = "x", public_key = PUB }
      assert.is_nil(key)
      assert.equal("decode", err.kind)
      assert.is_true(err.uncertain) -- the key may exist: never "success", never replayed
    end
  end)

  it("a rename answered 204 is an error, not the key", function()
    local _, key = with_key({ status = 204, body = "" })
    local ok, err = key:rename("x")
    assert.is_nil(ok)
    assert.equal("decode", err.kind)
  end)

  it("the created key reads back with its fields whatever else comes", function()
    local body = cjson.decode(docs.ssh_key_create)
    body.fingerprint = "SHA256:abc"
    local _, c = client(helper.answer(cjson.encode(body)))
    local key = assert(c.ssh_keys:create { name = "laptop-mbp", public_key = PUB })
    assert.equal("SHA256:abc", key.fingerprint)
  end)
end)
