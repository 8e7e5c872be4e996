-- The bill of leftovers on a fake platform: what counts as a leftover, the price rule, the
-- totals per billing account, partial failures reported and never hidden, bad options.
local idcloudhost = require "idcloudhost"
local json = require "idcloudhost.json"
local leftovers = require "idcloudhost.ops.leftovers"

local KEY = "unit-test-key-77c1"
local A = json.array
local H = leftovers.HOURS_PER_MONTH

local function uuid(n)
  return string.format("%08x-0000-4000-8000-%012x", n, n)
end

-- The docs' policy: no entry for floating IPs or load balancers.
local POLICY = A {
  { policyId = 1001, price = 0.00521, resourceType = "CPU", serviceNameUserFriendly = "1 CPU" },
  { policyId = 1021, price = 3.42e-05, resourceType = "STORAGE", serviceNameInUptime = "backup" },
  { policyId = 1022, price = 0.0001, resourceType = "STORAGE", serviceNameInUptime = "snapshot" },
  { policyId = 1023, price = 0.0002, resourceType = "STORAGE", serviceNameInUptime = "main" },
  { policyId = 1040, price = 3.42e-05, resourceType = "OBJECT_STORAGE", serviceNameInUptime = "object_storage" },
}

-- A platform answering by method and path from `routes` (path without the query -> value, or
-- a function(req) -> status, value); records every request.
local function platform(routes)
  local p = { requests = {} }
  function p.transport(req)
    p.requests[#p.requests + 1] = req
    local path = req.url:match("^https://api%.example%.test([^?]*)")
    local route = routes[req.method .. " " .. path]
    if route == nil then return { status = 404, body = '{"message": "no route and no API found with those values"}' } end
    local status, value = 200, route
    if type(route) == "function" then status, value = route(req) end
    return { status = status, body = type(value) == "string" and value or json.encode(value), headers = {} }
  end
  function p.client(opts)
    local o = { apikey = KEY, base_url = "https://api.example.test", transport = p.transport, retries = 0 }
    for k, v in pairs(opts or {}) do o[k] = v end
    return assert(idcloudhost.new(o))
  end
  return p
end

local NOW = 1700000000 -- 2023-11-14 22:13:20 UTC

local function vm(n, status, updated_at, disks, ba)
  local storage = A {}
  for i, size in ipairs(disks) do storage[i] = { uuid = uuid(n * 100 + i), size = size, name = "vd" .. i } end
  return { uuid = uuid(n), name = "vm-" .. n, status = status, updated_at = updated_at, storage = storage,
    billing_account = ba or 6 }
end

local function base_routes()
  return {
    ["GET /v1/config/locations"] = A { { slug = "cyc01" }, { slug = "bus02" } },
    ["GET /v1/pricing/policy"] = { policy = POLICY },
    ["GET /v1/storage/bucket/list"] = A {
      { name = "empty-one", num_objects = 0, size_bytes = 0, billing_account_id = 7 },
      { name = "full-one", num_objects = 3, size_bytes = 3072, billing_account_id = 6 },
    },
    ["GET /v1/cyc01/user-resource/vm/list"] = A {
      vm(1, "running", "2023-11-01 00:00:00", { 20, 50 }),            -- disks 101, 102 attached
      vm(2, "stopped", "2023-11-14 21:13:20", { 40 }, 7),              -- stopped an hour before NOW
      vm(3, "Stopped", "2023-10-14 22:13:20", { 20, 10 }),             -- stopped 31 days before NOW
    },
    ["GET /v1/cyc01/storage/disks"] = A {
      { uuid = uuid(101), size_gb = 20, billing_account_id = 6, snapshots = A {} },
      { uuid = uuid(102), size_gb = 50, billing_account_id = 6, snapshots = A {} },
      { uuid = uuid(900), size_gb = 100, billing_account_id = 7,
        snapshots = A { { uuid = "s1", sizeGb = 100 }, { uuid = "s2", sizeGb = 30 } } },
    },
    ["GET /v1/cyc01/network/ip_addresses"] = A {
      { address = "103.151.0.2", name = "web", assigned_to = uuid(1), billing_account_id = 6 },
      { address = "103.151.0.3", name = "spare", billing_account_id = 6 },
      { address = "103.151.0.4", name = "lb-ip", assigned_to = uuid(500), billing_account_id = 6 },
      { address = "103.151.0.5", name = "parked", assigned_to = uuid(3), billing_account_id = 6 },
    },
    ["GET /v1/cyc01/network/load_balancers"] = A {
      { uuid = uuid(500), display_name = "idle", targets = A {}, billing_account_id = 6 },
      { uuid = uuid(501), display_name = "busy", targets = A { { target_uuid = uuid(1) } }, billing_account_id = 6 },
    },
    ["GET /v1/bus02/user-resource/vm/list"] = A {},
    ["GET /v1/bus02/storage/disks"] = A {},
    ["GET /v1/bus02/network/ip_addresses"] = A { { address = "103.152.0.9", name = "far", billing_account_id = 7 } },
    ["GET /v1/bus02/network/load_balancers"] = A {},
    ["GET /v1/cyc01/network/firewalls"] = A {},
    ["GET /v1/bus02/network/firewalls"] = A {},
    ["GET /v1/user-resource/service/packages"] = A {},
  }
end

local function find(report, kind, id)
  for _, it in ipairs(report.items) do
    if it.kind == kind and it.id == id then return it end
  end
end

local function near(a, b)
  assert.is_true(math.abs(a - b) < 1e-9, tostring(a) .. " ~= " .. tostring(b))
end

describe("client:leftovers", function()
  it("finds exactly what serves nothing, priced from the policy, totalled per billing account", function()
    local p = platform(base_routes())
    local report = assert(p.client():leftovers { now = NOW })
    assert.is_true(report.complete)
    local ids = {}
    for _, it in ipairs(report.items) do ids[#ids + 1] = it.kind .. " " .. tostring(it.id) end
    -- Sorted by billing account, location (global last), kind.
    assert.same({
      "floating_ip 103.151.0.3", "load_balancer " .. uuid(500),
      "floating_ip 103.152.0.9", "disk " .. uuid(900), "bucket empty-one",
    }, ids)
    local disk = find(report, "disk", uuid(900))
    near(disk.monthly, (100 * 0.0002 + 130 * 0.0001) * H) -- the disk and its snapshots
    assert.equal("cyc01", disk.location)
    assert.equal(7, disk.billing_account_id)
    assert.is_nil(find(report, "floating_ip", "103.151.0.3").monthly) -- the policy has no IP price
    local lb = find(report, "load_balancer", uuid(500))
    assert.same({ "103.151.0.4" }, lb.addresses)
    assert.is_nil(lb.monthly)
    assert.equal(0, find(report, "bucket", "empty-one").monthly)
    assert.is_nil(find(report, "bucket", "empty-one").location)
    assert.same({ billing_account_id = 6, items = 2, monthly = 0, hourly = 0, unpriced = 2 }, report.totals[1])
    assert.equal(7, report.totals[2].billing_account_id)
    assert.equal(3, report.totals[2].items)
    near(report.totals[2].monthly, disk.monthly)
    assert.equal(1, report.totals[2].unpriced)
  end)

  it("counts firewalls guarding nothing and services not running; never a running service", function()
    local routes = base_routes()
    routes["GET /v1/cyc01/network/firewalls"] = A {
      { uuid = uuid(700), display_name = "idle-fw", rules = A {}, resources_assigned = A {}, billing_account_id = 6 },
      { uuid = uuid(701), name = "busy-fw", rules = A {}, billing_account_id = 6,
        resources_assigned = A { { resource_type = "vm", resource_uuid = uuid(1) } } },
    }
    routes["GET /v1/user-resource/service/packages"] = A {
      -- running with no whitelist (open to all) and no way to see connections: not idle
      { uuid = uuid(800), display_name = "db-open", status = "active", billing_account_id = 6 },
      { uuid = uuid(801), display_name = "db-stopped", status = "stopped", billing_account_id = 7 },
      { uuid = uuid(802), display_name = "db-gone", status = "deleted", is_deleted = true, billing_account_id = 7 },
      { uuid = uuid(803), display_name = "db-new", status = "creating", billing_account_id = 7 },
    }
    local report = assert(platform(routes).client():leftovers { now = NOW })
    assert.is_true(report.complete)
    local fw = find(report, "firewall", uuid(700))
    assert.equal("guards no resource", fw.why)
    assert.equal("cyc01", fw.location)
    assert.is_nil(fw.monthly) -- the policy has no firewall price
    assert.is_nil(find(report, "firewall", uuid(701)))
    local svc = find(report, "service", uuid(801))
    assert.matches("not running", svc.why, 1, true)
    assert.is_nil(svc.location)
    for _, n in ipairs { 800, 802, 803 } do assert.is_nil(find(report, "service", uuid(n)), n) end
    report = assert(platform(routes).client():leftovers { now = NOW, prices = { firewall = 2, service = 40 } })
    assert.equal(2, find(report, "firewall", uuid(700)).monthly)
    assert.equal(40, find(report, "service", uuid(801)).monthly)
    routes["GET /v1/user-resource/service/packages"] = function() return 500, '{"message": "boom"}' end
    report = assert(platform(routes).client():leftovers { now = NOW })
    assert.is_false(report.complete)
    assert.equal("services", report.errors[1].what)
  end)

  it("prices snapshots from size_gb (2025-12) and sizeGb alike", function()
    for _, field in ipairs { "size_gb", "sizeGb" } do
      local routes = base_routes()
      routes["GET /v1/cyc01/storage/disks"] = A {
        { uuid = uuid(900), size_gb = 100, billing_account_id = 7,
          snapshots = A { { uuid = "s1", [field] = 100 }, { uuid = "s2", [field] = 30 } } },
      }
      local report = assert(platform(routes).client():leftovers { now = NOW })
      near(find(report, "disk", uuid(900)).monthly, (100 * 0.0002 + 130 * 0.0001) * H)
    end
  end)

  it("takes monthly prices for what the policy lacks, and policy entries when it has them", function()
    local p = platform(base_routes())
    local report = assert(p.client():leftovers { now = NOW, prices = { floating_ip = 4, load_balancer = 10 } })
    assert.equal(4, find(report, "floating_ip", "103.151.0.3").monthly)
    assert.equal(14, find(report, "load_balancer", uuid(500)).monthly) -- with its address
    assert.equal(0, report.totals[1].unpriced)
    assert.equal(18, report.totals[1].monthly)
    local rates = leftovers.rates(A {
      { price = 0.01, resourceType = "IP_ADDRESS" }, { price = 0.02, resourceType = "LOAD_BALANCER" },
      { price = 0.0002, resourceType = "STORAGE", serviceNameInUptime = "main" }, { price = "bad" }, "junk",
    })
    assert.same({ floating_ip = 0.01, load_balancer = 0.02, storage_gb = 0.0002 }, rates)
    local routes = base_routes()
    routes["GET /v1/pricing/policy"] = { policy = A { POLICY[4], { price = 0.005, resourceType = "FLOATING_IP" } } }
    report = assert(platform(routes).client():leftovers { now = NOW })
    near(find(report, "floating_ip", "103.151.0.3").monthly, 0.005 * H)
  end)

  it("lists VMs stopped for stopped_for seconds or more, with their storage and addresses", function()
    local p = platform(base_routes())
    local report = assert(p.client():leftovers { now = NOW, stopped_for = 7200, prices = { floating_ip = 4 } })
    assert.is_nil(find(report, "vm", uuid(2))) -- stopped an hour ago
    local parked = find(report, "vm", uuid(3))
    assert.same({ "103.151.0.5" }, parked.addresses)
    near(parked.monthly, 30 * 0.0002 * H + 4)
    assert.matches("stopped for 31.0 days", parked.why, 1, true)
    report = assert(p.client():leftovers { now = NOW, stopped_for = 3600 })
    near(find(report, "vm", uuid(2)).monthly, 40 * 0.0002 * H)
    assert.equal(7, find(report, "vm", uuid(2)).billing_account_id)
    assert.is_nil(find(report, "vm", uuid(1))) -- running
  end)

  it("reports what it could not read, and still what it could", function()
    local routes = base_routes()
    routes["GET /v1/bus02/storage/disks"] = function() return 500, '{"message": "boom"}' end
    routes["GET /v1/cyc01/user-resource/vm/list"] = function() return 403, '{"message": "forbidden"}' end
    routes["GET /v1/pricing/policy"] = function() return 503, "<html>down</html>" end
    local report = assert(platform(routes).client():leftovers { now = NOW })
    assert.is_false(report.complete)
    local what = {}
    for _, e in ipairs(report.errors) do what[#what + 1] = (e.location or "-") .. " " .. e.what end
    table.sort(what)
    assert.same({ "- pricing", "bus02 disks", "cyc01 disks", "cyc01 vms" }, what)
    assert.is_nil(find(report, "disk", uuid(900)))       -- not judged without the VMs
    assert.truthy(find(report, "floating_ip", "103.152.0.9")) -- the rest of bus02
    assert.truthy(find(report, "load_balancer", uuid(500)))
    assert.equal(0, find(report, "bucket", "empty-one").monthly) -- 0 GB costs nothing at any rate
    for _, e in ipairs(report.errors) do assert.not_matches(KEY, tostring(e.err), 1, true) end
    routes["GET /v1/config/locations"] = function() return 503, '{"message": "down"}' end
    local none, err = platform(routes).client():leftovers()
    assert.is_nil(none)
    assert.equal(503, err.status)
  end)

  it("refuses bad options before sending anything", function()
    local p = platform(base_routes())
    local c = p.client()
    for i, opts in ipairs {
      "all", { stopped_for = -1 }, { stopped_for = "1d" }, { prices = { vm = 1 } }, { prices = { floating_ip = -2 } },
      { prices = { floating_ip = "5" } }, { colour = "red" },
    } do
      local r, err = c:leftovers(opts)
      assert.is_nil(r, "case " .. i)
      assert.equal("invalid", err.kind, "case " .. i)
    end
    assert.equal(0, #p.requests)
  end)

  it("deletes a leftover: a load balancer with its addresses, the rest alone", function()
    local routes = base_routes()
    local deleted = {}
    local function del(req)
      deleted[#deleted + 1] = req.url:match("/v1/%w+/(.*)$")
      return 200, ""
    end
    routes["DELETE /v1/cyc01/network/load_balancers/" .. uuid(500)] = del
    routes["DELETE /v1/cyc01/network/ip_addresses/103.151.0.4"] = del
    routes["DELETE /v1/cyc01/network/ip_addresses/103.151.0.3"] = del
    local report = assert(platform(routes).client():leftovers { now = NOW })
    assert(leftovers.delete(find(report, "load_balancer", uuid(500))))
    assert(leftovers.delete(find(report, "floating_ip", "103.151.0.3")))
    assert.same({ "network/load_balancers/" .. uuid(500), "network/ip_addresses/103.151.0.4",
      "network/ip_addresses/103.151.0.3" }, deleted)
    local _, err = leftovers.delete({ kind = "disk" })
    assert.equal("invalid", err.kind)
  end)

  it("never raises on wrong-shaped fields: a report or an error value, whatever the lists hold", function()
    math.randomseed(7)
    local shapes = { json.null, true, false, 0, -1, 1e300, "", "x", "2023-01-01 00:00:00", A {}, {}, A { "x" },
      { uuid = "u" }, A { { uuid = uuid(1), size = "big", sizeGb = {} } } }
    local function any() return shapes[math.random(#shapes)] end
    local function thing(fields)
      local t = {}
      for _, f in ipairs(fields) do if math.random() < 0.8 then t[f] = any() end end
      return t
    end
    for _ = 1, 300 do
      local routes = base_routes()
      local v = thing { "status", "updated_at", "created_at", "storage", "billing_account", "name" }
      v.uuid = uuid(math.random(3))
      local d = thing { "size_gb", "snapshots", "billing_account_id", "is_deleted", "status" }
      d.uuid = uuid(math.random(3))
      local ip = thing { "assigned_to", "billing_account_id", "is_deleted", "name" }
      ip.address = "103.151.0." .. math.random(9)
      local lb = thing { "targets", "display_name", "billing_account_id", "is_deleted" }
      lb.uuid = uuid(math.random(3))
      local b = thing { "num_objects", "size_bytes", "billing_account_id" }
      b.name = "b" .. math.random(3)
      routes["GET /v1/cyc01/user-resource/vm/list"] = A { v }
      routes["GET /v1/cyc01/storage/disks"] = A { d }
      routes["GET /v1/cyc01/network/ip_addresses"] = A { ip }
      routes["GET /v1/cyc01/network/load_balancers"] = A { lb }
      routes["GET /v1/storage/bucket/list"] = A { b }
      routes["GET /v1/pricing/policy"] = { policy = A { thing { "price", "resourceType", "serviceNameInUptime" } } }
      local ok, report = pcall(function()
        return assert(platform(routes).client():leftovers { now = NOW, stopped_for = 0 })
      end)
      assert.is_true(ok, tostring(report))
      for _, it in ipairs(report.items) do
        assert.is_true(it.monthly == nil or (type(it.monthly) == "number" and it.monthly >= 0))
      end
    end
  end)

  it("reads the platform's times as UTC", function()
    assert.equal(0, leftovers.epoch("1970-01-01 00:00:00"))
    assert.equal(NOW, leftovers.epoch("2023-11-14 22:13:20"))
    assert.equal(951782400, leftovers.epoch("2000-02-29T00:00:00"))
    assert.is_nil(leftovers.epoch("yesterday"))
    assert.is_nil(leftovers.epoch(nil))
  end)
end)
