-- Quickstart: create a VM, stop it, look around every location, clean up.
-- Runs against the real platform with IDCLOUDHOST_API_KEY, or the simulator (`make demo`).
local idcloudhost = require "idcloudhost"

local function step(fmt, ...)
  io.write(string.format("-- " .. fmt .. "\n", ...))
  io.flush()
end

local client = assert(idcloudhost.new { location = os.getenv("IDCLOUDHOST_LOCATION") or "cyc01" })
step("client: %s", tostring(client))

step("creating a VM (the platform blocks until it runs)")
local vm = assert(client.vms:create {
  name = "web-1", os_name = "ubuntu", os_version = "22.04", disks = 20, vcpu = 2, ram = 2048,
  username = "ubuntu", password = "S3cret-pass",
  cloud_init = { runcmd = { "echo hello from cloud-init > /etc/motd" } },
})
step("created %s", tostring(vm))

step("stopping it with force")
assert(vm:stop { force = true })
step("%s is %s", vm.uuid, vm.status)

step("resizing it while stopped")
assert(vm:update { vcpu = 4, ram = 4096 })
assert(vm:reload())
step("now %s", tostring(vm))

step("every VM in every location")
local locations = assert(client:request("GET", "/v1/config/locations"))
for _, loc in ipairs(locations) do
  local vms = assert(assert(client:at(loc.slug)).vms:list())
  step("  %s (%s): %d VM(s)", loc.slug, loc.display_name, #vms)
  for _, v in ipairs(vms) do step("    %s", tostring(v)) end
end

step("a mistake comes back as a value, not an exception")
local none, err = client.vms:get("00000000-0000-4000-8000-000000000000")
step("  %s (not_found = %s)", tostring(err), tostring(err and err.not_found))
assert(none == nil and err.not_found)

step("cleaning up")
assert(vm:delete())
step("done: %d VM(s) left in %s", #assert(client.vms:list()), client.location)
