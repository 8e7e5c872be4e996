-- Private networks end to end against the simulator.
local helper = require "spec.helper"
local idcloudhost = require "idcloudhost"

local last_request = helper.last_request -- the newest log entry, the log's length

describe("networks on the simulator", function()
  local client

  before_each(function()
    client = helper.fresh_client { location = "cyc01" }
  end)

  it("creates networks: the first becomes the default, the next ones do not", function()
    local a = assert(client.networks:create { name = "net-a" })
    assert.is_truthy(idcloudhost.is_uuid(a.uuid))
    assert.equal("net-a", a.name)
    assert.is_true(a.is_default)
    assert.equal("private", a.type)
    assert.same({}, a.vm_uuids)
    assert.equal(0, a.resources_count)
    assert.matches("^10%.%d+%.%d+%.0/24$", a.subnet)
    assert.equal("network " .. a.uuid .. ' "net-a" ' .. a.subnet .. " default (0 VMs)", tostring(a))

    local b = assert(client.networks:create { name = "net-b" })
    assert.is_false(b.is_default)
    assert.not_equal(a.subnet, b.subnet)

    local list = assert(client.networks:list())
    assert.equal(2, #list)
    assert.equal(a.uuid, list[1].uuid)        -- oldest first
    assert.equal(b.uuid, list[2].uuid)
    local same = assert(client.networks:get(b.uuid))
    assert.equal("net-b", same.name)
    assert.equal(getmetatable(a), getmetatable(same))
  end)

  it("sends the name of a new network in the query string, with no body", function()
    assert(client.networks:create { name = "net a+b" })
    local req = last_request()
    assert.equal("POST", req.method)
    assert.equal("/v1/cyc01/network/network", req.path)
    assert.same({ name = "net a+b" }, req.query)
    assert.equal("", req.body)
    assert.is_nil(req.content_type)
    assert.equal("net a+b", assert(client.networks:list())[1].name)
  end)

  it("default() creates the default network once, then returns it", function()
    local d = assert(client.networks:default())
    assert.equal("Default network", d.name)
    assert.is_true(d.is_default)
    local req = last_request()
    assert.equal("POST", req.method)
    assert.same({}, req.query)
    assert.equal("", req.body)
    assert.equal(d.uuid, assert(client.networks:default()).uuid)
    assert.equal(1, #assert(client.networks:list()))
  end)

  it("default() returns an existing default network rather than making one", function()
    local a = assert(client.networks:create { name = "mine" })
    assert.equal(a.uuid, assert(client.networks:default()).uuid)
    assert.equal(1, #assert(client.networks:list()))
  end)

  it("renames with a JSON body and updates the object in place", function()
    local net = assert(client.networks:create { name = "old" })
    assert.equal(net, assert(net:rename("new name")))
    assert.equal("new name", net.name)
    local req = last_request()
    assert.equal("PATCH", req.method)
    assert.equal("/v1/cyc01/network/network/" .. net.uuid, req.path)
    assert.equal("application/json", req.content_type)
    assert.same({ name = "new name" }, idcloudhost.json.decode(req.body))
    assert.equal("new name", assert(client.networks:get(net.uuid)).name)
  end)

  it("make_default un-defaults the others", function()
    local a = assert(client.networks:create { name = "a" })
    local b = assert(client.networks:create { name = "b" })
    assert.equal(b, assert(b:make_default()))
    assert.is_true(b.is_default)
    assert.equal("PUT", last_request().method)
    assert.is_false(assert(a:reload()).is_default)
    local defaults = 0
    for _, n in ipairs(assert(client.networks:list())) do
      if n.is_default then defaults = defaults + 1 end
    end
    assert.equal(1, defaults)
    -- making the default network default again changes nothing
    assert.is_true(assert(b:make_default()).is_default)
    assert.equal(b.uuid, assert(client.networks:default()).uuid)
  end)

  it("deletes an empty network that is not the default; an unknown one is not found", function()
    local a = assert(client.networks:create { name = "a" })
    local b = assert(client.networks:create { name = "b" })
    assert.is_true(assert(b:delete()))
    local req = last_request()
    assert.equal("DELETE", req.method)
    assert.equal(200, req.status) -- the docs say 204; the platform answers 200

    assert.equal(1, #assert(client.networks:list()))

    local gone, err = client.networks:get(b.uuid)
    assert.is_nil(gone)
    assert.equal("api", err.kind)
    assert.equal(400, err.status)
    assert.equal("Network UUID is invalid.", err.message)
    assert.is_true(err.not_found)
    local ok, derr = b:delete()
    assert.is_nil(ok)
    assert.is_true(derr.not_found)
    local _, rerr = b:rename("x")
    assert.is_true(rerr.not_found)

    -- the default network stays
    ok, err = a:delete()
    assert.is_nil(ok)
    assert.equal(400, err.status)
    assert.equal("Default network can not be deleted.", err.message)
    assert.is_nil(err.not_found)
    assert.equal(1, #assert(client.networks:list()))
  end)

  it("puts VMs created without network_uuid in the default network, made if need be", function()
    assert.same({}, assert(client.networks:list()))
    local vm1 = assert(client.vms:create(helper.vm_params { name = "vm-1" }))
    local nets = assert(client.networks:list())
    assert.equal(1, #nets)
    assert.equal("Default network", nets[1].name)
    assert.is_true(nets[1].is_default)
    assert.same({ vm1.uuid }, nets[1].vm_uuids)
    assert.equal(1, nets[1].resources_count)

    local vm2 = assert(client.vms:create(helper.vm_params { name = "vm-2" }))
    local net = assert(client.networks:default())
    assert.same({ vm1.uuid, vm2.uuid }, net.vm_uuids)
    local vms = assert(net:vms())
    assert.equal(2, #vms)
    assert.equal(vm1.uuid, vms[1].uuid)
    assert.equal(vm2.uuid, vms[2].uuid)
    assert.equal("vm-2", vms[2].name)
    assert.equal(getmetatable(vm1), getmetatable(vms[1]))   -- real VM objects
    assert(vms[1]:stop())
    assert.equal("stopped", assert(client.vms:get(vm1.uuid)).status)
  end)

  it("puts a VM created with network_uuid in that network, and refuses an unknown one", function()
    assert(client.networks:default())
    local net = assert(client.networks:create { name = "backend" })
    local vm = assert(client.vms:create(helper.vm_params { network_uuid = net.uuid }))
    assert(net:reload())
    assert.same({ vm.uuid }, net.vm_uuids)
    assert.same({}, assert(client.networks:default()).vm_uuids)
    -- its private address is in the network's subnet
    assert.equal(net.subnet:match("^(%d+%.%d+%.%d+)%."), vm.private_ipv4:match("^(%d+%.%d+%.%d+)%."))

    local nope, err = client.vms:create(helper.vm_params { name = "vm-x",
      network_uuid = "00000000-0000-4000-8000-000000000000" })
    assert.is_nil(nope)
    assert.equal(400, err.status)
    assert.equal("Network UUID is invalid.", err.message)
    assert.equal(1, #assert(client.vms:list()))
  end)

  it("puts a clone in its source's network; an empty network_uuid means the default network", function()
    local def = assert(client.networks:default())
    local net = assert(client.networks:create { name = "backend" })
    local vm = assert(client.vms:create(helper.vm_params { network_uuid = net.uuid }))
    local twin = assert(vm:clone { name = "web-1-twin" })
    assert.same({ vm.uuid, twin.uuid }, assert(net:reload()).vm_uuids)

    local p = helper.vm_params { name = "plain-1", network_uuid = "", billing_account_id = 6 }
    local data = assert(client:request("POST", "/v1/user-resource/vm", p, { location = true }))
    assert.same({ data.uuid }, assert(def:reload()).vm_uuids)
  end)

  it("will not delete a network with VMs, and will once they are gone", function()
    assert(client.networks:default())
    local net = assert(client.networks:create { name = "busy" })
    local vm = assert(client.vms:create(helper.vm_params { network_uuid = net.uuid }))
    local ok, err = net:delete()
    assert.is_nil(ok)
    assert.equal(400, err.status)
    assert.matches("has resources", err.message)

    assert(vm:delete())
    assert(net:reload())
    assert.same({}, net.vm_uuids)
    assert.equal(0, net.resources_count)
    assert.same({}, assert(net:vms()))
    assert.is_true(assert(net:delete()))
  end)

  it("net:vms() leaves out VMs deleted since the network was read", function()
    local vm1 = assert(client.vms:create(helper.vm_params { name = "vm-1" }))
    local vm2 = assert(client.vms:create(helper.vm_params { name = "vm-2" }))
    local net = assert(client.networks:default())
    assert(vm1:delete())
    local vms = assert(net:vms())
    assert.equal(1, #vms)
    assert.equal(vm2.uuid, vms[1].uuid)
  end)

  it("keeps locations apart", function()
    local bus = assert(client:at("bus02"))
    local net = assert(bus.networks:create { name = "far" })
    assert.same({}, assert(client.networks:list()))
    local _, err = client.networks:get(net.uuid)
    assert.is_true(err.not_found)
    assert.equal(1, #assert(bus.networks:list()))
  end)

  it("relays the simulator's parameter errors", function()
    local net = assert(client.networks:create { name = "n" })
    local res, err = client:request("PATCH", "/v1/network/network/" .. net.uuid, { name = "" },
      { json = true, location = true })
    assert.is_nil(res)
    assert.equal(400, err.status)
    assert.equal("name", err.code)
  end)

  it("refuses bad input without sending anything", function()
    local net = assert(client.networks:create { name = "n" })
    local _, before = last_request()
    local cases = {
      { client.networks:get("nope") },
      { client.networks:get() },
      { client.networks:create {} },
      { client.networks:create { name = { "x" } } },
      { client.networks:create { nmae = "typo" } },
      { client.networks:create "n" },
      { net:rename() },
      { net:rename(true) },
    }
    helper.all_invalid(cases, before)
  end)
end)
