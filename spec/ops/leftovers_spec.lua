-- The bill of leftovers against the simulator: planted leftovers (an unassigned IP, a detached
-- disk, a load balancer without targets, an empty bucket) are found exactly, with prices, among
-- things that are not leftovers; examples/leftovers.lua prints the same and deletes them.
local helper = require "spec.helper"
local json = require "idcloudhost.json"

local H = 730
local STORAGE = 0.0001 -- the simulator's policy: STORAGE "main", per GB and hour
local PRICES = { floating_ip = 5, load_balancer = 20 }

-- Plants the leftovers and the things that are not; returns what was planted.
local function plant()
  local client = helper.fresh_client { location = "cyc01" }
  local bus = client:at("bus02")
  local web = assert(client.vms:create(helper.billed_vm_params { name = "web-1" })) -- with an assigned IP
  local kept = assert(client.disks:create { size_gb = 30, billing_account_id = 6 })
  assert(kept:attach(web))
  assert(client.load_balancers:create { display_name = "busy", billing_account_id = 6, targets = { web } })
  assert(client.buckets:create { name = "full-bucket", billing_account_id = 6 })
  helper.sim("PUT", "buckets", { name = "full-bucket", objects = 3 })
  local parked = assert(client.vms:create(helper.billed_vm_params { name = "parked-1" }))
  assert(parked:stop { force = true })
  return {
    client = client, web = web, kept = kept, parked = parked,
    ip = assert(client.floating_ips:create { name = "orphan", billing_account_id = 6 }),
    far_ip = assert(bus.floating_ips:create { name = "far", billing_account_id = 7 }),
    disk = assert(client.disks:create { size_gb = 50, billing_account_id = 7 }),
    lb = assert(client.load_balancers:create { display_name = "idle", billing_account_id = 6 }),
    bucket = assert(client.buckets:create { name = "empty-bucket", billing_account_id = 7 }),
  }
end

-- "kind id" -> item, for a report's items (or their JSON).
local function index(items)
  local out = {}
  for _, it in ipairs(items) do out[it.kind .. " " .. it.id] = it end
  return out
end

local function keys(t)
  local out = {}
  for k in pairs(t) do out[#out + 1] = k end
  table.sort(out)
  return out
end

local function near(a, b)
  assert.is_true(type(a) == "number" and math.abs(a - b) < 1e-9, tostring(a) .. " ~= " .. tostring(b))
end

-- What plant() left over, as "kind id" -> {location, billing account, monthly with PRICES}.
local function expected(p)
  return {
    ["floating_ip " .. p.ip.address] = { "cyc01", 6, 5 },
    ["floating_ip " .. p.far_ip.address] = { "bus02", 7, 5 },
    ["disk " .. p.disk.uuid] = { "cyc01", 7, 50 * STORAGE * H },
    ["load_balancer " .. p.lb.uuid] = { "cyc01", 6, 20 },
    ["bucket empty-bucket"] = { nil, 7, 0 },
  }
end

local function check_items(items, want)
  local got = index(items)
  assert.same(keys(want), keys(got))
  for k, w in pairs(want) do
    assert.equal(w[1], got[k].location, k)
    assert.equal(w[2], got[k].billing_account_id, k)
    near(got[k].monthly, w[3])
  end
end

describe("client:leftovers against the simulator", function()
  it("finds exactly the planted leftovers, with prices and a total per billing account", function()
    local p = plant()
    local report = assert(p.client:leftovers { prices = PRICES })
    assert.is_true(report.complete)
    check_items(report.items, expected(p))
    assert.equal(2, #report.totals)
    assert.same({ billing_account_id = 6, items = 2, monthly = 25, hourly = 25 / H, unpriced = 0 }, report.totals[1])
    near(report.totals[2].monthly, 50 * STORAGE * H + 5)
    -- Without prices the policy has none for IPs and load balancers: listed, unpriced.
    report = assert(p.client:leftovers())
    local lb = index(report.items)["load_balancer " .. p.lb.uuid]
    assert.is_nil(lb.monthly)
    assert.equal(2, report.totals[1].unpriced)
  end)

  it("adds VMs stopped for stopped_for seconds, with their storage and addresses", function()
    local p = plant()
    local report = assert(p.client:leftovers { prices = PRICES, stopped_for = 3600 })
    assert.is_nil(index(report.items)["vm " .. p.parked.uuid]) -- stopped just now
    report = assert(p.client:leftovers { prices = PRICES, stopped_for = 3600, now = os.time() + 7200 })
    local want = expected(p)
    want["vm " .. p.parked.uuid] = { "cyc01", 6, 20 * STORAGE * H + 5 } -- its disk and its IP
    check_items(report.items, want)
    assert.equal(1, #index(report.items)["vm " .. p.parked.uuid].addresses)
  end)
end)

describe("examples/leftovers.lua against the simulator", function()
  local lua = arg and arg[-1] or "lua"
  local function run(args, input)
    local cmd = string.format("IDCLOUDHOST_BASE_URL='%s' IDCLOUDHOST_API_KEY=demo-key IDCLOUDHOST_LOCATION= %s "
      .. "examples/leftovers.lua %s 2>/dev/null", helper.URL, lua, args)
    if input then cmd = "printf '" .. input .. "' | " .. cmd end
    local f = assert(io.popen(cmd))
    local out = f:read("*a")
    local ok, _, code = f:close()
    return out, ok == true or code == 0
  end

  it("prints the planted set as JSON, then deletes it, asking first", function()
    local p = plant()
    local out, ok = run("--json --ip-price=5 --lb-price=20")
    assert.is_true(ok, out)
    local report = assert(json.decode(out))
    assert.is_true(report.complete)
    check_items(report.items, expected(p))
    local table_out = run("")
    assert.matches("billing account 6: 2 leftovers, 0.00 a month + 2 unpriced", table_out, 1, true)
    assert.matches(p.disk.uuid:gsub("%-", "%%-") .. "%s+50 GB%s+attached to no VM%s+3.65", table_out)

    -- Answers: yes to the first item (by billing account 6: the unassigned IP), no to the rest.
    local _, asked = run("--delete", "y\\nn\\nn\\nn\\nn\\n")
    assert.is_true(asked)
    local left = index(assert(p.client:leftovers()).items)
    assert.is_nil(left["floating_ip " .. p.ip.address])
    assert.truthy(left["disk " .. p.disk.uuid])

    _, ok = run("--delete --yes")
    assert.is_true(ok)
    report = assert(p.client:leftovers())
    assert.same({}, report.items)
    -- What was not a leftover is still there.
    assert(p.web:reload())
    assert(p.kept:reload())
    assert.equal(1, #assert(p.client.load_balancers:list())) -- busy
    assert(p.client.buckets:get("full-bucket"))
    local ips = assert(p.client.floating_ips:list())
    assert.equal(2, #ips) -- web's and parked's
  end)

  it("refuses a bad argument with status 2", function()
    local f = assert(io.popen(lua .. " examples/leftovers.lua --bogus 2>&1; echo \"rc=$?\""))
    local out = f:read("*a")
    f:close()
    assert.matches("usage:", out, 1, true)
    assert.matches("rc=2", out, 1, true)
  end)
end)
