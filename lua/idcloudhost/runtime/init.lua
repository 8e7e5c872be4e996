-- Where a call runs decides how it waits (docs/architecture.md, "Runtime").  runtime.current()
-- is asked per call, never frozen at idcloudhost.new: a client made at start-up may be used
-- later inside a request handler, a batch or a Neovim task.
--
-- A runtime has the methods now(), sleep(seconds), request(transport, req), map(n, concurrency,
-- fn, on_result), an optional log(line) for the debug log, `transport`: the transport "auto"
-- means there (nil: the C core), and `concurrent`: true where a waiting call lets other calls of
-- the process run (a scheduler's coroutines, nginx's request handlers).
--   * a scheduler (sched.lua), inside one of its coroutines: everything yields to it;
--   * a host (runtime/<host>.lua, e.g. ngx) when host.active() says the running code is there;
--   * plain Lua: blocking calls on the C core, batches on a scheduler of their own.
local sched = require "idcloudhost.runtime.sched"

local runtime = {}

local core = require("idcloudhost.native").core

local function no_sleep()
  error("idcloudhost: no way to sleep here: build the C core (make), or pass sleep = function(seconds)", 0)
end

-- The clock and sleep of plain Lua: the C core's, else luasocket's; never a busy loop.
local function plain_clock()
  if core then return core.now, core.sleep end
  local ok, socket = pcall(require, "socket")
  if ok and type(socket) == "table" and socket.gettime and socket.sleep then return socket.gettime, socket.sleep end
  return os.time, no_sleep
end

local now, sleep = plain_clock()
local plain = { name = "plain", clock = { now = now, sleep = sleep } }

function plain.now() return now() end
function plain.sleep(_, seconds) return sleep(seconds) end

function plain.request(_, transport, req)
  return transport:request(req)
end

function plain:map(n, concurrency, fn, on_result)
  return sched.new(self.clock):map(n, concurrency, fn, on_result)
end

runtime.plain = plain

-- Hosts other than plain Lua, asked in this order, each with the global its host defines: the
-- module is loaded when that global is first seen (never in plain Lua); a module that does not
-- load is skipped.  Each has active(): false outside that host; true when the running code is in
-- it (the module is then the runtime, with the runtime methods); or the runtime to use there,
-- for a host whose parts differ (nginx: cosockets in a request handler, none in init_by_lua).
local HOSTS = { { "idcloudhost.runtime.ngx", "ngx" }, { "idcloudhost.runtime.nvim", "vim" } }
local hosts = {} -- index in HOSTS -> the module, or false

local function host(i)
  local h = hosts[i]
  if h == nil then
    local ok, mod = pcall(require, HOSTS[i][1])
    h = ok and type(mod) == "table" and mod
    hosts[i] = h
  end
  return h
end

local of = sched.of

--- The runtime of the running code.
function runtime.current()
  local s = of()
  if s then return s end
  for i = 1, #HOSTS do
    if rawget(_G, HOSTS[i][2]) ~= nil then
      local h = host(i)
      local rt = h and h.active()
      if rt then return rt == true and h or rt end
    end
  end
  return plain
end

--- Sleeps through rt, unless the client was given a sleep of its own (plain Lua only: inside a
-- scheduler or a host, the yielding sleep always wins).
function runtime.sleep(rt, cfg, seconds)
  if seconds <= 0 then return end
  if rt == plain and cfg.sleep then return cfg.sleep(seconds) end
  return rt:sleep(seconds)
end

------------------------------------------------------------------------------------------------
-- Deadlines: a bound on every call made inside a scope (a wait bounds its polls so), per
-- coroutine.

local MAIN = {}
local scopes = setmetatable({}, { __mode = "k" })

local running = coroutine.running

local function key()
  return running() or MAIN
end

--- The deadline (a time of rt's clock) of the running scope, or nil.
function runtime.deadline()
  return scopes[running() or MAIN]  -- (key(), inlined: asked by every call)
end

-- PUC Lua 5.1 cannot yield across pcall, and a wait inside a batch yields: there the scope is
-- restored on return only (SDK calls return errors as values; a raise would leave it set).
local YIELDABLE_PCALL = _VERSION ~= "Lua 5.1" or rawget(_G, "jit") ~= nil
runtime.yieldable_pcall = YIELDABLE_PCALL

local function restore(k, outer, ok, ...)
  scopes[k] = outer
  if not ok then error((...), 0) end
  return ...
end

--- Runs fn(...) with calls bounded by `deadline` (the earlier of it and any outer deadline).
function runtime.within(deadline, fn, ...)
  local k = key()
  local outer = scopes[k]
  scopes[k] = (outer and outer < deadline) and outer or deadline
  if YIELDABLE_PCALL or not coroutine.running() then return restore(k, outer, pcall(fn, ...)) end
  return restore(k, outer, true, fn(...))
end

return runtime
