-- What the 2025-12 edition changes in the first 100 endpoints (section (b) of endpoints-2025.md;
-- docs/endpoints.md lists each change), and its two new calls on existing families (#105 boot
-- media, #112 boot images), on a scripted transport: the requests sent, the answers read.
local cjson = require "cjson"
local helper = require "spec.helper"
local docs = require "spec.fixtures.unit_docs"

local VM_UUID = "f80b1d62-ffe4-43ef-9210-60f05445456a"     -- docs.vm_get's VM
local NET = "50341410-9e88-4af2-a21e-b8c898e33e52"
local KEY1 = "3f8f4c5a-2c6d-4f0a-9a3a-8c9f6e3f1a2b"
local PUB1 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMockPublicKeyData user@host"
local PUB2 = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDCMockPublicKeyData user@host"
local PUB3 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIThirdKeyData me@laptop"
local ISO = "e3a5f2d6-7d15-11f0-85ba-047bcbc1cb26"
local VM = "/v1/cyc01/user-resource/vm"

local client = helper.scripted

local function create_params(over)
  local p = { name = "web-1", os_name = "ubuntu", os_version = "22.04", disks = 20, vcpu = 2, ram = 2048,
    username = "ubuntu", billing_account_id = 6, network_uuid = NET }
  for k, v in pairs(over or {}) do p[k] = v end
  return p
end

local function unescape(s)
  return (s:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end))
end

-- A form body as its list of {name, value}, in the order sent (a field may repeat).
local function pairs_of(body)
  local out = {}
  for pair in (body or ""):gmatch("[^&]+") do
    local k, v = pair:match("^([^=]*)=(.*)$")
    out[#out + 1] = { unescape(k), unescape(v) }
  end
  return out
end

-- Request i of fake, taken apart without decoding the form (helper.sent refuses a repeated field).
local function raw(fake, i)
  local req = fake.requests[i]
  local path = req.url:match("^https?://[^/]+([^?]*)")
  return { method = req.method, path = path, body = req.body, content_type = helper.header(req, "Content-Type") }
end

local function values(body, name)
  local out = {}
  for _, p in ipairs(pairs_of(body)) do
    if p[1] == name then out[#out + 1] = p[2] end
  end
  return out
end

describe("VM create (#12, 2025-12)", function()
  it("sends public_keys = {...} as the field repeated, one key each, in order", function()
    local f, c = client(helper.answer(docs.vm_create))
    assert(c.vms:create(create_params { public_keys = { PUB1, PUB2 } }))
    local s = raw(f, 1)
    assert.equal("POST", s.method)
    assert.equal(VM, s.path)
    assert.equal("application/x-www-form-urlencoded", s.content_type)
    assert.same({ PUB1, PUB2 }, values(s.body, "public_keys"))
    assert.matches("public_keys=ssh-ed25519%20AAAA", s.body, 1, true)
    assert.same({}, values(s.body, "password"))
  end)

  it("sends ssh_keys = {key, uuid, name} as their public keys, looked up in one list", function()
    local f, c = client(helper.answer(docs.ssh_key_list), helper.answer(docs.ssh_key_list), helper.answer(docs.vm_create))
    local key = assert(c.ssh_keys:get(KEY1))
    assert(c.vms:create(create_params { ssh_keys = { key, "9A7C1DF2-6E44-4330-B6A1-3B77F5C1E8D0", "laptop-mbp" },
      public_keys = { PUB3 } }))
    assert.equal(3, #f.requests)
    helper.expect(f, 2, { "GET", "/v1/user-resource/ssh_keys" })
    local s = raw(f, 3)
    assert.same({ PUB3, PUB1, PUB2 }, values(s.body, "public_keys")) -- each key once
    assert.same({}, values(s.body, "ssh_keys"))
  end)

  it("key objects alone need no list", function()
    local f, c = client(helper.answer(docs.vm_create))
    assert(c.vms:create(create_params { ssh_keys = { { uuid = KEY1, public_key = PUB1 } } }))
    assert.equal(1, #f.requests)
    assert.same({ PUB1 }, values(helper.sent(f, 1).body, "public_keys"))
  end)

  it("refuses a key the account lacks, and keys that are no list, sending no create", function()
    local f, c = client(helper.answer(docs.ssh_key_list))
    local vm, err = c.vms:create(create_params { ssh_keys = { "no-such-key" } })
    assert.is_nil(vm)
    assert.equal("invalid", err.kind)
    assert.equal("ssh_keys", err.field)
    assert.equal(1, #f.requests) -- the list, no create
    helper.refuses(f, function() return c.vms:create(create_params { ssh_keys = "laptop-mbp" }) end, "ssh_keys")
    helper.refuses(f, function() return c.vms:create(create_params { ssh_keys = { { name = "x" } } }) end, "ssh_keys")
    helper.refuses(f, function() return c.vms:create(create_params { public_keys = PUB1 }) end, "public_keys")
    helper.refuses(f, function() return c.vms:create(create_params { public_keys = { PUB1, "" } }) end, "public_keys")
    helper.refuses(f, function() return c.vms:create(create_params { public_keys = { PUB1, 5 } }) end, "public_keys")
    helper.refuses(f, function() return c.vms:create(create_params { public_keys = { x = PUB1 } }) end, "public_keys")
    -- no login at all
    helper.refuses(f, function() return c.vms:create(create_params()) end, "password")
  end)

  it("takes a public key line in ssh_keys as it is, with no list", function()
    local f, c = client(helper.answer(docs.vm_create))
    assert(c.vms:create(create_params { ssh_keys = { PUB3 } }))
    assert.equal(1, #f.requests)
    assert.same({ PUB3 }, values(raw(f, 1).body, "public_keys"))
  end)

  it("refuses private key material wherever a public key goes, sending nothing and showing none of it", function()
    local PRIVATE = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n"
      .. "-----END OPENSSH PRIVATE KEY-----\n"
    local f, c = client()
    local cases = {
      function() return c.vms:create(create_params { public_key = PRIVATE }) end,
      function() return c.vms:create(create_params { public_keys = { PUB1, PRIVATE } }) end,
      function() return c.vms:create(create_params { ssh_keys = { PRIVATE } }) end,
      function() return c.vms:create(create_params { ssh_keys = { { public_key = PRIVATE } } }) end,
      function() return c.ssh_keys:create { name = "oops", public_key = PRIVATE } end,
      function() return c.ssh_keys:create { name = "oops", public_key = "PuTTY-User-Key-File-3: ssh-ed25519\nb3Bl" } end,
    }
    for i, fn in ipairs(cases) do
      local err = helper.refuses(f, fn)
      assert.matches("PRIVATE", err.message, 1, true)
      assert.is_nil(tostring(err):find("b3Bl", 1, true), "case " .. i .. ": " .. tostring(err))
      assert.is_nil(tostring(err):find("BEGIN", 1, true), "case " .. i)
    end
  end)

  it("sends cloud_init YAML text as it is (spaces as %20), JSON text as it is, a table as JSON text", function()
    local yaml = "#cloud-config\npackages:\n  - nginx\nruncmd:\n  - [ systemctl, enable, --now, nginx ]\n"
    local f, c = client(helper.answer(docs.vm_create), helper.answer(docs.vm_create), helper.answer(docs.vm_create))
    assert(c.vms:create(create_params { password = "Secret-pass1", cloud_init = yaml }))
    assert(c.vms:create(create_params { password = "Secret-pass1", cloud_init = '{"runcmd": ["ls"]}' }))
    assert(c.vms:create(create_params { password = "Secret-pass1", cloud_init = { runcmd = { "ls" } } }))
    assert.equal(yaml, helper.sent(f, 1).form.cloud_init)
    assert.matches("%20%20-%20nginx", helper.sent(f, 1).body, 1, true)
    assert.equal('{"runcmd": ["ls"]}', helper.sent(f, 2).form.cloud_init)
    assert.same({ runcmd = { "ls" } }, cjson.decode(helper.sent(f, 3).form.cloud_init))
  end)

  it("refuses a cloud_init that opens like JSON but is none, or is empty", function()
    local f, c = client()
    for _, bad in ipairs { "{oops", "[1,", "", "  \n", 42 } do
      helper.refuses(f, function() return c.vms:create(create_params { password = "Secret-pass1", cloud_init = bad }) end,
        "cloud_init")
    end
  end)

  it("takes a cloud_init that declares the users without username or password", function()
    local f, c = client(helper.answer(docs.vm_create))
    local p = create_params { cloud_init = "#cloud-config\nusers:\n  - name: ops\n" }
    p.username = nil
    assert(c.vms:create(p))
    local form = helper.sent(f, 1).form
    assert.is_nil(form.username)
    assert.is_nil(form.password)
  end)

  it("makes an empty-disk VM with os_name and os_version both left out, or both given", function()
    local f, c = client(helper.answer(docs.vm_create), helper.answer(docs.vm_create))
    local p = create_params { password = "Secret-pass1" }
    p.os_name, p.os_version = nil, nil
    assert(c.vms:create(p))
    assert.is_nil(helper.sent(f, 1).form.os_name)
    assert(c.vms:create(create_params { password = "Secret-pass1", os_name = "_custom", os_version = "_" }))
    assert.same({ "_custom", "_" }, { helper.sent(f, 2).form.os_name, helper.sent(f, 2).form.os_version })
    local half = create_params { password = "Secret-pass1" }
    half.os_version = nil
    helper.refuses(f, function() return c.vms:create(half) end, "os_version")
    half = create_params { password = "Secret-pass1" }
    half.os_name = nil
    helper.refuses(f, function() return c.vms:create(half) end, "os_name")
  end)
end)

describe("boot media (#105, #112)", function()
  local function with_vm(...)
    local f, c = client(helper.answer(docs.vm_get), ...)
    return f, assert(c.vms:get(VM_UUID)), c
  end

  it("vm:boot_media sends POST .../vm/boot_iso_media with the form the docs name", function()
    local f, vm = with_vm(helper.answer(""), helper.answer(docs.vm_get))
    assert.equal(vm, assert(vm:boot_media { image = ISO }))
    helper.expect(f, 2, { "POST", VM .. "/boot_iso_media", form = { uuid = VM_UUID, boot_image_uuid = ISO } })
    assert(vm:boot_media { image = { uuid = ISO }, repository = "private" })
    helper.expect(f, 3, { "POST", VM .. "/boot_iso_media",
      form = { uuid = VM_UUID, boot_image_uuid = ISO, boot_image_repository = "private" } })
  end)

  it("vm:boot_media refuses a bad image, repository or option, sending nothing", function()
    local f, vm = with_vm()
    helper.refuses(f, function() return vm:boot_media() end)
    helper.refuses(f, function() return vm:boot_media {} end, "image")
    helper.refuses(f, function() return vm:boot_media { image = "systemrescue.iso" } end, "image")
    helper.refuses(f, function() return vm:boot_media { image = ISO, repository = "public" } end, "repository")
    helper.refuses(f, function() return vm:boot_media { image = ISO, uuid = VM_UUID } end, "uuid")
  end)

  it("vm:rescue (rescue_start) is kept and still sent", function()
    local f, vm = with_vm(helper.answer(docs.vm_get))
    assert(vm:rescue())
    helper.expect(f, 2, { "POST", VM .. "/rescue_start", form = { uuid = VM_UUID } })
  end)

  it("client.catalog:boot_images sends GET /v1/config/boot_images (no slug)", function()
    local f, c = client(helper.answer(docs.boot_images))
    local list = assert(c.catalog:boot_images())
    helper.expect(f, 1, { "GET", "/v1/config/boot_images" })
    assert.equal(ISO, list[1].uuid)
    assert.equal("systemrescue-12.x-amd64.iso", list[1].image_name)
    local _, c2 = client(helper.answer('[{"image_name": "x.iso"}]'))
    local bad, err = c2.catalog:boot_images()
    assert.is_nil(bad)
    assert.equal("decode", err.kind)
  end)
end)

describe("floating IP assign (#59, live form)", function()
  local ADDR = "103.151.0.2"
  local function with_ip(...)
    local f, c = client(helper.answer(docs.ip_get), ...)
    local ip = assert(c.floating_ips:get(cjson.decode(docs.ip_get).address))
    return f, ip, c
  end

  it("a VM or a uuid alone is sent as vm_uuid", function()
    local f, ip, c = with_ip(helper.answer(docs.vm_get), helper.answer(docs.ip_assign_2025), helper.answer(docs.ip_assign_2025))
    local vm = assert(c.vms:get(VM_UUID))
    assert(ip:assign(vm))
    local path = "/v1/cyc01/network/ip_addresses/" .. ip.address .. "/assign"
    helper.expect(f, 3, { "POST", path, json = { vm_uuid = VM_UUID } })
    local _, ip2 = with_ip(helper.answer(docs.ip_assign_2025))
    assert(ip2:assign(VM_UUID))
    assert(ADDR)
  end)

  it("a load balancer or a service is sent as assigned_to with its resource type", function()
    local lb_json, svc_json = docs.lb_get, docs.service_get
    local f, ip, c = with_ip(helper.answer(lb_json), helper.answer(docs.ip_assign_2025),
      helper.answer(svc_json), helper.answer(docs.ip_assign_2025))
    local lb = assert(c.load_balancers:get(cjson.decode(lb_json).uuid))
    local path = "/v1/cyc01/network/ip_addresses/" .. ip.address .. "/assign"
    assert(ip:assign(lb))
    helper.expect(f, 3, { "POST", path, json = { assigned_to = lb.uuid, assigned_to_resource_type = "load_balancer" } })
    local svc = assert(c.services:get(cjson.decode(svc_json).uuid))
    assert(ip:assign(svc))
    helper.expect(f, 5, { "POST", path, json = { assigned_to = svc.uuid, assigned_to_resource_type = "service" } })
    assert.equal("service", ip.assigned_to_resource_type)
  end)

  it("refuses anything else before sending: another object, a plain table, a name", function()
    local f, ip, c = with_ip(helper.answer(docs.firewall_list))
    local fw = assert(c.firewalls:list())[1]
    helper.refuses(f, function() return ip:assign(fw) end, "target")
    helper.refuses(f, function() return ip:assign { uuid = VM_UUID } end, "target")
    helper.refuses(f, function() return ip:assign(ip) end, "target")
    helper.refuses(f, function() return ip:assign("web-1") end, "target")
    helper.refuses(f, function() return ip:assign() end, "target")
  end)
end)

describe("disks (#31-#34, 2025-12)", function()
  local DISK = cjson.decode(docs.disk_get_2025).uuid

  it("create sends display_name in the form", function()
    local f, c = client(helper.answer(docs.disk_get_2025))
    assert(c.disks:create { size_gb = 20, billing_account_id = 6, display_name = "DB data" })
    helper.expect(f, 1, { "POST", "/v1/cyc01/storage/disks",
      form = { size_gb = "20", billing_account_id = "6", display_name = "DB data" } })
  end)

  it("list takes read_only_bootable in the query", function()
    local f, c = client(helper.answer(docs.disk_list_2025))
    assert(c.disks:list { read_only_bootable = true })
    helper.expect(f, 1, { "GET", "/v1/cyc01/storage/disks", query = { read_only_bootable = "true" } })
    helper.refuses(f, function() return c.disks:list { read_only_bootable = "yes" } end, "read_only_bootable")
  end)

  it("update sends any of billing_account_id, display_name, read_only_bootable as a form", function()
    local f, c = client(helper.answer(docs.disk_get_2025), helper.answer(docs.disk_get_2025),
      helper.answer(docs.disk_update_2025))
    local disk = assert(c.disks:get(DISK))
    assert(disk:update { display_name = "Web server backup" })
    helper.expect(f, 2, { "PATCH", "/v1/cyc01/storage/disks/" .. DISK, form = { display_name = "Web server backup" } })
    assert(disk:update { read_only_bootable = true, billing_account_id = 7 })
    helper.expect(f, 3, { "PATCH", "/v1/cyc01/storage/disks/" .. DISK,
      form = { read_only_bootable = "true", billing_account_id = "7" } })
    helper.refuses(f, function() return disk:update {} end)
    helper.refuses(f, function() return disk:update { size_gb = 30 } end, "size_gb")
  end)

  it("snapshots read size_gb and sizeGb alike", function()
    for _, field in ipairs { "size_gb", "sizeGb" } do
      local body = cjson.decode(docs.disk_get_2025)
      body.snapshots = { { uuid = "11111111-2222-3333-4444-555555555555", [field] = 20 } }
      local _, c = client(helper.answer(cjson.encode(body)))
      local disk = assert(c.disks:get(DISK))
      assert.equal(20, disk.snapshots[1].size_gb)
      assert.equal(20, disk.snapshots[1].sizeGb)
    end
  end)
end)
