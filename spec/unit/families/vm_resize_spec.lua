-- vm:resize on a scripted transport: the steps it sends (reload, stop, wait, update, start), and
-- the power state put back when a step after the stop fails.
local helper = require "spec.helper"
local docs = require "spec.fixtures.unit_docs"

local STOPPED = docs.vm_stop
local RUNNING = (docs.vm_stop:gsub('"status": "stopped"', '"status": "running"'))
local UUID = assert(require("cjson").decode(STOPPED).uuid)
local VM = "/v1/cyc01/user-resource/vm"

-- A fake whose first answer is `first` (a VM), and the VM got from it.
local function with_vm(first, ...)
  local f = helper.fake { helper.answer(first), ... }
  local c = f.client { location = "cyc01" }
  return f, assert(c.vms:get(UUID))
end

local function paths(f)
  local out = {}
  for i = 2, #f.requests do
    local s = helper.sent(f, i)
    out[#out + 1] = s.method .. " " .. s.path
  end
  return out
end

describe("vm:resize", function()
  it("refuses no size, a bad size or an unknown option, and sends nothing", function()
    local f, vm = with_vm(RUNNING)
    for _, o in ipairs { {}, { restart = true }, { vcpu = 0 }, { ram = -1 }, { vcpu = 1.5 }, { vcpu = 2, cpus = 2 },
      { vcpu = "2" } } do
      local ok, err = vm:resize(o)
      assert.is_nil(ok)
      assert.equal("invalid", err.kind)
    end
    assert.equal(1, #f.requests)
  end)

  it("without restart is one update", function()
    local f, vm = with_vm(STOPPED, helper.answer(STOPPED))
    assert.equal(vm, assert(vm:resize { vcpu = 4 }))
    assert.same({ "PATCH " .. VM }, paths(f))
    helper.expect(f, 2, { "PATCH", VM, form = { uuid = UUID, vcpu = "4" } })
  end)

  it("with restart stops a running VM, waits, updates, starts it again", function()
    local f, vm = with_vm(RUNNING, helper.answer(RUNNING), helper.answer(STOPPED), helper.answer(STOPPED),
      helper.answer(STOPPED), helper.answer(RUNNING))
    assert.equal(vm, assert(vm:resize { vcpu = 4, ram = 4096, restart = true, force = true }))
    assert.same({ "GET " .. VM, "POST " .. VM .. "/stop", "GET " .. VM, "PATCH " .. VM, "POST " .. VM .. "/start" },
      paths(f))
    helper.expect(f, 3, { "POST", VM .. "/stop", form = { uuid = UUID, force = "true" } })
    helper.expect(f, 5, { "PATCH", VM, form = { uuid = UUID, vcpu = "4", ram = "4096" } })
    assert.equal("running", vm.status)
  end)

  it("with restart leaves a stopped VM stopped", function()
    local f, vm = with_vm(STOPPED, helper.answer(STOPPED), helper.answer(STOPPED))
    assert(vm:resize { ram = 4096, restart = true })
    assert.same({ "GET " .. VM, "PATCH " .. VM }, paths(f))
  end)

  it("starts the VM again when the update fails, and says so", function()
    local f, vm = with_vm(RUNNING, helper.answer(RUNNING), helper.answer(STOPPED), helper.answer(STOPPED),
      helper.answer('{"errors": {"Error": "Not enough resources"}}', 400), helper.answer(RUNNING))
    local ok, err = vm:resize { vcpu = 64, restart = true }
    assert.is_nil(ok)
    assert.equal("api", err.kind)
    assert.is_true(err.restarted)
    assert.matches("Not enough resources (the VM was started again)", err.message, 1, true)
    assert.equal("POST " .. VM .. "/start", paths(f)[#paths(f)])
  end)

  it("starts the VM again when it does not stop in time", function()
    local f, vm = with_vm(RUNNING, helper.answer(RUNNING), helper.answer(RUNNING),
      helper.answer(RUNNING), helper.answer(RUNNING))
    local ok, err = vm:resize { vcpu = 4, restart = true, timeout = 0 }
    assert.is_nil(ok)
    assert.equal("timeout", err.kind)
    assert.is_true(err.restarted)
    local p = paths(f)
    assert.equal("POST " .. VM .. "/start", p[#p])
    for _, s in ipairs(p) do assert.is_nil(s:find("PATCH", 1, true)) end
  end)

  it("does not start a VM whose stop was refused", function()
    local f, vm = with_vm(RUNNING, helper.answer(RUNNING), helper.answer('{"errors": {"Error": "busy"}}', 409))
    local ok, err = vm:resize { vcpu = 4, restart = true }
    assert.is_nil(ok)
    assert.equal(409, err.status)
    assert.is_nil(err.restarted)
    assert.same({ "GET " .. VM, "POST " .. VM .. "/stop" }, paths(f))
  end)

  it("reports a resize whose start failed as resized", function()
    local _, vm = with_vm(RUNNING, helper.answer(RUNNING), helper.answer(STOPPED), helper.answer(STOPPED),
      helper.answer(STOPPED), helper.answer('{"errors": {"Error": "host busy"}}', 409))
    local ok, err = vm:resize { vcpu = 4, restart = true }
    assert.is_nil(ok)
    assert.is_true(err.resized)
    assert.matches("resized but did not start again: host busy", err.message, 1, true)
  end)
end)
