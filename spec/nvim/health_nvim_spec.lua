-- :checkhealth idcloudhost, run for real (Neovim finds lua/idcloudhost/runtime/nvim/health.lua on the
-- runtimepath), and the example plugin's :IdchVms.
local helper = require "spec.helper"
local tools = require "spec.nvim.tools"

local function checkhealth(options)
  require("idcloudhost.runtime.nvim.health").options = options
  vim.cmd("silent checkhealth idcloudhost")
  local text = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), "\n")
  vim.cmd("bwipeout!")
  return text
end

describe(":checkhealth idcloudhost (" .. tools.mode .. " run)", function()
  before_each(function() helper.reset() end)

  it("reports the SDK, the core or the curl command, the key (never shown) and an answering base URL", function()
    local key = "health-" .. tostring(vim.loop.hrtime())
    local saved = helper.sim("GET", "config").apikeys
    helper.config { apikeys = { key, unpack(saved) } }
    local text = checkhealth { apikey = key, base_url = helper.URL }
    helper.config { apikeys = saved }
    assert.matches("## idcloudhost", text, 1, true)
    assert.matches("OK: SDK version " .. require "idcloudhost.version", text, 1, true)
    if tools.mode == "core" then
      assert.matches("OK: C core loaded for LuaJIT", text, 1, true)
    else
      assert.matches("WARNING: C core not loaded", text, 1, true)
      assert.truthy(text:find("OK: curl command [^\n]*curl %d"), text)
    end
    assert.matches("OK: api key configured (in the plugin's options)", text, 1, true)
    assert.matches("OK: " .. helper.URL .. " answers: 2 locations (cyc01, bus02)", text, 1, true)
    assert.is_nil(text:find(key, 1, true))
    assert.is_nil(text:find("ERROR", 1, true))
  end)

  it("says when no key is configured, and when the base URL does not answer", function()
    local saved = vim.env.IDCLOUDHOST_API_KEY
    vim.env.IDCLOUDHOST_API_KEY = nil
    local text = checkhealth { base_url = helper.URL }
    vim.env.IDCLOUDHOST_API_KEY = saved
    assert.matches("WARNING: no api key configured", text, 1, true)

    text = checkhealth { apikey = "some-key", base_url = "http://127.0.0.1:1" }
    assert.truthy(text:find("ERROR: http://127.0.0.1:1 does not answer GET /v1/config/locations: [^\n]*COULDNT_CONNECT"), text)
    assert.is_nil(text:find("some-key", 1, true))
  end)
end)

describe(":checkhealth idcloudhost, what goes wrong (" .. tools.mode .. " run)", function()
  before_each(function() helper.reset() end)

  it("says a key with a space is not valid (not that none is configured), without showing it", function()
    local text = checkhealth { apikey = "has a space", base_url = helper.URL }
    assert.matches("ERROR: the api key is not valid", text, 1, true)
    assert.is_nil(text:find("no api key configured", 1, true))
    assert.is_nil(text:find("has a space", 1, true))
    local saved = vim.env.IDCLOUDHOST_API_KEY
    vim.env.IDCLOUDHOST_API_KEY = "env key"
    text = checkhealth { base_url = helper.URL }
    vim.env.IDCLOUDHOST_API_KEY = saved
    assert.matches("ERROR: the api key is not valid", text, 1, true)
    assert.is_nil(text:find("env key", 1, true))
  end)

  it("without curl on $PATH, says what sends the requests, or that nothing can", function()
    local path = vim.env.PATH
    vim.env.PATH = "/nonexistent"
    local text = checkhealth { apikey = helper.KEY, base_url = helper.URL }
    vim.env.PATH = path
    if tools.mode == "core" then
      assert.matches("no curl command on $PATH (not needed", text, 1, true)
      assert.matches("calls go through the C core", text, 1, true)
    else
      assert.matches("ERROR: no curl command on $PATH and no C core", text, 1, true)
      assert.is_nil(text:find("calls go through", 1, true))
    end
  end)

  it("gives the first line of why the core did not load, with no dangling 'not found:'", function()
    local loaded, preload = package.loaded["idcloudhost.core"], package.preload["idcloudhost.core"]
    local native = package.loaded["idcloudhost.native"] -- (the SDK's one probe: asked afresh)
    package.loaded["idcloudhost.core"], package.loaded["idcloudhost.native"] = nil, nil
    package.preload["idcloudhost.core"] = function()
      error("module 'idcloudhost.core' not found:\n\tno field package.preload['idcloudhost.core']\n\tno file 'x.so'", 0)
    end
    local text = checkhealth { apikey = helper.KEY, base_url = helper.URL }
    package.loaded["idcloudhost.core"], package.preload["idcloudhost.core"] = loaded, preload
    package.loaded["idcloudhost.native"] = native
    local line = text:match("WARNING: C core not loaded[^\n]*")
    assert.is_string(line, text)
    assert.matches("module 'idcloudhost.core' not found$", line)
    assert.matches("make nvim", text, 1, true)
  end)
end)

describe(":IdchVms, the example plugin (" .. tools.mode .. " run)", function()
  local plugin

  setup(function()
    vim.cmd("runtime plugin/idcloudhost_vms.lua")
    plugin = require "idcloudhost_vms"
  end)

  before_each(function()
    helper.reset()
    helper.config { latency = 0.01 }
  end)

  it("lists every VM of every location into a scratch buffer, without blocking, with progress", function()
    local client = helper.client { blocking = true }
    for i, slug in ipairs { "cyc01", "cyc01", "bus02" } do
      local at = assert(client:at(slug))
      assert(at.vms:create(helper.billed_vm_params { name = "vm-" .. i }))
    end
    plugin.setup { apikey = helper.KEY, base_url = helper.URL }
    helper.fault { path = "/v1/user-resource/vm/list", method = "GET", kind = "stall", seconds = 0.5, count = 2 }
    local echo, echoed = vim.api.nvim_echo, {}
    vim.api.nvim_echo = function(chunks) echoed[#echoed + 1] = chunks[1][1] end
    local t0 = tools.now()
    vim.cmd("IdchVms")
    local returned = tools.now() - t0
    local buf
    vim.wait(5000, function()
      buf = vim.fn.bufnr("idcloudhost://vms")
      return buf > 0 and vim.api.nvim_buf_get_lines(buf, 0, 1, false)[1]:find("^LOCATION") ~= nil
    end, 10)
    vim.api.nvim_echo = echo
    assert.is_true(returned < 0.2, ":IdchVms blocked for " .. returned .. " s")
    assert.is_true(buf > 0, "no buffer idcloudhost://vms")
    local lines = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
    assert.matches("^LOCATION", lines[1])
    local seen = {}
    for _, l in ipairs(lines) do
      local loc, name = l:match("^(%S+)%s+%x+%-[%x-]+%s+(vm%-%d)%s")
      if loc then seen[name] = loc end
    end
    assert.same({ ["vm-1"] = "cyc01", ["vm-2"] = "cyc01", ["vm-3"] = "bus02" }, seen)
    assert.equal("nofile", vim.api.nvim_buf_get_option(buf, "buftype"))
    assert.is_false(vim.api.nvim_buf_get_option(buf, "modifiable"))
    assert.matches("listing the VMs", echoed[1], 1, true)
    assert.truthy(vim.tbl_contains(echoed, "idcloudhost: 2/2 locations (bus02: 1 VMs)")
      or vim.tbl_contains(echoed, "idcloudhost: 2/2 locations (cyc01: 2 VMs)"))
    assert.matches("^idcloudhost: 3 VMs in 2 locations", echoed[#echoed])
    vim.cmd("bwipeout! " .. buf)
  end)

  it("cancels the listing when its buffer is wiped", function()
    plugin.setup { apikey = helper.KEY, base_url = helper.URL }
    helper.fault { path = "/v1/config/locations", method = "GET", kind = "stall", seconds = 3 }
    local notify, seen = vim.notify, {}
    local echo = vim.api.nvim_echo
    vim.notify = function(msg) seen[#seen + 1] = msg end
    vim.api.nvim_echo = function() end
    vim.cmd("IdchVms")
    vim.wait(2000, function() return require("idcloudhost.runtime.nvim.async").status().flying > 0 end, 5)
    vim.cmd("bwipeout! idcloudhost://vms")
    vim.wait(200)
    vim.notify, vim.api.nvim_echo = notify, echo
    assert.same({ "idcloudhost: listing cancelled" }, seen)
    assert.equal(0, require("idcloudhost.runtime.nvim.async").status().live)
  end)

  it("loads no module of the SDK at start-up or at setup(), only at the first :IdchVms", function()
    local root = vim.fn.getcwd()
    local status, out = tools.nvim([[
      vim.opt.runtimepath:append(]] .. string.format("%q", root) .. [[)
      vim.opt.runtimepath:append(]] .. string.format("%q", root .. "/examples/nvim") .. [[)
      vim.cmd("runtime plugin/idcloudhost_vms.lua")
      local function sdk()
        local n = 0
        for name in pairs(package.loaded) do
          if name == "idcloudhost" or (name:find("^idcloudhost%.") and not name:find("health$")) then n = n + 1 end
        end
        return n
      end
      local at_start = sdk()
      require("idcloudhost_vms").setup { apikey = "demo-key", base_url = os.getenv("IDCLOUDHOST_SIM_URL") }
      local at_setup = sdk()
      vim.cmd("IdchVms")
      io.stdout:write("start=", at_start, " setup=", at_setup, " used=", sdk(), "\n")
      vim.cmd("qa!")
    ]], { LUA_PATH = false, LUA_CPATH = false })
    assert.equal(0, status, out)
    assert.matches("start=0 setup=0 used=%d+", out)
    assert.is_nil(out:find("used=0", 1, true))
  end)
end)
