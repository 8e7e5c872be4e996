-- Floating IPs, and the VM calls around them, end to end against the simulator.
local helper = require "spec.helper"
local idcloudhost = require "idcloudhost"

local BA = 6 -- the simulator's (default) billing account

local last_request = helper.last_request -- the newest log entry, the log's length

local function addresses(list)
  local out = {}
  for i, ip in ipairs(list) do out[i] = ip.address end
  table.sort(out)
  return out
end

describe("floating IPs on the simulator", function()
  local client

  before_each(function()
    client = helper.fresh_client { location = "cyc01" }
  end)

  -- A VM without the public IP the platform would give it: its floating IPs are the spec's own.
  local function vm(name)
    return assert(client.vms:create(helper.vm_params { name = name or "web-1", reserve_public_ip = false }))
  end

  it("reserves an address with a JSON body; it starts unassigned", function()
    local ip = assert(client.floating_ips:create { name = "my_ip", billing_account_id = BA })
    assert.matches("^%d+%.%d+%.%d+%.%d+$", ip.address)
    assert.equal("my_ip", ip.name)
    assert.equal(BA, ip.billing_account_id)
    assert.equal("public", ip.type)
    assert.is_true(ip.enabled)
    assert.is_nil(ip.assigned_to)
    assert.equal("floating_ip " .. ip.address .. ' "my_ip" unassigned', tostring(ip))
    local req = last_request()
    assert.equal("POST", req.method)
    assert.equal("/v1/cyc01/network/ip_addresses", req.path)
    assert.equal("application/json", req.content_type)
    assert.same({ name = "my_ip", billing_account_id = BA }, idcloudhost.json.decode(req.body))

    local same = assert(client.floating_ips:get(ip.address))
    assert.equal(ip.id, same.id)
    assert.equal(getmetatable(ip), getmetatable(same))
    local list = assert(client.floating_ips:list())
    assert.equal(1, #list)
    assert.equal(ip.address, list[1].address)
  end)

  it("reserves in the default billing account when none is given; the platform wants one", function()
    local ip = assert(client.floating_ips:create { name = "x" })
    assert.equal(BA, ip.billing_account_id)
    local req = last_request()
    assert.same({ name = "x", billing_account_id = BA }, idcloudhost.json.decode(req.body))
    assert(ip:delete())

    local res, serr = client:request("POST", "/v1/network/ip_addresses", { name = "x" }, { json = true, location = true })
    assert.is_nil(res)
    assert.equal(400, serr.status)
    assert.equal("billing_account_id", serr.code)

    res, serr = client.floating_ips:create { billing_account_id = 999 }   -- no such account
    assert.is_nil(res)
    assert.equal("api", serr.kind)
    assert.equal(400, serr.status)
    assert.matches("billing account", serr.message:lower())
    assert.same({}, assert(client.floating_ips:list()))
  end)

  it("updates the name and billing account in place", function()
    local ip = assert(client.floating_ips:create { name = "a", billing_account_id = BA })
    assert.equal(ip, assert(ip:update { name = "renamed" }))
    assert.equal("renamed", ip.name)
    local req = last_request()
    assert.equal("PATCH", req.method)
    assert.equal("/v1/cyc01/network/ip_addresses/" .. ip.address, req.path)
    assert.same({ name = "renamed" }, idcloudhost.json.decode(req.body))
    assert(ip:update { billing_account_id = BA, name = "b" })
    assert.equal("b", assert(client.floating_ips:get(ip.address)).name)

    local ok, err = ip:update { billing_account_id = 12345 }
    assert.is_nil(ok)
    assert.equal(400, err.status)
    assert.equal("b", ip.name)
  end)

  it("assigns to a VM with {vm_uuid}, moves between VMs, and unassigns with no body", function()
    local a, b = vm("vm-a"), vm("vm-b")
    local ip = assert(client.floating_ips:create { billing_account_id = BA })
    assert.equal(ip, assert(ip:assign(a)))
    assert.equal(a.uuid, ip.assigned_to)
    assert.equal("virtual_machine", ip.assigned_to_resource_type)
    assert.equal(a.private_ipv4, ip.assigned_to_private_ip)
    local req = last_request()
    assert.equal("POST", req.method)
    assert.equal("/v1/cyc01/network/ip_addresses/" .. ip.address .. "/assign", req.path)
    assert.equal("application/json", req.content_type)
    assert.same({ vm_uuid = a.uuid }, idcloudhost.json.decode(req.body))
    assert.equal("floating_ip " .. ip.address .. ' "" assigned to virtual_machine ' .. a.uuid, tostring(ip))

    assert.equal(1, #assert(a:floating_ips()))
    assert(ip:assign(b.uuid))                           -- a uuid string works too
    assert.equal(b.uuid, ip.assigned_to)
    assert.same({}, assert(a:floating_ips()))
    local on_b = assert(b:floating_ips())
    assert.equal(1, #on_b)
    assert.equal(ip.address, on_b[1].address)

    assert.equal(ip, assert(ip:unassign()))
    assert.is_nil(ip.assigned_to)
    assert.is_nil(ip.assigned_to_resource_type)
    assert.is_string(ip.unassigned_at)
    req = last_request()
    assert.equal("/v1/cyc01/network/ip_addresses/" .. ip.address .. "/unassign", req.path)
    assert.equal("", req.body)
    assert.is_nil(req.content_type)
    assert.same({}, assert(b:floating_ips()))
    -- unassigning again answers the address unchanged
    assert.is_nil(assert(ip:unassign()).assigned_to)
  end)

  it("the simulator also takes {assigned_to, assigned_to_resource_type}", function()
    local a = vm()
    local ip = assert(client.floating_ips:create { billing_account_id = BA })
    local path = "/v1/network/ip_addresses/" .. ip.address .. "/assign"
    local data = assert(client:request("POST", path,
      { assigned_to = a.uuid, assigned_to_resource_type = "virtual_machine" }, { json = true, location = true }))
    assert.equal(a.uuid, data.assigned_to)
    assert.equal(a.uuid, assert(ip:reload()).assigned_to)

    local res, err = client:request("POST", path, { assigned_to = a.uuid, assigned_to_resource_type = "bucket" },
      { json = true, location = true })
    assert.is_nil(res)
    assert.equal(400, err.status)
    assert.equal("assigned_to_resource_type", err.code)
    res, err = client:request("POST", path, {}, { json = true, location = true })
    assert.is_nil(res)
    assert.equal("vm_uuid", err.code)
  end)

  it("refuses to assign to a VM that does not exist", function()
    local ip = assert(client.floating_ips:create { billing_account_id = BA })
    local ok, err = ip:assign("00000000-0000-4000-8000-000000000000")
    assert.is_nil(ok)
    assert.equal(400, err.status)
    assert.matches("was not found", err.message)
    assert.is_nil(assert(ip:reload()).assigned_to)
  end)

  it("deletes an address (200, empty body); then it is not found", function()
    local ip = assert(client.floating_ips:create { billing_account_id = BA })
    assert.is_true(assert(ip:delete()))
    local req = last_request()
    assert.equal("DELETE", req.method)
    assert.equal(200, req.status)
    local gone, err = client.floating_ips:get(ip.address)
    assert.is_nil(gone)
    assert.equal(404, err.status)
    assert.is_true(err.not_found)
    assert.equal("Ip address " .. ip.address .. " was not found.", err.message)
    local ok, derr = ip:delete()
    assert.is_nil(ok)
    assert.is_true(derr.not_found)
    local _, uerr = ip:assign(vm())
    assert.equal(404, uerr.status)
  end)

  it("lists by billing account and by VM (a VM object or its uuid)", function()
    local a = vm()
    local ip1 = assert(client.floating_ips:create { name = "one", billing_account_id = BA })
    local ip2 = assert(client.floating_ips:create { name = "two", billing_account_id = BA })
    assert(ip2:assign(a))
    assert.same(addresses { ip1, ip2 }, addresses(assert(client.floating_ips:list { billing_account_id = BA })))
    assert.same({}, assert(client.floating_ips:list { billing_account_id = 7 }))
    assert.same({ ip2.address }, addresses(assert(client.floating_ips:list { vm_uuid = a })))
    assert.same({ ip2.address }, addresses(assert(client.floating_ips:list { vm_uuid = a.uuid })))
    local req = last_request()
    assert.same({ vm_uuid = a.uuid }, req.query)
  end)

  it("gives a VM created with a public IP a floating IP, which outlives the VM", function()
    local web = assert(client.vms:create(helper.vm_params()))   -- reserve_public_ip defaults to true
    local ips = assert(web:floating_ips())
    assert.equal(1, #ips)
    local ip = ips[1]
    assert.equal(web.uuid, ip.assigned_to)
    assert.equal(web.billing_account, ip.billing_account_id)

    assert.is_true(assert(web:delete()))
    local kept = assert(client.floating_ips:get(ip.address))
    assert.is_nil(kept.assigned_to)                         -- reserved, unassigned (still billed)
    assert.equal(1, #assert(client.floating_ips:list()))
    assert.same({}, assert(vm():floating_ips()))
  end)

  it("vm:delete{release_ips = true} deletes the VM's floating IPs too", function()
    local web = assert(client.vms:create(helper.vm_params()))
    local extra = assert(client.floating_ips:create { name = "extra", billing_account_id = BA })
    assert(extra:assign(web))
    local other = assert(client.floating_ips:create { name = "other", billing_account_id = BA })
    assert.equal(2, #assert(web:floating_ips()))

    assert.is_true(assert(web:delete { release_ips = true }))
    assert.same({}, assert(client.vms:list()))
    local left = assert(client.floating_ips:list())
    assert.same({ other.address }, addresses(left))
    local _, err = client.floating_ips:get(extra.address)
    assert.is_true(err.not_found)

    -- release_ips = false is a plain delete
    local db = assert(client.vms:create(helper.vm_params { name = "db-1" }))
    assert.is_true(assert(db:delete { release_ips = false }))
    assert.equal(2, #assert(client.floating_ips:list()))
  end)

  it("vm:delete refuses unknown options and a non-boolean release_ips, sending nothing", function()
    local web = vm()
    local _, before = last_request()
    for _, opts in ipairs { { release_ip = true }, { release_ips = "yes" }, "release_ips" } do
      local ok, err = web:delete(opts)
      assert.is_nil(ok)
      assert.equal("invalid", err.kind)
    end
    local _, after = last_request()
    assert.equal(before, after)
    assert.equal(1, #assert(client.vms:list()))
  end)

  it("keeps locations apart", function()
    local ip = assert(client.floating_ips:create { billing_account_id = BA })
    local bus = assert(client:at("bus02"))
    assert.same({}, assert(bus.floating_ips:list()))
    local _, err = bus.floating_ips:get(ip.address)
    assert.is_true(err.not_found)
  end)

  it("refuses bad input without sending anything", function()
    local ip = assert(client.floating_ips:create { billing_account_id = BA })
    local _, before = last_request()
    local cases = {
      { client.floating_ips:get("not an address") },
      { client.floating_ips:get("../vm") },
      { client.floating_ips:get() },
      { client.floating_ips:list { vm_uuid = "nope" } },
      { client.floating_ips:list { billing_account_id = "6" } },
      { client.floating_ips:list { vm = "x" } },
      { client.floating_ips:list { vm_uuid = {} } },
      { client.floating_ips:create { billing_account_id = "6" } },
      { client.floating_ips:create { billing_account_id = BA, label = "typo" } },
      { ip:update {} },
      { ip:update { name = "x", colour = "red" } },
      { ip:update { billing_account_id = 1.5 } },
      { ip:assign("nope") },
      { ip:assign() },
      { ip:assign { name = "not a vm" } },
    }
    helper.all_invalid(cases, before)
  end)
end)
