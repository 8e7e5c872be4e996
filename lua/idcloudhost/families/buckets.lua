--- Object storage buckets: client.buckets and Bucket objects.  Buckets are not location-specific,
-- and their names are unique across all users (and follow the S3 naming rules, checked before
-- anything is sent).
-- docs/endpoints.md maps its endpoints to these methods.
-- @module idcloudhost.families.buckets
local lazy = require "idcloudhost.lazy"
local errors = lazy "idcloudhost.call.errors"
local resource = require "idcloudhost.families.kit.resource"

-- Names are checked against the S3 rules when a bucket is made; a bucket made elsewhere under
-- older rules must stay reachable, so the other calls take any name.
local N = { name = "string!" }
local BUCKET = "object:name"

local E = resource.endpoints("bucket", {
  list   = { "GET",    "storage/bucket/list", query = { billing_account_id = "integer" }, answer = "list:name" },
  get    = { "GET",    "storage/bucket", query = N, answer = BUCKET },
  create = { "PUT",    "storage/bucket", billed = true, form = { name = "bucket!", billing_account_id = "integer" },
    answer = BUCKET },
  update = { "PATCH",  "storage/bucket", form = { name = "string!", billing_account_id = "integer!" }, answer = BUCKET },
  -- The docs list name as a query parameter (their curl example sends it as a form).  204.
  delete = { "DELETE", "storage/bucket", query = N, answer = "success" },
})

local function summary(b)
  return string.format("%s (%s objects, %s bytes, billing account %s)", tostring(b.name),
    tostring(b.num_objects), tostring(b.size_bytes), tostring(b.billing_account_id))
end

local Bucket = resource.model { name = "bucket", key = "name", get = E.get, summary = summary }

-- ---------------------------------------------------------------------------------------------
-- client.buckets

--- client.buckets: object storage buckets.  Not location-specific; names are unique across
-- all users and follow the S3 rules (3 to 63 characters of a-z 0-9 . -), checked before sending.
-- @type client.buckets

local Buckets = {}

--- A bucket object holding only its name, made without a request (by the kit:
-- resource.referrer): a call on it (`client.buckets:ref(name):...`) is one request, and obj:reload()
-- fetches the rest.
-- @function client.buckets:ref
-- @tparam string name the bucket's name
-- @treturn bucket the object
-- @errors invalid (a malformed name)
Buckets.ref = resource.referrer(Bucket)

--- Creates a bucket: {name=, billing_account_id= (default: the default account)}.
-- @function client.buckets:create
-- @tparam table params
-- @tparam string params.name the bucket's name (S3 rules)
-- @tparam[opt] integer params.billing_account_id default: the account's default billing account
-- @treturn bucket the new bucket
-- @errors invalid, api (409: the name is taken), network, timeout (err.uncertain), decode
function Buckets:create(params)
  return resource.wrap(Bucket, self.client, self:_call(E.create, params))
end

-- ---------------------------------------------------------------------------------------------
-- Bucket objects

--- The buckets of the user.
-- Made by `resource.lister` (families/kit/resource.lua) from this family's list endpoint.
-- @function client.buckets:list
-- @tparam[opt] table opts
-- @tparam[opt] integer opts.billing_account_id only those billed to this account
-- @treturn {bucket,...} the buckets
-- @errors invalid, api, network, timeout, decode
Buckets.list = resource.lister(Bucket, E.list)

--- One bucket by name.
-- Made by `resource.getter` (families/kit/resource.lua) from this family's get endpoint.
-- @function client.buckets:get
-- @tparam string name the bucket's name
-- @treturn bucket the bucket
-- @errors invalid, api (not_found), network, timeout, decode
Buckets.get = resource.getter(Bucket, E.get)

--- An object storage bucket; its name is its key.  `tostring(b)` is
-- `bucket logs (0 objects, 0 bytes, billing account 6)`.
-- @type bucket

--- A bucket's fields, as the platform sends them (GET storage/bucket).
-- @table fields
-- @tfield string name the bucket's name, the key of every call
-- @tfield integer billing_account_id the billing account it is billed to
-- @tfield integer num_objects how many objects it holds
-- @tfield integer size_bytes their size
-- @tfield[opt] boolean is_suspended (elastis edition)
-- @tfield string created_at "2021-01-22T12:57:13.808+0000"
-- @tfield string modified_at

--- Fetches the bucket again and updates this object in place.
-- Made by the kit: `Base:reload` in families/kit/resource.lua (the model's `get` endpoint).
-- @function bucket:reload
-- @treturn bucket the bucket
-- @errors invalid, api (not_found), network, timeout, decode

--- Moves the bucket to another billing account: {billing_account_id = 7}.  Returns the bucket.
-- @function bucket:update
-- @tparam table opts
-- @tparam integer opts.billing_account_id the new billing account
-- @treturn bucket the bucket, updated in place
-- @errors invalid, api, network, timeout, decode
function Bucket:update(opts)
  return self:_apply(self:_call(E.update, opts))
end

local NOT_EMPTY = "remove its objects through the S3 API first (client.s3:info() gives its address): "
  .. "this API cannot delete objects, so there is no force option"

--- Deletes the bucket, which must be empty.  Returns true.
-- @function bucket:delete
-- @treturn boolean true
-- @errors invalid (force is refused), api (409 with err.not_empty: it holds objects), network, timeout, decode
function Bucket:delete(opts)
  if opts ~= nil and type(opts) ~= "table" then return nil, errors.invalid("bucket:delete: expected a table of options") end
  local k = next(opts or {})
  if k == "force" then
    return nil, errors.invalid("bucket:delete: force is not possible: " .. NOT_EMPTY, "force")
  elseif k ~= nil then
    return nil, errors.invalid("bucket:delete: unknown option '" .. tostring(k) .. "'", k)
  end
  local ok, err = resource.success(self:_call(E.delete))
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
}
