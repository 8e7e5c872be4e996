-- idcloudhost lb: load balancers (client.load_balancers; elastis edition).
local family = require "idcloudhost.cli.family"

local fam = { name = "lb", kind = "load_balancer", collection = "load_balancers", key = "uuid", name_field = "display_name",
  arg = "LB", summary = "load balancers",
  columns = { "uuid", "display_name", "private_address", "targets", "rules" },
  fields = {
    targets = function(lb) return type(lb.targets) == "table" and #lb.targets or 0 end,
    rules = function(lb) return type(lb.forwarding_rules) == "table" and #lb.forwarding_rules or 0 end,
  } }

local function show(ctx, lb, text) ctx:done(lb, family.view(fam, false), text) end

fam.verbs = {
  "list", "get",
  { name = "create", summary = "create a load balancer (billed)", args = { { name = "NAME", help = "its name" } },
    flags = {
      { name = "network", type = "string", help = "the private network (uuid or name)" },
      { name = "account", type = "integer", arg = "ID", help = "the billing account" },
      { name = "no-public-ip", type = "boolean", help = "no floating IP" },
    },
    run = function(ctx, a)
      local c, err = ctx:client()
      if not c then return nil, err end
      local p = { display_name = a.name, billing_account_id = a.account }
      if a.no_public_ip then p.reserve_public_ip = false end
      if a.network then
        local net, nerr = ctx:resolve(require("idcloudhost.cli.commands.network").family, a.network)
        if not net then return nil, nerr end
        p.network_uuid = net.uuid
      end
      local lb
      lb, err = ctx:write("load_balancer create " .. a.name, c.load_balancers.create, c.load_balancers, p)
      if not lb then return nil, err end
      show(ctx, lb, "created load_balancer " .. lb.uuid .. " " .. tostring(lb.display_name))
      return true
    end },
  "rename", "delete",
}

local node = family.new(fam)
node.family = fam
return node
