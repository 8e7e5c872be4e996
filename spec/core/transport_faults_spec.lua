-- Issue 28, the C core's part: Ctrl-C during a blocking call, file descriptors after a batch
-- of writes, and the Content-Length of answers that are not the final one (1xx, a proxy's
-- CONNECT answer).  Against spec/core/server.lua (127.0.0.1 only); the Ctrl-C specs run a
-- child interpreter of the same kind as this one and send it SIGINT.
local core = require "idcloudhost.core"
local H = require "spec.core.helper"

local UUID = "f80b1d62-ffe4-43ef-9210-60f05445456a"
-- The interpreter running this spec, by the name its child is started with, and the other of
-- lua5.4 and luajit when a core is built for it too (build/<lua>/, make's layout): Ctrl-C is
-- held to its bound on both.
local LUA = rawget(_G, "jit") and "luajit" or ("lua" .. _VERSION:match("%d+%.%d+"))
local CHILDREN = { { lua = LUA, cpath = package.cpath } }
do
  local other = LUA == "luajit" and "lua5.4" or "luajit"
  local cpath = package.cpath:gsub("build/" .. LUA:gsub("%.", "%%.") .. "/", "build/" .. other .. "/")
  local so = cpath:match("([^;]*build/" .. other:gsub("%.", "%%.") .. "/)%?%.so")
  local f = so and io.open(so .. "idcloudhost/core.so")
  if f then
    f:close()
    if os.execute(other .. " -v >/dev/null 2>&1") then CHILDREN[2] = { lua = other, cpath = cpath } end
  end
end

local function q(s) return "'" .. s:gsub("'", "'\\''") .. "'" end

local function write_file(path, text)
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
end

-- This process's open file descriptors (Linux).
local function fd_count()
  local f = assert(io.open("/proc/self/stat"))
  local pid = f:read("*a"):match("^(%d+)")
  f:close()
  local p = assert(io.popen("ls /proc/" .. pid .. "/fd | wc -l"))
  local n = tonumber(p:read("*a"))
  p:close()
  return n
end

-- n POSTs with fresh = true (the pipeline's writes), at most `conc` in flight; failures counted.
local function writes(s, url, n, conc)
  local sent, failed, names = 0, 0, {}
  while sent < n or s:pending() > 0 do
    while sent < n and s:pending() < conc do
      assert(s:send { method = "POST", url = url, body = "name=web-" .. sent, timeout = 20, fresh = true })
      sent = sent + 1
    end
    for _, id in ipairs(s:perform(1)) do
      local res, _, name = s:result(id)
      if not res or res.status ~= 200 then
        failed = failed + 1
        names[tostring(name)] = (names[tostring(name)] or 0) + 1
      end
    end
  end
  return failed, names
end

-- A child interpreter that blocks in `what` and prints, once the call is over, whether it raised,
-- when it ended (core.now: CLOCK_MONOTONIC, the same clock as ours) and the error.
local CHILD = [[
local idcloudhost = require "idcloudhost"
local core = require "idcloudhost.core"
local what, url = arg[1], arg[2]
local c = assert(idcloudhost.new { apikey = "k", base_url = url, location = "hang", timeout = 3,
  write_timeout = 3, retries = 0 })
local UUID = "]] .. UUID .. [["
local calls = {
  get = function() return c.vms:get(UUID) end,
  create = function()
    return c.vms:create { name = "web-1", os_name = "ubuntu", os_version = "22.04", disks = 20, vcpu = 2,
      ram = 2048, username = "ubuntu", password = "Secret-pass-1", billing_account_id = 6 }
  end,
  sleep = function() return core.sleep(3) end,
  batch = function() return c:batch({ 1, 2 }, function(_, bc) return bc.vms:get(UUID) end) end,
}
-- What the call loads, loaded first: SIGINT must land in the call's wait, not in a require.
for _, m in ipairs { "idcloudhost.call.pipeline", "idcloudhost.transport.curl", "idcloudhost.ops.batch",
  "idcloudhost.runtime.sched", "idcloudhost.families.vm_storage", "idcloudhost.families.vm_actions",
  "idcloudhost.call.billing" } do require(m) end
assert(c.vms:get("not-a-uuid") == nil)
io.stdout:write("ready\n")
io.stdout:flush()
local ok, err = pcall(calls[what])
io.stdout:write(string.format("%s\t%.6f\t%s\n", tostring(ok), core.now(), tostring(err)))
io.stdout:flush()
]]

describe("the C core under faults (issue 28)", function()
  local helper, dir, script

  setup(function()
    dir = H.certs()
    helper = H.start(dir)
    script = os.tmpname()
    write_file(script, CHILD)
  end)
  teardown(function()
    H.stop(helper)
    H.rmdir(dir)
    os.remove(script)
  end)

  local function need_server()
    if not helper then pending("needs lua5.3 or lua5.4 with cqueues") end
  end

  -- Seconds from SIGINT to the end of the child's blocking `what`, whether it raised, its error.
  local function interrupt(what, child)
    local env = "LUA_PATH=" .. q(package.path) .. " LUA_CPATH=" .. q(child.cpath)
    local p = assert(io.popen("echo $$; exec env " .. env .. " " .. child.lua .. " " .. q(script) .. " " .. what
      .. " " .. q(helper.url), "r"))
    local pid = assert(tonumber(p:read("*l")))
    assert.equal("ready", p:read("*l"))
    core.sleep(0.4)  -- well inside the blocking call (connect, send, then the silent server)
    local t0 = core.now()
    os.execute("kill -INT " .. pid)
    local line = p:read("*l") or ""
    p:close()
    local ok, t1, err = line:match("^(%a+)\t([%d.]+)\t(.*)$")
    assert(ok, "the child said: " .. line)
    return tonumber(t1) - t0, ok == "true", err
  end

  describe("Ctrl-C (SIGINT) during a blocking call", function()
    for _, child in ipairs(CHILDREN) do
      for _, what in ipairs { "get", "create", "sleep", "batch" } do
        it("stops " .. what .. " in " .. child.lua .. " within 0.5 s, raising \"interrupted!\"", function()
          need_server()
          local took, ok, err = interrupt(what, child)
          assert.is_false(ok, "the call returned instead of raising: " .. err)
          assert.equal("interrupted!", err)
          assert(took < 0.5, string.format("%s went on for %.2f s after SIGINT", what, took))
        end)
      end
    end

    it("looks for an interrupt every 0.1 s while nothing moves, and leaves the session usable", function()
      need_server()
      -- No SIGINT here (poll would wake on it): a hook that raises, as lua.c's does, once the
      -- core's check runs it (its empty function, "=idcloudhost.core") 0.2 s into a request
      -- whose answer takes 2 s.  Only the core's own 0.1 s ticks reach it in time.
      local s = core.session()
      local t0 = core.now()
      debug.sethook(function()
        local info = debug.getinfo(2, "S")
        if info and info.source == "=idcloudhost.core" and core.now() - t0 > 0.2 then
          debug.sethook()
          error("interrupted!", 0)
        end
      end, "c")
      local ok, err = pcall(s.request, s, { method = "GET", url = helper.url .. "/slow/2000", timeout = 5 })
      local took = core.now() - t0
      debug.sethook()
      assert.is_false(ok)
      assert.equal("interrupted!", err)
      assert(took < 0.6, ("the interrupt was seen after %.2f s"):format(took))
      local res = assert(s:request { method = "GET", url = helper.url .. "/echo", timeout = 5 })
      assert.equal(200, res.status)
      s:close()
    end)
  end)

  describe("writes' connections", function()
    it("are closed after their answer: fds after 500 writes at concurrency 100 stay under 110", function()
      need_server()
      local s = core.session()
      local before = fd_count()
      local failed = writes(s, helper.url .. "/echo", 500, 100)
      assert.equal(0, failed)
      local after = fd_count()
      s:close()
      -- (before: the spec's own fds; valgrind's count there too)
      assert(after - before < 10, ("%d fds open after the batch, %d before"):format(after, before))
      assert(after < 110 + before - 5, ("%d fds open after the batch"):format(after))
    end)

    it("and reads still reuse theirs", function()
      need_server()
      local s = core.session()
      local a = assert(s:request { method = "GET", url = helper.url .. "/echo", timeout = 5 })
      local b = assert(s:request { method = "GET", url = helper.url .. "/echo", timeout = 5 })
      assert.equal(a.headers["x-conn"], b.headers["x-conn"])
      local w = assert(s:request { method = "POST", url = helper.url .. "/echo", body = "", timeout = 5, fresh = true })
      assert.are_not.equal(a.headers["x-conn"], w.headers["x-conn"])
      local c = assert(s:request { method = "GET", url = helper.url .. "/echo", timeout = 5 })
      assert.equal(a.headers["x-conn"], c.headers["x-conn"], "the write's connection was kept for a read")
      s:close()
    end)

    it("3 rounds of 1,000 writes at concurrency 250 under ulimit -n 1024 all succeed", function()
      need_server()
      local child = os.tmpname()
      write_file(child, [[
local core = require "idcloudhost.core"
local s = core.session()
local url = arg[1]
local failed = 0
for _ = 1, 3 do
  local sent = 0
  while sent < 1000 or s:pending() > 0 do
    while sent < 1000 and s:pending() < 250 do
      assert(s:send { method = "POST", url = url, body = "x", timeout = 20, fresh = true })
      sent = sent + 1
    end
    for _, id in ipairs(s:perform(1)) do
      local res = s:result(id)
      if not res or res.status ~= 200 then failed = failed + 1 end
    end
  end
end
print(failed)
]])
      local env = "LUA_PATH=" .. q(package.path) .. " LUA_CPATH=" .. q(package.cpath)
      local p = assert(io.popen("ulimit -n 1024 && exec env " .. env .. " " .. LUA .. " " .. q(child) .. " "
        .. q(helper.url .. "/echo") .. " 2>&1"))
      local out = p:read("*a")
      p:close()
      os.remove(child)
      assert.equal("0", out:match("^%s*(.-)%s*$"), out)
    end)
  end)

  describe("answers every transport reads alike (spec/hostile/same.lua)", function()
    local same = dofile((debug.getinfo(1, "S").source:match("^@(.*[/\\])") or "./") .. "../hostile/same.lua")
    for _, sc in ipairs(same.list) do
      it(sc.name .. " -> " .. sc.want .. ", through request and send alike", function()
        need_server()
        local s = core.session()
        local r = H.req(helper.url .. "/same/" .. sc.name, { timeout = 5 })
        local res, msg, name = s:request(r)
        local id = assert(s:send(r))
        local b = H.drain(s)[id]
        s:close()
        if sc.want == "ok" then
          assert(res, msg)
          assert.equal(200, res.status)
          assert.equal('[{"uuid":"x"}]', res.body)
        else
          assert(res == nil, sc.name .. " was taken as an answer")
          assert.equal(sc.want, name, msg)
        end
        assert.same({ res and res.body, name }, { b[1] and b[1].body, b[3] })
      end)
    end
  end)

  describe("the Content-Length of an answer that is not the final one", function()
    it("of an interim 100 Continue is not compared with the final answer's", function()
      need_server()
      local s = core.session()
      local res, msg = s:request { method = "POST", url = helper.url .. "/continue-len", body = "x", timeout = 5 }
      s:close()
      assert(res, msg)
      assert.equal(200, res.status)
      assert.equal("hello", res.body)
    end)

    it("of a proxy's CONNECT answer (Content-Length: 0) is not compared with the final answer's", function()
      need_server()
      if not (dir and helper.port["tls-good"]) then pending("needs openssl and luaossl") end
      local s = core.session { proxy = "http://127.0.0.1:" .. helper.port.proxy, ca_file = dir .. "/ca.pem" }
      local res, msg = s:request { method = "GET", url = "https://127.0.0.1:" .. helper.port["tls-good"] .. "/echo",
        timeout = 10 }
      s:close()
      assert(res, msg)
      assert.equal(200, res.status)
      assert.matches("^GET /echo", res.body)
    end)
  end)
end)
