-- The wire log (debug = true / 1 / 2 / function, or IDCLOUDHOST_DEBUG read at new()): one line
-- per attempt on stderr by default, the runtime's log when it has one; bodies at level 2,
-- masked as on_request masks them; nothing at all when off.
-- luacheck: ignore 122 (the specs swap io.stderr and os.getenv to watch them)
local idcloudhost = require "idcloudhost"
local sched = require "idcloudhost.runtime.sched"

local KEY = "SeCrEt-KeY-wire-42"
local UUID = "5aea1842-895f-4bd3-8bd6-e37b2282fb46"
local VM = '{"uuid":"' .. UUID .. '","name":"web-1","status":"running","vcpu":2,"memory":2048,"storage":[]}'

-- A transport answering from steps ({status=, body=, headers=} or {error=, code=}).
local function scripted(steps)
  return function()
    local step = table.remove(steps, 1) or { status = 200, body = "{}" }
    if step.error then return nil, step.error, step.code end
    return { status = step.status, body = step.body or "", headers = step.headers or {} }
  end
end

local function client(steps, opts)
  local o = { apikey = KEY, base_url = "https://api.example.test", transport = scripted(steps),
    sleep = function() end, retry_base = 0.001, retry_cap = 0.001 }
  for k, v in pairs(opts or {}) do o[k] = v end
  return assert(idcloudhost.new(o))
end

-- Runs fn with io.stderr captured; returns what was written to it.
local function stderr_of(fn)
  local real = io.stderr
  local out = {}
  io.stderr = { write = function(self, ...)
    for _, s in ipairs { ... } do out[#out + 1] = s end
    return self
  end }
  local ok, err = pcall(fn)
  io.stderr = real
  assert(ok, err)
  return table.concat(out)
end

-- Runs fn with os.getenv answering IDCLOUDHOST_DEBUG = level.
local function with_env(level, fn)
  local real = os.getenv
  os.getenv = function(name)
    if name == "IDCLOUDHOST_DEBUG" then return level end
    return real(name)
  end
  local ok, err = pcall(fn)
  os.getenv = real
  assert(ok, err)
end

local function lines_of(text)
  local out = {}
  for l in text:gmatch("[^\n]+") do out[#out + 1] = l end
  return out
end

describe("the wire log", function()
  it("prints nothing when off, hooks or not", function()
    local out = stderr_of(function()
      local c = client({ { status = 200, body = VM }, { status = 503, body = "{}" }, { status = 200, body = VM } },
        { on_request = function() end })
      assert(c.vms:get(UUID))
      assert(c.vms:get(UUID))
      with_env("2", function()
        local quiet = client({ { status = 200, body = VM } }, { debug = false })
        assert(quiet.vms:get(UUID))
      end)
      with_env("0", function()
        local quiet = client({ { status = 200, body = VM } })
        assert(quiet.vms:get(UUID))
      end)
    end)
    assert.equal("", out)
  end)

  it("writes one line per attempt to stderr: method, path, status, duration, attempt, request id", function()
    local out = stderr_of(function()
      local c = client({
        { status = 503, body = '{"message": "busy"}', headers = { ["X-Warren-Correlation-Id"] = "req-1" } },
        { status = 200, body = VM, headers = { ["x-warren-correlation-id"] = "req-2" } },
        { error = "COULDNT_CONNECT: Failed to connect\nto host", code = "COULDNT_CONNECT" },
        { error = "COULDNT_CONNECT: Failed to connect", code = "COULDNT_CONNECT" },
      }, { debug = true, location = "cyc01", retries = 1 })
      assert(c.vms:get(UUID))
      assert.is_nil(c.vms:list())
    end)
    local lines = lines_of(out)
    assert.equal(4, #lines)
    local path = ("/v1/cyc01/user-resource/vm?uuid=" .. UUID):gsub("%p", "%%%0")
    assert.matches("^idcloudhost: GET " .. path .. " %-> 503 in %d+%.%d ms %(attempt 1, request req%-1%)$", lines[1])
    assert.matches("^idcloudhost: GET " .. path .. " %-> 200 in %d+%.%d ms %(attempt 2, request req%-2%)$", lines[2])
    assert.matches("^idcloudhost: GET /v1/cyc01/user%-resource/vm/list %-> COULDNT_CONNECT: Failed to connect\\nto host"
      .. " in %d+%.%d ms %(attempt 1%)$", lines[3])
    assert.matches("(attempt 2)", lines[4], 1, true)
  end)

  it("reads IDCLOUDHOST_DEBUG once per client, at idcloudhost.new", function()
    local loud, loud2
    with_env("1", function() loud = client({ { status = 200, body = VM } }) end)
    with_env("2", function() loud2 = client({ { status = 200, body = VM } }) end)
    local quiet = client({ { status = 200, body = VM } })
    local out = stderr_of(function()
      assert(quiet.vms:get(UUID))
      assert(loud.vms:get(UUID)) -- the variable is gone now: the client keeps what new() read
    end)
    assert.equal(1, #lines_of(out))
    out = stderr_of(function() assert(loud2.vms:get(UUID)) end)
    local lines = lines_of(out)
    assert.equal(2, #lines)
    assert.equal("idcloudhost:   < " .. VM, lines[2])
  end)

  it("masks at level 2 exactly what on_request masks: the key, passwords, token secrets", function()
    local recs = {}
    local echo = '{"errors": {"Error": "bad key ' .. KEY .. '"}, "password": "Pass-word-1"}'
    local out = stderr_of(function()
      local c = client({
        { status = 200, body = VM },
        { status = 200, body = '{"success": true}' },
        { status = 200, body = '[{"id": 3, "token": "tok-secret-9", "description": "ci"}]' },
        { status = 400, body = echo },
        { status = 200, body = "{}" },
        { error = "COULDNT_RESOLVE_HOST: no host for " .. KEY, code = "COULDNT_RESOLVE_HOST" },
      }, { debug = 2, retries = 0, on_request = function(r) recs[#recs + 1] = r end })
      local vm = assert(c.vms:get(UUID))
      assert(vm:set_password { username = "ubuntu", password = "Pass-word-1" })
      assert(c.tokens:list())
      assert.is_nil(c:request("POST", "/v1/x", { name = KEY }))
      assert(c:request("GET", "/v1/y", { password = "Query-pass-2", user = "ana" }))
      assert.is_nil(c:request("GET", "/v1/z"))
    end)
    for _, secret in ipairs { KEY, "Pass-word-1", "tok-secret-9", "Query-pass-2" } do
      assert.not_matches(secret, out, 1, true)
    end
    assert.matches("ubuntu", out, 1, true) -- the rest stays readable
    assert.matches("user=ana", out, 1, true)
    -- Each body line is the hook record's body.
    local lines = lines_of(out)
    local bodies = {}
    for _, l in ipairs(lines) do
      local mark, body = l:match("^idcloudhost:   ([<>]) (.*)$")
      if mark then bodies[#bodies + 1] = body end
    end
    local want = {}
    for _, r in ipairs(recs) do
      if r.body then want[#want + 1] = r.body end
      if r.response_body then want[#want + 1] = r.response_body end
    end
    assert.same(want, bodies)
    assert.equal(6, #recs)
    assert.matches("/v1/y?password=[redacted]&user=ana", recs[5].url, 1, true)
  end)

  it("keeps every entry on one line and cuts a huge body", function()
    local big = '{"name": "' .. string.rep("x", 20000) .. '"}'
    local c = client({ { status = 200, body = '{\n  "uuid": "' .. UUID .. '",\r\n\t"status": "running"\n}' },
      { status = 200, body = big } }, { debug = 2 })
    local out = stderr_of(function()
      assert(c.vms:get(UUID))
      assert(c:request("GET", "/v1/big"))
    end)
    local got = lines_of(out)
    assert.equal(4, #got)
    assert.equal('idcloudhost:   < {\\n  "uuid": "' .. UUID .. '",\\r\\n\\t"status": "running"\\n}', got[2])
    assert.is_true(#got[4] < 8300)
    assert.matches("... (20012 bytes in all)", got[4], 1, true)
  end)

  it("goes to debug = function(line), else to the runtime's log", function()
    local mine = {}
    local c = client({ { status = 200, body = VM } }, { debug = function(l) mine[#mine + 1] = l end })
    local out = stderr_of(function() assert(c.vms:get(UUID)) end)
    assert.equal("", out)
    assert.equal(1, #mine)
    -- A runtime with a log (a host's): debug = true writes there, not to stderr.
    local s = sched.new({ now = os.clock, sleep = function() end })
    local logged = {}
    s.log = function(l) logged[#logged + 1] = l end
    local d = client({ { status = 200, body = VM } }, { debug = true })
    out = stderr_of(function()
      s:map(1, 1, function() assert(d.vms:get(UUID)) end, function(_, o) assert(o[1], o.traceback) end)
    end)
    assert.equal("", out)
    assert.equal(1, #logged)
    assert.matches("^idcloudhost: GET ", logged[1])
  end)
end)
