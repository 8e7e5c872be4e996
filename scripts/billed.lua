-- Prints what the simulator still bills (VMs, floating IPs, disks, load balancers, firewalls,
-- buckets, managed service packages) and fails when anything is left: `make demo` and
-- `make examples` run it after each script, so no example or quickstart can leave something
-- billed behind.
local sim = require("idcloudhost.sim.client").connect()

-- Per location; firewalls carry a billing account (the pricing policy has no price for them yet).
local BILLED = { "vms", "floating_ips", "disks", "load_balancers", "firewalls" }
-- Of no location (sim:state().globals).
local GLOBAL_BILLED = { "services" }

local function live(item)
  return type(item) == "table" and not item.is_deleted and tostring(item.status):lower() ~= "deleted"
end

local left = {}
local state = sim:state()
for _, kind in ipairs(GLOBAL_BILLED) do
  for _, item in ipairs((state.globals or {})[kind] or {}) do
    if live(item) then left[#left + 1] = string.format("%s %s", kind, tostring(item.uuid)) end
  end
end
for slug, loc in pairs(state.locations) do
  for _, kind in ipairs(BILLED) do
    for _, item in ipairs(loc[kind] or {}) do
      if live(item) then
        left[#left + 1] = string.format("%s %s %s", slug, kind, tostring(item.uuid or item.address or item.name))
      end
    end
  end
end
for _, b in ipairs(sim:call("GET", "buckets")) do left[#left + 1] = "bucket " .. tostring(b.name) end
table.sort(left)
for _, l in ipairs(left) do print("left billed: " .. l) end
if #left > 0 then
  io.stderr:write(#left, " billed resource(s) left behind\n")
  os.exit(1)
end
print("nothing billed is left")
