-- Shared by the simulator's specs (spec/sim_*_spec.lua): raw HTTP with lua-http, so the
-- simulator is tested without the SDK in between. They run on Lua 5.3, the Lua lua-http and the
-- simulator run on (make test: `lua5.3 busted --pattern=^sim_.*spec spec`); under other
-- interpreters `available` is false and the specs mark themselves pending.
local h = {}

if _VERSION == "Lua 5.3" then
  -- Debian ships fifo, lpeg_patterns and basexx (pure Lua, lua-http needs them) for 5.1/5.2
  -- only; they work on 5.3 (bin/idcloudhost-sim does the same).
  package.path = package.path .. ";/usr/share/lua/5.1/?.lua;/usr/share/lua/5.1/?/init.lua"
end
h.available = _VERSION == "Lua 5.3" and pcall(require, "http.request")
if not h.available then return h end

local cjson = require "cjson.safe"
local cqueues = require "cqueues"
local http_request = require "http.request"

h.KEY = "demo-key"
h.UUID_RE = "^%x%x%x%x%x%x%x%x%-%x%x%x%x%-%x%x%x%x%-%x%x%x%x%-%x%x%x%x%x%x%x%x%x%x%x%x$"
h.null = cjson.null

local function sh(cmd)
  local ok = os.execute(cmd)
  return ok == true or ok == 0
end
h.sh = sh

function h.read_file(path)
  local f = io.open(path, "r")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end

-- The repo root: this file is <root>/spec/sim/helper.lua.
h.ROOT = (debug.getinfo(1, "S").source:match("^@(.*)[/\\]spec[/\\][^/\\]+$") or ".")

--- Starts a simulator on a free port with extra arguments (flags, or env assignments before
-- the command with env="..."): returns url, pid, output file.
function h.start_sim(args, env)
  local out = os.tmpname()
  local pidfile = os.tmpname()
  -- exec: the pid is the simulator's own, not a subshell's
  sh(string.format("(cd '%s' && exec env %s lua5.3 bin/idcloudhost-sim --port 0 %s >'%s' 2>&1) & echo $! >'%s'",
    h.ROOT, env or "", args or "", out, pidfile))
  local pid = tonumber((h.read_file(pidfile) or ""):match("%d+"))
  os.remove(pidfile)
  for _ = 1, 100 do
    local port = (h.read_file(out) or ""):match("listening on http://127%.0%.0%.1:(%d+)")
    if port then return "http://127.0.0.1:" .. port, pid, out end
    cqueues.sleep(0.05)
  end
  error("simulator did not start: " .. tostring(h.read_file(out)))
end

--- Stops a simulator start_sim started.
function h.stop_sim(pid, out)
  sh("kill " .. pid)
  os.remove(out)
end

local function urlencode(s)
  return (tostring(s):gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", c:byte()) end))
end

-- A number that is whole goes as one ("7", not "7.0": cjson decodes every number as a float).
local function as_text(v)
  if type(v) == "number" and math.tointeger(v) then return tostring(math.tointeger(v)) end
  return tostring(v)
end

function h.form_encode(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = k end
  table.sort(keys)
  local parts = {}
  for _, k in ipairs(keys) do parts[#parts + 1] = urlencode(k) .. "=" .. urlencode(as_text(t[k])) end
  return table.concat(parts, "&")
end

h.base = nil

--- call(method, path, {form=, json=, query=, key= (false: none), timeout=, body=, ctype=})
-- Returns {status, headers, body, json} or nil, error.
function h.call(method, path, opts)
  opts = opts or {}
  if opts.query then path = path .. "?" .. h.form_encode(opts.query) end
  local req = http_request.new_from_uri(h.base .. path)
  req.headers:upsert(":method", method)
  if opts.key ~= false then req.headers:upsert("apikey", opts.key or h.KEY) end
  local body, ctype = opts.body, opts.ctype
  if opts.form then
    body, ctype = h.form_encode(opts.form), "application/x-www-form-urlencoded"
  elseif opts.json then
    body, ctype = cjson.encode(opts.json), "application/json"
  end
  if ctype then req.headers:upsert("content-type", ctype) end
  if body then req:set_body(body) end
  local headers, stream = req:go(opts.timeout or 10)
  if not headers then return nil, stream end
  local text, err = stream:get_body_as_string(opts.timeout or 10)
  if not text then return nil, err end
  stream:shutdown()
  return {
    status = tonumber(headers:get(":status")),
    headers = headers,
    body = text,
    json = cjson.decode(text),
  }
end

--- The control API (/__sim/<path>); raises unless it answers 200.
function h.control(method, path, value)
  local r = assert(h.call(method, "/__sim/" .. path, {
    key = false,
    body = value ~= nil and cjson.encode(value) or nil,
    ctype = value ~= nil and "application/json" or nil,
  }))
  assert(r.status == 200, "control " .. path .. ": " .. r.status .. " " .. r.body)
  return r.json
end

--- A call that must answer status (default 200): its decoded answer.
function h.ok(method, path, opts, status)
  local r = assert(h.call(method, path, opts))
  assert(r.status == (status or 200), method .. " " .. path .. " answered " .. r.status .. ": " .. r.body)
  return r.json, r
end

h.VALID = {
  name = "web-1",
  os_name = "ubuntu",
  os_version = "22.04",
  disks = 20,
  vcpu = 2,
  ram = 2048,
  username = "example",
  password = "Password123",
  billing_account_id = 6, -- required with a global token
}

--- h.VALID with over merged in (false removes a parameter).
function h.with(over)
  local t = {}
  for k, v in pairs(h.VALID) do t[k] = v end
  for k, v in pairs(over or {}) do t[k] = v end
  for k, v in pairs(t) do if v == false then t[k] = nil end end
  return t
end

--- A new VM (prefix "/v1/bus02" for another location): the decoded answer.
function h.create(prefix, over)
  return h.ok("POST", (prefix or "/v1") .. "/user-resource/vm", { form = h.with(over) })
end

function h.keys_of(t)
  local out = {}
  for k in pairs(t) do out[#out + 1] = k end
  table.sort(out)
  return out
end

--- Setup for a spec file: a simulator (IDCLOUDHOST_SIM_URL's, else one of its own), and before
-- each test: reset, no latency, default settings. busted's functions come as arguments (a
-- module does not see a spec file's globals). Returns a function that gives the settings found.
function h.setup(setup, teardown, before_each)
  local own_pid, own_log, saved
  setup(function()
    local base = os.getenv("IDCLOUDHOST_SIM_URL")
    if not base or base == "" then
      base, own_pid, own_log = h.start_sim("--apikeys demo-key,other-key --latency 0")
    end
    h.base = base:gsub("/+$", "")
    saved = h.control("GET", "config")
  end)
  teardown(function()
    if own_pid then
      h.stop_sim(own_pid, own_log)
    elseif saved then
      h.control("PUT", "config", saved)
      h.control("POST", "reset")
    end
  end)
  before_each(function()
    h.control("POST", "reset")
    h.control("PUT", "config", { latency = 0, create_latency = cjson.null, settle = 0, tombstone = 60,
      edition = "elastis", apikeys = saved.apikeys })
  end)
  return function() return saved end
end

return h
