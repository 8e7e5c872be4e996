-- idcloudhost.async(fn, on_done): SDK calls inside Neovim that never freeze the editor.
--
--   local task = idcloudhost.async(function()
--     local vms = assert(client.vms:list())          -- yields to the editor while in flight
--     vim.api.nvim_buf_set_lines(buf, 0, -1, false, names(vms))
--     return #vms
--   end, function(ok, n, err) ... end)               -- through vim.schedule: vim.api is fine
--   task:cancel()                                    -- e.g. when the buffer is wiped
--
-- fn runs as a task (sched.lua's) of one SDK scheduler per Neovim, driven by the editor's loop:
-- every request, wait, backoff and Retry-After inside it yields, and a batch's items run side by
-- side (coroutines of the same task).  The driver:
--   * a turn (sched:step(0): resume what is ready, start and collect transfers, never block)
--     runs in a vim.schedule callback, so the task's own code may call vim.api;
--   * one libuv timer asks for the next turn when a sleeper is due (sched:next_wait()), or when
--     libcurl wants to be called (its own timeouts);
--   * the C core's transfers wake a turn when one of their sockets is ready: a libuv poll handle
--     per socket libcurl waits on (session:sockets()), followed after every perform and cancel;
--     with a core that cannot list its sockets the timer pumps them (1 ms, backing off to 10 ms);
--   * transfers of the curl command (transport/spawn.lua) ask for a turn themselves when
--     their process ends.
-- When nothing is alive the timer is stopped and the poll handles closed.  task:cancel() stops a
-- task at once (sched.lua), cancel_all() every one, and every task is cancelled on VimLeavePre:
-- no curl process outlives the editor.  Calls outside a task are refused unless the client was
-- made with blocking = true (runtime/nvim/init.lua).  Coroutines of other libraries
-- (plenary.async, nio) are not the SDK's: call the SDK from them through async and a callback.
local lazy = require "idcloudhost.lazy"
local errors = lazy "idcloudhost.call.errors"
local host = require "idcloudhost.runtime.nvim"

local vim = rawget(_G, "vim")
local uv = vim and (vim.uv or vim.loop)
local unpack = table.unpack or unpack

local M = {}

local PUMP_MIN, PUMP_MAX = 1, 10 -- ms between blind pumps of the core's transfers: first, slowest
local WATCH_MAX = 1000           -- ms: the longest a watched transfer goes without a pump

local S          -- the scheduler, made on first use
local timer      -- the one libuv timer
local timer_due  -- when it fires (the loop's clock, uv.now(), ms), nil while stopped
local queued     -- a turn is waiting in vim.schedule
local turning    -- a turn runs (a task that calls vim.wait may let another one in)
local pump_ms    -- the current blind pump interval, nil when the last turn saw progress
local polls = {} -- transport -> {handle =, fd =}: the core's transfers, watched while any is pending

local ERROR = vim and vim.log and vim.log.levels.ERROR or 4

local arm

local function turn()
  queued = false
  if turning then return end -- the running turn re-arms when it ends
  turning = true
  local flying = S.flying
  local ok, err = pcall(S.step, S, 0)
  turning = false
  if not ok then vim.notify("idcloudhost.async: the scheduler failed: " .. errors.text(err), ERROR) end
  if S.flying ~= flying then pump_ms = nil end -- something started or ended: pump briskly again
  arm()
end

-- From anywhere, fast libuv callbacks included.
local function request_turn()
  if queued then return end
  queued = true
  vim.schedule(turn)
end

-- The core's transfers became ready.  Their bytes are taken here, in the libuv callback (the
-- transports' poll: libcurl, no task code), and a turn is asked for only when one ended: a
-- partial answer costs no trip through vim.schedule.  During a turn (a task waits in vim.wait)
-- or with one already asked for, the handle stops until the next arm starts it again, so the
-- loop never spins on a descriptor that stays readable; so it does when none of the
-- transport's transfers is ours (the core keeps an idle connection in its set between two
-- requests: closed by its server, it would wake the loop until the next perform).
local wakeups = 0 -- times a core's descriptor woke the driver (status())

local function ready(p)
  return function()
    wakeups = wakeups + 1
    local waiting = S.inflight[p.t]
    if turning or queued or not waiting or next(waiting) == nil then
      p.handle:stop()
      p.stopped = true
      if turning or queued then return request_turn() end
      return
    end
    local ok, err = pcall(S.pump, S, 0)
    if not ok then
      vim.schedule(function() vim.notify("idcloudhost.async: the scheduler failed: " .. errors.text(err), ERROR) end)
    end
    if #S.ready > 0 then return request_turn() end
    -- Part of an answer: nothing else changed, so the timer stands unless libcurl now wants a
    -- poll before it fires (-1: it wants none).
    local ms = p.t.ms
    if timer_due and ms and (ms < 0 or uv.now() + ms >= timer_due) then return end
    arm()
  end
end

local function unwatch(t)
  local p = polls[t]
  polls[t] = nil
  t.fd = nil -- (its next poll that names the descriptor watches it again)
  if p and not p.handle:is_closing() then p.handle:close() end
end

-- Follows the transfers of the core's transport t: called by t when its descriptor appears,
-- after every cancel, and before it closes (transport/curl.lua); sets t.fd and t.ms.  The core
-- keeps one descriptor per session that is readable while any of its sockets is ready
-- (session:wakeup): that one is watched, never libcurl's sockets themselves.
local function watch(t, closing)
  local fd, ms
  if not closing then fd, ms = t:wakeup() end
  local p = polls[t]
  -- (the descriptor lives as long as the session: the handle stays while the driver is busy,
  -- watching an empty set between two requests)
  if p and (closing or (fd and p.fd ~= fd)) then
    unwatch(t)
    p = nil
  end
  if fd and not p then
    local ok, handle = pcall(uv.new_poll, fd)
    if ok and handle then
      p = { handle = handle, fd = fd, t = t }
      p.cb = ready(p)
      polls[t] = p
    end
  end
  -- (a handle still started watches the same descriptor: the core keeps its set current)
  if fd and p then
    p.stopped = nil
    if not p.handle:is_active() and not p.handle:start("r", p.cb) then
      unwatch(t)
      p = nil
    end
  end
  -- Nothing watched and no timeout of libcurl's while transfers are queued: the timer pumps.
  if not (fd and p) and (not ms or ms < 0) then ms = false end
  t.fd, t.ms = p and fd, ms
end

local function unwatch_all()
  for t in pairs(polls) do unwatch(t) end
end

-- Whether a transfer in flight needs blind pumping, and the soonest ms libcurl asked for.
-- Transports that say when they end are told how; the core's are watched.
local function drive()
  local need, soonest = false, nil
  for t, waiting in pairs(S.inflight) do
    if next(waiting) ~= nil then
      if t.on_ready then
        t:on_ready(request_turn)
      elseif t.watch or (t.wakeup and t:wakeup() ~= false) then
        local p = polls[t]
        if not t.watch or (p and p.stopped) then
          t.watch = watch
          watch(t)
        end
        local ms = t.ms
        if not ms then
          need = true
        else
          -- (-1: libcurl has no timeout of its own, the descriptor wakes the driver)
          ms = ms < 0 and WATCH_MAX or math.min(math.max(ms, 1), WATCH_MAX)
          if not soonest or ms < soonest then soonest = ms end
        end
      else
        need = true
      end
    end
  end
  return need, soonest
end

-- The timer fired: it is stopped.
local function fired()
  timer_due = nil
  request_turn()
end

local function stop_timer()
  if timer_due then
    timer:stop()
    timer_due = nil
  end
end

-- Sets the timer for the next turn, or stops it when nothing waits on time.  A timer already
-- set to fire no later than asked is kept: firing early costs one turn, which sets it again,
-- while setting it anew costs two calls into libuv every turn (libcurl asks for about the same
-- timeout after every perform).
function arm()
  if S.live == 0 then
    stop_timer()
    pump_ms = nil
    unwatch_all()
    return
  end
  local nw = S:next_wait()
  if nw == 0 then
    stop_timer()
    return request_turn()
  end
  local ms
  if S.flying > 0 then
    local need, soonest = drive()
    if need then
      pump_ms = pump_ms and math.min(pump_ms * 2, PUMP_MAX) or PUMP_MIN
      ms = pump_ms
    end
    if soonest and (not ms or soonest < ms) then ms = soonest end
  else
    unwatch_all()
  end
  if nw then
    local due = math.max(1, math.ceil(nw * 1000))
    if not ms or due < ms then ms = due end
  end
  if not ms then return stop_timer() end
  local due = uv.now() + ms
  if timer_due and timer_due <= due then return end
  timer:start(ms, 0, fired)
  timer_due = due
end

--- Cancels every task; how many were running.
function M.cancel_all()
  if not S then return 0 end
  local n = S:cancel_all()
  arm()
  return n
end

-- Neovim is leaving: every task cancelled, every curl process killed (a blocking call's too).
local function leaving()
  M.cancel_all()
  local spawn = package.loaded["idcloudhost.transport.spawn"]
  if type(spawn) == "table" and spawn.kill_all then spawn.kill_all() end
end

local function on_leave()
  vim.api.nvim_create_autocmd("VimLeavePre", {
    group = vim.api.nvim_create_augroup("idcloudhost_async", { clear = true }),
    callback = function() leaving() end,
  })
end

local function start()
  if S then return end
  S = host.scheduler()
  timer = uv.new_timer()
  -- task:wait(ms) outside a task: the editor's loop runs meanwhile.
  S.wait_until = function(ms, ended)
    if not host.in_fast() then vim.wait(ms or 0x7fffffff, ended, 5) end
  end
  if host.in_fast() then vim.schedule(on_leave) else on_leave() end
end

-- A task's handle: sched.lua's, whose cancel also re-arms the driver (timers stop at once).
local Task = setmetatable({}, { __index = require("idcloudhost.runtime.sched").Task })
Task.__index = Task

function Task:cancel()
  local was = getmetatable(Task).__index.cancel(self)
  if was then arm() end
  return was
end

local USAGE = "idcloudhost.async(fn, on_done): "

--- Runs fn() as a task on Neovim's loop; on_done(true, fn's values...), on_done(false, err) when
-- fn raised (err.kind "error", err.traceback), or on_done(true, nil, err) with err.kind
-- "cancelled" after task:cancel(), called once through vim.schedule.  opts: on_done, or a
-- table {on_done = fn}.  Without on_done a raise is shown with vim.notify at ERROR level.
-- Returns the task (task:cancel(), task:done(), task:result(), task:wait(ms)), or nil and an
-- invalid error (nothing runs).
function M.async(fn, opts)
  if not uv then return nil, errors.invalid("idcloudhost.async runs inside Neovim (vim.loop)") end
  if type(fn) ~= "function" then
    return nil, errors.invalid(USAGE .. "fn must be a function, got " .. type(fn))
  end
  local on_done = opts
  if type(opts) == "table" then on_done = opts.on_done end
  if on_done ~= nil and type(on_done) ~= "function" then
    return nil, errors.invalid(USAGE .. "on_done must be a function or nil, got " .. type(on_done))
  end
  start()
  local task = S:task(fn, function(out)
    vim.schedule(function()
      if on_done then return on_done(unpack(out, 1, out.n)) end
      if not out[1] then
        vim.notify("idcloudhost.async: " .. errors.text(out[2]) .. "\n" .. tostring(out[2].traceback or ""), ERROR)
      end
    end)
  end)
  setmetatable(task, Task)
  request_turn()
  return task
end

--- What the driver holds: tasks alive, requests in flight, whether its timer is set, how many
-- descriptors of the core it watches (one per session), and how many times one woke it.
function M.status()
  local sockets = 0
  for _ in pairs(polls) do sockets = sockets + 1 end
  if not S then return { live = 0, flying = 0, timer = false, sockets = 0, wakeups = wakeups } end
  return { live = S.live, flying = S.flying, timer = timer:is_active() and true or false,
    transport = S.transport, sockets = sockets, wakeups = wakeups }
end

return M
