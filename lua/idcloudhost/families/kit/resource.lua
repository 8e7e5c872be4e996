-- The one way to declare endpoints, resource objects and the collections that hand them out.
--
--   local E = resource.endpoints("vm", {
--     get  = { "GET",  "user-resource/vm", loc = true, query = { uuid = "uuid!" }, answer = "object:uuid" },
--     stop = { "POST", "user-resource/vm/stop", loc = true, form = { uuid = "uuid!", force = "boolean" },
--              answer = "object:uuid" },
--   })
--   local VM = resource.model { name = "vm", key = "uuid", get = E.get }
--   function VM:stop(opts) return self:_apply(self:_call(E.stop, opts)) end
--
-- An endpoint's declaration is read by call/endpoint.lua (what one call is: the request layer's),
-- which resource.endpoint and resource.endpoints are.
local endpoint = require "idcloudhost.call.endpoint"
local lazy = require "idcloudhost.lazy"
local check = lazy "idcloudhost.call.check"
local errors = lazy "idcloudhost.call.errors"
local json = lazy "idcloudhost.json"
local pipeline = lazy "idcloudhost.call.pipeline"
local marks = lazy "idcloudhost.ops.marks"

local resource = {}

--- Builds one endpoint description from its declaration (call/endpoint.lua).
resource.endpoint = endpoint.new
--- Declares a family's endpoints; each is named "<prefix>:<key>" in error messages.
resource.endpoints = endpoint.declare

------------------------------------------------------------------------------------------------
-- Objects: plain tables holding the API's fields; methods come from their model through a
-- table __index chain (model methods, then Base).  The client an object belongs to is kept
-- aside, so pairs(obj) shows only API data.

local ARRAY -- json.is_array(t): getmetatable(t) == ARRAY (set at the first list: json loads then)
local owner = setmetatable({}, { __mode = "k" })
local metas = setmetatable({}, { __mode = "k" }) -- methods table -> metatable

local Base = {}

--- The client this object came from.
function Base:_client()
  return owner[self]
end

--- The parameters of a call on this object: a copy of the caller's options, the object's key
-- (under the model's parameter name, when the endpoint takes it) and the fixed values.  The
-- caller may not name what the object or the method sets: `vm:stop{uuid = other}` is refused,
-- never sent for another VM.  Unknown options are refused by the endpoint's checks.
function Base:_params(ep, opts, fixed)
  local M = getmetatable(self)
  local what = ep.name
  if opts ~= nil and type(opts) ~= "table" then
    return nil, errors.invalid(what .. ": expected named parameters, like {name = value}, got " .. type(opts))
  end
  local err
  opts, err = check.plain(what, opts, ep.specs)
  if err then return nil, err end
  local p = {}
  for k, v in pairs(opts or {}) do
    if k == M.param or (fixed and fixed[k] ~= nil) then
      return nil, errors.invalid(what .. ": '" .. tostring(k) .. "' is set by the object, not an option", k)
    end
    p[k] = v
  end
  if ep.specs[M.param] then p[M.param] = self[M.key] end
  for k, v in pairs(fixed or {}) do p[k] = v end
  return p
end

--- Runs endpoint ep for this object: params as for _params.
function Base:_call(ep, opts, fixed)
  local p, err = self:_params(ep, opts, fixed)
  if not p then return nil, err end
  return pipeline.call(owner[self], ep, p, nil, true)
end

-- A name that holds a method is never a data field: the method stays reachable (a billing
-- account's unpaid_amount field gives way to ba:unpaid_amount(), which fetches it).  strip(data)
-- drops such fields: made once, at the first answer (every method is defined when its module
-- loads), as straight-line code, one constant-key test per name (a loop over the names cost
-- twice as much, for every object of a list).
local load_text = rawget(_G, "loadstring") or load

-- The methods other modules add to a model (spec.extend: a module's name, or a list of them: a
-- VM's actions and storage), loaded at their first use: a method lookup that misses, or the
-- first answer (strip must know every method).
local function extended(M)
  local ext = M.extend
  if not ext then return end
  M.extend = nil
  setmetatable(M.methods, { __index = Base })
  if type(ext) == "string" then ext = { ext } end
  for i = 1, #ext do require(ext[i]).attach(M.methods) end
end

local function stripper(M)
  extended(M)
  local src = { "local d = ...\n" }
  for _, t in ipairs { M.methods, Base } do
    for k, v in pairs(t) do
      if type(v) == "function" and type(k) == "string" then
        src[#src + 1] = string.format("if d[%q] ~= nil then d[%q] = nil end\n", k, k)
      end
    end
  end
  M.strip = assert(load_text(table.concat(src), "=idcloudhost.resource.strip"))
  return M.strip
end

-- Data made ready to be an object of M: the model's prepare hook, fields that would hide a
-- method left out, and a tombstone marked (the platform reads back a deleted VM or disk with
-- status "Deleted", a deleted load balancer with is_deleted = true).
local find = string.find
local MARKER = "[idch:" -- how every owner mark's marker starts (ops/marks.lua: "[idch:1 owner=...]")

local function prepare(M, data)
  if M.prepare then M.prepare(data) end
  local mark = M.mark
  if mark then -- owner marks (ops/marks.lua): read back into owner and labels
    local _, who, labels
    if mark.text then
      -- (an unmarked text, nearly every one, is told here by one plain find: marks loads at the
      -- first marked one)
      local text = data[mark.text]
      if type(text) == "string" and find(text, MARKER, 1, true) then _, who, labels = marks.read_text(text) end
    else
      _, who = marks.read_name(data[mark.name])
      labels = who and {} or nil
    end
    data.owner, data.labels = who, labels
  end
  local strip = M.strip or stripper(M)
  strip(data)
  local status = data.status
  if data.is_deleted == true or status == "Deleted" or status == "deleted" then
    data.deleted = true
  end
  return data
end

--- Replaces the object's fields with data (in place: references to it stay valid).
function Base:_update(data)
  local location = rawget(self, "location") -- our tag (see batch.collect), not API data
  prepare(getmetatable(self), data)
  for k in pairs(self) do self[k] = nil end
  for k, v in pairs(data) do self[k] = v end
  if self.location == nil then self.location = location end
  return self
end

--- For calls that answer with this object (or {"success": true}): updates in place and returns
-- self, or passes nil, err on.
function Base:_apply(data, err)
  if data == nil then return nil, err end
  if type(data) == "table" then self:_update(data) end
  return self
end

--- Fetches the object again and updates it in place (models declared with a `get` endpoint).
function Base:reload(opts)
  local M = getmetatable(self)
  if not M.get then
    return nil, errors.invalid(M.kind .. ":reload: the platform has no call that fetches one " .. M.kind
      .. "; list them again instead")
  end
  return self:_apply(self:_call(M.get, opts))
end

--- A model: the methods of one kind of object.  spec: name, key (the identifying field), param
-- (the call parameter naming the key; default key), get (the endpoint that fetches one, for
-- reload), list (the endpoint listing a location's objects, for waits' shared polls), summary
-- (tostring text), prepare (a hook run on every answer made into an object),
-- statuses (the set of statuses it reports, lower case, for waits), computed (name -> function(obj)
-- for fields derived from others), extend (a module whose attach(methods) adds more methods: loaded
-- at their first use), mark (where an owner mark lives: {text = "description"}, a free-text field,
-- or {name = "name"}, the name convention: ops/marks.lua), name_field (the field holding its name:
-- "name").
-- Returns the methods table: `function VM:stop() ... end` adds a method.
function resource.model(spec)
  local methods = setmetatable({}, { __index = Base })
  local M = { __name = "idcloudhost." .. spec.name, __index = methods, methods = methods, kind = spec.name,
    key = spec.key or "uuid", get = spec.get, list = spec.list, summary = spec.summary, prepare = spec.prepare,
    statuses = spec.statuses, extend = spec.extend, mark = spec.mark, name_field = spec.name_field or "name" }
  M.param = spec.param or M.key
  if spec.extend then
    setmetatable(methods, { __index = function(t, k)
      extended(M)
      return t[k]
    end })
  end
  if spec.computed then
    -- Fields read from others at every access (an invoice's paid, from its status): the only
    -- models whose lookups go through a function.
    local computed = spec.computed
    M.__index = function(self, k)
      local m = methods[k]
      if m ~= nil then return m end
      local f = computed[k]
      if f then return f(self) end
    end
  end
  M.__tostring = function(self)
    local s = M.summary and M.summary(self) or tostring(self[M.key])
    return M.kind .. " " .. s
  end
  metas[methods] = M
  return methods
end

local kit_marked -- families/kit/marked.lua, loaded at the first use of what it holds (it needs
-- this module: no lazy proxy, which IDCLOUDHOST_STRICT=1 would require at once, in a loop)
local function marked_kit()
  kit_marked = kit_marked or require "idcloudhost.families.kit.marked"
  return kit_marked
end

--- Params of a create with `owner` and `labels` taken out and written as the model's mark
-- (ops/marks.lua): a copy, or params itself when it has neither; nil, err (invalid) on a bad mark
-- or on a family that keeps none.  (This and the two below are families/kit/marked.lua's, loaded
-- at their first use: start-up does not parse them.)
function resource.marked(methods, params, ep)
  return marked_kit().marked(methods, params, ep)
end

--- A new value for the field holding obj's mark, the mark kept.
function resource.remarked(obj, value)
  return marked_kit().remarked(obj, value)
end

--- The name obj was given: its name field with a name mark left out.
function resource.given_name(obj)
  return marked_kit().given_name(obj)
end

--- A set of statuses (lower case) for a model's `statuses`.
function resource.statuses(list)
  local set = {}
  for _, s in ipairs(list) do set[s:lower()] = true end
  return set
end

--- The metatable of a model (kind, key, ...).
function resource.meta(methods)
  return metas[methods]
end

--- Wraps decoded data as an object of model `methods` owned by client; nil, err passes through.
function resource.wrap(methods, client, data, err)
  if data == nil then return nil, err end
  if type(data) ~= "table" then return data end
  local M = metas[methods]
  owner[data] = client
  return setmetatable(prepare(M, data), M)
end

--- Wraps a list answer (nil, err passes through): an array of objects.
function resource.wrap_list(methods, client, data, err)
  if data == nil then return nil, err end
  if type(data) ~= "table" then
    return nil, errors.decode("expected a list, got " .. type(data))
  end
  ARRAY = ARRAY or getmetatable(json.array())
  if getmetatable(data) ~= ARRAY then
    local out = json.array()
    for i, item in ipairs(data) do out[i] = resource.wrap(methods, client, item) end
    return out
  end
  -- A decoded array (no holes: a null item is json.null) becomes the list itself, its objects
  -- wrapped in place: what wrap does, inlined.
  local M = metas[methods]
  for i = 1, #data do
    local item = data[i]
    if type(item) == "table" then
      owner[item] = client
      setmetatable(prepare(M, item), M)
    end
  end
  return data
end

--- For calls that answer {"success": true}: true, or nil, err.
function resource.success(data, err)
  if data == nil then return nil, err end
  return true
end

--- The item of a list with the highest numeric `id` (what a call just made, on the platform).
function resource.newest(list)
  local best
  for _, item in ipairs(type(list) == "table" and list or {}) do
    if type(item) == "table" and (best == nil or (tonumber(item.id) or 0) > (tonumber(best.id) or 0)) then
      best = item
    end
  end
  return best
end

------------------------------------------------------------------------------------------------
-- Collections: client.vms and friends.  A family writes every public method of its collection
-- as a line of its own (`function VMs:create`, or `VMs.get = resource.getter(VM, E.get)`), so a
-- search for the method's name finds where it is defined.

local Collection = {}

--- Runs endpoint ep with params for this collection's client: the one way a family calls (an
-- object's is Base:_call above).
function Collection:_call(ep, params, owned)
  return pipeline.call(self.client, ep, params, nil, owned)
end

--- The method `coll:list(opts)`: ep's list answer as objects of model M.
function resource.lister(M, ep)
  return function(self, opts)
    return resource.wrap_list(M, self.client, self:_call(ep, opts))
  end
end

--- The method `coll:get(id)`: the object of model M that ep answers for id (under the model's
-- parameter name).
function resource.getter(M, ep)
  local param = metas[M].param
  return function(self, id)
    return resource.wrap(M, self.client, self:_call(ep, { [param] = id }, true))
  end
end

--- The method `coll:ref(id)`: an object of model M that holds only its key, made without a
-- request: `client.vms:ref(uuid):stop()` is one call; obj:reload() fills in the rest.  The key
-- is checked as the calls would check it.
function resource.referrer(M)
  local meta = metas[M]
  return function(self, id)
    local want = meta.key == "uuid" and "uuid!" or (type(id) == "number" and "integer!" or "string!")
    local v, err = check.value(meta.kind .. ":ref", meta.key, want, id)
    if v == nil then return nil, err end
    local obj = { [meta.key] = v }
    owner[obj] = self.client
    return setmetatable(obj, meta)
  end
end

--- Finds this family's objects by name and owner (ops/find.lua): every family with a list.
function Collection:find(opts)
  return require("idcloudhost.ops.find").find(self, opts)
end

--- The one object of this name and owner, made when there is none (ops/ensure.lua).
function Collection:ensure(opts)
  return require("idcloudhost.ops.ensure").ensure(self, opts)
end

--- A collection: a function(client) giving a table with `client` and the methods.
function resource.collection(methods)
  setmetatable(methods, { __index = Collection })
  local mt = { __index = methods }
  return function(client)
    return setmetatable({ client = client }, mt)
  end
end

return resource
