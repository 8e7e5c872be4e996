-- JSON inside Neovim without lua-cjson (Neovim does not ship it to plugins) and without the C
-- core: json.lua must fall back on vim.json and give what every other backend gives: nulls,
-- integers, empty arrays.  spec/nvim/run.lua runs this file alone, in the "nocjson" mode, where
-- both are hidden; then every request goes through the curl command.
local loaded, json = pcall(require, "idcloudhost.json")

describe("JSON on vim.json (core and cjson hidden)", function()
  -- json.lua that needs cjson cannot load here at all, and with it nothing of the SDK does.
  local function ready()
    if loaded then return true end
    assert.matches("cjson", tostring(json), 1, true) -- any other failure is a failure
    pending("json.lua has no vim.json backend yet: " .. tostring(json):match("[^\n]*"))
  end

  it("loads json.lua on vim.json", function()
    if not ready() then return end
    assert.is_false(pcall(require, "cjson"))
    assert.equal("vim.json", json.backend)
  end)

  it("decodes nulls, integers and empty arrays as the other backends do", function()
    if not ready() then return end
    local v = assert(json.decode('{"a": null, "list": [1, null, 3], "n": 2048, "neg": -7, "f": 0.5,'
      .. ' "e": 1e2, "empty": [], "obj": {}, "nested": {"deep": []}}'))
    assert.is_nil(v.a)
    assert.equal(3, #v.list)
    assert.equal(json.null, v.list[2])
    assert.equal(2048, v.n)
    assert.equal("2048", tostring(v.n))
    assert.equal("-7", tostring(v.neg))
    assert.equal(0.5, v.f)
    assert.equal(100, v.e)
    assert.is_true(json.is_array(v.empty))
    assert.is_true(json.is_array(v.list))
    assert.is_false(json.is_array(v.obj))
    assert.is_true(json.is_array(v.nested.deep))
    assert.equal(json.null, json.decode("null"))
    local text = assert(json.encode { empty = v.empty, obj = v.obj, n = v.n, list = v.list })
    for _, part in ipairs { '"empty":[]', '"obj":{}', '"n":2048', '"list":[1,null,3]' } do
      assert.matches(part, text, 1, true)
    end
  end)

  it("refuses malformed text with a message, never a value (NaN and Infinity are not JSON)", function()
    if not ready() then return end
    for _, text in ipairs { "", "{", "[1,]", "nul", '{"a":}', "NaN", '{"vcpu": NaN}', "[Infinity]", "-Infinity" } do
      local v, err = json.decode(text)
      assert.is_nil(v, text)
      assert.is_string(err, text)
    end
  end)

  it("carries the SDK end to end on the curl command: nulls, integers and [] in real answers", function()
    if not ready() then return end
    -- Not spec/helper.lua: it may load lua-cjson itself (a test's helper, not the SDK).
    local idcloudhost = require "idcloudhost"
    local url = assert(os.getenv("IDCLOUDHOST_SIM_URL"), "run with scripts/with-sim.sh")
    local sim = require("idcloudhost.simulator").connect(url)
    local has_core = pcall(require, "idcloudhost.core")
    assert.is_false(has_core)
    sim:reset()
    local client = assert(idcloudhost.new { apikey = "demo-key", base_url = url, blocking = true })
    local none = assert(client.vms:list())
    assert.is_true(json.is_array(none))
    assert.equal(0, #none)
    local vm = assert(client.vms:create { name = "web-1", os_name = "ubuntu", os_version = "22.04",
      disks = 20, vcpu = 2, ram = 2048, username = "ubuntu", password = "S3cret-pass", billing_account_id = 6 })
    local got = assert(client.vms:get(vm.uuid))
    assert.is_nil(got.hypervisor_id)            -- null in the answer
    assert.equal("2", tostring(got.vcpu))       -- an integer, never "2.0"
    assert.is_true(json.is_array(got.storage[1].replica)) -- []
    assert(got:stop { force = true })
    local ram = got.memory + 1024
    assert(got:update { vcpu = got.vcpu, ram = ram })
    local entry
    for _, e in ipairs(sim:log()) do
      if e.method == "PATCH" then entry = e end
    end
    assert.equal(tostring(ram), tostring(entry.params.ram))
    assert.is_nil(entry.body:find("%.0"))       -- no float text went out
  end)
end)
