-- Plan and apply: idcloudhost.plan(client, desired, opts) compares a plain table of what should
-- exist with what the account holds under one owner mark, and returns the actions that make
-- them the same, in dependency order, each with its reason and price; plan:apply{concurrency =,
-- on_progress =} carries them out (client:batch, stage by stage) and stops at the first failure.
--
--   local desired = {
--     owner = "nightly",                         -- the owner mark (ops/marks.lua): required
--     locations = {
--       cyc01 = {
--         networks = { { name = "nightly-net" } },
--         vms = { { name = "web-1", network = "nightly-net", vcpu = 1, ram = 1024, disks = 20,
--                   os_name = "ubuntu", os_version = "22.04", username = "ubuntu", password = "...",
--                   billing_account_id = 6 } },   -- every other vms:create parameter as is
--         floating_ips = { { name = "web-ip", assign = "web-1", billing_account_id = 6 } },
--         load_balancers = { { name = "front", network = "nightly-net", billing_account_id = 6,
--                              rules = { { source_port = 80, target_port = 8080 } },
--                              targets = { "web-1" } } },   -- VM names of this desired state
--       },
--     },
--   }
--
-- Only resources carrying the owner's mark are the plan's: an unmarked one (or another owner's)
-- of a desired name is reported (plan.unowned, "!" lines) and never adopted, changed or deleted.
-- Deleting is opt-in (opts.prune = true) and touches marked resources only.  Creates go through
-- ensure (ops/ensure.lua): an apply cut off and run again makes nothing twice.
-- (Long, on purpose: a plan's diff, its order, its prices and apply's stages are one model of the
-- desired state.)
local lazy = require "idcloudhost.lazy"
local errors = lazy "idcloudhost.call.errors"
local marks = require "idcloudhost.ops.marks"
local leftovers = require "idcloudhost.ops.leftovers"
local resource = require "idcloudhost.families.kit.resource"

local plan = {}

local FAMILIES = { "networks", "vms", "floating_ips", "load_balancers" }
local KIND = { networks = "network", vms = "vm", floating_ips = "floating_ip", load_balancers = "load_balancer" }
local KNOWN = { networks = true, vms = true, floating_ips = true, load_balancers = true }
local OPTS = { prune = true, prices = true, state_dir = true, fence = true, settle = true }

-- Stages: what must exist before what.
local STAGE = {
  ["create network"] = 1, ["create vm"] = 2, ["update vm"] = 3, ["create floating_ip"] = 4,
  ["assign floating_ip"] = 5, ["create load_balancer"] = 6, ["update load_balancer"] = 7,
  ["delete load_balancer"] = 8, ["delete floating_ip"] = 9, ["delete vm"] = 10, ["delete network"] = 11,
}
local SIGN = { create = "+", update = "~", assign = "~", delete = "-" }

local Plan = {}
Plan.__index = Plan

------------------------------------------------------------------------------------------------
-- Prices

local function monthly_of(kind, want, obj, rates, prices)
  local H = leftovers.HOURS_PER_MONTH
  if kind == "vm" then
    local vcpu = tonumber(want and want.vcpu or obj and obj.vcpu) or 0
    local ram = tonumber(want and want.ram or obj and obj.memory) or 0
    local disk = tonumber(want and want.disks) or 0
    if not want and obj then
      for _, d in ipairs(type(obj.storage) == "table" and obj.storage or {}) do disk = disk + (tonumber(d.size) or 0) end
    end
    if not (rates.cpu and rates.ram_gb and rates.storage_gb) then return nil end
    return (vcpu * rates.cpu + ram / 1024 * rates.ram_gb + disk * rates.storage_gb) * H
  elseif kind == "floating_ip" or kind == "load_balancer" then
    if prices[kind] then return prices[kind] end
    return rates[kind] and rates[kind] * H or nil
  end
  return 0
end

------------------------------------------------------------------------------------------------
-- Building

local function sorted_keys(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = k end
  table.sort(keys)
  return keys
end

local function copy(t, drop)
  local out = {}
  for k, v in pairs(t) do
    if not (drop and drop[k]) then out[k] = v end
  end
  return out
end

local function same_set(a, b)
  if #a ~= #b then return false end
  local seen = {}
  for _, v in ipairs(a) do seen[v] = (seen[v] or 0) + 1 end
  for _, v in ipairs(b) do
    if not seen[v] or seen[v] == 0 then return false end
    seen[v] = seen[v] - 1
  end
  return true
end

local function rule_key(r)
  return tostring(tonumber(r.source_port)) .. ">" .. tostring(tonumber(r.target_port))
end

-- What one location holds under the owner: family -> name -> obj, and the unowned names.
local function holdings(c, owner)
  local owned, unowned = {}, {}
  for _, fam in ipairs(FAMILIES) do
    local list, err = c[fam]:list()
    if not list then
      err.message = "location " .. tostring(c.location) .. ": " .. fam .. ": " .. tostring(err.message)
      return nil, err
    end
    owned[fam], unowned[fam] = {}, {}
    for _, obj in ipairs(list) do
      if not obj.deleted then
        local name = resource.given_name(obj)
        if obj.owner == owner and name ~= nil then
          if owned[fam][name] then
            return nil, errors.new { kind = "conflict", matches = { owned[fam][name], obj },
              message = string.format("%s: two %ss named %q carry the owner %q: %s; %s (delete one first)",
                tostring(c.location), KIND[fam], name, owner, tostring(owned[fam][name]), tostring(obj)) }
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

function Plan:_add(a)
  a.stage = STAGE[a.op .. " " .. a.kind]
  a.sign = SIGN[a.op]
  self.actions[#self.actions + 1] = a
end

local function wants(list, name)
  for _, w in ipairs(list) do
    if w.name == name then return true end
  end
  return false
end

-- The actions of one location.
function Plan:_location(slug, spec, c)
  local owner = self.owner
  local owned, unowned = holdings(c, owner)
  if not owned then return nil, unowned end
  local wanted = {}
  for _, fam in ipairs(FAMILIES) do
    wanted[fam] = {}
    for i, want in ipairs(spec[fam] or {}) do
      if type(want) ~= "table" or type(want.name) ~= "string" or want.name == "" then
        return nil, errors.invalid(string.format("plan: %s.%s[%d] needs a name", slug, fam, i), "name")
      end
      if wanted[fam][want.name] then
        return nil, errors.invalid(string.format("plan: %s.%s names %q twice", slug, fam, want.name), "name")
      end
      wanted[fam][want.name] = want
      local kind = KIND[fam]
      local have = owned[fam][want.name]
      if unowned[fam][want.name] then
        self.unowned[#self.unowned + 1] = { location = slug, kind = kind, name = want.name, object = unowned[fam][want.name] }
      end
      local base = { kind = kind, family = fam, location = slug, name = want.name, want = want, object = have }
      if not have then
        local a = copy(base)
        a.op, a.reason = "create", "missing"
        a.monthly = monthly_of(kind, want, nil, self.rates, self.prices)
        self:_add(a)
      elseif kind == "vm" then
        local change = {}
        if want.vcpu and tonumber(have.vcpu) ~= want.vcpu then change.vcpu = want.vcpu end
        if want.ram and tonumber(have.memory) ~= want.ram then change.ram = want.ram end
        if next(change) then
          local a = copy(base)
          a.op, a.change = "update", change
          local parts = {}
          if change.vcpu then parts[#parts + 1] = "vcpu " .. tostring(have.vcpu) .. " -> " .. change.vcpu end
          if change.ram then parts[#parts + 1] = "ram " .. tostring(have.memory) .. " -> " .. change.ram end
          a.reason = table.concat(parts, ", ") .. " (stopped and started again)"
          a.monthly = monthly_of(kind, { vcpu = want.vcpu or have.vcpu, ram = want.ram or have.memory }, nil, self.rates, self.prices)
          self:_add(a)
        end
      elseif kind == "load_balancer" then
        local change = {}
        if want.targets then
          local have_t, want_t = {}, {}
          for _, t in ipairs(type(have.targets) == "table" and have.targets or {}) do have_t[#have_t + 1] = t.target_uuid end
          local unknown = false
          for _, n in ipairs(want.targets) do
            local vm = owned.vms[n]
            if vm then want_t[#want_t + 1] = vm.uuid else unknown = true end
          end
          if unknown or not same_set(have_t, want_t) then change.targets = true end
        end
        if want.rules then
          local have_r, want_r = {}, {}
          for _, r in ipairs(type(have.forwarding_rules) == "table" and have.forwarding_rules or {}) do
            have_r[#have_r + 1] = rule_key(r)
          end
          for _, r in ipairs(want.rules) do want_r[#want_r + 1] = rule_key(r) end
          if not same_set(have_r, want_r) then change.rules = true end
        end
        if next(change) then
          local a = copy(base)
          a.op, a.change = "update", change
          a.reason = (change.targets and "targets" or "") .. (change.targets and change.rules and " and " or "")
            .. (change.rules and "rules" or "") .. " differ"
          self:_add(a)
        end
      end
      if kind == "floating_ip" and want.assign then
        local vm = owned.vms[want.assign]
        if not (spec.vms and wants(spec.vms, want.assign)) and not vm then
          return nil, errors.invalid(string.format("plan: %s floating IP %q is assigned to VM %q, which is not in the desired state",
            slug, want.name, want.assign), "assign")
        end
        if not (have and vm and have.assigned_to == vm.uuid) then
          self:_add { op = "assign", kind = kind, family = fam, location = slug, name = want.name, want = want,
            object = have, reason = "to vm " .. string.format("%q", want.assign), target = want.assign }
        end
      end
    end
  end
  if self.prune then
    for _, fam in ipairs(FAMILIES) do
      for _, name in ipairs(sorted_keys(owned[fam])) do
        local obj = owned[fam][name]
        if not wanted[fam][name] and fam == "networks" and obj.is_default == true then
          -- The platform never deletes a location's default network: reported, not planned.
          self.kept[#self.kept + 1] = { location = slug, kind = "network", name = name, object = obj,
            reason = "the location's default network cannot be deleted" }
        elseif not wanted[fam][name] then
          self:_add { op = "delete", kind = KIND[fam], family = fam, location = slug, name = name, object = obj,
            reason = "not in the desired state (prune; owner " .. owner .. ")",
            monthly = monthly_of(KIND[fam], nil, obj, self.rates, self.prices) }
        end
      end
    end
  end
  self.holdings[slug] = owned
  return true
end

--- The plan of desired against what the client's account holds (see the top of this file).
-- opts: prune (delete marked resources not desired), prices ({floating_ip =, load_balancer =}:
-- monthly prices the policy lacks), state_dir, fence, settle (for ensure).  Returns the plan, or
-- nil, err (invalid: a bad desired state; conflict: two marked resources of one name).
function plan.new(client, desired, opts)
  if type(desired) ~= "table" then return nil, errors.invalid("plan: desired is a table {owner =, locations = {...}}") end
  opts = opts or {}
  if type(opts) ~= "table" then return nil, errors.invalid("plan: opts is a table") end
  for k in pairs(opts) do
    if not OPTS[k] then return nil, errors.invalid("plan: unknown option '" .. tostring(k) .. "'", tostring(k)) end
  end
  if desired.owner == nil then return nil, errors.invalid("plan: desired.owner is required (the owner mark)", "owner") end
  local bad = marks.check("plan", desired.owner)
  if bad then return nil, bad end
  if type(desired.locations) ~= "table" then
    return nil, errors.invalid("plan: desired.locations is a table {slug = {networks =, vms =, ...}}", "locations")
  end
  for slug, spec in pairs(desired.locations) do
    if type(slug) ~= "string" or type(spec) ~= "table" then
      return nil, errors.invalid("plan: desired.locations maps a location slug to a table", "locations")
    end
    for k, v in pairs(spec) do
      if not KNOWN[k] then
        return nil, errors.invalid("plan: " .. slug .. "." .. tostring(k)
          .. ": not a family the plan knows (networks, vms, floating_ips, load_balancers)", tostring(k))
      end
      if type(v) ~= "table" then return nil, errors.invalid("plan: " .. slug .. "." .. k .. " is a list", k) end
    end
  end
  local self = setmetatable({ client = client, owner = desired.owner, desired = desired, actions = {}, unowned = {}, kept = {},
    holdings = {}, prune = opts.prune == true, prices = opts.prices or {}, opts = opts }, Plan)
  local policy = client.pricing:policy()
  self.rates = leftovers.rates(policy)
  for _, slug in ipairs(sorted_keys(desired.locations)) do
    local ok, err = self:_location(slug, desired.locations[slug], client:at(slug))
    if not ok then return nil, err end
  end
  -- Creates of this owner sent by a process that did not see their answer (killed, cut off):
  -- they may still land, after this plan was made (a teardown would miss them).
  self.in_flight = require("idcloudhost.ops.ensure").pending { base_url = client.base_url, owner = desired.owner,
    state_dir = opts.state_dir, fence = opts.fence, settle = opts.settle }
  table.sort(self.actions, function(a, b)
    if a.stage ~= b.stage then return a.stage < b.stage end
    if a.location ~= b.location then return a.location < b.location end
    return a.name < b.name
  end)
  self.monthly = 0
  for _, a in ipairs(self.actions) do
    if a.op == "create" and a.monthly then self.monthly = self.monthly + a.monthly end
    if a.monthly then a.hourly = a.monthly / leftovers.HOURS_PER_MONTH end
  end
  return self
end

function Plan:__tostring()
  local lines = {}
  local counts = { create = 0, update = 0, assign = 0, delete = 0 }
  for _, a in ipairs(self.actions) do
    counts[a.op] = counts[a.op] + 1
    local price = a.monthly and a.monthly > 0 and string.format("  (%s%.2f/month)", a.op == "delete" and "-" or "+", a.monthly) or ""
    lines[#lines + 1] = string.format("%s %s %s %q: %s, %s%s", a.sign, a.location, a.kind, a.name, a.op, a.reason, price)
  end
  for _, u in ipairs(self.unowned) do
    lines[#lines + 1] = string.format("! %s %s %q exists without the owner mark %q: not adopted, not touched",
      u.location, u.kind, u.name, self.owner)
  end
  for _, x in ipairs(self.in_flight or {}) do
    lines[#lines + 1] = string.format("! %s %s %q: a create sent %d s ago has no answer yet and may still land: plan again later",
      x.location, KIND[x.family] or x.family, x.name, x.age)
  end
  for _, k in ipairs(self.kept) do
    lines[#lines + 1] = string.format("! %s %s %q kept: %s", k.location, k.kind, k.name, k.reason)
  end
  if #self.actions == 0 then
    lines[#lines + 1] = "No changes: the account holds what is desired."
  else
    lines[#lines + 1] = string.format("Plan: %d to create, %d to update, %d to assign, %d to delete.",
      counts.create, counts.update, counts.assign, counts.delete)
  end
  return table.concat(lines, "\n")
end

------------------------------------------------------------------------------------------------
-- Applying

local function resolve(ctx, slug, fam, name)
  local t = ctx[slug] and ctx[slug][fam]
  return t and t[name]
end

local function ensure_opts(self, a, params)
  params.name, params.owner = a.name, self.owner
  params.state_dir, params.fence, params.settle = self.opts.state_dir, self.opts.fence, self.opts.settle
  return params
end

-- Runs one action; the objects made or found go into ctx (slug -> family -> name -> obj).
function Plan:_run(a, ctx)
  local c = self.client:at(a.location)
  local slug = a.location
  if a.op == "create" then
    local params = copy(a.want, { name = true, network = true, assign = true, targets = true })
    if a.want.network then
      local net = resolve(ctx, slug, "networks", a.want.network)
      if not net then return nil, errors.invalid("plan: " .. a.kind .. " " .. a.name .. ": no network " .. a.want.network, "network") end
      params.network_uuid = net.uuid
    end
    if a.kind == "load_balancer" and a.want.targets then
      local targets = {}
      for _, n in ipairs(a.want.targets) do
        local vm = resolve(ctx, slug, "vms", n)
        if not vm then return nil, errors.invalid("plan: load balancer " .. a.name .. ": no VM " .. n, "targets") end
        targets[#targets + 1] = vm
      end
      params.targets = targets
    end
    local obj, how = c[a.family]:ensure(ensure_opts(self, a, params))
    if not obj then return nil, how end
    if a.kind == "vm" then
      local ok, err = obj:wait("running")
      if not ok then return nil, err end
    end
    ctx[slug][a.family][a.name] = obj
    return obj
  elseif a.op == "update" and a.kind == "vm" then
    local vm = a.object
    local opts = copy(a.change)
    opts.restart = true
    local ok, err = vm:resize(opts)
    if not ok then return nil, err end
    return vm
  elseif a.op == "update" and a.kind == "load_balancer" then
    local lb = a.object
    if a.change.targets then
      local want = {}
      for _, n in ipairs(a.want.targets) do
        local vm = resolve(ctx, slug, "vms", n)
        if not vm then return nil, errors.invalid("plan: load balancer " .. a.name .. ": no VM " .. n, "targets") end
        want[vm.uuid] = true
      end
      local have = {}
      for _, t in ipairs(type(lb.targets) == "table" and copy(lb.targets) or {}) do
        have[t.target_uuid] = true
        if not want[t.target_uuid] then
          local ok, err = lb:remove_target(t.target_uuid)
          if not ok then return nil, err end
        end
      end
      for uuid in pairs(want) do
        if not have[uuid] then
          local ok, err = lb:add_target(uuid)
          if not ok then return nil, err end
        end
      end
    end
    if a.change.rules then
      local want = {}
      for _, r in ipairs(a.want.rules) do want[rule_key(r)] = r end
      local have = {}
      for _, r in ipairs(type(lb.forwarding_rules) == "table" and copy(lb.forwarding_rules) or {}) do
        have[rule_key(r)] = true
        if not want[rule_key(r)] then
          local ok, err = lb:remove_rule(r.uuid)
          if not ok then return nil, err end
        end
      end
      for k, r in pairs(want) do
        if not have[k] then
          local ok, err = lb:add_rule { source_port = r.source_port, target_port = r.target_port }
          if not ok then return nil, err end
        end
      end
    end
    return lb
  elseif a.op == "assign" then
    local ip = resolve(ctx, slug, "floating_ips", a.name)
    local vm = resolve(ctx, slug, "vms", a.target)
    if not ip or not vm then
      return nil, errors.invalid("plan: floating IP " .. a.name .. " or VM " .. a.target .. " is missing", "assign")
    end
    return ip:assign(vm)
  elseif a.op == "delete" then
    local obj = a.object
    -- Prune touches only what carries this plan's owner mark (checked again: never another's).
    if type(obj) ~= "table" or obj.owner ~= self.owner then
      return nil, errors.invalid("plan: refusing to delete " .. tostring(obj) .. ": it does not carry the owner mark " .. self.owner)
    end
    -- A load balancer's or a VM's own floating IPs go with it (the plan's owned ones are deleted
    -- in the stage before): left behind they stay billed.
    if a.kind == "load_balancer" or a.kind == "vm" then return obj:delete { release_ips = true } end
    return obj:delete()
  end
  return nil, errors.invalid("plan: unknown action " .. tostring(a.op) .. " " .. tostring(a.kind))
end

local APPLY_OPTS = { concurrency = true, on_progress = true }

--- Carries the plan out, stage by stage (networks, VMs, floating IPs, assignments, load
-- balancers, then deletes), each stage's actions at most opts.concurrency (4) at once through
-- client:batch.  Stops after the first stage with a failure.  Returns a report {done = {actions},
-- failed = {{action =, err =}}, not_done = {actions}}; on a failure nil, err with err.report.
-- opts.on_progress(done, total, action, result) after each action.
function Plan:apply(opts)
  opts = opts or {}
  if type(opts) ~= "table" then return nil, errors.invalid("plan:apply: opts is a table") end
  for k in pairs(opts) do
    if not APPLY_OPTS[k] then return nil, errors.invalid("plan:apply: unknown option '" .. tostring(k) .. "'", tostring(k)) end
  end
  if opts.concurrency ~= nil and (type(opts.concurrency) ~= "number" or opts.concurrency < 1
    or opts.concurrency % 1 ~= 0) then
    return nil, errors.invalid("plan:apply: concurrency is 1 or more", "concurrency")
  end
  if opts.on_progress ~= nil and type(opts.on_progress) ~= "function" then
    return nil, errors.invalid("plan:apply: on_progress is a function", "on_progress")
  end
  local ctx = {}
  for slug, owned in pairs(self.holdings) do
    ctx[slug] = {}
    for _, fam in ipairs(FAMILIES) do ctx[slug][fam] = copy(owned[fam]) end
  end
  local report = { done = {}, failed = {}, not_done = {} }
  local total, count = #self.actions, 0
  local i = 1
  while i <= total do
    local stage = self.actions[i].stage
    local group = {}
    while i <= total and self.actions[i].stage == stage do
      group[#group + 1] = self.actions[i]
      i = i + 1
    end
    local results, err = self.client:batch(group, function(a) return self:_run(a, ctx) end,
      { concurrency = opts.concurrency or 4 })
    if not results then return nil, err end
    for j, r in ipairs(results) do
      count = count + 1
      if r.ok then
        report.done[#report.done + 1] = group[j]
      else
        report.failed[#report.failed + 1] = { action = group[j], err = r.err }
      end
      if opts.on_progress then pcall(opts.on_progress, count, total, group[j], r) end
    end
    if #report.failed > 0 then
      for k = i, total do report.not_done[#report.not_done + 1] = self.actions[k] end
      local first = report.failed[1]
      local e = errors.new { kind = first.err.kind or "error", uncertain = first.err.uncertain, report = report,
        message = string.format("plan:apply: %s %s %q failed (%s); %d done, %d failed, %d not done",
          first.action.op, first.action.kind, first.action.name, tostring(first.err.message),
          #report.done, #report.failed, #report.not_done) }
      return nil, e
    end
  end
  return report
end

return plan
