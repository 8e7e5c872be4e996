-- idcloudhost plan FILE.lua: the convergence plan (not in this SDK yet: the command says so).
return { name = "plan", summary = "what apply would change to match FILE.lua (not built yet)",
  args = { { name = "FILE", help = "a Lua file describing the resources" } },
  flags = {},
  run = function(ctx, a)
    local f = io.open(a.file, "rb")
    if not f then return nil, require("idcloudhost.cli").error("usage", "plan: cannot read " .. a.file) end
    f:close()
    local c, err = ctx:client()
    if not c then return nil, err end
    if type(c.plan) ~= "function" then
      return nil, require("idcloudhost.cli").error("usage", "plan: plan/apply (the convergence issue) is not built yet in "
        .. "this SDK (idcloudhost " .. require("idcloudhost")._VERSION .. "); nothing was sent")
    end
    return nil, require("idcloudhost.cli").error("usage", "plan: this command does not know client:plan's interface yet")
  end }
