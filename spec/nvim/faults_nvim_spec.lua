-- Issue 28 in Neovim: an idcloudhost.async task that raises a value whose __tostring fails still
-- ends, with on_done called exactly once (the driver used to notify "the scheduler failed" and
-- never call it).  No simulator needed.
local idcloudhost = require "idcloudhost"
local nvim = require "idcloudhost.runtime.nvim.async"

local RAISES = setmetatable({}, { __tostring = function() error("__tostring raised") end })
local TABLE = setmetatable({}, { __tostring = function() return {} end })

describe("vim.inspect(client)", function()
  it("shows no api key, after calls and with families loaded", function()
    local key = "secret-key-123"
    local client = assert(idcloudhost.new { apikey = key, base_url = "http://127.0.0.1:9",
      on_request = function() end, transport = function() return { status = 200, body = "{}" } end,
      blocking = true }) -- (a test on the main loop, outside a task)
    assert(client:request("GET", "/v1/x"))
    local _, _ = client.vms, client:at("bus02")
    assert.is_nil(vim.inspect(client):find(key, 1, true))
  end)
end)

describe("idcloudhost.async and values that cannot be printed", function()
  for n, bad in ipairs { RAISES, TABLE } do
    it("a task raising one calls on_done once, with an error value (" .. n .. ")", function()
      local calls = {}
      assert(idcloudhost.async(function() error(bad) end, function(...)
        calls[#calls + 1] = { n = select("#", ...), ... }
      end))
      vim.wait(2000, function() return #calls > 0 end, 10)
      vim.wait(100, function() return false end, 10) -- a second call would come by now
      assert.equal(1, #calls)
      assert.is_false(calls[1][1])
      assert.equal("error", calls[1][2].kind)
      assert.matches("its __tostring", calls[1][2].message, 1, true)
      assert.equal(0, nvim.status().live)
    end)

    it("a batch inside a task with an item raising one keeps the other results (" .. n .. ")", function()
      local client = assert(idcloudhost.new { apikey = "secret-key-123", base_url = "http://127.0.0.1:9",
        transport = function() return { status = 200, body = '{"ok":true}' } end })
      local done
      assert(idcloudhost.async(function()
        return client:batch({ 1, 2 }, function(i, c)
          if i == 1 then error(bad) end
          return c:request("GET", "/v1/x")
        end)
      end, function(...) done = { n = select("#", ...), ... } end))
      vim.wait(2000, function() return done ~= nil end, 10)
      assert.is_true(done[1])
      assert.equal("error", done[2][1].err.kind)
      assert.is_true(done[2][2].ok)
    end)
  end
end)
