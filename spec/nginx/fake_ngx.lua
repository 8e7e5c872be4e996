-- idcloudhost.fake inside a real nginx (spec/nginx/fake_handler.lua): the shared scenario runs in
-- a request handler, on a virtual clock (30 s settles) and on nginx's own (ngx.sleep).
local D = require "spec.nginx.driver"

describe("idcloudhost.fake inside nginx (" .. tostring(D.MODE) .. ")", function()
  it("runs the scenario on a virtual clock, LuaJIT, without lua-http or cqueues", function()
    local r = D.get("/fake/virtual")
    assert.equal(200, r.status, r.body)
    local v = r.json
    assert.is_true(v.ok, v.error)
    assert.same({}, v.left)
    assert.equal(3, v.stops)
    assert.is_true(v.simulated >= 60)
    assert.is_true(v.real < 5)
    assert.equal("Lua 5.1", v.version)
    assert.matches("^LuaJIT", v.jit)
    assert.same({}, v.loaded)
    assert.equal("cjson", v.backend)   -- nginx's own lua-cjson
  end)

  it("runs it on nginx's clock, its waits sleeping in ngx.sleep while the worker serves others", function()
    local pending = D.start("GET", D.URL .. "/fake/real")
    local ping = D.get("/t/ping")
    local r = pending()
    assert.equal(200, r.status, r.body)
    assert.is_true(r.json.ok, r.json.error)
    assert.same({}, r.json.left)
    assert.is_true(r.json.real >= 0.4)             -- two settles of 0.2 s, really waited
    assert.is_true(ping.finished < r.finished)     -- the worker answered meanwhile
  end)
end)
