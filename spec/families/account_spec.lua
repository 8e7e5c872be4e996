-- The account families against the simulator: user, tokens, locations, catalog, pricing,
-- campaigns.  (Billing accounts and what hangs off them: spec/families/billing_spec.lua.)
local helper = require "spec.helper"
local idcloudhost = require "idcloudhost"

local count = helper.count
local refused = helper.refused -- kind "invalid", nothing sent

describe("user", function()
  local client

  before_each(function()
    client = helper.fresh_client()
  end)

  it("gets the user and changes the profile", function()
    local user = assert(client.user:get())
    assert.equal(8, user.id)
    assert.equal("user@example.com", user.name)
    assert.equal("Cloudia", user.profile_data.first_name)
    assert.equal('user 8 user@example.com (Cloudia Iaas)', tostring(user))

    local profile = assert(client.user:update { first_name = "Ani", phone_number = "+62 21 555" })
    assert.equal("Ani", profile.first_name)
    assert.equal("Iaas", profile.last_name)            -- left out: unchanged
    assert.equal("+62 21 555", profile.phone_number)
    local again = assert(client.user:get())
    assert.equal("Ani", again.profile_data.first_name)
    assert.equal("+62 21 555", again.profile_data.phone_number)
    local log = helper.log()
    assert.equal("PATCH", log[#log - 1].method)
    assert.equal("/v1/user-resource/user/profile", log[#log - 1].path)
  end)

  it("refuses an empty or unknown profile change without sending", function()
    refused(function() return client.user:update {} end, "at least one of")
    refused(function() return client.user:update() end, "at least one of")
    refused(function() return client.user:update { nickname = "x" } end, "unknown parameter 'nickname'")
    refused(function() return client.user:update { first_name = {} } end, "'first_name' must be a string")
  end)
end)

describe("tokens", function()
  local client

  before_each(function()
    client = helper.fresh_client { location = "cyc01" }
  end)

  it("creates, lists, updates and deletes tokens, and never prints a secret", function()
    assert.same({}, assert(client.tokens:list()))
    local t = assert(client.tokens:create { description = "ci runner" })
    assert.equal("ci runner", t.description)
    assert.is_false(t.restricted)
    assert.equal(32, #t.token)
    assert.equal("token " .. t.id .. ' "ci runner" unrestricted', tostring(t))
    assert.not_matches(t.token, tostring(t), 1, true)

    local r = assert(client.tokens:create { description = "billing bot", restricted = true, billing_account_id = 7 })
    assert.is_true(r.restricted)
    assert.equal(7, r.billing_account_id)
    assert.is_true(r.id > t.id)                        -- the new one, not the first of the list
    assert.equal("token " .. r.id .. ' "billing bot" restricted to billing account 7', tostring(r))
    assert.not_matches(r.token, tostring(r), 1, true)

    local list = assert(client.tokens:list())
    assert.equal(2, #list)
    assert.equal(t.id, list[1].id)

    -- a description change keeps the restriction (the SDK sends `restricted` again)
    assert.equal(r, assert(r:update { description = "billing robot" }))
    assert.equal("billing robot", r.description)
    assert.is_true(r.restricted)
    assert.equal(7, r.billing_account_id)
    -- and lifting it leaves `restricted` out, which is how the platform lifts it
    assert(r:update { restricted = false })
    assert.is_false(r.restricted)
    local log = helper.log()
    assert.is_nil(log[#log].params.restricted)
    assert.equal("billing robot", log[#log].params.description)

    assert.is_true(assert(t:delete()))
    assert.equal(1, #assert(client.tokens:list()))
    local ok, err = t:delete()
    assert.is_nil(ok)
    assert.equal(400, err.status)
    assert.equal("Failed to delete kong token.", err.message)
  end)

  it("makes tokens that work as api keys until deleted", function()
    local t = assert(client.tokens:create { description = "second key" })
    local other = helper.client { apikey = t.token }
    assert.equal(8, assert(other.user:get()).id)
    assert(t:delete())
    local res, err = other.user:get()
    assert.is_nil(res)
    assert.equal(403, err.status)
    assert.equal("Invalid authentication credentials", err.message)
    assert.not_matches(t.token, tostring(err), 1, true)
  end)

  it("keeps a restricted token to its billing account", function()
    local t = assert(client.tokens:create { description = "side", restricted = true, billing_account_id = 7 })
    local side = helper.client { apikey = t.token, location = "cyc01" }
    local list = assert(side.billing_accounts:list())
    assert.equal(1, #list)
    assert.equal(7, list[1].id)
    assert.equal(7, assert(side.billing_accounts:get(7)).id)
    local res, err = side.billing_accounts:get(6)
    assert.is_nil(res)
    assert.equal(403, err.status)
    assert.equal("consumer::resource_forbidden", err.code)
    assert.equal("Consumer not allowed to access resource.", err.message)
    -- nor may it manage tokens
    res, err = side.tokens:list()
    assert.is_nil(res)
    assert.equal(403, err.status)
    assert.equal("consumer::resource_forbidden", err.code)
    res, err = side.tokens:create { description = "escalate" }
    assert.is_nil(res)
    assert.equal(403, err.status)
  end)

  it("refuses a restricted token without a billing account, and bad options, without sending", function()
    refused(function() return client.tokens:create { restricted = true } end, "needs billing_account_id")
    refused(function() return client.tokens:create { restricted = "yes" } end, "'restricted' must be true or false")
    refused(function() return client.tokens:create { colour = "red" } end, "unknown parameter 'colour'")
    local t = assert(client.tokens:create { description = "x" })
    refused(function() return t:update { restricted = true } end, "needs billing_account_id")
    refused(function() return t:update {} end, "at least one of")
    refused(function() return t:update { billing_account_id = 1.5 } end, "must be a whole number")
  end)

  it("passes on the platform's refusals", function()
    local res, err = client.tokens:create { restricted = true, billing_account_id = 99 }
    assert.is_nil(res)
    assert.equal(400, err.status)
    assert.equal("Provided billing account is incorrect.", err.message)
    local t = assert(client.tokens:create { description = "x" })
    assert(t:delete())
    res, err = t:update { description = "y" }
    assert.is_nil(res)
    assert.equal("Failed to update token.", err.message)
  end)
end)

describe("locations", function()
  before_each(helper.reset)

  it("lists the locations and makes a client for each", function()
    local client = helper.client()
    local locs = assert(client.locations:list())
    assert.equal(2, #locs)
    assert.equal("cyc01", locs[1].slug)
    assert.equal("Cycletown", locs[1].display_name)
    assert.is_true(locs[1].is_default)
    assert.is_false(locs[2].is_default)
    assert.equal('location cyc01 "Cycletown" (default)', tostring(locs[1]))
    local bus = assert(locs[2]:client())
    assert.equal("bus02", bus.location)
    assert.equal(client._io, bus._io)
    assert(bus.vms:create(helper.vm_params { name = "in-bus" }))
    assert.equal(1, #assert(bus.vms:list()))
    assert.equal(0, #assert(assert(locs[1]:client()).vms:list()))
  end)
end)

describe("catalog", function()
  local client

  before_each(function()
    client = helper.fresh_client()
  end)

  it("serves the VM parameters, and the pools' guest limits that VM creation is checked against", function()
    local ps = assert(client.catalog:vm_parameters())
    local by = {}
    for _, p in ipairs(ps) do by[p.parameter] = p end
    assert.is_not_nil(by.os_name)
    assert.is_nil(by.disks) -- the platform keeps sizes in the pools, not here
    local pool = assert(client.vms:pools())[1]
    local limits = pool.guest_limits.disk_gb
    local _, err = client.vms:create(helper.vm_params { disks = limits.max + 1 })
    assert.equal(400, err.status)
    assert.matches("disks", err.message)
    assert(client.vms:create(helper.vm_params { disks = limits.max }))
  end)

  it("lists the images, the plain OS ones and the App Catalog ones", function()
    local all = assert(client.catalog:images())
    local plain = assert(client.catalog:plain_os_images())
    local app = assert(client.catalog:app_catalog_images())
    assert.equal(#all, #plain + #app)
    assert.is_true(#app >= 1)
    for _, img in ipairs(plain) do assert.is_false(img.is_app_catalog) end
    for _, img in ipairs(app) do assert.is_true(img.is_app_catalog) end
    local ubuntu
    for _, img in ipairs(all) do if img.os_name == "ubuntu" then ubuntu = img end end
    local versions = {}
    for _, v in ipairs(ubuntu.versions) do versions[v.os_version] = v.published end
    assert.is_true(versions["22.04"])
    -- every listed image can be created
    local img = app[1]
    assert(client.vms:create(helper.vm_params { os_name = img.os_name, os_version = img.versions[1].os_version }))
  end)
end)

describe("pricing and campaigns", function()
  before_each(helper.reset)

  it("reads the pricing policy", function()
    local policy = assert(helper.client().pricing:policy())
    local cpu
    for _, p in ipairs(policy) do if p.resourceType == "CPU" then cpu = p end end
    assert.equal(1, cpu.numCpus)
    assert.equal(0.00521, cpu.price)
  end)

  it("says a policy answer without a policy is a decode error", function()
    local f = helper.fake { { status = 200, body = '{"rules": []}' } }
    local res, err = f.client().pricing:policy()
    assert.is_nil(res)
    assert.equal("decode", err.kind)
  end)

  it("tells whether campaigns are active", function()
    assert.is_true(helper.client().payments:has_active_campaigns())
    local f = helper.fake { { status = 200, body = '{"success": false}' } }
    assert.is_false(f.client().payments:has_active_campaigns())
    assert.equal("https://api.example.test/v1/payment/has_active_campaigns", f.requests[1].url)
    assert.equal(1, count("GET", "/v1/payment/has_active_campaigns"))
  end)
end)

describe("nested JSON strings", function()
  it("decodes the ones that parse and keeps the others as strings", function()
    local nested = require "idcloudhost.families.kit.nested"
    local t = nested.decode({ a = '{"x": [1, 2]}', b = "{'type': 'paying_by_invoice'}", c = "plain", d = "[1]" },
      { "a", "b", "c", "d", "e" })
    assert.same({ 1, 2 }, t.a.x)
    assert.equal("{'type': 'paying_by_invoice'}", t.b)
    assert.equal("plain", t.c)
    assert.same({ 1 }, t.d)
    assert.is_true(idcloudhost.json.is_array(t.d))
  end)
end)
