-- Snapshot and rebuild: create a VM, snapshot it, change it, rebuild it from the snapshot
-- (the VM ends stopped: start it again), then clean up.
-- Runs against the real platform with IDCLOUDHOST_API_KEY, or the simulator (`make examples`).
local idcloudhost = require "idcloudhost"

local function step(fmt, ...)
  io.write(string.format("-- " .. fmt .. "\n", ...))
  io.flush()
end

local client = assert(idcloudhost.new { location = os.getenv("IDCLOUDHOST_LOCATION") or "cyc01" })

step("creating a VM")
local vm = assert(client.vms:create {
  name = "snap-demo", os_name = "ubuntu", os_version = "22.04", disks = 20, vcpu = 1, ram = 1024,
  username = "ubuntu", password = "S3cret-pass",
})
step("created %s", tostring(vm))

step("taking a snapshot of its disk")
local snap = assert(vm:snapshot())
step("snapshot %s", tostring(snap))

local snaps = assert(vm:replicas())
step("the VM has %d snapshot(s):", #snaps)
for _, r in ipairs(snaps) do step("  %s", tostring(r)) end
assert(#snaps == 1 and snaps[1].uuid == snap.uuid, "the new snapshot should be listed")

step("changing it: a bigger disk and another OS")
assert(vm:resize_disk(vm.storage[1], 30))
assert(vm:reinstall { os_name = "debian", os_version = "12" })
step("now %s, %s %s", tostring(vm), vm.os_name, vm.os_version)
assert(vm.storage[1].size == 30 and vm.os_name == "debian")

step("rebuilding it from the snapshot")
assert(vm:rebuild(snap))
step("rebuilt: %s, %s %s", tostring(vm), vm.os_name, vm.os_version)
assert(vm.status == "stopped", "a rebuilt VM is left stopped")
assert(vm.storage[1].size == 20, "the disk is back to the snapshot's size")

step("starting it again")
assert(vm:start())
assert(vm.status == "running")
step("%s", tostring(vm))

step("cleaning up: the snapshot, then the VM")
assert(snap:delete())
assert(#assert(vm:replicas()) == 0)
assert(vm:delete { release_ips = true })   -- its floating IP too: reserved by default, billed until released
step("done: %d VM(s) left in %s", #assert(client.vms:list()), client.location)
