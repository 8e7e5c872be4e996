-- Coalesced waits against the simulator: wait_all reads each location's list once per interval
-- (the simulator's request log says so), batch waits share their polls.
local helper = require "spec.helper"
local clock = require("idcloudhost.runtime").plain

local INTERVAL = 0.4

-- n stopped VMs in each of the locations, then started with the simulator's settle: they show
-- "starting" for `settle` seconds.  Returns {cyc01 = {vm...}, bus02 = {...}}.
local function starting(client, n, settle, locations)
  helper.config { settle = 0 }
  local out, all = {}, {}
  for _, loc in ipairs(locations) do
    local c = client:at(loc)
    out[loc] = {}
    for i = 1, n do
      local vm = assert(c.vms:create(helper.billed_vm_params { name = loc .. "-" .. i, reserve_public_ip = false }))
      assert(vm:stop { force = true })
      out[loc][i] = vm
      all[#all + 1] = vm
    end
  end
  helper.config { settle = settle }
  for _, r in ipairs(client:batch(all, function(vm) return vm:start() end, { concurrency = 10 })) do
    assert(r.ok, r.err)
  end
  helper.sim("DELETE", "log")
  return out
end

-- The log's reads of VMs: list calls per location, single GETs.
local function reads()
  local lists, gets = {}, 0
  for _, e in ipairs(helper.log()) do
    local loc = e.method == "GET" and e.path:match("^/v1/(%w+)/user%-resource/vm/list$")
    if loc then lists[loc] = (lists[loc] or 0) + 1 end
    if e.method == "GET" and e.path:find("/user%-resource/vm$") then gets = gets + 1 end
  end
  return lists, gets
end

describe("vms:wait_all against the simulator", function()
  after_each(function() helper.config { settle = 0 } end)

  it("waits for 20 VMs in two locations with one list call per location per interval", function()
    local client = helper.fresh_client { location = "cyc01" }
    local vms = starting(client, 10, 1.5, { "cyc01", "bus02" })
    local items, times = {}, { cyc01 = {}, bus02 = {} }
    for i = 1, 10 do
      items[#items + 1] = vms.cyc01[i].uuid -- a uuid: of the client's location
      items[#items + 1] = vms.bus02[i]      -- an object of another location
    end
    -- The same client's shared state, with a hook that times every list call.
    local watcher = helper.client { location = "cyc01", on_request = function(r)
      local loc = r.url:match("/v1/(%w+)/user%-resource/vm/list$")
      if loc then table.insert(times[loc], clock.now()) end
    end }
    for i = 2, 20, 2 do items[i] = assert(watcher:at("bus02").vms:get(items[i].uuid)) end
    helper.sim("DELETE", "log")
    local t0 = clock.now()
    local results = assert(watcher.vms:wait_all(items, "running", { interval = INTERVAL, backoff = 1, timeout = 30 }))
    local elapsed = clock.now() - t0
    assert.equal(20, #results)
    for i, r in ipairs(results) do
      assert.is_true(r.ok, tostring(r.err))
      assert.equal("running", r.value.status)
      assert.equal(i % 2 == 0 and items[i].uuid or items[i], r.value.uuid) -- input order
    end
    local lists, gets = reads()
    assert.equal(0, gets)
    for _, loc in ipairs { "cyc01", "bus02" } do
      assert.equal(#times[loc], lists[loc])
      -- Several rounds (1.5 s of settle at 0.4 s), never two calls within one interval.
      assert.is_true(lists[loc] >= 2 and lists[loc] <= elapsed / INTERVAL + 1, loc .. ": " .. lists[loc])
      for k = 2, #times[loc] do
        assert.is_true(times[loc][k] - times[loc][k - 1] >= INTERVAL * 0.99, loc .. " polled twice in one interval")
      end
    end
  end)

  it("returns per-VM errors in input order: a deleted VM, a fail_on status, the rest fine", function()
    local client = helper.fresh_client { location = "cyc01" }
    local vms = starting(client, 3, 0.5, { "cyc01" }).cyc01
    helper.config { settle = 0 } -- for what follows; the three started VMs still take 0.5 s
    local gone = assert(client.vms:create(helper.billed_vm_params { name = "gone", reserve_public_ip = false }))
    assert(gone:delete())
    local parked = assert(client.vms:create(helper.billed_vm_params { name = "parked", reserve_public_ip = false }))
    assert(parked:stop { force = true })
    local results = assert(client.vms:wait_all({ vms[1], gone.uuid, vms[2], parked, vms[3] }, "running",
      { interval = 0.2, fail_on = "stopped", timeout = 20 }))
    assert.is_true(results[1].ok)
    assert.is_true(results[2].err.not_found)
    assert.is_true(results[3].ok)
    assert.equal("stopped", results[4].err.last_status)
    assert.matches("stopped", tostring(results[4].err))
    assert.is_true(results[5].ok)
    assert.equal(vms[3], results[5].value)
  end)

  it("waits for disks the same way", function()
    local client = helper.fresh_client { location = "cyc01" }
    local a = assert(client.disks:create { size_gb = 10, billing_account_id = 6 })
    local b = assert(client.disks:create { size_gb = 10, billing_account_id = 6 })
    helper.sim("DELETE", "log")
    local results = assert(client.disks:wait_all({ a, b.uuid }, "active", { interval = 0.1 }))
    assert.is_true(results[1].ok and results[2].ok)
    assert.equal(b.uuid, results[2].value.uuid)
    assert.equal(1, helper.count("GET", "/v1/cyc01/storage/disks"))
  end)
end)

describe("vm:wait inside client:batch against the simulator", function()
  after_each(function() helper.config { settle = 0 } end)

  it("shares one poll per interval between the items of a location", function()
    local client = helper.fresh_client { location = "cyc01" }
    local vms = starting(client, 10, 1.5, { "cyc01" }).cyc01
    local t0 = clock.now()
    local results = client:batch(vms, function(vm)
      return vm:wait("running", { interval = INTERVAL, backoff = 1, timeout = 30 })
    end, { concurrency = 10 })
    local elapsed = clock.now() - t0
    for _, r in ipairs(results) do assert.is_true(r.ok, tostring(r.err)) end
    local lists, gets = reads()
    local rounds = elapsed / INTERVAL + 1
    -- One wait each: 10 calls per round.  Shared: a list per round, one more in the first
    -- round, and a reload for an item that is alone at the start or the end.
    local calls = (lists.cyc01 or 0) + gets
    assert.is_true(calls <= rounds + 3, string.format("%d calls in %.1f rounds", calls, rounds))
    assert.is_true(gets <= 2, "gets " .. gets)
  end)
end)
