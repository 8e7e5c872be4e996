-- idcloudhost fw: firewalls (client.firewalls, the 2025-12 edition; an SDK without them says so,
-- exit 2).  Rules are added from Lua or the API; here: list, get, create, assign, unassign, delete.
local family = require "idcloudhost.cli.family"

local fam = { name = "fw", kind = "firewall", collection = "firewalls", key = "uuid", name_field = "display_name",
  arg = "FW", summary = "firewalls (2025-12 edition)",
  columns = { "uuid", "display_name", "rules", "resources" },
  fields = {
    rules = function(fw) return type(fw.rules) == "table" and #fw.rules or 0 end,
    resources = function(fw) return type(fw.resources_assigned) == "table" and #fw.resources_assigned or 0 end,
  } }

local REF = { name = "FW", help = "a firewall's uuid or name" }
local VM = { name = "VM", help = "a VM's uuid or name" }

local function link(verb)
  return { name = verb, summary = verb .. " a firewall " .. (verb == "assign" and "to" or "from") .. " a VM", args = { REF, VM },
    run = function(ctx, a)
      local fw, err = ctx:resolve(fam, a.fw)
      if not fw then return nil, err end
      local vm
      vm, err = ctx:resolve(require("idcloudhost.cli.commands.vm").family, a.vm)
      if not vm then return nil, err end
      local ok
      ok, err = ctx:write("firewall " .. verb .. " " .. fw.uuid .. " " .. vm.uuid, fw[verb], fw, vm)
      if not ok then return nil, err end
      ctx:done({ uuid = fw.uuid, vm_uuid = vm.uuid, [verb .. "ed"] = true }, { key = "uuid", columns = { "uuid" } },
        verb .. "ed firewall " .. fw.uuid .. (verb == "assign" and " to" or " from") .. " vm " .. vm.uuid)
      return true
    end }
end

fam.verbs = {
  "list", "get",
  { name = "create", summary = "create a firewall without rules (billed)", args = { { name = "NAME", help = "its name" } },
    flags = {
      { name = "description", type = "string", help = "a description" },
      { name = "account", type = "integer", arg = "ID", help = "the billing account" },
    },
    run = function(ctx, a)
      local coll, err = ctx:collection(fam)
      if not coll then return nil, err end
      local fw
      fw, err = ctx:write("firewall create " .. a.name, coll.create, coll,
        { display_name = a.name, description = a.description, billing_account_id = a.account })
      if not fw then return nil, err end
      ctx:done(fw, family.view(fam, false), "created firewall " .. tostring(fw.uuid) .. " " .. tostring(fw.display_name))
      return true
    end },
  link("assign"), link("unassign"), "delete",
}

local node = family.new(fam)
node.family = fam
return node
