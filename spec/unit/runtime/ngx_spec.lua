-- runtime/ngx.lua's phases without cosockets, on a stand-in ngx: the default transport is
-- refused there (it would block the worker), with or without the C core; transport = "curl"
-- set explicitly is not.
local function fresh(phase)
  local saved = { ngx = rawget(_G, "ngx"), rt = package.loaded["idcloudhost.runtime.ngx"],
    tr = package.loaded["idcloudhost.transport.ngx"] }
  _G.ngx = { get_phase = function() return phase end, NOTICE = 6, log = function() end,
    socket = { tcp = function() end } }
  package.loaded["idcloudhost.runtime.ngx"], package.loaded["idcloudhost.transport.ngx"] = nil, nil
  local m = require "idcloudhost.runtime.ngx"
  return m, function()
    _G.ngx = saved.ngx
    package.loaded["idcloudhost.runtime.ngx"], package.loaded["idcloudhost.transport.ngx"] = saved.rt, saved.tr
  end
end

describe("nginx phases without cosockets", function()
  it("refuse the default transport, naming the phase and ngx.timer.at(0, fn)", function() -- ngx-auto-refuse
    for _, phase in ipairs { "log", "init", "header_filter" } do
      local m, restore = fresh(phase)
      local rt = m.active()
      local why = rt:refuse("curl", true)
      local ngx_why = rt:refuse("ngx", false)
      local explicit = rt:refuse("curl", false)
      restore()
      assert.equal("ngx-blocking", rt.name)
      assert.matches("nginx's " .. phase .. " phase", why, 1, true)
      assert.matches("ngx.timer.at(0, fn)", why, 1, true)
      assert.matches("the ngx transport cannot run in nginx's " .. phase, ngx_why, 1, true)
      assert.is_nil(explicit) -- transport = "curl", asked for: the C core blocks (it is built here)
    end
  end)

  it("a client's call there is an invalid error before anything is sent; the batch's items too", function()
    local _, restore = fresh("log")
    local idcloudhost = require "idcloudhost"
    local sent = 0
    local c = assert(idcloudhost.new { apikey = "k", base_url = "http://127.0.0.1:9", retries = 0 })
    local vms, err = c.vms:list()
    local results = c:batch({ 1, 2 }, function(_, cl) return cl.vms:list() end)
    local forced = assert(idcloudhost.new { apikey = "k", base_url = "http://127.0.0.1:9", retries = 0, transport = "curl" })
    local _, ferr = forced.vms:list()
    restore()
    assert.is_nil(vms)
    assert.equal("invalid", err.kind)
    assert.matches("no call runs in nginx's log phase by default", err.message, 1, true)
    assert.equal(0, sent)
    assert.equal(2, #results)
    for _, r in ipairs(results) do
      assert.is_false(r.ok)
      assert.equal("invalid", r.err.kind)
    end
    assert.equal("network", ferr.kind) -- explicit curl went out (and found nothing listening)
  end)
end)

describe("the debug log inside nginx", function()
  it("attributes each line to the SDK's call site in the caller's code, not to the SDK", function() -- ngx-log-site
    local logged = {}
    package.preload["ngx.errlog"] = function()
      return { raw_log = function(level, msg) logged[#logged + 1] = { level = level, msg = msg } end }
    end
    local _, restore = fresh("content")
    _G.ngx.now, _G.ngx.update_time, _G.ngx.sleep = function() return 1000 end, function() end, function() end
    local idcloudhost = require "idcloudhost"
    local c = assert(idcloudhost.new { apikey = "SeCrEt-KeY-42", base_url = "http://127.0.0.1:9", debug = true,
      transport = function() return { status = 200, body = "[]", headers = {} } end })
    local line = debug.getinfo(1, "l").currentline + 1
    local vms, err = c.vms:list()
    restore()
    package.preload["ngx.errlog"], package.loaded["ngx.errlog"] = nil, nil
    assert.is_table(vms, err and tostring(err))
    assert.equal(1, #logged)
    assert.equal(6, logged[1].level)
    assert.matches("^%[lua%] ngx_spec%.lua:" .. line .. ": [%w_]*%(%): idcloudhost: GET /v1/user%-resource/vm/list %-> 200",
      logged[1].msg)
    assert.not_matches("SeCrEt", logged[1].msg, 1, true)
  end)
end)
