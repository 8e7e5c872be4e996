-- Issue 28, items 17-20: behaviours that worked with no spec holding them in place (a planted bug
-- in each passed every spec).  Each of these fails if the behaviour it names breaks.
local idcloudhost = require "idcloudhost"
local helper = require "spec.helper"
local runtime = require "idcloudhost.runtime"
local sched = require "idcloudhost.runtime.sched"

local KEY = "secret-key-123" -- helper.fake's
local UUID = "5aea1842-895f-4bd3-8bd6-e37b2282fb46"
local VM = '{"uuid":"' .. UUID .. '","name":"web-1","status":"running"}'

-- Every string reachable from v by pairs (keys, values, metatables), as one text.
local function dump(v, out, seen)
  out, seen = out or {}, seen or {}
  if type(v) == "string" then
    out[#out + 1] = v
  elseif type(v) == "table" and not seen[v] then
    seen[v] = true
    for k, x in next, v do dump(k, out, seen); dump(x, out, seen) end
    dump(getmetatable(v), out, seen)
  end
  return table.concat(out, "\n")
end

describe("secrets (item 17)", function()
  it("a password of exactly 8 characters echoed by the server is redacted", function()
    local f = helper.fake { { status = 400, body = '{"errors":{"Error":"password Pw345678 is weak"}}' } }
    local _, err = f.client().vms:create(helper.billed_vm_params { password = "Pw345678" })
    assert.equal("api", err.kind)
    assert.not_matches("Pw345678", dump(err), 1, true)
    assert.matches("[redacted]", err.message, 1, true)
  end)

  it('a password holding \\" is masked whole in hook records', function()
    local recs = {}
    local f = helper.fake { helper.answer("{}") }
    local c = f.client { on_request = function(r) recs[#recs + 1] = r end }
    local pw = 'ab\\"cd"ef-Tail'
    assert(c:request("POST", "/v1/x", { password = pw, name = "web" }, { json = true }))
    local body = recs[1].body
    assert.not_matches("Tail", body, 1, true)
    assert.not_matches("cd", body, 1, true)
    assert.matches('"name":"web"', body, 1, true)
  end)

  it("secret field names match in any case: secretKey, Password, TOKEN", function()
    local recs = {}
    local f = helper.fake { helper.answer("{}"), helper.answer("{}") }
    local c = f.client { on_request = function(r) recs[#recs + 1] = r end }
    local p = { secretKey = "s3-Secret-Value", Password = "Pass-Word-99", TOKEN = "tok-Value-77", name = "keep" }
    assert(c:request("POST", "/v1/x", p, { json = true }))
    assert(c:request("POST", "/v1/x", p))
    for i = 1, 2 do
      for _, v in ipairs { "s3-Secret-Value", "Pass-Word-99", "tok-Value-77" } do
        assert.not_matches(v, recs[i].body, 1, true)
      end
      assert.matches("keep", recs[i].body, 1, true)
    end
  end)

  it("a secret in a query string is masked percent-encoded too: hook, debug log, an echo in an error", function()
    local recs, lines = {}, {}
    local f = helper.fake { { status = 500, body = "echo: /v1/x?password=hunter%2022%21&x=1" }, helper.answer("{}") }
    local c = f.client { retries = 0, on_request = function(r) recs[#recs + 1] = r end,
      debug = function(l) lines[#lines + 1] = l end }
    local _, err = c:request("GET", "/v1/x", { password = "hunter 22!", x = 1 })
    assert.matches("hunter%2022%21", f.requests[1].url, 1, true) -- how it travels
    local seen = recs[1].url .. "\n" .. table.concat(lines, "\n") .. "\n" .. dump(err) .. "\n" .. tostring(err)
    assert.not_matches("hunter", seen, 1, true)
    -- masked by its name, however short (a redactor of values skips those under 4 characters)
    assert(c:request("GET", "/v1/x", { token = "a b", x = 1 }))
    assert.matches("token=[redacted]", recs[2].url, 1, true)
    assert.matches("token=[redacted]", lines[2], 1, true)
  end)

  it("a base_url with userinfo is refused without its password, with or without a scheme", function()
    for _, url in ipairs { "user:hunter2pw@api.example.test", "//user:hunter2pw@api.example.test",
      "http:/user:hunter2pw@api.example.test", "https://user:hunter2pw@api.example.test" } do
      local c, err = idcloudhost.new { apikey = KEY, base_url = url }
      assert.is_nil(c)
      assert.equal("invalid", err.kind)
      assert.equal("base_url", err.field)
      assert.not_matches("hunter2pw", dump(err), 1, true)
    end
  end)

  it("the api key is kept nowhere a dump of the client reaches", function()
    local f = helper.fake { helper.answer(VM), helper.answer(VM) }
    local c = f.client { debug = function() end, on_request = function() end }
    local vm = assert(c.vms:get(UUID))
    assert(c:at("bus02").vms:get(UUID))
    local _, _ = c.disks, c.user
    assert.not_matches(KEY, dump(c), 1, true)
    assert.not_matches(KEY, dump(vm), 1, true)
    assert.not_matches(KEY, tostring(c), 1, true)
    assert.equal(KEY, helper.header(f.requests[1], "apikey")) -- and it is sent
  end)
end)

describe("JSON on lua-cjson 2.1, the path without the core (item 18)", function()
  local env = setmetatable({}, { __index = _G })
  env.require = function(name)
    if name == "idcloudhost.core" then error("hidden") end
    if name == "idcloudhost.native" then return { err = "hidden" } end -- (the SDK's one probe for the core)
    if name == "cjson.safe" then
      -- cjson 2.1 as Debian ships it: no decode_array_with_array_mt (OpenResty's)
      local cj = require "cjson.safe"
      return { new = function()
        local inst = cj.new()
        return setmetatable({ decode_array_with_array_mt = false, array_mt = false }, { __index = inst })
      end }
    end
    return require(name)
  end

  it("an escaped backslash before a quote does not confuse the empty-array finder", function()
    -- json.lua's source, from the tree or where the SDK is installed (the rock's test section)
    local src = package.searchpath and package.searchpath("idcloudhost.json", package.path) or "lua/idcloudhost/json.lua"
    local chunk = loadfile(src, "t", env)
    if not chunk then return pending("no source of idcloudhost.json to load afresh") end
    if setfenv then setfenv(chunk, env) end -- luacheck: ignore 113 (Lua 5.1)
    local ok, json = pcall(chunk)
    if not ok then return pending("no lua-cjson: " .. tostring(json)) end
    assert.equal("cjson", json.backend)
    local v = assert(json.decode('{"a":"[]","b":"C:\\\\","c":[],"d":{}}'))
    assert.equal("[]", v.a)
    assert.equal("C:\\", v.b)
    assert.is_true(json.is_array(v.c))
    assert.is_false(json.is_array(v.d))
    v = assert(json.decode('["x\\"[]", "C:\\\\\\\\", [], "\\\\\\"]"]'))
    assert.equal('x"[]', v[1])
    assert.equal("C:\\\\", v[2])
    assert.is_true(json.is_array(v[3]))
    assert.equal('\\"]', v[4])
  end)
end)

describe("IPv6 address checks (item 19)", function()
  local check = require "idcloudhost.call.check"
  local good = { "64:ff9b:1:2:3:4:1.2.3.4", "::ffff:1.2.3.4", "1:2:3:4:5::1.2.3.4", "fe80::1", "::", "::1",
    "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7::", "ABCD:ef01::1" }
  local bad = { "1:2:3:4:5:6:7:1.2.3.4", "1:2:3", "fe80:1", "12345::1", "1:2:3:4:5:6::1.2.3.4", "1::2::3",
    "1:2:3:4:5:6:7:8:9", "1:::2", ":1:2:3:4:5:6:7", "fe80::1%eth0", "1:2:3:4:5:6:7:8::" }

  it("takes RFC 4291 forms, an IPv4 tail counting two groups", function()
    for _, a in ipairs(good) do assert.is_true(check.is_ipv6(a), a) end
  end)

  it("refuses too many or too few groups, and groups of five digits; nothing sent", function()
    local f = helper.fake {}
    local c = f.client()
    for _, a in ipairs(bad) do
      assert.is_false(check.is_ipv6(a), a)
      local res, err = c.floating_ips:get(a)
      assert.is_nil(res, a)
      assert.equal("invalid", err.kind, a)
    end
    assert.equal(0, #f.requests)
  end)
end)

describe("the default billing account (item 20)", function()
  local TWO = '[{"id":6,"is_default":false},{"id":7,"is_default":false}]'

  it('"none is marked default" is remembered: not listed again on every create', function()
    local f = helper.fake { helper.answer(TWO) }
    local c = f.client()
    for _ = 1, 3 do
      local res, err = c.vms:create(helper.vm_params())
      assert.is_nil(res)
      assert.equal("invalid", err.kind)
      assert.equal("billing_account_id", err.field)
    end
    assert.equal(1, #f.requests)
  end)

  for _, case in ipairs { { 500, "failed" }, { 403, "refused" } } do
    it("after a " .. case[2] .. " lookup, the creates of a batch do not wait the client timeout", function()
      if not runtime.yieldable_pcall then return pending("PUC Lua 5.1 cannot yield across pcall") end
      local c = { t = 0 }
      local s = sched.new { now = function() return c.t end, sleep = function(d) c.t = c.t + d end }
      local lists = 0
      local cl = assert(idcloudhost.new { apikey = KEY, base_url = "https://x.test", timeout = 5, retries = 0,
        transport = function(req)
          if req.url:find("billing_account/list", 1, true) then
            lists = lists + 1
            s:sleep(0.5)
            return { status = case[1], body = '{"errors":{"Error":"no"}}' }
          end
          return { status = 201, body = VM }
        end })
      local at = {}
      s:map(3, 3, function(i)
        local res, err = cl.vms:create(helper.vm_params())
        at[i] = c.t
        if i == 1 then s:sleep(100) end -- the item that looked up goes on living
        return res, err
      end, function() end)
      assert.equal(3, lists) -- each looks up once the one before has ended
      for i = 2, 3 do assert.is_true(at[i] < 3, "create " .. i .. " ended at " .. at[i] .. " s") end
    end)
  end
end)
