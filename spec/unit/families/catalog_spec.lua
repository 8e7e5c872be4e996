-- What can be created, on a scripted transport: client.catalog (endpoints 71-74 of
-- docs/endpoints.md).  Plain tables, no location.
local helper = require "spec.helper"
local docs = require "spec.fixtures.unit_docs"

local client = helper.scripted -- (f, a client on cyc01)

describe("client.catalog", function()
  it("vm_parameters sends GET /v1/api/parameters/vm and answers the constraints", function()
    local f, c = client(helper.answer(docs.vm_parameters))
    local params = assert(c.catalog:vm_parameters())
    helper.expect(f, 1, { "GET", "/v1/api/parameters/vm" })
    assert.equal(8, #params)
    assert.equal("disks", params[1].parameter)
    assert.equal(20, params[1].min)
    assert.equal(240, params[1].max)
    assert.same({ "centos", "ubuntu", "windows", "debian" }, params[3].values)
    assert.equal("os_name", params[4].limited_by)
    assert.same({ "16.04" }, params[4].limits[2].values)
    assert.equal("^(?=.*[a-z])(?=.*[A-Z])(?=.*\\d).{8,}$", params[5].expression)
  end)

  it("images sends GET /v1/config/vm_images and answers the images with their versions", function()
    local f, c = client(helper.answer(docs.vm_images))
    local images = assert(c.catalog:images())
    helper.expect(f, 1, { "GET", "/v1/config/vm_images" })
    assert.equal(2, #images)
    assert.equal("almalinux", images[1].os_name)
    assert.is_true(images[2].is_app_catalog)
    assert.equal("7.6", images[2].versions[2].os_version)
  end)

  it("plain_os_images sends GET /v1/config/vm_images/plain_os", function()
    local f, c = client(helper.answer(docs.plain_os))
    local images = assert(c.catalog:plain_os_images())
    helper.expect(f, 1, { "GET", "/v1/config/vm_images/plain_os" })
    assert.equal(1, #images)
    assert.is_false(images[1].is_app_catalog)
  end)

  it("app_catalog_images sends GET /v1/config/vm_images/app_catalog", function()
    local f, c = client(helper.answer(docs.app_catalog))
    local images = assert(c.catalog:app_catalog_images())
    helper.expect(f, 1, { "GET", "/v1/config/vm_images/app_catalog" })
    assert.equal("centos", images[1].os_name)
    assert.equal(3, #images[1].versions)
  end)
end)
