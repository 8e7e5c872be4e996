-- The host runtime for code running inside Neovim outside idcloudhost.async (a :lua one-liner, a
-- keymap, a script).  There a call would freeze the editor until it ends (a keymap's `vm:wait`,
-- ten minutes, CTRL-C cannot stop it), so it is refused with an `invalid` error naming
-- idcloudhost.async, unless the client was made with `blocking = true` (for `:lua` one-liners,
-- scripts and tests).  Then calls block, as in plain Lua, on what Neovim has: with the C core a
-- request is the core's blocking one and a sleep core.sleep; without it (a plugin installed with
-- no compiler) requests go through the curl command (transport/spawn.lua), waited for with
-- vim.wait on libuv's fast events only, and sleeps are vim.wait too.  The debug log goes to
-- vim.notify at DEBUG level.  idcloudhost.async takes its clock, sleep, log and transport name
-- from here, so both ways agree.
--
-- runtime.lua asks active() per call; a scheduler's coroutine (async, a batch) is asked first.
local sched = require "idcloudhost.runtime.sched"

local vim = rawget(_G, "vim")
local uv = vim and (vim.uv or vim.loop)

local core = require("idcloudhost.native").core

local M = { name = "nvim" }

--- The transport "auto" means here: the C core when it loads, else the curl command.
M.transport = core and "curl" or "spawn"

--- Inside Neovim, outside an SDK scheduler's coroutine (runtime.lua asks those first anyway).
function M.active()
  return uv ~= nil and sched.of() == nil
end

-- Monotonic seconds.  uv.now() is the loop's cached time: stale inside a long callback.
local now = core and core.now or function() return uv.hrtime() / 1e9 end

local function in_fast()
  return vim.in_fast_event and vim.in_fast_event()
end
--- Inside a libuv callback (a fast event), where most of Neovim's API may not be called.
M.in_fast = in_fast

local function never() return false end

-- Blocks for seconds.  vim.wait on fast events only: libuv callbacks (other spawned requests)
-- go on, Neovim's own events (input, vim.schedule) wait until the call returns, so no plugin
-- code runs in the middle of it.  Inside a libuv callback vim.wait is refused: block outright.
local function sleep(seconds)
  if seconds <= 0 then return end
  if core then return core.sleep(seconds) end
  local ms = math.ceil(seconds * 1000)
  if in_fast() then return uv.sleep(ms) end
  vim.wait(ms, never, ms, true)
end

M.clock = { now = now, sleep = sleep }

local ASYNC = "run it inside idcloudhost.async(fn, on_done), which yields to the editor instead"

--- Why a call of a client with settings cfg cannot run here, or nil: the pipeline and batches
-- ask before anything is sent, and refuse with an invalid error.  Outside a task a call would
-- block the editor: refused unless cfg.blocking.  Inside a libuv callback (a vim.loop timer, a
-- job's callback) nothing can wait for a curl process (the loop is the caller): refused without
-- the core whatever cfg says.
function M.refuse_call(_, cfg)
  local fast = in_fast()
  if not cfg.blocking then
    return "a call outside idcloudhost.async would freeze Neovim until it ends: " .. ASYNC
      .. (fast and "" or "; or make the client with blocking = true (for :lua one-liners, scripts, tests)")
  end
  if fast and not core then
    return "without the C core a call inside a vim.loop callback cannot wait for the curl command: "
      .. ASYNC .. ", or call it from vim.schedule"
  end
end

local DEBUG = vim and vim.log and vim.log.levels.DEBUG or 1

--- The debug log: vim.notify at DEBUG level, always through vim.schedule (a request may end
-- inside a libuv callback, where vim.notify's echo is refused), so lines keep their order.
function M.log(line)
  vim.schedule(function() vim.notify(line, DEBUG) end)
end

function M.now() return now() end

function M.sleep(_, seconds) return sleep(seconds) end

function M.request(_, transport, req)
  return transport:request(req)
end

--- A scheduler of this host: the clock, log and default transport above.
function M.scheduler()
  local s = sched.new(M.clock, M.transport)
  s.log = M.log
  return s
end

--- A batch outside async (a client made with blocking = true): its items run concurrently on a
-- scheduler of their own, driven by the blocking loop (the core's multi interface, or vim.wait on
-- the curl processes).  Calls inside it are asked refuse_call as here.
function M.map(_, n, concurrency, fn, on_result)
  local s = M.scheduler()
  s.refuse_call = M.refuse_call
  return s:map(n, concurrency, fn, on_result)
end

return M
