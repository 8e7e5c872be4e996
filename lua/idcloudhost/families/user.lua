--- The account's user: client.user.
-- docs/endpoints.md maps its endpoints to these methods.
-- @module idcloudhost.families.user
local lazy = require "idcloudhost.lazy"
local errors = lazy "idcloudhost.call.errors"
local resource = require "idcloudhost.families.kit.resource"

local E = resource.endpoints("user", {
  get    = { "GET",   "user-resource/user", answer = "object:id" },
  update = { "PATCH", "user-resource/user/profile", answer = "object", form = {
    first_name = "string", last_name = "string", phone_number = "string", personal_id_number = "string",
  } },
})

local function summary(u)
  local p = type(u.profile_data) == "table" and u.profile_data or {}
  local full = table.concat({ p.first_name or "", p.last_name or "" }, " "):gsub("^%s+", ""):gsub("%s+$", "")
  return string.format("%s %s%s", tostring(u.id), tostring(u.name), full ~= "" and (" (" .. full .. ")") or "")
end

local User = resource.model { name = "user", key = "id", summary = summary }

--- The user.  `tostring(user)` is `user 8 user@example.com (Cloudia Iaas)`.
-- @type user

--- A user's fields, as the platform sends them (GET user-resource/user).
-- @table fields
-- @tfield integer id the user's id
-- @tfield string name the e-mail address
-- @tfield table profile_data `{first_name, last_name, email, phone_number, personal_id_number,
-- avatar, id, user_id, created_at, updated_at}`
-- @tfield string last_activity "2018-02-22 14:18:47"
-- @tfield string cookie_id
-- @tfield[opt] table profile null in the docs
-- @tfield table state

--- Not available: the platform has no call that fetches one (the user is fetched with client.user:get()).
-- It returns an `invalid` error, as every object's reload does when its model has none.
-- Made by the kit: `Base:reload` in families/kit/resource.lua (the model's `get` endpoint).
-- @function user:reload

--- client.user: the user the api key belongs to.
-- @type client.user

local Users = {}

--- The user the api key belongs to: id, name (the e-mail), profile_data, ...
-- @function client.user:get
-- @treturn user the user
-- @errors invalid, api, network, timeout, decode
function Users:get()
  return resource.wrap(User, self.client, self:_call(E.get))
end

--- Changes the profile: first_name, last_name, phone_number, personal_id_number.
-- Returns the new profile (the user's profile_data).
-- @function client.user:update
-- @tparam table params at least one of:
-- @tparam[opt] string params.first_name
-- @tparam[opt] string params.last_name
-- @tparam[opt] string params.phone_number
-- @tparam[opt] string params.personal_id_number
-- @treturn table the new profile (as user.profile_data)
-- @errors invalid, api, network, timeout, decode
function Users:update(params)
  if type(params) ~= "table" or next(params) == nil then
    return nil, errors.invalid("user:update: give at least one of first_name, last_name, phone_number, personal_id_number")
  end
  return self:_call(E.update, params)
end

return {
  new = resource.collection(Users),
  model = User,
  endpoints = E,
}
