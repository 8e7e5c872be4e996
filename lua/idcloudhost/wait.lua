-- Waiting: poll until something holds, with a growing interval so polling never burns a rate
-- limit.  Sleeps go through the client's I/O, so a wait inside a batch yields to the others.
local errors = require "idcloudhost.errors"
local transport = require "idcloudhost.transport"

local wait = {}

local DEFAULTS = { timeout = 600, interval = 2, max_interval = 30, backoff = 1.5 }

local function option(opts, k)
  local v = opts[k]
  if v == nil then return DEFAULTS[k] end
  if type(v) ~= "number" or v < 0 then error("wait: option '" .. k .. "' must be a number >= 0", 0) end
  return v
end

local function check_opts(opts)
  if opts ~= nil and type(opts) ~= "table" then return nil, errors.invalid("wait: options must be a table") end
  opts = opts or {}
  local ok, err = pcall(function()
    for k in pairs(DEFAULTS) do option(opts, k) end
  end)
  if not ok then return nil, errors.invalid(err) end
  return opts
end

--- wait.poll(fn, opts): calls fn() until it returns a truthy value, which is returned.
-- fn returns value (done), false [, seen] (not yet; seen is reported on timeout), or nil, err (stop).
-- opts: timeout, interval (first delay), max_interval, backoff, sleep, on_progress(seen, elapsed).
function wait.poll(fn, opts)
  local err
  opts, err = check_opts(opts)
  if not opts then return nil, err end
  local sleep = opts.sleep or transport.sleep
  local timeout, interval = option(opts, "timeout"), option(opts, "interval")
  local max_interval, backoff = option(opts, "max_interval"), option(opts, "backoff")
  local t0 = transport.now()
  while true do
    local value, seen = fn()
    if value then return value end
    if value == nil then return nil, seen end
    local elapsed = transport.now() - t0
    if opts.on_progress then opts.on_progress(seen, elapsed) end
    if elapsed >= timeout then
      return nil, errors.new { kind = "timeout", last_status = seen,
        message = string.format("gave up after %.1f s; last seen: %s", elapsed, tostring(seen)) }
    end
    sleep(math.min(interval, timeout - elapsed))
    interval = math.min(interval * backoff, max_interval)
  end
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

--- obj:wait(target, opts) for any object with reload() and a status field (VMs, disks).
-- target: a status, a list of them, or a function of the object; matched case-insensitively.
-- opts: those of wait.poll, plus fail_on (statuses that end the wait at once).
-- A disappearing object ends the wait with not_found, unless "deleted" is awaited.
function wait.status(obj, target, opts)
  local ttype = type(target)
  if ttype ~= "string" and ttype ~= "function" and ttype ~= "table" then
    return nil, errors.invalid("wait: target must be a status, a list of statuses or a function")
  end
  local checked, err = check_opts(opts)
  if not checked then return nil, err end
  opts = checked
  local wanted = ttype ~= "function" and set_of(target)
  local fail_on = opts.fail_on and set_of(opts.fail_on) or {}
  local what = string.format("%s %s", getmetatable(obj).kind or "object", tostring(obj.uuid or obj.id))
  local goal = ttype == "function" and "the condition" or table.concat(type(target) == "table" and target or { target }, " or ")
  local poll_opts = {}
  for k, v in pairs(opts) do poll_opts[k] = v end
  poll_opts.sleep = opts.sleep or obj:_client()._io.sleep
  if opts.on_progress then
    poll_opts.on_progress = function(_, elapsed) opts.on_progress(obj, elapsed) end
  end
  local value, werr = wait.poll(function()
    local ok, rerr = obj:reload()
    if not ok then
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
        message = what .. " was deleted while waiting for " .. goal }
    end
    if fail_on[status] then
      return nil, errors.new { kind = "api", last_status = obj.status,
        message = string.format("%s reached status %s while waiting for %s", what, obj.status, goal) }
    end
    if wanted and wanted[status] or (not wanted and target(obj)) then return obj end
    return false, obj.status
  end, poll_opts)
  if not value and werr.kind == "timeout" then
    werr.message = string.format("%s: waiting for %s %s", what, goal, werr.message)
  end
  return value, werr
end

return wait
