-- One answer, one result (issue 28, items 11 and 12): the answers of spec/hostile/same.lua
-- through the curl command transport give what the C core (make hostile) and the ngx transport
-- (make test-nginx) give for the same bytes.
local options = require "idcloudhost.options"
local spawn = require "idcloudhost.transport.spawn"
local raw = require "spec.nvim.rawserver"
local tools = require "spec.nvim.tools"

local same = dofile("spec/hostile/same.lua")
local BODY = '[{"uuid":"x"}]'

local function transport()
  local c = {}
  for k, v in pairs(options.DEFAULTS) do c[k] = v end
  return assert(spawn.new(c))
end

describe("the curl command meets the answers every transport reads alike (" .. tools.mode .. " run)", function()
  local server

  setup(function()
    server = raw.start(function(head)
      local sc = same.byname[head:match("^GET /same_([%w_]+) ") or ""]
      return sc and sc.answer(BODY) or "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
    end)
  end)
  teardown(function() server.stop() end)

  for _, sc in ipairs(same.list) do
    it(sc.name .. " -> " .. sc.want, function()
      local res, msg, name = transport():request {
        method = "GET", url = "http://127.0.0.1:" .. server.port .. "/same_" .. sc.name, timeout = 5 }
      if sc.want == "ok" then
        assert.is_table(res, msg)
        assert.equal(200, res.status)
        assert.equal(BODY, res.body)
      else
        assert.is_nil(res, sc.name .. " was taken as an answer")
        assert.equal(sc.want, name, msg)
      end
    end)
  end
end)
