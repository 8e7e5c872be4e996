-- A scheduler of coroutines that wait by yielding to it: for a request in flight on an
-- asynchronous transport (the C core's multi interface, a spawned process), for a sleep, or for
-- child coroutines.  Batches run their items on one; Neovim's idcloudhost.async runs a task on one.
--
-- Inside one of its coroutines a scheduler is the runtime of the calls made there (see
-- runtime.lua): request, sleep, now and map yield instead of blocking.  Two drivers:
--   * blocking: sched:run(done) waits in the transports' poll, or the clock's sleep;
--   * an event loop: a timer calls sched:step(0), and sched:next_wait() says when to call again.
--
-- A task (sched:task(fn, on_done)) is a coroutine and every coroutine it starts (a batch's
-- items), with a handle: task:cancel() stops them all at once (requests in flight are cancelled
-- on their transport, sleepers dropped, nothing of the task runs again) and ends the task with a
-- `cancelled` error value; task:done(), task:result(), task:wait(ms).  Host-neutral: Neovim's
-- idcloudhost.async returns one; a batch or nginx may hand out the same.
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

--- Whether coroutine co may still run: false once it has ended, or its task was cancelled (it
-- will never be resumed).  A coroutine of no scheduler (or not a coroutine) counts as running.
function sched.alive(co)
  if type(co) ~= "thread" then return true end
  local slot = slots[co]
  return not (slot and slot.dead) and coroutine.status(co) ~= "dead"
end

--- A new scheduler.  clock = {now = fn, sleep = fn(seconds)}: the blocking driver's.
-- default_transport: the transport "auto" means in its coroutines (nil: the C core).
function sched.new(clock, default_transport)
  return setmetatable({
    clock = clock, transport = default_transport,
    ready = {},       -- slots to resume (each with its values, slot.with), oldest first
    sleepers = {},    -- {wake = time, slot = slot}
    inflight = {},    -- transport -> {id -> slot}
    flying = 0,       -- requests in flight on every transport
    live = 0,         -- coroutines started and not finished
    tasks = {},       -- task -> true while it runs
  }, Sched)
end

function Sched:now() return self.clock.now() end

local NOTHING = { n = 0 } -- the values of a slot pushed without any (never written)

-- Queues slot to be resumed with the values in packed.  The slot holds them: a push makes no
-- entry of its own (a slot waits on one thing at a time, so it is queued once).
function Sched:push(slot, packed)
  slot.with = packed
  self.ready[#self.ready + 1] = slot
end

local function finish(self, slot, out)
  self.live = self.live - 1
  slots[slot.co] = nil
  local task = slot.task
  if task then task.slots[slot] = nil end
  if not out[1] then out.traceback = debug.traceback(slot.co, errors.text(out[2])) end
  slot.on_done(out)
end

-- What coroutine.resume gave for slot (...): files the slot again by what it yielded, or
-- finishes it.  A slot of a cancelled task is dropped whatever it did (it cancelled its own task
-- while it ran).  Only an end is packed: a yield (every request, every sleep) allocates nothing.
local function resumed(self, slot, ...)
  if slot.dead then return end
  local ok, tag = ...
  if ok and tag == YIELD then return end -- (ours, the rule: filed where it yielded)
  if coroutine.status(slot.co) == "dead" then
    finish(self, slot, pack(...))
  else
    -- A yield that is not ours (the function yielded on its own): resume it at the next turn
    -- with nothing, rather than losing it.
    self:push(slot)
  end
end

-- Resumes a slot with the values in packed.
function Sched:resume(slot, packed)
  slot.answered = nil
  return resumed(self, slot, coroutine.resume(slot.co, unpack(packed, 1, packed.n)))
end

--- Starts fn() as a coroutine of this scheduler (it first runs at the next step).
-- on_done(out) gets out = {ok, values... or message, n =, traceback = on failure}.
-- A coroutine started from a task's coroutine (a batch item) belongs to that task.
function Sched:spawn(fn, on_done, task)
  local parent = slots[running()]
  task = task or (parent and parent.sched == self and parent.task) or nil
  local slot = { sched = self, on_done = on_done, task = task }
  if task then task.slots[slot] = true end
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
  if slot.dead then return coroutine.yield(YIELD) end -- its task was cancelled: never resumed
  local id, msg, name = transport:send(req)
  if not id then return nil, msg, name end
  local waiting = self.inflight[transport]
  if not waiting then
    waiting = {}
    self.inflight[transport] = waiting
  end
  waiting[id] = slot
  -- (the slot's last flight, answered, is filled again: a request allocates no table of its own)
  local f = slot.flown or {}
  slot.flown = nil
  f.transport, f.id, f.req = transport, id, req
  slot.flight = f
  self.flying = self.flying + 1
  return coroutine.yield(YIELD)
end

--- From a coroutine of this scheduler: yields for `seconds`.
function Sched:sleep(seconds)
  local slot = current(self)
  if not slot then return self.clock.sleep(seconds) end
  if slot.dead then return coroutine.yield(YIELD) end
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
  if parent and parent.dead then return coroutine.yield(YIELD) end
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

-- What a transfer's coroutine is resumed with: pcall(transport.result)'s values (one table), or
-- the transport's failure to give them as a TRANSPORT_ERROR.
local function answer(ok, ...)
  if ok then return pack(...) end
  return pack(nil, "TRANSPORT_ERROR: " .. errors.text((...)), "TRANSPORT_ERROR")
end

-- Runs the transfers in flight for at most `wait` seconds; their coroutines become ready.
function Sched:pump(wait)
  -- One transport is the rule; several (clients with their own pools) share the wait.  (A
  -- wait of 5 ms or less, an event loop's 0 every turn, is the same either way: not counted.)
  local each = wait
  if wait > 0.005 then
    local busy = 0
    for _, waiting in pairs(self.inflight) do
      if next(waiting) then busy = busy + 1 end
    end
    if busy > 1 then each = 0.005 end
  end
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
          slot.answered, slot.flight = slot.flight and slot.flight.req, nil
          self:push(slot, pack(nil, msg, "TRANSPORT_ERROR"))
        end
      else
        for _, id in ipairs(ids) do
          local slot = waiting[id]
          if slot then
            waiting[id] = nil
            self.flying = self.flying - 1
            local f = slot.flight
            slot.answered, slot.flight, slot.flown = f.req, nil, f -- (until resumed: see Task:cancel)
            self:push(slot, answer(pcall(transport.result, transport, id)))
          end
        end
      end
    end
  end
end

-- Resumes the slots queued so far, oldest first; what they push meanwhile waits for the next
-- round.  The emptied queue is kept for the next round's pushes: a turn allocates no queue (a
-- nested step, a batch run from a foreign coroutine, takes a fresh one).
local function run_ready(self)
  local queue = self.ready
  self.ready = self.spare or {}
  self.spare = nil
  for i = 1, #queue do
    local slot = queue[i]
    local packed = slot.with or NOTHING
    slot.with = nil
    self:resume(slot, packed)
  end
  for i = #queue, 1, -1 do queue[i] = nil end
  self.spare = queue
end

--- One turn: resumes what is due and ready, then waits for transfers or the next sleeper for at
-- most `wait` seconds (nil: as needed, at most a second; 0: never blocks).
function Sched:step(wait)
  self:wake_due()
  run_ready(self)
  if #self.ready > 0 then return end
  local nw = self:next_wait()
  local w = wait or math.min(nw or 1, 1)
  if nw and nw < w then w = nw end
  if self.flying > 0 then
    self:pump(w)
    if wait == 0 and #self.ready > 0 then
      -- On an event loop: the coroutines whose answers came in go on in this turn, and what
      -- they send starts at once (a turn less per request).
      run_ready(self)
      if self.flying > 0 and #self.ready == 0 then self:pump(0) end
    end
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

------------------------------------------------------------------------------------------------
-- Tasks

local Task = {}
Task.__index = Task
sched.Task = Task

--- Starts fn() as a task of this scheduler (it first runs at the next step); on_done(out) once
-- when it ends: {true, fn's values...}, {false, err} when fn raised (err an error value of kind
-- "error" with its traceback, or the error value fn raised), or {true, nil, err} with err.kind
-- "cancelled".  Returns the task's handle.
function Sched:task(fn, on_done)
  local task = setmetatable({ sched = self, slots = {}, on_done = on_done }, Task)
  self.tasks[task] = true
  self:spawn(fn, function(out) task:finish(out) end, task)
  return task
end

-- Ends the task with out (once): its result, then on_done.
function Task:finish(out)
  if self.out then return end
  if not out[1] and not errors.is(out[2]) then
    out = { false, errors.new { kind = "error", message = errors.text(out[2]), traceback = out.traceback }, n = 2 }
  end
  self.out = out
  self.sched.tasks[self] = nil
  if self.on_done then self.on_done(out) end
end

--- Whether the task has ended (returned, raised or was cancelled).
function Task:done()
  return self.out ~= nil
end

--- What on_done gets, once the task has ended: true and fn's values; false and the error when
-- fn raised; true, nil and a `cancelled` error after cancel.  Nothing while it runs.
function Task:result()
  local out = self.out
  if out then return unpack(out, 1, out.n) end
end

--- Waits until the task ends or `ms` milliseconds pass (nil: no bound), then answers as
-- result().  Inside a scheduler's coroutine it sleeps there (yielding); elsewhere the host's wait
-- (sched.wait_until: Neovim's vim.wait) when it has one, else the scheduler's blocking driver.
function Task:wait(ms)
  local s = self.sched
  local function ended() return self.out ~= nil end
  local inside = sched.of()
  if inside then
    -- From a coroutine of a scheduler (another task): it sleeps, the others go on.
    local limit = ms and inside:now() + ms / 1000
    while not ended() and not (limit and inside:now() >= limit) do inside:sleep(0.01) end
  elseif s.wait_until then
    s.wait_until(ms, ended)
  else
    local limit = ms and s:now() + ms / 1000
    while not ended() do
      local left = limit and limit - s:now()
      if left and left <= 0 then break end
      s:step(left and math.min(left, 1) or nil)
    end
  end
  return self:result()
end

-- The path of a request's URL, without its query (which may carry a secret).
local function path_of(req)
  return type(req.url) == "string" and req.url:match("^%a+://[^/]*([^?#]*)") or nil
end

local function is_write(req)
  return req.method ~= "GET" and req.method ~= "HEAD"
end

--- Stops the task at once: its requests in flight are cancelled on their transports, its
-- sleepers and ready coroutines dropped, none of its coroutines (a batch's items included) runs
-- again.  It ends with {true, nil, err}: err.kind "cancelled", err.uncertain when a write was
-- in flight (it may have landed) or answered but not yet seen.  From inside the task, the
-- running coroutine stops at its next SDK call.  Returns true, or false when it had ended.
function Task:cancel()
  if self.out then return false end
  local s = self.sched
  local uncertain, seen
  for slot in pairs(self.slots) do
    slot.dead = true
    s.live = s.live - 1
    local f = slot.flight
    if f then
      slot.flight = nil
      local waiting = s.inflight[f.transport]
      if waiting and waiting[f.id] == slot then
        waiting[f.id] = nil
        s.flying = s.flying - 1
      end
      if f.transport.cancel then f.transport:cancel(f.id) end
    end
    local req = f and f.req or slot.answered
    if req then
      seen = seen or req
      if is_write(req) then
        uncertain, seen = true, req
      end
    end
  end
  self.slots = {}
  local function alive(e) return not e.slot.dead end
  local keep = {}
  for _, slot in ipairs(s.ready) do if not slot.dead then keep[#keep + 1] = slot end end
  s.ready = keep
  keep = {}
  for _, e in ipairs(s.sleepers) do if alive(e) then keep[#keep + 1] = e end end
  s.sleepers = keep
  local err = errors.new { kind = "cancelled", uncertain = uncertain,
    method = seen and seen.method, path = seen and path_of(seen),
    message = "the task was cancelled" .. (uncertain and (" while " .. seen.method .. " " .. tostring(path_of(seen))
      .. " was in flight: it may have been carried out, check before doing it again") or "") }
  self:finish({ true, nil, err, n = 3, cancelled = true })
  return true
end

--- Cancels every task of this scheduler; how many were running.
function Sched:cancel_all()
  local n = 0
  for task in pairs(self.tasks) do
    if task:cancel() then n = n + 1 end
  end
  return n
end

return sched
