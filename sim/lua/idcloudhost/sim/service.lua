-- Managed services: /v1/user-resource/service/package[s]..., routes 113-121 of the 2025-12
-- idcloudhost text (shared/api/endpoints-2025.md (a), (c) 11-13). The records and the package
-- as the API shows it are service_record.lua's.
--
--   POST   /service/package                  create (JSON body as the docs; a form works too)
--   GET    /service/packages                 the live packages, oldest first
--   GET    /service/package/{uuid}           one (a deleted one: its tombstone, status "deleted")
--   PATCH  /service/package/{uuid}           display_name, billing_account_id (metadata only)
--   GET    /service/package/{uuid}/secrets   {"sql_pass": ...}: the only call that shows it
--   DELETE /service/package/{uuid}           the package, is_deleted, deleted_at, status "deleted"
--   GET|POST|DELETE /[{slug}/]service/package/{uuid}/whitelist_addresses (ip_address): the
--                                            whitelist (after the change), a list of strings
--
-- Rules: create needs service, version, display_name and the whole numbers vm_cpu, vm_ram,
-- vm_disk_gb (within the default pool's guest_limits, as a VM's: the service runs on VMs);
-- package_parameters a JSON object or its text; is_multi_node a boolean. billing_account_id:
-- billing.account_for (the VM application's {"errors"} shape). An unknown service or version:
-- a field error naming what is on offer. Unknown package: 404 {"message": "Service package <uuid>
-- was not found."}.
-- Whitelist: `ip_address` (the only name: CloudAxion notes section 21, verified live, refuses ip,
-- cidr, address) is an address or a CIDR prefix; adding one that is there, or deleting one that
-- is not, changes nothing (the answer is the whitelist all the same); an empty whitelist means
-- no restriction (the docs). The whitelist routes are location-specific in the docs, the package
-- routes not: whether the slug matters is unresolved ((c) 11), so they answer with or without a
-- slug, for the package wherever it is.
-- Deleting a package releases the floating IPs assigned to it (they stay reserved).
local billing = require "idcloudhost.sim.billing"
local cidr = require "idcloudhost.sim.cidr"
local clock = require "idcloudhost.sim.clock"
local fip = require "idcloudhost.sim.floating_ip"
local json = require "idcloudhost.sim.json"
local machine = require "idcloudhost.sim.machine"
local params = require "idcloudhost.sim.params"
local record = require "idcloudhost.sim.service_record"
local reply = require "idcloudhost.sim.reply"
local state = require "idcloudhost.sim.state"

local svc = {}

local A = json.array

local function lookup(req, dead)
  local raw = req.vars.uuid
  local rec = record.find(params.to_uuid(raw), dead)
  if not rec then return nil, reply.message(404, "Service package " .. raw .. " was not found.") end
  return rec
end

local function offered()
  local names = {}
  for name in pairs(record.OFFER) do names[#names + 1] = name end
  table.sort(names)
  return table.concat(names, ", ")
end

local function versions_of(name)
  local v = {}
  for k in pairs(record.OFFER[name].versions) do v[#v + 1] = k end
  table.sort(v)
  return table.concat(v, ", ")
end

-- A whole number parameter within [min, max].
local function sized(r, name, lim)
  local n = r:int(name, true)
  if n and (n < lim.min or n > lim.max) then
    return r:fail(name, string.format("Must be between %d and %d", lim.min, lim.max))
  end
  return n
end

local function package_parameters(r)
  local v = r:raw("package_parameters")
  if v == nil or v == "" then return nil end
  if type(v) == "string" then v = json.decode(v) end
  if type(v) ~= "table" or (#v > 0) then return r:fail("package_parameters", "Must be a JSON object") end
  return v
end

function svc.create(req)
  local r = params.reader(req.params)
  local ba_id = r:int("billing_account_id")
  local name = r:str("service", true)
  local version = r:str("version", true)
  local display_name = r:str("display_name", true)
  if display_name == "" then r:fail("display_name", params.MISSING) end
  local limits = machine.pool().guest_limits
  local vcpu = sized(r, "vm_cpu", limits.cpu)
  local ram = sized(r, "vm_ram", limits.ram_mb)
  local disk_gb = sized(r, "vm_disk_gb", limits.disk_gb)
  local pp = package_parameters(r)
  local multi = r:bool("is_multi_node", false)
  if name and not record.OFFER[name] then
    r:fail("service", "Unknown service '" .. name .. "': one of " .. offered())
  elseif name and version and not record.OFFER[name].versions[version] then
    r:fail("version", "Unknown version '" .. version .. "' of " .. name .. ": one of " .. versions_of(name))
  end
  if r:failed() then return reply.errors(r.errors) end
  local ba, err = billing.account_for(req, ba_id, "errors")
  if not ba then return err end
  local rec = record.new {
    billing_account_id = ba.id, service = name, version = version, display_name = display_name,
    vcpu = vcpu, ram = ram, disk_gb = disk_gb, multi = multi, package_parameters = pp,
  }
  return reply.ok(record.view(rec))
end

function svc.list()
  local out = state.by_id(record.all())
  for i, rec in ipairs(out) do out[i] = record.view(rec) end
  return reply.ok(out)
end

function svc.get(req)
  local rec, err = lookup(req, true)
  if not rec then return err end
  return reply.ok(record.view(rec))
end

function svc.update(req)
  local r = params.reader(req.params)
  local ba_id = r:int("billing_account_id")
  local display_name = r:str("display_name")
  if display_name == "" then r:fail("display_name", "Must not be empty") end
  if r:failed() then return reply.errors(r.errors) end
  local rec, err = lookup(req)
  if not rec then return err end
  if ba_id ~= nil then
    local ba, berr = billing.account_for(req, ba_id, "errors")
    if not ba then return berr end
    rec.billing_account_id = ba.id
  end
  rec.display_name = display_name or rec.display_name
  rec.updated_at = clock.timestamp()
  return reply.ok(record.view(rec))
end

function svc.secrets(req)
  local rec, err = lookup(req)
  if not rec then return err end
  return reply.ok({ sql_pass = rec.secret })
end

function svc.delete(req)
  local rec, err = lookup(req)
  if not rec then return err end
  record.bury(rec)
  for _, l in ipairs(state.locations) do fip.release_from(l.slug, rec.uuid) end
  return reply.ok(record.view(rec))
end

---------------------------------------------------------------------------
-- Whitelist
---------------------------------------------------------------------------

local function whitelist(rec)
  local out = A()
  for i, a in ipairs(rec.whitelist) do out[i] = a end
  return out
end

local function entry(req)
  local r = params.reader(req.params)
  local a = r:str("ip_address", true)
  if a and not cidr.valid(a) then r:fail("ip_address", "Must be an IP address or a subnet prefix in CIDR notation") end
  if r:failed() then return nil, reply.errors(r.errors) end
  return a
end

function svc.whitelist(req)
  local rec, err = lookup(req)
  if not rec then return err end
  return reply.ok(whitelist(rec))
end

function svc.allow(req)
  local a, aerr = entry(req)
  if not a then return aerr end
  local rec, err = lookup(req)
  if not rec then return err end
  local there = false
  for _, x in ipairs(rec.whitelist) do there = there or x == a end
  if not there then rec.whitelist[#rec.whitelist + 1] = a end
  return reply.ok(whitelist(rec))
end

function svc.disallow(req)
  local a, aerr = entry(req)
  if not a then return aerr end
  local rec, err = lookup(req)
  if not rec then return err end
  for i = #rec.whitelist, 1, -1 do
    if rec.whitelist[i] == a then table.remove(rec.whitelist, i) end
  end
  return reply.ok(whitelist(rec))
end

function svc.register(router)
  local P = "/v1/user-resource/service/package"
  local L = { loc = true }
  router.add("POST", P, svc.create)
  router.add("GET", "/v1/user-resource/service/packages", svc.list)
  router.add("GET", P .. "/{uuid}", svc.get)
  router.add("PATCH", P .. "/{uuid}", svc.update)
  router.add("GET", P .. "/{uuid}/secrets", svc.secrets)
  router.add("DELETE", P .. "/{uuid}", svc.delete)
  router.add("GET", P .. "/{uuid}/whitelist_addresses", svc.whitelist, L)
  router.add("POST", P .. "/{uuid}/whitelist_addresses", svc.allow, L)
  router.add("DELETE", P .. "/{uuid}/whitelist_addresses", svc.disallow, L)
end

return svc
