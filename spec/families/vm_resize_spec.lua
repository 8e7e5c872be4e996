-- vm:resize on the simulator: a running VM stopped, resized and started again; a stopped one
-- resized in place; the power state put back when the update fails.
local helper = require "spec.helper"

describe("vm:resize (simulator)", function()
  local client
  before_each(function() client = helper.fresh_client() end)

  it("restart = true: stops a running VM, waits, updates, starts it", function()
    local vm = assert(client.vms:create(helper.billed_vm_params()))
    assert.equal("running", vm.status)
    assert.equal(vm, assert(vm:resize { vcpu = 4, ram = 4096, restart = true, force = true }))
    local fresh = assert(client.vms:get(vm.uuid))
    assert.equal(4, fresh.vcpu)
    assert.equal(4096, fresh.memory)
    assert.equal(1, helper.count("POST", "/v1/user-resource/vm/stop"))
    assert.equal(1, helper.count("PATCH", "/v1/user-resource/vm"))
    assert.equal(1, helper.count("POST", "/v1/user-resource/vm/start"))
    assert(fresh:wait("running", { interval = 0.05 }))
  end)

  it("a stopped VM is resized and stays stopped", function()
    local vm = assert(client.vms:create(helper.billed_vm_params()))
    assert(vm:stop())
    assert(vm:wait("stopped", { interval = 0.05 }))
    assert(vm:resize { ram = 4096, restart = true })
    assert.equal("stopped", assert(client.vms:get(vm.uuid)).status)
    assert.equal(0, helper.count("POST", "/v1/user-resource/vm/start"))
  end)

  it("without restart, the platform refuses a running VM and nothing else is sent", function()
    local vm = assert(client.vms:create(helper.billed_vm_params()))
    local ok, err = vm:resize { vcpu = 4 }
    assert.is_nil(ok)
    assert.equal("api", err.kind)
    assert.equal(0, helper.count("POST", "/v1/user-resource/vm/stop"))
  end)

  it("starts the VM again when the update fails", function()
    local vm = assert(client.vms:create(helper.billed_vm_params()))
    helper.fault { path = "/v1/user-resource/vm", method = "PATCH", kind = "status", status = 400,
      body = { errors = { Error = "Not enough resources" } } }
    local ok, err = vm:resize { vcpu = 64, restart = true }
    assert.is_nil(ok)
    assert.is_true(err.restarted)
    assert.matches("Not enough resources", err.message)
    local fresh = assert(client.vms:get(vm.uuid))
    assert(fresh:wait("running", { interval = 0.05 }))
    assert.equal(vm.vcpu, fresh.vcpu)
  end)
end)
