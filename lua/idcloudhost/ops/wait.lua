-- Waiting: poll until something holds, with a growing interval so polling never burns a rate
-- limit.  A wait's timeout bounds everything inside it, the polls' requests included (their
-- attempts are cut to what is left); sleeps go through the runtime, so a wait inside a batch,
-- an nginx request or a Neovim task yields instead of blocking.
--
-- Waits for a status share their polls.  The waits of one client (its shared state), location
-- and model that run in one runtime meet on a board: per round, the first wait that is due
-- fetches the location's list (it leads), the others due meanwhile sleep until that answer and
-- take it, and every wait takes any list fetched after its own previous look.  A wait that is
-- alone on its board reloads its object instead (a list can be megabytes).  Only runtime sleeps,
-- so it works wherever waits yield: batches, nginx light threads, Neovim tasks.
-- (Long, on purpose: single polls, shared boards and wait_all share one clock model and one set of
-- checks.)
local lazy = require "idcloudhost.lazy"
local check = lazy "idcloudhost.call.check"
local errors = lazy "idcloudhost.call.errors"
local pipeline = lazy "idcloudhost.call.pipeline"
local resource = require "idcloudhost.families.kit.resource"
local runtime = require "idcloudhost.runtime"

local wait = {}

-- LuaJIT 2.1.0-beta3 (Debian's) once left a wait's interval nil right after the loop below
-- filled it in (a batch of 20 waits, `make rocks LUA=luajit`: not reproduced in 25 runs since):
-- a trace that stores into the options table is the suspect.  Waits sleep between polls, so
-- these functions gain nothing from the JIT: they run interpreted.
local jit = rawget(_G, "jit")
if jit and jit.off then jit.off(true, true) end

wait.DEFAULTS = { timeout = 600, interval = 2, max_interval = 30, backoff = 1.5 }
-- The floor of interval and max_interval: a wait looks again at most every 10 ms (README,
-- "Waiting"), whatever it was given (interval = 1e-9 would be thousands of requests a second).
wait.MIN_INTERVAL = 0.01

-- What each numeric option must be (all finite): the lowest value, whether it may equal it, and
-- the words of the error.
local BOUNDS = {
  timeout = { 0, true, "a number of seconds >= 0" },
  interval = { 0, false, "a number of seconds > 0" },
  max_interval = { 0, false, "a number of seconds > 0" },
  backoff = { 1, true, "a number >= 1 (the factor of each next interval)" },
}

local POLL_OPTS = { timeout = "number", interval = "number", max_interval = "number", backoff = "number",
  sleep = "function", on_progress = "function" }
local STATUS_OPTS = { fail_on = "table", timeout = "number", interval = "number", max_interval = "number",
  backoff = "number", sleep = "function", on_progress = "function", coalesce = "boolean" }

local function wait_options(what, specs, opts)
  local perr
  opts, perr = check.plain(what, opts, specs)
  if perr then return nil, perr end
  if type(opts) == "table" and type(opts.fail_on) == "string" then
    local o = {}
    for k, v in pairs(opts) do o[k] = v end
    o.fail_on = { opts.fail_on }
    opts = o
  end
  local o, err = check.params(what, specs, opts)
  if not o then return nil, err end
  for k, b in pairs(BOUNDS) do
    local v = o[k]
    if v == nil then
      o[k] = wait.DEFAULTS[k]
    elseif v ~= v or v == math.huge or v < b[1] or (v == b[1] and not b[2]) then
      return nil, errors.invalid(what .. ": option '" .. k .. "' must be " .. b[3] .. ", got " .. tostring(v), k)
    end
  end
  o.interval = math.max(o.interval, wait.MIN_INTERVAL)
  o.max_interval = math.max(o.max_interval, wait.MIN_INTERVAL)
  return o
end

-- fn's outcome, or a Lua error inside it (a target function) as an error value.  (PUC Lua 5.1
-- cannot yield across pcall, and fn yields inside a batch: there an error is raised as is.)
local function guarded(fn, ...)
  if not runtime.yieldable_pcall and coroutine.running() then return fn(...) end
  local ok, a, b = pcall(fn, ...)
  if ok then return a, b end
  return nil, errors.new { kind = "error", message = errors.text(a) }
end

-- The deadline of a wait starting at t0: its timeout, or an outer wait's deadline if that comes
-- first (a wait inside another wait's function ends with it, sleeps included).
local function deadline_of(t0, o)
  local deadline, outer = t0 + o.timeout, runtime.deadline()
  if outer and outer < deadline then return outer end
  return deadline
end

local function run(o, cfg, fn)
  local rt = runtime.current(cfg)
  local t0 = rt:now()
  local deadline = deadline_of(t0, o)
  local interval = o.interval
  local sleeper = { sleep = o.sleep or (cfg and cfg.sleep) }
  while true do
    local value, seen = runtime.within(deadline, guarded, fn)
    if value then return value end
    if value == nil then return nil, seen end
    local now = rt:now()
    local elapsed = now - t0
    -- A failing on_progress is the caller's bug, but it must not break the wait it watches.
    if o.on_progress then pcall(o.on_progress, seen, elapsed) end
    if now >= deadline then
      return nil, errors.new { kind = "timeout", last_status = seen,
        message = string.format("gave up after %.1f s; last seen: %s", elapsed, tostring(seen)) }
    end
    runtime.sleep(rt, sleeper, math.min(interval, deadline - now))
    interval = math.min(interval * o.backoff, o.max_interval)
  end
end

--- wait.poll(fn, opts): calls fn() until it returns a truthy value, which is returned.
-- fn returns value (done), false [, seen] (not yet; seen is reported on timeout), or nil, err
-- (stop).  opts: timeout (600 s), interval (2 s, the first delay), max_interval (30 s), backoff
-- (1.5), sleep, on_progress(seen, elapsed).  Calls inside fn are bounded by the timeout.
function wait.poll(fn, opts)
  if type(fn) ~= "function" then return nil, errors.invalid("wait: expected a function to poll") end
  local o, err = wait_options("wait", POLL_OPTS, opts)
  if not o then return nil, err end
  return run(o, nil, fn)
end

------------------------------------------------------------------------------------------------
-- What a status wait looks for

local function set_of(target)
  local set = {}
  for _, s in ipairs(type(target) == "table" and target or { target }) do set[tostring(s):lower()] = true end
  return set
end

-- A read error worth polling through: the network, a timeout, a 5xx, a rate limit.
local function transient(err)
  return err.kind == "network" or err.kind == "timeout"
    or (err.kind == "api" and err.status and (err.status >= 500 or err.status == 429))
end

-- Refuses target or fail_on statuses the model never reports (a typo would wait until the
-- timeout); a function target is the way to wait for anything else.
local function known(what, M, set, name)
  local statuses = M.statuses
  if not statuses then return true end
  for s in pairs(set) do
    if not statuses[s] then
      local list = {}
      for k in pairs(statuses) do list[#list + 1] = k end
      table.sort(list)
      return nil, errors.invalid(string.format("%s: unknown %s status %q; known: %s (or give a function)",
        what, M.kind, s, table.concat(list, ", ")), name)
    end
  end
  return true
end

-- The goal {wanted = set or nil, target = fn or nil, fail_on = set, text =} and the checked
-- options, or nil, err.
local function goal_of(what, M, target, opts)
  local ttype = type(target)
  if ttype ~= "string" and ttype ~= "function" and ttype ~= "table" then
    return nil, errors.invalid(what .. ": target must be a status, a list of statuses or a function")
  end
  local o, err = wait_options(what, STATUS_OPTS, opts)
  if not o then return nil, err end
  if ttype == "table" then
    target, err = check.plain(what .. ": target", target)
    if err then return nil, err end
  end
  local g = { wanted = ttype ~= "function" and set_of(target) or nil, target = ttype == "function" and target or nil,
    fail_on = o.fail_on and set_of(o.fail_on) or {} }
  local ok, kerr = known(what, M, g.wanted or {}, "target")
  if ok then ok, kerr = known(what, M, g.fail_on, "fail_on") end
  if not ok then return nil, kerr end
  g.text = ttype == "function" and "the condition" or table.concat(ttype == "table" and target or { target }, " or ")
  return g, o
end

local function call_target(fn, obj)
  if not runtime.yieldable_pcall and coroutine.running() then return true, fn(obj) end
  return pcall(fn, obj)
end

-- After e.obj was read afresh: true (done), false (not yet), or nil, err (ended, failed).
local function judge(e, g)
  local obj = e.obj
  local status = tostring(obj.status):lower()
  if status == "deleted" and not (g.wanted and g.wanted.deleted) then
    return nil, errors.new { kind = "api", not_found = true, last_status = obj.status,
      message = e.name .. " was deleted while waiting for " .. g.text }
  end
  if g.fail_on[status] then
    return nil, errors.new { kind = "api", last_status = obj.status,
      message = string.format("%s reached status %s while waiting for %s", e.name, tostring(obj.status), g.text) }
  end
  if g.wanted then return g.wanted[status] == true end
  local ok, v = call_target(g.target, obj)
  if not ok then return nil, errors.new { kind = "error", message = errors.text(v) } end
  return v and true or false
end

-- The object is gone: that satisfies only a wait for "deleted".
local function gone(e, g, err)
  if g.wanted and g.wanted.deleted then
    e.obj.status = "deleted"
    return true
  end
  return nil, err
end

------------------------------------------------------------------------------------------------
-- Looking: alone (reload the object) or from a list of the location shared on a board

local function look_alone(e, g, deadline)
  local got, err = runtime.within(deadline, guarded, e.obj.reload, e.obj)
  if got then return judge(e, g) end
  if err.not_found then return gone(e, g, err) end
  if transient(err) then return false end
  return nil, err
end

-- A copy of decoded JSON: each waiting object gets its own tables.
local function copy(v)
  if type(v) ~= "table" then return v end
  local out = {}
  for k, x in pairs(v) do out[k] = copy(x) end
  return setmetatable(out, getmetatable(v))
end

-- r: a list result {index = key -> item} or {err =}.
local function look_listed(e, g, r, where)
  if r.err then
    if transient(r.err) then return false end
    return nil, r.err
  end
  local item = r.index[e.key]
  if not item then
    return gone(e, g, errors.new { kind = "api", not_found = true, last_status = e.obj.status,
      message = e.name .. " is not in the list of " .. where .. " (deleted?) while waiting for " .. g.text })
  end
  e.obj:_update(copy(item))
  return judge(e, g)
end

-- Program order: a list is fresh for a wait when its fetch began after the wait's previous look.
-- (A counter, not a clock: ngx.now() is cached per event-loop turn, coarse clocks repeat.)
local ticks = 0
local function tick()
  ticks = ticks + 1
  return ticks
end

local boards = setmetatable({}, { __mode = "k" }) -- shared -> runtime -> location\0kind -> board

local function board_of(shared, rt, location, M)
  local by_rt = boards[shared]
  if not by_rt then
    by_rt = setmetatable({}, { __mode = "k" })
    boards[shared] = by_rt
  end
  local by_key = by_rt[rt]
  if not by_key then
    by_key = {}
    by_rt[rt] = by_key
  end
  local key = (location or "") .. "\0" .. M.kind
  local b = by_key[key]
  if not b then
    -- members: objects waited for on it; result: the newest list; fetching: the lead in flight.
    b = { members = 0, fetches = 0 }
    by_key[key] = b
  end
  return b
end

--- The board of a client's location for a model, in the running runtime (for tests, benches).
function wait.board(client, methods)
  return board_of(client._shared, runtime.current(client._shared.cfg), client.location, resource.meta(methods))
end

local WEAK = { __mode = "v" }

-- A lead whose fetch will not publish soon: its coroutine ended or was collected (an nginx
-- request that finished kills its light threads), it is the running code itself (a raise left
-- it), or its first attempt ran out of time (it may be retrying; a follower then fetches too,
-- rather than wait on a lead that may be gone).
local function abandoned(f, now)
  local co, me = f.co, coroutine.running()
  if f.had_co and (co == nil or coroutine.status(co) == "dead") then return true end
  if co == me then return true end
  return now >= f.stale
end

local function lead(b, rt, deadline, cfg, fetch)
  local now = rt:now()
  local f = setmetatable({ tick = tick(), started = now, co = coroutine.running(),
    stale = math.min(deadline, now + cfg.timeout) + 1 }, WEAK)
  f.had_co = f.co ~= nil
  b.fetching = f
  local index, err = runtime.within(deadline, guarded, fetch)
  local r = { tick = f.tick, index = index, err = (not index) and err or nil }
  if b.fetching == f then b.fetching = nil end
  b.fetches = b.fetches + 1
  if not b.result or b.result.tick < r.tick then b.result = r end
  return r
end

-- A list fetched after `since`: the board's, one this wait fetches (leading), or the one another
-- wait is fetching (this one sleeps until it lands).  nil when the deadline comes first.
local function fresh(b, since, deadline, rt, sleeper, cfg, fetch)
  while true do
    local r = b.result
    if r and r.tick > since then return r end
    local now = rt:now()
    local f = b.fetching
    if not f or abandoned(f, now) then return lead(b, rt, deadline, cfg, fetch) end
    if now >= deadline then return nil end
    -- Short naps while the fetch runs: half its age so far, from 10 ms to 250 ms.
    local nap = math.max(0.01, math.min(0.25, (now - f.started) / 2))
    runtime.sleep(rt, sleeper, math.min(nap, deadline - now))
  end
end

local function fetch_list(client, ep, M)
  local list, err = pipeline.call(client, ep)
  if not list then return nil, err end
  local index = {}
  for _, item in ipairs(list) do index[tostring(item[M.key]):lower()] = item end
  return index
end

------------------------------------------------------------------------------------------------
-- One loop for any number of objects of one client's location

local function entry(obj, M)
  local id = tostring(obj[M.key])
  return { obj = obj, key = id:lower(), name = M.kind .. " " .. id }
end

local function timed_out(e, g, elapsed)
  return errors.new { kind = "timeout", last_status = e.obj.status,
    message = string.format("%s: waiting for %s gave up after %.1f s; last seen: %s", e.name, g.text, elapsed,
      tostring(e.obj.status)) }
end

-- Waits for every entry (objects of model M behind one client and location) until each is done,
-- failed or out of time; one look per round serves them all.  Sets e.value or e.err.
local function watch(client, M, entries, g, o)
  local cfg = client._shared.cfg
  local rt = runtime.current(cfg)
  local sleeper = { sleep = o.sleep or cfg.sleep }
  local t0 = rt:now()
  local deadline = deadline_of(t0, o)
  local interval = o.interval
  local ep = o.coalesce ~= false and M.list or nil
  local b = ep and board_of(client._shared, rt, client.location, M)
  local where = "location " .. (client.location or "(the account's default)")
  local fetch = function() return fetch_list(client, ep, M) end
  local pending = {}
  for i, e in ipairs(entries) do pending[i] = e end
  if b then b.members = b.members + #pending end
  local multi = #entries > 1
  local since = tick()
  local function settle(e, done, err)
    if done then e.value = e.obj else e.err = err end
    if b then b.members = b.members - 1 end
  end
  while true do
    local listed = b and (multi or b.members > #pending)
    local r = listed and fresh(b, since, deadline, rt, sleeper, cfg, fetch)
    local keep = {}
    for _, e in ipairs(pending) do
      local done, err
      if not listed then
        done, err = look_alone(e, g, deadline)
      elseif r then
        done, err = look_listed(e, g, r, where)
      else
        done = false -- the deadline came while another wait fetched
      end
      if done == false then keep[#keep + 1] = e else settle(e, done, err) end
    end
    pending = keep
    if #pending == 0 then return end
    local now = rt:now()
    -- A failing on_progress is the caller's bug, but it must not break the wait it watches.
    if o.on_progress then
      for _, e in ipairs(pending) do pcall(o.on_progress, e.obj, now - t0) end
    end
    if now >= deadline then
      for _, e in ipairs(pending) do settle(e, false, timed_out(e, g, now - t0)) end
      return
    end
    since = tick()
    runtime.sleep(rt, sleeper, math.min(interval, deadline - now))
    interval = math.min(interval * o.backoff, o.max_interval)
  end
end

--- obj:wait(target, opts) for any object with reload() and a status field (VMs, disks).
-- target: a status, a list of them, or a function of the object; matched case-insensitively.
-- opts: those of wait.poll, plus fail_on (statuses that end the wait at once) and coalesce
-- (false: never share polls with other waits).
-- A disappearing object ends the wait with not_found, unless "deleted" is awaited.
function wait.status(obj, target, opts)
  local M = getmetatable(obj)
  local what = (M and M.kind or "object") .. ":wait"
  local g, o = goal_of(what, M, target, opts)
  if not g then return nil, o end
  if obj[M.key] == nil then return nil, errors.invalid(what .. ": the object has no " .. M.key) end
  local e = entry(obj, M)
  watch(obj:_client(), M, { e }, g, o)
  if e.err then return nil, e.err end
  return e.value
end

--- collection:wait_all(items, target, opts): waits for many objects of a model at once.  items:
-- objects or uuids (of client's location), any mix of locations.  Each location's list is read
-- once per round for all of its objects, updating each in place.  Returns the results in item
-- order, each {ok = true, value = object} or {ok = false, err =}, like client:batch.
function wait.all(client, methods, items, target, opts)
  local M = resource.meta(methods)
  local what = M.kind .. ":wait_all"
  if type(items) ~= "table" then return nil, errors.invalid(what .. ": expected a list of objects or uuids") end
  local g, o = goal_of(what, M, target, opts)
  if not g then return nil, o end
  local entries, groups, by = {}, {}, {}
  for i, item in ipairs(items) do
    local obj = item
    if type(item) == "string" and check.is_uuid(item) then
      obj = resource.wrap(methods, client, { [M.key] = item })
    elseif getmetatable(item) ~= M or item[M.key] == nil then
      return nil, errors.invalid(string.format("%s: item %d is not a %s or its %s", what, i, M.kind, M.key))
    end
    local c = obj:_client()
    local loc = c.location or ""
    by[c._shared] = by[c._shared] or {}
    local grp = by[c._shared][loc]
    if not grp then
      grp = { client = c, entries = {} }
      by[c._shared][loc] = grp
      groups[#groups + 1] = grp
    end
    entries[i] = entry(obj, M)
    grp.entries[#grp.entries + 1] = entries[i]
  end
  if #groups == 0 then return {} end
  local rt = runtime.current(groups[1].client._shared.cfg)
  rt:map(#groups, #groups, function(i)
    watch(groups[i].client, M, groups[i].entries, g, o)
  end, function(i, out)
    if out[1] then return end
    for _, e in ipairs(groups[i].entries) do
      if e.value == nil and e.err == nil then
        e.err = errors.new { kind = "error", message = errors.text(out[2]), traceback = out.traceback }
      end
    end
  end)
  local results = {}
  for i, e in ipairs(entries) do
    results[i] = e.value and { ok = true, value = e.value } or { ok = false, err = e.err }
  end
  return results
end

return wait
