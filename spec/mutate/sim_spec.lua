-- The simulator's side of behaviours the SDK relies on, that `make mutate` showed unguarded
-- (mutate/mutants.lua names the mutant each spec kills).
local helper = require "spec.helper"

local CREATE = "/v1/user-resource/vm"

describe("the simulated gateway", function()
  it("says a 429 fault is its rate limit, so the SDK sends a refused write again", function() -- sim-429-body
    local client = helper.fresh_client()
    helper.fault { path = CREATE, method = "POST", kind = "status", status = 429, count = 1 }
    local slept = {}
    local c = helper.client { sleep = function(s) slept[#slept + 1] = s end }
    local vm = assert(c.vms:create(helper.billed_vm_params()))
    assert.equal(1, #slept)
    assert.equal(2, helper.count("POST", CREATE))
    local list = assert(client.vms:list())
    assert.equal(1, #list)
    assert.equal(vm.uuid, list[1].uuid)
  end)
end)
