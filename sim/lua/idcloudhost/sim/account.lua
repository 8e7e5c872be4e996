-- User and API tokens: /v1/user-resource/user, /v1/user-resource/user/profile,
-- /v1/user-resource/token[/list] (not location-specific).
--
-- Tokens made through the API are api keys at once (account.find_token, which
-- the server's auth asks besides the configured APIKEYS; those stand for
-- unrestricted tokens of user 8 and are not listed). A restricted token is
-- tied to one billing account: billing.lua enforces that, and it may not
-- manage tokens at all (403 consumer::resource_forbidden).
--
-- Choices where the docs are silent or odd (see also sim/README.md):
--   * POST /token answers every token of the user (as in the docs);
--     PATCH /token answers the token; DELETE /token answers {"success": true};
--   * PATCH /token: `restricted` with ANY value makes the token restricted and
--     leaving it out makes it unrestricted ("Providing any value will set this
--     to true"); billing_account_id defaults to 0; description left out stays;
--   * a restricted token needs a billing account the user has;
--   * unknown token_id: the docs' errors "Failed to update token." and
--     "Failed to delete kong token.".
local clock = require "idcloudhost.sim.clock"
local ids = require "idcloudhost.sim.ids"
local json = require "idcloudhost.sim.json"
local params = require "idcloudhost.sim.params"
local reply = require "idcloudhost.sim.reply"
local state = require "idcloudhost.sim.state"

local account = {}

local null = json.null

account.CONSUMER_ID = "9b68f9e5-34a5-41bb-8938-944c17e38723"

account.FORBIDDEN = {
  ["consumer::resource_forbidden"] = {
    msg = "Consumer not allowed to access resource.",
    subtype = "resource_forbidden",
    type = "consumer",
  },
}

--- 403 {"errors": {"consumer::resource_forbidden": {...}}}
function account.forbidden()
  return reply.errors(account.FORBIDDEN, 403)
end

--- The token a request came with when it is restricted to one billing account, else nil.
function account.restriction(req)
  local t = req.token
  if t and t.restricted then return t end
end

local function data()
  return state.data.account
end

state.on_reset(function()
  state.data.account = {
    profile = {
      avatar = "https://s.gravatar.com/avatar/bbb?s=480&r=pg&d=https%3A%2F%2Fcdn.auth0.com%2Favatars%2Fsv.png",
      created_at = "2018-10-25 11:02:59",
      email = state.user.email,
      first_name = "Cloudia",
      id = 22,
      last_name = "Iaas",
      personal_id_number = "123456",
      phone_number = "+111111111",
      updated_at = "2021-05-18 11:07:00",
      user_id = state.user.id,
    },
    tokens = {}, -- id -> token
  }
end)

---------------------------------------------------------------------------
-- User
---------------------------------------------------------------------------

local PROFILE_FIELDS = { "first_name", "last_name", "phone_number", "personal_id_number" }

function account.get_user()
  return reply.ok({
    cookie_id = "61b0378574974ae88dbfec0feb9917bc",
    id = state.user.id,
    last_activity = clock.timestamp(),
    name = state.user.email,
    profile = null,
    profile_data = data().profile,
    state = {},
  })
end

function account.modify_profile(req)
  local r = params.reader(req.params)
  local values = {}
  for _, k in ipairs(PROFILE_FIELDS) do values[k] = r:str(k) end
  if r:failed() then return reply.errors(r.errors) end
  local profile = data().profile
  local changed = false
  for k, v in pairs(values) do
    if profile[k] ~= v then profile[k], changed = v, true end
  end
  if changed then profile.updated_at = clock.timestamp() end
  return reply.ok(profile)
end

---------------------------------------------------------------------------
-- Tokens
---------------------------------------------------------------------------

local ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

-- 32 random letters and digits, like the docs' tokens.
local function secret()
  local hex = (ids.uuid4() .. ids.uuid4()):gsub("%-", "")
  local out = {}
  for i = 1, 64, 2 do
    local n = tonumber(hex:sub(i, i + 1), 16) % #ALPHABET + 1
    out[#out + 1] = ALPHABET:sub(n, n)
  end
  return table.concat(out)
end

local function sorted_tokens()
  return state.by_id(data().tokens)
end

--- The token whose secret is key, or nil (the server's auth).
function account.find_token(key)
  if not state.data.account then return nil end
  for _, t in pairs(data().tokens) do
    if t.token == key then return t end
  end
end

-- Reads restricted and billing_account_id; returns them or nil, reply.
-- any_value_restricts: PATCH semantics (presence of `restricted` means true).
local function read_scope(r, any_value_restricts)
  local restricted
  if any_value_restricts then
    restricted = r:present("restricted")
  else
    restricted = r:bool("restricted", false)
  end
  local ba_id = r:int("billing_account_id", false, 0)
  if r:failed() then return nil, nil, reply.errors(r.errors) end
  if restricted and ba_id == 0 then
    return nil, nil, reply.errors({ billing_account_id = "A restricted token needs a billing account" })
  end
  if ba_id ~= 0 then
    local ba = state.billing_account(ba_id)
    if not ba or ba.is_deleted then return nil, nil, reply.error("Provided billing account is incorrect.") end
  end
  return restricted, ba_id
end

function account.list_tokens(req)
  if account.restriction(req) then return account.forbidden() end
  return reply.ok(sorted_tokens())
end

function account.create_token(req)
  if account.restriction(req) then return account.forbidden() end
  local r = params.reader(req.params)
  local description = r:str("description", false, "")
  local restricted, ba_id, err = read_scope(r, false)
  if err then return err end
  local t = {
    billing_account_id = ba_id,
    consumer_id = account.CONSUMER_ID,
    created_at = clock.timestamp(),
    description = description,
    id = state.next_id("token"),
    kong_id = ids.uuid4(),
    restricted = restricted,
    token = secret(),
    updated_at = null,
    user_id = state.user.id,
  }
  data().tokens[t.id] = t
  return reply.ok(sorted_tokens())
end

function account.update_token(req)
  if account.restriction(req) then return account.forbidden() end
  local r = params.reader(req.params)
  local id = r:int("token_id", true)
  if r:failed() then return reply.errors(r.errors) end
  -- An unknown token is the first thing the platform reports (the docs' own example).
  local t = data().tokens[id]
  if not t then return reply.error("Failed to update token.") end
  local description = r:str("description")
  local restricted, ba_id, err = read_scope(r, true)
  if err then return err end
  t.restricted = restricted
  t.billing_account_id = ba_id
  if description ~= nil then t.description = description end
  t.updated_at = clock.timestamp()
  return reply.ok(t)
end

function account.delete_token(req)
  if account.restriction(req) then return account.forbidden() end
  local r = params.reader(req.params)
  local id = r:int("token_id", true)
  if r:failed() then return reply.errors(r.errors) end
  if not data().tokens[id] then return reply.error("Failed to delete kong token.") end
  data().tokens[id] = nil
  return reply.success()
end

function account.register(router)
  router.add("GET", "/v1/user-resource/user", account.get_user)
  router.add("PATCH", "/v1/user-resource/user/profile", account.modify_profile)
  router.add("GET", "/v1/user-resource/token/list", account.list_tokens)
  router.add("POST", "/v1/user-resource/token", account.create_token)
  router.add("PATCH", "/v1/user-resource/token", account.update_token)
  router.add("DELETE", "/v1/user-resource/token", account.delete_token)
end

return account
