-- Billing report: every billing account with its unpaid amount, credit, invoices and this month's
-- usage, the pricing policy; then pays the oldest unpaid invoice of the default account.
-- Runs against the simulator (`make examples`), or the real platform with IDCLOUDHOST_API_KEY
-- (where paying an invoice is a real payment).
local idcloudhost = require "idcloudhost"

local function step(fmt, ...)
  io.write(string.format("-- " .. fmt .. "\n", ...))
  io.flush()
end

local client = assert(idcloudhost.new { location = os.getenv("IDCLOUDHOST_LOCATION") or "cyc01" })
step("client: %s", tostring(client))

local user = assert(client.user:get())
step("user: %s", tostring(user))

step("a VM, so that this month has some usage (billed to the default account)")
local vm = assert(client.vms:create {
  name = "report-vm", os_name = "ubuntu", os_version = "22.04", disks = 20, vcpu = 1, ram = 1024,
  username = "ubuntu", password = "S3cret-pass",
})
step("created %s, billed to account %s", tostring(vm), tostring(vm.billing_account))

step("pricing policy (per hour)")
for _, p in ipairs(assert(client.pricing:policy())) do
  step("  %-14s %-40s %.6f", p.resourceType, p.serviceNameUserFriendly, p.price)
end
local active, cerr = client.payments:has_active_campaigns()
assert(active ~= nil, tostring(cerr))
step("active campaigns: %s", tostring(active))

local function money(x) return string.format("%.2f", x) end

local default
step("%-4s %-16s %-8s %10s %10s %10s %s", "id", "title", "", "unpaid", "credit", "usage", "invoices")
for _, ba in ipairs(assert(client.billing_accounts:list())) do
  local unpaid = assert(ba:unpaid_amount())
  local invoices = assert(ba:invoices())
  local open = 0
  for _, inv in ipairs(invoices) do if inv.unpaid then open = open + 1 end end
  local usage = 0
  for _, u in ipairs(assert(ba:usage())) do usage = usage + u.cost end
  step("%-4s %-16s %-8s %10s %10s %10s %d (%d unpaid)", ba.id, ba.title or "", ba.is_default and "default" or "",
    money(unpaid), money(ba.credit_amount or 0), string.format("%.5f", usage), #invoices, open)
  if ba.is_default then default = ba end
end
assert(default, "no default billing account")
assert(default.id == vm.billing_account)

step("this month's usage of account %s", default.id)
local usage = assert(default:usage())
for _, u in ipairs(usage) do
  step("  %-48s %3d h x %.5f = %.5f", u.description, u.hours, u.price, u.cost)
end
local found = false
for _, u in ipairs(usage) do found = found or u.owner_uuid == vm.uuid end
assert(found, "the new VM is in this month's usage")

step("credit records of account %s", default.id)
for _, c in ipairs(assert(default:credits())) do
  step("  %s %8s  %s", os.date("!%Y-%m-%d", c.created), money(c.amount), c.description)
end

local oldest
for _, inv in ipairs(assert(default:invoices())) do
  if inv.unpaid and (not oldest or inv.created < oldest.created) then oldest = inv end
end
if oldest then
  local before = assert(default:unpaid_amount())
  step("paying %s (period %s to %s)", tostring(oldest), os.date("!%Y-%m-%d", oldest.period_start),
    os.date("!%Y-%m-%d", oldest.period_end))
  assert(oldest:pay())
  assert(oldest:reload())
  assert(oldest.paid, "the invoice is paid")
  local after = assert(default:unpaid_amount())
  step("unpaid: %s -> %s; %d transaction(s) on the invoice", money(before), money(after), #oldest.transaction_list)
  assert(after < before)
else
  step("no unpaid invoice to pay")
end

step("cleaning up")
assert(vm:delete { release_ips = true })   -- its floating IP too: reserved by default, billed until released
step("done")
