-- idcloudhost bill: every billed thing of the account now, priced, per billing account and
-- location (client:bill: ops/bill.lua), idle and duplicate ones marked.
local output = require "idcloudhost.cli.output"

local function money(x, f) return x and string.format(f or "%.2f", x) or "unpriced" end

local VIEW = { columns = { "billing_account_id", "location", "kind", "id", "name", "owner", "state", "hourly", "monthly" },
  fields = {
    monthly = function(it) return money(it.monthly) end,
    hourly = function(it) return money(it.hourly, "%.5f") end,
    location = function(it) return it.location or "(global)" end,
    owner = function(it) return it.owner or "-" end,
    state = function(it)
      return (it.duplicate and "duplicate" or "") .. (it.duplicate and it.idle and "," or "") .. (it.idle and "idle" or "")
    end,
  } }

return { name = "bill", summary = "every billed thing of the account now, priced, per billing account and location",
  flags = {
    { name = "here", type = "boolean", help = "only the location of the profile or --location" },
    { name = "ip-price", type = "number", arg = "X", help = "monthly price of a floating IP (the policy has none)" },
    { name = "lb-price", type = "number", arg = "X", help = "monthly price of a load balancer" },
  },
  run = function(ctx, a)
    local c, err = ctx:client()
    if not c then return nil, err end
    local bill
    bill, err = c:bill { all_locations = not a.here, prices = { floating_ip = a.ip_price, load_balancer = a.lb_price } }
    if not bill then return nil, err end
    if output.items(ctx, bill, "nothing billed", VIEW) then
      for _, t in ipairs(bill.by_location) do
        ctx:out(string.format("billing account %s, %s: %d item%s, %s an hour, %s a month%s", tostring(t.billing_account_id),
          t.location or "(global)", t.items, t.items == 1 and "" or "s", money(t.hourly, "%.4f"), money(t.monthly),
          t.unpriced > 0 and (" + " .. t.unpriced .. " unpriced") or ""))
      end
      local t = bill.total
      ctx:out(string.format("total: %d items (%d idle, %d duplicates), %s an hour, %s a month%s", t.items, t.idle,
        t.duplicates, money(t.hourly, "%.4f"), money(t.monthly), t.unpriced > 0 and (" + " .. t.unpriced .. " unpriced") or ""))
    end
    output.incomplete(ctx, bill)
    return true
  end }
