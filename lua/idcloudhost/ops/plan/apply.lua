-- plan:apply: the actions of a plan (ops/plan.lua) carried out stage by stage.  Names are
-- resolved when an action runs, from what the plan saw and what the stages before made (ctx:
-- scope -> family -> name -> obj).  Creates go through ensure; an update brings what differs
-- (ops/plan/change.lua, the code ensure{update = true} runs too); a replace deletes, waits until
-- the old one is no longer listed, then creates through ensure: an apply cut off and run again
-- makes nothing twice.
local lazy = require "idcloudhost.lazy"
local errors = lazy "idcloudhost.call.errors"
local check = lazy "idcloudhost.call.check"
local kinds = require "idcloudhost.ops.plan.kinds"
local change = require "idcloudhost.ops.plan.change"
local find = require "idcloudhost.ops.find"

local apply = {}

local APPLY_OPTS = { concurrency = "integer", on_progress = "function" }

local function copy(t)
  local out = {}
  for k, v in pairs(t) do out[k] = v end
  return out
end

-- The resolver of a running action: objects from ctx (missing() first says whether every name
-- the action refers to is there: a reference the stages before did not make fails the action).
local function resolver(ctx, account, slug)
  local function obj(fam, name)
    local scope = kinds.by_family[fam].account and account or slug
    return ctx[scope] and ctx[scope][fam] and ctx[scope][fam][name]
  end
  return { obj = obj, uuid = function(fam, name) return obj(fam, name).uuid end }
end

-- The first name of a's references (and, for an assign, its floating IP and VM) not in ctx.
local function missing(a, k, R)
  local refs = {}
  for field, fam in pairs(k.refs or {}) do
    local v = a.want and a.want[field]
    if type(v) == "table" then
      for _, n in ipairs(v) do refs[#refs + 1] = { fam, n } end
    elseif v ~= nil then
      refs[#refs + 1] = { fam, v }
    end
  end
  if a.op == "assign" then refs[#refs + 1] = { "floating_ips", a.name } end
  for _, r in ipairs(refs) do
    if not R.obj(r[1], r[2]) then return kinds.by_family[r[1]].kind .. " " .. tostring(r[2]) end
  end
end

function apply.attach(Plan, plan)
  local ACCOUNT = plan.ACCOUNT

  function Plan:_client_of(a)
    return a.location and self.client:at(a.location) or self.client
  end

  function Plan:_ensure(a, k, R)
    local params = k.params(a.want, R)
    params.name, params.owner = a.name, self.owner
    params.state_dir, params.fence, params.settle = self.opts.state_dir, self.opts.fence, self.opts.settle
    local coll = self:_client_of(a)[a.family]
    local obj, how = coll:ensure(params)
    if not obj then return nil, how end
    if k.wait then
      local ok, err = obj:wait(k.wait)
      if not ok then return nil, err end
    end
    -- What a create does not set (a firewall's VMs, a VM's data disks) is brought after it.
    local ok, err = change.of(a.family).bring(obj, k.want(a.want, R), { remove = false })
    if not ok then return nil, err end
    return obj
  end

  -- Deletes a's object (replacing: to make it again), which must carry this plan's owner mark:
  -- checked again here, never another's.
  function Plan:_delete(a, k, replacing)
    local o = a.object
    if type(o) ~= "table" or o.owner ~= self.owner then
      return nil, errors.invalid("plan: refusing to " .. (replacing and "replace " or "delete ") .. tostring(o)
        .. ": it does not carry the owner mark " .. self.owner)
    end
    if k.delete then return k.delete(o, replacing) end
    return o:delete()
  end

  -- A replace: the old one deleted, and gone from its list before the new one is made (ensure
  -- would find a lingering one).
  function Plan:_replace(a, k, R)
    local coll = self:_client_of(a)[a.family]
    local ok, err = self:_delete(a, k, true)
    if not ok then return nil, err end
    local crit = { name = a.name, owner = self.owner }
    ok, err = require("idcloudhost.ops.wait").poll(function()
      local found, ferr = find.find(coll, crit)
      if not found then return nil, ferr end
      return #found == 0 or nil
    end, { timeout = 600 })
    if not ok then return nil, err end
    return self:_ensure(a, k, R)
  end

  -- Runs one action; the objects made or found go into ctx.
  function Plan:_run(a, ctx)
    local k = kinds.by_family[a.family]
    local scope = a.location or ACCOUNT
    local R = resolver(ctx, ACCOUNT, a.location)
    local gone = a.op ~= "delete" and missing(a, k, R)
    if gone then
      return nil, errors.invalid("plan: " .. a.kind .. " " .. a.name .. ": no " .. gone .. " (not made)", "name")
    end
    local obj, err
    if a.op == "create" then
      obj, err = self:_ensure(a, k, R)
    elseif a.op == "replace" then
      obj, err = self:_replace(a, k, R)
    elseif a.op == "update" then
      -- Read again first: a replace in a stage before may have changed it (a load balancer
      -- whose target was the replaced VM no longer lists it).
      obj, err = a.object:reload()
      if obj then obj, err = change.of(a.family).bring(obj, k.want(a.want, R), { remove = self.prune }) end
    elseif a.op == "assign" then
      obj, err = R.obj("floating_ips", a.name):assign(R.obj("vms", a.target))
    elseif a.op == "delete" then
      obj, err = self:_delete(a, k, false)
    else
      return nil, errors.invalid("plan: unknown action " .. tostring(a.op) .. " " .. tostring(a.kind))
    end
    if not obj then return nil, err end
    if a.op == "create" or a.op == "replace" then ctx[scope][a.family][a.name] = obj end
    return obj
  end

  --- Carries the plan out, stage by stage (SSH keys, buckets, networks, VMs, firewalls, floating
  -- IPs, assignments, load balancers, then deletes), each stage's actions at most
  -- opts.concurrency (4) at once through client:batch.  Stops after the first stage with a
  -- failure.  Returns a report {done = {actions}, failed = {{action =, err =}}, not_done =
  -- {actions}}; on a failure nil, err with err.report.  opts.on_progress(done, total, action,
  -- result) after each action.
  function Plan:apply(given)
    local opts, oerr = check.params("plan:apply", APPLY_OPTS, given)
    if not opts then return nil, oerr end
    if opts.concurrency ~= nil and opts.concurrency < 1 then
      return nil, errors.invalid("plan:apply: concurrency is 1 or more", "concurrency")
    end
    local ctx = {}
    for scope, owned in pairs(self.holdings) do
      ctx[scope] = {}
      for fam, objs in pairs(owned) do ctx[scope][fam] = copy(objs) end
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
end

return apply
