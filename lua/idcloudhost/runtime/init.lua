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
local lazy = require "idcloudhost.lazy"
local sched = require "idcloudhost.runtime.sched"
local transport = lazy "idcloudhost.transport"

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

function plain.request(_, t, req)
  return t:request(req)
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
-- The hosts' globals, for runtime.attempt's one test (plain Lua has neither).
local NGX, VIM = HOSTS[1][2], HOSTS[2][2]
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

-- A client's clock (the `clock` option: {now = fn, sleep = fn(seconds)}) over the runtime rt:
-- rt's requests, transports and refusals, the clock's time and sleeps.  Inside a scheduler that
-- runs on that same clock a sleep still yields to it (a batch made by this runtime: map below);
-- anywhere else the clock's own sleep is called (a virtual clock's returns at once).  One per
-- (clock, rt), so transport.pick's memory of the last runtime holds.
local clocked = setmetatable({}, { __mode = "k" })  -- clock -> {rt -> wrapped}

local function with_clock(rt, clock)
  local by_rt = clocked[clock]
  if not by_rt then
    by_rt = setmetatable({}, { __mode = "k" })
    clocked[clock] = by_rt
  end
  local w = by_rt[rt]
  if w then return w end
  local yields = rt.scheduled and rt.clock == clock
  w = { name = rt.name, transport = rt.transport, concurrent = rt.concurrent, scheduled = rt.scheduled,
    clock = clock, inner = rt }
  function w.now() return clock.now() end
  function w.sleep(_, seconds)
    if yields then return rt:sleep(seconds) end
    return clock.sleep(seconds)
  end
  function w.request(_, t, req) return rt:request(t, req) end
  if rt.refuse then function w.refuse(_, name) return rt:refuse(name) end end
  -- (a host that refuses calls, Neovim's main loop, refuses them on any clock)
  if rt.refuse_call then function w.refuse_call(_, cfg) return rt:refuse_call(cfg) end end
  w.log = rt.log
  function w.map(_, n, concurrency, fn, on_result)
    -- plain Lua's batches run on a scheduler of this clock; a host's or a scheduler's as they do
    if rt == plain then return sched.new(clock):map(n, concurrency, fn, on_result) end
    return rt:map(n, concurrency, fn, on_result)
  end
  by_rt[rt] = w
  return w
end

--- The runtime of the running code; for a client's settings cfg with a clock, that runtime on
-- the client's clock (every time the SDK reads or waits on goes through the runtime it gets here).
function runtime.current(cfg)
  local rt = of()
  if not rt then
    for i = 1, #HOSTS do
      if rawget(_G, HOSTS[i][2]) ~= nil then
        local h = host(i)
        local r = h and h.active()
        if r then
          rt = r == true and h or r
          break
        end
      end
    end
    rt = rt or plain
  end
  local clock = cfg and cfg.clock
  if clock then return with_clock(rt, clock) end
  return rt
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
local G = _G

local function key()
  return running() or MAIN
end

--- The deadline (a time of rt's clock) of the running scope, or nil.
function runtime.deadline()
  return scopes[running() or MAIN]  -- (key(), inlined: asked by every call)
end

--- Where an attempt of a call of the client whose shared state is `shared` runs, in one lookup:
-- the runtime, the client's transport there (or nil and the runtime's refusal), and the
-- deadline of the calls in progress (nil: none).
-- Plain Lua, the common case, is told in one test: no scheduler's coroutine, no host's global
-- (HOSTS: ngx, vim), no clock of the client's; anything else is runtime.current's to say.  The
-- transport is transport.pick's answer for the last runtime, read here when it still holds.
-- (Asked by every call: the way through runtime.current and transport.pick was ~2% of a vms:get.)
function runtime.attempt(shared)
  local cfg, co = shared.cfg, running()
  local rt = plain
  if of(co) or rawget(G, NGX) ~= nil or rawget(G, VIM) ~= nil or cfg.clock then
    rt = runtime.current(cfg)
  end
  if shared.picked_rt == rt then return rt, shared.picked, nil, scopes[co or MAIN] end
  local t, err = transport.pick(shared, rt)
  return rt, t, err, scopes[co or MAIN]
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
