-- Replicas (snapshots and backups) on a scripted transport: vm:replicas, vm:snapshot, vm:rebuild
-- and replica objects (endpoints 20-24 of docs/endpoints.md).
local cjson = require "cjson"
local helper = require "spec.helper"
local docs = require "spec.fixtures.unit_docs"

local UUID = "f80b1d62-ffe4-43ef-9210-60f05445456a"        -- docs.vm_get's VM and its disk
local REPLICA = UUID .. "2018-02-22-14-24-32"               -- the replica of docs.replica_create
local REBUILT = "5aea1842-895f-4bd3-8bd6-e37b2282fb46"      -- docs.vm_rebuild's VM
local OTHER = "aaaaaaaa-0000-bbbb-1111-cccccccccccc"
local PATH = "/v1/cyc01/user-resource/vm/replica"

-- The replica list of docs.replica_create (idcloudhost-api.txt:1215), as List Replicas would
-- answer it (the docs show that call only answering []), and that replica as a backup.
local LIST = cjson.encode(cjson.decode(docs.replica_create).replica)
local AS_BACKUP = (LIST:gsub('"type":"snapshot"', '"type":"backup"'):match("^%[(.*)%]$"))

local function with_vm(first, ...)
  local f = helper.fake { helper.answer(first), ... }
  local c = f.client { location = "cyc01" }
  local vm = assert(c.vms:get(cjson.decode(first).uuid))
  return f, vm
end

-- A fake with the docs' VM and one of its replicas (a snapshot), and the replica.
local function with_replica(...)
  local f, vm = with_vm(docs.vm_get, helper.answer(LIST), ...)
  local list = assert(vm:replicas())
  return f, list[1], vm
end

describe("vm:replicas", function()
  it("sends GET .../vm/replica?uuid= and reads the docs' empty list as an empty array", function()
    local f, vm = with_vm(docs.vm_get, helper.answer("[]"))
    local list = assert(vm:replicas())
    helper.expect(f, 2, { "GET", PATH, query = { uuid = UUID } })
    assert.same({}, list)
    assert.equal(0, #list)
  end)

  it("sends r_type in the query when given and answers replica objects", function()
    local f, vm = with_vm(docs.vm_get, helper.answer(LIST))
    local list = assert(vm:replicas { r_type = "backup" })
    helper.expect(f, 2, { "GET", PATH, query = { uuid = UUID, r_type = "backup" } })
    assert.equal(1, #list)
    assert.equal(REPLICA, list[1].uuid)
    assert.equal(60, list[1].size)
    assert.is_function(list[1].delete)
    assert.is_function(list[1].convert)
    assert.equal("replica " .. REPLICA .. " snapshot (60 GB, 2018-02-22 14:24:51.886326)", tostring(list[1]))
  end)

  it("refuses an r_type other than snapshot or backup, and unknown options, sending nothing", function()
    local f, vm = with_vm(docs.vm_get)
    for _, bad in ipairs { "snapshots", "Snapshot", "", true } do
      helper.refuses(f, function() return vm:replicas { r_type = bad } end, "r_type")
    end
    helper.refuses(f, function() return vm:replicas { type = "backup" } end, "type")
    helper.refuses(f, function() return vm:replicas "backup" end)
  end)

  it("keeps its own uuid", function()
    local f, vm = with_vm(docs.vm_get, helper.answer("[]"))
    local res, err = vm:replicas { uuid = OTHER }
    if res == nil then
      assert.equal("invalid", err.kind)
      assert.equal(1, #f.requests)
    else
      assert.equal(UUID, helper.sent(f, 2).query.uuid)
    end
  end)
end)

describe("vm:snapshot", function()
  it("sends POST .../vm/replica {uuid} and answers the new replica from the docs' disk", function()
    local f, vm = with_vm(docs.vm_get, helper.answer(docs.replica_create))
    local r = assert(vm:snapshot())
    helper.expect(f, 2, { "POST", PATH, form = { uuid = UUID } })
    assert.equal(REPLICA, r.uuid)
    assert.equal("snapshot", r.type)
    assert.equal(UUID, r.master_uuid)
    assert.is_function(r.delete)
    assert.equal(1, #vm.storage[1].replica)          -- the VM's disk shows it
    assert.equal(REPLICA, vm.storage[1].replica[1].uuid)
  end)

  it("answers the newest replica when the disk already had others", function()
    -- docs.replica_create with an older replica of the same disk before the new one
    local disk = cjson.decode(docs.replica_create)
    local old = { id = 4, master_id = 5, master_uuid = UUID, pool = "", size = 20, type = "snapshot",
      created_at = "2018-02-20 10:00:00.000000", uuid = UUID .. "2018-02-20-10-00-00" }
    table.insert(disk.replica, 1, old)
    table.insert(disk.replica, old)
    local f, vm = with_vm(docs.vm_get, helper.answer(cjson.encode(disk)))
    local r = assert(vm:snapshot())
    assert.equal(2, #f.requests)
    assert.equal(REPLICA, r.uuid)
    assert.equal(3, #vm.storage[1].replica)
  end)

  it("sends r_type = backup when asked", function()
    local f, vm = with_vm(docs.vm_get, helper.answer(docs.replica_create))
    assert(vm:snapshot { r_type = "backup" })
    helper.expect(f, 2, { "POST", PATH, form = { uuid = UUID, r_type = "backup" } })
  end)

  it("refuses a bad r_type or option and keeps its own uuid", function()
    local f, vm = with_vm(docs.vm_get, helper.answer(docs.replica_create))
    helper.refuses(f, function() return vm:snapshot { r_type = "image" } end, "r_type")
    helper.refuses(f, function() return vm:snapshot { name = "before-upgrade" } end, "name")
    local res, err = vm:snapshot { uuid = OTHER }
    if res == nil then
      assert.equal("invalid", err.kind)
      assert.equal(1, #f.requests)
    else
      assert.equal(UUID, helper.sent(f, 2).form.uuid)
    end
  end)
end)

describe("vm:rebuild", function()
  -- docs.vm_rebuild answers the VM stopped; the same VM running stands for it before the call.
  local RUNNING = (docs.vm_rebuild:gsub('"status": "stopped"', '"status": "running"'))
  local SNAP = REBUILT .. "2018-12-21-14-05-33"

  it("sends POST .../vm/rebuild {uuid, replica_uuid} and updates the VM in place (stopped)", function()
    local f, vm = with_vm(RUNNING, helper.answer(docs.vm_rebuild))
    assert.equal(vm, assert(vm:rebuild(SNAP)))
    helper.expect(f, 2, { "POST", "/v1/cyc01/user-resource/vm/rebuild", form = { uuid = REBUILT, replica_uuid = SNAP } })
    assert.equal("stopped", vm.status)
  end)

  it("takes a replica object", function()
    local f, r, vm = with_replica(helper.answer(docs.vm_get))
    assert.equal(vm, assert(vm:rebuild(r)))
    helper.expect(f, 3, { "POST", "/v1/cyc01/user-resource/vm/rebuild", form = { uuid = UUID, replica_uuid = REPLICA } })
  end)

  it("refuses what is not a replica or its uuid, sending nothing", function()
    local f, vm = with_vm(RUNNING)
    for _, bad in ipairs { "", 5, {}, true } do
      helper.refuses(f, function() return vm:rebuild(bad) end)
    end
    helper.refuses(f, function() return vm:rebuild() end)
  end)
end)

describe("replica objects", function()
  it("delete sends DELETE .../vm/replica {replica_uuid} and answers true", function()
    local f, r = with_replica(helper.answer(docs.success))
    assert.is_true(r:delete())
    helper.expect(f, 3, { "DELETE", PATH, form = { replica_uuid = REPLICA } })
  end)

  it("convert sends PATCH .../vm/replica from its own type to the other and updates the type", function()
    local f, r = with_replica(helper.answer(AS_BACKUP))
    assert.equal(r, assert(r:convert()))
    helper.expect(f, 3, { "PATCH", PATH, form = { replica_uuid = REPLICA, from_type = "snapshot", to_type = "backup" } })
    assert.equal("backup", r.type)
  end)

  it("convert turns a backup into a snapshot by default", function()
    local f, vm = with_vm(docs.vm_get, helper.answer("[" .. AS_BACKUP .. "]"), helper.answer(LIST:match("^%[(.*)%]$")))
    local r = assert(vm:replicas { r_type = "backup" })[1]
    assert.equal("backup", r.type)
    assert.equal(r, assert(r:convert()))
    helper.expect(f, 3, { "PATCH", PATH, form = { replica_uuid = REPLICA, from_type = "backup", to_type = "snapshot" } })
    assert.equal("snapshot", r.type)
  end)

  it("convert sends the types it is given", function()
    local f, r = with_replica(helper.answer(AS_BACKUP))
    assert(r:convert { from_type = "snapshot", to_type = "backup" })
    helper.expect(f, 3, { "PATCH", PATH, form = { replica_uuid = REPLICA, from_type = "snapshot", to_type = "backup" } })
  end)

  it("convert refuses a conversion to the same type, unknown types and options, sending nothing", function()
    local f, r = with_replica()
    helper.refuses(f, function() return r:convert { to_type = "snapshot" } end, "to_type")
    helper.refuses(f, function() return r:convert { from_type = "backup", to_type = "backup" } end, "to_type")
    helper.refuses(f, function() return r:convert { to_type = "image" } end, "to_type")
    helper.refuses(f, function() return r:convert { from_type = "clone" } end, "from_type")
    helper.refuses(f, function() return r:convert { replica_uuid = "other" } end, "replica_uuid")
    helper.refuses(f, function() return r:convert "backup" end)
    assert.equal("snapshot", r.type)
  end)
end)
