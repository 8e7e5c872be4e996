-- The SDK against a hostile server: every malformed, cut, stalled, oversized or key-echoing answer
-- of spec/hostile/cases.lua must come back as the right error value, within the call's deadline,
-- without replaying a write, without the api key anywhere, and without crashing the process.
--
-- The server (spec/hostile/server.lua, Lua 5.3 + cqueues + luaposix) is started here; the SDK
-- runs in this process.  `make hostile` runs this under valgrind; HOSTILE_SLACK (seconds, default
-- 1.5) is what a call may take past its deadline, and SIM_LUA the server's interpreter.
local idcloudhost = require "idcloudhost"
local system = require "system"   -- luasystem, a busted dependency: a monotonic clock and sleep

local HERE = (debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$")) or "spec"
local C = dofile(HERE .. "/cases.lua")

local SLACK = tonumber(os.getenv("HOSTILE_SLACK") or "") or 1.5
local SERVER_LUA = os.getenv("SIM_LUA") or "lua5.3"

-- Every case's client: one attempt may last 1 s, the whole call 3 s.
local BASE = { apikey = C.KEY, timeout = 1, deadline = 3, retries = 1, max_body = C.MAX_BODY,
  retry_base = 0.01, retry_cap = 0.05 }

-- The peak RSS a call may add when the answer is over max_body: the capped body, a copy of it
-- and the decoders' buffers fit in 4 * max_body; 24 MiB of margin covers libcurl's and zlib's
-- buffers, the Lua heap's growth and valgrind's shadow memory.  Reading an uncapped 200 MB body
-- or inflating the bomb's 1 GiB goes far past it.
local RSS_BOUND = 4 * C.MAX_BODY + 24 * 2^20

local function now() return system.monotime() end

------------------------------------------------------------------------------------------------
-- The server

local server

local function shell_quote(s) return "'" .. s:gsub("'", "'\\''") .. "'" end

local function start_server()
  local log = os.tmpname()
  -- sh prints its pid, then exec keeps that pid for the server, which prints its port.
  local p = assert(io.popen("echo $$; exec " .. SERVER_LUA .. " "
    .. shell_quote(HERE .. "/server.lua") .. " " .. shell_quote(log), "r"))
  local pid = tonumber(p:read("*l") or "")
  local port = tonumber(p:read("*l") or "")
  if not (pid and port) then
    p:close()
    os.remove(log)
    error("the hostile server did not start: it needs " .. SERVER_LUA .. " with cqueues and luaposix"
      .. " (`make hostile` installs them)")
  end
  return { pipe = p, pid = pid, log = log, url = "http://127.0.0.1:" .. port }
end

local function stop_server(s)
  if not s then return end
  os.execute("kill " .. s.pid .. " 2>/dev/null")
  s.pipe:close()
  os.remove(s.log)
end

-- Requests the server read for tag: those of `method` to the API, and those to the redirect target.
local function seen(tag, method)
  local api, target = 0, 0
  for line in io.lines(server.log) do
    local t, m, path = line:match("^([^\t]+)\t%d+\t(%u+)\t(%S+)$")
    if t == tag then
      if path:find("^/__target/") then target = target + 1
      elseif m == method then api = api + 1 end
    end
  end
  return api, target
end

------------------------------------------------------------------------------------------------
-- Memory: the peak RSS of this process (valgrind included, when it runs us)

local function status_kb(field)
  for line in io.lines("/proc/self/status") do
    local v = line:match("^" .. field .. ":%s*(%d+) kB")
    if v then return tonumber(v) end
  end
end

-- Resets VmHWM to the current RSS (Linux: 5 > clear_refs); returns the current RSS in bytes and
-- whether the peak was reset (if not, the peak so far hides any smaller peak of the call).
local function peak_reset()
  collectgarbage()
  collectgarbage()
  local f = io.open("/proc/self/clear_refs", "w")
  local reset = f and f:write("5") and f:close()
  return status_kb("VmRSS") * 1024, reset and true or false
end

local function peak() return status_kb("VmHWM") * 1024 end

------------------------------------------------------------------------------------------------
-- The calls: prepare(client, tag) -> the timed function (setup such as vm:stop's get is not timed)

local function create_params()
  return { name = "web-1", os_name = "ubuntu", os_version = "22.04", disks = 20, vcpu = 2,
    ram = 2048, username = "ubuntu", password = C.PASSWORD, billing_account_id = 6 }
end

-- A normal answer, the folded one, a normal one again: the first and last must be the VM, the
-- middle one the VM or a network error; returns the last call's outcome.
local function fold_sequence(c)
  local vm, err = c.vms:get(C.UUID)
  assert(vm and vm.uuid == C.UUID, "the answer before the fold: " .. tostring(err))
  local vm2, err2 = c.vms:get(C.UUID)
  if vm2 then
    assert.equal(C.UUID, vm2.uuid)
  else
    assert.equal("network", err2.kind, tostring(err2))
  end
  return c.vms:get(C.UUID)
end

local PREPARE = {
  get = function(c) return function() return c.vms:get(C.UUID) end end,
  list = function(c) return function() return c.vms:list() end end,
  create = function(c) return function() return c.vms:create(create_params()) end end,
  request = function(c, tag)
    return function() return c:request("GET", "/v1/" .. tag .. "/user-resource/vm", { uuid = C.UUID }) end
  end,
  stop = function(c)
    local vm, err = c.vms:get(C.UUID)
    assert(vm, "the GET before vm:stop: " .. tostring(err))
    return function() return vm:stop { force = true } end
  end,
  seq_sync = function(c) return function() return fold_sequence(c) end end,
  seq_batch = function(c)
    return function()
      local results = assert(c:batch({ 1 }, function(_, bc) return fold_sequence(bc or c) end, { concurrency = 1 }))
      local r = results[1]
      if type(r.err) == "string" then error(r.err, 0) end  -- an assertion inside the batch item
      return r.value, r.err
    end
  end,
}

local METHOD = { create = "POST", stop = "POST" }

-- The value a successful call must return.
local function check_value(call, res)
  if call == "list" then
    assert.equal(1, #res)
    assert.equal(C.UUID, res[1].uuid)
  elseif call == "request" then
    assert.equal("table", type(res))
  else
    assert.equal(C.UUID, res.uuid)
  end
end

-- Where a secret hides in v (strings, keys and values of nested tables): a path, or nil.
local function leak(v, where, visited)
  if type(v) == "string" then
    for _, secret in ipairs { C.KEY, C.PASSWORD } do
      if v:find(secret, 1, true) then return where end
    end
  elseif type(v) == "table" and not visited[v] then
    visited[v] = true
    for k, x in pairs(v) do
      local found = leak(k, where .. "[key]", visited) or leak(x, where .. "." .. tostring(k), visited)
      if found then return found end
    end
  end
end

local function list_of(v) return type(v) == "table" and v or { v } end

local function has(list, v)
  for _, x in ipairs(list) do if x == v then return true end end
  return false
end

------------------------------------------------------------------------------------------------

local serial = 0

local function run(case)
  local want = case.want
  serial = serial + 1
  local tag = case.name .. "-" .. serial
  local records = {}
  local opts = { base_url = server.url, location = tag, on_request = function(r) records[#records + 1] = r end }
  for k, v in pairs(BASE) do opts[k] = v end
  for k, v in pairs(case.opts or {}) do opts[k] = v end
  local c, cerr = idcloudhost.new(opts)
  assert(c, "idcloudhost.new refused the options: " .. tostring(cerr))
  local call = case.call or "get"
  local fn = PREPARE[call](c, tag)

  local rss0, reset
  if want.rss then rss0, reset = peak_reset() end
  local t0 = now()
  local res, err = fn()
  local took = now() - t0
  local grew = want.rss and peak() - rss0

  -- The kind (or success), then the fields of the error.
  local got = res ~= nil and "ok" or (type(err) == "table" and err.kind) or ("a non-error " .. tostring(err))
  assert(has(list_of(want.kind), got), ("want %s, got %s: %s"):format(
    table.concat(list_of(want.kind), " or "), got, tostring(err)))
  if got == "ok" then
    check_value(call, res)
  else
    assert.is_nil(res)
    assert(err.code == nil or type(err.code) == "string", "err.code is a " .. type(err.code))
    if got == "network" then
      assert(type(err.code) == "string" and err.code:find("^[A-Z][A-Z0-9_]*$"),
        "a network error's code is the transport's NAME, got " .. tostring(err.code))
      if want.code then
        assert(has(list_of(want.code), err.code), ("want code %s, got %s"):format(
          table.concat(list_of(want.code), " or "), err.code))
      end
    end
    if want.status then assert.equal(want.status, err.status) end
    if want.location then
      assert(type(err.location) == "string" and err.location:find("/__target/" .. tag, 1, true),
        "err.location should point at /__target/" .. tag .. ", got " .. tostring(err.location))
    end
    if want.uncertain then
      assert(err.uncertain == true, "a write that may have landed must be uncertain: " .. tostring(err))
    elseif not METHOD[call] then
      assert(err.uncertain ~= true, "a read is never uncertain")
    end
  end

  -- Within the deadline (or the case's tighter bound).
  local limit = want.within or ((opts.deadline or BASE.deadline) + SLACK)
  assert(took <= limit, ("took %.2f s, more than %.2f s"):format(took, limit))

  -- What the server saw: no replayed write, no followed redirect.
  if want.seen or want.target then
    if METHOD[call] then system.sleep(0.3) end  -- a replay in flight when the call gave up lands now
    local api, target = seen(tag, METHOD[call] or "GET")
    if want.seen then assert.equal(want.seen, api, "requests the server read") end
    if want.target then assert.equal(want.target, target, "requests to the redirect's target") end
  end

  -- Memory stayed bounded while the answer was over max_body.
  if want.rss then
    assert(grew <= RSS_BOUND, ("peak RSS grew by %.1f MiB (bound %.1f MiB%s)"):format(
      grew / 2^20, RSS_BOUND / 2^20, reset and "" or ", peak not resettable"))
  end

  -- The api key and the password: nowhere in the error nor in the hook's records.
  if err ~= nil then
    local s = tostring(err)
    assert(not s:find(C.KEY, 1, true) and not s:find(C.PASSWORD, 1, true), "a secret in tostring(err): " .. s)
    local where = leak(err, "err", {})
    assert(not where, "a secret in " .. tostring(where))
  end
  local where = leak(records, "records", {})
  assert(not where, "a secret in the on_request " .. tostring(where))

  if c.close then c:close() end
end

describe("a hostile server", function()
  setup(function() server = start_server() end)
  teardown(function() stop_server(server) end)

  it("has at least 40 cases, each with a serve and an expectation", function()
    assert.is_true(#C.list >= 40)
    for _, case in ipairs(C.list) do
      assert.equal("function", type(case.serve), case.name)
      assert.equal("table", type(case.want), case.name)
      assert.is_truthy(PREPARE[case.call or "get"], case.name)
    end
  end)

  for _, case in ipairs(C.list) do
    local kinds = table.concat(list_of(case.want.kind), "|")
    it(case.name .. " -> " .. kinds .. (case.want.code and (" " .. table.concat(list_of(case.want.code), "|")) or ""),
      function() run(case) end)
  end

  it("still answers a normal call after every case above", function()
    run(C.byname.control_ok)
  end)
end)
