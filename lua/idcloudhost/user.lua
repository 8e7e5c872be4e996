-- The account's user: client.user.
local errors = require "idcloudhost.errors"
local pipeline = require "idcloudhost.pipeline"
local resource = require "idcloudhost.resource"

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

local Users = {}

--- The user the api key belongs to: id, name (the e-mail), profile_data, ...
function Users:get()
  return resource.wrap(User, self.client, pipeline.call(self.client, E.get))
end

--- Changes the profile: first_name, last_name, phone_number, personal_id_number.
-- Returns the new profile (the user's profile_data).
function Users:update(params)
  if type(params) ~= "table" or next(params) == nil then
    return nil, errors.invalid("user:update: give at least one of first_name, last_name, phone_number, personal_id_number")
  end
  return pipeline.call(self.client, E.update, params)
end

return {
  new = resource.collection(Users),
  model = User,
  endpoints = E,
}
