-- idcloudhost ip: floating IP addresses (client.floating_ips).
local family = require "idcloudhost.cli.family"

local function is_address(s)
  return type(s) == "string" and (s:find("^%d+%.%d+%.%d+%.%d+$") ~= nil or (s:find(":", 1, true) ~= nil and s:find("^[%x:.]+$") ~= nil))
end

local fam = { name = "ip", kind = "floating_ip", plural = "floating IPs", collection = "floating_ips", key = "address",
  name_field = "name", is_key = is_address, arg = "IP", summary = "floating (public) IP addresses",
  columns = { "address", "name", "assigned_to", "assigned_to_resource_type", "billing_account_id" } }

local REF = { name = "IP", help = "an address or its name" }

local function show(ctx, ip, text) ctx:done(ip, family.view(fam, false), text) end

fam.verbs = {
  "list", "get",
  { name = "create", summary = "reserve an address (billed until deleted)",
    flags = {
      { name = "name", type = "string", help = "its name" },
      { name = "account", type = "integer", arg = "ID", help = "the billing account" },
    },
    run = function(ctx, a)
      local c, err = ctx:client()
      if not c then return nil, err end
      local ip
      ip, err = ctx:write("floating_ip create", c.floating_ips.create, c.floating_ips, { name = a.name, billing_account_id = a.account })
      if not ip then return nil, err end
      show(ctx, ip, "created floating_ip " .. tostring(ip.address))
      return true
    end },
  { name = "update", summary = "rename an address or move it to another billing account", args = { REF },
    flags = {
      { name = "name", type = "string", help = "its new name" },
      { name = "account", type = "integer", arg = "ID", help = "the billing account" },
    },
    run = function(ctx, a)
      local ip, err = ctx:resolve(fam, a.ip)
      if not ip then return nil, err end
      local ok
      ok, err = ctx:write("floating_ip update " .. ip.address, ip.update, ip, { name = a.name, billing_account_id = a.account })
      if not ok then return nil, err end
      show(ctx, ip, "updated floating_ip " .. ip.address)
      return true
    end },
  "delete",
  { name = "assign", summary = "assign an address to a VM", args = { REF, { name = "VM", help = "a VM's uuid or name" } },
    run = function(ctx, a)
      local ip, err = ctx:resolve(fam, a.ip)
      if not ip then return nil, err end
      local vm
      vm, err = ctx:resolve(require("idcloudhost.cli.commands.vm").family, a.vm)
      if not vm then return nil, err end
      local ok
      ok, err = ctx:write("floating_ip assign " .. ip.address .. " " .. vm.uuid, ip.assign, ip, vm)
      if not ok then return nil, err end
      show(ctx, ip, "assigned floating_ip " .. ip.address .. " to vm " .. vm.uuid)
      return true
    end },
  { name = "unassign", summary = "take an address off its VM (it stays reserved, and billed)", args = { REF },
    run = function(ctx, a)
      local ip, err = ctx:resolve(fam, a.ip)
      if not ip then return nil, err end
      local ok
      ok, err = ctx:write("floating_ip unassign " .. ip.address, ip.unassign, ip)
      if not ok then return nil, err end
      show(ctx, ip, "unassigned floating_ip " .. ip.address)
      return true
    end },
}

local node = family.new(fam)
node.family = fam
return node
