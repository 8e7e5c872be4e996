-- idcloudhost plan FILE.lua: what apply would do to make the account hold FILE's desired state
-- (idcloudhost.plan: ops/plan.lua).  Sends reads only.
local output = require "idcloudhost.cli.output"

local M = {}

--- The plan of FILE for a command (plan or apply), or nil, err.
function M.make(ctx, a, what)
  local want, err = require("idcloudhost.cli.desired").load(a.file, what)
  if not want then return nil, err end
  local c
  c, err = ctx:client()
  if not c then return nil, err end
  return require("idcloudhost").plan(c, want, { prune = a.prune or nil, replace = a.replace or nil,
    prices = { floating_ip = a.ip_price, load_balancer = a.lb_price } })
end

--- The actions as plain tables (JSON).
function M.plain(p)
  local idcloudhost = require "idcloudhost"
  local list = idcloudhost.array()
  for i, x in ipairs(p.actions) do
    list[i] = { op = x.op, kind = x.kind, location = x.location, name = x.name, reason = x.reason,
      hourly = x.hourly, monthly = x.monthly }
  end
  local unowned = idcloudhost.array()
  for i, u in ipairs(p.unowned) do unowned[i] = { location = u.location, kind = u.kind, name = u.name } end
  local kept = idcloudhost.array()
  for i, k in ipairs(p.kept) do kept[i] = { location = k.location, kind = k.kind, name = k.name, reason = k.reason } end
  return { owner = p.owner, actions = list, unowned = unowned, kept = kept, monthly = p.monthly }
end

M.FLAGS = {
  { name = "prune", type = "boolean", help = "also delete resources with FILE's owner mark that FILE does not name" },
  { name = "replace", type = "boolean",
    help = "delete and make again what differs in a field that cannot change in place (a VM's os_version)" },
  { name = "ip-price", type = "number", arg = "X", help = "monthly price of a floating IP (the policy has none)" },
  { name = "lb-price", type = "number", arg = "X", help = "monthly price of a load balancer" },
}

return { name = "plan", summary = "what apply would change to make the account hold FILE.lua's resources",
  args = { { name = "FILE",
    help = "a Lua file returning {owner =, ssh_keys =, buckets =, locations = {slug = {networks =, vms =, ...}}}" } },
  flags = M.FLAGS,
  make = M.make, plain = M.plain,
  run = function(ctx, a)
    local p, err = M.make(ctx, a, "plan")
    if not p then return nil, err end
    if ctx.fmt.kind == "json" or ctx.fmt.kind == "jsonl" then
      ctx:out(output.json(M.plain(p), ctx.fmt.kind == "json" and "  " or nil))
    else
      ctx:out(tostring(p))
    end
    return true
  end }
