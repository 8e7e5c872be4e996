-- Locations on a scripted transport: client.locations and location objects (endpoint 7 of
-- docs/endpoints.md).
local helper = require "spec.helper"
local docs = require "spec.fixtures.unit_docs"

describe("client.locations", function()
  it("list sends GET /v1/config/locations, without the client's slug, and answers location objects", function()
    local f = helper.fake { helper.answer(docs.locations) }
    local locs = assert(f.client { location = "bus02" }.locations:list())
    helper.expect(f, 1, { "GET", "/v1/config/locations" })
    assert.equal(2, #locs)
    assert.equal("cyc01", locs[1].slug)
    assert.equal("Cycletown", locs[1].display_name)
    assert.is_true(locs[1].is_default)
    assert.is_true(locs[2].is_preferred)
    assert.equal("est", locs[2].country_code)
    assert.equal('location cyc01 "Cycletown" (default)', tostring(locs[1]))
    assert.equal('location bus02 "Busburg"', tostring(locs[2]))
  end)

  it("location:client() is a client of that location", function()
    local f = helper.fake { helper.answer(docs.locations), helper.answer("[]") }
    local locs = assert(f.client { location = "cyc01" }.locations:list())
    local bus = assert(locs[2]:client())
    assert.equal("bus02", bus.location)
    assert(bus.vms:list())
    helper.expect(f, 2, { "GET", "/v1/bus02/user-resource/vm/list" })
  end)
end)
