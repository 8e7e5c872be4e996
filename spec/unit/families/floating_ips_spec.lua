-- Floating IPs on a scripted transport: client.floating_ips and floating IP objects (endpoints
-- 54-60 of docs/endpoints.md).  The address is the key, and a path segment.
local helper = require "spec.helper"
local docs = require "spec.fixtures.unit_docs"

local IPS = "/v1/cyc01/network/ip_addresses"
local VM_UUID = "88e5a11b-9c89-4986-99c7-90d43499317c"   -- the VM of the docs' assign call

local client = helper.scripted -- (f, a client on cyc01)

-- A fake whose first answer is `first` (the address 1.1.1.1), and the floating IP it gave.
local function with_ip(first, ...)
  local f, c = client(helper.answer(first), ...)
  return f, assert(c.floating_ips:get("1.1.1.1")), c
end

local function unescape(s)
  return (s:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end))
end

describe("client.floating_ips", function()
  it("list sends GET .../network/ip_addresses and answers floating IP objects", function()
    local f, c = client(helper.answer(docs.ip_list))
    local ips = assert(c.floating_ips:list())
    helper.expect(f, 1, { "GET", IPS })
    assert.equal(2, #ips)
    assert.equal("1.1.1.1", ips[1].address)
    assert.equal(VM_UUID, ips[1].assigned_to)
    assert.equal("virtual_machine", ips[1].assigned_to_resource_type)
    assert.equal("service", ips[2].assigned_to_resource_type)
    for _, ip in ipairs(ips) do
      for _, m in ipairs { "reload", "update", "assign", "unassign", "delete" } do assert.is_function(ip[m], m) end
    end
    assert.equal('floating_ip 1.1.1.1 "My First Ip" assigned to virtual_machine ' .. VM_UUID, tostring(ips[1]))
  end)

  it("list sends billing_account_id and vm_uuid (a VM or its uuid) in the query", function()
    local f, c = client(helper.answer(docs.vm_get), helper.answer(docs.ip_list), helper.answer(docs.ip_list))
    local vm = assert(c.vms:get("f80b1d62-ffe4-43ef-9210-60f05445456a"))
    assert(c.floating_ips:list { billing_account_id = 1, vm_uuid = vm })
    helper.expect(f, 2, { "GET", IPS, query = { billing_account_id = "1", vm_uuid = vm.uuid } })
    assert(c.floating_ips:list { vm_uuid = VM_UUID })
    helper.expect(f, 3, { "GET", IPS, query = { vm_uuid = VM_UUID } })
  end)

  it("list refuses unknown and mistyped filters, sending nothing", function()
    local f, c = client()
    helper.refuses(f, function() return c.floating_ips:list { vm_uuid = "web-1" } end, "vm_uuid")
    helper.refuses(f, function() return c.floating_ips:list { vm_uuid = { uuid = "web-1" } } end, "vm_uuid")
    helper.refuses(f, function() return c.floating_ips:list { billing_account_id = "1" } end, "billing_account_id")
    helper.refuses(f, function() return c.floating_ips:list { address = "1.1.1.1" } end, "address")
  end)

  it("get sends GET .../network/ip_addresses/{address} with no body and answers the floating IP", function()
    local f, c = client(helper.answer(docs.ip_get))
    local ip = assert(c.floating_ips:get("1.1.1.1"))
    helper.expect(f, 1, { "GET", IPS .. "/1.1.1.1" })
    assert.equal("1.1.1.1", ip.address)
    assert.equal("My First Ip", ip.name)
    assert.equal(1, ip.billing_account_id)
    assert.is_true(ip.enabled)
    assert.is_nil(ip.network_id)
  end)

  it("get takes an IPv6 address", function()
    local f, c = client(helper.answer((docs.ip_get:gsub("1%.1%.1%.1", "2001:db8::1"))))
    assert(c.floating_ips:get("2001:db8::1"))
    assert.equal(IPS .. "/2001:db8::1", unescape(helper.sent(f, 1).path))
  end)

  it("get refuses what is not an address, sending nothing", function()
    local f, c = client()
    for _, bad in ipairs { "1234", "abcd", "localhost", "1.1.1.1/32", "1.1.1.1 ", " 1.1.1.1", "1.1.1.1?x=1",
      "1.1.1.1/assign", "../x", "1.1.1.1x", 1111, {} } do
      helper.refuses(f, function() return c.floating_ips:get(bad) end, "address")
    end
    helper.refuses(f, function() return c.floating_ips:get() end, "address")
  end)

  it("get refuses empty and dot-only addresses, which would be path segments like . and ..", function()
    local f, c = client()
    for _, bad in ipairs { "", ".", "..", "...", ":" } do
      helper.refuses(f, function() return c.floating_ips:get(bad) end, "address")
    end
  end)

  it("create sends the docs' JSON to POST .../network/ip_addresses and answers the floating IP", function()
    local f, c = client(helper.answer(docs.ip_create))
    local ip = assert(c.floating_ips:create { name = "my_ip", billing_account_id = 2 })
    helper.expect(f, 1, { "POST", IPS, json = { name = "my_ip", billing_account_id = 2 } })
    assert.equal("1.1.1.1", ip.address)
    assert.equal("my_ip", ip.name)
    assert.is_nil(ip.assigned_to)
    assert.is_function(ip.assign)
  end)

  it("create sends the default billing account when none is given", function()
    local f, c = client(helper.answer(docs.ba_list_elastis), helper.answer(docs.ip_create))
    assert(c.floating_ips:create { name = "my_ip" })
    helper.expect(f, 1, { "GET", "/v1/payment/billing_account/list" })
    helper.expect(f, 2, { "POST", IPS, json = { name = "my_ip", billing_account_id = 6 } })
  end)

  it("create refuses mistyped and unknown parameters, sending nothing", function()
    local f, c = client()
    helper.refuses(f, function() return c.floating_ips:create { billing_account_id = "2" } end, "billing_account_id")
    helper.refuses(f, function() return c.floating_ips:create { billing_account_id = 2, address = "1.1.1.1" } end, "address")
    helper.refuses(f, function() return c.floating_ips:create "my_ip" end)
  end)
end)

describe("floating IP objects", function()
  it("reload sends GET .../ip_addresses/{address} and updates in place", function()
    local f, ip = with_ip(docs.ip_get, helper.answer(docs.ip_update))
    assert.equal(ip, assert(ip:reload()))
    helper.expect(f, 2, { "GET", IPS .. "/1.1.1.1" })
    assert.equal("my_ip", ip.name)
  end)

  it("update sends PATCH .../ip_addresses/{address} with JSON and updates in place", function()
    local f, ip = with_ip(docs.ip_get, helper.answer(docs.ip_update))
    assert.equal(ip, assert(ip:update { name = "my_ip", billing_account_id = 2 }))
    helper.expect(f, 2, { "PATCH", IPS .. "/1.1.1.1", json = { name = "my_ip", billing_account_id = 2 } })
    assert.equal(2, ip.billing_account_id)
    assert.is_nil(ip.assigned_to)
  end)

  it("update refuses no changes and unknown ones, sending nothing", function()
    local f, ip = with_ip(docs.ip_get)
    helper.refuses(f, function() return ip:update() end)
    helper.refuses(f, function() return ip:update {} end)
    helper.refuses(f, function() return ip:update { enabled = false } end, "enabled")
    helper.refuses(f, function() return ip:update { billing_account_id = 2.5 } end, "billing_account_id")
  end)

  it("update keeps its own address", function()
    local f, ip = with_ip(docs.ip_get, helper.answer(docs.ip_update))
    local res, err = ip:update { address = "9.9.9.9", name = "x" }
    if res == nil then
      assert.equal("invalid", err.kind)
      assert.equal(1, #f.requests)
    else
      helper.expect(f, 2, { "PATCH", IPS .. "/1.1.1.1", json = { name = "x" } })
    end
  end)

  it("assign sends POST .../{address}/assign with the VM's uuid as JSON and updates in place", function()
    local f, ip, c = with_ip(docs.ip_update, helper.answer(docs.ip_assign), helper.answer(
      (docs.vm_get:gsub("f80b1d62%-ffe4%-43ef%-9210%-60f05445456a", VM_UUID))), helper.answer(docs.ip_assign))
    assert.is_nil(ip.assigned_to)
    assert.equal(ip, assert(ip:assign(VM_UUID)))
    helper.expect(f, 2, { "POST", IPS .. "/1.1.1.1/assign", json = { vm_uuid = VM_UUID } })
    assert.equal(VM_UUID, ip.assigned_to)
    local vm = assert(c.vms:get(VM_UUID))
    assert(ip:assign(vm))                                -- a VM object works too
    helper.expect(f, 4, { "POST", IPS .. "/1.1.1.1/assign", json = { vm_uuid = VM_UUID } })
  end)

  it("assign refuses what is not a VM or its uuid, sending nothing", function()
    local f, ip = with_ip(docs.ip_get)
    for _, bad in ipairs { "web-1", VM_UUID .. "0", {}, 7 } do
      helper.refuses(f, function() return ip:assign(bad) end)
    end
    helper.refuses(f, function() return ip:assign() end)
  end)

  it("unassign sends POST .../{address}/unassign with no body and updates in place", function()
    local f, ip = with_ip(docs.ip_get, helper.answer(docs.ip_unassign))
    assert.equal(VM_UUID, ip.assigned_to)
    assert.equal(ip, assert(ip:unassign()))
    helper.expect(f, 2, { "POST", IPS .. "/1.1.1.1/unassign" })
    assert.is_nil(ip.assigned_to)
  end)

  it("delete sends DELETE .../ip_addresses/{address} with no body and answers true on the docs' empty 200", function()
    local f, ip = with_ip(docs.ip_get, helper.answer(""))
    assert.is_true(ip:delete())
    helper.expect(f, 2, { "DELETE", IPS .. "/1.1.1.1" })
  end)
end)
