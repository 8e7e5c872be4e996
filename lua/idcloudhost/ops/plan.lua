-- Plan and apply: idcloudhost.plan(client, desired, opts) compares a plain table of what should
-- exist with what the account holds under one owner mark, and returns the actions that make
-- them the same (create, update, replace, assign, delete), in dependency order, each with its
-- reason and price; plan:apply{concurrency =, on_progress =} carries them out (client:batch,
-- stage by stage) and stops at the first failure.
--
--   local desired = {
--     owner = "nightly",                         -- the owner mark (ops/marks.lua): required
--     ssh_keys = { { name = "deploy", public_key = "ssh-ed25519 AAAA... me@host" } },  -- the account's
--     buckets = { { name = "nightly-logs", billing_account_id = 6 } },                  -- the account's
--     locations = {
--       cyc01 = {
--         networks = { { name = "nightly-net" } },
--         vms = { { name = "web-1", network = "nightly-net", vcpu = 1, ram = 1024, disks = 20,
--                   data_disks = { 50 },           -- disks after the boot disk, by size (GB)
--                   ssh_keys = { "deploy" },       -- keys of this desired state, by name
--                   os_name = "ubuntu", os_version = "22.04", username = "ubuntu",
--                   billing_account_id = 6 } },   -- every other vms:create parameter as is
--         firewalls = { { name = "web", description = "front", billing_account_id = 6,
--                         rules = { { direction = "inbound", protocol = "tcp", port_start = 443 } },
--                         vms = { "web-1" } } },  -- VM names of this desired state
--         floating_ips = { { name = "web-ip", assign = "web-1", billing_account_id = 6 } },
--         load_balancers = { { name = "front", network = "nightly-net", billing_account_id = 6,
--                              rules = { { source_port = 80, target_port = 8080 } },
--                              targets = { "web-1" } } },
--       },
--     },
--   }
--
-- What each kind compares, changes in place and cannot change: ops/plan/change.lua; the kinds,
-- their order and prices: ops/plan/kinds.lua.
--
-- Only resources carrying the owner's mark are the plan's: an unmarked one (or another owner's)
-- of a desired name is reported (plan.unowned, "!" lines) and never adopted, changed or deleted.
-- Destroying is opt-in: deleting what is not desired needs opts.prune = true (and so does
-- removing a VM's data disk that is not desired); a field that cannot change in place (a VM's
-- os_version, an SSH key's public key) is a replace (delete, then create) only with opts.replace
-- = true, else a "!" line (plan.kept) and nothing is done for it.  Creates go through ensure
-- (ops/ensure.lua): an apply cut off and run again makes nothing twice.
-- On LuaJIT this module runs interpreted: Debian's LuaJIT 2.1.0-beta3 (the one Neovim 0.7 links)
-- crashed (SIGSEGV in compiled code) in 8 of 20 runs of spec/unit/ops/plan_families_spec.lua
-- repeated ten times, with or without the C core, and in none of 20 with this module's functions
-- interpreted (a jit.off of an unrelated function: 4 of 20).  A plan waits on the network: the
-- compiler gains it nothing.
local jit = rawget(_G, "jit")
if jit and jit.off then jit.off(true, true) end
local lazy = require "idcloudhost.lazy"
local errors = lazy "idcloudhost.call.errors"
local check = lazy "idcloudhost.call.check"
local marks = require "idcloudhost.ops.marks"
local leftovers = require "idcloudhost.ops.leftovers"
local resource = require "idcloudhost.families.kit.resource"
local kinds = require "idcloudhost.ops.plan.kinds"
local change = require "idcloudhost.ops.plan.change"

local plan = {}

local OPTS = { prune = "boolean", replace = "boolean", prices = "table", state_dir = "string", fence = "boolean",
  settle = "number" }
local ACCOUNT = "(account)" -- the scope of account-wide kinds (SSH keys, buckets)
local SIGN = { create = "+", update = "~", assign = "~", replace = "-/+", delete = "-" }

local Plan = {}
Plan.__index = Plan

------------------------------------------------------------------------------------------------
-- Building

local function sorted_keys(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = k end
  table.sort(keys)
  return keys
end

local function copy(t)
  local out = {}
  for k, v in pairs(t) do out[k] = v end
  return out
end

local function kinds_of(account)
  local out = {}
  for _, k in ipairs(kinds.list) do
    if (k.account == true) == account then out[#out + 1] = k end
  end
  return out
end

-- What one scope holds under the owner: family -> name -> obj, and the unowned names.
local function holdings(c, owner, list, label)
  local owned, unowned = {}, {}
  for _, k in ipairs(list) do
    local fam = k.family
    local objs, err = c[fam]:list()
    if not objs then
      err.message = label .. ": " .. fam .. ": " .. tostring(err.message)
      return nil, err
    end
    owned[fam], unowned[fam] = {}, {}
    for _, obj in ipairs(objs) do
      if not obj.deleted then
        local name = resource.given_name(obj)
        if obj.owner == owner and name ~= nil then
          if owned[fam][name] then
            return nil, errors.new { kind = "conflict", matches = { owned[fam][name], obj },
              message = string.format("%s: two %ss named %q carry the owner %q: %s; %s (delete one first)",
                label, k.kind, name, owner, tostring(owned[fam][name]), tostring(obj)) }
          end
          owned[fam][name] = obj
        elseif name ~= nil then
          unowned[fam][name] = unowned[fam][name] or obj
        end
      end
    end
  end
  return owned, unowned
end

function Plan:_add(k, a)
  a.kind, a.family = k.kind, k.family
  a.stage = kinds.stage(k, a.op)
  a.sign = SIGN[a.op]
  self.actions[#self.actions + 1] = a
end

-- Resolving names at plan time: a held object's uuid, or a stand-in for what is still to be
-- made (or replaced), which matches nothing.
function Plan:_resolver(slug)
  local function held(fam, name)
    local scope = kinds.by_family[fam].account and ACCOUNT or slug
    local h = self.holdings[scope]
    if self.replacing[scope .. "\0" .. fam .. "\0" .. name] then return nil end
    return h and h[fam] and h[fam][name]
  end
  return {
    uuid = function(fam, name)
      local obj = held(fam, name)
      return obj and obj.uuid or ("(new " .. tostring(name) .. ")")
    end,
    obj = function(fam, name) return held(fam, name) end,
  }
end

-- Are the names a desired entry refers to desired (or held)?
function Plan:_check_refs(k, slug, want, spec)
  for field, fam in pairs(k.refs or {}) do
    local v = want[field]
    local names = type(v) == "table" and v or { v }
    for _, n in ipairs(v ~= nil and names or {}) do
      local pool = kinds.by_family[fam].account and self.desired[fam] or spec[fam]
      local found = self.wanted[kinds.by_family[fam].account and ACCOUNT or slug][fam][n]
      if not found then
        return errors.invalid(string.format("plan: %s %s %q: %s names %s %q, which is not in the desired state%s",
          slug, k.kind, want.name, field, kinds.by_family[fam].kind, tostring(n),
          pool and "" or " (desired." .. fam .. " is empty)"), field)
      end
    end
  end
end

local function reasons(list)
  local out = {}
  for _, d in ipairs(list) do out[#out + 1] = d.text end
  return table.concat(out, ", ")
end

-- The actions of one desired entry of kind k in scope (a location slug, or ACCOUNT).
function Plan:_entry(k, scope, want, owned, R)
  local have = owned[k.family][want.name]
  local base = { location = scope ~= ACCOUNT and scope or nil, name = want.name, want = want, object = have }
  if not have then
    local a = copy(base)
    a.op, a.reason = "create", "missing"
    a.monthly = k.monthly(want, nil, self.rates, self.prices)
    self:_add(k, a)
  else
    self:_compare(k, scope, want, have, base, R)
  end
  if k.family == "floating_ips" and want.assign then
    local vm_uuid = R.uuid("vms", want.assign)
    if not (have and have.assigned_to == vm_uuid) then
      self:_add(k, { op = "assign", location = base.location, name = want.name, want = want, object = have,
        reason = "to vm " .. string.format("%q", want.assign), target = want.assign })
    end
  end
end

-- An entry that exists: replace (what cannot change in place), update (what can), or nothing.
function Plan:_compare(k, scope, want, have, base, R)
  local resolved = k.want(want, R)
  local c = change.of(k.family)
  local fixed = c.fixed(have, resolved)
  if #fixed > 0 then
    if self.replace then
      local a = copy(base)
      a.op, a.reason = "replace", "differs in " .. reasons(fixed) .. ": cannot change in place"
      a.monthly = k.monthly(want, nil, self.rates, self.prices)
      self.replacing[scope .. "\0" .. k.family .. "\0" .. want.name] = true
      self:_add(k, a)
    else
      self.kept[#self.kept + 1] = { location = base.location, kind = k.kind, name = want.name, object = have,
        reason = "differs in " .. reasons(fixed) .. ": needs a replace; plan with replace = true" }
    end
    return
  end
  local diffs, removes = {}, {}
  for _, d in ipairs(c.differs(have, resolved)) do
    if d.remove and not self.prune then removes[#removes + 1] = d else diffs[#diffs + 1] = d end
  end
  if #removes > 0 then
    self.kept[#self.kept + 1] = { location = base.location, kind = k.kind, name = want.name, object = have,
      reason = reasons(removes) .. ": removing it destroys data; plan with prune = true" }
  end
  if #diffs > 0 then
    local a = copy(base)
    a.op, a.reason, a.change = "update", reasons(diffs), diffs
    for _, d in ipairs(diffs) do
      if d.field == "vcpu" or d.field == "ram" then a.reason = a.reason .. " (stopped and started again)" break end
    end
    a.monthly = k.monthly(want, nil, self.rates, self.prices)
    self:_add(k, a)
  end
end

-- Every desired entry of a scope checked: a name, each once.
function Plan:_wanted(scope, list, spec)
  self.wanted[scope] = {}
  for _, k in ipairs(list) do
    local fam = k.family
    self.wanted[scope][fam] = {}
    for i, want in ipairs(spec[fam] or {}) do
      if type(want) ~= "table" or type(want.name) ~= "string" or want.name == "" then
        return errors.invalid(string.format("plan: %s.%s[%d] needs a name", scope, fam, i), "name")
      end
      if self.wanted[scope][fam][want.name] then
        return errors.invalid(string.format("plan: %s.%s names %q twice", scope, fam, want.name), "name")
      end
      self.wanted[scope][fam][want.name] = want
    end
  end
end

-- Every reference of a scope's entries checked (after every scope's names are known).
function Plan:_refs(scope, list, spec)
  for _, k in ipairs(list) do
    for _, want in ipairs(spec[k.family] or {}) do
      local err = self:_check_refs(k, scope, want, spec)
      if err then return err end
    end
  end
end

-- The actions of one scope (a location, or the account's kinds).
function Plan:_scope(scope, spec, c)
  local list = kinds_of(scope == ACCOUNT)
  local label = scope == ACCOUNT and "account" or "location " .. tostring(scope)
  local owned, unowned = holdings(c, self.owner, list, label)
  if not owned then return nil, unowned end
  self.holdings[scope] = owned
  local R = self:_resolver(scope)
  for _, k in ipairs(list) do
    for _, want in ipairs(spec[k.family] or {}) do
      if unowned[k.family][want.name] then
        self.unowned[#self.unowned + 1] = { location = scope ~= ACCOUNT and scope or nil, kind = k.kind,
          name = want.name, object = unowned[k.family][want.name] }
      end
      self:_entry(k, scope, want, owned, R)
    end
  end
  if self.prune then self:_prune(scope, list, owned) end
  return true
end

-- Deletes of what carries the owner mark and is not desired.
function Plan:_prune(scope, list, owned)
  for _, k in ipairs(list) do
    for _, name in ipairs(sorted_keys(owned[k.family])) do
      local obj = owned[k.family][name]
      local where = scope ~= ACCOUNT and scope or nil
      if not self.wanted[scope][k.family][name] and k.family == "networks" and obj.is_default == true then
        -- The platform never deletes a location's default network: reported, not planned.
        self.kept[#self.kept + 1] = { location = where, kind = k.kind, name = name, object = obj,
          reason = "the location's default network cannot be deleted" }
      elseif not self.wanted[scope][k.family][name] then
        self:_add(k, { op = "delete", location = where, name = name, object = obj,
          reason = "not in the desired state (prune; owner " .. self.owner .. ")",
          monthly = k.monthly(nil, obj, self.rates, self.prices) })
      end
    end
  end
end

local function check_desired(desired)
  if desired.owner == nil then return errors.invalid("plan: desired.owner is required (the owner mark)", "owner") end
  local bad = marks.check("plan", desired.owner)
  if bad then return bad end
  if type(desired.locations) ~= "table" then
    return errors.invalid("plan: desired.locations is a table {slug = {networks =, vms =, ...}}", "locations")
  end
  for key, v in pairs(desired) do
    local k = kinds.by_family[key]
    if not (key == "owner" or key == "locations" or (k and k.account)) then
      return errors.invalid("plan: desired." .. tostring(key)
        .. ": not a field the plan knows (owner, locations, ssh_keys, buckets)", tostring(key))
    end
    if k and type(v) ~= "table" then return errors.invalid("plan: desired." .. key .. " is a list", key) end
  end
  for slug, spec in pairs(desired.locations) do
    if type(slug) ~= "string" or type(spec) ~= "table" then
      return errors.invalid("plan: desired.locations maps a location slug to a table", "locations")
    end
    for key, v in pairs(spec) do
      local k = kinds.by_family[key]
      if not k or k.account then
        return errors.invalid("plan: " .. slug .. "." .. tostring(key)
          .. ": not a family the plan knows per location (networks, vms, firewalls, floating_ips, load_balancers)", tostring(key))
      end
      if type(v) ~= "table" then return errors.invalid("plan: " .. slug .. "." .. key .. " is a list", key) end
    end
  end
end

--- The plan of desired against what the client's account holds (see the top of this file).
-- opts: prune (delete marked resources not desired), replace (delete and create again what
-- cannot change in place), prices ({floating_ip =, load_balancer =, firewall =}: monthly prices
-- the policy lacks), state_dir, fence, settle (for ensure).  Returns the plan, or nil, err
-- (invalid: a bad desired state; conflict: two marked resources of one name).
function plan.new(client, desired, opts)
  if type(desired) ~= "table" then return nil, errors.invalid("plan: desired is a table {owner =, locations = {...}}") end
  local oerr
  opts, oerr = check.params("plan", OPTS, opts)
  if not opts then return nil, oerr end
  local bad = check_desired(desired)
  if bad then return nil, bad end
  local self = setmetatable({ client = client, owner = desired.owner, desired = desired, actions = {}, unowned = {}, kept = {},
    holdings = {}, wanted = {}, replacing = {}, prune = opts.prune == true, replace = opts.replace == true,
    prices = opts.prices or {}, opts = opts }, Plan)
  local slugs = sorted_keys(desired.locations)
  -- Every name checked before anything is listed: a reference may point at another kind's.
  local err = self:_wanted(ACCOUNT, kinds_of(true), desired)
  for _, slug in ipairs(slugs) do err = err or self:_wanted(slug, kinds_of(false), desired.locations[slug]) end
  for _, slug in ipairs(slugs) do err = err or self:_refs(slug, kinds_of(false), desired.locations[slug]) end
  if err then return nil, err end
  local policy = client.pricing:policy()
  self.rates = leftovers.rates(policy)
  local ok
  ok, err = self:_scope(ACCOUNT, desired, client)
  if not ok then return nil, err end
  for _, slug in ipairs(slugs) do
    ok, err = self:_scope(slug, desired.locations[slug], client:at(slug))
    if not ok then return nil, err end
  end
  -- Creates of this owner sent by a process that did not see their answer (killed, cut off):
  -- they may still land, after this plan was made (a teardown would miss them).
  self.in_flight = require("idcloudhost.ops.ensure").pending { base_url = client.base_url, owner = desired.owner,
    state_dir = opts.state_dir, fence = opts.fence, settle = opts.settle }
  table.sort(self.actions, function(a, b)
    if a.stage ~= b.stage then return a.stage < b.stage end
    if (a.location or "") ~= (b.location or "") then return (a.location or "") < (b.location or "") end
    return a.name < b.name
  end)
  self.monthly = 0
  for _, a in ipairs(self.actions) do
    if a.op == "create" and a.monthly then self.monthly = self.monthly + a.monthly end
    if a.monthly then a.hourly = a.monthly / leftovers.HOURS_PER_MONTH end
  end
  return self
end

local function where(x)
  return x.location or "account"
end

function Plan:__tostring()
  local lines = {}
  local counts = { create = 0, update = 0, assign = 0, replace = 0, delete = 0 }
  for _, a in ipairs(self.actions) do
    counts[a.op] = counts[a.op] + 1
    local price = a.monthly and a.monthly > 0 and string.format("  (%s%.2f/month)", a.op == "delete" and "-" or "+", a.monthly) or ""
    lines[#lines + 1] = string.format("%s %s %s %q: %s, %s%s", a.sign, where(a), a.kind, a.name, a.op, a.reason, price)
  end
  for _, u in ipairs(self.unowned) do
    lines[#lines + 1] = string.format("! %s %s %q exists without the owner mark %q: not adopted, not touched",
      where(u), u.kind, u.name, self.owner)
  end
  for _, x in ipairs(self.in_flight or {}) do
    local k = kinds.by_family[x.family]
    lines[#lines + 1] = string.format("! %s %s %q: a create sent %d s ago has no answer yet and may still land: plan again later",
      x.location ~= "nil" and x.location or "account", k and k.kind or x.family, x.name, x.age)
  end
  for _, k in ipairs(self.kept) do
    lines[#lines + 1] = string.format("! %s %s %q kept: %s", where(k), k.kind, k.name, k.reason)
  end
  if #self.actions == 0 then
    lines[#lines + 1] = "No changes: the account holds what is desired."
  else
    -- (the replaces counted only when there are some: the line reads as it did before them)
    lines[#lines + 1] = string.format("Plan: %d to create, %d to update, %d to assign, %sto delete.",
      counts.create, counts.update, counts.assign,
      counts.replace > 0 and string.format("%d to replace, %d ", counts.replace, counts.delete) or (counts.delete .. " "))
  end
  return table.concat(lines, "\n")
end

plan.Plan = Plan
plan.ACCOUNT = ACCOUNT

-- Applying: ops/plan/apply.lua (loaded with the plan: apply is a method).
require("idcloudhost.ops.plan.apply").attach(Plan, plan)

return plan
