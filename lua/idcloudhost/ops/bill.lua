-- The whole bill: client:bill{all_locations = true}.  Every billed thing of the account now, in
-- the item shape of client:leftovers() (ops/leftovers.lua): kind, id, name, location,
-- billing_account_id, hourly, monthly (nil: unpriced), idle (stopped, unassigned, without
-- targets, empty), why (why idle), duplicate (one of two or more of one kind, one name, one owner:
-- all but the oldest), duplicate_of, owner, units, object.  Totals per billing account and
-- location, per billing account, and in all.
--
-- Prices: a VM's is the platform's own hourly figure from its billing account's usage
-- (ba:usage(), `price` per hour) when the account lists it, else the pricing policy's (vcpu x CPU,
-- RAM GB x RAM, disk GB x STORAGE main, + backup when on; a stopped VM its storage only).  The
-- rest as in the leftovers: disks not attached to a VM (an attached one is in its VM's storage),
-- floating IPs and load balancers (unpriced unless the policy or opts.prices has them), buckets by
-- their size.  A month is 730 hours.
local lazy = require "idcloudhost.lazy"
local errors = lazy "idcloudhost.call.errors"
local leftovers = require "idcloudhost.ops.leftovers"

local bill = {}

local OPTS = { all_locations = "boolean", prices = "table", concurrency = "integer", usage = "boolean", owner = "string" }

-- uuid -> hourly price, from every billing account's usage; nil, err entries go to errs.
local function vm_prices(client, errs)
  local accounts, err = client.billing_accounts:list()
  if not accounts then
    errs[#errs + 1] = { what = "billing accounts", err = err }
    return {}
  end
  local map = {}
  local results = client:batch(accounts, function(ba) return ba:usage() end, { concurrency = 4 })
  for i, r in ipairs(results) do
    if r.ok then
      for _, e in ipairs(type(r.value) == "table" and r.value or {}) do
        if type(e) == "table" and e.owner_uuid and tonumber(e.price) and (e.price_unit == nil or e.price_unit == "h") then
          map[e.owner_uuid] = tonumber(e.price)
        end
      end
    else
      errs[#errs + 1] = { what = "usage of billing account " .. tostring(accounts[i].id), err = r.err }
    end
  end
  return map
end

local function add(t, it)
  t.items = t.items + 1
  if it.monthly then
    t.monthly = t.monthly + it.monthly
    t.hourly = t.hourly + it.hourly
  else
    t.unpriced = t.unpriced + 1
  end
  if it.idle then t.idle = t.idle + 1 end
  if it.duplicate then t.duplicates = t.duplicates + 1 end
end

local function total(fields)
  fields.items, fields.monthly, fields.hourly, fields.unpriced, fields.idle, fields.duplicates = 0, 0, 0, 0, 0, 0
  return fields
end

--- client:bill(opts): {items, totals (per billing account), by_location (per billing account
-- and location), total, rates, hours_per_month, errors, complete}, or nil, err.
function bill.find(client, opts)
  local o, err = leftovers.options(opts, "client:bill", OPTS)
  if not o then return nil, err end
  if o.all_locations == false then
    if not client.location then
      return nil, errors.invalid("client:bill: all_locations = false needs a client with a location", "all_locations")
    end
    o.only_location = client.location
  end
  o.everything = true
  local errs = {}
  if o.usage ~= false then o.vm_hourly = vm_prices(client, errs) end
  local report
  report, err = leftovers.collect(client, o)
  if not report then return nil, err end
  for _, e in ipairs(errs) do report.errors[#report.errors + 1] = e end
  report.complete = #report.errors == 0
  local by, list = {}, {}
  report.total = total {}
  for _, it in ipairs(report.items) do
    local key = tostring(it.billing_account_id) .. "\0" .. tostring(it.location)
    if not by[key] then
      by[key] = total { billing_account_id = it.billing_account_id, location = it.location }
      list[#list + 1] = by[key]
    end
    add(by[key], it)
    add(report.total, it)
  end
  report.by_location = list -- in the items' order: by billing account, then location
  return report
end

return bill
