-- Load balancer: a private network, two VMs in it, a balancer in front of them; add a rule,
-- take a target out, then clean everything up.
-- Runs against the real platform with IDCLOUDHOST_API_KEY, or the simulator (`make examples`).
local idcloudhost = require "idcloudhost"

local function step(fmt, ...)
  io.write(string.format("-- " .. fmt .. "\n", ...))
  io.flush()
end

local client = assert(idcloudhost.new { location = os.getenv("IDCLOUDHOST_LOCATION") or "cyc01" })
step("client: %s", tostring(client))

-- The first network of a location becomes its default, and a default network cannot be deleted:
-- make sure there is one already, so that ours is an ordinary network we can remove afterwards.
local default = assert(client.networks:default())
step("default network: %s", tostring(default))
local net = assert(client.networks:create { name = "lb-demo" })
assert(not net.is_default)
step("created %s", tostring(net))

local vms = {}
for i = 1, 2 do
  vms[i] = assert(client.vms:create {
    name = "lb-web-" .. i, os_name = "ubuntu", os_version = "22.04", disks = 20, vcpu = 1, ram = 1024,
    username = "ubuntu", password = "S3cret-pass", network_uuid = net.uuid, reserve_public_ip = false,
  })
  step("created %s at %s", tostring(vms[i]), vms[i].private_ipv4)
end
assert(net:reload())
assert(#net.vm_uuids == 2, "both VMs are in the network")
for _, vm in ipairs(assert(net:vms())) do step("  in %s: %s", net.name, vm.name) end

local lb = assert(client.load_balancers:create {
  display_name = "lb-demo", network_uuid = net,
  rules = { { source_port = 80, target_port = 8080 } },
  targets = vms,
})
step("created %s", tostring(lb))
assert(#lb.forwarding_rules == 1 and #lb.targets == 2)
for _, t in ipairs(lb.targets) do step("  target %s at %s", t.target_uuid, t.target_ip_address) end

step("adding a rule 443 -> 8443 (the platform does not answer its uuid: the SDK re-reads the balancer)")
local rule = assert(lb:add_rule { source_port = 443, target_port = 8443 })
assert(idcloudhost.is_uuid(rule.uuid))
assert(#lb.forwarding_rules == 2, "the balancer object was re-read")
step("  rule %s: %d -> %d", rule.uuid, rule.source_port, rule.target_port)

step("taking %s out of the balancer", vms[1].name)
assert(lb:remove_target(vms[1]))
assert(#lb.targets == 1 and lb.targets[1].target_uuid == vms[2].uuid)
assert(#assert(client.load_balancers:get(lb.uuid)).targets == 1)
step("now %s", tostring(lb))

step("cleaning up")
assert(lb:delete { release_ips = true })   -- and its public address
for _, vm in ipairs(vms) do assert(vm:delete { release_ips = true }) end
assert(net:delete())
assert(#assert(client.load_balancers:list()) == 0)
for _, n in ipairs(assert(client.networks:list())) do assert(n.uuid ~= net.uuid, "the network is gone") end
step("done: the balancer, both VMs and network %q are gone (the default network stays)", net.name)
