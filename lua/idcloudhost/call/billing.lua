-- The default billing account of a client's api key: what a billed endpoint's call sends as
-- billing_account_id when the caller gives none (the pipeline asks here).  Looked up once per
-- client and shared by every client made from it with client:at (keyed on the settings table
-- they share); the billing_accounts family keeps it current (set_default, delete).
local endpoint = require "idcloudhost.call.endpoint"
local lazy = require "idcloudhost.lazy"
local pipeline = lazy "idcloudhost.call.pipeline"
local runtime = lazy "idcloudhost.runtime"
local sched = lazy "idcloudhost.runtime.sched"

local billing = {}

--- The billing accounts of the user: the request layer's own declaration of the call, which the
-- billing_accounts family lists with too (client.billing_accounts:list).
billing.LIST = endpoint.new("billing_account:list", { "GET", "payment/billing_account/list",
  query = { show_shadow = "boolean" }, answer = "list:id" })

local defaults = setmetatable({}, { __mode = "k" }) -- client._shared -> id, or false for "none"

-- The default account of a list: the one marked is_default, else the only one (a token
-- restricted to one billing account sees just that one).
function billing.pick_default(list)
  local live = {}
  for _, ba in ipairs(list) do
    if type(ba) == "table" and not ba.is_deleted then
      if ba.is_default then return ba.id end
      live[#live + 1] = ba
    end
  end
  if #live == 1 then return live[1].id end
end


-- Lookups in flight: client._shared -> {by = the coroutine making it}.  The items of a batch that
-- create together wait for the first one's answer instead of each asking the same.
local lookups = setmetatable({}, { __mode = "k" })
local MAIN = {}
-- (a flight holds its coroutine weakly: that coroutine's stack holds the client, so a strong
-- reference would keep the key alive on LuaJIT, which has no ephemerons)
local FLIGHT = { __mode = "v" }

-- A lookup that can still end: its coroutine neither collected nor dead (it raised, or its
-- batch was abandoned and collected).
local function flying(flight)
  local by = flight.by
  return by == MAIN or (by ~= nil and coroutine.status(by) ~= "dead")
end

-- Waits while another coroutine looks the default up, where waiting yields to it (a scheduler:
-- a batch, idcloudhost.async; an nginx request handler): never in plain Lua, never for a lookup
-- of the running coroutine (a hook calling back), never for one whose task was cancelled, never
-- past the client's timeout or the call's deadline (a lookup whose coroutine was dropped ends
-- nothing).
local function await_lookup(shared)
  local flight = lookups[shared]
  if not flight or flight.by == (coroutine.running() or MAIN) then return end
  local rt = runtime.current(shared.cfg)
  if not rt.concurrent then return end
  local now = rt:now()
  local limit = now + shared.cfg.timeout
  local deadline = runtime.deadline()
  if deadline and deadline < limit then limit = deadline end
  while lookups[shared] == flight and flying(flight) and sched.alive(flight.by) and defaults[shared] == nil
    and now < limit do
    rt:sleep(0.01)
    now = rt:now()
  end
end

--- The id of the default billing account of client's api key (nil when there is none), or nil, err.
-- @local
function billing.default_id(client)
  local shared = client._shared
  if defaults[shared] == nil then await_lookup(shared) end
  local cached = defaults[shared]
  if cached ~= nil then return cached or nil end
  local flight = setmetatable({ by = coroutine.running() or MAIN }, FLIGHT)
  lookups[shared] = flight
  local list, err = pipeline.call(client, billing.LIST)
  if lookups[shared] == flight then lookups[shared] = nil end
  if list == nil then return nil, err end
  local id = billing.pick_default(list)
  defaults[shared] = id or false
  return id
end

--- Forgets the cached default (the platform refused a call made with it).
-- @local
function billing.forget_default(client)
  defaults[client._shared] = nil
end

--- Remembers id as the default (the family made it so).
-- @local
function billing.remember(client, id)
  defaults[client._shared] = id
end

--- Forgets the cached default if it is id (the family deleted that account).
-- @local
function billing.forget_if(client, id)
  local shared = client._shared
  if defaults[shared] == id then defaults[shared] = nil end
end

return billing
