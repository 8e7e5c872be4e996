-- What one call is: an endpoint declared once (by a family, families/kit/resource.lua re-exports
-- this as resource.endpoints, or by the request layer itself: call/billing.lua) and read by the
-- pipeline: its method, its path after /v1/ ({name} parts come from parameters), whether it
-- lives in a location (loc), where each parameter travels (path, query, form or json), whether an
-- omitted billing_account_id means the account's default one (billed), and what it answers:
-- "object[:key]", "list[:key]" (of objects with that key), "success" ({"success": true}, true or
-- an empty body), "any", or alternatives joined by "|"; secret = true: the answer is never shown
-- (hooks, the debug log); deprecated = true: the newest docs drop it.  docs/endpoints.md lists all
-- of them.
local secrets = require "idcloudhost.call.secrets"

local endpoint = {}

local PLACES = { "path", "query", "form", "json" }

local function answer_of(name, text)
  assert(type(text) == "string", name .. ": every endpoint declares its answer")
  local a, words = {}, {}
  for part in text:gmatch("[^|]+") do
    local kind, key = part:match("^(%a+):?([%w_]*)$")
    if kind == "object" or kind == "list" then
      a[kind] = key ~= "" and key or true
      words[#words + 1] = (kind == "object" and "an object" or "a list of objects") .. (key ~= "" and (" with " .. key) or "")
    elseif kind == "success" or kind == "any" then
      a[kind] = true
      words[#words + 1] = kind == "success" and '{"success": true}' or "any value"
    else
      error(name .. ": unknown answer '" .. part .. "'")
    end
  end
  a.text = table.concat(words, " or ")
  return a
end

--- Builds one endpoint description from its declaration.
function endpoint.new(name, decl)
  local ep = { name = name, method = decl[1], path = decl[2], loc = decl.loc or false,
    billed = decl.billed or false, specs = {}, where = {}, answer = answer_of(name, decl.answer) }
  -- secret: the answer holds secrets (a service's passwords): hooks and the debug log never
  -- show its body (call/observe.lua), and the family keeps it out of errors.
  ep.answer.secret = decl.secret or nil
  -- deprecated: the newest docs drop it (docs/endpoints.md says so); still sent when called.
  ep.deprecated = decl.deprecated or nil
  for _, place in ipairs(PLACES) do
    for k, spec in pairs(decl[place] or {}) do
      assert(not ep.specs[k], name .. ": parameter declared twice: " .. k)
      ep.specs[k], ep.where[k] = spec, place
    end
    if (place == "form" or place == "json") and decl[place] then ep.body = place end
  end
  for part in ep.path:gmatch("{([%w_]+)}") do
    assert(ep.where[part] == "path", name .. ": {" .. part .. "} needs a path parameter")
  end
  -- Worked out once for the pipeline: a path without parameters, where the parameters left after
  -- the path's travel when they all go one way ("query" or "body"), those that may hold a secret.
  ep.templated = ep.path:find("{", 1, true) ~= nil
  ep.write = ep.method ~= "GET" and ep.method ~= "HEAD" -- (changes something: never replayed unless unsent)
  -- A list parameter ("pubkeys") travels as its field repeated: only the Lua form encoder does
  -- that, so only these endpoints pay for it (every other form goes through the C core's).
  for _, spec in pairs(ep.specs) do
    if spec:match("^pubkeys") then ep.repeats = true end
  end
  ep.v1_path = "/v1/" .. ep.path
  local places, secret = {}, {}
  for k, place in pairs(ep.where) do
    if place ~= "path" then
      places[place == "query" and "query" or "body"] = true
      if secrets.is_secret(k) then secret[#secret + 1] = k end
    end
  end
  table.sort(secret)
  ep.secret_params = secret
  -- (a billing_account_id the pipeline adds travels in the body)
  ep.only = not places.body and not ep.billed and "query" or not places.query and "body" or nil
  -- A call whose one parameter is a required UUID in the query (vms:get, the most frequent call):
  -- the pipeline writes its query as "<name>=<the checked UUID>", which has nothing to escape
  -- (hex digits and dashes), without the form encoder (a pcall, sorting, escaping).
  local only, n = nil, 0
  for k in pairs(ep.specs) do only, n = k, n + 1 end
  if n == 1 and ep.where[only] == "query" and ep.only == "query" and ep.specs[only] == "uuid!" and only:find("^[%w_]+$") then
    ep.uuid_query = only
  end
  return ep
end

--- Declares a family's endpoints; each is named "<prefix>:<key>" in error messages.
function endpoint.declare(prefix, decls)
  local out = {}
  for key, decl in pairs(decls) do out[key] = endpoint.new(prefix .. ":" .. key, decl) end
  return out
end

return endpoint
