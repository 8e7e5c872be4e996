-- What VMs cost: the pricing policy (/v1/pricing/policy), this month's usage of a billing
-- account (/v1/charging/usage), the running totals of its account object, and
-- /v1/payment/has_active_campaigns.
--
-- Prices per hour come from the pricing policy. This month's usage is one entry per existing
-- VM of the account (all locations), charged per started hour since the VM was created (this
-- month); a stopped VM costs only its storage (see sim/README.md, "Usage and prices"); then one
-- entry per managed service package of the account, priced at the package's multiplier.
local billing = require "idcloudhost.sim.billing"
local credit = require "idcloudhost.sim.billing_credit"
local json = require "idcloudhost.sim.json"
local machine = require "idcloudhost.sim.machine"
local reply = require "idcloudhost.sim.reply"
local service = require "idcloudhost.sim.service_record"
local state = require "idcloudhost.sim.state"

local usage = {}

local A = json.array
local money, round = billing.money, billing.round

-- GET /v1/pricing/policy, as in the docs.
usage.POLICY = A {
  { numCpus = 1, policyId = 1001, price = 0.00521, resourceType = "CPU", serviceNameUserFriendly = "1 CPU" },
  { megsRam = 512, policyId = 1010, price = 0.001645, resourceType = "RAM", serviceNameUserFriendly = "0.5 GB RAM" },
  { megsRam = 1024, policyId = 1011, price = 0.00329, resourceType = "RAM", serviceNameUserFriendly = "1 GB RAM" },
  { policyId = 1021, price = 3.42e-05, resourceType = "STORAGE", serviceNameInUptime = "backup",
    serviceNameUserFriendly = "Backup" },
  { policyId = 1022, price = 0.0001, resourceType = "STORAGE", serviceNameInUptime = "snapshot",
    serviceNameUserFriendly = "Snapshot" },
  { policyId = 1023, price = 0.0001, resourceType = "STORAGE", serviceNameInUptime = "main",
    serviceNameUserFriendly = "Storage" },
  { policyId = 1030, price = 0.00548, resourceType = "LICENSE", serviceNameInUptime = "windows",
    serviceNameUserFriendly = "Windows license per core per hour" },
  { policyId = 1040, price = 3.42e-05, resourceType = "OBJECT_STORAGE", serviceNameInUptime = "object_storage",
    serviceNameUserFriendly = "Object storage per gigabyte per hour" },
}

local function policy_price(id)
  for _, p in ipairs(usage.POLICY) do
    if p.policyId == id then return p.price end
  end
end

local PRICE = {
  cpu = policy_price(1001),        -- per vcpu
  ram_gb = policy_price(1011),     -- per GB of RAM
  backup_gb = policy_price(1021),
  storage_gb = policy_price(1023),
  windows_core = policy_price(1030),
}

-- Seconds since the epoch of a "YYYY-mm-dd HH:MM:SS" (UTC); now when it is not one.
local function parse_timestamp(ts)
  local y, mo, d, h, mi, s = tostring(ts):match("^(%d+)-(%d+)-(%d+) (%d+):(%d+):(%d+)")
  if not y then return os.time() end
  return billing.epoch_utc(tonumber(y), tonumber(mo), tonumber(d), tonumber(h), tonumber(mi), tonumber(s))
end

local function disk_size(rec)
  local size = 0
  for _, s in ipairs(rec.storage or {}) do size = size + (tonumber(s.size) or 0) end
  return size
end

local function vm_price(rec)
  local disk = disk_size(rec)
  local p = disk * PRICE.storage_gb + (rec.backup and disk * PRICE.backup_gb or 0)
  if rec.status ~= "stopped" then
    p = p + rec.vcpu * PRICE.cpu + rec.memory / 1024 * PRICE.ram_gb
    if rec.os_name == "windows" then p = p + rec.vcpu * PRICE.windows_core end
  end
  return round(p, 5)
end

-- The VMs billed to the account, in every location, oldest first.
function usage.vms(ba_id)
  local list = {}
  for _, l in ipairs(state.locations) do
    for _, rec in pairs(state.collection(l.slug, "vms")) do
      if rec.billing_account == ba_id then list[#list + 1] = rec end
    end
  end
  return state.by_id(list)
end

-- A VM's usage entry: its price per hour and the hours since it was made (this month).
local function entry(rec, now)
  machine.refresh(rec)
  local stopped = rec.status == "stopped"
  local price = vm_price(rec)
  local since = math.max(parse_timestamp(rec.created_at), billing.month_start(0))
  local hours = math.max(1, math.ceil((now - since) / 3600))
  return {
    billing_account_id = rec.billing_account,
    configurations = A { {
      cpus = rec.vcpu, disk_size_GB = disk_size(rec), os_name = rec.os_name, ram_MB = rec.memory,
      vm_name = rec.name,
    } },
    cost = round(price * hours, 5),
    description = string.format("%s, %d CPUs, %s GB RAM, %d GB disk%s", rec.name, rec.vcpu,
      string.format("%g", rec.memory / 1024), disk_size(rec), stopped and ", stopped" or ""),
    hours = hours,
    owner_uuid = rec.uuid,
    price = price,
    price_unit = "h",
    uptime_types = stopped and A { "MAIN_STORAGE" } or A { "VM_COMPUTE", "VM_RUNNING", "MAIN_STORAGE" },
    user_id = state.user.id,
  }
end

-- A managed service package's entry: its VMs at the package's price multiplier (the docs'
-- `prices`: 3.0 for CPU, RAM and storage), per started hour since it was made (this month).
local function service_entry(rec, now)
  local nodes = #rec.nodes
  local node = rec.vcpu * PRICE.cpu + rec.ram / 1024 * PRICE.ram_gb + rec.disk_gb * PRICE.storage_gb
  local price = round(service.MULTIPLIER * nodes * node, 5)
  local since = math.max(parse_timestamp(rec.created_at), billing.month_start(0))
  local hours = math.max(1, math.ceil((now - since) / 3600))
  local configurations = A()
  for i = 1, nodes do
    configurations[i] = { cpus = rec.vcpu, disk_size_GB = rec.disk_gb, os_name = rec.service, ram_MB = rec.ram,
      vm_name = rec.display_name }
  end
  return {
    billing_account_id = rec.billing_account_id,
    configurations = configurations,
    cost = round(price * hours, 5),
    description = string.format("%s, %s %s, %d node%s, %d CPUs, %s GB RAM, %d GB disk", rec.display_name,
      rec.service, rec.version, nodes, nodes == 1 and "" or "s", rec.vcpu, string.format("%g", rec.ram / 1024),
      rec.disk_gb),
    hours = hours,
    owner_uuid = rec.uuid,
    price = price,
    price_unit = "h",
    uptime_types = A { "VM_COMPUTE", "VM_RUNNING", "MAIN_STORAGE" },
    user_id = state.user.id,
  }
end

local function usage_of(ba_id)
  local now = os.time()
  local out = usage.vms(ba_id)
  for i, rec in ipairs(out) do out[i] = entry(rec, now) end
  for _, rec in ipairs(service.billed_to(ba_id)) do out[#out + 1] = service_entry(rec, now) end
  return out
end

-- The account's running_totals: this month's cost so far, and what its credit covers.
function usage.running_totals(ba)
  local subtotal = 0
  for _, u in ipairs(usage_of(ba.id)) do subtotal = subtotal + u.cost end
  subtotal = money(subtotal)
  local discount = money(subtotal * ba.discount_percentage / 100)
  local vat = money((subtotal - discount) * ba.vat_percentage / 100)
  local total = money(subtotal - discount + vat)
  local available = credit.balance(ba.id)
  return {
    credit_amount = money(math.max(0, math.min(available, total))),
    credit_available = available,
    discount_amount = discount,
    ongoing = money(available - total),
    subtotal = subtotal,
    total = total,
    vat_tax = vat,
  }
end

---------------------------------------------------------------------------
-- Handlers
---------------------------------------------------------------------------

function usage.campaigns()
  return reply.ok({ success = billing.store().campaigns })
end

function usage.policy()
  return reply.ok({ policy = usage.POLICY })
end

function usage.usage(req)
  local ba, err = billing.account_param(req)
  if not ba then return err end
  return reply.ok(usage_of(ba.id))
end

state.on_reset(function()
  billing.store().campaigns = true
end)

return usage
