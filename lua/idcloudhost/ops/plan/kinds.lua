-- The kinds a plan knows, in dependency order (what must exist before what): one declaration
-- each, read by ops/plan.lua.  A kind says
--
--   family, kind    client.<family>, and the word a plan's lines print
--   account         true: kept by the account, not a location (desired.ssh_keys, desired.buckets)
--   refs            field -> family: names of this desired state a field holds (checked: each one
--                   must be desired or held; resolved to uuids or objects)
--   want(w, R)      the resolved want of ops/plan/change.lua (R.uuid(family, name): a uuid, or a
--                   stand-in that matches nothing for what is still to be made)
--   params(w, R)    the create parameters given to ensure (R.obj(family, name): the object)
--   monthly(w, obj, rates, prices)   its price a month (nil: unpriced)
--   delete(obj, replacing)           its delete (a replace keeps what the resource carries)
--   wait            a status to wait for after a create
--
-- Stages: every kind's creates and replaces come in its order; updates right after its creates;
-- deletes in the reverse order, after everything else.
local leftovers = require "idcloudhost.ops.leftovers"

local H = leftovers.HOURS_PER_MONTH

local function copy(t, drop)
  local out = {}
  for k, v in pairs(t) do
    if not (drop and drop[k]) then out[k] = v end
  end
  return out
end

-- A price that only the caller's prices or the policy's hourly rate give.
local function flat(kind)
  return function(_, _, rates, prices)
    if prices[kind] then return prices[kind] end
    return rates[kind] and rates[kind] * H or nil
  end
end

-- The uuids (or the objects) of a list of names of family (nil for nil).
local function each(resolve, R, family, names)
  if names == nil then return nil end
  local out = {}
  for i, n in ipairs(names) do out[i] = R[resolve](family, n) end
  return out
end

local function uuids(R, family, names) return each("uuid", R, family, names) end
local function objects(R, family, names) return each("obj", R, family, names) end

local kinds = {}

kinds.list = {
  {
    family = "ssh_keys", kind = "ssh_key", account = true,
    want = function(w) return { public_key = w.public_key } end,
    params = function(w) return { public_key = w.public_key } end,
    monthly = function() return 0 end,
  },
  {
    family = "buckets", kind = "bucket", account = true,
    want = function(w) return { billing_account_id = w.billing_account_id } end,
    params = function(w) return { billing_account_id = w.billing_account_id } end,
    -- A new bucket is empty: storage is billed per GB held (OBJECT_STORAGE).
    monthly = function(_, obj, rates)
      if not rates.object_gb then return nil end
      return (tonumber(obj and obj.size_bytes) or 0) / 2 ^ 30 * rates.object_gb * H
    end,
  },
  {
    family = "networks", kind = "network",
    want = function() return {} end,
    params = function(w) return copy(w, { name = true }) end,
    monthly = function() return 0 end,
  },
  {
    family = "vms", kind = "vm", wait = "running",
    refs = { network = "networks", ssh_keys = "ssh_keys" },
    want = function(w, R)
      return { vcpu = w.vcpu, ram = w.ram, disks = w.disks, data_disks = w.data_disks, os_name = w.os_name,
        os_version = w.os_version, description = w.description, labels = w.labels,
        network = w.network and { name = w.network, members = (R.obj("networks", w.network) or {}).vm_uuids or
          (not R.obj("networks", w.network) and {} or nil) } }
    end,
    params = function(w, R)
      local p = copy(w, { name = true, network = true, ssh_keys = true, data_disks = true })
      if w.network then p.network_uuid = R.obj("networks", w.network).uuid end
      p.ssh_keys = objects(R, "ssh_keys", w.ssh_keys)
      return p
    end,
    monthly = function(w, obj, rates)
      local vcpu = tonumber(w and w.vcpu or obj and obj.vcpu) or 0
      local ram = tonumber(w and w.ram or obj and obj.memory) or 0
      local disk = 0
      if w then
        disk = tonumber(w.disks) or 0
        for _, size in ipairs(w.data_disks or {}) do disk = disk + size end
      else
        for _, d in ipairs(type(obj.storage) == "table" and obj.storage or {}) do disk = disk + (tonumber(d.size) or 0) end
      end
      if not (rates.cpu and rates.ram_gb and rates.storage_gb) then return nil end
      return (vcpu * rates.cpu + ram / 1024 * rates.ram_gb + disk * rates.storage_gb) * H
    end,
    -- A VM's own floating IPs go with it when it is pruned (left behind they stay billed; the
    -- plan's own are deleted in the stage before); a replaced VM's stay, to be assigned again.
    delete = function(obj, replacing) return obj:delete { release_ips = not replacing } end,
  },
  {
    family = "firewalls", kind = "firewall",
    refs = { vms = "vms" },
    want = function(w, R)
      return { description = w.description, rules = w.rules, vm_uuids = uuids(R, "vms", w.vms) }
    end,
    params = function(w) return copy(w, { name = true, vms = true }) end,
    monthly = flat("firewall"),
  },
  {
    family = "floating_ips", kind = "floating_ip",
    refs = { assign = "vms" },
    want = function() return {} end,
    params = function(w) return copy(w, { name = true, assign = true }) end,
    monthly = flat("floating_ip"),
  },
  {
    family = "load_balancers", kind = "load_balancer",
    refs = { network = "networks", targets = "vms" },
    want = function(w, R)
      return { rules = w.rules, target_uuids = uuids(R, "vms", w.targets),
        network_uuid = w.network and R.uuid("networks", w.network) }
    end,
    params = function(w, R)
      local p = copy(w, { name = true, network = true, targets = true })
      if w.network then p.network_uuid = R.obj("networks", w.network).uuid end
      p.targets = objects(R, "vms", w.targets)
      return p
    end,
    monthly = flat("load_balancer"),
    delete = function(obj) return obj:delete { release_ips = true } end,
  },
}

kinds.by_family = {}
for i, k in ipairs(kinds.list) do
  k.order = i
  kinds.by_family[k.family] = k
end

-- Stage numbers: creates (and replaces) then updates per kind in order, then assigns of floating
-- IPs after their creates, then deletes in the reverse order.
local n = #kinds.list
function kinds.stage(k, op)
  if op == "delete" then return 3 * n + (n - k.order + 1) end
  if op == "assign" then return 3 * k.order end
  if op == "update" then return 3 * k.order - 1 end
  return 3 * k.order - 2 -- create, replace
end

return kinds
