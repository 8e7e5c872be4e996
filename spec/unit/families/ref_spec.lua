-- client.<family>:ref(id): an object holding only its key, without a request.
local mh = require "spec.mutate.helper"

local UUID = mh.UUID
local clock = mh.clock()
before_each(clock.install)
after_each(clock.restore)

describe("collection:ref", function()
  it("client.vms:ref(uuid):stop{force = true} is one request, for that VM", function() -- ref-no-fetch, ref-key
    local s = mh.scripted(clock, { { status = 200, body = mh.vm_json("stopped") } })
    local c = s.client()
    local vm = assert(c.vms:ref(UUID))
    assert.same({ uuid = UUID }, (function() local t = {} for k, v in pairs(vm) do t[k] = v end return t end)())
    assert.equal(0, #s.requests)
    assert.equal(vm, assert(vm:stop { force = true }))
    assert.equal(1, #s.requests)
    assert.equal("POST", s.requests[1].method)
    assert.matches("/vm/stop$", s.requests[1].url)
    local form = mh.form(s.requests[1].body)
    assert.equal(UUID, form.uuid)
    assert.equal("true", form.force)
    assert.equal("stopped", vm.status) -- the answer filled it in
  end)

  it("vm:reload() fills a ref in with one GET", function()
    local s = mh.scripted(clock, { { status = 200, body = mh.vm_json("running") } })
    local vm = assert(s.client().vms:ref(UUID))
    assert.is_nil(vm.status)
    assert.equal(vm, assert(vm:reload()))
    assert.equal("running", vm.status)
    assert.equal("web-1", vm.name)
    assert.equal(1, #s.requests)
    assert.equal("GET", s.requests[1].method)
    assert.equal(UUID, mh.form(s.requests[1].url:match("%?(.*)$")).uuid)
  end)

  it("checks the key as calls do, and works for every family with a model", function() -- ref-check
    local s = mh.scripted(clock, {})
    local c = s.client()
    for _, bad in ipairs { "not-a-uuid", "", 42 } do
      local vm, err = c.vms:ref(bad)
      assert.is_nil(vm)
      assert.equal("invalid", err.kind)
      assert.equal("uuid", err.field)
    end
    assert.equal(UUID, c.networks:ref(UUID).uuid)
    assert.equal(7, c.cards:ref(7).id)
    assert.equal(0, #s.requests)
  end)
end)
