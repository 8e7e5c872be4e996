-- idcloudhost.async(fn, on_done): SDK calls inside Neovim that never freeze the editor.
--
--   idcloudhost.async(function()
--     local vms = assert(client.vms:list())          -- yields to the editor while in flight
--     vim.api.nvim_buf_set_lines(buf, 0, -1, false, names(vms))
--     return #vms
--   end, function(ok, n, err) ... end)               -- through vim.schedule: vim.api is fine
--
-- fn runs as a coroutine of one SDK scheduler (sched.lua) per Neovim, driven by the editor's
-- loop: every request, wait, backoff and Retry-After inside it yields, and a batch's items run
-- side by side (children of the same scheduler).  The driver:
--   * a turn (sched:step(0): resume what is ready, start and collect transfers, never block)
--     runs in a vim.schedule callback, so the task's own code may call vim.api;
--   * one libuv timer asks for the next turn when a sleeper is due (sched:next_wait());
--   * while transfers of the C core are in flight, the same timer pumps them (curl's multi
--     interface) at 1 ms, backing off to 10 ms while nothing ends: no busy polling;
--   * transfers of the curl command (transport/spawn.lua) ask for a turn themselves when
--     their process ends: no timer at all while only they are in flight.
-- When nothing is alive the timer is stopped.  Calls outside async keep blocking
-- (runtime/nvim.lua).  Coroutines of other libraries (plenary.async, nio) are not the SDK's:
-- call the SDK from them through async and a callback.
local lazy = require "idcloudhost.lazy"
local errors = lazy "idcloudhost.call.errors"
local host = require "idcloudhost.runtime.nvim"

local vim = rawget(_G, "vim")
local uv = vim and (vim.uv or vim.loop)
local unpack = table.unpack or unpack

local M = {}

local PUMP_MIN, PUMP_MAX = 1, 10 -- ms between pumps of the core's transfers: first, slowest

local S          -- the scheduler, made on first use
local timer      -- the one libuv timer
local queued     -- a turn is waiting in vim.schedule
local turning    -- a turn runs (a task that calls vim.wait may let another one in)
local pump_ms    -- the current pump interval, nil when the last turn saw progress

local ERROR = vim and vim.log and vim.log.levels.ERROR or 4

local arm

local function turn()
  queued = false
  if turning then return end -- the running turn re-arms when it ends
  turning = true
  local flying = S.flying
  local ok, err = pcall(S.step, S, 0)
  turning = false
  if not ok then vim.notify("idcloudhost.async: the scheduler failed: " .. tostring(err), ERROR) end
  if S.flying ~= flying then pump_ms = nil end -- something started or ended: pump briskly again
  arm()
end

-- From anywhere, fast libuv callbacks included.
local function request_turn()
  if queued then return end
  queued = true
  vim.schedule(turn)
end

-- Whether a transfer in flight needs pumping; transports that say when they end are told how.
local function needs_pump()
  local need = false
  for t, waiting in pairs(S.inflight) do
    if next(waiting) ~= nil then
      if t.on_ready then t:on_ready(request_turn) else need = true end
    end
  end
  return need
end

-- Sets the timer for the next turn, or stops it when nothing waits on time.
function arm()
  timer:stop()
  if S.live == 0 then
    pump_ms = nil
    return
  end
  local nw = S:next_wait()
  if nw == 0 then return request_turn() end
  local ms
  if S.flying > 0 and needs_pump() then
    pump_ms = pump_ms and math.min(pump_ms * 2, PUMP_MAX) or PUMP_MIN
    ms = pump_ms
  end
  if nw then
    local due = math.max(1, math.ceil(nw * 1000))
    if not ms or due < ms then ms = due end
  end
  if ms then timer:start(ms, 0, request_turn) end
end

local function start()
  if S then return end
  S = host.scheduler()
  timer = uv.new_timer()
end

-- The error value of a task that raised.
local function raised(out)
  local e = out[2]
  if errors.is(e) then return e end
  return errors.new { kind = "error", message = errors.text(e), traceback = out.traceback }
end

--- Runs fn() as a task on Neovim's loop; on_done(true, fn's values...) or on_done(false, err)
-- when fn raised (err.kind "error", err.traceback), called through vim.schedule.  Without
-- on_done a raise is shown with vim.notify at ERROR level.  Returns true, or nil and an
-- invalid error (nothing runs).
function M.async(fn, on_done)
  if not uv then return nil, errors.invalid("idcloudhost.async runs inside Neovim (vim.loop)") end
  if type(fn) ~= "function" then
    return nil, errors.invalid("idcloudhost.async(fn, on_done): fn must be a function, got " .. type(fn))
  end
  if on_done ~= nil and type(on_done) ~= "function" then
    return nil, errors.invalid("idcloudhost.async(fn, on_done): on_done must be a function or nil, got " .. type(on_done))
  end
  start()
  S:spawn(fn, function(out)
    local args = out[1] and out or { false, raised(out), n = 2 }
    vim.schedule(function()
      if on_done then return on_done(unpack(args, 1, args.n)) end
      if not out[1] then
        vim.notify("idcloudhost.async: " .. tostring(args[2]) .. "\n" .. tostring(args[2].traceback or ""), ERROR)
      end
    end)
  end)
  request_turn()
  return true
end

--- What the driver holds: tasks alive, requests in flight, whether its timer is set.
function M.status()
  if not S then return { live = 0, flying = 0, timer = false } end
  return { live = S.live, flying = S.flying, timer = timer:is_active() and true or false,
    transport = S.transport }
end

return M
