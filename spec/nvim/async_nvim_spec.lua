-- idcloudhost.async inside a real Neovim: SDK calls yield to the editor's loop.  Runs with the C
-- core (its multi interface) and without it (curl processes); spec/nvim/run.lua says how.
local helper = require "spec.helper"
local idcloudhost = require "idcloudhost"
local runtime = require "idcloudhost.runtime"
local tools = require "spec.nvim.tools"

local LIST = "/v1/user-resource/vm/list"

describe("idcloudhost.async (" .. tools.mode .. ")", function()
  before_each(function()
    helper.reset()
    helper.config { latency = 0.01, settle = 0 }
  end)

  after_each(function()
    helper.config { latency = 0.01, settle = 0 }
  end)

  it("runs on the C core when it loads, else on the curl command, inside async and out", function()
    local has_core = pcall(require, "idcloudhost.core")
    assert.equal(tools.mode == "core", has_core)
    local outside = runtime.current()
    assert.equal("nvim", outside.name)
    assert.equal(tools.transport, outside.transport)
    local done = tools.run(function()
      local rt = runtime.current()
      return rt.scheduled, rt.transport
    end)
    assert.same({ true, true, tools.transport, n = 3 }, done)
  end)

  it("lets a 50 ms timer tick 18 times or more during a 1 s read", function()
    local client = helper.client()
    helper.fault { path = LIST, method = "GET", kind = "stall", seconds = 1 }
    local timer = tools.ticker(50)
    local done, took = tools.run(function() return client.vms:list() end)
    local ticks = timer.stop()
    assert.is_table(done, "the task never ended")
    assert.is_true(done[1])
    assert.is_true(idcloudhost.json.is_array(done[2]))
    assert.is_true(took >= 1, "the read took " .. took .. " s: the stall did not happen")
    assert.is_true(ticks >= 18, "the timer ticked " .. ticks .. " times in " .. took .. " s")
  end)

  it("keeps calls outside async blocking with blocking = true: the value comes back directly, no scheduled callback runs"
    .. " meanwhile", function()
    local client = helper.client { blocking = true }
    helper.fault { path = LIST, method = "GET", kind = "stall", seconds = 0.3 }
    local ran = false
    vim.schedule(function() ran = true end)
    local t0 = tools.now()
    local vms, err = client.vms:list()
    assert.is_nil(err)
    assert.is_true(idcloudhost.json.is_array(vms))
    assert.is_true(tools.now() - t0 >= 0.3)
    assert.is_false(ran)
    vim.wait(1000, function() return ran end)
    assert.is_true(ran)
  end)

  it("runs the items of a batch side by side: ten 1 s writes in under 2 s, the editor ticking", function()
    local client = helper.client()
    helper.config { latency = 1 }
    local items = {}
    for i = 1, 10 do items[i] = "net-" .. i end
    local timer = tools.ticker(50)
    local done, took = tools.run(function()
      return client:batch(items, function(name, c) return c.networks:create { name = name } end, { concurrency = 10 })
    end)
    local ticks = timer.stop()
    assert.is_table(done, "the task never ended")
    assert.is_true(done[1])
    for i, r in ipairs(done[2]) do
      assert.is_true(r.ok, "item " .. i .. ": " .. tostring(r.err))
      assert.equal(items[i], r.value.name)
    end
    assert.equal(10, #done[2])
    assert.equal(10, helper.count("POST", "/v1/network/network"))
    assert.is_true(took >= 1, "the batch took " .. took .. " s: the latency did not apply")
    assert.is_true(took < 2, "the batch took " .. took .. " s: its items did not run side by side")
    assert.is_true(ticks >= 18, "the timer ticked " .. ticks .. " times in " .. took .. " s")
  end)

  it("runs two tasks side by side", function()
    local client = helper.client()
    helper.fault { path = LIST, method = "GET", kind = "stall", seconds = 1, count = 2 }
    local ended = {}
    local t0 = tools.now()
    for i = 1, 2 do
      assert(idcloudhost.async(function() return client.vms:list() end, function(ok, vms)
        ended[i] = ok and vms ~= nil
      end))
    end
    vim.wait(5000, function() return ended[1] ~= nil and ended[2] ~= nil end, 20)
    local took = tools.now() - t0
    assert.same({ true, true }, ended)
    assert.is_true(took >= 1 and took < 1.9, "two 1 s reads took " .. took .. " s")
  end)

  it("yields in a Retry-After and in a wait, the editor ticking", function()
    local client = helper.client()
    helper.fault { path = LIST, method = "GET", kind = "status", status = 429, headers = { ["Retry-After"] = "1" } }
    local timer = tools.ticker(50)
    local done, took = tools.run(function() return client.vms:list() end)
    local ticks = timer.stop()
    assert.is_true(done[1])
    assert.is_table(done[2], tostring(done[3]))
    assert.equal(2, helper.count("GET", LIST))
    assert.is_true(took >= 1, "the retry came after " .. took .. " s, not after Retry-After")
    assert.is_true(ticks >= 18, "the timer ticked " .. ticks .. " times in " .. took .. " s")

    helper.config { settle = 1 }
    timer = tools.ticker(50)
    done, took = tools.run(function()
      local vm = assert(client.vms:create(helper.billed_vm_params()))
      assert(vm.status == "creating", vm.status)
      return vm:wait("running", { interval = 0.2, timeout = 10 })
    end)
    ticks = timer.stop()
    assert.is_true(done[1], tostring(done[2]))
    assert.equal("running", done[2].status)
    assert.is_true(took >= 1)
    assert.is_true(ticks >= 18, "the timer ticked " .. ticks .. " times in " .. took .. " s")
  end)

  it("lets the task and on_done call vim.api (no E5560: neither runs in a fast event)", function()
    local client = helper.client()
    local buf = vim.api.nvim_create_buf(false, true)
    local in_task, in_done, done_err
    local done = tools.run(function()
      local locations = assert(client.locations:list())
      in_task = vim.in_fast_event()
      vim.api.nvim_buf_set_lines(buf, 0, -1, false, { "locations: " .. #locations })
      return #locations
    end)
    assert.same({ true, 2, n = 2 }, done)
    local ended = false
    assert(idcloudhost.async(function() return client.locations:list() end, function(ok, locations)
      in_done = vim.in_fast_event()
      local set_ok, e = pcall(vim.api.nvim_buf_set_lines, buf, 1, -1, false, { "done: " .. tostring(ok and #locations) })
      done_err = not set_ok and e or nil
      ended = true
    end))
    vim.wait(5000, function() return ended end, 10)
    assert.is_true(ended)
    assert.is_false(in_task)
    assert.is_false(in_done)
    assert.is_nil(done_err)
    assert.same({ "locations: 2", "done: 2" }, vim.api.nvim_buf_get_lines(buf, 0, -1, false))
    vim.api.nvim_buf_delete(buf, { force = true })
  end)

  it("returns errors as values: on_done(true, nil, err)", function()
    local client = helper.client()
    local done = tools.run(function() return client.vms:get("00000000-0000-4000-8000-000000000000") end)
    assert.is_true(done[1])
    assert.is_nil(done[2])
    assert.equal("api", done[3].kind)
    assert.is_true(done[3].not_found)

    local closed = helper.client { base_url = "http://127.0.0.1:1", retries = 0 }
    done = tools.run(function() return closed.locations:list() end)
    assert.is_true(done[1])
    assert.is_nil(done[2])
    assert.equal("network", done[3].kind)
    assert.equal("COULDNT_CONNECT", done[3].code)
  end)

  it("ends a task that raises with on_done(false, err of kind error), or a notification without on_done", function()
    local done = tools.run(function() error("boom in the task") end)
    assert.is_false(done[1])
    assert.is_true(idcloudhost.is_error(done[2]))
    assert.equal("error", done[2].kind)
    assert.matches("boom in the task", done[2].message)
    assert.matches("traceback", done[2].traceback)

    local notify, seen = vim.notify, {}
    vim.notify = function(msg, level) seen[#seen + 1] = { msg = msg, level = level } end
    assert(idcloudhost.async(function() error("unheard") end))
    vim.wait(2000, function() return #seen > 0 end, 10)
    vim.notify = notify
    assert.equal(1, #seen)
    assert.equal(vim.log.levels.ERROR, seen[1].level)
    assert.matches("unheard", seen[1].msg)
  end)

  it("refuses bad arguments with an invalid error and runs nothing", function()
    for _, args in ipairs { { nil }, { "fn" }, { function() end, "cb" } } do
      local ok, err = idcloudhost.async(args[1], args[2])
      assert.is_nil(ok)
      assert.equal("invalid", err.kind)
    end
  end)

  it("goes idle when every task ended: no timer left running", function()
    local client = helper.client()
    local done = tools.run(function() return client.locations:list() end)
    assert.is_true(done[1])
    local status = require("idcloudhost.runtime.nvim.async").status()
    assert.equal(0, status.live)
    assert.equal(0, status.flying)
    assert.is_false(status.timer)
  end)

  it("writes the debug log with vim.notify at DEBUG level, without the key", function()
    local client = helper.client { debug = true, blocking = true }
    local notify, seen = vim.notify, {}
    vim.notify = function(msg, level) seen[#seen + 1] = { msg = msg, level = level } end
    local done = tools.run(function() return client.locations:list() end)
    vim.wait(1000, function() return #seen > 0 end, 10)
    local outside = client.locations:list()
    vim.wait(1000, function() return #seen > 1 end, 10)
    vim.notify = notify
    assert.is_true(done[1])
    assert.is_table(outside)
    assert.equal(2, #seen)
    for _, s in ipairs(seen) do
      assert.equal(vim.log.levels.DEBUG, s.level)
      assert.matches("GET /v1/config/locations -> 200", s.msg, 1, true)
      assert.is_nil(s.msg:find(helper.KEY, 1, true))
    end
  end)

  it("finds each write's answer by its descriptor, on a fresh connection every time", function()
    if tools.mode ~= "core" then return end
    local client = helper.client()
    local async = require("idcloudhost.runtime.nvim.async")
    local woke = async.status().wakeups
    -- (a write goes on a connection of its own, closed after it: the next one's socket takes the
    -- same number, and must be watched anew)
    local done, took = tools.run(function()
      for i = 1, 3 do assert(client.networks:create { name = "fresh-" .. i }) end
      return true
    end)
    assert.is_table(done, "the task never ended")
    assert.is_true(done[2])
    woke = async.status().wakeups - woke
    assert.is_true(woke >= 3, "3 answers woke the driver " .. woke .. " times")
    assert.is_true(took < 1.5, "3 writes took " .. took .. " s (a timer found them)")
  end)

  it("does not spin when an idle connection of another client is closed by its server mid-call", function()
    if tools.mode ~= "core" then return end
    local uv = vim.uv or vim.loop
    -- A server of one answer, on this loop, that closes the kept connection 50 ms later.
    local server = uv.new_tcp()
    server:bind("127.0.0.1", 0)
    server:listen(8, function()
      local conn = uv.new_tcp()
      server:accept(conn)
      conn:read_start(function(_, data)
        if data and data:find("\r\n\r\n", 1, true) then
          conn:write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")
          local later = uv.new_timer()
          later:start(50, 0, function()
            later:close()
            if not conn:is_closing() then conn:close() end
          end)
        end
      end)
    end)
    local other = helper.client { base_url = "http://127.0.0.1:" .. server:getsockname().port }
    local client = helper.client()
    helper.fault { path = LIST, method = "GET", kind = "stall", seconds = 0.5 }
    local async = require("idcloudhost.runtime.nvim.async")
    local woke
    local done = tools.run(function()
      assert(other:request("GET", "/one"))
      woke = async.status().wakeups
      return client.vms:list()
    end)
    server:close()
    assert.is_table(done, "the task never ended")
    assert.is_true(done[1])
    woke = async.status().wakeups - woke
    -- (the vms call's answer: one or two; the closed connection: one, then its handle waits)
    assert.is_true(woke <= 10, "the driver woke " .. woke .. " times during a 0.5 s call")
  end)

  it("wakes on the core's descriptor, with no fast timer; curl processes say when they end", function()
    local client = helper.client()
    -- (a connection kept from a first call: the wake-ups below are the answer's, not a connect's)
    assert.is_true(idcloudhost.async(function() return client.locations:list() end):wait(5000))
    helper.fault { path = LIST, method = "GET", kind = "stall", seconds = 0.5 }
    local seen, watched, turns = 0, 0, 0
    local sched = require "idcloudhost.runtime.sched"
    local Sched = getmetatable(sched.new({}))
    local step = Sched.step
    Sched.step = function(...)
      turns = turns + 1
      return step(...)
    end
    local woke = require("idcloudhost.runtime.nvim.async").status().wakeups
    local task = idcloudhost.async(function() return client.vms:list() end)
    vim.wait(3000, function()
      local s = require("idcloudhost.runtime.nvim.async").status()
      if s.flying > 0 then
        seen = seen + 1
        if s.sockets > 0 then watched = watched + 1 end
      end
      return task:done()
    end, 5)
    Sched.step = step
    assert.is_true(task:result())
    assert.is_true(seen > 10, "the request was seen in flight " .. seen .. " times")
    woke = require("idcloudhost.runtime.nvim.async").status().wakeups - woke
    if tools.mode == "core" then
      assert.is_true(watched >= seen - 1, "the core's descriptor was watched " .. watched .. " of " .. seen .. " times")
      assert.is_true(woke >= 1, "the answer was found by a timer, not by its descriptor")
    else
      assert.equal(0, watched)
      assert.equal(0, woke)
    end
    -- A 0.5 s answer takes a few turns, not one every few milliseconds (a pumping timer: 50).
    assert.is_true(turns <= 10, turns .. " turns for one request")
  end)

  it("runs a batch inside a vim.loop callback without hanging (blocking = true): on the core, refused without it", function()
    local client = helper.client { blocking = true }
    local results, err, got
    local timer = vim.loop.new_timer()
    timer:start(1, 0, function()
      results, err = client:batch({ 1, 2 }, function(_, c) return c.locations:list() end)
      got = true
    end)
    vim.wait(5000, function() return got end, 10)
    timer:close()
    if tools.mode == "core" then
      assert.is_table(results)
      for _, r in ipairs(results) do assert.is_true(r.ok, tostring(r.err)) end
    else
      -- A programming error, not a network failure: retry-on-network logic must not retry it.
      assert.is_nil(results)
      assert.equal("invalid", err.kind)
      assert.matches("idcloudhost.async", err.message, 1, true)
    end
  end)

  it("gives a task and a blocking batch outside it on the same client each their answers", function()
    local client = helper.client { blocking = true }
    helper.fault { path = LIST, method = "GET", kind = "stall", seconds = 0.5 }
    local task
    assert(idcloudhost.async(function() return client.vms:list() end, function(ok, vms) task = ok and vms ~= nil end))
    -- Let the task send its request, then block on a batch whose items end after the task's.
    vim.wait(200, function() return require("idcloudhost.runtime.nvim.async").status().flying > 0 end, 5)
    helper.fault { path = "/v1/config/locations", method = "GET", kind = "stall", seconds = 1, count = 2 }
    local results = client:batch({ 1, 2 }, function(_, c) return c.locations:list() end)
    assert.is_true(results[1].ok and results[2].ok)
    vim.wait(3000, function() return task ~= nil end, 10)
    assert.is_true(task, "the task never got its answer")
  end)
end)
