-- idcloudhost account: billing accounts (client.billing_accounts; in no location).
local family = require "idcloudhost.cli.family"

local fam = { name = "account", kind = "billing_account", collection = "billing_accounts", key = "id", name_field = "title",
  located = false, is_key = function(s) return type(s) == "string" and s:find("^%d+$") ~= nil end, arg = "ACCOUNT",
  summary = "billing accounts",
  columns = { "id", "title", "is_default", "credit_amount", "email" } }

fam.verbs = { "list", "get" }

local node = family.new(fam)
node.family = fam
-- (get by id: the SDK's get takes a number)
node.children[2].run = function(ctx, a)
  local c, err = ctx:client()
  if not c then return nil, err end
  local ba
  if fam.is_key(a.account) then
    ba, err = c.billing_accounts:get(tonumber(a.account))
  else
    ba, err = ctx:resolve(fam, a.account)
  end
  if not ba then return nil, err end
  ctx:show(ba, family.view(fam, false))
  return true
end
return node
