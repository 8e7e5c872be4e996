-- Issue 28, the Lua layer: the faults user code brings (values that cannot be printed, a client
-- closed in flight, proxies and odd numbers as parameters, hammering waits, abandoned batches),
-- each answered with a value, never a raise, a hang or a leak.  A scripted transport, no network.
-- (Long, on purpose: one small group per item of issue 28's Lua layer.)
local idcloudhost = require "idcloudhost"
local helper = require "spec.helper"
local runtime = require "idcloudhost.runtime"
local sched = require "idcloudhost.runtime.sched"

local UUID = "5aea1842-895f-4bd3-8bd6-e37b2282fb46"
local VM = '{"uuid":"' .. UUID .. '","name":"web-1","status":"stopped"}'

-- Values whose __tostring fails: it raises, or returns a table (a raise on 5.4, a table on LuaJIT).
local RAISES = setmetatable({}, { __tostring = function() error("__tostring raised") end })
local TABLE = setmetatable({}, { __tostring = function() return {} end })
local UNPRINTABLE = { RAISES, TABLE }

-- A clock that moves only when slept, for a scheduler: c.t.
local function clock()
  local c = { t = 0 }
  c.now = function() return c.t end
  c.sleep = function(d) c.t = c.t + d end
  return c
end

local function vm_params(over)
  return helper.billed_vm_params(over)
end

describe("values user code throws or returns, whatever their __tostring does", function()
  for n, bad in ipairs(UNPRINTABLE) do
    it("a batch item raising one is its own error; the other items' results stay (" .. n .. ")", function()
      local f = helper.fake { helper.answer(VM, 201) }
      local c = f.client()
      local results = assert(c:batch({ 1, 2, 3 }, function(i, cl)
        if i == 1 then error(bad) end
        if i == 2 then return cl.vms:create(vm_params()) end
        return nil, bad
      end, { concurrency = 1 }))
      assert.is_false(results[1].ok)
      assert.equal("error", results[1].err.kind)
      assert.matches("its __tostring", results[1].err.message, 1, true)
      assert.is_string(results[1].err.traceback)
      assert.is_true(results[2].ok) -- the write that landed is reported
      assert.equal(UUID, results[2].value.uuid)
      assert.is_false(results[3].ok)
      assert.equal("error", results[3].err.kind)
      assert.matches("its __tostring", results[3].err.message, 1, true)
      assert.is_string(tostring(results[1].err))
    end)

    it("the scheduler finishes a coroutine that raised one (" .. n .. ")", function()
      local got
      sched.new(clock()):map(1, 1, function() error(bad) end, function(_, out) got = out end)
      assert.is_false(got[1])
      assert.is_string(got.traceback)
      assert.matches("its __tostring", got.traceback, 1, true)
    end)

    it("a custom transport raising one, or returning it as its message, fails the call (" .. n .. ")", function()
      local c = helper.fake({}).client { transport = function() error(bad) end }
      local res, err = c:request("GET", "/v1/x")
      assert.is_nil(res)
      assert.equal("network", err.kind)
      assert.equal("BAD_TRANSPORT_ANSWER", err.code)
      assert.matches("its __tostring", err.message, 1, true)
      c = helper.fake({}).client { transport = function() return nil, bad end, retries = 0 }
      res, err = c:request("GET", "/v1/x")
      assert.is_nil(res)
      assert.equal("network", err.kind)
      assert.matches("its __tostring", err.message, 1, true)
    end)

    it("a wait whose function raises one ends with an error value (" .. n .. ")", function()
      local res, err = idcloudhost.wait(function() error(bad) end, { sleep = function() end })
      assert.is_nil(res)
      assert.equal("error", err.kind)
      assert.matches("its __tostring", err.message, 1, true)
    end)
  end

  it("a header value that is neither a string nor a number is a bad answer", function()
    for _, bad in ipairs(UNPRINTABLE) do
      local c = helper.fake({}).client { transport = function()
        return { status = 500, body = "", headers = { ["x-warren-correlation-id"] = bad } }
      end }
      local res, err = c:request("GET", "/v1/x")
      assert.is_nil(res)
      assert.equal("BAD_TRANSPORT_ANSWER", err.code)
      assert.is_string(tostring(err))
    end
  end)

  it("an answer whose fields raise when read is a bad answer, not a raise", function()
    local c = helper.fake({}).client { transport = function()
      return setmetatable({}, { __index = function() error("no fields here") end })
    end }
    local res, err = c:request("GET", "/v1/x")
    assert.is_nil(res)
    assert.equal("BAD_TRANSPORT_ANSWER", err.code)
  end)
end)

-- An asynchronous transport like the core's session: send/poll/result, and after close() its
-- poll and result raise "session is closed" as the core's do.
local function async_transport(answer)
  local t = { queue = {}, done = {}, sent = {}, closed = false }
  function t.send(_, req)
    if t.closed then error("session is closed") end
    t.sent[#t.sent + 1] = req
    t.queue[#t.queue + 1] = { id = #t.sent, req = req }
    return #t.sent
  end
  function t.poll()
    if t.closed then error("session is closed") end
    local q = table.remove(t.queue, 1)
    if not q then return {} end
    t.done[q.id] = answer(q.req)
    return { q.id }
  end
  function t.result(_, id)
    if t.closed then error("session is closed") end
    local r = t.done[id]
    t.done[id] = nil
    return r
  end
  function t.request() error("blocking request on the async transport") end
  function t.close() t.closed = true end
  return t
end

-- A client whose "curl" transport is t (the transport cache the client fills on first use).
local function client_on(t, opts)
  local o = { apikey = "secret-key-123", base_url = "https://api.example.test", retry_base = 0.01, retry_cap = 0.01 }
  for k, v in pairs(opts or {}) do o[k] = v end
  local c = assert(idcloudhost.new(o))
  c._shared.transports.curl = t
  return c
end

describe("client:close() while calls are in flight", function()
  it("gives invalid errors to the calls cut or not started, results to those that ended, no raise", function()
    local t = async_transport(function(req)
      return { status = 200, body = req.method == "GET" and VM or '{"uuid":"' .. UUID .. '"}', headers = {} }
    end)
    local c = client_on(t)
    local ok, results = pcall(c.batch, c, { 1, 2, 3, 4 }, function(i, cl)
      if i == 1 then return cl:request("GET", "/v1/a") end          -- in flight when 2 closes
      if i == 2 then
        cl:close()
        return "closed"
      end
      if i == 3 then return cl:request("POST", "/v1/b", { x = 1 }) end -- sent before the close, cut
      return cl:request("GET", "/v1/c")                              -- starts after the close
    end, { concurrency = 2 })
    assert.is_true(ok, tostring(results))
    assert.is_false(results[1].ok)
    assert.equal("invalid", results[1].err.kind)
    assert.matches("closed", results[1].err.message, 1, true)
    assert.is_nil(results[1].err.uncertain) -- a read changes nothing
    assert.is_true(results[2].ok)
    assert.equal("invalid", results[4].err.kind)
    assert.equal(1, #t.sent) -- only the first was ever sent
  end)

  it("marks a write cut in flight uncertain: it may have landed", function()
    local t = async_transport(function() return { status = 201, body = "{}", headers = {} } end)
    local c = client_on(t)
    local results = assert(c:batch({ 1, 2 }, function(i, cl)
      if i == 1 then return cl:request("POST", "/v1/b", { x = 1 }) end
      cl:close()
      return true
    end))
    assert.equal("invalid", results[1].err.kind)
    assert.is_true(results[1].err.uncertain)
    assert.equal(1, #t.sent)
  end)

  it("from an on_request hook before a retry: the retry is not sent, the call is invalid", function()
    local c
    local f = helper.fake { { status = 503, body = "busy" }, { status = 200, body = VM } }
    c = f.client { retries = 3, on_request = function() c:close() end }
    local res, err = c:request("GET", "/v1/x")
    assert.is_nil(res)
    assert.equal("invalid", err.kind)
    assert.matches("closed", err.message, 1, true)
    assert.equal(1, #f.requests)
  end)

  it("a transport whose poll raises fails its transfers, not the scheduler", function()
    local t = async_transport(function() return { status = 200, body = "{}", headers = {} } end)
    local s = sched.new(clock())
    local got = {}
    s:map(2, 2, function() return s:request(t, { url = "u" }) end, function(i, out)
      got[i] = out
      t.closed = true
    end)
    assert.is_true(got[1][1]) -- the coroutine ended normally...
    assert.is_nil(got[2][2]) -- ...with nil, a message and a name
    assert.matches("session is closed", got[2][3], 1, true)
    assert.equal("TRANSPORT_ERROR", got[2][4])
    assert.equal(0, s.flying)
  end)
end)

describe("per-call options and parameters that would raise", function()
  it("a timeout of 0, -1, NaN or inf is invalid, nothing sent", function()
    local f = helper.fake {}
    local c = f.client()
    for _, v in ipairs { 0, -1, 0 / 0, math.huge } do
      local res, err = c:request("GET", "/v1/x", nil, { timeout = v })
      assert.is_nil(res)
      assert.equal("invalid", err.kind)
      assert.equal("timeout", err.field)
      res, err = c:call(require("idcloudhost.families.vms").endpoints.list, nil, { timeout = v })
      assert.is_nil(res)
      assert.equal("invalid", err.kind)
    end
    assert.equal(0, #f.requests)
    assert(c:request("GET", "/v1/x", nil, { timeout = 0.5 }))
    assert.equal(0.5, f.requests[1].timeout)
  end)

  it("params or options whose __index or __pairs raise are invalid, nothing sent", function()
    local f = helper.fake { helper.answer(VM) }
    local c = f.client()
    local index = setmetatable({}, { __index = function() error("no __index here") end })
    local pairs_ = setmetatable({}, { __pairs = function() error("no __pairs here") end,
      __index = function() error("no __index here") end })
    local vm = assert(c.vms:get(UUID))
    local calls = {
      function(p) return c.vms:create(p) end,
      function(p) return c:request("GET", "/v1/x", p) end,
      function(p) return c:request("GET", "/v1/x", nil, p) end,
      function(p) return c.networks:create(p) end,
      function(p) return vm:stop(p) end,
    }
    for i, call in ipairs(calls) do
      for _, p in ipairs { index, pairs_ } do
        local ok, res, err = pcall(call, p)
        assert.is_true(ok, "call " .. i .. " raised: " .. tostring(res))
        assert.is_nil(res, "call " .. i)
        assert.equal("invalid", err.kind, "call " .. i)
      end
    end
    assert.equal(1, #f.requests) -- the get
  end)
end)

describe("every public method, given a table whose __index or __pairs raise", function()
  local FAMILIES = { "vms", "disks", "s3", "buckets", "networks", "floating_ips", "load_balancers", "user",
    "tokens", "locations", "catalog", "billing_accounts", "cards", "invoices", "pricing", "payments",
    "firewalls", "ssh_keys", "services" }
  local BAD = {
    setmetatable({}, { __index = function() error("raising __index") end }),
    setmetatable({}, { __pairs = function() error("raising __pairs") end,
      __index = function() error("raising __index") end }),
  }
  local unpack = table.unpack or unpack -- luacheck: ignore 143 (Lua 5.1)

  -- The names of the functions reachable through t's __index chain (and t's own).
  local function methods(t)
    local out, seen = {}, {}
    local function walk(x)
      if type(x) ~= "table" or seen[x] then return end
      seen[x] = true
      for k, v in pairs(x) do
        if type(k) == "string" and type(v) == "function" and not k:find("^_") then out[k] = true end
      end
      local mt = getmetatable(x)
      if mt then walk(mt.__index) end
    end
    walk(t)
    local list = {}
    for k in pairs(out) do list[#list + 1] = k end
    table.sort(list)
    return list
  end

  it("returns a value or an error value, never raises (families and a VM's methods)", function()
    local c = helper.fake({}).client { location = "cyc01", retries = 0, transport = function()
      return { status = 200, body = '{"uuid":"' .. UUID .. '","id":6,"status":"running","name":"b1"}' }
    end }
    local targets = { { "client", c, skip = { close = true, call = true } } }
    for _, name in ipairs(FAMILIES) do targets[#targets + 1] = { name, c[name] } end
    targets[#targets + 1] = { "vm", assert(c.vms:get(UUID)) }
    local calls = 0
    for _, t in ipairs(targets) do
      for _, m in ipairs(methods(t[2])) do
        for _, bad in ipairs(t.skip and t.skip[m] and {} or BAD) do
          for _, args in ipairs { { bad }, { UUID, bad } } do
            local ok, err = pcall(t[2][m], t[2], unpack(args))
            assert.is_true(ok, t[1] .. ":" .. m .. " raised: " .. tostring(err))
            calls = calls + 1
          end
        end
      end
    end
    assert.is_true(calls > 200, calls .. " calls")
  end)
end)

describe("JSON bodies: proxies read through __pairs, or refused naming the field", function()
  local json = require "idcloudhost.json"
  local real = { users = { "deploy" }, packages = { "nginx" } }
  local proxy = setmetatable({}, { __index = real, __newindex = function() error("read-only") end,
    __pairs = function() return next, real, nil end })

  it("a cloud_init given as a read-only proxy is sent with its fields", function()
    local f = helper.fake { helper.answer(VM, 201) }
    assert(f.client().vms:create(vm_params { cloud_init = proxy }))
    local sent = helper.sent(f, 1)
    assert.same(real, require("cjson").decode(sent.form.cloud_init))
  end)

  it("a JSON body holding a proxy, deep inside a list too", function()
    local f = helper.fake { helper.answer("{}") }
    assert(f.client():request("POST", "/v1/x", { a = { json.array { proxy } } }, { json = true }))
    assert.same({ a = { { real } } }, helper.sent(f, 1).json)
    assert.is_nil(rawget(proxy, "users")) -- read, never written
  end)

  it("refuses what it cannot read faithfully, naming the field; nothing sent", function()
    local f = helper.fake {}
    local c = f.client()
    local cycle = {}
    cycle.again = { cycle }
    local cases = {
      { setmetatable({}, { __index = real }), "__index" },
      { setmetatable({}, { __index = function() error("raises") end }), "__index" },
      { setmetatable({}, { __pairs = function() error("raises") end }), "__pairs raised" },
      { setmetatable({}, { __metatable = "locked" }), "hidden metatable" },
      { cycle, "a cycle: a table that holds itself at $.spec.again[1]" },
    }
    for i, case in ipairs(cases) do
      local res, err = c:request("POST", "/v1/x", { spec = case[1] }, { json = true })
      assert.is_nil(res, "case " .. i)
      assert.equal("invalid", err.kind, "case " .. i)
      assert.equal("spec", err.field, "case " .. i)
      assert.matches(case[2], err.message, 1, true)
      res, err = c.vms:create(vm_params { cloud_init = case[1] })
      assert.is_nil(res, "case " .. i)
      assert.equal("invalid", err.kind, "case " .. i)
      assert.equal("cloud_init", err.field, "case " .. i)
    end
    assert.equal(0, #f.requests)
  end)

  it("the same on the Lua encoder of the fallbacks (lua-cjson, vim.json)", function()
    local env = setmetatable({}, { __index = _G })
    env.require = function(name)
      if name == "idcloudhost.core" then error("hidden") end
      if name == "idcloudhost.native" then return { err = "hidden" } end -- (the SDK's one probe for the core)
      return require(name)
    end
    -- json.lua's source, from the tree or where the SDK is installed (the rock's test section)
    local src = package.searchpath and package.searchpath("idcloudhost.json", package.path) or "lua/idcloudhost/json.lua"
    local chunk = loadfile(src, "t", env)
    if not chunk then return pending("no source of idcloudhost.json to load afresh") end
    if setfenv then setfenv(chunk, env) end -- luacheck: ignore 113 (Lua 5.1)
    local ok, lj = pcall(chunk)
    if not ok then return pending("no lua-cjson: " .. tostring(lj)) end
    assert.are_not.equal("core", lj.backend)
    assert.equal('{"a":{"packages":["nginx"],"users":["deploy"]}}',
      (lj.encode { a = proxy }):gsub('{"users":%["deploy"%],"packages":%["nginx"%]}', '{"packages":["nginx"],"users":["deploy"]}'))
    local text, err = lj.encode { a = setmetatable({}, { __index = real }) }
    assert.is_nil(text)
    assert.matches("__index", err, 1, true)
  end)
end)

describe("numbers where a string is due", function()
  it("NaN, inf and numbers beyond 2^53 are refused, nothing sent", function()
    local f = helper.fake { helper.answer(VM, 201), helper.answer(VM, 201) }
    local c = f.client()
    for _, v in ipairs { 0 / 0, math.huge, -math.huge, 2 ^ 63, -(2 ^ 53) - 2, 2 ^ 53 + 2 } do
      for _, field in ipairs { "name", "description" } do
        local res, err = c.vms:create(vm_params { [field] = v })
        assert.is_nil(res)
        assert.equal("invalid", err.kind)
        assert.equal(field, err.field)
      end
    end
    assert.equal(0, #f.requests)
    assert(c.vms:create(vm_params { name = 2 ^ 53 }))
    assert.equal("9007199254740992", helper.sent(f, 1).form.name)
    assert(c.vms:create(vm_params { description = 12 }))
    assert.equal("12", helper.sent(f, 2).form.description)
  end)
end)

describe("numeric options: finite, positive where they must be", function()
  it("max_retry_wait and max_body must be finite", function()
    for _, o in ipairs { { max_retry_wait = 0 / 0 }, { max_retry_wait = math.huge }, { max_retry_wait = -1 },
      { max_body = math.huge } } do
      o.apikey = "secret-key-123"
      local c, err = idcloudhost.new(o)
      assert.is_nil(c)
      assert.equal("invalid", err.kind)
    end
    assert(idcloudhost.new { apikey = "secret-key-123", max_retry_wait = 0 })
  end)

  it("wait options: interval 0, NaN, inf, a backoff below 1 are invalid before any request", function()
    local f = helper.fake { helper.answer(VM) }
    local vm = assert(f.client().vms:get(UUID))
    for _, o in ipairs { { interval = 0 }, { interval = -1 }, { interval = 0 / 0 }, { max_interval = 0 },
      { timeout = math.huge }, { timeout = -1 }, { backoff = 0.5 }, { backoff = math.huge } } do
      local res, err = vm:wait("running", o)
      assert.is_nil(res)
      assert.equal("invalid", err.kind)
      res, err = idcloudhost.wait(function() return false end, o)
      assert.is_nil(res)
      assert.equal("invalid", err.kind)
    end
    assert.equal(1, #f.requests)
  end)

  it("a wait looks at most every 10 ms: interval = 1e-9 for 0.3 s is 31 GETs at most", function()
    local c = clock()
    local real = runtime.plain.now
    runtime.plain.now = c.now
    local gets = 0
    local cl = helper.fake({}).client { sleep = c.sleep, transport = function()
      gets = gets + 1
      if gets > 2000 then return { status = 404, body = "{}" } end -- a bound, should the floor go
      return { status = 200, body = VM }
    end }
    local vm = assert(cl.vms:get(UUID))
    gets = 0
    local res, err = vm:wait("running", { interval = 1e-9, backoff = 1, timeout = 0.3 })
    runtime.plain.now = real
    assert.is_nil(res)
    assert.equal("timeout", err.kind)
    assert.is_true(gets <= 31, gets .. " GETs in 0.3 s")
  end)
end)

describe("abandoned batches are collectable (LuaJIT has no ephemerons)", function()
  it("a scheduler nobody holds is not kept by a coroutine of it that is still referenced", function()
    local s = sched.new(clock())
    local co = s:spawn(function() end, function() end).co
    assert.equal(s, sched.of(co))
    local gone = setmetatable({ s }, { __mode = "v" })
    s = nil -- luacheck: ignore 311
    collectgarbage()
    collectgarbage()
    assert.is_nil(gone[1])
    assert.is_nil(sched.of(co))
  end)

  it("a default-account lookup whose coroutine was dropped holds neither it nor later creates", function()
    if not runtime.yieldable_pcall then return pending("PUC Lua 5.1 cannot yield across pcall") end
    local c = clock()
    local lists = 0
    local cl = assert(idcloudhost.new { apikey = "secret-key-123", base_url = "https://x.test", timeout = 5,
      transport = function(req)
        if req.url:find("billing_account/list", 1, true) then
          lists = lists + 1
          if lists == 1 then coroutine.yield() end -- its batch is abandoned here
          return { status = 200, body = '[{"id":6,"is_default":true}]' }
        end
        return { status = 201, body = VM }
      end })
    local watch = setmetatable({}, { __mode = "k" })
    do
      local s = sched.new(c)
      s:spawn(function()
        watch[coroutine.running()] = true
        return cl.vms:create(helper.vm_params())
      end, function() end)
      s:step(0) -- the lookup starts and yields on its own, never to be resumed
    end
    collectgarbage()
    collectgarbage()
    assert.is_nil(next(watch), "the abandoned coroutine is still alive")
    local s2, got = sched.new(c), nil
    s2:map(1, 1, function() return cl.vms:create(helper.vm_params()) end, function(_, out) got = out end)
    assert.equal(UUID, got[2].uuid)
    assert.is_true(c.t < 1, "the create waited " .. c.t .. " s for a lookup nobody runs")
  end)
end)
