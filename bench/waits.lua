-- Benchmark: API calls of waiting for 50 VMs that reach `running` at spread-out times, polled
-- once a second: one vm:wait each (coalesce = false), vm:wait in a batch (shared polls), and
-- vms:wait_all.  The simulator's writes take 100 ms and started VMs take 2 s to run; the VMs are
-- started one after another, so they reach running between 2 and 7 s.  `make bench` runs it.
local idcloudhost = require "idcloudhost"
local simulator = require "idcloudhost.simulator"
local clock = require("idcloudhost.runtime").plain

local N, LATENCY, SETTLE, INTERVAL = 50, 0.1, 2, 1

local sim = simulator.connect()
local client = assert(idcloudhost.new { location = "cyc01" })

local function fleet()
  sim:reset()
  sim:config { latency = 0, settle = 0 }
  local vms = {}
  for i = 1, N do
    vms[i] = assert(client.vms:create { name = string.format("wait-%02d", i), os_name = "ubuntu",
      os_version = "22.04", disks = 20, vcpu = 1, ram = 1024, username = "u", password = "Bench-pass1",
      reserve_public_ip = false })
    assert(vms[i]:stop { force = true })
  end
  sim:config { latency = LATENCY, settle = SETTLE }
  sim:clear_log()
  return vms
end

-- Reads of VMs in the log (the starts are not counted).
local function reads()
  local n = 0
  for _, e in ipairs(sim:log()) do
    if e.method == "GET" and (e.path:find("/user%-resource/vm/list$") or e.path:find("/user%-resource/vm$")) then
      n = n + 1
    end
  end
  return n
end

-- Item 0 starts the VMs one by one while the others wait (wait(vms) runs in item 1 when it
-- takes the whole list, else one item per VM).
local function run(wait, whole)
  local vms = fleet()
  local items = { 0 }
  if whole then items[2] = vms else for i = 1, N do items[i + 1] = vms[i] end end
  local t0 = clock.now()
  local results = client:batch(items, function(item)
    if item == 0 then
      for _, vm in ipairs(vms) do assert(vm:start()) end
      return true
    end
    return wait(item)
  end, { concurrency = #items })
  local elapsed = clock.now() - t0
  for _, r in ipairs(results) do assert(r.ok, r.err) end
  return reads(), elapsed
end

local OPTS = { interval = INTERVAL, backoff = 1, timeout = 60 }
local ALONE = { interval = INTERVAL, backoff = 1, timeout = 60, coalesce = false }

local alone, t1 = run(function(vm) return vm:wait("running", ALONE) end)
local shared, t2 = run(function(vm) return vm:wait("running", OPTS) end)
local all, t3 = run(function(vms)
  for _, r in ipairs(client.vms:wait_all(vms, "running", OPTS)) do assert(r.ok, r.err) end
  return true
end, true)
sim:config { latency = 0.01, settle = 0 }

print(string.format("waits: %d VMs reaching running over %d-%.0f s, polled every %d s: one vm:wait each "
  .. "%d calls (%.1f s), vm:wait in a batch %d calls (%.1f s, %.1fx fewer), vms:wait_all %d calls "
  .. "(%.1f s, %.1fx fewer)", N, SETTLE, SETTLE + N * LATENCY, INTERVAL, alone, t1, shared, t2, alone / shared,
  all, t3, alone / all))
