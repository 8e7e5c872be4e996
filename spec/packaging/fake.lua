-- Run by scripts/check-install.sh and scripts/check-rocks.sh from a clean shell: idcloudhost.fake,
-- installed, found on the paths given alone (arg[1]: the install's root; every module must come
-- from under it or from the system's Lua directories).  Makes and deletes a VM on a virtual clock;
-- prints "ok fake: ..." or fails.
local root = assert(arg[1], "usage: fake.lua ROOT")
local fake = require "idcloudhost.fake"
local f = fake.new { clock = "virtual", settle = 30 }
local client = assert(f:client { location = "cyc01" })
local vm = assert(client.vms:create { name = "fake-check", os_name = "ubuntu", os_version = "22.04", disks = 20,
  vcpu = 1, ram = 1024, username = "u", password = "Check-pass1", reserve_public_ip = false })
assert(vm:wait("running"))
assert(vm:delete())
assert(f:now() >= 30, "the virtual clock did not move")
for _, name in ipairs { "idcloudhost.fake", "idcloudhost.sim.engine", "idcloudhost" } do
  local file = package.searchpath and package.searchpath(name, package.path)
  if file and not file:find(root, 1, true) then error(name .. " came from " .. file .. ", not from " .. root) end
end
assert(package.loaded["http.server"] == nil and package.loaded["cqueues"] == nil, "the fake loaded lua-http")
print(string.format("ok fake: a VM made, waited for (%.0f s simulated) and deleted on %s", f:now(), _VERSION))
