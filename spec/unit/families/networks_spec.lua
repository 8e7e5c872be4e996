-- Private networks on a scripted transport: client.networks and network objects (endpoints
-- 48-53 of docs/endpoints.md).  The docs print some paths under
-- /v1/network/ip_addresses/; endpoints.md explains why /v1/network/network/ is right.
local cjson = require "cjson"
local helper = require "spec.helper"
local docs = require "spec.fixtures.unit_docs"

local NET = "2e8cd389-27fe-45ce-a63d-d536068659e5"      -- docs.network_get's network
local NET3 = "4e5eadd3-8b11-4c34-812a-2cf97120b628"     -- the network of the docs' rename and default calls
local OTHER = "aaaaaaaa-0000-bbbb-1111-cccccccccccc"
local BASE = "/v1/cyc01/network/network"

local client = helper.scripted -- (f, a client on cyc01)

local function with_net(first, ...)
  local f, c = client(helper.answer(first), ...)
  return f, assert(c.networks:get(cjson.decode(first).uuid)), c
end

describe("client.networks", function()
  it("list sends GET .../network/networks and answers network objects", function()
    local f, c = client(helper.answer(docs.network_list))
    local nets = assert(c.networks:list())
    helper.expect(f, 1, { "GET", "/v1/cyc01/network/networks" })
    assert.equal(2, #nets)
    assert.equal(NET3, nets[1].uuid)
    assert.is_false(nets[1].is_default)
    assert.same({ "755a023f-dccc-4b8b-b23d-c95fe962983e" }, nets[1].vm_uuids)
    assert.is_true(nets[2].is_default)
    for _, n in ipairs(nets) do
      for _, m in ipairs { "reload", "rename", "make_default", "delete", "vms" } do assert.is_function(n[m], m) end
    end
  end)

  it("get sends GET .../network/network/{uuid} with no body and answers the network", function()
    local f, c = client(helper.answer(docs.network_get))
    local net = assert(c.networks:get(NET))
    helper.expect(f, 1, { "GET", BASE .. "/" .. NET })
    assert.equal("Default network", net.name)
    assert.equal("10.1.104.0/24", net.subnet)
    assert.equal(104, net.vlan_id)
    assert.equal(2, #net.vm_uuids)
    assert.equal("network " .. NET .. ' "Default network" 10.1.104.0/24 default (2 VMs)', tostring(net))
  end)

  it("get refuses what is not a UUID, path tricks included, sending nothing", function()
    local f, c = client()
    for _, bad in ipairs { "", "..", NET .. "/default", NET .. "t", NET .. "?x=1", 104 } do
      helper.refuses(f, function() return c.networks:get(bad) end, "uuid")
    end
    helper.refuses(f, function() return c.networks:get() end, "uuid")
  end)

  it("create sends POST .../network/network?name= with no body and answers the network", function()
    local f, c = client(helper.answer(docs.network_create))
    local net = assert(c.networks:create { name = "network3" })
    helper.expect(f, 1, { "POST", BASE, query = { name = "network3" } })
    assert.equal("network3", net.name)
    assert.same({}, net.vm_uuids)
    assert.equal(0, net.resources_count)
    assert.is_function(net.rename)
  end)

  it("create encodes a name with spaces as %20 in the query", function()
    local f, c = client(helper.answer(docs.network_create))
    assert(c.networks:create { name = "back end+1" })
    local s = helper.sent(f, 1)
    assert.matches("?name=back%20end%2B1", s.url, 1, true)
    assert.equal("back end+1", s.query.name)
  end)

  it("create refuses a missing name and unknown parameters, sending nothing", function()
    local f, c = client()
    helper.refuses(f, function() return c.networks:create() end, "name")
    helper.refuses(f, function() return c.networks:create {} end, "name")
    helper.refuses(f, function() return c.networks:create { name = true } end, "name")
    helper.refuses(f, function() return c.networks:create { name = "x", subnet = "10.0.0.0/24" } end, "subnet")
  end)

  it("create refuses an empty name, which the platform reads as no name: the default network", function()
    local f, c = client(helper.answer(docs.network_get))
    helper.refuses(f, function() return c.networks:create { name = "" } end, "name")
  end)

  it("default sends POST .../network/network with no name and no body", function()
    local f, c = client(helper.answer(docs.network_get))
    local net = assert(c.networks:default())
    helper.expect(f, 1, { "POST", BASE })
    assert.equal(NET, net.uuid)
    assert.is_true(net.is_default)
  end)
end)

describe("network objects", function()
  it("reload sends GET .../network/network/{uuid} and updates in place", function()
    local f, net = with_net(docs.network_get, helper.answer((docs.network_get:gsub('"Default network"', '"renamed"'))))
    assert.equal(net, assert(net:reload()))
    helper.expect(f, 2, { "GET", BASE .. "/" .. NET })
    assert.equal("renamed", net.name)
  end)

  it("rename sends PATCH .../network/network/{uuid} with a JSON name and updates in place", function()
    local f, net = with_net(docs.network_default, helper.answer(docs.network_rename))
    assert.equal("network3", net.name)
    assert.equal(net, assert(net:rename("My new network name")))
    helper.expect(f, 2, { "PATCH", BASE .. "/" .. NET3, json = { name = "My new network name" } })
    assert.equal("My new network name", net.name)
  end)

  it("rename refuses a missing or mistyped name, sending nothing", function()
    local f, net = with_net(docs.network_default)
    helper.refuses(f, function() return net:rename() end, "name")
    helper.refuses(f, function() return net:rename { name = "x" } end, "name")
    helper.refuses(f, function() return net:rename(false) end, "name")
  end)

  it("make_default sends PUT .../network/network/{uuid}/default with no body and updates in place", function()
    local f, c = client(helper.answer(docs.network_list), helper.answer(docs.network_default))
    local net = assert(c.networks:list())[1]
    assert.is_false(net.is_default)
    assert.equal(net, assert(net:make_default()))
    helper.expect(f, 2, { "PUT", BASE .. "/" .. NET3 .. "/default" })
    assert.is_true(net.is_default)
  end)

  it("delete sends DELETE .../network/network/{uuid} with no body and answers true on the docs' empty answer", function()
    local f, net = with_net(docs.network_default, helper.answer(""))
    assert.is_true(net:delete())
    helper.expect(f, 2, { "DELETE", BASE .. "/" .. NET3 })
  end)

  it("vms sends one GET .../vm/list and answers the VM objects of vm_uuids, in that order", function()
    -- docs.network_get with two VMs of docs.vm_list (idcloudhost-api.txt:839) and one gone since.
    local net_json = docs.network_get:gsub('%["17fb7d63[^%]]*%]', '["fc880f74-cf03-4a7a-93da-74c506157023", "' .. OTHER
      .. '", "d582f16a-013b-4a23-8463-c66bbbc96c43"]')
    local f, net = with_net(net_json, helper.answer(docs.vm_list))
    local vms = assert(net:vms())
    assert.equal(2, #f.requests)
    helper.expect(f, 2, { "GET", "/v1/cyc01/user-resource/vm/list" })
    assert.equal(2, #vms)
    assert.equal("fc880f74-cf03-4a7a-93da-74c506157023", vms[1].uuid)
    assert.equal("d582f16a-013b-4a23-8463-c66bbbc96c43", vms[2].uuid)
    assert.is_function(vms[1].stop)
  end)
end)
