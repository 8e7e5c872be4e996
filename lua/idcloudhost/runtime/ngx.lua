-- The runtime inside nginx (ngx_lua, OpenResty).  runtime.current() asks active() per call, so a
-- client made in init_by_lua works later in a request handler, and the phase decides:
--   * where cosockets work (rewrite, access, content, timer, the ssl_* handlers): calls go out on
--     the ngx transport, sleeps (waits, backoff, Retry-After) are ngx.sleep, batches run as light
--     threads: nothing blocks the worker;
--   * elsewhere (init_by_lua, init_worker_by_lua, set_by_lua, the filters, log_by_lua): a call
--     on the default transport ("auto") is refused with an invalid error naming the phase and
--     ngx.timer.at(0, fn), with or without the C core: it would block the worker.  A client made
--     with transport = "curl" blocks on the C core there, as in plain Lua (its user's choice).
local ngx_transport = require "idcloudhost.transport.ngx"

local ngx = rawget(_G, "ngx")

local M = {}

local PHASES = ngx_transport.PHASES

local function pack(...) return { n = select("#", ...), ... } end

-- The debug log's lines, attributed (as ngx.log does: "[lua] file:line: fn(): ") to the call's
-- site in the caller's code, the first frame outside the SDK, not to this function.
local SDK = debug.getinfo(1, "S").source:match("^@(.*)runtime[/\\]ngx%.lua$")
local raw_log

local function site()
  for level = 3, 60 do
    local info = debug.getinfo(level, "Sln")
    if not info then return nil end
    local src = info.source
    if info.what ~= "C" and src:sub(1, 1) == "@" and not (SDK and src:sub(2, #SDK + 1) == SDK) then
      return string.format("[lua] %s:%d: %s(): ", info.short_src:match("[^/]*$"), info.currentline, info.name or "")
    end
  end
end

local function log(line)
  if raw_log == nil then
    local ok, errlog = pcall(require, "ngx.errlog")
    raw_log = ok and type(errlog) == "table" and errlog.raw_log or false
  end
  local where = raw_log and site()
  if where then return raw_log(ngx.NOTICE, where .. line) end
  ngx.log(ngx.NOTICE, line)
end

------------------------------------------------------------------------------------------------
-- Where cosockets work

local yielding = { name = "ngx", transport = "ngx", log = log, concurrent = true }

function yielding.now()
  ngx.update_time()
  return ngx.now()
end

function yielding.sleep(_, seconds) ngx.sleep(seconds) end

function yielding.request(_, transport, req) return transport:request(req) end

--- fn(i) for i = 1..n on at most `concurrency` light threads; each thread takes the next item
-- when its own ends, so a slow item never holds up a free slot.  Light threads of a light
-- thread work too: a batch inside a batch item.
-- Item i of a batch run: fn(i)'s results, or its error with the traceback where it was raised.
local function run_item(fn, i)
  local trace
  local out = pack(xpcall(fn, function(e)
    trace = debug.traceback(tostring(e), 2)
    return e
  end, i))
  out.traceback = trace
  return out
end

function yielding.map(_, n, concurrency, fn, on_result)
  local taken = 0
  local function worker()
    while taken < n do
      taken = taken + 1
      local i = taken
      on_result(i, run_item(fn, i))
    end
  end
  local threads = {}
  for k = 1, math.min(n, concurrency) do
    threads[k] = assert(ngx.thread.spawn(worker))
  end
  local failed
  for _, th in ipairs(threads) do
    local ok, err = ngx.thread.wait(th)
    if not ok and not failed then failed = err end
  end
  -- Only on_result itself can raise here (items are caught): the caller's bug, raised as such.
  if failed then error(failed, 0) end
end

------------------------------------------------------------------------------------------------
-- Where they do not: the C core blocks, as in plain Lua

local runtime -- idcloudhost.runtime, which loads this module: asked for when first needed
local has_core

local function plain()
  runtime = runtime or require "idcloudhost.runtime"
  return runtime.plain
end

local blocking = { name = "ngx-blocking", transport = "curl", log = log }

function blocking.now() return plain().now() end
function blocking.sleep(_, seconds) return plain():sleep(seconds) end
function blocking.request(_, transport, req) return transport:request(req) end
-- One item after the other, here: each item's calls ask this runtime (a scheduler of the C core
-- would take them off to its multi interface, where the default transport's refusal is not
-- heard).  Blocking, as every call here is.
function blocking.map(_, n, _, fn, on_result)
  for i = 1, n do on_result(i, run_item(fn, i)) end
end

local WHERE = "cosockets work only in rewrite, access, content, timer and ssl_* handlers; "
  .. "from here, start one with ngx.timer.at(0, fn)"

--- An invalid message when `want` (a transport name) cannot run in this phase.  auto: the client
-- left the transport to the SDK, which never blocks the worker unasked: only transport = "curl",
-- set explicitly, blocks here on the C core.
function blocking.refuse(_, want, auto)
  local phase = ngx.get_phase()
  if want == "ngx" then
    return "the ngx transport cannot run in nginx's " .. phase .. " phase: " .. WHERE
  end
  if auto then
    return "no call runs in nginx's " .. phase .. " phase by default: it would block the worker. " .. WHERE
      .. " (or set transport = \"curl\" on a client of its own to block on the C core)"
  end
  if want == "curl" then
    if has_core == nil then
      has_core = require("idcloudhost.native").core ~= nil
    end
    if not has_core then
      return "transport curl cannot run in nginx's " .. phase .. " phase without the C core: " .. WHERE
        .. " (or build the core for nginx's LuaJIT, see docs/openresty.md)"
    end
  end
end

------------------------------------------------------------------------------------------------

--- false outside nginx; else the runtime of the running phase.
function M.active()
  if not ngx or type(ngx.get_phase) ~= "function" then return false end
  return PHASES[ngx.get_phase()] and yielding or blocking
end

return M
