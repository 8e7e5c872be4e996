-- idcloudhost leftovers: what is billed and serves nothing, in every location (client:leftovers),
-- and, with --delete, deleting it (asking for each, unless --yes).
local output = require "idcloudhost.cli.output"

local function money(x) return x and string.format("%.2f", x) or "unpriced" end

local VIEW = { columns = { "billing_account_id", "location", "kind", "id", "name", "why", "monthly" }, key = "id", list = true,
  fields = { monthly = function(it) return money(it.monthly) end, location = function(it) return it.location or "(global)" end } }

local function ask(ctx, question)
  ctx.stderr(question .. " [y/N] ")
  local answer = io.read("*l")
  return answer ~= nil and answer:lower():find("^%s*y") ~= nil
end

return { name = "leftovers", summary = "what is billed and serves nothing, in every location (--delete: delete it)",
  flags = {
    { name = "delete", type = "boolean", help = "delete the leftovers, asking for each" },
    { name = "yes", type = "boolean", help = "with --delete: do not ask" },
    { name = "stopped-days", type = "number", arg = "N", help = "also VMs stopped for N days or more" },
    { name = "ip-price", type = "number", arg = "X", help = "monthly price of a floating IP (the policy has none)" },
    { name = "lb-price", type = "number", arg = "X", help = "monthly price of a load balancer" },
  },
  run = function(ctx, a)
    if a.yes and not a.delete then return nil, require("idcloudhost.cli").error("usage", "--yes goes with --delete") end
    local c, err = ctx:client()
    if not c then return nil, err end
    local report
    report, err = c:leftovers { stopped_for = a.stopped_days and a.stopped_days * 86400,
      prices = { floating_ip = a.ip_price, load_balancer = a.lb_price } }
    if not report then return nil, err end
    if output.items(ctx, report, "no leftovers", VIEW) then
      for _, t in ipairs(report.totals) do
        ctx:out(string.format("billing account %s: %d leftover%s, %s a month%s", tostring(t.billing_account_id), t.items,
          t.items == 1 and "" or "s", money(t.monthly), t.unpriced > 0 and (" + " .. t.unpriced .. " unpriced") or ""))
      end
    end
    output.incomplete(ctx, report)
    local failed
    if a.delete then
      local leftovers = require "idcloudhost.ops.leftovers"
      for _, it in ipairs(report.items) do
        local what = it.kind .. " " .. tostring(it.id) .. (it.location and (" in " .. it.location) or "")
        if a.yes or ask(ctx, "delete " .. what .. "?") then
          local ok, derr = ctx:write(it.kind .. " delete " .. tostring(it.id), leftovers.delete, it)
          if ok then ctx:note("deleted " .. what)
          else
            ctx:note(tostring(derr):gsub("%s*\n%s*", " "))
            if not failed or derr.uncertain then failed = derr end
          end
        end
      end
    end
    if failed then failed.cli_shown = true return nil, failed end
    if not report.complete then return 1 end
    return true
  end }
