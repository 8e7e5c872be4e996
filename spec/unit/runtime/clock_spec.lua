-- The clock option: idcloudhost.new{clock = {now =, sleep =}} puts every read of time and every
-- wait of the SDK (retries, Retry-After, deadlines, waits, batches) on the client's clock.  A
-- manual clock here: it moves only when slept on, so anything that waits in real time instead
-- shows up as time the clock never saw.
local helper = require "spec.helper"
local idcloudhost = require "idcloudhost"

local function manual()
  local c = { t = 1000, sleeps = {} }
  function c.now() return c.t end
  function c.sleep(s)
    c.sleeps[#c.sleeps + 1] = s
    c.t = c.t + s
  end
  return c
end

local real_now = require("idcloudhost.runtime").plain.now

describe("the clock option", function()
  it("is checked at idcloudhost.new: a table with now and sleep", function()
    for _, bad in ipairs { 5, {}, { now = function() end }, { sleep = function() end } } do
      local c, err = idcloudhost.new { apikey = "k", clock = bad }
      assert.is_nil(c)
      assert.equal("invalid", err.kind)
      assert.equal("clock", err.field)
    end
    assert.truthy(idcloudhost.new { apikey = "k", clock = manual() })
  end)

  it("backoffs and Retry-After sleep on it (the sleep option aside)", function()
    local c = manual()
    local f = helper.fake { { status = 503, body = "" }, { status = 429, body = "", headers = { ["retry-after"] = "7" } },
      { status = 200, body = "[]" } }
    local client = f.client { location = "cyc01", clock = c, retry_base = 2, retry_cap = 2 }
    local t0 = real_now()
    assert.same({}, assert(client.vms:list()))
    assert.equal(3, #f.requests)
    assert.equal(0, #f.sleeps)           -- the plain sleep option is not used
    assert.equal(2, #c.sleeps)
    assert.equal(7, c.sleeps[2])
    assert.is_true(real_now() - t0 < 1)  -- (7 s of Retry-After never really waited)
  end)

  it("deadlines are times of it", function()
    local c = manual()
    local busy = { status = 503, body = "", headers = { ["retry-after"] = "6" } }
    local f = helper.fake { busy, busy, busy }
    local client = f.client { location = "cyc01", clock = c, deadline = 10 }
    local _, err = client.vms:list()
    assert.equal("api", err.kind)
    assert.matches("deadline", err.message)
    assert.equal(2, #f.requests)         -- 6 s in, another 6 s would pass the deadline
    assert.same({ 6 }, c.sleeps)
    assert.equal(4, f.requests[2].timeout)  -- what is left of the deadline on that clock
  end)

  it("waits poll on it: a 60 s wait returns at once, 60 s later on the clock", function()
    local c = manual()
    local statuses = { "starting", "starting", "starting", "running" }
    local script = {}
    for i, s in ipairs(statuses) do
      script[i] = { status = 200, body = string.format('{"uuid":"%s","status":"%s"}',
        "5aea1842-895f-4bd3-8bd6-e37b2282fb46", s) }
    end
    local f = helper.fake(script)
    local client = f.client { location = "cyc01", clock = c }
    local vm = assert(client.vms:get("5aea1842-895f-4bd3-8bd6-e37b2282fb46"))
    local t0 = real_now()
    assert(vm:wait("running", { interval = 20, coalesce = false }))
    assert.equal("running", vm.status)
    assert.is_true(c.t - 1000 >= 40)
    assert.is_true(real_now() - t0 < 1)
    assert.equal(0, #f.sleeps)
  end)

  it("the items of a batch still run side by side, on its time", function()
    local c = manual()
    local client = assert(idcloudhost.new { apikey = "k", base_url = "https://api.example.test", location = "cyc01",
      clock = c, transport = function(req)
        local uuid = req.url:match("uuid=([%x-]+)")
        return { status = 200, headers = {}, body = string.format('{"uuid":"%s","status":"%s"}', uuid,
          c.t - 1000 >= 30 and "stopped" or "stopping") }
      end })
    local order = {}
    local uuids = { "5aea1842-895f-4bd3-8bd6-e37b2282fb46", "6aea1842-895f-4bd3-8bd6-e37b2282fb46" }
    local results = client:batch(uuids, function(uuid, cl)
      return idcloudhost.wait(function()
        local vm = assert(cl.vms:get(uuid))
        order[#order + 1] = uuid:sub(1, 1)
        return vm.status == "stopped" and vm, vm.status
      end, { interval = 5, backoff = 1, timeout = 100 })
    end)
    for _, r in ipairs(results) do assert.is_true(r.ok and r.value and true) end
    -- both polled at each round: 5 6 5 6 ..., not all of one then the other
    assert.equal("56", table.concat(order, "", 1, 2))
    assert.is_true(c.t - 1000 >= 30 and c.t - 1000 < 40)  -- the rounds' sleeps were shared
  end)
end)
