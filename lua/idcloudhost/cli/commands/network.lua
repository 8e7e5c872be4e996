-- idcloudhost network: private networks (client.networks).
local family = require "idcloudhost.cli.family"

local fam = { name = "network", kind = "network", collection = "networks", key = "uuid", name_field = "name",
  aliases = { "net" }, summary = "private networks",
  columns = { "uuid", "name", "subnet", "is_default", "vms" },
  fields = { vms = function(n) return type(n.vm_uuids) == "table" and #n.vm_uuids or 0 end } }

local REF = { name = "NETWORK", help = "a network's uuid or name" }

local function show(ctx, net, text) ctx:done(net, family.view(fam, false), text) end

fam.verbs = {
  "list", "get",
  { name = "create", summary = "create a network", args = { { name = "NAME", help = "its name" } },
    run = function(ctx, a)
      local c, err = ctx:client()
      if not c then return nil, err end
      local net
      net, err = ctx:write("network create " .. a.name, c.networks.create, c.networks, { name = a.name })
      if not net then return nil, err end
      show(ctx, net, "created network " .. net.uuid .. " " .. tostring(net.name))
      return true
    end },
  "rename",
  { name = "default", summary = "make a network the location's default", args = { REF },
    run = function(ctx, a)
      local net, err = ctx:resolve(fam, a.network)
      if not net then return nil, err end
      local ok
      ok, err = ctx:write("network default " .. net.uuid, net.make_default, net)
      if not ok then return nil, err end
      show(ctx, net, "network " .. net.uuid .. " is the default")
      return true
    end },
  "delete",
}

local node = family.new(fam)
node.family = fam
return node
