-- The bill of leftovers: what is billed and serves nothing, in every location (unassigned floating
-- IPs, disks attached to no VM, load balancers without targets, empty buckets and, with
-- --stopped-days, VMs stopped that long), with monthly prices and a total per billing account.
--
--   lua examples/leftovers.lua                     a table
--   lua examples/leftovers.lua --json              the same as JSON
--   lua examples/leftovers.lua --delete            asks before deleting each one (--yes: does not ask)
--   --stopped-days=N   also VMs stopped for N days or more
--   --ip-price=X --lb-price=X   monthly prices of a floating IP and a load balancer (the pricing
--                      policy has none: without these they are listed unpriced)
--   --fw-price=X --service-price=X   likewise for a firewall and a managed service
--
-- Uses IDCLOUDHOST_API_KEY (and IDCLOUDHOST_BASE_URL for the simulator).  Exit status 1 when a
-- part could not be read (the bill is then incomplete), 2 on bad arguments.
local idcloudhost = require "idcloudhost"
local leftovers = require "idcloudhost.leftovers"

local USAGE = "usage: leftovers.lua [--json] [--delete [--yes]] [--stopped-days=N] [--ip-price=X] [--lb-price=X]"
  .. " [--fw-price=X] [--service-price=X]"

local function args_of(argv)
  local a = { prices = {} }
  for _, s in ipairs(argv) do
    local k, v = s:match("^%-%-([%w-]+)=(.*)$")
    if s == "--json" then a.json = true
    elseif s == "--delete" then a.delete = true
    elseif s == "--yes" then a.yes = true
    elseif k == "stopped-days" and tonumber(v) then a.stopped_for = tonumber(v) * 86400
    elseif k == "ip-price" and tonumber(v) then a.prices.floating_ip = tonumber(v)
    elseif k == "lb-price" and tonumber(v) then a.prices.load_balancer = tonumber(v)
    elseif k == "fw-price" and tonumber(v) then a.prices.firewall = tonumber(v)
    elseif k == "service-price" and tonumber(v) then a.prices.service = tonumber(v)
    else return nil, "unknown or malformed argument: " .. s end
  end
  if a.yes and not a.delete then return nil, "--yes goes with --delete" end
  return a
end

local function money(x)
  return x and string.format("%.2f", x) or "unpriced"
end

local function per_month(x)
  return x and (money(x) .. " a month") or "price unknown"
end

local function print_table(report)
  if #report.items == 0 then
    print("no leftovers")
  else
    print(string.format("%-8s %-8s %-14s %-38s %-20s %-32s %10s", "account", "location", "kind", "id", "name", "why",
      "monthly"))
    for _, it in ipairs(report.items) do
      local why = it.why .. ((it.addresses and #it.addresses > 0) and (", holds " .. table.concat(it.addresses, " ")) or "")
      print(string.format("%-8s %-8s %-14s %-38s %-20s %-32s %10s", tostring(it.billing_account_id),
        it.location or "(global)", it.kind, tostring(it.id), tostring(it.name or ""):sub(1, 20), why, money(it.monthly)))
    end
  end
  for _, t in ipairs(report.totals) do
    print(string.format("billing account %s: %d leftover%s, %s a month%s", tostring(t.billing_account_id), t.items,
      t.items == 1 and "" or "s", money(t.monthly), t.unpriced > 0 and (" + " .. t.unpriced .. " unpriced") or ""))
  end
end

-- The report without the resource objects, errors as text: ready for JSON.
local function plain(report)
  local items = idcloudhost.array()
  for i, it in ipairs(report.items) do
    local o = {}
    for k, v in pairs(it) do if k ~= "object" then o[k] = v end end
    o.addresses = o.addresses and idcloudhost.array(o.addresses)
    items[i] = o
  end
  local errs = idcloudhost.array()
  for i, e in ipairs(report.errors) do errs[i] = { location = e.location, what = e.what, message = tostring(e.err) } end
  return { items = items, totals = idcloudhost.array(report.totals), errors = errs, rates = report.rates,
    hours_per_month = report.hours_per_month, complete = report.complete }
end

local function ask(question)
  io.stderr:write(question, " [y/N] ")
  io.stderr:flush()
  local answer = io.read("*l")
  return answer ~= nil and answer:lower():find("^%s*y") ~= nil
end

local function delete_all(report, yes)
  local failed = 0
  for _, it in ipairs(report.items) do
    local what = string.format("%s %s%s (%s, billing account %s, %s)", it.kind, tostring(it.id),
      (it.addresses and #it.addresses > 0) and (" and its floating IPs " .. table.concat(it.addresses, " ")) or "",
      it.location or "global", tostring(it.billing_account_id), per_month(it.monthly))
    if yes or ask("delete " .. what .. "?") then
      local ok, err = leftovers.delete(it)
      if ok then
        io.stderr:write("deleted ", what, "\n")
      else
        failed = failed + 1
        io.stderr:write("could not delete ", what, ": ", tostring(err), "\n")
      end
    end
  end
  return failed
end

local a, why = args_of(arg or {})
if not a then
  io.stderr:write(why, "\n", USAGE, "\n")
  os.exit(2)
end

local client = assert(idcloudhost.new())
local report, err = client:leftovers { stopped_for = a.stopped_for, prices = a.prices }
if not report then
  io.stderr:write("leftovers: ", tostring(err), "\n")
  os.exit(1)
end
if a.json then
  print((assert(idcloudhost.json.encode(plain(report)))))
else
  print_table(report)
end
for _, e in ipairs(report.errors) do
  io.stderr:write("incomplete: ", e.location and (e.location .. " ") or "", e.what, ": ", tostring(e.err), "\n")
end
local failed = a.delete and delete_all(report, a.yes) or 0
os.exit((report.complete and failed == 0) and 0 or 1)
