-- Block storage on a scripted transport: client.disks and disk objects (endpoints 31-37 of
-- docs/endpoints.md, elastis edition) and the disk methods of a VM (28-30, 36-37).
local helper = require "spec.helper"
local docs = require "spec.fixtures.unit_docs"

local DISK = "cef3a629-89b0-40ec-986b-4b6e831f9b64"      -- docs.disk_get's disk
local NEW_DISK = "05a61876-86f3-4b05-b0ec-53ee6fa03ced"  -- docs.disk_create's disk
local VM_UUID = "5052bf02-044a-4d35-a803-d6b156f84beb"   -- docs.vm_stop's VM, as in the disk calls' curl
local ADDED = "3d91aa31-16ec-44ee-b8b3-22a0bda6559e"     -- docs.vm_add_disk's disk
local OTHER = "aaaaaaaa-0000-bbbb-1111-cccccccccccc"
local DISKS = "/v1/cyc01/storage/disks"
local STORAGE = "/v1/cyc01/user-resource/vm/storage"

local client = helper.scripted -- (f, a client on cyc01)

-- A fake whose first answer is docs.disk_get, and the disk it gave.
local function with_disk(...)
  local f, c = client(helper.answer(docs.disk_get), ...)
  return f, assert(c.disks:get(DISK)), c
end

-- A fake whose first answer is the docs' stopped VM (one primary disk, sda), and the VM.
local function with_vm(...)
  local f, c = client(helper.answer(docs.vm_stop), ...)
  return f, assert(c.vms:get(VM_UUID)), c
end

describe("client.disks", function()
  it("list sends GET .../storage/disks and answers disk objects", function()
    local f, c = client(helper.answer(docs.disk_list))
    local disks = assert(c.disks:list())
    helper.expect(f, 1, { "GET", DISKS })
    assert.equal(2, #disks)
    assert.equal(NEW_DISK, disks[1].uuid)
    assert.equal("EMPTY", disks[1].source_image_type)
    assert.same({}, disks[1].snapshots)
    assert.equal(2, #disks[2].snapshots)
    for _, d in ipairs(disks) do
      for _, m in ipairs { "reload", "update", "delete", "attach", "detach", "wait" } do assert.is_function(d[m], m) end
    end
  end)

  it("get sends GET .../storage/disks/{uuid} with no query or body and answers the disk", function()
    local f, c = client(helper.answer(docs.disk_get))
    local d = assert(c.disks:get(DISK))
    helper.expect(f, 1, { "GET", DISKS .. "/" .. DISK })
    assert.equal(DISK, d.uuid)
    assert.equal("Active", d.status)
    assert.equal(30, d.size_gb)
    assert.equal(129552, d.billing_account_id)
    assert.equal("ubuntu_20.04", d.source_image)
    assert.equal(20, d.snapshots[1].sizeGb)
    assert.equal("disk " .. DISK .. " 30 GB Active from OS_BASE ubuntu_20.04", tostring(d))
  end)

  it("get refuses what is not a UUID, path tricks included, sending nothing", function()
    local f, c = client()
    for _, bad in ipairs { "", "../disks", DISK .. "/x", DISK .. "?a=b", DISK .. "0", DISK:sub(2), 7 } do
      helper.refuses(f, function() return c.disks:get(bad) end)
    end
    helper.refuses(f, function() return c.disks:get() end)
  end)

  describe("create", function()
    it("sends the docs' form to POST .../storage/disks and answers the disk", function()
      local f, c = client(helper.answer(docs.disk_create))
      local d = assert(c.disks:create { billing_account_id = 129673, size_gb = 50, source_image_type = "EMPTY" })
      helper.expect(f, 1, { "POST", DISKS, form = { billing_account_id = "129673", size_gb = "50", source_image_type = "EMPTY" } })
      assert.equal(NEW_DISK, d.uuid)
      assert.equal(50, d.size_gb)
      assert.equal("Active", d.status)
      assert.is_function(d.attach)
    end)

    it("sends copies of an OS image, a disk or a snapshot", function()
      local f, c = client(helper.answer(docs.disk_create), helper.answer(docs.disk_create), helper.answer(docs.disk_create))
      assert(c.disks:create { billing_account_id = 6, source_image_type = "OS_BASE", source_image = "ubuntu_20.04" })
      helper.expect(f, 1, { "POST", DISKS, form = { billing_account_id = "6", source_image_type = "OS_BASE",
        source_image = "ubuntu_20.04" } })
      assert(c.disks:create { billing_account_id = 6, source_image_type = "DISK", source_image = DISK })
      helper.expect(f, 2, { "POST", DISKS, form = { billing_account_id = "6", source_image_type = "DISK", source_image = DISK } })
      assert(c.disks:create { billing_account_id = 6, source_image_type = "SNAPSHOT",
        source_image = "8ae9b8e2-54b5-4163-b692-1327ec39ce35", size_gb = 30 })
      helper.expect(f, 3, { "POST", DISKS, form = { billing_account_id = "6", source_image_type = "SNAPSHOT",
        source_image = "8ae9b8e2-54b5-4163-b692-1327ec39ce35", size_gb = "30" } })
    end)

    it("sends the default billing account when none is given", function()
      local f, c = client(helper.answer(docs.ba_list_elastis), helper.answer(docs.disk_create))
      assert(c.disks:create { size_gb = 50 })
      helper.expect(f, 1, { "GET", "/v1/payment/billing_account/list" })
      helper.expect(f, 2, { "POST", DISKS, form = { size_gb = "50", billing_account_id = "6" } })
    end)

    it("refuses what the docs do not allow, sending nothing", function()
      local f, c = client()
      local cases = {
        { "size_gb", {} },
        { "size_gb", { source_image_type = "EMPTY" } },
        { "source_image_type", { size_gb = 50, source_image_type = "empty" } },
        { "source_image_type", { size_gb = 50, source_image_type = "IMAGE" } },
        { "source_image", { source_image_type = "OS_BASE" } },
        { "source_image", { source_image_type = "OS_BASE", source_image = "" } },
        { "source_image", { source_image_type = "SNAPSHOT", size_gb = 30 } },
        { "source_image", { source_image_type = "DISK", source_image = "my-disk" } },
        { "size_gb", { size_gb = "50" } },
        { "size_gb", { size_gb = 50.5 } },
        { "billing_account_id", { size_gb = 50, billing_account_id = "6" } },
        { "name", { size_gb = 50, name = "data" } },
      }
      for _, case in ipairs(cases) do
        helper.refuses(f, function() return c.disks:create(case[2]) end, case[1])
      end
      helper.refuses(f, function() return c.disks:create() end)
      helper.refuses(f, function() return c.disks:create(50) end)
    end)
  end)
end)

describe("disk objects", function()
  it("reload sends GET .../storage/disks/{uuid} and updates in place", function()
    local f, d = with_disk(helper.answer((docs.disk_get:gsub('"Active"', '"Deleting"'))))
    assert.equal(d, assert(d:reload()))
    helper.expect(f, 2, { "GET", DISKS .. "/" .. DISK })
    assert.equal("Deleting", d.status)
  end)

  it("update sends PATCH .../storage/disks/{uuid} with only billing_account_id in the form", function()
    -- The docs' answer (elastis-api.txt:1406) has no snapshots: the object keeps those it knows.
    local answer = docs.disk_update:gsub(NEW_DISK, DISK)
    local f, d = with_disk(helper.answer(answer))
    assert.equal(d, assert(d:update { billing_account_id = 129072 }))
    helper.expect(f, 2, { "PATCH", DISKS .. "/" .. DISK, form = { billing_account_id = "129072" } })
    assert.equal(129072, d.billing_account_id)
    assert.equal(2, #d.snapshots)
  end)

  it("update refuses a missing, mistyped or unknown parameter, sending nothing", function()
    local f, d = with_disk()
    helper.refuses(f, function() return d:update() end)
    helper.refuses(f, function() return d:update {} end, "billing_account_id")
    helper.refuses(f, function() return d:update { billing_account_id = "7" } end, "billing_account_id")
    helper.refuses(f, function() return d:update { billing_account_id = 7, size_gb = 60 } end, "size_gb")
    helper.refuses(f, function() return d:update(7) end)
  end)

  it("update keeps its own uuid whatever the caller passes", function()
    local f, d = with_disk(helper.answer((docs.disk_update:gsub(NEW_DISK, DISK))))
    local res, err = d:update { billing_account_id = 7, disk_uuid = OTHER }
    if res == nil then
      assert.equal("invalid", err.kind)
      assert.equal(1, #f.requests)
    else
      helper.expect(f, 2, { "PATCH", DISKS .. "/" .. DISK, form = { billing_account_id = "7" } })
    end
  end)

  it("delete sends DELETE .../storage/disks/{uuid} with no body and answers true on the docs' 204", function()
    local f, d = with_disk({ status = 204, body = "", headers = {} })
    assert.is_true(d:delete())
    helper.expect(f, 2, { "DELETE", DISKS .. "/" .. DISK })
  end)

  it("delete, which takes no options, refuses force rather than ignore it, sending nothing", function()
    local f, d = with_disk({ status = 204, body = "", headers = {} })
    helper.refuses(f, function() return d:delete { force = true } end)
  end)

  it("attach sends POST .../vm/storage/attach (a VM or its uuid) and answers the disk as the VM shows it", function()
    local f, d, c = with_disk(helper.answer(docs.vm_stop), helper.answer(docs.disk_attach), helper.answer(docs.disk_attach))
    local vm = assert(c.vms:get(VM_UUID))
    local shown = assert(d:attach(vm))
    helper.expect(f, 3, { "POST", STORAGE .. "/attach", form = { uuid = VM_UUID, storage_uuid = DISK } })
    assert.equal("vdb", shown.name)
    assert.equal(15, shown.size)
    assert.is_false(shown.primary)
    assert(d:attach(VM_UUID))
    helper.expect(f, 4, { "POST", STORAGE .. "/attach", form = { uuid = VM_UUID, storage_uuid = DISK } })
  end)

  it("detach sends POST .../vm/storage/detach and answers true", function()
    local f, d = with_disk(helper.answer(docs.success))
    assert.is_true(d:detach(VM_UUID))
    helper.expect(f, 2, { "POST", STORAGE .. "/detach", form = { uuid = VM_UUID, storage_uuid = DISK } })
  end)

  it("attach and detach refuse what is not a VM or a VM uuid, sending nothing", function()
    local f, d = with_disk()
    for _, bad in ipairs { "web-1", VM_UUID .. "x", {}, { uuid = "x" }, 5 } do
      helper.refuses(f, function() return d:attach(bad) end)
      helper.refuses(f, function() return d:detach(bad) end)
    end
    helper.refuses(f, function() return d:attach() end)
  end)

  it("wait polls the disk until its status, case-insensitively", function()
    local f, d = with_disk(helper.answer((docs.disk_get:gsub('"Active"', '"Creating"'))), helper.answer(docs.disk_get))
    d.status = "Creating"
    assert.equal(d, assert(d:wait("active", { interval = 0.25, timeout = 5 })))
    assert.equal(3, #f.requests)
    helper.expect(f, 3, { "GET", DISKS .. "/" .. DISK })
    assert.same({ 0.25 }, f.sleeps)
  end)
end)

describe("the disks of a VM", function()
  it("add_disk sends POST .../vm/storage {uuid, size_gb} and adds the new disk to vm.storage", function()
    local f, vm = with_vm(helper.answer(docs.vm_add_disk))
    local disk = assert(vm:add_disk { size_gb = 50 })
    helper.expect(f, 2, { "POST", STORAGE, form = { uuid = VM_UUID, size_gb = "50" } })
    assert.equal(ADDED, disk.uuid)
    assert.equal("vdc", disk.name)
    assert.equal(2, #vm.storage)
    assert.equal(ADDED, vm.storage[2].uuid)
  end)

  it("add_disk refuses a missing or mistyped size and keeps its own uuid", function()
    local f, vm = with_vm(helper.answer(docs.vm_add_disk))
    helper.refuses(f, function() return vm:add_disk() end, "size_gb")
    helper.refuses(f, function() return vm:add_disk { size_gb = "50" } end, "size_gb")
    helper.refuses(f, function() return vm:add_disk { size_gb = 50.5 } end, "size_gb")
    helper.refuses(f, function() return vm:add_disk { size = 50 } end, "size")
    local res, err = vm:add_disk { size_gb = 50, uuid = OTHER }
    if res == nil then
      assert.equal("invalid", err.kind)
      assert.equal(1, #f.requests)
    else
      assert.equal(VM_UUID, helper.sent(f, 2).form.uuid)
    end
  end)

  it("resize_disk sends PATCH .../vm/storage {uuid, disk_uuid, size_gb} and updates vm.storage", function()
    local f, vm = with_vm(helper.answer(docs.vm_add_disk), helper.answer(docs.vm_resize_disk))
    local disk = assert(vm:add_disk { size_gb = 50 })
    local resized = assert(vm:resize_disk(disk, 60))
    helper.expect(f, 3, { "PATCH", STORAGE, form = { uuid = VM_UUID, disk_uuid = ADDED, size_gb = "60" } })
    assert.equal(60, resized.size)
    assert.equal(60, vm.storage[2].size)
  end)

  it("resize_disk refuses a shrink, a bad size or a bad disk, sending nothing", function()
    local f, vm = with_vm(helper.answer(docs.vm_add_disk), helper.answer(docs.vm_resize_disk))
    local disk = assert(vm:add_disk { size_gb = 50 })
    helper.refuses(f, function() return vm:resize_disk(disk, 40) end, "size_gb")
    helper.refuses(f, function() return vm:resize_disk(ADDED, 49) end, "size_gb")
    helper.refuses(f, function() return vm:resize_disk(disk, "60") end, "size_gb")
    helper.refuses(f, function() return vm:resize_disk(disk, 60.5) end, "size_gb")
    helper.refuses(f, function() return vm:resize_disk(disk) end, "size_gb")
    helper.refuses(f, function() return vm:resize_disk("vdc", 60) end)
    assert(vm:resize_disk(ADDED, 50 + 10))  -- the valid boundary passes
  end)

  it("remove_disk sends DELETE .../vm/storage {uuid, storage_uuid} and drops it from vm.storage", function()
    local f, vm = with_vm(helper.answer(docs.vm_add_disk), helper.answer(docs.success))
    local disk = assert(vm:add_disk { size_gb = 50 })
    assert.is_true(vm:remove_disk(disk))
    helper.expect(f, 3, { "DELETE", STORAGE, form = { uuid = VM_UUID, storage_uuid = ADDED } })
    assert.equal(1, #vm.storage)
  end)

  it("remove_disk and detach_disk refuse the primary disk, sending nothing", function()
    local f, vm = with_vm()
    helper.refuses(f, function() return vm:remove_disk(vm.storage[1]) end)
    helper.refuses(f, function() return vm:remove_disk(VM_UUID) end)        -- sda's uuid, primary
    helper.refuses(f, function() return vm:detach_disk(vm.storage[1].uuid) end)
    helper.refuses(f, function() return vm:remove_disk("sda") end)
  end)

  it("attach_disk sends POST .../vm/storage/attach and adds the disk to vm.storage", function()
    local f, vm, c = with_vm(helper.answer(docs.disk_get), helper.answer(docs.disk_attach))
    local d = assert(c.disks:get(DISK))
    local shown = assert(vm:attach_disk(d))
    helper.expect(f, 3, { "POST", STORAGE .. "/attach", form = { uuid = VM_UUID, storage_uuid = DISK } })
    assert.equal("vdb", shown.name)
    assert.equal(2, #vm.storage)
  end)

  it("detach_disk sends POST .../vm/storage/detach and drops the disk from vm.storage", function()
    local f, vm = with_vm(helper.answer(docs.vm_add_disk), helper.answer(docs.success))
    assert(vm:add_disk { size_gb = 50 })
    assert.is_true(vm:detach_disk(ADDED))
    helper.expect(f, 3, { "POST", STORAGE .. "/detach", form = { uuid = VM_UUID, storage_uuid = ADDED } })
    assert.equal(1, #vm.storage)
  end)
end)
