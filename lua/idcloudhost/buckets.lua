-- Object storage buckets: client.buckets and Bucket objects (endpoints 39-43 of endpoints.md).
-- Buckets are not location-specific, and their names are unique across all users.
local errors = require "idcloudhost.errors"
local resource = require "idcloudhost.resource"

local E = resource.endpoints("bucket", {
  list   = { "GET",    "storage/bucket/list", query = { billing_account_id = "integer" } },
  get    = { "GET",    "storage/bucket", query = { name = "string!" } },
  create = { "PUT",    "storage/bucket", billed = true, form = { name = "string!", billing_account_id = "integer" } },
  update = { "PATCH",  "storage/bucket", form = { name = "string!", billing_account_id = "integer!" } },
  -- The docs list name as a query parameter (their curl example sends it as a form).
  delete = { "DELETE", "storage/bucket", query = { name = "string!" } },
})

local function summary(b)
  return string.format("%s (%s objects, %s bytes, billing account %s)", tostring(b.name),
    tostring(b.num_objects), tostring(b.size_bytes), tostring(b.billing_account_id))
end

local Bucket = resource.model { name = "bucket", key = "name", summary = summary }

--- nil when name follows the S3 bucket naming rules, else what is wrong with it.
local function name_problem(name)
  if type(name) ~= "string" then return "must be a string, got " .. type(name) end
  if #name < 3 or #name > 63 then return "must be 3 to 63 characters long" end
  if name:find("[^a-z0-9.-]") then return "may hold only lowercase letters, digits, '.' and '-'" end
  for label in (name .. "."):gmatch("([^.]*)%.") do
    if not label:find("^[a-z0-9]") or not label:find("[a-z0-9]$") then
      return "must start and end with a letter or digit, also around each '.' (no '..')"
    end
  end
  if name:find("^%d+%.%d+%.%d+%.%d+$") then return "must not look like an IP address" end
  if name:find("^xn%-%-") then return "must not start with 'xn--'" end
  if name:find("%-s3alias$") or name:find("%-%-ol%-s3$") then return "must not end with '-s3alias' or '--ol-s3'" end
end

--- true when name is a valid S3 bucket name, else nil and an "invalid" error saying why.
local function check_name(name, what)
  local problem = name_problem(name)
  if not problem then return true end
  return nil, errors.invalid(string.format("%s: bucket name %s %s", what or "bucket",
    type(name) == "string" and string.format("%q", name) or "", problem), "name")
end

------------------------------------------------------------------------------------------------
-- client.buckets

local Buckets = {}

--- The account's buckets, optionally of one billing account: {billing_account_id = 6}.
function Buckets:list(opts)
  return resource.wrap_list(Bucket, self.client, self.client:call(E.list, opts))
end

--- One bucket by name.
function Buckets:get(name)
  return resource.wrap(Bucket, self.client, self.client:call(E.get, { name = name }))
end

--- Creates a bucket: {name=, billing_account_id= (default: the default account)}; the name is
-- checked against the S3 rules (3-63 of a-z 0-9 . -, ...) before anything is sent.
function Buckets:create(params)
  if type(params) ~= "table" then return nil, errors.invalid("bucket:create: expected a table of parameters") end
  local ok, err
  if params.name ~= nil then
    ok, err = check_name(params.name, "bucket:create")
    if not ok then return nil, err end
  end
  return resource.wrap(Bucket, self.client, self.client:call(E.create, params))
end

------------------------------------------------------------------------------------------------
-- Bucket objects

--- Fetches the bucket again and updates this object in place.
function Bucket:reload()
  return self:_apply(self:_call(E.get, { name = self.name }))
end

--- Moves the bucket to another billing account: {billing_account_id = 7}.  Returns the bucket.
function Bucket:update(opts)
  return self:_apply(self:_call(E.update, self:_params(opts)))
end

local NOT_EMPTY = "remove its objects through the S3 API first (client.s3:info() gives its address): "
  .. "this API cannot delete objects, so there is no force option"

--- Deletes the bucket, which must be empty.  Returns true.
function Bucket:delete(opts)
  if opts ~= nil and type(opts) ~= "table" then return nil, errors.invalid("bucket:delete: expected a table of options") end
  local k = next(opts or {})
  if k == "force" then
    return nil, errors.invalid("bucket:delete: force is not possible: " .. NOT_EMPTY, "force")
  elseif k ~= nil then
    return nil, errors.invalid("bucket:delete: unknown option '" .. tostring(k) .. "'", k)
  end
  local ok, err = resource.success(self:_call(E.delete, { name = self.name }))
  if ok then return true end
  local body = type(err.body) == "table" and err.body or {}
  if err.status == 409 or body.code == "BucketNotEmpty" then
    err.message = string.format("bucket %q is not empty: %s (the platform said: %s)", tostring(self.name),
      NOT_EMPTY, tostring(err.message))
    err.code = "BucketNotEmpty"
    err.not_empty = true
  end
  return nil, err
end

return {
  new = resource.collection(Buckets),
  model = Bucket,
  endpoints = E,
  check_name = check_name,
}
