-- idcloudhost bucket: object storage buckets (client.buckets; in no location).
local family = require "idcloudhost.cli.family"

local fam = { name = "bucket", kind = "bucket", collection = "buckets", key = "name", located = false,
  is_key = function(s) return type(s) == "string" end, arg = "BUCKET", summary = "object storage buckets",
  columns = { "name", "num_objects", "size_bytes", "billing_account_id", "created_at" } }

fam.verbs = {
  "list", "get",
  { name = "create", summary = "create a bucket (billed)", args = { { name = "NAME", help = "its name (S3 rules)" } },
    flags = { { name = "account", type = "integer", arg = "ID", help = "the billing account" } },
    run = function(ctx, a)
      local c, err = ctx:client()
      if not c then return nil, err end
      local b
      b, err = ctx:write("bucket create " .. a.name, c.buckets.create, c.buckets, { name = a.name, billing_account_id = a.account })
      if not b then return nil, err end
      ctx:done(b, family.view(fam, false), "created bucket " .. tostring(b.name))
      return true
    end },
  "delete",
}

local node = family.new(fam)
node.family = fam
return node
