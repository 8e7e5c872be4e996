-- idcloudhost wait KIND REF STATUS: waits until a VM (or a disk) has a status.
local family = require "idcloudhost.cli.family"

local KINDS = { vm = "vm", disk = "disk" }

return { name = "wait", summary = "wait until a VM or disk has a status: idcloudhost wait vm web-1 running",
  args = { { name = "KIND", help = "vm or disk" }, { name = "REF", help = "its uuid (or a VM's name)" },
    { name = "STATUS", help = "running, stopped, deleted, ... (a disk: active, ...)" } },
  flags = { { name = "timeout", type = "number", arg = "SECONDS", help = "how long to wait (default 600)" } },
  run = function(ctx, a)
    local mod = KINDS[a.kind]
    if not mod then
      return nil, require("idcloudhost.cli").error("usage", "wait: KIND is vm or disk, got '" .. a.kind .. "'")
    end
    local fam = require("idcloudhost.cli.commands." .. mod).family
    local obj, err = ctx:resolve(fam, a.ref)
    if not obj then return nil, err end
    local ok
    ok, err = ctx:wait(fam, { obj }, a.status, a.timeout)
    if not ok then return nil, err end
    ctx:done(obj, family.view(fam, false), fam.kind .. " " .. tostring(obj[fam.key]) .. ": " .. tostring(obj.status))
    return true
  end }
