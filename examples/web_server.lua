-- A web server the 2025-12 way: store an SSH key, make a VM from it (no password login), put a
-- firewall in front of it that opens 22, 80 and 443, then remove everything again.  Runs against
-- the real platform with IDCLOUDHOST_API_KEY (billed while it runs), or the simulator
-- (`make examples`).  The public key: $IDCLOUDHOST_SSH_PUBLIC_KEY, else ~/.ssh/id_ed25519.pub,
-- else a placeholder no one holds the private half of.
local idcloudhost = require "idcloudhost"

local function step(fmt, ...)
  io.write(string.format("-- " .. fmt .. "\n", ...))
  io.flush()
end

local function public_key()
  local key = os.getenv("IDCLOUDHOST_SSH_PUBLIC_KEY")
  if key and key ~= "" then return key end
  local home = os.getenv("HOME")
  local f = home and io.open(home .. "/.ssh/id_ed25519.pub", "r")
  if f then
    key = f:read("*l")
    f:close()
    if key and key ~= "" then return key end
  end
  return "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleKeyOfTheWebServerExample example@idcloudhost"
end

local client = assert(idcloudhost.new { location = os.getenv("IDCLOUDHOST_LOCATION") or "cyc01" })
step("client: %s", tostring(client))

-- What was made, removed in reverse order whatever happens in between.
local made = {}
local function cleanup()
  for i = #made, 1, -1 do
    local ok, err = made[i].remove()
    step("removed %s%s", tostring(made[i].what), ok and "" or (": FAILED " .. tostring(err)))
  end
end

local function main()
  step("storing an SSH key")
  local key = assert(client.ssh_keys:create { name = "web-server-example-" .. os.time(), public_key = public_key() })
  made[#made + 1] = { what = key, remove = function() return key:delete() end }
  step("  %s", tostring(key))

  step("making a VM that logs in with that key only (no password)")
  local vm = assert(client.vms:create {
    name = "web-1", os_name = "ubuntu", os_version = "22.04", disks = 20, vcpu = 1, ram = 1024,
    username = "ubuntu", ssh_keys = { key },
    cloud_init = "#cloud-config\npackages:\n  - nginx\n", -- YAML, as the 2025-12 docs allow
  })
  -- reserve_public_ip defaults to true: the floating IP goes with the VM (release_ips).
  made[#made + 1] = { what = vm, remove = function() return vm:delete { release_ips = true } end }
  assert(vm:wait("running", { timeout = 600 }))
  step("  %s", tostring(vm))

  step("a firewall opening SSH, HTTP and HTTPS to everyone")
  local rules = {}
  for _, port in ipairs { 22, 80, 443 } do
    rules[#rules + 1] = { direction = "inbound", protocol = "tcp", port_start = port, endpoint_spec_type = "any" }
  end
  local fw = assert(client.firewalls:create { display_name = "web", rules = rules })
  made[#made + 1] = { what = fw, remove = function() return fw:delete() end }
  step("  %s", tostring(fw))
  for _, r in ipairs(fw.rules) do
    step("    %s %s %s-%s from %s", r.direction, r.protocol, tostring(r.port_start), tostring(r.port_end), r.endpoint_spec_type)
  end

  step("a rule that makes no sense is refused before anything is sent")
  local bad, err = fw:add_rule { direction = "inbound", protocol = "tcp", port_start = 443, port_end = 80 }
  assert(bad == nil and err.kind == "invalid")
  step("  %s", tostring(err))

  step("putting the VM behind it")
  assert(fw:assign(vm))
  -- The firewall must come off the VM before it goes (removed in reverse order).
  made[#made + 1] = { what = "the firewall's hold on the VM", remove = function() return fw:unassign(vm) end }
  for _, f in ipairs(assert(vm:firewalls())) do step("  %s guards %s", tostring(f), vm.name) end
end

local ok, err = pcall(main)
step("cleaning up: everything made above (a VM, its floating IP and a firewall are billed)")
cleanup()
if not ok then error(err, 0) end
step("done: %d VM(s), %d firewall(s), %d floating IP(s) left in %s", #assert(client.vms:list()),
  #assert(client.firewalls:list()), #assert(client.floating_ips:list()), client.location)
