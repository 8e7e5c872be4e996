-- Quickstart: create a VM, wait for it, give it a floating IP, stop it, look at every location,
-- clean up.  Runs against the real platform with IDCLOUDHOST_API_KEY, or the simulator (`make demo`).
local idcloudhost = require "idcloudhost"

local function step(fmt, ...)
  io.write(string.format("-- " .. fmt .. "\n", ...))
  io.flush()
end

local client = assert(idcloudhost.new { location = os.getenv("IDCLOUDHOST_LOCATION") or "cyc01" })
step("client: %s", tostring(client))

step("creating a VM")
local vm = assert(client.vms:create {
  name = "web-1", os_name = "ubuntu", os_version = "22.04", disks = 20, vcpu = 2, ram = 2048,
  username = "ubuntu", password = "S3cret-pass",
  cloud_init = { runcmd = { "echo hello from cloud-init > /etc/motd" } },
})
step("created %s", tostring(vm))
assert(vm:wait("running", { timeout = 600, on_progress = function(v, elapsed)
  step("  %s after %.0f s", v.status, elapsed)
end }))
step("running")

step("reserving a floating IP and assigning it")
local ip = assert(client.floating_ips:create { name = "web-1-ip" })
assert(ip:assign(vm))
step("%s -> %s", ip.address, tostring(ip.assigned_to))

step("stopping the VM with force")
assert(vm:stop { force = true })
assert(vm:wait("stopped"))
step("%s is %s", vm.uuid, vm.status)

step("resizing it while stopped")
assert(vm:update { vcpu = 4, ram = 4096 })
step("now %s", tostring(vm))

step("every VM in every location")
for _, v in ipairs(assert(client.vms:list { all_locations = true })) do
  step("  %-6s %s", v.location, tostring(v))
end

step("a mistake comes back as a value, not an exception")
local none, err = client.vms:get("00000000-0000-4000-8000-000000000000")
step("  %s (not_found = %s)", tostring(err), tostring(err and err.not_found))
assert(none == nil and err.not_found)

step("cleaning up: the VM and its floating IP (which would otherwise stay reserved, and billed)")
assert(vm:delete { release_ips = true })
local left = assert(client.floating_ips:list())
step("done: %d VM(s) and %d floating IP(s) left in %s", #assert(client.vms:list()), #left, client.location)
assert(#left == 0)
