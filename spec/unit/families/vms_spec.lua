-- client.vms and VM objects on a scripted transport (endpoints 8-19 and 25-27 of
-- docs/endpoints.md): the requests they send, how they read the docs' answers, what
-- they refuse before sending.  The VMs' disks are in disks_spec, their replicas in replicas_spec.
-- (Long, on purpose: the VM family's 25 endpoints, one spec file per family.)
local idcloudhost = require "idcloudhost"
local helper = require "spec.helper"
local docs = require "spec.fixtures.unit_docs"

local UUID = "f80b1d62-ffe4-43ef-9210-60f05445456a"    -- docs.vm_get's VM
local STOP_UUID = "5052bf02-044a-4d35-a803-d6b156f84beb" -- docs.vm_stop's VM
local OTHER = "aaaaaaaa-0000-bbbb-1111-cccccccccccc"
local NET = "50341410-9e88-4af2-a21e-b8c898e33e52"
local VM = "/v1/cyc01/user-resource/vm"

-- The docs answer a stop with the stopped VM (idcloudhost-api.txt:1297) and show no successful
-- start: the same VM running stands for it.
local VM_STOPPED = docs.vm_stop
local VM_RUNNING = (docs.vm_stop:gsub('"status": "stopped"', '"status": "running"'))

-- A fake whose first answer is `first` (a VM), the client on cyc01, and the VM it got.
local function with_vm(first, ...)
  local f = helper.fake { helper.answer(first), ... }
  local c = f.client { location = "cyc01" }
  local uuid = assert(require("cjson").decode(first).uuid)
  local vm = assert(c.vms:get(uuid))
  return f, vm, c
end

-- The docs' Create VM call (idcloudhost-api.txt:487): every parameter of its curl example.
local function create_params(over)
  local p = { name = "Ubuntu-16-04", os_name = "ubuntu", os_version = "16.04", disks = 20, vcpu = 2,
    ram = 2048, username = "example", password = "Password123", billing_account_id = 6, network_uuid = NET }
  for k, v in pairs(over or {}) do p[k] = v end
  return p
end

local function without(t, ...)
  for _, k in ipairs { ... } do t[k] = nil end
  return t
end

describe("client.vms", function()
  describe("list", function()
    it("sends GET .../user-resource/vm/list in the client's location, with no body", function()
      local f = helper.fake { helper.answer(docs.vm_list) }
      assert(f.client { location = "cyc01" }.vms:list())
      helper.expect(f, 1, { "GET", VM .. "/list" })
    end)

    it("leaves the slug out for a client without a location", function()
      if os.getenv("IDCLOUDHOST_LOCATION") then pending("IDCLOUDHOST_LOCATION is set in this environment") return end
      local f = helper.fake { helper.answer(docs.vm_list) }
      assert(f.client().vms:list())
      helper.expect(f, 1, { "GET", "/v1/user-resource/vm/list" })
    end)

    it("reads the docs' list into an array of VM objects", function()
      local f = helper.fake { helper.answer(docs.vm_list) }
      local vms = assert(f.client { location = "cyc01" }.vms:list())
      assert.equal(5, #vms)
      assert.equal("d582f16a-013b-4a23-8463-c66bbbc96c43", vms[1].uuid)
      assert.equal("Name of the Clone", vms[1].name)
      assert.equal("e624e5cb-e0f9-4b59-8686-0a4c829027c6", vms[5].uuid)
      for i, vm in ipairs(vms) do
        assert.equal("running", vm.status, "vm " .. i)
        assert.equal(20, vm.storage[1].size)
        for _, m in ipairs { "reload", "start", "stop", "delete", "clone", "wait" } do
          assert.is_function(vm[m], "vm " .. i .. ":" .. m)
        end
      end
    end)

    it("refuses options other than all_locations, sending nothing", function()
      local f = helper.fake {}
      local c = f.client { location = "cyc01" }
      helper.refuses(f, function() return c.vms:list { colour = "red" } end)
      helper.refuses(f, function() return c.vms:list "all" end)
    end)

    it("{all_locations = true} asks every location of /v1/config/locations and tags each VM", function()
      local asked = {}
      local answers = {
        ["/v1/config/locations"] = docs.locations,
        ["/v1/cyc01/user-resource/vm/list"] = docs.vm_list,
        ["/v1/bus02/user-resource/vm/list"] = "[" .. docs.vm_get .. "]",
      }
      local c = assert(idcloudhost.new { apikey = "secret-key-123", base_url = "https://api.example.test",
        location = "cyc01", transport = function(req)
          local path = req.url:match("^https://api%.example%.test(/[^?]*)$")
          asked[#asked + 1] = req.method .. " " .. tostring(path)
          return { status = 200, body = answers[path] or "[]", headers = {} }
        end })
      local all = assert(c.vms:list { all_locations = true })
      table.sort(asked)
      assert.same({ "GET /v1/bus02/user-resource/vm/list", "GET /v1/config/locations",
        "GET /v1/cyc01/user-resource/vm/list" }, asked)
      assert.equal(6, #all)
      local count = {}
      for _, vm in ipairs(all) do
        count[vm.location] = (count[vm.location] or 0) + 1
        assert.is_function(vm.stop)
      end
      assert.same({ cyc01 = 5, bus02 = 1 }, count)
    end)
  end)

  describe("get", function()
    it("sends GET .../user-resource/vm?uuid=... with no body", function()
      local f = helper.fake { helper.answer(docs.vm_get) }
      assert(f.client { location = "cyc01" }.vms:get(UUID))
      helper.expect(f, 1, { "GET", VM, query = { uuid = UUID } })
    end)

    it("reads the docs' VM into an object with its fields and methods", function()
      local f = helper.fake { helper.answer(docs.vm_get) }
      local vm = assert(f.client { location = "cyc01" }.vms:get(UUID))
      assert.equal(UUID, vm.uuid)
      assert.equal("Ubuntu-16-04", vm.name)
      assert.equal("running", vm.status)
      assert.equal(2, vm.vcpu)
      assert.equal(2048, vm.memory)
      assert.is_true(vm.backup)
      assert.equal(6, vm.billing_account)
      assert.equal("52:54:00:6c:6a:ac", vm.mac)
      assert.is_nil(vm.tags)              -- null
      assert.equal(1, #vm.storage)
      assert.is_true(vm.storage[1].primary)
      assert.equal(20, vm.storage[1].size)
      assert.same({}, vm.storage[1].replica)
      for _, m in ipairs { "reload", "update", "delete", "start", "stop", "rescue", "clone", "reinstall",
        "toggle_backup", "set_password", "replicas", "snapshot", "rebuild", "add_disk", "resize_disk",
        "remove_disk", "attach_disk", "detach_disk", "reserve_public_ip", "release_public_ip",
        "floating_ips", "wait" } do
        assert.is_function(vm[m], m)
      end
      assert.equal('vm ' .. UUID .. ' "Ubuntu-16-04" running (2 vcpu, 2048 MB, 20 GB)', tostring(vm))
    end)

    it("refuses a missing or malformed uuid, near misses included, sending nothing", function()
      local f = helper.fake {}
      local c = f.client { location = "cyc01" }
      for _, bad in ipairs { false, 42, {}, "", "not-a-uuid", UUID .. "x", UUID .. "\n", " " .. UUID,
        UUID:sub(1, -2), UUID .. "/../list", UUID:gsub("%-", ""), (UUID:gsub("f", "g", 1)) } do
        helper.refuses(f, function() return c.vms:get(bad) end, "uuid")
      end
      helper.refuses(f, function() return c.vms:get() end, "uuid")
    end)
  end)

  describe("create", function()
    it("sends the docs' parameters as a form to POST .../user-resource/vm", function()
      local f = helper.fake { helper.answer(docs.vm_create) }
      assert(f.client { location = "cyc01" }.vms:create(create_params()))
      helper.expect(f, 1, { "POST", VM, form = { name = "Ubuntu-16-04", os_name = "ubuntu", os_version = "16.04",
        disks = "20", vcpu = "2", ram = "2048", username = "example", password = "Password123",
        billing_account_id = "6", network_uuid = NET } })
    end)

    it("answers the new VM as an object", function()
      local f = helper.fake { helper.answer(docs.vm_create) }
      local vm = assert(f.client { location = "cyc01" }.vms:create(create_params()))
      assert.equal("fc880f74-cf03-4a7a-93da-74c506157023", vm.uuid)
      assert.equal("Ubuntu-16-04", vm.name)
      assert.equal("running", vm.status)
      assert.is_false(vm.backup)
      assert.is_function(vm.stop)
      assert.is_function(vm.delete)
    end)

    it("sends every optional parameter of the docs, booleans as true/false, cloud_init as JSON text", function()
      local f = helper.fake { helper.answer(docs.vm_create) }
      local cloud_init = { runcmd = { "/firstboot" }, write_files = { { path = "/firstboot",
        content = "IyEvYmluL2Jhc2gKZWNobyBOb3cgQm9vdGluZwoK", permissions = "0755", encoding = "b64" } } }
      assert(f.client { location = "cyc01" }.vms:create(create_params {
        description = "web server", backup = true, reserve_public_ip = false, public_key = "ssh-ed25519 AAAA x@y",
        designated_pool_uuid = "d2fc6881-9316-46d7-b515-b6cddaeee927", cloud_init = cloud_init }))
      local s = helper.sent(f, 1)
      assert.equal("application/x-www-form-urlencoded", s.content_type)
      assert.same(cloud_init, require("cjson").decode(s.form.cloud_init))
      s.form.cloud_init = nil
      assert.same({ name = "Ubuntu-16-04", os_name = "ubuntu", os_version = "16.04", disks = "20", vcpu = "2",
        ram = "2048", username = "example", password = "Password123", billing_account_id = "6", network_uuid = NET,
        description = "web server", backup = "true", reserve_public_ip = "false", public_key = "ssh-ed25519 AAAA x@y",
        designated_pool_uuid = "d2fc6881-9316-46d7-b515-b6cddaeee927" }, s.form)
    end)

    it("encodes spaces as %20 and + as %2B", function()
      local f = helper.fake { helper.answer(docs.vm_create) }
      assert(f.client { location = "cyc01" }.vms:create(create_params { description = "a b+c" }))
      local s = helper.sent(f, 1)
      assert.matches("description=a%20b%2Bc", s.body, 1, true)
      assert.not_matches("+", s.body, 1, true)
      assert.equal("a b+c", s.form.description)
    end)

    it("sends a cloud_init string as it is", function()
      local f = helper.fake { helper.answer(docs.vm_create) }
      local text = '{"runcmd": ["/firstboot"]}'
      assert(f.client { location = "cyc01" }.vms:create(create_params { cloud_init = text }))
      assert.equal(text, helper.sent(f, 1).form.cloud_init)
    end)

    it("sends whole numbers given as floats as integers", function()
      local f = helper.fake { helper.answer(docs.vm_create) }
      assert(f.client { location = "cyc01" }.vms:create(create_params { vcpu = 4.0, ram = 4096.0, disks = 40.0 }))
      local form = helper.sent(f, 1).form
      assert.equal("4", form.vcpu)
      assert.equal("4096", form.ram)
      assert.equal("40", form.disks)
    end)

    it("sends a VM with a public_key and no password", function()
      local f = helper.fake { helper.answer(docs.vm_create) }
      assert(f.client { location = "cyc01" }.vms:create(without(create_params { public_key = "ssh-ed25519 AAAA" }, "password")))
      local form = helper.sent(f, 1).form
      assert.equal("ssh-ed25519 AAAA", form.public_key)
      assert.is_nil(form.password)
    end)

    it("sends a VM booting from disk_uuid without disks", function()
      local f = helper.fake { helper.answer(docs.vm_create) }
      local disk = "05a61876-86f3-4b05-b0ec-53ee6fa03ced"
      assert(f.client { location = "cyc01" }.vms:create(without(create_params { disk_uuid = disk }, "disks")))
      local form = helper.sent(f, 1).form
      assert.equal(disk, form.disk_uuid)
      assert.is_nil(form.disks)
    end)

    it("sends a VM copied from a replica without os_name, os_version, disks or password", function()
      local f = helper.fake { helper.answer(docs.vm_create) }
      local replica = UUID .. "2018-02-22-14-24-32"
      assert(f.client { location = "cyc01" }.vms:create(without(create_params { source_uuid = UUID,
        source_replica = replica }, "os_name", "os_version", "disks", "password")))
      local form = helper.sent(f, 1).form
      assert.equal(UUID, form.source_uuid)
      assert.equal(replica, form.source_replica)
      assert.is_nil(form.os_name)
    end)

    it("refuses missing, mistyped and unknown parameters, sending nothing", function()
      local f = helper.fake {}
      local c = f.client { location = "cyc01" }
      local cases = {
        { "name", without(create_params(), "name") },
        { "vcpu", without(create_params(), "vcpu") },
        { "ram", without(create_params(), "ram") },
        { "os_name", without(create_params(), "os_name") },
        { "os_version", without(create_params(), "os_version") },
        { "disks", without(create_params(), "disks") },
        { "password", without(create_params(), "password") },
        { "source_replica", create_params { source_uuid = UUID } },
        { "source_replica", create_params { source_replica = UUID .. "2018-02-22-14-24-32" } },
        { "vcpu", create_params { vcpu = "2" } },
        { "vcpu", create_params { vcpu = 2.5 } },
        { "ram", create_params { ram = 1.5 } },
        { "disks", create_params { disks = "20GB" } },
        { "billing_account_id", create_params { billing_account_id = 6.5 } },
        { "backup", create_params { backup = "yes" } },
        { "network_uuid", create_params { network_uuid = NET .. "0" } },
        { "disk_uuid", create_params { disk_uuid = "disk-1" } },
        { "cloud_init", create_params { cloud_init = "{oops" } },
        { "colour", create_params { colour = "red" } },
      }
      for _, case in ipairs(cases) do
        helper.refuses(f, function() return c.vms:create(case[2]) end, case[1])
      end
      helper.refuses(f, function() return c.vms:create() end)
      helper.refuses(f, function() return c.vms:create "web-1" end)
      helper.refuses(f, function() return c.vms:create { "web-1" } end)
    end)

    it("sends the default billing account when none is given, looked up once per client", function()
      local f = helper.fake { helper.answer(docs.ba_list_elastis), helper.answer(docs.vm_create),
        helper.answer(docs.vm_create), helper.answer(docs.vm_create) }
      local c = f.client { location = "cyc01" }
      assert(c.vms:create(without(create_params(), "billing_account_id")))
      helper.expect(f, 1, { "GET", "/v1/payment/billing_account/list" })
      assert.equal("6", helper.sent(f, 2).form.billing_account_id)
      assert(c.vms:create(without(create_params(), "billing_account_id")))
      assert(assert(c:at("bus02")).vms:create(without(create_params(), "billing_account_id")))
      assert.equal(4, #f.requests)
      assert.equal("6", helper.sent(f, 3).form.billing_account_id)
      local s = helper.sent(f, 4)
      assert.equal("/v1/bus02/user-resource/vm", s.path)
      assert.equal("6", s.form.billing_account_id)
    end)
  end)

  describe("pools", function()
    it("sends GET .../user-resource/host_pool/list and answers the docs' pools", function()
      local f = helper.fake { helper.answer(docs.vm_pools) }
      local pools = assert(f.client { location = "cyc01" }.vms:pools())
      helper.expect(f, 1, { "GET", "/v1/cyc01/user-resource/host_pool/list" })
      assert.equal(2, #pools)
      assert.equal("General", pools[1].name)
      assert.is_true(pools[1].is_default_designated)
      assert.equal("d2fc6881-9316-46d7-b515-b6cddaeee927", pools[2].uuid)
    end)
  end)
end)

describe("VM objects", function()
  it("reload sends GET ?uuid= and updates the object in place", function()
    local f, vm = with_vm(docs.vm_get, helper.answer(docs.vm_backup))
    assert.is_true(vm.backup)
    local same = assert(vm:reload())
    assert.equal(vm, same)
    helper.expect(f, 2, { "GET", VM, query = { uuid = UUID } })
    assert.is_false(vm.backup)
    assert.equal("2018-02-22 14:24:14", vm.updated_at)
    assert.equal(20, vm.storage[1].size)
  end)

  it("update sends PATCH .../vm with the changes and keeps the object true to them", function()
    local f, vm = with_vm(docs.vm_get, helper.answer(docs.success))
    assert.is_true(vm:update { name = "web-server", vcpu = 4, ram = 4096 })
    helper.expect(f, 2, { "PATCH", VM, form = { uuid = UUID, name = "web-server", vcpu = "4", ram = "4096" } })
    assert.equal("web-server", vm.name)
    assert.equal(4, vm.vcpu)
    assert.equal(4096, vm.memory)
  end)

  it("update refuses no changes, unknown and mistyped ones, sending nothing", function()
    local f, vm = with_vm(docs.vm_get)
    helper.refuses(f, function() return vm:update() end)
    helper.refuses(f, function() return vm:update {} end)
    helper.refuses(f, function() return vm:update "web" end)
    helper.refuses(f, function() return vm:update { colour = "red" } end, "colour")
    helper.refuses(f, function() return vm:update { vcpu = "4" } end, "vcpu")
    helper.refuses(f, function() return vm:update { ram = 1024.5 } end, "ram")
    assert.equal("Ubuntu-16-04", vm.name)
  end)

  it("delete sends DELETE .../vm with the uuid as a form and answers true", function()
    local f, vm = with_vm(docs.vm_get, helper.answer(docs.success))
    assert.is_true(vm:delete())
    helper.expect(f, 2, { "DELETE", VM, form = { uuid = UUID } })
  end)

  it("delete {release_ips = true} lists the VM's floating IPs first, then deletes the VM and them", function()
    local f, vm = with_vm(docs.vm_get, helper.answer("[" .. docs.ip_get .. "]"), helper.answer(docs.success),
      helper.answer(""))
    assert.is_true(vm:delete { release_ips = true })
    assert.equal(4, #f.requests)
    helper.expect(f, 2, { "GET", "/v1/cyc01/network/ip_addresses", query = { vm_uuid = UUID } })
    helper.expect(f, 3, { "DELETE", VM, form = { uuid = UUID } })
    helper.expect(f, 4, { "DELETE", "/v1/cyc01/network/ip_addresses/1.1.1.1" })
  end)

  it("delete refuses unknown and mistyped options, sending nothing", function()
    local f, vm = with_vm(docs.vm_get)
    helper.refuses(f, function() return vm:delete { force = true } end)
    helper.refuses(f, function() return vm:delete { release_ips = "yes" } end)
    helper.refuses(f, function() return vm:delete(true) end)
  end)

  it("start sends POST .../vm/start and updates the status in place", function()
    local f, vm = with_vm(VM_STOPPED, helper.answer(VM_RUNNING))
    assert.equal("stopped", vm.status)
    assert.equal(vm, assert(vm:start()))
    helper.expect(f, 2, { "POST", VM .. "/start", form = { uuid = STOP_UUID } })
    assert.equal("running", vm.status)
  end)

  it("stop sends POST .../vm/stop, force only when asked, and updates the status in place", function()
    local f, vm = with_vm(VM_RUNNING, helper.answer(VM_STOPPED), helper.answer(VM_STOPPED))
    assert.equal(vm, assert(vm:stop()))
    helper.expect(f, 2, { "POST", VM .. "/stop", form = { uuid = STOP_UUID } })
    assert.equal("stopped", vm.status)
    assert.equal(4096, vm.memory)
    assert.equal(vm, assert(vm:stop { force = true }))
    helper.expect(f, 3, { "POST", VM .. "/stop", form = { uuid = STOP_UUID, force = "true" } })
  end)

  it("stop refuses a typo, a non-table and a mistyped force, sending nothing", function()
    local f, vm = with_vm(VM_RUNNING)
    helper.refuses(f, function() return vm:stop { forse = true } end, "forse")
    helper.refuses(f, function() return vm:stop(true) end)
    helper.refuses(f, function() return vm:stop { force = "yes" } end, "force")
    assert.equal("running", vm.status)
  end)

  it("start, which takes no options, refuses them rather than ignore them, sending nothing", function()
    local f, vm = with_vm(VM_STOPPED, helper.answer(VM_RUNNING))
    helper.refuses(f, function() return vm:start { force = true } end)
  end)

  it("rescue sends POST .../vm/rescue_start and answers the VM", function()
    local f, vm = with_vm(VM_RUNNING, helper.answer(VM_RUNNING))
    assert.equal(vm, assert(vm:rescue()))
    helper.expect(f, 2, { "POST", VM .. "/rescue_start", form = { uuid = STOP_UUID } })
  end)

  it("clone sends POST .../vm/clone and answers the new VM, leaving this one as it was", function()
    local f, vm = with_vm(docs.vm_get, helper.answer(docs.vm_clone))
    local copy = assert(vm:clone { name = "Name of the Clone" })
    local s = helper.expect(f, 2, { "POST", VM .. "/clone", form = { uuid = UUID, name = "Name of the Clone" } })
    assert.matches("name=Name%20of%20the%20Clone", s.body, 1, true)
    assert.not_equal(vm, copy)
    assert.equal("d582f16a-013b-4a23-8463-c66bbbc96c43", copy.uuid)
    assert.equal("Name of the Clone", copy.name)
    assert.is_function(copy.stop)
    assert.equal(UUID, vm.uuid)
    assert.equal("Ubuntu-16-04", vm.name)
  end)

  it("clone refuses a missing name, sending nothing", function()
    local f, vm = with_vm(docs.vm_get)
    helper.refuses(f, function() return vm:clone() end, "name")
    helper.refuses(f, function() return vm:clone {} end, "name")
    helper.refuses(f, function() return vm:clone { name = true } end, "name")
  end)

  it("reinstall sends POST .../vm/reinstall, the OS only when given, and updates in place", function()
    local uuid = "5aea1842-895f-4bd3-8bd6-e37b2282fb46"
    local f, vm = with_vm(docs.vm_rebuild, helper.answer(docs.vm_reinstall), helper.answer(docs.vm_reinstall))
    assert.equal("stopped", vm.status)
    assert.equal(vm, assert(vm:reinstall { os_name = "ubuntu", os_version = "22.04-lts" }))
    helper.expect(f, 2, { "POST", VM .. "/reinstall", form = { uuid = uuid, os_name = "ubuntu", os_version = "22.04-lts" } })
    assert.equal("22.04-lts", vm.os_version)
    assert.equal("running", vm.status)
    assert(vm:reinstall())
    helper.expect(f, 3, { "POST", VM .. "/reinstall", form = { uuid = uuid } })
    helper.refuses(f, function() return vm:reinstall { os = "debian" } end, "os")
  end)

  it("toggle_backup sends POST .../vm/backup and updates backup in place", function()
    local f, vm = with_vm(docs.vm_get, helper.answer(docs.vm_backup))
    assert.is_true(vm.backup)
    assert.equal(vm, assert(vm:toggle_backup()))
    helper.expect(f, 2, { "POST", VM .. "/backup", form = { uuid = UUID } })
    assert.is_false(vm.backup)
  end)

  it("set_password sends PATCH .../vm/user and answers true", function()
    local f, vm = with_vm(docs.vm_get, helper.answer(docs.success))
    assert.is_true(vm:set_password { username = "example", password = "Password1234" })
    helper.expect(f, 2, { "PATCH", VM .. "/user", form = { uuid = UUID, username = "example", password = "Password1234" } })
  end)

  it("set_password refuses a missing username or password, sending nothing", function()
    local f, vm = with_vm(docs.vm_get)
    helper.refuses(f, function() return vm:set_password { username = "example" } end, "password")
    helper.refuses(f, function() return vm:set_password { password = "Password1234" } end, "username")
    helper.refuses(f, function() return vm:set_password() end)
  end)

  it("reserve_public_ip sends POST .../vm/ip/public and updates the VM in place", function()
    local f, vm = with_vm(docs.vm_create, helper.answer(docs.vm_reserve_ip))
    assert.equal("", vm.private_ipv4)
    assert.equal(vm, assert(vm:reserve_public_ip()))
    helper.expect(f, 2, { "POST", VM .. "/ip/public", form = { uuid = "fc880f74-cf03-4a7a-93da-74c506157023" } })
    assert.equal("10.1.14.253", vm.private_ipv4)
  end)

  it("release_public_ip sends DELETE .../vm/ip/public and updates the VM in place", function()
    local f, vm = with_vm(docs.vm_create, helper.answer(docs.vm_release_ip))
    assert.equal(vm, assert(vm:release_public_ip()))
    helper.expect(f, 2, { "DELETE", VM .. "/ip/public", form = { uuid = "fc880f74-cf03-4a7a-93da-74c506157023" } })
    assert.equal("10.1.14.253", vm.private_ipv4)
  end)

  it("floating_ips sends GET .../network/ip_addresses?vm_uuid= and answers floating IP objects", function()
    local f, vm = with_vm(docs.vm_get, helper.answer(docs.ip_list))
    local ips = assert(vm:floating_ips())
    helper.expect(f, 2, { "GET", "/v1/cyc01/network/ip_addresses", query = { vm_uuid = UUID } })
    assert.equal(2, #ips)
    assert.equal("1.1.1.1", ips[1].address)
    assert.is_function(ips[1].unassign)
  end)

  describe("wait", function()
    -- timeout bounds a regression (the fake's sleep returns at once); a pass takes no time.
    it("polls GET ?uuid= through the client's sleep until the status is reached", function()
      local f, vm = with_vm(VM_RUNNING, helper.answer(VM_RUNNING), helper.answer(VM_STOPPED))
      assert.equal(vm, assert(vm:wait("stopped", { interval = 0.5, timeout = 5 })))
      assert.equal(3, #f.requests)
      helper.expect(f, 2, { "GET", VM, query = { uuid = STOP_UUID } })
      helper.expect(f, 3, { "GET", VM, query = { uuid = STOP_UUID } })
      assert.same({ 0.5 }, f.sleeps)
      assert.equal("stopped", vm.status)
    end)

    it("gives up with a timeout error naming the last status", function()
      local f, vm = with_vm(VM_RUNNING, helper.answer(VM_RUNNING))
      local res, err = vm:wait("stopped", { timeout = 0 })
      assert.is_nil(res)
      assert.equal("timeout", err.kind)
      assert.equal("running", err.last_status)
      assert.is_true(#f.requests <= 2)                   -- at most one poll: no time was given
      assert.equal(0, #f.sleeps)
    end)

    it("ends at once on a fail_on status", function()
      local f, vm = with_vm(VM_RUNNING, helper.answer((VM_RUNNING:gsub('"running"', '"error"'))))
      local res, err = vm:wait("stopped", { fail_on = "error", timeout = 5 })
      assert.is_nil(res)
      assert.equal("error", err.last_status)
      assert.equal(0, #f.sleeps)
    end)

    it("refuses a bad target or bad options, sending nothing", function()
      local f, vm = with_vm(VM_RUNNING)
      helper.refuses(f, function() return vm:wait(42) end)
      helper.refuses(f, function() return vm:wait("stopped", { timeout = -1 }) end)
      helper.refuses(f, function() return vm:wait("stopped", "soon") end)
    end)
  end)

  describe("keeps its own uuid", function()
    -- A caller's uuid must never redirect a call on this VM: refused, or sent with the VM's own.
    local calls = {
      { "update", { uuid = OTHER, name = "x" } },
      { "stop", { uuid = OTHER } },
      { "clone", { uuid = OTHER, name = "copy" } },
      { "reinstall", { uuid = OTHER } },
      { "set_password", { uuid = OTHER, username = "example", password = "Password1234" } },
    }
    for _, call in ipairs(calls) do
      it("in vm:" .. call[1], function()
        local f, vm = with_vm(VM_RUNNING, helper.answer(VM_RUNNING))
        local res, err = vm[call[1]](vm, call[2])
        if res == nil then
          assert.equal("invalid", err.kind)
          assert.equal(1, #f.requests)
        else
          assert.equal(2, #f.requests)
          assert.equal(STOP_UUID, helper.sent(f, 2).form.uuid)
        end
      end)
    end
  end)
end)
