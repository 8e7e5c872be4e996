-- Waits, the scheduler and batches: what `make mutate` showed unguarded (mutate/mutants.lua names
-- the mutant each spec kills).  Every sleep is on the injected clock, so a bound can be exact.
local idcloudhost = require "idcloudhost"
local mh = require "spec.mutate.helper"
local runtime = require "idcloudhost.runtime"
local sched = require "idcloudhost.runtime.sched"

local UUID = mh.UUID
local clock = mh.clock()
local real_clock = runtime.plain.clock
before_each(function()
  clock.install()
  -- A batch's scheduler runs on the plain runtime's clock: the injected one here.
  runtime.plain.clock = { now = function() return clock.t end, sleep = clock.sleep }
end)
after_each(function()
  clock.restore()
  runtime.plain.clock = real_clock
end)

local function scripted(steps) return mh.scripted(clock, steps) end

-- A step answering the VM with a status, forever (as a function step, put back each time).
local function always(status, takes)
  return { status = 200, body = mh.vm_json(status), takes = takes }
end

local function forever(step)
  local steps = {}
  for i = 1, 200 do steps[i] = step end
  return steps
end

local function vm_on(s, opts)
  return mh.wrap("vms", s.client(opts), { uuid = UUID, status = "stopping" })
end

describe("a wait's sleeps", function()
  it("a status wait's last sleep is cut to its timeout: it gives up at the timeout, not after", function()
    local s = scripted(forever(always("stopping"))) -- wait-last-sleep
    local vm = vm_on(s)
    local t0 = clock.t
    local ok, err = vm:wait("stopped", { timeout = 5, interval = 4 })
    assert.is_nil(ok)
    assert.equal("timeout", err.kind)
    assert.same({ 4, 1 }, clock.slept)
    assert.equal(5, clock.t - t0)
  end)

  it("wait.poll's last sleep is cut to its timeout", function() -- wait-poll-last-sleep
    local t0 = clock.t
    local ok, err = idcloudhost.wait(function() return false, "not yet" end,
      { timeout = 5, interval = 4, sleep = clock.sleep })
    assert.is_nil(ok)
    assert.equal("timeout", err.kind)
    assert.same({ 4, 1 }, clock.slept)
    assert.equal(5, clock.t - t0)
  end)

  it("the interval grows by backoff up to max_interval, never past it", function() -- wait-max-interval
    local s = scripted(forever(always("stopping")))
    local ok = vm_on(s):wait("stopped", { timeout = 12, interval = 1, backoff = 2, max_interval = 3 })
    assert.is_nil(ok)
    assert.same({ 1, 2, 3, 3, 3 }, clock.slept)
  end)
end)

describe("what a status wait reads", function()
  it("target and fail_on statuses are matched whatever their case (disks report Active, Error)", function()
    -- wait-target-case, wait-status-case
    local disk_json = function(status) return { status = 200, body = '{"uuid":"' .. UUID .. '","status":"' .. status .. '"}' } end
    local s = scripted { disk_json("Creating"), disk_json("Active") }
    local disk = mh.wrap("disks", s.client { location = "jkt01" }, { uuid = UUID, status = "Creating" })
    assert.equal(disk, assert(disk:wait("Active", { fail_on = { "Error" }, interval = 1 })))
    s = scripted { disk_json("Creating"), disk_json("Error") }
    disk = mh.wrap("disks", s.client { location = "jkt01" }, { uuid = UUID, status = "Creating" })
    local ok, err = disk:wait("ACTIVE", { fail_on = "ERROR", interval = 1 })
    assert.is_nil(ok)
    assert.equal("Error", err.last_status)
    assert.equal(2, #s.requests)
  end)

  it("a 429 or a dropped connection while polling is polled through", function() -- wait-429, wait-transient-network
    for _, bad in ipairs { { status = 429 }, { status = 503 }, { error = "RECV_ERROR: reset", code = "RECV_ERROR" },
      { error = "COULDNT_CONNECT: refused", code = "COULDNT_CONNECT" } } do
      local s = scripted { bad, always("stopped") }
      local vm = vm_on(s, { retries = 0 })
      assert.equal(vm, assert(vm:wait("stopped", { interval = 1 })))
      assert.equal(2, #s.requests)
    end
  end)

  it("a VM deleted while waiting for another status ends the wait at once, not_found", function() -- wait-deleted
    local s = scripted(forever(always("Deleted")))
    local ok, err = vm_on(s):wait("running", { interval = 1, timeout = 600 })
    assert.is_nil(ok)
    assert.equal("api", err.kind)
    assert.is_true(err.not_found)
    assert.equal(1, #s.requests)
  end)

  it("a VM gone (404, or the platform's 400 No such ...) satisfies a wait for deleted", function() -- wait-gone
    for _, gone in ipairs {
      { status = 404, body = '{"message":"not found"}' },
      { status = 400, body = '{"errors":{"Error":"No such virtual machine exists. ' .. UUID .. '"}}' },
    } do
      local s = scripted { gone }
      local vm = vm_on(s, { retries = 0 })
      assert.equal(vm, assert(vm:wait("deleted")))
      assert.equal("deleted", vm.status)
    end
  end)
end)

describe("a wait bounds what runs inside it", function()
  it("wait.poll's timeout bounds the requests of its function", function() -- wait-poll-bounded
    local s = scripted { always("running", 10) }
    local c = s.client { timeout = 30, retries = 0 }
    local t0 = clock.t
    local ok, err = idcloudhost.wait(function() return c.vms:get(UUID) end, { timeout = 5 })
    assert.is_nil(ok)
    assert.equal("timeout", err.kind)
    assert.equal(5, s.requests[1].timeout)
    assert.equal(5, clock.t - t0)
  end)

  it("an outer wait's timeout bounds an inner wait with a longer one, its requests and sleeps", function()
    -- rt-within-outer
    local s = scripted(forever(always("stopping", 2)))
    local vm = vm_on(s, { retries = 0 })
    local t0 = clock.t
    local ok, err = idcloudhost.wait(function()
      local got, werr = vm:wait("stopped", { timeout = 600, interval = 1 })
      if got then return got end
      return nil, werr
    end, { timeout = 5, sleep = clock.sleep })
    assert.is_nil(ok)
    assert.equal("timeout", err.kind)
    for i, req in ipairs(s.requests) do
      assert.is_true(req.timeout <= 5 - (i - 1) * 2, "request " .. i .. " had " .. req.timeout .. " s")
    end
    assert.is_true(clock.t - t0 <= 5 + 1e-9, "the outer wait took " .. (clock.t - t0) .. " s")
  end)
end)

describe("runtime.within", function()
  it("bounds calls by the earlier of its deadline and the outer one, and restores the outer after", function()
    -- rt-within-outer, rt-within-restore
    local seen
    runtime.within(1005, function()
      runtime.within(1600, function() seen = runtime.deadline() end)
      assert.equal(1005, runtime.deadline())
    end)
    assert.equal(1005, seen)
    assert.is_nil(runtime.deadline())
    runtime.within(1600, function() runtime.within(1005, function() seen = runtime.deadline() end) end)
    assert.equal(1005, seen)
  end)
end)

describe("the scheduler's step(wait)", function()
  it("waits on transfers no longer than until the next sleeper is due", function() -- sched-nap-long
    local c = { t = 0 }
    c.now = function() return c.t end
    c.sleep = function(d) c.t = c.t + d end
    local t = { polls = {} }
    function t.send() return 1 end
    function t.poll(_, wait)
      t.polls[#t.polls + 1] = wait
      c.t = c.t + wait -- nothing finishes meanwhile
      return {}
    end
    local s = sched.new(c)
    local woke
    s:spawn(function() s:sleep(0.2) woke = c.t end, function() end)
    s:spawn(function() s:request(t, { url = "x" }) end, function() end)
    s:step(5)
    s:step(5)
    assert.is_true(t.polls[1] <= 0.2 + 1e-9, "polled for " .. t.polls[1] .. " s")
    assert.is_true(woke and math.abs(woke - 0.2) < 1e-9, "woke at " .. tostring(woke))
  end)
end)

describe("batches", function()
  it("results come in item order whatever order the items end in; sleeping items wake on time", function()
    -- batch-order, sched-wake-late
    local s = scripted {}
    local woke = {}
    local res = assert(s.client():batch({ 3, 1, 2.5 }, function(d)
      runtime.current():sleep(d)
      woke[d] = clock.t - 1000
      return d * 10
    end))
    assert.same({ 30, 10, 25 }, { res[1].value, res[2].value, res[3].value })
    assert.same({ [3] = 3, [1] = 1, [2.5] = 2.5 }, woke) -- each at its own time, not later
    assert.equal(3, clock.t - 1000) -- concurrently: the longest, not the sum
  end)

  it("an item that returns false failed, with an error value saying so", function() -- batch-false
    local s = scripted {}
    local res = assert(s.client():batch({ 1 }, function() return false end))
    assert.is_false(res[1].ok)
    assert.equal("error", res[1].err.kind)
    assert.matches("returned false", res[1].err.message, 1, true)
  end)
end)
