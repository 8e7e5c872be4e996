--- Replicas: the snapshots and backups of a VM's disks.  vm:replicas() and vm:snapshot()
-- (idcloudhost.vm_storage) hand out these objects; a replica's uuid is its disk's uuid followed
-- by a timestamp, "5aea1842-...-e37b2282fb462018-12-21-14-05-33".
-- docs/endpoints.md maps its endpoints to these methods.
-- @module idcloudhost.families.replicas
local lazy = require "idcloudhost.lazy"
local check = lazy "idcloudhost.call.check"
local errors = lazy "idcloudhost.call.errors"
local resource = require "idcloudhost.families.kit.resource"

local E = resource.endpoints("replica", {
  delete  = { "DELETE", "user-resource/vm/replica", loc = true, form = { replica_uuid = "string!" }, answer = "success" },
  -- Deprecated: only the old idcloudhost docs show it (not the elastis ones, nor the 2025-12 ones).
  convert = { "PATCH",  "user-resource/vm/replica", loc = true, answer = "object:uuid|success",
    form = { replica_uuid = "string!", from_type = "string", to_type = "string" }, deprecated = true },
})

local TYPES = { snapshot = true, backup = true }

local function summary(r)
  return string.format("%s %s (%s GB, %s)", tostring(r.uuid), tostring(r.type), tostring(r.size),
    tostring(r.created_at))
end

local Replica = resource.model { name = "replica", key = "uuid", param = "replica_uuid", summary = summary }

--- A replica: a snapshot or backup of a VM's disk, from vm:replicas() and vm:snapshot().
-- `tostring(replica)` is `replica <uuid> snapshot (20 GB, 2018-12-21 ...)`.
-- @type replica

--- A replica's fields, as the platform sends them (the `replica` entries of a VM's storage).
-- @table fields
-- @tfield string uuid the disk's uuid followed by the time it was taken: "f80b1d62-...456a2018-02-22-14-24-32"
-- @tfield string type "snapshot" or "backup"
-- @tfield integer size GB
-- @tfield string master_uuid the uuid of the disk it copies
-- @tfield integer master_id the disk's numeric id
-- @tfield integer id
-- @tfield string pool the storage pool
-- @tfield string created_at "2018-02-22 14:24:51.886326"
-- @tfield string updated_at

--- Not available: the platform has no call that fetches one (vm:replicas() lists them).
-- It returns an `invalid` error, as every object's reload does when its model has none.
-- Made by the kit: `Base:reload` in families/kit/resource.lua (the model's `get` endpoint).
-- @function replica:reload

-- nil (the platform's default) or "snapshot" or "backup"; else an "invalid" error.
local function check_type(what, name, v)
  if v == nil or TYPES[v] then return true end
  return nil, errors.invalid(string.format('%s: %s must be "snapshot" or "backup", got %s', what, name,
    type(v) == "string" and string.format("%q", v) or type(v)), name)
end

-- The r_type option of vm:replicas / vm:snapshot, when opts is a table.
local function r_type_of(what, opts)
  if type(opts) ~= "table" then return true end
  local r_type, err = check.field(what, "r_type", opts, "r_type")
  if err then return nil, err end
  return check_type(what, "r_type", r_type)
end

--- Deletes the replica.  Returns true.
-- @function replica:delete
-- @treturn boolean true
-- @errors invalid, api, network, timeout, decode
function Replica:delete(opts)
  return resource.success(self:_call(E.delete, opts))
end

local CONVERT = { from_type = "string", to_type = "string" }

--- Converts a backup into a snapshot or back (idcloudhost edition): {from_type=, to_type=}, by
-- default from the replica's own type to the other one.  Returns the replica, updated.
-- Deprecated: the elastis and 2025-12 docs no longer show it; kept while the platform answers it.
-- @function replica:convert
-- @tparam[opt] table opts
-- @tparam[opt] string opts.from_type "snapshot" or "backup" (default: the replica's type)
-- @tparam[opt] string opts.to_type the other one (default)
-- @treturn replica the replica, updated in place
-- @errors invalid, api (not_found), network, timeout, decode
function Replica:convert(opts)
  local o, err = check.params("replica:convert", CONVERT, opts)
  if not o then return nil, err end
  local from = o.from_type or self.type
  local to = o.to_type or (from == "backup" and "snapshot" or "backup")
  for name, v in pairs { from_type = from, to_type = to } do
    local ok, terr = check_type("replica:convert", name, v)
    if not ok then return nil, terr end
  end
  if from == to then
    return nil, errors.invalid("replica:convert: from_type and to_type are both " .. to .. ": nothing to convert", "to_type")
  end
  local data
  data, err = self:_call(E.convert, nil, { from_type = from, to_type = to })
  if data == nil then return nil, err end
  if type(data) == "table" then return self:_apply(data) end
  self.type = to -- {"success": true}: keep the object true to what was done
  return self
end

return {
  model = Replica,
  endpoints = E,
  check_type = check_type,
  r_type_of = r_type_of,
}
