-- Object storage (not location-specific): the S3 API's address, the S3 user and its keys
-- (/v1/storage/api/s3, /v1/storage/user...) and buckets (/v1/storage/bucket...).
--
-- State: state.data.s3 = {user, keys = {accessKey = key}, buckets = {name = record}}.
-- Bucket names are unique across all users of the platform: a bucket may belong to someone
-- else (owner ~= user 8), it is then invisible but its name is taken.
--
-- Rules and choices where the docs are silent (see also sim/README.md):
--   * GET /storage/user creates the S3 user on first use, and a key whenever it has none;
--     POST /storage/user/keys creates the user too (with just the new key);
--   * keys and buckets are listed sorted (keys by accessKey, buckets by name), as in the docs;
--   * bucket names follow the S3 rules (3-63 characters of a-z 0-9 . -, labels between dots
--     start and end with a letter or digit, not an IP address, no xn-- prefix, no -s3alias
--     or --ol-s3 suffix); a bad name is 400;
--   * a taken name is 409, unknown bucket or key 404, a non-empty bucket cannot be deleted:
--     409 {"code": "BucketNotEmpty", "message": "The bucket you tried to delete is not empty"};
--   * errors of this service come as {"message": ...};
--   * delete key answers 200 with an empty body, delete bucket 204;
--   * is_suspended shows in both editions (the old idcloudhost seed lacked it; the 2025-12 text has it).
-- Test controls: PUT /__sim/buckets {name, objects, size_bytes, foreign}, GET /__sim/buckets.
local billing = require "idcloudhost.sim.billing"
local clock = require "idcloudhost.sim.clock"
local control = require "idcloudhost.sim.control"
local ids = require "idcloudhost.sim.ids"
local json = require "idcloudhost.sim.json"
local params = require "idcloudhost.sim.params"
local reply = require "idcloudhost.sim.reply"
local state = require "idcloudhost.sim.state"

local bucket = {}

local A = json.array

bucket.S3_URL = "https://s3.idcloudhost.com:8080/"
bucket.OTHER_USER = 9999

local function s3()
  return state.data.s3
end

state.on_reset(function()
  state.data.s3 = { user = nil, keys = {}, buckets = {} }
end)

-- "2021-01-22T12:57:13.808+0000"
function bucket.now()
  local ms = math.floor((clock.now() % 1) * 1000)
  return os.date("!%Y-%m-%dT%H:%M:%S") .. string.format(".%03d+0000", ms)
end

local message = reply.messagef

---------------------------------------------------------------------------
-- S3 user and keys
---------------------------------------------------------------------------

local UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
local MIXED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

local function random_string(n, alphabet)
  local hex = (ids.uuid4() .. ids.uuid4() .. ids.uuid4() .. ids.uuid4()):gsub("%-", "")
  local out = {}
  for i = 1, n do
    local k = tonumber(hex:sub(2 * i - 1, 2 * i), 16) % #alphabet + 1
    out[i] = alphabet:sub(k, k)
  end
  return table.concat(out)
end

local function new_key()
  local keys = s3().keys
  local access
  repeat access = random_string(20, UPPER) until not keys[access]
  keys[access] = { accessKey = access, secretKey = random_string(40, MIXED), userId = state.user.email }
  return keys[access]
end

local function key_list()
  local out = A()
  for _, k in pairs(s3().keys) do out[#out + 1] = k end
  table.sort(out, function(a, b) return a.accessKey < b.accessKey end)
  return out
end

local function ensure_user()
  if not s3().user then s3().user = { created_at = bucket.now() } end
end

function bucket.s3_info()
  return reply.ok({ url = bucket.S3_URL })
end

function bucket.user(_)
  ensure_user()
  if next(s3().keys) == nil then new_key() end
  local email = state.user.email
  return reply.ok({
    caps = A(),
    displayName = email,
    email = "",
    maxBuckets = 1000,
    s3Credentials = key_list(),
    subusers = A(),
    suspended = 0,
    swiftCredentials = A(),
    userId = email,
  })
end

function bucket.keys(_)
  return reply.ok(key_list())
end

function bucket.create_key(_)
  ensure_user()
  new_key()
  return reply.ok(key_list())
end

function bucket.delete_key(req)
  local r = params.reader(req.params)
  local access = r:str("access_key", true)
  if r:failed() then return message(400, "access_key: %s", r.errors.access_key) end
  if not s3().keys[access] then return message(404, "Key %s not found", access) end
  s3().keys[access] = nil
  return reply.empty(200)
end

---------------------------------------------------------------------------
-- Buckets
---------------------------------------------------------------------------

-- nil when name follows the S3 naming rules, else the reason.
function bucket.name_problem(name)
  if #name < 3 or #name > 63 then return "must be 3 to 63 characters long" end
  if name:find("[^a-z0-9.-]") then return "may hold only lowercase letters, digits, '.' and '-'" end
  for label in (name .. "."):gmatch("([^.]*)%.") do
    if not label:find("^[a-z0-9]") or not label:find("[a-z0-9]$") then
      return "must start and end with a letter or digit, also around each '.' (no '..')"
    end
  end
  if name:find("^%d+%.%d+%.%d+%.%d+$") then return "must not look like an IP address" end
  if name:find("^xn%-%-") then return "must not start with 'xn--'" end
  if name:find("%-s3alias$") or name:find("%-%-ol%-s3$") then
    return "must not end with '-s3alias' or '--ol-s3'"
  end
end

function bucket.view(rec)
  local v = {
    billing_account_id = rec.billing_account_id,
    created_at = rec.created_at,
    modified_at = rec.modified_at,
    name = rec.name,
    num_objects = rec.num_objects,
    size_bytes = rec.size_bytes,
  }
  v.is_suspended = rec.is_suspended
  return v
end

local function new_bucket(name, billing_account_id, owner)
  local now = bucket.now()
  local rec = { name = name, billing_account_id = billing_account_id, num_objects = 0, size_bytes = 0,
    created_at = now, modified_at = now, is_suspended = false, owner = owner or state.user.id }
  s3().buckets[name] = rec
  return rec
end

-- The user's bucket named by the parameter "name": record, or nil and a reply.
local function lookup(r)
  local name = r:str("name", true)
  if r.errors.name then return nil, message(400, "name: %s", r.errors.name) end
  local rec = s3().buckets[name]
  if not rec or rec.owner ~= state.user.id then return nil, message(404, "Bucket %s not found", name) end
  return rec
end

-- billing_account_id: the account (billing.account_for), or nil and a reply.
local function billing_account(req, r, required)
  local id = r:int("billing_account_id", required)
  if r.errors.billing_account_id then
    return nil, message(400, "billing_account_id: %s", r.errors.billing_account_id)
  end
  return billing.account_for(req, id, "message")
end

function bucket.create(req)
  local r = params.reader(req.params)
  local name = r:str("name", true)
  if r.errors.name then return message(400, "name: %s", r.errors.name) end
  local problem = bucket.name_problem(name)
  if problem then return message(400, "Invalid bucket name '%s': %s", name, problem) end
  local ba, err = billing_account(req, r, false)
  if not ba then return err end
  if s3().buckets[name] then
    return message(409, "Bucket name '%s' is already taken: names are unique across all users", name)
  end
  return reply.ok(bucket.view(new_bucket(name, ba.id)))
end

function bucket.get(req)
  local rec, err = lookup(params.reader(req.params))
  if not rec then return err end
  return reply.ok(bucket.view(rec))
end

function bucket.list(req)
  local r = params.reader(req.params)
  local filter = r:int("billing_account_id")
  if r.errors.billing_account_id then
    return message(400, "billing_account_id: %s", r.errors.billing_account_id)
  end
  local out = A()
  for _, rec in pairs(s3().buckets) do
    if rec.owner == state.user.id and (filter == nil or rec.billing_account_id == filter) then
      out[#out + 1] = rec
    end
  end
  table.sort(out, function(a, b) return a.name < b.name end)
  for i, rec in ipairs(out) do out[i] = bucket.view(rec) end
  return reply.ok(out)
end

function bucket.modify(req)
  local r = params.reader(req.params)
  local rec, err = lookup(r)
  if not rec then return err end
  local ba, berr = billing_account(req, r, true)
  if not ba then return berr end
  rec.billing_account_id = ba.id
  rec.modified_at = bucket.now()
  return reply.ok(bucket.view(rec))
end

function bucket.delete(req)
  local rec, err = lookup(params.reader(req.params))
  if not rec then return err end
  if rec.num_objects > 0 then
    return reply.json(409, { code = "BucketNotEmpty", message = "The bucket you tried to delete is not empty" })
  end
  s3().buckets[rec.name] = nil
  return reply.empty(204)
end

---------------------------------------------------------------------------
-- Test controls
---------------------------------------------------------------------------

local bad = control.bad

local function control_view(rec)
  local v = bucket.view(rec)
  v.owner = rec.owner
  return v
end

-- PUT /__sim/buckets {"name": "logs", "objects": 3, "size_bytes": 1024, "foreign": false}
-- Sets what a bucket holds (objects live behind the S3 API, which the simulator does not
-- serve); creates the bucket when it does not exist, owned by another user with foreign.
local function put_control(body)
  local t = body ~= "" and json.decode(body) or {}
  if type(t) ~= "table" or type(t.name) ~= "string" then return bad("body must be {\"name\": ..., \"objects\": N}") end
  for _, k in ipairs { "objects", "size_bytes" } do
    local n = t[k] ~= nil and params.to_int(t[k])
    if n == nil or (n and n < 0) then return bad(k .. " must be a whole number >= 0") end
  end
  local rec = s3().buckets[t.name]
  if not rec then
    local ba = state.default_billing_account()
    rec = new_bucket(t.name, ba and ba.id, t.foreign and bucket.OTHER_USER or nil)
  end
  if t.objects ~= nil then
    rec.num_objects = params.to_int(t.objects)
    if t.size_bytes == nil then rec.size_bytes = rec.num_objects * 1024 end
  end
  if t.size_bytes ~= nil then rec.size_bytes = params.to_int(t.size_bytes) end
  rec.modified_at = bucket.now()
  return reply.ok(control_view(rec))
end

local function get_control()
  local out = A()
  for _, rec in pairs(s3().buckets) do out[#out + 1] = control_view(rec) end
  table.sort(out, function(a, b) return a.name < b.name end)
  return reply.ok(out)
end

function bucket.register(router)
  router.add("GET", "/v1/storage/api/s3", bucket.s3_info)
  router.add("GET", "/v1/storage/user", bucket.user)
  router.add("GET", "/v1/storage/user/keys", bucket.keys)
  router.add("POST", "/v1/storage/user/keys", bucket.create_key)
  router.add("DELETE", "/v1/storage/user/keys", bucket.delete_key)
  router.add("PUT", "/v1/storage/bucket", bucket.create)
  router.add("GET", "/v1/storage/bucket", bucket.get)
  router.add("PATCH", "/v1/storage/bucket", bucket.modify)
  router.add("DELETE", "/v1/storage/bucket", bucket.delete)
  router.add("GET", "/v1/storage/bucket/list", bucket.list)
  control.add("PUT", "/__sim/buckets", put_control)
  control.add("GET", "/__sim/buckets", get_control)
end

return bucket
