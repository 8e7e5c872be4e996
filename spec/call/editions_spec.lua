-- The SDK against both editions of the platform (the simulator's `edition` setting) and the
-- variants the field shows: the same calls, the same results, whichever answered.
local helper = require "spec.helper"

local function with_edition(edition)
  helper.reset()
  helper.config { edition = edition }
  return helper.client()
end

for _, edition in ipairs { "elastis", "idcloudhost" } do
  describe("on the " .. edition .. " edition", function()
    local client
    before_each(function() client = with_edition(edition) end)
    after_each(function() helper.config { edition = "elastis" } end)

    it("updates a VM whichever answer comes (the VM, or {\"success\": true})", function()
      local vm = assert(client.vms:create(helper.billed_vm_params()))
      assert(vm:stop { force = true })
      assert.is_true(assert(vm:update { name = "web-2", vcpu = 4, ram = 4096 }))
      assert.same({ "web-2", 4, 4096 }, { vm.name, vm.vcpu, vm.memory })
      local fresh = assert(client.vms:get(vm.uuid))
      assert.same({ "web-2", 4, 4096 }, { fresh.name, fresh.vcpu, fresh.memory })
      assert.equal(1, helper.count("PATCH", "/v1/user-resource/vm"))
    end)

    it("deletes whatever the delete answers (200, 204, an empty body, true) and reads tombstones", function()
      local vm = assert(client.vms:create(helper.billed_vm_params { reserve_public_ip = true }))
      local ips = assert(vm:floating_ips())
      assert.equal(1, #ips)
      assert.is_true(assert(vm:delete { release_ips = true }))
      assert.same({}, assert(client.floating_ips:list()))
      assert.is_true(assert(client.vms:get(vm.uuid)).deleted)
      assert.equal(vm, assert(vm:wait("deleted", { interval = 0.01 })))
      local net = assert(client.networks:create { name = "tmp" })
      assert(client.networks:create { name = "tmp2" })
      assert.is_true(assert(net:delete()))
      local disk = assert(client.disks:create { size_gb = 20, billing_account_id = 6 })
      assert.is_true(assert(disk:delete()))
      assert.is_true(assert(client.disks:get(disk.uuid)).deleted)
    end)

    it("creates load balancers with targets always sent (a create without them answers 500)", function()
      local lb = assert(client.load_balancers:create { display_name = "lb", billing_account_id = 6 })
      assert.same({}, lb.targets)
      local req = helper.last_request()
      assert.equal("POST", req.method)
      assert.is_true(assert(lb:delete { release_ips = true }))
      assert.is_true(assert(client.load_balancers:get(lb.uuid)).deleted)
    end)

    it("reads billing accounts in either shape", function()
      local list = assert(client.billing_accounts:list())
      assert.equal(2, #list)
      local ba = assert(client.billing_accounts:get(6))
      assert.equal(6, ba.id)
      assert.is_number(assert(ba:unpaid_amount()))
    end)

    -- Both editions flag the default account: the old idcloudhost seed's accounts had no
    -- is_default, its 2025-12 text has the elastis docs' fields (endpoints-2025.md (b2) #78, #81).
    it("fills in the default billing account the platform marks", function()
      local vm = assert(client.vms:create(helper.vm_params()))
      assert.equal(6, vm.billing_account)
    end)
  end)
end
