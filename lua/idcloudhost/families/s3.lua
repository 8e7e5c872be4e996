--- Object storage access: client.s3, the S3 API's address and its credentials.  Objects
-- themselves live behind the S3 API, not this one; buckets are client.buckets.
-- docs/endpoints.md maps its endpoints to these methods.
-- @module idcloudhost.families.s3
local lazy = require "idcloudhost.lazy"
local check = lazy "idcloudhost.call.check"
local resource = require "idcloudhost.families.kit.resource"

local E = resource.endpoints("s3", {
  info       = { "GET",    "storage/api/s3", answer = "object:url" },
  user       = { "GET",    "storage/user", answer = "object" },
  keys       = { "GET",    "storage/user/keys", answer = "list:accessKey" },
  create_key = { "POST",   "storage/user/keys", answer = "list:accessKey" },
  delete_key = { "DELETE", "storage/user/keys", form = { access_key = "string!" }, answer = "success" },
})

--- client.s3: the S3 API's address and credentials.  Not location-specific.
-- @type client.s3

local S3 = {}

--- The S3 API's address: {url = "https://s3.idcloudhost.com:8080/"}.
-- @function client.s3:info
-- @treturn table `{url = "https://..."}`
-- @errors invalid, api, network, timeout, decode
function S3:info()
  return self:_call(E.info)
end

--- The S3 user with its credentials (s3Credentials); the platform makes the user and a first
-- key on the first call.
-- @function client.s3:user
-- @treturn table the S3 user: `{id, name, s3Credentials = {{accessKey, secretKey, userId}, ...}, ...}`
-- @errors invalid, api, network, timeout, decode
function S3:user()
  return self:_call(E.user)
end

--- The S3 keys: a list of {accessKey=, secretKey=, userId=}.
-- @function client.s3:keys
-- @treturn {table,...} the keys
-- @errors invalid, api, network, timeout, decode
function S3:keys()
  return self:_call(E.keys)
end

--- Makes a new key pair.  Returns the list of all keys, the new one among them.
-- @function client.s3:create_key
-- @treturn {table,...} every key, the new one among them
-- @errors invalid, api, network, timeout (err.uncertain), decode
function S3:create_key()
  return self:_call(E.create_key)
end

--- Deletes a key by its access key (or a key table from keys()).  Returns true.
-- @function client.s3:delete_key
-- @tparam string|table access_key the access key, or a key table from keys()
-- @treturn boolean true
-- @errors invalid, api, network, timeout, decode
function S3:delete_key(access_key)
  if type(access_key) == "table" then
    local err
    access_key, err = check.field("s3:delete_key", "access_key", access_key, "accessKey")
    if err then return nil, err end
  end
  return resource.success(self:_call(E.delete_key, { access_key = access_key }))
end

return {
  new = resource.collection(S3),
  endpoints = E,
}
