-- TLS specs for the C core: certificates made at test time by the openssl
-- command, served by spec/core/server.lua over cqueues + luaossl.  Pending
-- when openssl or the server's Lua modules are missing.

local core = require "idcloudhost.core"
local H = require "spec.core.helper"

local unpack = table.unpack or unpack

local function assert_fails(name, res, msg, got)
  assert.is_nil(res, name .. " expected, got an answer")
  assert.equal(name, got, msg)
  assert.equal(name .. ": ", msg:sub(1, #name + 2))
end

describe("idcloudhost.core over TLS", function()
  local dir, helper

  setup(function()
    dir = H.certs()
    if dir then helper = H.start(dir) end
  end)
  teardown(function()
    H.stop(helper)
    H.rmdir(dir)
  end)

  local plain_it = it
  local function it(name, fn)
    plain_it(name, function()
      if not dir then pending("needs the openssl command") end
      if not helper then pending("needs lua5.3 or lua5.4 with cqueues and luaossl") end
      fn()
    end)
  end

  local function url(name, path)
    return "https://127.0.0.1:" .. helper.port["tls-" .. name] .. (path or "/echo")
  end

  -- request and send/perform/result must agree on every case
  local function both(opts, name, path)
    local s = core.session(opts)
    local r = H.req(url(name, path), {timeout = 10})
    local a = {s:request(r)}
    local id = assert(s:send(r))
    local b = H.drain(s)[id]
    s:close()
    assert.same(H.outcome(unpack(a, 1, 3)), H.outcome(unpack(b, 1, 3)))
    return unpack(a, 1, 3)
  end

  it("accepts the server with ca_file pointing at its CA", function()
    local res = both({ca_file = dir .. "/ca.pem"}, "good")
    assert.equal(200, res.status)
    assert.matches("^GET /echo\n", res.body)
  end)

  it("refuses an unknown CA (the system's CAs do not know ours)", function()
    local res, msg, name = both({}, "good")
    assert_fails("PEER_FAILED_VERIFICATION", res, msg, name)
    assert.matches("certificate", msg)
  end)

  it("refuses a self-signed certificate, even with ca_file given", function()
    assert_fails("PEER_FAILED_VERIFICATION", both({ca_file = dir .. "/ca.pem"}, "self"))
  end)

  it("refuses an expired certificate from a trusted CA", function()
    local res, msg, name = both({ca_file = dir .. "/ca.pem"}, "expired")
    assert_fails("PEER_FAILED_VERIFICATION", res, msg, name)
    assert.matches("expired", msg)
  end)

  it("verifies the host name: a trusted certificate for another name is refused", function()
    local res, msg, name = both({ca_file = dir .. "/ca.pem"}, "other")
    assert_fails("PEER_FAILED_VERIFICATION", res, msg, name)
    assert.matches("127%.0%.0%.1", msg)
  end)

  it("accepts anything with insecure = true", function()
    for _, name in ipairs{"good", "self", "expired", "other"} do
      assert.equal(200, both({insecure = true}, name).status, name)
    end
  end)

  it("names an unreadable ca_file SSL_CACERT_BADFILE", function()
    assert_fails("SSL_CACERT_BADFILE", both({ca_file = dir .. "/missing.pem"}, "good"))
  end)

  it("keeps a TLS connection alive across requests", function()
    local s = core.session{ca_file = dir .. "/ca.pem"}
    local r = H.req(url("good"))
    local c = s:request(r).headers["x-conn"]
    assert.equal(c, s:request(r).headers["x-conn"])
    local id = s:send(r)
    assert.equal(c, H.drain(s)[id][1].headers["x-conn"])
    assert.are_not.equal(c, s:request(H.req(url("good"), {fresh = true})).headers["x-conn"])
    s:close()
  end)
end)
