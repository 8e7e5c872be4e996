-- idcloudhost.fake: the simulator's engine in-process, as a transport for the SDK.  No server,
-- no network: these run on any Lua (`make test-fake` runs them on 5.1 to 5.4 and LuaJIT).
local fake = require "idcloudhost.fake"
local idcloudhost = require "idcloudhost"

local real_now = require("idcloudhost.runtime").plain.now
local UUID = "^%x%x%x%x%x%x%x%x%-%x%x%x%x%-%x%x%x%x%-%x%x%x%x%-%x%x%x%x%x%x%x%x%x%x%x%x$"

local function vm_params(over)
  local p = { name = "web-1", os_name = "ubuntu", os_version = "22.04", disks = 20, vcpu = 1, ram = 1024,
    username = "ubuntu", password = "S3cret-pass", reserve_public_ip = false }
  for k, v in pairs(over or {}) do p[k] = v end
  return p
end

-- The sleep option of the virtual clock's clients: the clock wins over it, so a call here is a
-- real sleep where a virtual one was due (and fails at once instead of sleeping a minute).
local function no_real_sleep(s) error("a real sleep of " .. s .. " s on a virtual clock", 0) end

local function raises(pattern, fn, ...)
  local ok, err = pcall(fn, ...)
  assert.is_false(ok)
  assert.matches(pattern, tostring(err), 1, true)
end

describe("idcloudhost.fake", function()
  describe("the transport", function()
    it("answers the SDK as the platform does: objects, lists, errors", function()
      local f = fake.new()
      local c = assert(f:client { location = "cyc01" })
      local vm = assert(c.vms:create(vm_params()))
      assert.matches(UUID, vm.uuid)
      assert.equal("running", vm.status)
      assert.equal(1, #assert(c.vms:list()))
      local _, err = c.vms:get("5aea1842-895f-4bd3-8bd6-e37b2282fb46")
      assert.equal("api", err.kind)
      assert.equal(400, err.status)
      assert.matches("No such virtual machine exists", err.message, 1, true)
    end)

    it("keeps the transport contract: status, body, lower-case headers; routes, keys", function()
      local f = fake.new()
      local t = f:transport()
      local res = t { method = "GET", url = f.base_url .. "/v1/config/locations", headers = { apikey = "demo-key" } }
      assert.equal(200, res.status)
      assert.equal("application/json", res.headers["content-type"])
      assert.matches(UUID, res.headers["x-warren-correlation-id"])
      assert.matches('"slug":"cyc01"', res.body, 1, true)
      assert.equal(401, t { method = "GET", url = f.base_url .. "/v1/config/locations", headers = {} }.status)
      assert.equal(403, t { method = "GET", url = f.base_url .. "/v1/config/locations",
        headers = { ApiKey = "nope" } }.status)
      assert.equal(404, t { method = "GET", url = f.base_url .. "/v1/nothing", headers = { apikey = "demo-key" } }.status)
    end)

    it("takes the api key and base URL it is given", function()
      local f = fake.new { apikey = "my-key", base_url = "https://api.elastis.id" }
      local c = assert(idcloudhost.new { apikey = "my-key", provider = "elastis", transport = f:transport() })
      assert.truthy(c.vms:list())
      local other = assert(idcloudhost.new { apikey = "demo-key", provider = "elastis", transport = f:transport() })
      local _, err = other.vms:list()
      assert.equal(403, err.status)
    end)

    it("a drop fault is a connection closed without an answer; a read is retried", function()
      local f = fake.new { clock = "virtual" }
      local c = assert(f:client { location = "cyc01" })
      f:fault { path = "/v1/user-resource/vm/list", kind = "drop" }
      assert.truthy(c.vms:list())
      local calls = f:calls("vms.list")
      assert.equal(2, #calls)
      assert.equal("GOT_NOTHING", calls[1].error)
    end)

    it("a write slower than the request's timeout times out, and lands (uncertain)", function()
      local f = fake.new { clock = "virtual", create_latency = 100 }
      local c = assert(f:client { location = "cyc01", write_timeout = 30 })
      local vm, err = c.vms:create(vm_params())
      assert.is_nil(vm)
      assert.equal("timeout", err.kind)
      assert.is_true(err.uncertain)
      assert.is_true(f:now() >= 30 and f:now() < 100)   -- the client waited its timeout, no longer
      assert.equal(1, #f:state().locations.cyc01.vms)     -- the platform made it all the same
    end)
  end)

  describe("the control API", function()
    it("reset, config, log, state, routes, faults", function()
      local f = fake.new { settle = 5 }
      local c = assert(f:client { location = "cyc01" })
      assert(c.vms:create(vm_params()))
      assert.equal(5, f:config().settle)
      assert.equal("idcloudhost", f:config { edition = "idcloudhost" }.edition)
      raises("edition must be", f.config, f, { edition = "nope" })
      assert.equal(#f:calls(), #f:log())   -- (the create, after the lookup of the billing account)
      assert.equal("POST", f:log()[#f:log()].method)
      assert.equal(1, #f:state().locations.cyc01.vms)
      assert.is_true(#f:routes() > 50)
      f:fault { path = "/v1/user-resource/vm/list", kind = "status", status = 500, count = 2 }
      assert.equal(1, #f:faults())
      f:clear_faults()
      assert.equal(0, #f:faults())
      f:reset()
      assert.equal(0, #f:log())
      assert.equal(0, #f:calls())
      assert.equal(0, #assert(c.vms:list()))
    end)

    it("each fake is a platform of its own", function()
      local a, b = fake.new(), fake.new()
      assert(assert(a:client { location = "cyc01" }).vms:create(vm_params()))
      assert.equal(1, #a:state().locations.cyc01.vms)
      assert.equal(0, #(b:state().locations.cyc01.vms or {}))
      assert.equal(0, #b:log())
    end)

    it("needs no lua-cjson: the SDK's JSON serves the engine alike", function()
      local saved, pre = package.loaded["cjson.safe"], package.preload["cjson.safe"]
      package.loaded["cjson.safe"] = nil
      package.preload["cjson.safe"] = function() error("lua-cjson is hidden here", 0) end
      -- (one still clock for both: the same timestamps)
      local still = { now = function() return 5 end, sleep = function() end, wall = function() return 1.5e9 end }
      local ok, f = pcall(fake.new, { seed = 3, clock = still })
      package.loaded["cjson.safe"], package.preload["cjson.safe"] = saved, pre
      assert(ok, f)
      assert.equal("idcloudhost", f._require("idcloudhost.sim.json").backend)
      local with = fake.new { seed = 3, clock = still }
      assert.equal("cjson", with._require("idcloudhost.sim.json").backend)
      -- the same answers, byte for byte (the correlation id aside), escapes and numbers included
      for _, g in ipairs { f, with } do
        local c = assert(g:client { location = "cyc01" })
        g.vm = assert(c.vms:create(vm_params { name = "w\"e/b \1\127", description = "caf\195\169" }))
        assert(c.networks:create { name = "n-1" })
      end
      assert.equal("w\"e/b \1\127", f.vm.name)
      local t = f:transport()
      for _, path in ipairs { "/v1/user-resource/vm/list", "/v1/network/networks", "/v1/config/locations",
        "/v1/payment/billing_account/list" } do
        local req = { method = "GET", url = f.base_url .. path, headers = { apikey = "demo-key" } }
        local a, b = t(req), with:transport()(req)
        assert.equal(b.status, a.status)
        assert.equal(b.body, a.body)
      end
    end)

    it("seed makes the ids repeatable", function()
      local function first_uuid(seed)
        local f = fake.new { seed = seed }
        return assert(assert(f:client { location = "cyc01" }).vms:create(vm_params())).uuid
      end
      assert.equal(first_uuid(7), first_uuid(7))
      assert.not_equal(first_uuid(7), first_uuid(8))
    end)
  end)

  describe("the virtual clock", function()
    it("a wait for a 60 s settle returns at once, 60 s later for the code under test", function()
      local f = fake.new { clock = "virtual", settle = 60 }
      local c = assert(f:client { location = "cyc01", sleep = no_real_sleep })
      local vm = assert(c.vms:create(vm_params()))
      assert.equal("creating", vm.status)
      local t0 = real_now()
      assert(vm:wait("running"))
      assert.equal("running", vm.status)
      assert.is_true(f:now() >= 60)
      assert.is_true(real_now() - t0 < 5)  -- (bench/fake.lua measures it: milliseconds)
    end)

    it("20 VMs stopped and waited for in a batch with a 30 s settle: 30+ s of simulated time", function()
      local f = fake.new { clock = "virtual" }
      local c = assert(f:client { location = "cyc01", sleep = no_real_sleep })
      local vms = {}
      for i = 1, 20 do vms[i] = assert(c.vms:create(vm_params { name = "fleet-" .. i })) end
      f:config { settle = 30 }
      local s0 = f:now()
      local results = c:batch(vms, function(vm)
        assert(vm:stop { force = true })
        return vm:wait("stopped", { interval = 1 })
      end, { concurrency = 20 })
      for _, r in ipairs(results) do assert.is_true(r.ok and r.value.status == "stopped") end
      assert.is_true(f:now() - s0 >= 30)
      assert.is_true(f:now() - s0 < 60)
      assert.equal(20, #f:calls("vms.stop"))
    end)

    it("advance moves it on; the real clock has no advance", function()
      local f = fake.new { clock = "virtual", settle = 10 }
      local c = assert(f:client { location = "cyc01" })
      local vm = assert(c.vms:create(vm_params()))
      f:advance(10)
      assert.equal("running", assert(c.vms:get(vm.uuid)).status)
      raises("advance needs", fake.new().advance, fake.new(), 1)
      raises("clock is", fake.new, { clock = "sundial" })
    end)
  end)

  describe("expectations", function()
    it("script one call's answer inside otherwise stateful behaviour", function()
      local f = fake.new()
      local c = assert(f:client { location = "cyc01" })
      f:expect("vms.create", { name = "web-1" }):answer { status = 500 }
      local vm, err = c.vms:create(vm_params())
      assert.is_nil(vm)
      assert.equal(500, err.status)
      assert.equal(0, #(f:state().locations.cyc01.vms or {}))  -- the platform never saw it
      assert(c.vms:create(vm_params()))                         -- used up: the next one is made
      assert(c.vms:create(vm_params { name = "web-2" }))
      assert.equal(2, #assert(c.vms:list()))
      assert.is_true(f:verify())
    end)

    it("match on the parameters as the platform reads them; times; fail", function()
      local f = fake.new { clock = "virtual" }
      local c = assert(f:client { location = "cyc01" })
      local vm = assert(c.vms:create(vm_params()))
      f:expect("vms.stop", { uuid = vm.uuid, force = true }):answer { status = 429, body = { message = "slow down" },
        headers = { ["X-RateLimit-Remaining-Minute"] = "0", ["Retry-After"] = "2" } }:times(2)
      assert(vm:stop { force = true })           -- 429, 429 (retried: the gateway refused it), then done
      assert.equal(3, #f:calls("vms.stop"))
      assert.equal("stopped", vm.status)
      f:expect("vms.list"):fail("COULDNT_CONNECT")
      assert(c.vms:list())                       -- never sent: retried
      local _, err = (function()
        f:expect("vms.list"):fail("COULDNT_CONNECT"):times(math.huge)
        return c.vms:list()
      end)()
      assert.equal("network", err.kind)
      assert.equal("COULDNT_CONNECT", err.code)
    end)

    it("a call the SDK would never send cannot be expected", function()
      local f = fake.new()
      raises('no endpoint "vms.crate"', f.expect, f, "vms.crate")
      raises("vms.create takes no parameter 'nmae'", f.expect, f, "vms.create", { nmae = "web-1" })
      raises("parameter 'vcpu' must be a whole number", f.expect, f, "vms.create", { vcpu = "two" })
      raises("vms.stop takes no parameter 'name'", f.assert_called, f, "vms.stop", { name = "x" })
      assert.truthy(f:expect("disks.create", { billing_account_id = 6 }))  -- billed: the SDK adds it
    end)

    it("calls and assert_called say what the program sent", function()
      local f = fake.new()
      local c = assert(f:client { location = "cyc01" })
      local vm = assert(c.vms:create(vm_params()))
      assert(vm:stop())
      local calls = f:calls()
      assert.equal(3, #calls)                    -- the default billing account looked up first
      assert.equal("billing_accounts.list", calls[1].name)
      assert.equal("vms.create", calls[2].name)
      assert.equal("web-1", calls[2].params.name)
      assert.equal(200, calls[3].status)
      assert.equal(1, #f:assert_called("vms.stop", { uuid = vm.uuid }))
      f:assert_called("vms.create", { name = "web-1", vcpu = 1 }, 1)
      raises("expected vms.create{name=web-2} to be called at least once, it was 0 time(s); calls: "
        .. "billing_accounts.list, vms.create, vms.stop",
        f.assert_called, f, "vms.create", { name = "web-2" })
      raises("to be called 2 time(s), it was 1", f.assert_called, f, "vms.stop", nil, 2)
      f:expect("vms.delete")
      raises("vms.delete was expected and never called", f.verify, f)
      f:reset()
      f:expect("vms.list"):answer { status = 200, body = {} }
      raises("vms.list was expected 1 more time(s)", f.verify, f)
    end)

    -- (the SDK's source folder: absent where the rock's test section runs on an installed SDK)
    local has_source = io.open("lua/idcloudhost/families/vms.lua") ~= nil
    local source_it = has_source and it or pending
    source_it("knows every family module of the SDK", function()
      local p = assert(io.popen("ls lua/idcloudhost/families/*.lua"))
      local names = {}
      for file in p:lines() do
        local mod = require("idcloudhost.families." .. file:match("([%w_]+)%.lua$"))
        if type(mod) == "table" and mod.endpoints then names[#names + 1] = file:match("([%w_]+)%.lua$") end
      end
      p:close()
      table.sort(names)
      assert.same(names, fake.FAMILIES)
    end)
  end)
end)
