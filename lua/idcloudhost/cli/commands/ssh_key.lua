-- idcloudhost ssh-key: SSH public keys stored on the account (client.ssh_keys, the 2025-12
-- edition; an SDK without them says so, exit 2).
local family = require "idcloudhost.cli.family"

local fam = { name = "ssh-key", kind = "ssh_key", collection = "ssh_keys", key = "uuid", name_field = "name",
  located = false, arg = "KEY", summary = "SSH public keys of the account (2025-12 edition)",
  columns = { "uuid", "name", "fingerprint", "created_at" } }

fam.verbs = {
  "list", "get",
  { name = "create", summary = "store a public key", args = { { name = "NAME", help = "a name unique among the keys" } },
    flags = {
      { name = "public-key", type = "string", arg = "KEY", help = "the OpenSSH public key line" },
      { name = "public-key-file", type = "string", arg = "FILE", help = "a file holding it (~/.ssh/id_ed25519.pub)" },
    },
    run = function(ctx, a)
      local key = a.public_key
      if a.public_key_file then
        local f, ferr = io.open(a.public_key_file, "rb")
        if not f then return nil, require("idcloudhost.cli").error("usage", "--public-key-file: " .. tostring(ferr)) end
        key = (f:read("*a"):gsub("%s+$", ""))
        f:close()
      end
      if not key then
        return nil, require("idcloudhost.cli").error("usage", "ssh-key create needs --public-key or --public-key-file")
      end
      local coll, err = ctx:collection(fam)
      if not coll then return nil, err end
      local k
      k, err = ctx:write("ssh_key create " .. a.name, coll.create, coll, { name = a.name, public_key = key })
      if not k then return nil, err end
      ctx:done(k, family.view(fam, false), "created ssh_key " .. tostring(k.uuid) .. " " .. tostring(k.name))
      return true
    end },
  "delete",
}

local node = family.new(fam)
node.family = fam
return node
