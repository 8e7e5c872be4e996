-- The host runtime for code running inside Neovim outside idcloudhost.async (a :lua one-liner, a
-- keymap, a script): calls block, as in plain Lua, but on what Neovim has.  With the C core a
-- request is the core's blocking one and a sleep core.sleep; without it (a plugin installed with
-- no compiler) requests go through the curl command (transport/spawn.lua), waited for with
-- vim.wait on libuv's fast events only, and sleeps are vim.wait too.  The debug log goes to
-- vim.notify at DEBUG level.  idcloudhost.nvim (async) takes its clock, sleep, log and transport
-- name from here, so both ways agree.
--
-- runtime.lua asks active() per call; a scheduler's coroutine (async, a batch) is asked first.
local sched = require "idcloudhost.runtime.sched"

local vim = rawget(_G, "vim")
local uv = vim and (vim.uv or vim.loop)

local core = require("idcloudhost.native").core

local M = { name = "nvim" }

local function pack(...) return { n = select("#", ...), ... } end

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

--- A batch outside async: its items run concurrently on a scheduler of their own, driven by
-- the blocking loop (the core's multi interface, or vim.wait on the curl processes).
function M.map(_, n, concurrency, fn, on_result)
  if not core and in_fast() then
    -- Inside a libuv callback nothing can wait for a curl process (the loop is the caller): a
    -- scheduler would spin.  The items run one by one, each request answering at once that it
    -- cannot wait here (transport/spawn.lua), as an error value.
    for i = 1, n do
      local out = pack(pcall(fn, i))
      if not out[1] then out.traceback = debug.traceback(tostring(out[2])) end
      on_result(i, out)
    end
    return
  end
  return M.scheduler():map(n, concurrency, fn, on_result)
end

return M
