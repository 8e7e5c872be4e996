--- API tokens: client.tokens and token objects.  A token's secret is its `token` field: it is
-- never part of tostring(token), and hook records and the debug log mask it.
-- docs/endpoints.md maps its endpoints to these methods.
-- @module idcloudhost.families.tokens
local lazy = require "idcloudhost.lazy"
local check = lazy "idcloudhost.call.check"
local errors = lazy "idcloudhost.call.errors"
local resource = require "idcloudhost.families.kit.resource"

local OPTIONS = { description = "string", restricted = "boolean", billing_account_id = "integer" }

-- create and update answer every token of the user (a token alone on some deployments).
local E = resource.endpoints("token", {
  list   = { "GET",    "user-resource/token/list", answer = "list:id" },
  create = { "POST",   "user-resource/token", form = OPTIONS, answer = "list:id|object:id" },
  update = { "PATCH",  "user-resource/token", answer = "list:id|object:id|success", form = {
    token_id = "integer!", description = "string", restricted = "boolean", billing_account_id = "integer",
  } },
  delete = { "DELETE", "user-resource/token", form = { token_id = "integer!" }, answer = "success" },
})

local function summary(t)
  local scope = t.restricted and ("restricted to billing account " .. tostring(t.billing_account_id)) or "unrestricted"
  return string.format("%s %q %s", tostring(t.id), tostring(t.description or ""), scope)
end

local Token = resource.model { name = "token", key = "id", param = "token_id", summary = summary }

-- A restricted token needs the billing account it is restricted to.
local function check_scope(what, restricted, billing_account_id)
  if restricted and (billing_account_id == nil or billing_account_id == 0) then
    return nil, errors.invalid(what .. ": a restricted token needs billing_account_id", "billing_account_id")
  end
  return true
end

-- ---------------------------------------------------------------------------------------------
-- client.tokens

--- client.tokens: API tokens.  A token works as an api key at once.
-- @type client.tokens

local Tokens = {}

--- A token object holding only its id, made without a request (by the kit:
-- resource.referrer): a call on it (`client.tokens:ref(id):...`) is one request, and obj:reload()
-- fetches the rest.
-- @function client.tokens:ref
-- @tparam integer id the token's id
-- @treturn token the object
-- @errors invalid (a malformed id)
Tokens.ref = resource.referrer(Token)

--- Creates a token: description, restricted (to billing_account_id).  Returns the new token.
-- @function client.tokens:create
-- @tparam[opt] table params
-- @tparam[opt] string params.description
-- @tparam[opt] boolean params.restricted restrict it to billing_account_id
-- @tparam[opt] integer params.billing_account_id the account a restricted token sees
-- @treturn token the new token (its secret in token.token)
-- @errors invalid, api, network, timeout (err.uncertain), decode
function Tokens:create(params)
  local p, err = check.params("token:create", OPTIONS, params)
  if not p then return nil, err end
  local ok
  ok, err = check_scope("token:create", p.restricted, p.billing_account_id)
  if not ok then return nil, err end
  local data
  data, err = self:_call(E.create, params)
  if data == nil then return nil, err end
  -- A list of every token of the user: the new one has the highest id.
  if data.id == nil then data = resource.newest(data) end
  if data == nil then
    return nil, errors.decode("token:create: the answer holds no token: the token may exist, check tokens:list()",
      { uncertain = true })
  end
  return resource.wrap(Token, self.client, data)
end

-- ---------------------------------------------------------------------------------------------
-- Token objects

--- The user's tokens.
-- Made by `resource.lister` (families/kit/resource.lua) from this family's list endpoint.
-- @function client.tokens:list
-- @treturn {token,...} the tokens, secrets included
-- @errors invalid, api, network, timeout, decode
Tokens.list = resource.lister(Token, E.list)

--- An API token.  `tostring(t)` is `token 3 "ci runner" restricted to billing account 7`,
-- never the secret.
-- @type token

--- A token's fields, as the platform sends them (GET user-resource/token/list).
-- @table fields
-- @tfield integer id the token's id
-- @tfield string token the secret: use it as an api key (never in tostring, logs or hook records)
-- @tfield string description
-- @tfield boolean restricted restricted to billing_account_id
-- @tfield integer billing_account_id the account a restricted token sees (0 when unrestricted)
-- @tfield string consumer_id
-- @tfield string kong_id
-- @tfield integer user_id the owner's user id
-- @tfield string created_at "2018-02-21 14:00:07"
-- @tfield string updated_at

--- Not available: the platform has no call that fetches one (tokens are listed with client.tokens:list()).
-- It returns an `invalid` error, as every object's reload does when its model has none.
-- Made by the kit: `Base:reload` in families/kit/resource.lua (the model's `get` endpoint).
-- @function token:reload

--- Changes description, restricted and/or billing_account_id; the rest stays as it is.
-- (On the platform, sending `restricted` with any value, even false, makes the token restricted,
-- and leaving it out makes it unrestricted: this method sends what keeps the token as asked.)
-- @function token:update
-- @tparam table params
-- @tparam[opt] string params.description
-- @tparam[opt] boolean params.restricted
-- @tparam[opt] integer params.billing_account_id
-- @treturn token the token, updated in place
-- @errors invalid, api, network, timeout, decode
function Token:update(params)
  local p, err = check.params("token:update", OPTIONS, params)
  if not p then return nil, err end
  if next(p) == nil then
    return nil, errors.invalid("token:update: give at least one of description, restricted, billing_account_id")
  end
  local restricted = p.restricted
  if restricted == nil then restricted = self.restricted == true end
  local ba = p.billing_account_id
  if ba == nil and restricted then ba = self.billing_account_id end
  local ok
  ok, err = check_scope("token:update", restricted, ba)
  if not ok then return nil, err end
  local send = { description = p.description or self.description }
  if restricted then send.restricted = true end
  if ba ~= nil and ba ~= 0 then send.billing_account_id = ba end
  local data
  data, err = self:_call(E.update, nil, send)
  if data == nil then return nil, err end
  if type(data) == "table" and data.id == nil then -- a list of every token: find this one
    local mine
    for _, t in ipairs(data) do
      if t.id == self.id then mine = t break end
    end
    data = mine or true
  end
  if data == true then -- not in the answer: keep the object true to what was asked
    self.description, self.restricted = send.description, restricted
    self.billing_account_id = send.billing_account_id or 0
    return self
  end
  return self:_apply(data)
end

--- Deletes the token (it stops working at once).  Returns true.
-- @function token:delete
-- @treturn boolean true
-- @errors invalid, api, network, timeout, decode
function Token:delete(opts)
  return resource.success(self:_call(E.delete, opts))
end

return {
  new = resource.collection(Tokens),
  model = Token,
  endpoints = E,
}
