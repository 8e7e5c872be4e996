--- SSH keys: client.ssh_keys and SSH key objects (2025-12 edition).  Every body is JSON.  The
-- platform has no call that reads one key: `get` and `reload` find it in the list.  A key's
-- public key cannot change once made; its name can (names are unique per user: a taken name
-- answers 409).  A VM made with `client.vms:create{ssh_keys = {...}}` gets the keys' public keys.
-- docs/endpoints.md maps its endpoints to these methods.
-- @module idcloudhost.families.ssh_keys
local resource = require "idcloudhost.families.kit.resource"
local listed = require "idcloudhost.families.kit.listed"

local U = { uuid = "uuid!" }
local KEY = "object:uuid"

local E = resource.endpoints("ssh_key", {
  list   = { "GET",    "user-resource/ssh_keys", answer = "list:uuid" },
  -- Answers 201 (the docs) or 200 (live, without a fingerprint); a taken name is 409.
  create = { "POST",   "user-resource/ssh_keys", answer = KEY,
    json = { name = "string!", public_key = "pubkey!" } },
  rename = { "PATCH",  "user-resource/ssh_keys/{uuid}", path = U, answer = KEY, json = { name = "string!" } },
  -- Answers 204 (the docs) or 200 (live): an empty body, {"success": true} or the key.
  delete = { "DELETE", "user-resource/ssh_keys/{uuid}", path = U, answer = "success|object:uuid" },
})

-- "ssh-ed25519 AAAAC3Nz...Data user@host" shown as "ssh-ed25519 ...Data user@host".
local function short(key)
  if type(key) ~= "string" then return tostring(key) end
  local kind, body, rest = key:match("^(%S+)%s+(%S+)%s*(.-)%s*$")
  if not kind then return (key:sub(1, 24)) end
  return kind .. " ..." .. body:sub(-8) .. (rest ~= "" and (" " .. rest) or "")
end

local function summary(k)
  return string.format("%s %q %s", tostring(k.uuid), tostring(k.name), short(k.public_key))
end

-- Owner marks: a key has no free text, so the name convention (ops/marks.lua) keeps one.
local Key = resource.model { name = "ssh_key", key = "uuid", summary = summary, mark = { name = "name" } }

-- ---------------------------------------------------------------------------------------------
-- client.ssh_keys

--- client.ssh_keys: the SSH public keys of the account (not of a location).
-- @type client.ssh_keys

local Keys = {}

--- All SSH keys of the account.
-- @function client.ssh_keys:list
-- @treturn {ssh_key,...} the keys
-- @errors invalid, api, network, timeout, decode
Keys.list = resource.lister(Key, E.list)

--- One SSH key by uuid or by name, found in the list (the platform has no call that reads one).
-- @function client.ssh_keys:get
-- @tparam string id the key's uuid, or its name
-- @treturn ssh_key the key
-- @errors invalid, api (not_found: the list does not hold it), network, timeout, decode
function Keys:get(id)
  return listed.get(self, Key, E.list, id, "name")
end

--- Stores an SSH public key {name =, public_key =}.  The name must be free (409 otherwise); the
-- public key is the whole OpenSSH line and cannot be changed later.  Private key material is
-- refused before anything is sent, and the error does not show it.
-- @function client.ssh_keys:create
-- @tparam table params
-- @tparam string params.name a name unique among the account's keys
-- @tparam string params.public_key the OpenSSH public key line, "ssh-ed25519 AAAA... user@host"
-- @treturn ssh_key the new key
-- @errors invalid, api (409: the name is taken), network, timeout (err.uncertain), decode
function Keys:create(params)
  local p, err = resource.marked(Key, params, E.create)
  if err then return nil, err end
  return resource.wrap(Key, self.client, self:_call(E.create, p))
end

-- ---------------------------------------------------------------------------------------------
-- SSH key objects

--- An SSH public key stored on the account.  `tostring(key)` is
-- `ssh_key 3f8f4c5a-... "laptop" ssh-ed25519 ...cKeyData user@host`.
-- @type ssh_key

--- An SSH key's fields, as the platform sends them (GET user-resource/ssh_keys).
-- @table fields
-- @tfield string uuid the key's id
-- @tfield string name its name, unique among the account's keys
-- @tfield string public_key the OpenSSH public key line
-- @tfield integer user_id the owner's user id
-- @tfield string created_at "2025-01-12T09:21:33Z"
-- @tfield[opt] string fingerprint (the docs do not show it; live answers lack it)

--- Fetches the key again (from the list) and updates this object in place.
-- @function ssh_key:reload
-- @treturn ssh_key the key
-- @errors invalid, api (not_found), network, timeout, decode
function Key:reload()
  return listed.reload(self, E.list)
end

--- Renames the key (its public key cannot change); answers the key, updated in place.
-- @function ssh_key:rename
-- @tparam string name the new name, free among the account's keys
-- @treturn ssh_key the key, updated in place
-- @errors invalid, api (409: the name is taken), network, timeout, decode
function Key:rename(name)
  return self:_apply(self:_call(E.rename, nil, { name = resource.remarked(self, name) }))
end

--- Deletes the key (VMs made with it keep it).  Returns true.
-- @function ssh_key:delete
-- @treturn boolean true; key.deleted is then true
-- @errors invalid, api, network, timeout, decode
function Key:delete(opts)
  local ok, err = resource.success(self:_call(E.delete, opts))
  if not ok then return nil, err end
  self.deleted = true
  return true
end

return {
  new = resource.collection(Keys),
  model = Key,
  endpoints = E,
}
