-- idcloudhost apply FILE.lua: the convergence apply (not in this SDK yet: the command says so).
return { name = "apply", summary = "make the account match FILE.lua (not built yet)",
  args = { { name = "FILE", help = "a Lua file describing the resources" } },
  flags = { { name = "yes", type = "boolean", help = "do not ask" },
    { name = "prune", type = "boolean", help = "also delete what FILE does not name" } },
  run = function(ctx, a)
    local f = io.open(a.file, "rb")
    if not f then return nil, require("idcloudhost.cli").error("usage", "apply: cannot read " .. a.file) end
    f:close()
    local c, err = ctx:client()
    if not c then return nil, err end
    if type(c.apply) ~= "function" then
      return nil, require("idcloudhost.cli").error("usage", "apply: plan/apply (the convergence issue) is not built yet in "
        .. "this SDK (idcloudhost " .. require("idcloudhost")._VERSION .. "); nothing was sent")
    end
    return nil, require("idcloudhost.cli").error("usage", "apply: this command does not know client:apply's interface yet")
  end }
