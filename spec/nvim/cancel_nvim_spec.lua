-- Task handles inside a real Neovim: cancelling a read, a write, a batch and a wait; cancel_all;
-- no curl process left after :qa!; calls outside a task refused unless blocking = true; the
-- core found through 'runtimepath' alone after `make nvim`.  Runs in every mode (run.lua).
local helper = require "spec.helper"
local idcloudhost = require "idcloudhost"
local tools = require "spec.nvim.tools"

local LIST = "/v1/user-resource/vm/list"
local async = require "idcloudhost.runtime.nvim.async"

-- Waits (the editor's loop running) until the task has a request in flight, or `n` of them.
local function in_flight(n)
  return vim.wait(3000, function() return async.status().flying >= (n or 1) end, 5)
end

-- The driver holds nothing: no task, no request, no timer, no descriptor watched.
local function idle()
  local s = async.status()
  assert.equal(0, s.live)
  assert.equal(0, s.flying)
  assert.is_false(s.timer)
  assert.equal(0, s.sockets)
end

-- Every curl process gone (killed and reaped), within a second.
local function all_gone(pids)
  for _, pid in ipairs(pids) do
    vim.wait(1000, function() return not tools.alive(pid) end, 10)
    assert.is_false(tools.alive(pid), "curl process " .. pid .. " still runs")
  end
end

describe("task handles (" .. tools.mode .. ")", function()
  before_each(function()
    helper.reset()
    helper.config { latency = 0.01, settle = 0 }
  end)

  after_each(function()
    idcloudhost.cancel_all()
    helper.sim("DELETE", "faults")
    helper.config { latency = 0.01, settle = 0 }
  end)

  it("ends a task with its values: done, result and wait", function()
    local client = helper.client()
    local task = idcloudhost.async(function() return #assert(client.locations:list()), "two" end)
    assert.is_false(task:done())
    assert.is_nil(task:result())
    assert.same({ true, 2, "two" }, { task:wait(5000) })
    assert.is_true(task:done())
    assert.same({ true, 2, "two" }, { task:result() })
    assert.is_false(task:cancel())  -- it has ended: nothing to cancel
    idle()
  end)

  it("cancels a read in flight: kind cancelled, not uncertain, its transfer gone at once", function()
    local client = helper.client()
    helper.fault { path = LIST, method = "GET", kind = "stall", seconds = 3 }
    local called = 0
    local got
    local task = idcloudhost.async(function() return client.vms:list() end, function(...)
      called = called + 1
      got = { n = select("#", ...), ... }
    end)
    assert.is_true(in_flight())
    local pids = tools.curl_pids(client)
    assert.equal(tools.mode == "core" and 0 or 1, #pids)
    local t0 = tools.now()
    assert.is_true(task:cancel())
    assert.is_true(task:done())
    local ok, value, err = task:result()
    assert.is_true(ok)
    assert.is_nil(value)
    assert.equal("cancelled", err.kind)
    assert.is_nil(err.uncertain)
    assert.equal(0, tools.core_pending(client))
    idle()
    all_gone(pids)
    local spawn = client._shared.transports.spawn
    if spawn then
      -- The killed process ended: nothing of it is kept (nobody would take it).
      vim.wait(1000, function() return next(spawn.jobs) == nil end, 5)
      assert.is_nil(next(spawn.jobs))
      assert.is_nil(next(spawn.finished))
    end
    vim.wait(1000, function() return got ~= nil end, 5)
    assert.is_true(tools.now() - t0 < 1, "on_done came after the stall, not at the cancel")
    assert.equal(1, called)
    assert.is_true(got[1])
    assert.equal("cancelled", got[3].kind)
    assert.is_false(task:cancel())
    vim.wait(100)
    assert.equal(1, called) -- once
  end)

  it("cancels a write that may have been sent: cancelled with uncertain = true", function()
    local client = helper.client()
    helper.config { latency = 3 }
    local task = idcloudhost.async(function() return client.networks:create { name = "net-cancelled" } end)
    assert.is_true(in_flight())
    local pids = tools.curl_pids(client)
    task:cancel()
    local ok, value, err = task:result()
    assert.is_true(ok)
    assert.is_nil(value)
    assert.equal("cancelled", err.kind)
    assert.is_true(err.uncertain)
    assert.equal("POST", err.method)
    assert.equal("/v1/network/network", err.path)
    assert.matches("check before doing it again", err.message, 1, true)
    idle()
    all_gone(pids)
  end)

  it("cancels a batch inside a task: every item's transfer, no item reported after", function()
    local client = helper.client()
    helper.fault { path = LIST, method = "GET", kind = "stall", seconds = 3, count = 4 }
    local progress = 0
    local task = idcloudhost.async(function()
      return client:batch({ 1, 2, 3, 4 }, function(_, c) return c.vms:list() end, {
        concurrency = 4, on_progress = function() progress = progress + 1 end })
    end)
    assert.is_true(in_flight(4))
    local pids = tools.curl_pids(client)
    assert.equal(tools.mode == "core" and 0 or 4, #pids)
    task:cancel()
    assert.equal("cancelled", select(3, task:result()).kind)
    assert.equal(0, tools.core_pending(client))
    idle()
    all_gone(pids)
    vim.wait(300)
    assert.equal(0, progress)
  end)

  it("cancels a wait: no poll after the cancel, no timer left", function()
    local client = helper.client()
    helper.config { settle = 30 }
    local polls = 0
    local task = idcloudhost.async(function()
      local vm = assert(client.vms:create(helper.billed_vm_params()))
      return vm:wait("running", { interval = 0.1, on_progress = function() polls = polls + 1 end })
    end)
    assert.is_true(vim.wait(5000, function() return polls >= 2 end, 10), "the wait never polled")
    task:cancel()
    local ok, value, err = task:result()
    assert.is_true(ok)
    assert.is_nil(value)
    assert.equal("cancelled", err.kind)
    idle()
    local seen, requests = polls, #helper.log()
    vim.wait(400)
    assert.equal(seen, polls)
    assert.equal(requests, #helper.log())
  end)

  it("cancels every task with cancel_all", function()
    local client = helper.client()
    helper.fault { path = LIST, method = "GET", kind = "stall", seconds = 3, count = 2 }
    local a = idcloudhost.async(function() return client.vms:list() end)
    local b = idcloudhost.async(function() return client.vms:list() end)
    assert.is_true(in_flight(2))
    assert.equal(2, idcloudhost.cancel_all())
    assert.is_true(a:done() and b:done())
    assert.equal("cancelled", select(3, a:result()).kind)
    idle()
    assert.equal(0, idcloudhost.cancel_all())
  end)

  it("stops a task that cancels itself at its next call", function()
    local client = helper.client()
    local task
    local after = false
    task = idcloudhost.async(function()
      assert(client.locations:list())
      task:cancel()
      client.locations:list()
      after = true
    end)
    vim.wait(3000, function() return task:done() end, 5)
    assert.equal("cancelled", select(3, task:result()).kind)
    vim.wait(100)
    assert.is_false(after)
    idle()
  end)

  it("lets a task wait for another one", function()
    local client = helper.client()
    local inner = idcloudhost.async(function() return #assert(client.locations:list()) end)
    local outer = idcloudhost.async(function() return select(2, inner:wait(3000)) + 1 end)
    assert.same({ true, 3 }, { outer:wait(5000) })
  end)
end)

describe("calls outside a task (" .. tools.mode .. ")", function()
  before_each(function() helper.reset() end)
  after_each(function() helper.sim("DELETE", "faults") end)

  it("refuses a keymap's call with an invalid error naming idcloudhost.async, sending nothing", function()
    local client = helper.client()
    -- The server would take 2 s: the refusal comes before anything is sent.
    helper.fault { path = LIST, method = "GET", kind = "stall", seconds = 2 }
    local before = #helper.log()
    local got
    vim.keymap.set("n", "<F7>", function()
      local t0 = tools.now()
      local vms, err = client.vms:list()
      got = { vms = vms, err = err, took = tools.now() - t0 }
    end)
    vim.api.nvim_feedkeys(vim.api.nvim_replace_termcodes("<F7>", true, false, true), "x", false)
    vim.keymap.del("n", "<F7>")
    assert.is_table(got, "the keymap did not run")
    assert.is_nil(got.vms)
    assert.equal("invalid", got.err.kind)
    assert.matches("idcloudhost.async", got.err.message, 1, true)
    assert.matches("blocking = true", got.err.message, 1, true)
    assert.is_true(got.took < 1, "the call waited for the server: " .. got.took .. " s")
    assert.equal(before, #helper.log())
    -- A batch and a wait are refused the same way, as a whole.
    local results, err = client:batch({ 1 }, function(_, c) return c.vms:list() end)
    assert.is_nil(results)
    assert.equal("invalid", err.kind)
    local waited = client.vms:wait_all({ "00000000-0000-4000-8000-000000000000" }, "running", { timeout = 5 })
    assert.is_false(waited[1].ok)
    assert.equal("invalid", waited[1].err.kind)
    assert.equal(before, #helper.log())
    -- A client on a clock of its own (idcloudhost.new{clock =}) is refused the same way.
    local clocked = helper.client { clock = { now = os.time, sleep = function() end } }
    local vms, cerr = clocked.vms:list()
    assert.is_nil(vms)
    assert.equal("invalid", cerr.kind)
    assert.matches("idcloudhost.async", cerr.message, 1, true)
    assert.equal(before, #helper.log())
  end)

  it("refuses a call in a vim.loop callback with an invalid error, blocking or not, without the core", function()
    for _, blocking in ipairs { false, true } do
      local client = helper.client { blocking = blocking }
      local got
      local timer = vim.loop.new_timer()
      timer:start(1, 0, function()
        local vms, err = client.locations:list()
        got = { vms = vms, err = err }
      end)
      vim.wait(5000, function() return got ~= nil end, 5)
      timer:close()
      if blocking and tools.mode == "core" then
        assert.is_table(got.vms, tostring(got.err)) -- the core blocks there, as asked
      else
        assert.is_nil(got.vms)
        assert.equal("invalid", got.err.kind) -- a programming error: never retried as network
        assert.matches("idcloudhost.async", got.err.message, 1, true)
      end
    end
  end)
end)

describe("leaving Neovim (" .. tools.mode .. ")", function()
  before_each(function() helper.reset() end)
  after_each(function() helper.sim("DELETE", "faults") end)

  it("leaves no curl process behind after :qa! in the middle of a call", function()
    helper.fault { path = LIST, method = "GET", kind = "stall", seconds = 5 }
    local pidfile = os.tmpname()
    local root = vim.fn.getcwd()
    -- Always without the core: the curl command is what could outlive the editor.
    local status, out = tools.nvim([[
      package.path = ]] .. string.format("%q", root .. "/lua/?.lua;" .. root .. "/lua/?/init.lua;") .. [[ .. package.path
      package.preload["idcloudhost.core"] = function() error("hidden", 0) end
      local idcloudhost = require "idcloudhost"
      local client = assert(idcloudhost.new { apikey = "demo-key", base_url = os.getenv("IDCLOUDHOST_SIM_URL") })
      idcloudhost.async(function() return client.vms:list() end)
      vim.wait(3000, function() return next(client._shared.transports.spawn and client._shared.transports.spawn.jobs or {}) ~= nil end, 5)
      local f = io.open(os.getenv("PIDFILE"), "w")
      for _, job in pairs(client._shared.transports.spawn.jobs) do f:write(job.pid, "\n") end
      f:close()
      vim.cmd("qa!")
    ]], { PIDFILE = pidfile })
    assert.equal(0, status, out)
    local pids = {}
    for line in io.lines(pidfile) do pids[#pids + 1] = tonumber(line) end
    os.remove(pidfile)
    assert.equal(1, #pids, "no curl process was started")
    all_gone(pids)
  end)
end)

describe("make nvim (" .. tools.mode .. ")", function()
  it("puts the core where a plugin on 'runtimepath' alone loads it: no package.cpath edit", function()
    local root = vim.fn.getcwd()
    local status, out = tools.nvim([[
      vim.opt.runtimepath:append(]] .. string.format("%q", root) .. [[)
      local ok, core = pcall(require, "idcloudhost.core")
      local found = vim.api.nvim_get_runtime_file("lua/idcloudhost/core.so", false)[1]
      local host = require "idcloudhost.runtime.nvim"
      io.stdout:write("core=", tostring(ok and type(core) == "table"), " found=", tostring(found),
        " transport=", host.transport, " cpath_edited=", tostring(package.cpath:find(]]
        .. string.format("%q", root) .. [[, 1, true) ~= nil), "\n")
      vim.cmd("qa!")
    ]], { LUA_PATH = false, LUA_CPATH = false })
    assert.equal(0, status, out)
    assert.matches("core=true", out, 1, true)
    assert.matches("found=" .. root .. "/lua/idcloudhost/core.so", out, 1, true)
    assert.matches("transport=curl", out, 1, true)
    assert.matches("cpath_edited=false", out, 1, true)
  end)
end)
