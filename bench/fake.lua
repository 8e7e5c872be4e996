-- Benchmark: idcloudhost.fake on a virtual clock.  20 VMs stopped and waited for in one batch
-- with the platform's 30 s settle: the real time it takes (target < 1 s) and the simulated time
-- the code under test sees (30+ s); then the scenario of spec/fixtures/scenario.lua, and what
-- fake.new costs (each fake loads an engine of its own).  Best of BENCH_ROUNDS (arg 1, 7) rounds.
-- No simulator: `make bench` runs it on $(LUA) (the C core's clock measures).
local fake = require "idcloudhost.fake"
local scenario = require "spec.fixtures.scenario"
local now = require("idcloudhost.runtime").plain.now

local ROUNDS = tonumber(arg and arg[1]) or 7
local N, SETTLE = 20, 30

local function stop_and_wait()
  local f = fake.new { clock = "virtual" }
  local c = assert(f:client { location = "cyc01" })
  local vms = {}
  for i = 1, N do
    vms[i] = assert(c.vms:create { name = string.format("fleet-%02d", i), os_name = "ubuntu", os_version = "22.04",
      disks = 20, vcpu = 1, ram = 1024, username = "u", password = "Bench-pass1", reserve_public_ip = false })
  end
  f:config { settle = SETTLE }
  local s0, t0 = f:now(), now()
  local results = c:batch(vms, function(vm)
    assert(vm:stop { force = true })
    return vm:wait("stopped")
  end, { concurrency = N })
  local real = now() - t0
  for _, r in ipairs(results) do assert(r.ok and r.value.status == "stopped", tostring(r.err)) end
  return real, f:now() - s0, #f:calls()
end

local function best(fn)
  local b, extra
  for _ = 1, ROUNDS do
    local r, x, y = fn()
    if not b or r < b then b, extra = r, { x, y } end
  end
  return b, extra[1], extra[2]
end

local real, simulated, calls = best(stop_and_wait)
print(string.format("fake: %d VMs stop-and-wait, %d s settle, virtual clock: %.3f s real (target < 1 s), "
  .. "%.1f s simulated (target >= %d s), %d calls", N, SETTLE, real, simulated, SETTLE, calls))

local sreal, ssim = best(function()
  local f = fake.new { clock = "virtual", settle = SETTLE }
  local t0 = now()
  scenario.run(assert(f:client { location = "cyc01" }), function() return f:state() end)
  return now() - t0, f:now()
end)
print(string.format("fake: the scenario (network, 3 VMs, stop-and-wait, balancer, snapshots, clean-up) with "
  .. "%d s settles: %.3f s real, %.1f s simulated", SETTLE, sreal, ssim))

local new = best(function()
  local t0 = now()
  for _ = 1, 10 do fake.new() end
  return (now() - t0) / 10
end)
print(string.format("fake: fake.new (a private engine) %.1f ms", new * 1000))

if real >= 1 or simulated < SETTLE then
  io.stderr:write("fake: the virtual clock's target missed\n")
  os.exit(1)
end
