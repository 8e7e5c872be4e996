-- Batch: stop and start a fleet of VMs, ten at a time, with a progress line.
local idcloudhost = require "idcloudhost"

local client = assert(idcloudhost.new { location = os.getenv("IDCLOUDHOST_LOCATION") or "cyc01" })

local function progress(label)
  return function(done, total, vm, result)
    io.write(string.format("\r%s %2d/%d  %-10s %s   ", label, done, total, vm.name,
      result.ok and "ok" or ("FAILED: " .. tostring(result.err))))
    if done == total then io.write("\n") end
    io.flush()
  end
end

local function check(results)
  for _, r in ipairs(results) do assert(r.ok, tostring(r.err)) end
end

print("creating 20 VMs, 10 at a time")
local names = {}
for i = 1, 20 do names[i] = string.format("fleet-%02d", i) end
local created = client:batch(names, function(name, c)
  return c.vms:create { name = name, os_name = "ubuntu", os_version = "22.04", disks = 20, vcpu = 1,
    ram = 1024, username = "ubuntu", password = "Fleet-pass1" }
end, { concurrency = 10, on_progress = function(done, total, name, r)
  progress("create")(done, total, { name = name }, r)
end })
check(created)
local vms = {}
for i, r in ipairs(created) do vms[i] = r.value end

check(client:batch(vms, function(vm)
  assert(vm:stop { force = true })
  return vm:wait("stopped", { interval = 0.5 })
end, { concurrency = 10, on_progress = progress("stop  ") }))

check(client:batch(vms, function(vm)
  assert(vm:start())
  return vm:wait("running", { interval = 0.5 })
end, { concurrency = 10, on_progress = progress("start ") }))

check(client:batch(vms, function(vm) return vm:delete { release_ips = true } end,
  { concurrency = 10, on_progress = progress("delete") }))
print(string.format("done: %d VMs left in %s", #assert(client.vms:list()), client.location))
