--- A client-side rate limit: every attempt a client sends (retries included) waits for a slot
-- of a token bucket of `per_second` slots a second (5 % under it: HEADROOM) and `burst` at once.  A 429 answer halves the
-- rate (down to a sixteenth of it) and takes the burst away; every other answer gives a tenth of
-- `per_second` back, up to it (back off multiplicatively, recover additively).  Off by default.
--
--   local client = idcloudhost.new { rate = { per_second = 5, burst = 10 } }
--   local limiter = idcloudhost.rate_limiter { per_second = 5 }   -- one bucket for several clients
--   local a, b = idcloudhost.new { rate = limiter }, idcloudhost.new { rate = limiter, location = "sgp01" }
--
-- Inside nginx, `shared = "idch_rate"` keeps the bucket in that lua_shared_dict
-- (`lua_shared_dict idch_rate 64k;` in nginx.conf): every worker draws from the same one.
-- The wait sleeps through the runtime (ngx.sleep in nginx, a yield inside a batch): it never
-- blocks where the call itself would not.  A slot is taken before the attempt's timeout starts.
-- @module idcloudhost.call.rate
local runtime = require "idcloudhost.runtime"

local rate = {}

-- Slots are 5 % further apart than 1 / per_second: a call's request that reaches the gateway a
-- few ms late and the next one on time must not make per_second + 1 calls in its second.
local HEADROOM = 1.05
rate.HEADROOM = HEADROOM
local FLOOR = 1 / 16  -- the slowest a run of 429s makes it, as a share of per_second
local STEP = 1 / 10   -- what each other answer gives back, as a share of per_second

------------------------------------------------------------------------------------------------
-- The state of a bucket: tat (the time the next slot is due, "theoretical arrival time" of the
-- GCRA) and r (the current rate), in a table of this process or in a lua_shared_dict.

local Local = {}
Local.__index = Local

function Local:get() return self.tat, self.r end
function Local:set(tat, r) self.tat, self.r = tat, r end
function Local.locked(_, fn, ...) return fn(...) end  -- (nothing yields inside: no lock needed)

local Shared = {}
Shared.__index = Shared

function Shared:get()
  local d = self.dict
  return d:get(self.key_tat), d:get(self.key_r)
end

function Shared:set(tat, r)
  local d = self.dict
  -- (slots an idle minute ago mean nothing: they go, as an idle bucket would be)
  d:set(self.key_tat, tat, 60 + self.burst / self.per_second)
  if r then d:set(self.key_r, r, 600) else d:delete(self.key_r) end
end

-- fn(...) while holding the dict's lock: the workers of nginx are processes, and a slot is a
-- read and a write of the dict.  Held for microseconds (nothing in fn yields); a worker that
-- died holding it frees it after 50 ms.
function Shared:locked(fn, ...)
  local d = self.dict
  for _ = 1, 10000 do
    if d:add(self.key_lock, true, 0.05) then
      local a, b = fn(...)
      d:delete(self.key_lock)
      return a, b
    end
  end
  return fn(...)  -- (never seen: another worker would have to hold it 10,000 tries long)
end

------------------------------------------------------------------------------------------------

local Limiter = { __name = "idcloudhost.rate_limiter" }
Limiter.__index = Limiter

local ngx = rawget(_G, "ngx")

-- The limiter's clock: nginx's in nginx (the same in every worker, and the dict's), else the
-- runtime's.
function Limiter.now(_, rt)
  if ngx and ngx.now then
    ngx.update_time()
    return ngx.now()
  end
  return rt:now()
end

-- Takes the next slot at time now; the seconds to wait for it.
local function take(self, now)
  local tat, r = self.state:get()
  r = r or self.per_second
  local interval = HEADROOM / r
  if tat == nil or tat < now then tat = now end
  local wait = tat - (self.burst - 1) * interval - now
  self.state:set(tat + interval, r < self.per_second and r or nil)
  return wait > 0 and wait or 0
end

-- A 429: half the rate, and no burst before the next slot.
local function slower(self, now)
  local tat, r = self.state:get()
  r = math.max((r or self.per_second) / 2, self.per_second * FLOOR)
  local interval = HEADROOM / r
  local no_burst = now + self.burst * interval  -- (the next slot: one interval from now)
  if tat == nil or tat < no_burst then tat = no_burst end
  self.state:set(tat, r)
end

-- Any other answer: a step back towards per_second.
local function faster(self)
  local tat, r = self.state:get()
  if r == nil then return end
  local faster_r = math.min(r + self.per_second * STEP, self.per_second)
  -- (the next slot stays when it is due: tat - (burst - 1) * HEADROOM / r)
  if tat then tat = tat - (self.burst - 1) * HEADROOM / r + (self.burst - 1) * HEADROOM / faster_r end
  self.state:set(tat, faster_r < self.per_second and faster_r or nil)
end

--- Waits for a slot (through the runtime rt), then sends req on transport t: what every attempt
-- of a client with `rate` goes through (call/pipeline.lua's one hook).  cfg: the client's settings
-- (its sleep).
function Limiter:send(rt, t, req, cfg)
  local wait = self.state:locked(take, self, self:now(rt))
  if wait > 0 then runtime.sleep(rt, cfg, wait) end
  local res, msg, name = rt:request(t, req)
  if res and res.status == 429 then
    self.state:locked(slower, self, self:now(rt))
  elseif res and self.state:get() then
    self.state:locked(faster, self)
  end
  return res, msg, name
end

--- The current rate, slots a second (per_second unless 429s slowed it).
function Limiter:current()
  local _, r = self.state:get()
  return r or self.per_second
end

function Limiter:__tostring()
  return string.format("idcloudhost.rate_limiter (%g/s, burst %d%s)", self.per_second, self.burst,
    self.shared and (", lua_shared_dict " .. self.shared) or "")
end

local FIELDS = { per_second = true, burst = true, shared = true }

--- A limiter from {per_second =, burst = (default 1), shared = (a lua_shared_dict's name)}, or nil
-- and what is wrong.  (idcloudhost.rate_limiter)
function rate.new(o)
  if type(o) ~= "table" then return nil, "must be a table {per_second =, burst = [, shared =]}" end
  for k in pairs(o) do
    if not FIELDS[k] then return nil, "has an unknown field '" .. tostring(k) .. "' (per_second, burst, shared)" end
  end
  local r, b = o.per_second, o.burst == nil and 1 or o.burst
  if type(r) ~= "number" or r ~= r or r <= 0 or r == math.huge then
    return nil, "needs per_second, a number of calls a second > 0"
  end
  if type(b) ~= "number" or b ~= math.floor(b) or b < 1 or b == math.huge then
    return nil, "needs burst to be a whole number >= 1"
  end
  local self = setmetatable({ per_second = r, burst = b, shared = o.shared }, Limiter)
  if o.shared == nil then
    self.state = setmetatable({}, Local)
    return self
  end
  if type(o.shared) ~= "string" or o.shared == "" then return nil, "needs shared to be a lua_shared_dict's name" end
  local dict = ngx and ngx.shared and ngx.shared[o.shared]
  if not dict then
    return nil, "names lua_shared_dict '" .. o.shared .. "', which " .. (ngx and ngx.shared
      and "nginx.conf does not declare (lua_shared_dict " .. o.shared .. " 64k; in its http block)"
      or "exists only inside nginx (ngx_lua)")
  end
  local prefix = "idcloudhost:rate:"
  self.state = setmetatable({ dict = dict, per_second = r, burst = b, key_tat = prefix .. "tat",
    key_r = prefix .. "r", key_lock = prefix .. "lock" }, Shared)
  return self
end

--- The limiter of a client's `rate` option: a limiter as it is, a table made into one.
function rate.of(v)
  if getmetatable(v) == Limiter then return v end
  return rate.new(v)
end

rate.Limiter = Limiter

return rate
