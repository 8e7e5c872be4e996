-- HTTPS through cosockets: verification is on by default, trust comes from
-- lua_ssl_trusted_certificate, the host name is checked, and insecure = true turns it off
-- without its connections ever serving a verifying client.
local D = require "spec.nginx.driver"

describe("TLS on the ngx transport (" .. tostring(D.MODE) .. ")", function()
  it("refuses a certificate signed by a CA that nginx does not trust", function()
    local r = D.get("/t/tls/default?to=tls").json
    assert.is_false(r.ok)
    assert.equal("network", r.error.kind)
    assert.equal("PEER_FAILED_VERIFICATION", r.error.code)
    assert.matches("lua_ssl_trusted_certificate", r.error.message, 1, true)
  end)

  it("accepts it with its CA in lua_ssl_trusted_certificate", function()
    local r = D.get("/t/tls/trusted?to=tls").json
    assert.is_true(r.ok, r.error and r.error.message)
  end)

  it("refuses a trusted certificate for another host name", function()
    local r = D.get("/t/tls/trusted?to=wrong").json
    assert.is_false(r.ok)
    assert.equal("PEER_FAILED_VERIFICATION", r.error.code)
  end)

  it("turns verification off with insecure = true, in a pool of its own", function()
    -- The certificate for another name: only an insecure client gets through, and its pooled
    -- connection (and TLS session) must never serve a verifying client afterwards.
    assert.is_true(D.get("/t/tls/trusted?to=wrong&insecure=1").json.ok)
    local r = D.get("/t/tls/trusted?to=wrong").json
    assert.is_false(r.ok, "a verifying client got the insecure client's connection")
    assert.equal("PEER_FAILED_VERIFICATION", r.error.code)
  end)
end)
