-- Many calls at once in one thread: each item runs in a coroutine; its HTTP requests go through
-- the C core's multi interface and its sleeps (waits, backoff) yield, so none blocks the others.
local transport = require "idcloudhost.transport"

local batch = {}

local Scheduler = {}
Scheduler.__index = Scheduler

local REQUEST, SLEEP = {}, {} -- yield tags: unique values no user code can produce

--- Called from a batch coroutine by the transport: queue the request, yield until it finishes.
function Scheduler.request(_, session, req)
  local id, err = session:send(req.method, req.url, req.headers, req.body, { timeout = req.timeout })
  if not id then return nil, err end
  local done = coroutine.yield(REQUEST, session, id)
  if done.error then return nil, done.error, done.code end
  return { status = done.status, body = done.body, headers = done.headers }
end

--- Called from a batch coroutine: yield until `seconds` have passed.
function Scheduler.sleep(_, seconds)
  coroutine.yield(SLEEP, seconds)
end

local function new_scheduler(opts)
  return setmetatable({
    waiting = {},   -- session -> {id -> slot}
    sleepers = {},  -- {wake=, slot=}
    active = 0,
    on_done = opts.on_done,
  }, Scheduler)
end

-- Resumes a slot's coroutine and files it by what it yielded, or finishes it.
function Scheduler:step(slot, ...)
  local ok, tag, a, b = coroutine.resume(slot.co, ...)
  if coroutine.status(slot.co) == "dead" then
    self.active = self.active - 1
    if ok then
      self.on_done(slot, { ok = tag ~= nil and tag ~= false, value = tag, err = a })
    else
      self.on_done(slot, { ok = false, err = tag })
    end
  elseif tag == REQUEST then
    self.waiting[a] = self.waiting[a] or {}
    self.waiting[a][b] = slot
  elseif tag == SLEEP then
    self.sleepers[#self.sleepers + 1] = { wake = transport.now() + a, slot = slot }
  else
    -- A yield that is not ours: the item's own coroutine code leaked out.  Resume it with
    -- nothing rather than losing it.
    return self:step(slot)
  end
end

function Scheduler:start(slot, fn)
  slot.co = coroutine.create(fn)
  transport.adopt(slot.co, self)
  self.active = self.active + 1
  self:step(slot)
end

-- Wakes the sleepers that are due; returns the time until the next one, or nil.
function Scheduler:wake_due()
  local now, next_wake = transport.now(), nil
  local keep = {}
  local due = {}
  for _, s in ipairs(self.sleepers) do
    if s.wake <= now then due[#due + 1] = s.slot else
      keep[#keep + 1] = s
      next_wake = math.min(next_wake or s.wake, s.wake)
    end
  end
  self.sleepers = keep
  for _, slot in ipairs(due) do self:step(slot) end
  return next_wake and math.max(0, next_wake - now)
end

-- Drives the transfers of every session in flight; waits at most `wait` seconds.
function Scheduler:pump(wait)
  local sessions = {}
  for session, ids in pairs(self.waiting) do
    if next(ids) then sessions[#sessions + 1] = session else self.waiting[session] = nil end
  end
  if #sessions == 0 then
    if wait and wait > 0 then transport.sleep(wait) end
    return
  end
  -- One session is the rule; several (clients with their own pools) share the wait.
  local each = #sessions == 1 and wait or math.min(wait or 0.01, 0.01)
  for _, session in ipairs(sessions) do
    for _, done in ipairs(session:perform(each)) do
      local slot = self.waiting[session][done.id]
      self.waiting[session][done.id] = nil
      if slot then self:step(slot, done) end
    end
  end
end

--- batch.run(client, items, fn, opts): results in item order, each {ok=, value=, err=}.
-- opts: concurrency (default 8), on_progress(done, total, item, result).
function batch.run(client, items, fn, opts)
  opts = opts or {}
  local total = #items
  local concurrency = math.max(1, math.floor(opts.concurrency or 8))
  local results, finished = {}, 0
  local sched = new_scheduler { on_done = function(slot, result)
    results[slot.i] = result
    finished = finished + 1
    if opts.on_progress then pcall(opts.on_progress, finished, total, items[slot.i], result) end
  end }
  local next_i = 1
  local function fill()
    while next_i <= total and sched.active < concurrency do
      local i = next_i
      next_i = next_i + 1
      sched:start({ i = i }, function() return fn(items[i], client) end)
    end
  end
  fill()
  while sched.active > 0 do
    local until_wake = sched:wake_due()
    fill()
    if sched.active == 0 then break end
    -- Wait for a transfer, but not past the next sleeper's wake-up (nor more than a second).
    sched:pump(math.min(until_wake or 1, 1))
    fill()
  end
  return results
end

return batch
