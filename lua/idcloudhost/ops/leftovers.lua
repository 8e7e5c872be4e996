-- The bill of leftovers: what is billed and serves nothing, in every location, with its monthly
-- price and a total per billing account.  client:leftovers(opts).
--
-- Leftovers: floating IPs assigned to nothing, disks attached to no VM, load balancers without
-- targets, firewalls guarding nothing, managed services that are not running (stopped,
-- suspended, failed: billed and serving nothing; a running service is never judged idle, whatever
-- its whitelist: an empty one lets everyone in, and the SDK cannot see its connections), empty
-- buckets (buckets and services are global) and, with opts.stopped_for, VMs stopped for at
-- least that many seconds.
--
-- Prices come from GET /v1/pricing/policy, whose prices are per hour: a month is 730 hours
-- (8760 / 12).  The policy prices by resource type:
--   disk          size_gb x STORAGE "main" (per GB), plus each snapshot's size_gb (or sizeGb) x STORAGE "snapshot"
--   stopped VM    the size of its disks x STORAGE "main" (a stopped VM bills its storage only),
--                 plus its floating IPs
--   load balancer an entry whose resourceType names load balancers, plus its floating IPs
--   floating IP   an entry whose resourceType names IP addresses
--   bucket        size_bytes / 2^30 x OBJECT_STORAGE (per GB): 0 for an empty one
--   firewall      an entry whose resourceType names firewalls
--   service       an entry whose resourceType names managed services (packages)
-- The platform's policy (as documented) has no entry for floating IPs, load balancers, firewalls
-- or services: those are unpriced (monthly = nil, counted apart in the totals) unless opts.prices
-- gives their monthly price ({floating_ip = 4.5, load_balancer = 12, firewall = 0, service = 40}).  Backups of a stopped VM, taxes,
-- credits and discounts are not counted.
-- (Long, on purpose: one walk over every location serves the leftovers and the whole bill
-- (ops/bill.lua).)
local lazy = require "idcloudhost.lazy"
local check = lazy "idcloudhost.call.check"
local errors = lazy "idcloudhost.call.errors"
local json = lazy "idcloudhost.json"
local resource = require "idcloudhost.families.kit.resource"

local leftovers = {}

leftovers.HOURS_PER_MONTH = 730

local OPTS = { stopped_for = "number", prices = "table", now = "number", concurrency = "integer", owner = "string" }
local PRICES = { floating_ip = true, load_balancer = true, firewall = true, service = true }

local function null(v)
  return v == nil or v == json.null or v == ""
end

------------------------------------------------------------------------------------------------
-- Prices

-- Does a resourceType name IP addresses (IP, IP_ADDRESS, FLOATING_IP, PUBLIC_IPV4, ...)?
local function names_ip(rt)
  local t = "_" .. rt .. "_"
  return t:find("_IP_", 1, true) or t:find("_IPV4_", 1, true) or t:find("IP_ADDRESS", 1, true)
    or t:find("FLOATING", 1, true) or t:find("PUBLIC_IP", 1, true)
end

local function names_lb(rt)
  return rt:find("LOAD_?BALANCER") ~= nil or rt == "LB" or rt == "NLB"
end

--- The hourly rates a policy gives: storage_gb, snapshot_gb, backup_gb, object_gb,
-- floating_ip, load_balancer, firewall, service, cpu (per vcpu), ram_gb (each absent when the policy has
-- no entry for it).
function leftovers.rates(policy)
  local r = {}
  for _, p in ipairs(type(policy) == "table" and policy or {}) do
    local price = type(p) == "table" and tonumber(p.price)
    if price and price >= 0 then
      local rt = tostring(p.resourceType or ""):upper()
      local svc = tostring(p.serviceNameInUptime or p.serviceNameUserFriendly or ""):lower()
      if rt == "STORAGE" then
        if svc == "main" or svc == "storage" then r.storage_gb = price
        elseif svc == "snapshot" then r.snapshot_gb = price
        elseif svc == "backup" then r.backup_gb = price end
      elseif rt == "CPU" then
        if not r.cpu then r.cpu = price / (tonumber(p.numCpus) or 1) end
      elseif rt == "RAM" then
        local gb = (tonumber(p.megsRam) or 1024) / 1024
        if gb > 0 and not r.ram_gb then r.ram_gb = price / gb end
      elseif rt == "OBJECT_STORAGE" then
        r.object_gb = price
      elseif names_lb(rt) then
        r.load_balancer = price
      elseif rt:find("FIREWALL", 1, true) then
        r.firewall = price
      elseif rt:find("SERVICE", 1, true) or rt:find("PACKAGE", 1, true) then
        r.service = price
      elseif names_ip(rt) then
        r.floating_ip = price
      end
    end
  end
  return r
end

-- Monthly and hourly price of an item's units ({storage_gb = 20, floating_ip = 1, ...}), or nil
-- when a unit it has is unpriced.  prices (monthly, the caller's) come before the policy's rates.
local function price(units, rates, prices)
  local total = 0
  for unit, n in pairs(units) do
    if n > 0 then
      local m
      if prices[unit] then m = prices[unit] * n
      elseif rates[unit] then m = rates[unit] * n * leftovers.HOURS_PER_MONTH end
      if m == nil then return nil end
      total = total + m
    end
  end
  return total, total / leftovers.HOURS_PER_MONTH
end

-- The addresses assigned to uuid.
local function addresses_of(ips, uuid)
  local list = {}
  for _, ip in ipairs(ips or {}) do
    if ip.assigned_to == uuid then list[#list + 1] = ip.address end
  end
  return list
end

------------------------------------------------------------------------------------------------
-- Time: the platform's "YYYY-mm-dd HH:MM:SS" (UTC) as seconds since the epoch

-- Days since 1970-01-01 of a civil date (H. Hinnant's algorithm): no os.time, no local zone.
local function days_from_civil(y, m, d)
  local floor = math.floor
  y = m <= 2 and y - 1 or y
  local era = floor(y / 400)
  local yoe = y - era * 400
  local doy = floor((153 * (m + (m > 2 and -3 or 9)) + 2) / 5) + d - 1
  local doe = yoe * 365 + floor(yoe / 4) - floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
end

--- Seconds since the epoch of a platform time ("2023-02-21 08:17:13", UTC), or nil.
function leftovers.epoch(s)
  local y, mo, d, h, mi, sec = tostring(s):match("^(%d%d%d%d)%-(%d%d)%-(%d%d)[ T](%d%d):(%d%d):(%d%d)")
  if not y then return nil end
  return days_from_civil(tonumber(y), tonumber(mo), tonumber(d)) * 86400 + tonumber(h) * 3600 + tonumber(mi) * 60
    + tonumber(sec)
end

------------------------------------------------------------------------------------------------
-- One location

local FAMILIES = { "vms", "disks", "floating_ips", "load_balancers", "firewalls" }

-- Every billed resource becomes an item; `why` says why it is idle (nil: it serves).  In the
-- leftovers (not opts.everything) an item is kept when idle or a duplicate.
local function item(p, fields)
  fields.location = p.location
  fields.idle = fields.why ~= nil
  local obj = fields.object
  fields.owner = type(obj) == "table" and obj.owner or nil
  p.items[#p.items + 1] = fields
end

local function unassigned_ips(p, ips)
  for _, ip in ipairs(ips) do
    if not ip.is_deleted and not ip.deleted then
      local idle = null(ip.assigned_to)
      item(p, { kind = "floating_ip", id = ip.address, name = resource.given_name(ip), billing_account_id = ip.billing_account_id,
        why = idle and "assigned to nothing" or nil, units = { floating_ip = 1 }, object = ip })
    end
  end
end

local function detached_disks(p, disks, vms)
  local attached = {}
  for _, vm in ipairs(vms) do
    for _, d in ipairs(type(vm.storage) == "table" and vm.storage or {}) do
      if type(d) == "table" and d.uuid then attached[tostring(d.uuid):lower()] = true end
    end
  end
  -- An attached disk is billed with its VM (the VM's storage).
  for _, d in ipairs(disks) do
    if not attached[tostring(d.uuid):lower()] and not d.deleted then
      local snaps = 0
      for _, s in ipairs(type(d.snapshots) == "table" and d.snapshots or {}) do
        snaps = snaps + (tonumber(type(s) == "table" and (s.size_gb or s.sizeGb)) or 0)
      end
      local name = resource.given_name(d) -- (the platform sends "" or null for a disk without one)
      if type(name) ~= "string" or name == "" then name = tostring(d.size_gb) .. " GB" end
      item(p, { kind = "disk", id = d.uuid, name = name,
        billing_account_id = d.billing_account_id,
        why = "attached to no VM", units = { storage_gb = tonumber(d.size_gb) or 0, snapshot_gb = snaps }, object = d })
    end
  end
end

local function idle_lbs(p, lbs, ips)
  for _, lb in ipairs(lbs) do
    if not lb.deleted then
      local idle = type(lb.targets) ~= "table" or #lb.targets == 0
      -- An idle one's floating IPs go with it in the leftovers; in the bill they are items of their own.
      local addrs = (idle and not p.opts.everything) and addresses_of(ips, lb.uuid) or {}
      item(p, { kind = "load_balancer", id = lb.uuid, name = resource.given_name(lb), billing_account_id = lb.billing_account_id,
        why = idle and "no targets" or nil, units = { load_balancer = 1, floating_ip = #addrs }, addresses = addrs,
        object = lb })
    end
  end
end

local function idle_firewalls(p, fws)
  for _, fw in ipairs(fws) do
    if not fw.deleted and null(fw.deleted_at) then
      local idle = type(fw.resources_assigned) ~= "table" or #fw.resources_assigned == 0
      item(p, { kind = "firewall", id = fw.uuid, name = resource.given_name(fw) or fw.display_name,
        billing_account_id = fw.billing_account_id, why = idle and "guards no resource" or nil,
        units = { firewall = 1 }, object = fw })
    end
  end
end

-- The statuses of a service that runs, or is on its way to: never a leftover.
local SERVING = { active = true, running = true, creating = true, pending = true, provisioning = true,
  updating = true, starting = true, deleting = true, deleted = true }

-- Every managed service (global: no location): idle when not running.
local function services_of(services)
  local out = {}
  for _, svc in ipairs(services) do
    local status = tostring(svc.status):lower()
    if not svc.deleted then
      local idle = not SERVING[status]
      out[#out + 1] = { kind = "service", id = svc.uuid, name = resource.given_name(svc), owner = svc.owner,
        billing_account_id = svc.billing_account_id, why = idle and ("not running (" .. tostring(svc.status) .. ")") or nil,
        idle = idle, units = { service = 1 }, object = svc }
    end
  end
  return out
end

local function storage_gb(vm)
  local gb = 0
  for _, d in ipairs(type(vm.storage) == "table" and vm.storage or {}) do
    gb = gb + (tonumber(type(d) == "table" and d.size) or 0)
  end
  return gb
end

-- Every VM: idle when stopped (in the leftovers: stopped for at least opts.stopped_for).
local function stopped_vms(p, vms, ips)
  local o = p.opts
  for _, vm in ipairs(vms) do
    local since = leftovers.epoch(vm.updated_at) or leftovers.epoch(vm.created_at)
    local stopped = tostring(vm.status):lower() == "stopped"
    local gb = storage_gb(vm)
    if vm.deleted then -- luacheck: ignore 542 (a tombstone: gone)
    elseif o.everything then
      local units = { storage_gb = gb, backup_gb = vm.backup == true and gb or 0 }
      if not stopped then units.cpu, units.ram_gb = tonumber(vm.vcpu) or 0, (tonumber(vm.memory) or 0) / 1024 end
      item(p, { kind = "vm", id = vm.uuid, name = vm.name, billing_account_id = vm.billing_account,
        why = stopped and "stopped" or nil, units = units, hourly_known = o.vm_hourly and o.vm_hourly[vm.uuid],
        object = vm })
    elseif stopped and o.stopped_for and since and o.now - since >= o.stopped_for then
      local addrs = addresses_of(ips, vm.uuid)
      item(p, { kind = "vm", id = vm.uuid, name = vm.name, billing_account_id = vm.billing_account,
        why = string.format("stopped for %.1f days", (o.now - since) / 86400),
        units = { storage_gb = gb, floating_ip = #addrs }, addresses = addrs, object = vm })
    else
      -- Not a leftover unless a duplicate: priced as it is billed.
      local units = { storage_gb = gb }
      if not stopped then units.cpu, units.ram_gb = tonumber(vm.vcpu) or 0, (tonumber(vm.memory) or 0) / 1024 end
      item(p, { kind = "vm", id = vm.uuid, name = vm.name, billing_account_id = vm.billing_account, units = units,
        object = vm })
    end
  end
end

-- Items of one kind, one name and one owner (a marked one): all but the oldest are duplicates.
local function mark_duplicates(items)
  local groups, order = {}, {}
  for _, it in ipairs(items) do
    if it.owner ~= nil then
      local key = it.kind .. "\0" .. tostring(it.location) .. "\0" .. tostring(resource.given_name(it.object)) .. "\0" .. it.owner
      if not groups[key] then
        groups[key] = {}
        order[#order + 1] = key
      end
      local g = groups[key]
      g[#g + 1] = it
    end
  end
  for _, key in ipairs(order) do
    local g = groups[key]
    if #g > 1 then
      table.sort(g, function(a, b)
        local ta, tb = tostring(a.object.created_at or ""), tostring(b.object.created_at or "")
        if ta ~= tb then return ta < tb end
        local ia, ib = tonumber(a.object.id), tonumber(b.object.id)
        if ia and ib and ia ~= ib then return ia < ib end
        return tostring(a.id) < tostring(b.id)
      end)
      for i = 2, #g do
        g[i].duplicate, g[i].duplicate_of = true, g[1].id
        g[i].why = (g[i].why and (g[i].why .. "; ") or "") .. "duplicate of " .. tostring(g[1].id)
      end
    end
  end
  for _, it in ipairs(items) do
    if it.duplicate == nil then it.duplicate = false end
  end
end

-- What the leftovers keep of every item: the idle and the duplicates.
local function leftover_items(items)
  local out = {}
  for _, it in ipairs(items) do
    if it.idle or it.duplicate then out[#out + 1] = it end
  end
  return out
end

-- Lists the families of one location concurrently and finds its leftovers.
local function walk(c, loc, opts)
  local p = { location = loc.slug, opts = opts, items = {}, errors = {} }
  local got = {}
  local results = c:batch(FAMILIES, function(family, cc) return cc[family]:list() end, { concurrency = #FAMILIES })
  for i, r in ipairs(results) do
    if r.ok then
      got[FAMILIES[i]] = r.value
    else
      p.errors[#p.errors + 1] = { location = loc.slug, what = FAMILIES[i], err = r.err }
    end
  end
  local vms, ips = got.vms, got.floating_ips
  if ips then unassigned_ips(p, ips) end
  if got.disks and vms then detached_disks(p, got.disks, vms) end
  if got.disks and not vms then
    p.errors[#p.errors + 1] = { location = loc.slug, what = "disks",
      err = errors.new { kind = "error", message = "disks not judged: which are attached needs the list of VMs" } }
  end
  if got.load_balancers then idle_lbs(p, got.load_balancers, ips) end
  if got.firewalls then idle_firewalls(p, got.firewalls) end
  if vms then stopped_vms(p, vms, ips) end
  mark_duplicates(p.items)
  if not opts.everything then p.items = leftover_items(p.items) end
  return p
end

------------------------------------------------------------------------------------------------
-- The bill

local KIND_ORDER = { vm = 1, disk = 2, floating_ip = 3, load_balancer = 4, firewall = 5, service = 6, bucket = 7 }

local function by_account_then_place(a, b)
  local ba, bb = tonumber(a.billing_account_id) or math.huge, tonumber(b.billing_account_id) or math.huge
  if ba ~= bb then return ba < bb end
  local la, lb = a.location or "\255", b.location or "\255" -- global ones (buckets, services) last
  if la ~= lb then return la < lb end
  if a.kind ~= b.kind then return KIND_ORDER[a.kind] < KIND_ORDER[b.kind] end
  return tostring(a.id) < tostring(b.id)
end

local function totals_of(items)
  local by, list = {}, {}
  for _, it in ipairs(items) do
    local key = it.billing_account_id == nil and "none" or tostring(it.billing_account_id)
    local t = by[key]
    if not t then
      t = { billing_account_id = it.billing_account_id, monthly = 0, hourly = 0, items = 0, unpriced = 0 }
      by[key] = t
      list[#list + 1] = t
    end
    t.items = t.items + 1
    if it.monthly then t.monthly = t.monthly + it.monthly else t.unpriced = t.unpriced + 1 end
    t.hourly = t.monthly / leftovers.HOURS_PER_MONTH
  end
  table.sort(list, function(a, b)
    return (tonumber(a.billing_account_id) or math.huge) < (tonumber(b.billing_account_id) or math.huge)
  end)
  return list
end

local function leftovers_options(opts, what, specs)
  what = what or "client:leftovers"
  local o, err = check.params(what, specs or OPTS, opts)
  if not o then return nil, err end
  if o.stopped_for and (o.stopped_for < 0 or o.stopped_for ~= o.stopped_for) then
    return nil, errors.invalid(what .. ": stopped_for must be a number of seconds >= 0", "stopped_for")
  end
  for k, v in pairs(o.prices or {}) do
    if not PRICES[k] then
      return nil, errors.invalid(what .. ": prices takes floating_ip, load_balancer, firewall and service, not '"
        .. tostring(k) .. "'", "prices")
    end
    if type(v) ~= "number" or v < 0 or v ~= v then
      return nil, errors.invalid(what .. ": prices." .. k .. " must be a monthly price >= 0", "prices")
    end
  end
  o.prices = o.prices or {}
  o.now = o.now or os.time()
  return o
end

--- client:leftovers(opts): what is billed and serves nothing, in every location.  opts:
-- stopped_for (seconds: also VMs stopped that long), owner (only what carries that owner mark),
-- prices ({floating_ip =, load_balancer =, firewall =, service =}: monthly prices the policy
-- lacks), now (seconds since the epoch the ages count from).
-- Returns {items = {...}, totals = {...}, rates =, hours_per_month =, errors = {...},
-- complete = bool}, or nil, err when the locations cannot be listed.  Each item: kind ("vm",
-- "disk", "floating_ip", "load_balancer", "firewall", "service", "bucket"), id, name, location
-- (nil for buckets and services),
-- billing_account_id, why, monthly (nil: unpriced), addresses (IPs it holds), object (the
-- resource, for leftovers.delete).  Each total: billing_account_id, monthly, items, unpriced.
function leftovers.find(client, opts)
  local o, err = leftovers_options(opts)
  if not o then return nil, err end
  return leftovers.collect(client, o)
end

--- The report of leftovers.find for checked options o; with o.everything, every billed thing
-- (client:bill, ops/bill.lua), o.vm_hourly (uuid -> the platform's hourly price of a VM).
function leftovers.collect(client, o)
  local report = { items = {}, errors = {}, hours_per_month = leftovers.HOURS_PER_MONTH }
  -- The pricing policy, the buckets and services (global) and the walk over the locations, all at once.
  local steps = {
    function() return client.pricing:policy() end,
    function() return client.buckets:list() end,
    function()
      if o.only_location then -- the client's location alone (client:bill{all_locations = false})
        local r = walk(client, { slug = client.location }, o)
        return { { ok = true, value = r, location = client.location } }
      end
      return client:each_location(function(c, loc) return walk(c, loc, o) end, { concurrency = o.concurrency })
    end,
    function() return client.services:list() end,
  }
  local got = client:batch(steps, function(fn) return fn() end, { concurrency = #steps })
  if not got[3].ok then return nil, got[3].err end
  if not got[1].ok then report.errors[#report.errors + 1] = { what = "pricing", err = got[1].err } end
  if not got[2].ok then report.errors[#report.errors + 1] = { what = "buckets", err = got[2].err } end
  if not got[4].ok then report.errors[#report.errors + 1] = { what = "services", err = got[4].err } end
  for _, r in ipairs(got[3].value) do
    if r.ok then
      for _, it in ipairs(r.value.items) do report.items[#report.items + 1] = it end
      for _, e in ipairs(r.value.errors) do report.errors[#report.errors + 1] = e end
    else
      report.errors[#report.errors + 1] = { location = r.location, what = "location", err = r.err }
    end
  end
  local globals = {} -- buckets and services: in no location
  for _, b in ipairs(got[2].value or {}) do
    local empty = tonumber(b.num_objects) == 0 and (tonumber(b.size_bytes) or 0) == 0
    globals[#globals + 1] = { kind = "bucket", id = b.name, name = resource.given_name(b),
      billing_account_id = b.billing_account_id, why = empty and "empty" or nil, idle = empty, owner = b.owner,
      units = { object_gb = (tonumber(b.size_bytes) or 0) / 2 ^ 30 }, object = b }
  end
  for _, it in ipairs(services_of(got[4].value or {})) do globals[#globals + 1] = it end
  mark_duplicates(globals)
  if not o.everything then globals = leftover_items(globals) end
  for _, it in ipairs(globals) do report.items[#report.items + 1] = it end
  report.rates = leftovers.rates(got[1].value)
  for _, it in ipairs(report.items) do
    if it.hourly_known then -- the platform's own figure (a VM's usage entry)
      it.hourly, it.monthly = it.hourly_known, it.hourly_known * leftovers.HOURS_PER_MONTH
      it.hourly_known = nil
    else
      it.monthly, it.hourly = price(it.units, report.rates, o.prices)
    end
  end
  if o.owner then -- only what carries this owner mark (duplicates were judged on everything)
    local mine = {}
    for _, it in ipairs(report.items) do
      if it.owner == o.owner then mine[#mine + 1] = it end
    end
    report.items = mine
  end
  table.sort(report.items, by_account_then_place)
  report.totals = totals_of(report.items)
  report.complete = #report.errors == 0
  return report
end

--- Deletes a leftover: a load balancer or a VM with its floating IPs (release_ips), the rest
-- alone.  Returns true, or nil, err.
function leftovers.delete(it)
  local obj = type(it) == "table" and it.object
  if type(obj) ~= "table" or type(obj.delete) ~= "function" then
    return nil, errors.invalid("leftovers.delete: expected an item of client:leftovers()")
  end
  if it.kind == "load_balancer" or it.kind == "vm" then return obj:delete { release_ips = true } end
  return obj:delete()
end

--- The options of client:leftovers (and of client:bill, with its own specs): checked, defaults in.
-- @local
leftovers.options = leftovers_options

return leftovers
