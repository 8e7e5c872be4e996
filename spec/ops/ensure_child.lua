-- A process that ensures one VM (run by spec/ops/ensure_kill_spec.lua, which may SIGKILL it at
-- any point): arg[1] the simulator's URL, arg[2] the state folder (the create fences), arg[3] the
-- seconds a create may take to land (ensure's settle).
local idcloudhost = require "idcloudhost"
local client = assert(idcloudhost.new { apikey = "demo-key", base_url = arg[1], location = "cyc01" })
local vm, how = client.vms:ensure { name = "nightly-vm-2", owner = "nightly", state_dir = arg[2],
  settle = tonumber(arg[3]), interval = 0.2, vcpu = 1, ram = 1024, os_name = "ubuntu", os_version = "22.04",
  disks = 20, username = "ubuntu", password = "S3cret-pass", billing_account_id = 6 }
io.write(vm and (how .. " " .. vm.uuid) or ("error " .. tostring(how)), "\n")
