-- Provision with plan and apply: an SSH key, a network, three VMs made with that key (the first
-- with a data disk), a firewall guarding them, a floating IP on the first, a load balancer in
-- front of them, all marked with the owner "nightly-example".  (No bucket: a bucket's name is
-- unique across every user of the platform, so a fixed name here could be someone else's.)  Run again, the plan
-- is empty (nothing is made twice, even after a run killed mid-create); at the end a plan of
-- nothing with prune = true deletes every resource carrying the mark, and only those.
-- Runs against the real platform with IDCLOUDHOST_API_KEY, or the simulator (`make examples`).
local idcloudhost = require "idcloudhost"

local function step(fmt, ...)
  io.write(string.format("-- " .. fmt .. "\n", ...))
  io.flush()
end

local LOCATION = os.getenv("IDCLOUDHOST_LOCATION") or "cyc01"
local OWNER = "nightly-example"
local client = assert(idcloudhost.new { location = LOCATION })
step("client: %s", tostring(client))

-- The first network of a location becomes its default, which cannot be deleted: make sure the
-- location has one, so ours is an ordinary network the teardown can remove.
assert(client.networks:default())

local function vm(name)
  return { name = name, network = "nightly-net", vcpu = 1, ram = 1024, disks = 20, os_name = "ubuntu",
    os_version = "22.04", username = "ubuntu", ssh_keys = { "nightly-key" }, reserve_public_ip = false }
end

-- (a public key only: the private half never leaves the machine that made it)
local PUBLIC_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGx4vYv0h2n6cXz8nZr1kq9T3pQw6m5Jk0b7sVtq2yWm nightly@example"
local first = vm("nightly-vm-1")
first.data_disks = { 10 }

local desired = { owner = OWNER, ssh_keys = { { name = "nightly-key", public_key = PUBLIC_KEY } },
  locations = { [LOCATION] = {
  networks = { { name = "nightly-net" } },
  vms = { first, vm("nightly-vm-2"), vm("nightly-vm-3") },
  firewalls = { { name = "nightly-fw", description = "web and ssh",
    rules = { { direction = "inbound", protocol = "tcp", port_start = 22 },
              { direction = "inbound", protocol = "tcp", port_start = 8080 } },
    vms = { "nightly-vm-1", "nightly-vm-2", "nightly-vm-3" } } },
  floating_ips = { { name = "nightly-ip", assign = "nightly-vm-1" } },
  load_balancers = { { name = "nightly-lb", network = "nightly-net",
    rules = { { source_port = 80, target_port = 8080 } },
    targets = { "nightly-vm-1", "nightly-vm-2", "nightly-vm-3" } } },
} } }
-- The platform's policy has no price for these: say what they cost.
local PRICES = { floating_ip = 4.5, load_balancer = 12, firewall = 0 }

local plan = assert(idcloudhost.plan(client, desired, { prices = PRICES }))
print(plan)
step("%d actions, %.2f a month more", #plan.actions, plan.monthly)
local report = assert(plan:apply { concurrency = 3, on_progress = function(done, total, action, r)
  step("[%d/%d] %s %s %s: %s", done, total, action.op, action.kind, action.name, r.ok and "ok" or tostring(r.err))
end })
step("applied: %d done", #report.done)

-- Running it again: nothing to do.
local again = assert(idcloudhost.plan(client, desired, { prices = PRICES }))
print(again)
assert(#again.actions == 0, "a second plan after a successful apply is empty")

-- Find and ensure see the same resources.
local found = assert(client.vms:find { name = "nightly-vm-2", owner = OWNER })
assert(#found == 1 and found[1].owner == OWNER)
local params = vm("nightly-vm-2")
params.owner, params.network, params.ssh_keys = OWNER, nil, nil
local same, how = assert(client.vms:ensure(params))
assert(how == "found" and same.uuid == found[1].uuid)
step("ensure: %s (%s)", tostring(same), how)

-- The whole bill of the account now.
local bill = assert(client:bill { prices = PRICES })
for _, t in ipairs(bill.by_location) do
  step("billing account %s, %s: %d items, %.4f an hour, %.2f a month", tostring(t.billing_account_id),
    tostring(t.location or "global"), t.items, t.hourly, t.monthly)
end

-- Ensure with update = true brings what can change in place: the firewall's rules, one PUT.
local fw, fw_how = assert(client.firewalls:ensure { name = "nightly-fw", owner = OWNER, update = true,
  description = "web only", rules = { { direction = "inbound", protocol = "tcp", port_start = 8080 } } })
step("ensure update: %s (%s)", tostring(fw), fw_how)
-- ...which the plan now wants back, as an update.
local back = assert(idcloudhost.plan(client, desired, { prices = PRICES }))
print(back)
assert(#back.actions == 1 and back.actions[1].op == "update", "the firewall's rules are planned back")
assert(back:apply {})

-- Teardown: nothing desired, prune = true deletes what carries the mark.
local teardown = assert(idcloudhost.plan(client, { owner = OWNER, locations = { [LOCATION] = {} } }, { prune = true }))
print(teardown)
assert(teardown:apply {})
local after = assert(idcloudhost.plan(client, { owner = OWNER, locations = { [LOCATION] = {} } }, { prune = true }))
assert(#after.actions == 0, "everything marked is gone")
step("torn down")
