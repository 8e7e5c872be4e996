-- A scheduler of coroutines that wait by yielding to it: for a request in flight on an
-- asynchronous transport (the C core's multi interface, a spawned process), for a sleep, or for
-- child coroutines.  Batches run their items on one; Neovim's idcloudhost.async runs a task on one.
--
-- Inside one of its coroutines a scheduler is the runtime of the calls made there (see
-- runtime.lua): request, sleep, now and map yield instead of blocking.  Two drivers:
--   * blocking: sched:run(done) waits in the transports' poll, or the clock's sleep;
--   * an event loop: a timer calls sched:step(0), and sched:next_wait() says when to call again.
local lazy = require "idcloudhost.lazy"
local errors = lazy "idcloudhost.call.errors"

local sched = {}

-- The interpreter's answer to SIGINT (lua.c, luajit.c; the core raises the same text).
local function interrupt(e)
  return type(e) == "string" and e:find("interrupted!$") ~= nil
end

-- (concurrent: while one coroutine waits, the others run)
local Sched = { scheduled = true, concurrent = true }
Sched.__index = Sched

-- coroutine -> its slot {co, sched, on_done}.  Weak values too: a slot points back at its key,
-- and LuaJIT (and 5.1) has no ephemerons, so with weak keys alone an abandoned batch (its
-- caller's coroutine never resumed) would keep its coroutines, scheduler, client and sockets
-- forever.  A live slot is always held elsewhere: by its scheduler's queues (ready, sleepers,
-- inflight), by its children's on_done (a map), or by the stack that resumes it.
local slots = setmetatable({}, { __mode = "kv" })
local YIELD = {} -- the tag of our yields: no user code can produce it
local unpack = table.unpack or unpack

local function pack(...) return { n = select("#", ...), ... } end

local running = coroutine.running

--- The scheduler whose coroutine is running (or co), or nil.
function sched.of(co)
  co = co or running()
  local slot = co and slots[co]
  return slot and slot.sched
end

--- A new scheduler.  clock = {now = fn, sleep = fn(seconds)}: the blocking driver's.
-- default_transport: the transport "auto" means in its coroutines (nil: the C core).
function sched.new(clock, default_transport)
  return setmetatable({
    clock = clock, transport = default_transport,
    ready = {},       -- {slot, packed values} to resume, oldest first
    sleepers = {},    -- {wake = time, slot = slot}
    inflight = {},    -- transport -> {id -> slot}
    flying = 0,       -- requests in flight on every transport
    live = 0,         -- coroutines started and not finished
  }, Sched)
end

function Sched:now() return self.clock.now() end

-- Queues slot to be resumed with the values in packed.
function Sched:push(slot, packed)
  self.ready[#self.ready + 1] = { slot, packed or { n = 0 } }
end

local function finish(self, slot, out)
  self.live = self.live - 1
  slots[slot.co] = nil
  if not out[1] then out.traceback = debug.traceback(slot.co, errors.text(out[2])) end
  slot.on_done(out)
end

-- Resumes a slot; files it again by what it yielded, or finishes it.
function Sched:resume(slot, packed)
  local out = pack(coroutine.resume(slot.co, unpack(packed, 1, packed.n)))
  if coroutine.status(slot.co) == "dead" then
    finish(self, slot, out)
  elseif out[2] ~= YIELD then
    -- A yield that is not ours (the function yielded on its own): resume it at the next turn
    -- with nothing, rather than losing it.
    self:push(slot)
  end
end

--- Starts fn() as a coroutine of this scheduler (it first runs at the next step).
-- on_done(out) gets out = {ok, values... or message, n =, traceback = on failure}.
function Sched:spawn(fn, on_done)
  local slot = { sched = self, on_done = on_done }
  slot.co = coroutine.create(fn)
  slots[slot.co] = slot
  self.live = self.live + 1
  self:push(slot)
  return slot
end

local function current(self)
  local co = coroutine.running()
  local slot = co and slots[co]
  if slot and slot.sched == self then return slot end
end

--- From a coroutine of this scheduler: sends req on transport and yields until its answer.
-- Transports without send (a user's function) are called directly.
function Sched:request(transport, req)
  local slot = current(self)
  if not slot or not transport.send then return transport:request(req) end
  local id, msg, name = transport:send(req)
  if not id then return nil, msg, name end
  local waiting = self.inflight[transport]
  if not waiting then
    waiting = {}
    self.inflight[transport] = waiting
  end
  waiting[id] = slot
  self.flying = self.flying + 1
  return coroutine.yield(YIELD)
end

--- From a coroutine of this scheduler: yields for `seconds`.
function Sched:sleep(seconds)
  local slot = current(self)
  if not slot then return self.clock.sleep(seconds) end
  self.sleepers[#self.sleepers + 1] = { wake = self.clock.now() + seconds, slot = slot }
  coroutine.yield(YIELD)
end

--- Runs fn(i) for i = 1..n, at most `concurrency` at once, calling on_result(i, out) as each
-- ends (out as for spawn).  Returns when all have ended: from a coroutine of this scheduler it
-- yields meanwhile (the items run beside whatever else the scheduler runs); from outside it
-- drives the scheduler with the blocking driver.
function Sched:map(n, concurrency, fn, on_result)
  if n == 0 then return end
  local started, finished, parent = 0, 0, current(self)
  local start
  start = function()
    started = started + 1
    local i = started
    self:spawn(function() return fn(i) end, function(out)
      finished = finished + 1
      on_result(i, out)
      if started < n then start() end
      if finished == n and parent then self:push(parent) end
    end)
  end
  for _ = 1, math.min(n, concurrency) do start() end
  if parent then
    coroutine.yield(YIELD)
  else
    self:run(function() return finished == n end)
  end
end

-- Moves the sleepers that are due to the ready queue.
function Sched:wake_due()
  local list = self.sleepers
  if #list == 0 then return end
  local now, keep = self.clock.now(), {}
  for _, s in ipairs(list) do
    if s.wake <= now then self:push(s.slot) else keep[#keep + 1] = s end
  end
  self.sleepers = keep
end

--- Seconds until something may need this scheduler: 0 when coroutines are ready, the next
-- sleeper's wake-up, nil when only transfers (or nothing) are pending.
function Sched:next_wait()
  if #self.ready > 0 then return 0 end
  local wake
  for _, s in ipairs(self.sleepers) do
    if not wake or s.wake < wake then wake = s.wake end
  end
  return wake and math.max(0, wake - self.clock.now())
end

-- Runs the transfers in flight for at most `wait` seconds; their coroutines become ready.
function Sched:pump(wait)
  local busy = 0
  for _, waiting in pairs(self.inflight) do
    if next(waiting) then busy = busy + 1 end
  end
  -- One transport is the rule; several (clients with their own pools) share the wait.
  local each = busy > 1 and math.min(wait, 0.005) or wait
  for transport, waiting in pairs(self.inflight) do
    if next(waiting) == nil then
      self.inflight[transport] = nil
    else
      local ok, ids = pcall(transport.poll, transport, each)
      -- Ctrl-C in the core's wait raises the interpreter's "interrupted!": that stops the run,
      -- as it stops a plain call (README, "Ctrl-C"), never a transfer's failure.
      if not ok and interrupt(ids) then error(ids, 0) end
      if not ok then
        -- The transport broke under its transfers (a client closed while they were in flight):
        -- each gets that as its failure, nothing raises out of the scheduler.
        self.inflight[transport] = nil
        local msg = "TRANSPORT_ERROR: " .. errors.text(ids)
        for _, slot in pairs(waiting) do
          self.flying = self.flying - 1
          self:push(slot, pack(nil, msg, "TRANSPORT_ERROR"))
        end
      else
        for _, id in ipairs(ids) do
          local slot = waiting[id]
          if slot then
            waiting[id] = nil
            self.flying = self.flying - 1
            local got = pack(pcall(transport.result, transport, id))
            if got[1] then
              self:push(slot, pack(unpack(got, 2, got.n)))
            else
              self:push(slot, pack(nil, "TRANSPORT_ERROR: " .. errors.text(got[2]), "TRANSPORT_ERROR"))
            end
          end
        end
      end
    end
  end
end

--- One turn: resumes what is due and ready, then waits for transfers or the next sleeper for at
-- most `wait` seconds (nil: as needed, at most a second; 0: never blocks).
function Sched:step(wait)
  self:wake_due()
  local queue = self.ready
  self.ready = {}
  for _, r in ipairs(queue) do self:resume(r[1], r[2]) end
  if #self.ready > 0 then return end
  local nw = self:next_wait()
  local w = wait or math.min(nw or 1, 1)
  if nw and nw < w then w = nw end
  if self.flying > 0 then
    self:pump(w)
  elseif wait == nil and nw then
    self.clock.sleep(w)
  elseif wait == nil and self.live > 0 and #self.ready == 0 then
    error("idcloudhost.sched: coroutines wait on nothing this scheduler drives", 0)
  end
end

--- The blocking driver: turns until done() holds.
function Sched:run(done)
  while not done() do self:step(nil) end
end

return sched
