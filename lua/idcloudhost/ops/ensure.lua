-- client.<family>:ensure{name =, owner =, <create parameters>}: the one resource of that name and
-- owner, made only when there provably is none.  Never a second:
--
--   * more than one match: an error of kind "conflict" listing them (err.matches);
--   * a create of the same name and owner by this process still in flight: waited for, then found;
--   * a create cut off after it was sent (err.uncertain), here or in a process that died with it
--     (a fence file, see below): the marked resource is looked for until `settle` seconds (300)
--     have passed since that create was sent; what is found is returned.  Only then is it made again.
--
-- The fence: before a create is sent, a file named after (base URL, family, location, name,
-- owner) is written under the state folder (opts.state_dir, $IDCLOUDHOST_STATE_DIR,
-- $XDG_STATE_HOME/idcloudhost or ~/.local/state/idcloudhost; opts.fence = false: none), holding the
-- time it was sent; it is removed once the create is answered.  A fence left by a killed process
-- tells the next run that a create may still land.  No credential is written.
--
-- Only resources carrying the owner's mark are matched: an unmarked resource of the same name is
-- never adopted (without an owner, ensure matches unmarked resources only).
local lazy = require "idcloudhost.lazy"
local check = lazy "idcloudhost.call.check"
local errors = lazy "idcloudhost.call.errors"
local marks = require "idcloudhost.ops.marks"
local find = require "idcloudhost.ops.find"
local runtime = require "idcloudhost.runtime"

local ensure = {}

ensure.SETTLE = 300    -- seconds after a create was sent before it is taken as never landed
ensure.INTERVAL = 5    -- seconds between looks while waiting

local OWN = { name = true, owner = true, labels = true, update = true, settle = true, interval = true,
  fence = true, state_dir = true }

local inflight = {} -- key -> true while this process's create of it is unanswered

------------------------------------------------------------------------------------------------
-- Fences

local function state_dir(o)
  if o.state_dir then return o.state_dir end
  local env = os.getenv("IDCLOUDHOST_STATE_DIR")
  if env and env ~= "" then return env end
  local xdg = os.getenv("XDG_STATE_HOME")
  if xdg and xdg ~= "" then return xdg .. "/idcloudhost" end
  local home = os.getenv("HOME")
  if home and home ~= "" then return home .. "/.local/state/idcloudhost" end
end

local function hash(s)
  local h1, h2 = 5381, 52711
  for i = 1, #s do
    local b = s:byte(i)
    h1 = (h1 * 33 + b) % 4294967296
    h2 = (h2 * 31 + b) % 4294967296
  end
  return string.format("%08x%08x", h1, h2)
end

local function fence_path(o, key)
  if o.fence == false then return nil end
  local dir = state_dir(o)
  if not dir then return nil end
  return dir .. "/fence-" .. hash(key)
end

ensure.fence_path = fence_path

local function mkdir_p(dir)
  if package.config:sub(1, 1) == "/" then
    os.execute("mkdir -p '" .. dir:gsub("'", "'\\''") .. "' 2>/dev/null")
  end
end

-- The time a fence was written (os.time), or nil.
local function fence_read(path)
  if not path then return nil end
  local f = io.open(path, "r")
  if not f then return nil end
  local t = tonumber((f:read("*l") or ""):match("^(%d+)"))
  f:close()
  return t or 0
end

local function fence_write(path, key)
  if not path then return true end
  local f = io.open(path, "w")
  if not f then
    mkdir_p(path:match("^(.*)/[^/]*$"))
    f = io.open(path, "w")
  end
  if not f then
    return nil, errors.invalid("ensure: cannot write the create fence " .. path
      .. " (set state_dir, $IDCLOUDHOST_STATE_DIR, or fence = false)", "state_dir")
  end
  f:write(tostring(os.time()), " ", key, "\n")
  f:close()
  return true
end

local function fence_clear(path)
  if path then os.remove(path) end
end

--- The creates sent and not answered (fences) for base_url and owner, younger than settle
-- seconds: a list of {family, location, name, owner, sent (os.time), age}.  Empty where the state
-- folder cannot be listed (no `ls`).
function ensure.pending(opts)
  local o = opts or {}
  if o.fence == false then return {} end
  local dir = state_dir(o)
  local out = {}
  if not dir or package.config:sub(1, 1) ~= "/" then return out end
  local ok, p = pcall(io.popen, "ls -1 '" .. dir:gsub("'", "'\\''") .. "' 2>/dev/null")
  if not ok or not p then return out end
  local names = {}
  for line in p:lines() do
    if line:match("^fence%-%x+$") then names[#names + 1] = line end
  end
  p:close()
  local settle = o.settle or ensure.SETTLE
  for _, name in ipairs(names) do
    local f = io.open(dir .. "/" .. name, "r")
    if f then
      -- (read whole: Lua 5.1 and LuaJIT end a "*l" line at the key's first NUL)
      local text = f:read("*a") or ""
      f:close()
      local sent, key = text:match("^(%d+) (.-)\n?$")
      sent = tonumber(sent)
      if sent and key then
        local parts, at = {}, 1
        while true do
          local z = key:find("\0", at, true)
          parts[#parts + 1] = key:sub(at, (z or 0) - 1)
          if not z then break end
          at = z + 1
        end
        local age = os.time() - sent
        if parts[1] == tostring(o.base_url) and (o.owner == nil or parts[5] == o.owner) and age < settle then
          out[#out + 1] = { family = parts[2], location = parts[3], name = parts[4], owner = parts[5], sent = sent, age = age }
        end
      end
    end
  end
  return out
end

------------------------------------------------------------------------------------------------

local function listing(list)
  local out = {}
  for _, obj in ipairs(list) do out[#out + 1] = tostring(obj) end
  return table.concat(out, "; ")
end

-- Looks for the marked resource until `seconds` have passed: the one found, or nil (err when a
-- look failed for good, a conflict when two are found).
local function look(coll, crit, o, seconds)
  local cfg = coll.client._shared.cfg
  local rt = runtime.current(cfg)
  local deadline = rt:now() + seconds
  local sleeper = { sleep = cfg and cfg.sleep }
  while true do
    local found = find.find(coll, crit)
    if found and #found == 1 then return found[1] end
    if found and #found > 1 then
      return nil, errors.new { kind = "conflict", matches = found,
        message = #found .. " resources match: " .. listing(found) }
    end
    local now = rt:now()
    if now >= deadline then return nil end
    runtime.sleep(rt, sleeper, math.min(o.interval, deadline - now))
  end
end

-- Brings obj's changeable fields to params (ops/plan/change.lua, the code of a plan's updates: a
-- VM's vcpu and ram (stopped and started as the platform needs) and boot disk growth, a
-- firewall's description and rules, a load balancer's rules and targets, a bucket's billing
-- account): obj, changed; or nil, err.  What cannot change in place is left as it is.
local function update(obj, params, o, family)
  if not o.update then return obj, false end
  local change = require "idcloudhost.ops.plan.change" -- (loaded when first needed)
  return change.of(family).bring(obj, change.from_params(family, params), { remove = false })
end

-- No match: a create sent by a process that died (or was cut off) may still land (its fence);
-- then the create, fenced.  obj, "found" | "created", or nil, err.
local function create(coll, crit, params, o, path, key)
  local sent = fence_read(path)
  local err
  if sent then
    local left = o.settle - (os.time() - sent)
    if left > 0 then
      local obj
      obj, err = look(coll, crit, o, left)
      if err then return nil, err end
      if obj then
        fence_clear(path)
        return obj, "found"
      end
    end
    fence_clear(path)
  end

  local ok
  ok, err = fence_write(path, key)
  if not ok then return nil, err end
  local obj
  obj, err = coll:create(params)
  if obj then
    fence_clear(path)
    return obj, "created"
  end
  if errors.is(err) and err.uncertain then
    -- Cut off after sending: look for it until the bound has passed; never create again here.
    local got, lerr = look(coll, crit, o, o.settle)
    if lerr then return nil, lerr end
    if got then
      fence_clear(path)
      return got, "created"
    end
    fence_clear(path)
    err.message = tostring(err.message) .. " (not found after " .. o.settle .. " s; not created again)"
    return nil, err
  end
  fence_clear(path)
  return nil, err
end

--- The one resource of coll's family with opts.name and opts.owner: found (updated with
-- opts.update), or created.  Returns obj, "found" | "created" | "updated", or nil, err.
function ensure.ensure(coll, opts)
  local family = tostring(coll.family or "collection")
  local what = family .. ":ensure"
  if type(opts) ~= "table" then return nil, errors.invalid(what .. ": expected {name = ..., owner = ..., ...}") end
  local perr
  opts, perr = check.plain(what, opts, OWN)
  if perr then return nil, perr end
  if type(opts.name) ~= "string" or opts.name == "" then
    return nil, errors.invalid(what .. ": name is required", "name")
  end
  if type(coll.create) ~= "function" or type(coll.list) ~= "function" then
    return nil, errors.invalid(what .. ": this family cannot be created and listed")
  end
  local bad = marks.check(what, opts.owner, opts.labels)
  if bad then return nil, bad end
  for _, k in ipairs { "settle", "interval" } do
    if opts[k] ~= nil and (type(opts[k]) ~= "number" or opts[k] < 0) then
      return nil, errors.invalid(what .. ": " .. k .. " is a number of seconds", k)
    end
  end
  local o = { update = opts.update, settle = opts.settle or ensure.SETTLE, interval = opts.interval or ensure.INTERVAL,
    fence = opts.fence, state_dir = opts.state_dir }
  local params = {}
  for k, v in pairs(opts) do
    if not OWN[k] then params[k] = v end
  end
  params[find.name_field(family)] = opts.name -- the create parameter holding the name
  params.owner, params.labels = opts.owner, opts.labels

  local crit = { name = opts.name, owner = opts.owner, unowned = opts.owner == nil or nil }
  local key = table.concat({ tostring(coll.client.base_url), family, tostring(coll.client.location),
    opts.name, tostring(opts.owner) }, "\0")

  local found, err
  while true do
    found, err = find.find(coll, crit)
    if not found then return nil, err end
    if #found ~= 0 or not inflight[key] then break end
    -- A create of the same by this process, still in flight: wait for its answer, then look again.
    local cfg = coll.client._shared.cfg
    local rt = runtime.current(cfg)
    local sleeper = { sleep = cfg and cfg.sleep }
    local give_up = rt:now() + o.settle -- (a create that raised leaves its mark behind)
    while inflight[key] and rt:now() < give_up do runtime.sleep(rt, sleeper, 0.05) end
    if inflight[key] then
      inflight[key] = nil
      return nil, errors.new { kind = "timeout", uncertain = true,
        message = what .. ": a create of it by this process was still unanswered after " .. o.settle .. " s" }
    end
  end
  if #found > 1 then
    return nil, errors.new { kind = "conflict", matches = found,
      message = what .. ": " .. #found .. " resources named " .. string.format("%q", opts.name)
        .. " owned by " .. tostring(opts.owner or "nobody") .. ": " .. listing(found) }
  end
  local path = fence_path(o, key)
  if #found == 1 then
    fence_clear(path) -- whatever was in flight has landed: this is it
    local obj, changed = update(found[1], params, o, family)
    if not obj then return nil, changed end
    return obj, changed and "updated" or "found"
  end
  -- From here until the create is answered, this process's other ensures of it wait (no yield
  -- since the look above found none and nothing was in flight).
  inflight[key] = true
  local obj, how = create(coll, crit, params, o, path, key)
  inflight[key] = nil
  return obj, how
end

return ensure
