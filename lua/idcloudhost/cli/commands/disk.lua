-- idcloudhost disk: block storage (client.disks; elastis edition).
local family = require "idcloudhost.cli.family"

local fam = { name = "disk", kind = "disk", collection = "disks", key = "uuid",
  summary = "block storage disks",
  columns = { "uuid", "size_gb", "status", "source_image_type", "billing_account_id" } }

local REF = { name = "DISK", help = "a disk's uuid" }
local VM = { name = "VM", help = "a VM's uuid or name" }

-- disk attach|detach DISK VM
local function link(verb)
  return { name = verb, summary = verb .. " a disk " .. (verb == "attach" and "to" or "from") .. " a VM", args = { REF, VM },
    run = function(ctx, a)
      local disk, err = ctx:resolve(fam, a.disk)
      if not disk then return nil, err end
      local vm
      vm, err = ctx:resolve(require("idcloudhost.cli.commands.vm").family, a.vm)
      if not vm then return nil, err end
      local ok
      ok, err = ctx:write("disk " .. verb .. " " .. disk.uuid .. " " .. vm.uuid, disk[verb], disk, vm)
      if not ok then return nil, err end
      ctx:done({ uuid = disk.uuid, vm_uuid = vm.uuid, [verb == "attach" and "attached" or "detached"] = true },
        { key = "uuid", columns = { "uuid" } }, verb .. "ed disk " .. disk.uuid .. (verb == "attach" and " to" or " from")
        .. " vm " .. vm.uuid)
      return true
    end }
end

fam.verbs = {
  "list", "get",
  { name = "create", summary = "create a disk (billed)",
    flags = {
      { name = "size", type = "integer", arg = "GB", help = "size in GB (an empty disk)" },
      { name = "image-type", type = "string", arg = "TYPE", help = "EMPTY (default), OS_BASE, DISK or SNAPSHOT" },
      { name = "image", type = "string", help = "the source: ubuntu_22.04, a disk's or snapshot's uuid" },
      { name = "account", type = "integer", arg = "ID", help = "the billing account" },
    },
    run = function(ctx, a)
      local c, err = ctx:client()
      if not c then return nil, err end
      local disk
      disk, err = ctx:write("disk create", c.disks.create, c.disks,
        { size_gb = a.size, source_image_type = a.image_type, source_image = a.image, billing_account_id = a.account })
      if not disk then return nil, err end
      ctx:done(disk, family.view(fam, false), "created disk " .. disk.uuid .. " " .. tostring(disk.size_gb) .. " GB")
      return true
    end },
  { name = "update", summary = "move a disk to another billing account", args = { REF },
    flags = { { name = "account", type = "integer", arg = "ID", required = true, help = "the billing account" } },
    run = function(ctx, a)
      local disk, err = ctx:resolve(fam, a.disk)
      if not disk then return nil, err end
      local ok
      ok, err = ctx:write("disk update " .. disk.uuid, disk.update, disk, { billing_account_id = a.account })
      if not ok then return nil, err end
      ctx:done(disk, family.view(fam, false), "updated disk " .. disk.uuid)
      return true
    end },
  "delete", link("attach"), link("detach"),
}

local node = family.new(fam)
node.family = fam
return node
