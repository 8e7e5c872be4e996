-- Start-up is parsing Lua: `require "idcloudhost"` + new + client.vms load only what they use
-- (idcloudhost.lazy), the rest loads at its first use, and nothing changes for the caller.
local UUID = "f80b1d62-ffe4-43ef-9210-60f05445456a"

-- A fresh SDK in this Lua state (the C core stays: a C module is not loaded twice).
local function fresh()
  for name in pairs(package.loaded) do
    if (name:find("^idcloudhost") and name ~= "idcloudhost.core") or name == "spec.helper" then
      package.loaded[name] = nil
    end
  end
  return require "idcloudhost"
end

local LATER = { "idcloudhost.call.pipeline", "idcloudhost.json", "idcloudhost.call.errors", "idcloudhost.call.check",
  "idcloudhost.transport", "idcloudhost.runtime", "idcloudhost.runtime.sched", "idcloudhost.call.encode",
  "idcloudhost.families.vm_storage", "idcloudhost.families.disks", "idcloudhost.families.replicas",
  "idcloudhost.families.vm_actions", "idcloudhost.profile" }

-- IDCLOUDHOST_STRICT=1 loads everything at require: then nothing here is lazy.
local describe_lazy = require("idcloudhost.lazy").strict and pending or insulate
describe_lazy("idcloudhost, loaded afresh", function()
  it("makes a client and its vms without the request path, JSON or the VM's storage", function()
    local idcloudhost = fresh()
    local client = assert(idcloudhost.new { apikey = "secret-key-123", base_url = "http://127.0.0.1:9" })
    assert.is_table(client.vms)
    for _, name in ipairs(LATER) do assert.is_nil(package.loaded[name], name .. " is loaded") end
  end)

  it("loads them at the first call, and a VM has every method from its first answer on", function()
    fresh()
    local helper = require "spec.helper"
    -- The first VM answer ever builds the strip of fields named like methods: the storage
    -- methods (add_disk, replicas) must be known by then, or these fields would hide them.
    -- (and the actions, vm_actions.lua: stop, resize) -- res-extend-list
    local f = helper.fake { helper.answer(('{"uuid": "%s", "status": "running", "add_disk": "x", "replicas": 3, '
      .. '"stop": "x", "resize": 1}'):format(UUID)) }
    local vm = assert(f.client { location = "cyc01" }.vms:get(UUID))
    assert.equal("function", type(vm.add_disk))
    assert.equal("function", type(vm.replicas))
    assert.equal("function", type(vm.stop))
    assert.equal("function", type(vm.resize))
    assert.is_nil(rawget(vm, "add_disk"))
    assert.is_nil(rawget(vm, "stop"))
    assert.equal("running", vm.status)
    assert.is_table(package.loaded["idcloudhost.call.pipeline"])
  end)

  it("keeps idcloudhost.json the module itself, and its helpers working before it loads", function()
    local idcloudhost = fresh()
    assert.is_true(idcloudhost.is_uuid(UUID))
    assert.is_false(idcloudhost.is_error({}))
    local a = idcloudhost.array()
    assert.equal(require "idcloudhost.json", idcloudhost.json)
    assert.is_true(idcloudhost.json.is_array(a))
    assert.equal("[]", idcloudhost.json.encode(a))
  end)
end)
