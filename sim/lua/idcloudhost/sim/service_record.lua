-- Managed service packages: their records, the package as the API shows it, and what one costs
-- an hour. The calls are service.lua's; billing_usage.lua puts the packages in the usage.
--
-- Records live in state.global("services")[uuid] (the package routes are not location-specific;
-- a package lives in the default location, on its default network: CloudAxion notes section 21,
-- verified live, "service_ip is on the account's default network"). A deleted package reads
-- back for the tombstone time (state.bury in the default location), as the docs' delete answer
-- (is_deleted, deleted_at, status "deleted") suggests.
--
-- The services on offer: postgresql 14.0 (the docs' create; CloudAxion notes section 21, verified
-- live: the only one there) and mariadb 10.5 (the docs' list). A multi-node package has a virtual
-- IP and two VMs (the docs' create answer), a single-node one a VM whose address is the
-- service_ip (the docs' list). Status "active" at once (section 21: created synchronously).
local clock = require "idcloudhost.sim.clock"
local ids = require "idcloudhost.sim.ids"
local json = require "idcloudhost.sim.json"
local network = require "idcloudhost.sim.network"
local state = require "idcloudhost.sim.state"

local service = {}

local A = json.array
local null = json.null

service.OFFER = {
  postgresql = { versions = { ["14.0"] = true }, port = 5432 },
  mariadb = { versions = { ["10.5"] = true }, port = 3306 },
}

-- The docs' price multipliers of a package (every example shows these).
local PRICES = {
  { priceMultiplier = 3.0, resourceType = "CPU" },
  { priceMultiplier = 3.0, resourceType = "RAM" },
  { priceMultiplier = 3.0, resourceType = "STORAGE", serviceNameInUptime = "main" },
  { priceMultiplier = 3.0, resourceType = "STORAGE", serviceNameInUptime = "block" },
  { priceMultiplier = 0.0, resourceType = "STORAGE", serviceNameInUptime = "snapshot" },
  { priceMultiplier = 0.0, resourceType = "STORAGE", serviceNameInUptime = "backup" },
  { priceMultiplier = 0.0, resourceType = "OBJECT_STORAGE" },
  { priceMultiplier = 0.0, resourceType = "LICENSE", serviceNameInUptime = "windows" },
  { priceMultiplier = 0.0, resourceType = "UNASSIGNED_FLOATING_IP" },
}
service.MULTIPLIER = 3.0

function service.all()
  return state.global("services")
end

--- The package with that uuid (canonical form), live or a tombstone (with dead = true), or nil.
function service.find(uuid, dead)
  if uuid == nil then return nil end
  local rec = service.all()[uuid]
  if rec or not dead then return rec end
  return state.tombstone(state.default_location(), "service", uuid)
end

-- "Pw" and 14 random letters and digits: a password the answers of the other calls never show.
local function secret()
  local hex = ids.hex(14)
  return "Pw-" .. hex:gsub("%x", function(c)
    local n = tonumber(c, 16)
    return n < 10 and c or string.char(string.byte("A") + n)
  end)
end

--- A new package, stored. f: billing_account_id, service, version, display_name, vcpu, ram,
-- disk_gb, multi, package_parameters.
function service.new(f)
  local slug = state.default_location()
  local net = network.default(slug, true)
  local now = clock.timestamp()
  local rec = {
    id = state.next_id("service"),
    uuid = ids.uuid4(),
    billing_account_id = f.billing_account_id,
    service = f.service,
    version = f.version,
    display_name = f.display_name,
    vcpu = f.vcpu,
    ram = f.ram,
    disk_gb = f.disk_gb,
    multi = f.multi or false,
    package_parameters = f.package_parameters,
    location = slug,
    network_uuid = net.uuid,
    port = service.OFFER[f.service].port,
    created_at = now,
    updated_at = now,
    secret = secret(),
    whitelist = {},
    nodes = {},
  }
  for i = 1, rec.multi and 2 or 1 do
    rec.nodes[i] = { uuid = ids.uuid4(), disk_uuid = ids.uuid4(), address = network.allocate(net) }
  end
  if rec.multi then
    rec.vip = { uuid = ids.uuid4(), address = network.allocate(net) }
    rec.service_ip = rec.vip.address
  else
    rec.service_ip = rec.nodes[1].address
  end
  network.attach(net, rec.uuid)
  service.all()[rec.uuid] = rec
  return rec
end

--- A deleted package: gone from the list, read back as a tombstone for a while.
function service.bury(rec)
  service.all()[rec.uuid] = nil
  network.detach(rec.location, rec.network_uuid, rec.uuid)
  rec.is_deleted, rec.deleted_at, rec.updated_at = true, clock.timestamp(), clock.timestamp()
  state.bury(rec.location, "service", rec.uuid, rec)
end

function service.view(rec)
  local resources = A()
  local function add(kind, uuid, allocation)
    resources[#resources + 1] = {
      resource_allocation = rec.is_deleted and {} or allocation,
      resource_id = uuid,
      resource_location = rec.location,
      resource_type = kind,
    }
  end
  if rec.vip then add("virtual_ip", rec.vip.uuid, { address = rec.vip.address }) end
  for _, n in ipairs(rec.nodes) do
    add("vm", n.uuid, { memory = rec.ram, vcpu = rec.vcpu, status = "running",
      storage = A { { primary = true, size = rec.disk_gb, uuid = n.disk_uuid, replica = A() } } })
  end
  local prices = A()
  for i, p in ipairs(PRICES) do prices[i] = p end
  return {
    billing_account_id = rec.billing_account_id,
    created_at = rec.created_at,
    deleted_at = rec.deleted_at,
    display_name = rec.display_name,
    is_deleted = rec.is_deleted or false,
    is_multi_node = rec.multi,
    prices = prices,
    properties = { service_ip = rec.service_ip, location = rec.location, sql_user = "wadmin", port = rec.port },
    resources = resources,
    service = rec.service,
    status = rec.is_deleted and "deleted" or "active",
    updated_at = rec.updated_at,
    user_id = state.user.id,
    uuid = rec.uuid,
    version = rec.version,
  }
end

--- The live packages billed to the account, oldest first.
function service.billed_to(ba_id)
  return state.by_id(service.all(), function(rec) return rec.billing_account_id == ba_id end)
end

-- /__sim/state: the packages as the API shows them, plus the whitelist (never the secret).
state.dumpers.services = function(_, col)
  local out = state.by_id(col)
  for i, rec in ipairs(out) do
    local v = service.view(rec)
    v.sim = { whitelist = A(rec.whitelist), package_parameters = rec.package_parameters or null }
    out[i] = v
  end
  return out
end

return service
