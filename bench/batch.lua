-- Benchmark: stop-and-wait over 50 VMs, one by one and as a batch of 10 at a time, against a
-- simulator whose writes take 200 ms.  Prints the speedup.  `make bench` runs it.
local idcloudhost = require "idcloudhost"
local simulator = require "idcloudhost.simulator"
local clock = require("idcloudhost.runtime").plain

local N, LATENCY, CONCURRENCY = 50, 0.2, 10

local sim = simulator.connect()
local client = assert(idcloudhost.new { location = "cyc01" })

local function fleet()
  sim:reset()
  sim:config { latency = 0, settle = 0 }
  local vms = {}
  for i = 1, N do
    vms[i] = assert(client.vms:create { name = string.format("bench-%02d", i), os_name = "ubuntu",
      os_version = "22.04", disks = 20, vcpu = 1, ram = 1024, username = "u", password = "Bench-pass1" })
  end
  sim:config { latency = LATENCY }
  return vms
end

local function stop_and_wait(vm)
  assert(vm:stop { force = true })
  return assert(vm:wait("stopped", { interval = 0.05 }))
end

local function timed(fn)
  local t0 = clock.now()
  fn()
  return clock.now() - t0
end

local vms = fleet()
local sequential = timed(function()
  for _, vm in ipairs(vms) do stop_and_wait(vm) end
end)

vms = fleet()
local batched = timed(function()
  for _, r in ipairs(client:batch(vms, stop_and_wait, { concurrency = CONCURRENCY })) do assert(r.ok, r.err) end
end)
sim:config { latency = 0.01 }

print(string.format("batch: %d stop-and-wait calls, %d ms per write: sequential %.2f s, "
  .. "concurrency %d %.2f s, speedup %.1fx", N, LATENCY * 1000, sequential, CONCURRENCY, batched,
  sequential / batched))
