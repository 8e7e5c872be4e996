-- idcloudhost image: what a VM can be made from (client.catalog:images()).
local family = require "idcloudhost.cli.family"

local fam = { name = "image", kind = "image", key = "os_name", located = false, summary = "OS images for new VMs",
  columns = { "os_name", "display_name", "versions" },
  fields = { versions = function(img)
    local out = {}
    for _, v in ipairs(type(img.versions) == "table" and img.versions or {}) do out[#out + 1] = tostring(v.os_version) end
    return table.concat(out, ",")
  end } }

return { name = "image", summary = fam.summary, children = {
  { name = "list", summary = "list the OS images and their versions",
    run = function(ctx)
      local c, err = ctx:client()
      if not c then return nil, err end
      local list
      list, err = c.catalog:images()
      if not list then return nil, err end
      ctx:show(list, family.view(fam, true))
      return true
    end },
}, family = fam }
