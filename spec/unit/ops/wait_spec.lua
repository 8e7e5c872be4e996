-- Coalesced waits on a fake platform and a fake clock: wait_all reads each location's list once
-- per round, batch waits share their polls, a lone wait reloads its object, a lead that died is
-- taken over.  Everything runs inside one scheduler whose clock moves only when it waits.
local idcloudhost = require "idcloudhost"
local json = require "idcloudhost.json"
local sched = require "idcloudhost.runtime.sched"
local vms = require "idcloudhost.families.vms"
local wait = require "idcloudhost.ops.wait"

local function uuid(n)
  return string.format("%08x-0000-4000-8000-%012x", n, n)
end

-- A platform with VMs per location whose status becomes `final` at time `at`, answering on an
-- asynchronous transport after `latency` seconds of the fake clock.
local function platform()
  local p = { t = 0, vms = { cyc01 = {}, bus02 = {} }, calls = {}, faults = {}, latency = 0.05 }
  p.clock = { now = function() return p.t end, sleep = function(s) p.t = p.t + s end }

  function p.add(loc, n, status, final, at)
    local vm = { uuid = uuid(n), name = "vm-" .. n, status = status, final = final, at = at, vcpu = 1,
      memory = 1024, storage = json.array { { uuid = uuid(n), size = 20 } } }
    p.vms[loc][#p.vms[loc] + 1] = vm
    return vm
  end

  local function view(vm)
    if vm.at and p.t >= vm.at then vm.status, vm.at = vm.final, nil end
    return { uuid = vm.uuid, name = vm.name, status = vm.status, vcpu = vm.vcpu, memory = vm.memory,
      storage = vm.storage }
  end

  local function answer(req)
    local loc, path, query = req.url:match("^https://api%.example%.test/v1/(%w+)/([^?]*)%??(.*)$")
    local kind = path == "user-resource/vm/list" and "list" or path == "user-resource/vm" and "get" or path
    p.calls[#p.calls + 1] = { t = p.t, loc = loc, kind = kind }
    for i, fault in ipairs(p.faults) do
      if fault.kind == kind and (fault.loc == nil or fault.loc == loc) then
        fault.count = fault.count - 1
        if fault.count <= 0 then table.remove(p.faults, i) end
        return { status = fault.status, body = '{"message": "fault"}', headers = {} }
      end
    end
    if kind == "list" then
      local out = json.array()
      for _, vm in ipairs(p.vms[loc]) do out[#out + 1] = view(vm) end
      return { status = 200, body = json.encode(out), headers = {} }
    end
    local want = query:match("uuid=([%x-]+)")
    for _, vm in ipairs(p.vms[loc]) do
      if vm.uuid == want then return { status = 200, body = json.encode(view(vm)), headers = {} } end
    end
    return { status = 400, body = '{"errors": {"Error": "No such virtual machine exists. ' .. tostring(want) .. '"}}',
      headers = {} }
  end

  -- send/poll/result: a transfer lands `latency` after it was sent; poll moves the clock.
  local t = { flying = {}, done = {}, n = 0 }
  function t.send(_, req)
    t.n = t.n + 1
    -- A transfer past its timeout fails then, as a real transport does.
    t.flying[t.n] = { due = p.t + math.min(p.latency, req.timeout), late = p.latency > req.timeout, req = req }
    return t.n
  end
  function t.poll(_, w)
    local first
    for _, f in pairs(t.flying) do
      if not first or f.due < first then first = f.due end
    end
    if not first then return {} end
    p.t = math.max(p.t, math.min(first, p.t + w))
    local ids = {}
    for id, f in pairs(t.flying) do
      if f.due <= p.t then
        t.flying[id] = nil
        t.done[id] = f.late and { nil, "OPERATION_TIMEDOUT: timed out", "OPERATION_TIMEDOUT" } or { answer(f.req) }
        ids[#ids + 1] = id
      end
    end
    return ids
  end
  function t.result(_, id)
    local r = t.done[id]
    t.done[id] = nil
    return r[1], r[2], r[3]
  end
  function t.request(_, req) return answer(req) end
  p.transport = t

  function p.client(loc)
    local c = assert(idcloudhost.new { apikey = "unit-test-key-3f9a", base_url = "https://api.example.test", location = loc,
      transport = function() error("not this one") end, retries = 0 })
    c._shared.transports.custom = t -- the cache transport.pick looks in: our asynchronous fake
    return c
  end

  -- Runs fn() in a coroutine of a scheduler on the fake clock; returns what it returned.
  function p.run(fn)
    local s = sched.new(p.clock)
    local out
    s:map(1, 1, fn, function(_, o) out = o end)
    assert(out[1], out.traceback)
    return table.unpack and table.unpack(out, 2, out.n) or unpack(out, 2, out.n)
  end

  function p.count(kind, loc)
    local n = 0
    for _, c in ipairs(p.calls) do
      if c.kind == kind and (loc == nil or c.loc == loc) then n = n + 1 end
    end
    return n
  end
  return p
end

describe("vms:wait_all", function()
  it("reads each location's list once per round for all its VMs, results in item order", function()
    local p = platform()
    local c = p.client("cyc01")
    local items = {}
    for i = 1, 20 do
      local loc = i % 2 == 0 and "bus02" or "cyc01"
      p.add(loc, i, "creating", "running", 1 + i * 0.2) -- running at 1.2 .. 5.0 s
      items[i] = uuid(i) -- uuids of the client's location; VM objects of the other, below
    end
    local bus = c:at("bus02")
    for i = 2, 20, 2 do items[i] = assert(p.run(function() return bus.vms:get(uuid(i)) end)) end
    p.calls = {}
    local rounds = 0
    local results = p.run(function()
      return c.vms:wait_all(items, "running", { interval = 1, backoff = 1, timeout = 60,
        on_progress = function() rounds = rounds + 1 end })
    end)
    assert.equal(20, #results)
    for i, r in ipairs(results) do
      assert.is_true(r.ok, tostring(r.err))
      assert.equal(uuid(i), r.value.uuid)
      assert.equal("running", r.value.status)
      if i % 2 == 0 then assert.equal(items[i], r.value) end -- updated in place
    end
    assert.equal(0, p.count("get"))
    -- Polls at 0, 1, ... 5 s (the last VM runs at 5.0): six rounds, one list per location each.
    assert.equal(6, p.count("list", "cyc01"))
    assert.equal(6, p.count("list", "bus02"))
    local seen = {}
    for _, call in ipairs(p.calls) do
      local k = call.loc .. math.floor(call.t + 1e-9)
      assert.is_nil(seen[k], "two list calls for " .. call.loc .. " in second " .. math.floor(call.t))
      seen[k] = true
    end
  end)

  it("reports each VM's own error: gone, fail_on, timeout, while the others succeed", function()
    local p = platform()
    local c = p.client("cyc01")
    p.add("cyc01", 1, "starting", "running", 0.5)
    p.add("cyc01", 2, "running")
    p.add("cyc01", 3, "stopping", "error", 0.5)
    p.add("cyc01", 4, "creating", "running", 100)
    local results = p.run(function()
      return c.vms:wait_all({ uuid(1), uuid(9), uuid(3), uuid(4), uuid(2) }, "running",
        { interval = 1, backoff = 1, timeout = 3, fail_on = "error" })
    end)
    assert.is_true(results[1].ok)
    assert.is_false(results[2].ok)
    assert.is_true(results[2].err.not_found)
    assert.is_false(results[3].ok)
    assert.equal("error", results[3].err.last_status)
    assert.equal("timeout", results[4].err.kind)
    assert.equal("creating", results[4].err.last_status)
    assert.matches(uuid(4), results[4].err.message, 1, true)
    assert.is_true(results[5].ok)
    assert.equal(0, p.count("get"))
  end)

  it("a VM missing from the list satisfies a wait for deleted", function()
    local p = platform()
    local c = p.client("cyc01")
    p.add("cyc01", 1, "running")
    local results = p.run(function()
      return c.vms:wait_all({ uuid(7), uuid(8) }, "deleted", { interval = 1 })
    end)
    assert.is_true(results[1].ok)
    assert.equal("deleted", results[1].value.status)
    assert.is_true(results[2].ok)
  end)

  it("polls through a transient list failure, and a lasting one ends that location's waits only", function()
    local p = platform()
    local c = p.client("cyc01")
    p.add("cyc01", 1, "creating", "running", 1.5)
    p.add("cyc01", 2, "creating", "running", 1.5)
    p.add("bus02", 3, "creating", "running", 1.5)
    p.add("bus02", 4, "creating", "running", 1.5)
    local bus = c:at("bus02")
    p.faults = { { kind = "list", loc = "cyc01", status = 503, count = 1 }, { kind = "list", loc = "bus02", status = 403, count = 1 } }
    local results = p.run(function()
      local r = bus.vms:wait_all({ uuid(3), uuid(4) }, "running", { interval = 1, backoff = 1 })
      local r2 = c.vms:wait_all({ uuid(1), uuid(2) }, "running", { interval = 1, backoff = 1 })
      return { r[1], r[2], r2[1], r2[2] }
    end)
    assert.equal(403, results[1].err.status)
    assert.equal(403, results[2].err.status)
    assert.equal(results[1].err, results[2].err)
    assert.is_true(results[3].ok)
    assert.is_true(results[4].ok)
    assert.equal(1, p.count("list", "bus02"))
  end)

  it("refuses bad items and options before sending anything", function()
    local p = platform()
    local c = p.client("cyc01")
    local cases = {
      { c.vms:wait_all("x", "running") },
      { c.vms:wait_all({ "not-a-uuid" }, "running") },
      { c.vms:wait_all({ { uuid = uuid(1) } }, "running") }, -- a table that is not a VM
      { c.vms:wait_all({ uuid(1) }, "runing") },
      { c.vms:wait_all({ uuid(1) }, "running", { interval = -1 }) },
      { c.disks:wait_all({ uuid(1) }, 42) },
    }
    for i, r in ipairs(cases) do
      assert.is_nil(r[1], "case " .. i)
      assert.equal("invalid", r[2].kind, "case " .. i)
    end
    assert.equal(0, #p.calls)
    assert.same({}, p.run(function() return c.vms:wait_all({}, "running") end))
  end)
end)

describe("vm:wait in a batch", function()
  local function fleet(p, n, at)
    local c = p.client("cyc01")
    local list = {}
    for i = 1, n do
      p.add("cyc01", i, "starting", "running", at(i))
      list[i] = uuid(i)
    end
    local objs = p.run(function()
      local out = {}
      for i, u in ipairs(list) do out[i] = assert(c.vms:get(u)) end
      return out
    end)
    p.calls = {}
    return c, objs
  end

  it("shares one list per round between the items, with no change to the items", function()
    local p = platform()
    local c, objs = fleet(p, 20, function(i) return 0.5 + i * 0.25 end) -- running at 0.75 .. 5.5 s
    local results = p.run(function()
      return c:batch(objs, function(vm) return vm:wait("running", { interval = 1, backoff = 1 }) end,
        { concurrency = 20 })
    end)
    for i, r in ipairs(results) do
      assert.is_true(r.ok, tostring(r.err))
      assert.equal("running", objs[i].status)
    end
    -- One wait each would be 20 calls per round over 6 rounds.  Shared: one list per round, and
    -- a second one in the first round for the items that began after the first list was sent.
    -- The first item (alone for an instant) and the last one (alone at the end) reload.
    local lists, gets = p.count("list"), p.count("get")
    assert.is_true(gets <= 2, "gets " .. gets)
    assert.is_true(lists >= 6 and lists <= 7, "lists " .. lists)
  end)

  it("coalesce = false polls each VM alone", function()
    local p = platform()
    local c, objs = fleet(p, 5, function() return 2.5 end)
    p.run(function()
      return c:batch(objs, function(vm)
        return vm:wait("running", { interval = 1, backoff = 1, coalesce = false })
      end)
    end)
    assert.equal(0, p.count("list"))
    -- Each VM alone: polls land at 0.05, 1.1, 2.15 (starting) and 3.2 s (running).
    assert.equal(20, p.count("get"))
  end)

  it("a lone wait reloads its VM and never reads the list", function()
    local p = platform()
    local _, objs = fleet(p, 3, function() return 1.5 end)
    assert(p.run(function() return objs[1]:wait("running", { interval = 1, backoff = 1 }) end))
    assert.equal(0, p.count("list"))
    assert.equal(3, p.count("get"))
  end)

  it("takes over from a lead that died with its fetch in flight", function()
    local p = platform()
    local c, objs = fleet(p, 2, function() return 0 end)
    local results = p.run(function()
      local b = wait.board(c, vms.model)
      local dead = coroutine.create(function() end)
      coroutine.resume(dead)
      b.fetching = { tick = 0, started = p.t, co = dead, had_co = true, stale = p.t + 1000 }
      return c.vms:wait_all(objs, "running", { timeout = 10 })
    end)
    assert.is_true(results[1].ok and results[2].ok)
    assert.is_true(p.t < 1, "waited " .. p.t .. " s for a dead lead")
    assert.equal(1, p.count("list"))
  end)

  it("fetches itself when a live lead's fetch outlasted one attempt's timeout", function()
    local p = platform()
    local c, objs = fleet(p, 2, function() return 0 end)
    local t0 = p.t
    local results = p.run(function()
      local b = wait.board(c, vms.model)
      local stuck = coroutine.create(function() coroutine.yield() end)
      coroutine.resume(stuck) -- alive, suspended for ever
      b.fetching = { tick = 0, started = p.t - 31, co = stuck, had_co = true, stale = p.t - 1 }
      return c.vms:wait_all(objs, "running", { timeout = 10 })
    end)
    assert.is_true(results[1].ok and results[2].ok)
    assert.is_true(p.t - t0 < 1, "waited " .. (p.t - t0) .. " s")
  end)

  it("a follower whose deadline comes while another fetches times out with its last status", function()
    local p = platform()
    local c, objs = fleet(p, 3, function() return 100 end)
    p.latency = 5 -- a slow list
    local results = p.run(function()
      return c:batch({ 1, 2 }, function(i)
        if i == 1 then
          local r = c.vms:wait_all({ objs[1], objs[2] }, "running", { timeout = 8, interval = 1 })
          return r[1].ok, r[1].err
        end
        return objs[3]:wait("running", { timeout = 1, interval = 1 })
      end, { concurrency = 2 })
    end)
    assert.equal("timeout", results[1].err.kind)
    assert.equal("timeout", results[2].err.kind)
    assert.equal("starting", results[2].err.last_status)
    assert.equal(0, p.count("get")) -- the follower sent nothing
    assert.equal(1, p.count("list")) -- the lead's second list timed out unanswered
  end)
end)
