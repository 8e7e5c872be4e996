-- idcloudhost apply FILE.lua: make the account hold FILE's desired state (plan:apply), asking
-- first unless --yes.  Stops at the first failure and says what was done and what was not.
local output = require "idcloudhost.cli.output"
local plan = require "idcloudhost.cli.commands.plan"

local function ask(ctx, question)
  ctx.stderr(question .. " [y/N] ")
  local answer = io.read("*l")
  return answer ~= nil and answer:lower():find("^%s*y") ~= nil
end

local FLAGS = { { name = "yes", type = "boolean", help = "do not ask" },
  { name = "concurrency", type = "integer", arg = "N", help = "actions at once within a stage (4)" } }
for _, f in ipairs(plan.flags) do FLAGS[#FLAGS + 1] = f end

return { name = "apply", summary = "make the account hold FILE.lua's resources (asks first unless --yes)",
  args = { { name = "FILE", help = "a Lua file returning {owner =, locations = {slug = {networks =, vms =, ...}}}" } },
  flags = FLAGS,
  run = function(ctx, a)
    local p, err = plan.make(ctx, a, "apply")
    if not p then return nil, err end
    ctx:note(tostring(p))
    if #p.actions == 0 then
      if ctx.fmt.kind == "json" then ctx:out(output.json({ done = 0, failed = 0, not_done = 0 }, "  ")) end
      return true
    end
    if not a.yes and not ask(ctx, "apply these " .. #p.actions .. " actions?") then
      return nil, require("idcloudhost.cli").error("usage", "apply: not confirmed; nothing was sent (--yes to skip the question)")
    end
    local report
    report, err = ctx:write("apply " .. a.file, p.apply, p, { concurrency = a.concurrency, on_progress = function(done, total, x, r)
      ctx:note(string.format("[%d/%d] %s %s %s %q: %s", done, total, x.op, x.location, x.kind, x.name,
        r.ok and "ok" or tostring(r.err)))
    end })
    local r = report or (err and err.report)
    if ctx.fmt.kind == "json" and r then
      ctx:out(output.json({ done = #r.done, failed = #r.failed, not_done = #r.not_done }, "  "))
    end
    if not report then
      for _, x in ipairs(err.report and err.report.not_done or {}) do
        ctx:note(string.format("not done: %s %s %s %q", x.op, x.location, x.kind, x.name))
      end
      return nil, err
    end
    ctx:note(string.format("applied: %d actions", #report.done))
    return true
  end }
