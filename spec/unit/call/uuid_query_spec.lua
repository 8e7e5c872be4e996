-- The query of a call whose one parameter is a required UUID (vms:get) is written without the
-- form encoder (call/endpoint.lua, ep.uuid_query): the checked UUID, in lower case; every other
-- query still goes through the encoder, escaped.
local idcloudhost = require "idcloudhost"

local UUID = "5aea1842-895f-4bd3-8bd6-e37b2282fb46"

local function client_seeing(urls, body)
  return assert(idcloudhost.new { apikey = "k", base_url = "http://127.0.0.1:9", retries = 0,
    transport = function(req)
      urls[#urls + 1] = req.url
      return { status = 200, headers = {}, body = body }
    end })
end

describe("a query of one UUID", function()
  it("is the checked UUID, in lower case, under its parameter's name", function()
    local urls = {}
    local c = client_seeing(urls, '{"uuid": "' .. UUID .. '", "name": "web"}')
    assert(c.vms:get(UUID:upper()))
    assert.equal("http://127.0.0.1:9/v1/user-resource/vm?uuid=" .. UUID, urls[1])
  end)

  it("is the only one written so: a name in the query is escaped", function() -- pipe-uuid-query-only
    local urls = {}
    local c = client_seeing(urls, '{"uuid": "' .. UUID .. '", "name": "a b&c=d"}')
    assert(c.networks:create { name = "a b&c=d" })
    assert.equal("http://127.0.0.1:9/v1/network/network?name=a%20b%26c%3Dd", urls[1])
  end)
end)
