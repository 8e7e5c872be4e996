-- Waiting: poll until something holds, with a growing interval so polling never burns a rate
-- limit.  A wait's timeout bounds everything inside it, the polls' requests included (their
-- attempts are cut to what is left); sleeps go through the runtime, so a wait inside a batch,
-- an nginx request or a Neovim task yields instead of blocking.
local check = require "idcloudhost.check"
local errors = require "idcloudhost.errors"
local runtime = require "idcloudhost.runtime"

local wait = {}

wait.DEFAULTS = { timeout = 600, interval = 2, max_interval = 30, backoff = 1.5 }

local POLL_OPTS = { timeout = "number", interval = "number", max_interval = "number", backoff = "number",
  sleep = "function", on_progress = "function" }
local STATUS_OPTS = { fail_on = "table", timeout = "number", interval = "number", max_interval = "number",
  backoff = "number", sleep = "function", on_progress = "function" }

local function check_opts(what, specs, opts)
  if type(opts) == "table" and type(opts.fail_on) == "string" then
    local o = {}
    for k, v in pairs(opts) do o[k] = v end
    o.fail_on = { opts.fail_on }
    opts = o
  end
  local o, err = check.params(what, specs, opts)
  if not o then return nil, err end
  for k in pairs(wait.DEFAULTS) do
    if o[k] ~= nil and (o[k] < 0 or o[k] ~= o[k]) then
      return nil, errors.invalid(what .. ": option '" .. k .. "' must be a number >= 0", k)
    end
    if o[k] == nil then o[k] = wait.DEFAULTS[k] end
  end
  return o
end

-- fn's outcome, or a Lua error inside it (a target function) as an error value.  (PUC Lua 5.1
-- cannot yield across pcall, and fn yields inside a batch: there an error is raised as is.)
local function guarded(fn, ...)
  if not runtime.yieldable_pcall and coroutine.running() then return fn(...) end
  local ok, a, b = pcall(fn, ...)
  if ok then return a, b end
  return nil, errors.new { kind = "error", message = tostring(a) }
end

local function run(o, cfg, fn)
  local rt = runtime.current()
  local t0 = rt:now()
  local deadline = t0 + o.timeout
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
  local o, err = check_opts("wait", POLL_OPTS, opts)
  if not o then return nil, err end
  return run(o, nil, fn)
end

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

--- obj:wait(target, opts) for any object with reload() and a status field (VMs, disks).
-- target: a status, a list of them, or a function of the object; matched case-insensitively.
-- opts: those of wait.poll, plus fail_on (statuses that end the wait at once).
-- A disappearing object ends the wait with not_found, unless "deleted" is awaited.
function wait.status(obj, target, opts)
  local ttype = type(target)
  local what = (getmetatable(obj) and getmetatable(obj).kind or "object") .. ":wait"
  if ttype ~= "string" and ttype ~= "function" and ttype ~= "table" then
    return nil, errors.invalid(what .. ": target must be a status, a list of statuses or a function")
  end
  local o, err = check_opts(what, STATUS_OPTS, opts)
  if not o then return nil, err end
  local M = getmetatable(obj)
  local wanted = ttype ~= "function" and set_of(target)
  local fail_on = o.fail_on and set_of(o.fail_on) or {}
  local ok, kerr = known(what, M, wanted or {}, "target")
  if ok then ok, kerr = known(what, M, fail_on, "fail_on") end
  if not ok then return nil, kerr end
  local name = string.format("%s %s", M.kind, tostring(obj[M.key]))
  local goal = ttype == "function" and "the condition" or table.concat(ttype == "table" and target or { target }, " or ")
  local on_progress = o.on_progress
  if on_progress then o.on_progress = function(_, elapsed) on_progress(obj, elapsed) end end
  local value, werr = run(o, obj:_client()._shared.cfg, function()
    local got, rerr = obj:reload()
    if not got then
      if rerr.not_found then
        if wanted and wanted.deleted then obj.status = "deleted" return obj end
        return nil, rerr
      end
      if transient(rerr) then return false, obj.status end
      return nil, rerr
    end
    local status = tostring(obj.status):lower()
    if status == "deleted" and not (wanted and wanted.deleted) then
      return nil, errors.new { kind = "api", not_found = true, last_status = obj.status,
        message = name .. " was deleted while waiting for " .. goal }
    end
    if fail_on[status] then
      return nil, errors.new { kind = "api", last_status = obj.status,
        message = string.format("%s reached status %s while waiting for %s", name, obj.status, goal) }
    end
    if (wanted and wanted[status]) or (not wanted and target(obj)) then return obj end
    return false, obj.status
  end)
  if not value and werr.kind == "timeout" and not werr.path then
    werr.message = string.format("%s: waiting for %s %s", name, goal, werr.message)
  end
  return value, werr
end

--- A set of statuses (lower case) for a model's `statuses`.
function wait.statuses(list)
  local set = {}
  for _, s in ipairs(list) do set[s:lower()] = true end
  return set
end

return wait
