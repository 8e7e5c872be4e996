-- Section (b) of endpoints-2025.md: the answers of the first 100 endpoints that the 2025-12 text
-- changes (new fields, an object where a success was, an error example become a real answer),
-- each read by the SDK from the 2025-12 docs' own example (spec/fixtures/doc_examples_2025.lua)
-- on a scripted transport: the call succeeds, and the changed fields read through.
local cjson = require "cjson"
local helper = require "spec.helper"
local resource = require "idcloudhost.families.kit.resource"

local EXAMPLES = {}
for _, e in ipairs(require "spec.fixtures.doc_examples_2025") do
  if e.normalized or e.json then EXAMPLES[e.endpoint] = e.normalized or e.json end
end

local VM = "5052bf02-044a-4d35-a803-d6b156f84beb"
local NET = "4e5eadd3-8b11-4c34-812a-2cf97120b628"
local DISK = "cef3a629-89b0-40ec-986b-4b6e831f9b64"

-- Objects made as answers make them, without a request.
local function objects(c)
  local function wrap(mod, data) return resource.wrap(require("idcloudhost.families." .. mod).model, c, data) end
  return {
    vm = wrap("vms", { uuid = VM, name = "web-1" }),
    disk = wrap("disks", { uuid = DISK, size_gb = 20 }),
    net = wrap("networks", { uuid = NET, name = "n" }),
    ip = wrap("floating_ips", { address = "103.151.0.2", name = "ip" }),
    bucket = wrap("buckets", { name = "bucket-one" }),
    ba = wrap("billing_accounts", { id = 130079 }),
    card = wrap("cards", { id = 5 }),
  }
end

-- n: the endpoint's row; example: the 2025-12 example answered; call(c, o); check(result, o).
local CASES = {
  { n = 9, example = "GET /v1/user-resource/vm", call = function(c) return c.vms:get(VM) end,
    check = function(vm) assert.equal("WINDOWS", vm.license_type) end },
  { n = 11, example = "PATCH /v1/user-resource/vm", call = function(_, o) return o.vm:update { name = "x" } end,
    check = function(ok, o) assert.is_true(ok); assert.is_true(o.vm.backup ~= nil) end }, -- the VM, read in place
  { n = 12, example = "POST /v1/user-resource/vm", call = function(c)
      return c.vms:create { name = "w", disks = 20, vcpu = 1, ram = 1024, username = "u", password = "Secret-pass-1",
        billing_account_id = 6 }
    end, check = function(vm) assert.is_string(vm.designated_pool_name) end },
  { n = 24, example = "POST /v1/user-resource/vm/replica", call = function(_, o) return o.vm:snapshot() end },
  { n = 31, example = "POST /v1/storage/disks", call = function(c)
      return c.disks:create { size_gb = 20, billing_account_id = 6, display_name = "DB data" }
    end, check = function(d) assert.is_string(d.storage_pool_uuid) end },
  { n = 32, example = "GET /v1/storage/disks/{}", call = function(c) return c.disks:get(DISK) end,
    check = function(d)
      assert.is_string(d.display_name)
      for _, s in ipairs(d.snapshots) do assert.equal(s.size_gb, s.sizeGb); assert.is_number(s.size_gb) end
    end },
  { n = 33, example = "GET /v1/storage/disks", call = function(c) return c.disks:list { read_only_bootable = false } end,
    check = function(list) for _, s in ipairs(list[1].snapshots or {}) do assert.is_number(s.sizeGb) end end },
  { n = 34, example = "PATCH /v1/storage/disks/{}", call = function(_, o) return o.disk:update { display_name = "x" } end,
    check = function(d) assert.equal("Web server backup", d.display_name) end },
  { n = 39, example = "PUT /v1/storage/bucket", call = function(c) return c.buckets:create { name = "bucket-one",
      billing_account_id = 6 } end, check = function(b) assert.is_false(b.is_suspended) end },
  { n = 40, example = "PATCH /v1/storage/bucket", call = function(_, o) return o.bucket:update { billing_account_id = 6 } end },
  { n = 42, example = "GET /v1/storage/bucket", call = function(c) return c.buckets:get("bucket-one") end,
    check = function(b) assert.is_false(b.is_suspended) end },
  { n = 43, example = "GET /v1/storage/bucket/list", call = function(c) return c.buckets:list() end },
  { n = 48, example = "GET /v1/network/network/{}", call = function(c) return c.networks:get(NET) end,
    check = function(n) assert.is_not_nil(n.subnet_ipv6) end },
  { n = 49, example = "GET /v1/network/networks", call = function(c) return c.networks:list() end },
  { n = 50, example = "POST /v1/network/network", call = function(c) return c.networks:create { name = "n" } end },
  { n = 52, example = "PUT /v1/network/network/{}/default", call = function(_, o) return o.net:make_default() end },
  { n = 53, example = "PATCH /v1/network/network/{}", call = function(_, o) return o.net:rename("n2") end },
  { n = 54, example = "POST /v1/network/ip_addresses", call = function(c) return c.floating_ips:create {
      billing_account_id = 6 } end, check = function(ip) assert.is_false(ip.is_deleted); assert.is_false(ip.is_virtual) end },
  { n = 55, example = "GET /v1/network/ip_addresses", call = function(c) return c.floating_ips:list() end,
    check = function(list)
      local kinds = {}
      for _, ip in ipairs(list) do kinds[tostring(ip.assigned_to_resource_type)] = true end
      assert.is_true(kinds.service or kinds.virtual_machine)
    end },
  { n = 56, example = "GET /v1/network/ip_addresses/{}", call = function(c) return c.floating_ips:get("103.151.0.2") end },
  { n = 57, example = "PATCH /v1/network/ip_addresses/{}", call = function(_, o) return o.ip:update { name = "x" } end },
  { n = 59, example = "POST /v1/network/ip_addresses/{}/assign", call = function(_, o) return o.ip:assign(VM) end,
    check = function(ip) assert.equal("service", ip.assigned_to_resource_type) end },
  { n = 60, example = "POST /v1/network/ip_addresses/{}/unassign", call = function(_, o) return o.ip:unassign() end,
    check = function(ip) assert.is_not_nil(ip.unassigned_at) end },
  { n = 78, example = "GET /v1/payment/billing_account", call = function(c) return c.billing_accounts:get(130079) end,
    check = function(ba) assert.is_false(ba.allow_debt) end },
  { n = 81, example = "GET /v1/payment/billing_account/list", call = function(c) return c.billing_accounts:list() end,
    check = function(list) assert.equal(1, #list) end },
  { n = 85, example = "DELETE /v1/payment/card", call = function(_, o) return o.card:delete() end,
    check = function(ok) assert.is_true(ok) end },
  { n = 93, example = "GET /v1/payment/invoice", call = function(c) return c.invoices:get(1) end,
    check = function(inv) assert.matches('"location_slug":"tll"', cjson.encode(inv), 1, true) end },
  { n = 94, example = "GET /v1/payment/invoice/list", call = function(_, o) return o.ba:invoices() end },
}

describe("the 2025-12 answers of the first 100 endpoints", function()
  for _, case in ipairs(CASES) do
    it("#" .. case.n .. " reads " .. case.example .. "'s example", function()
      local text = assert(EXAMPLES[case.example], "no 2025-12 example for " .. case.example)
      local f, c = helper.scripted(helper.answer(text))
      local o = objects(c)
      local res, err = case.call(c, o)
      assert.is_nil(err, err and tostring(err))
      assert.is_not_nil(res)
      assert.equal(1, #f.requests)
      if case.check then case.check(res, o) end
    end)
  end

  it("#79 reads the account an update answers (no more an error example)", function()
    local text = EXAMPLES["PUT /v1/payment/billing_account"]
    local ba = cjson.decode(EXAMPLES["GET /v1/payment/billing_account"])
    local f, c = helper.scripted(helper.answer(cjson.encode(ba)), helper.answer(text))
    local o = objects(c)
    local res = assert(o.ba:update { title = "new title" })
    assert.equal(o.ba, res)
    assert.equal(2, #f.requests)
    assert.equal("PUT", helper.sent(f, 2).method)
  end)
end)
