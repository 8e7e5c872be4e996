-- Replicas: the snapshots and backups of a VM's disks (endpoints 21-24 of endpoints.md).
-- vm:replicas() and vm:snapshot() (idcloudhost.vms) hand out these objects; a replica's uuid is
-- its disk's uuid followed by a timestamp, "5aea1842-...-e37b2282fb462018-12-21-14-05-33".
local errors = require "idcloudhost.errors"
local resource = require "idcloudhost.resource"

local E = resource.endpoints("replica", {
  delete  = { "DELETE", "user-resource/vm/replica", loc = true, form = { replica_uuid = "string!" } },
  convert = { "PATCH",  "user-resource/vm/replica", loc = true,
    form = { replica_uuid = "string!", from_type = "string", to_type = "string" } },
})

local TYPES = { snapshot = true, backup = true }

local function summary(r)
  return string.format("%s %s (%s GB, %s)", tostring(r.uuid), tostring(r.type), tostring(r.size),
    tostring(r.created_at))
end

local Replica = resource.model { name = "replica", key = "uuid", summary = summary }

--- nil (the platform's default) or "snapshot" or "backup"; else an "invalid" error.
local function check_type(what, name, v)
  if v == nil or TYPES[v] then return true end
  return nil, errors.invalid(string.format('%s: %s must be "snapshot" or "backup", got %s', what, name,
    type(v) == "string" and string.format("%q", v) or type(v)), name)
end

--- A replica's uuid from a replica object or the uuid itself (replica uuids are not UUIDs).
local function uuid_of(what, v)
  if type(v) == "table" then v = v.uuid end
  if type(v) ~= "string" or v == "" then
    return nil, errors.invalid(what .. ": expected a replica or its uuid, got " .. type(v), "replica_uuid")
  end
  return v
end

--- Deletes the replica.  Returns true.
function Replica:delete()
  return resource.success(self:_call(E.delete, { replica_uuid = self.uuid }))
end

--- Converts a backup into a snapshot or back (idcloudhost edition): {from_type=, to_type=}, by
-- default from the replica's own type to the other one.  Returns the replica, updated.
function Replica:convert(opts)
  if opts ~= nil and type(opts) ~= "table" then
    return nil, errors.invalid("replica:convert: expected a table of options")
  end
  opts = opts or {}
  for k in pairs(opts) do
    if k ~= "from_type" and k ~= "to_type" then
      return nil, errors.invalid("replica:convert: unknown parameter '" .. tostring(k) .. "'", k)
    end
  end
  local from = opts.from_type or self.type
  local to = opts.to_type or (from == "backup" and "snapshot" or "backup")
  for name, v in pairs { from_type = from, to_type = to } do
    local ok, err = check_type("replica:convert", name, v)
    if not ok then return nil, err end
  end
  if from == to then
    return nil, errors.invalid("replica:convert: from_type and to_type are both " .. to .. ": nothing to convert", "to_type")
  end
  local data, err = self:_call(E.convert, { replica_uuid = self.uuid, from_type = from, to_type = to })
  if data == nil then return nil, err end
  if type(data) == "table" and data.uuid ~= nil then return self:_apply(data) end
  self.type = to -- an answer that is not the replica: keep the object true to what was done
  return self
end

return {
  model = Replica,
  endpoints = E,
  check_type = check_type,
  uuid_of = uuid_of,
}
