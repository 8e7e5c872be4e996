-- The transport seam, settings, input checks, error values, objects and the families: what
-- `make mutate` showed unguarded (mutate/mutants.lua names the mutant each spec kills).
local idcloudhost = require "idcloudhost"
local json = require "idcloudhost.json"
local mh = require "spec.mutate.helper"

local UUID, UUID2 = mh.UUID, mh.UUID2
local unpack = table.unpack or unpack
local VM = mh.vm_json("running")
local clock = mh.clock()
before_each(clock.install)
after_each(clock.restore)

local function scripted(steps) return mh.scripted(clock, steps) end

-- A client whose transport is fn, with the scripted defaults.
local function client_of(fn, opts)
  local o = { apikey = mh.KEY, base_url = mh.BASE, transport = fn, sleep = clock.sleep, retry_base = 0.01,
    retry_cap = 0.05 }
  for k, v in pairs(opts or {}) do o[k] = v end
  return assert(idcloudhost.new(o))
end

-- A transport that fails its first n calls with fail(), then answers VM.
local function failing(n, ...)
  local failure = { n = select("#", ...), ... }
  local t = { calls = 0 }
  t.fn = function()
    t.calls = t.calls + 1
    if t.calls <= n then return unpack(failure, 1, failure.n) end
    return { status = 200, body = VM, headers = {} }
  end
  return t
end

describe("a custom transport held to the contract", function()
  it("nil, 'timeout' is a timeout: a read is retried, a write is not and is uncertain", function() -- tr-timeout-word
    for _, msg in ipairs { "timeout", "connection timed out", "Timeout while reading" } do
      local t = failing(1, nil, msg)
      assert(client_of(t.fn, { retries = 1 }).vms:get(UUID))
      assert.equal(2, t.calls)
      t = failing(1, nil, msg)
      local vm, err = mh.wrap("vms", client_of(t.fn, { retries = 3 }), { uuid = UUID }):stop()
      assert.is_nil(vm)
      assert.equal("timeout", err.kind, msg)
      assert.equal("OPERATION_TIMEDOUT", err.code)
      assert.is_true(err.uncertain)
      assert.equal(1, t.calls)
    end
  end)

  it("a refused connection (by message or curl code 7) never sent anything: even a write is retried", function()
    -- tr-refused-word, tr-numeric-code
    for _, failure in ipairs { { nil, "connection refused" }, { nil, "no", 7 }, { nil, "no", 6 } } do
      local t = failing(1, unpack(failure, 1, 3))
      assert(mh.wrap("vms", client_of(t.fn, { retries = 3 }), { uuid = UUID }):stop())
      assert.equal(2, t.calls)
    end
    local t = failing(1, nil, "cut", 28)
    local _, err = mh.wrap("vms", client_of(t.fn, { retries = 3 }), { uuid = UUID }):stop()
    assert.equal("OPERATION_TIMEDOUT", err.code)
    assert.equal("timeout", err.kind)
    assert.equal(1, t.calls)
  end)

  it("a status that is no HTTP status is a network error", function() -- tr-status-range
    for _, status in ipairs { 0, -1, 99, 1000, 200.5 } do
      local c = client_of(function() return { status = status, body = VM } end, { retries = 0 })
      local vm, err = c.vms:get(UUID)
      assert.is_nil(vm, tostring(status))
      assert.equal("network", err.kind)
      assert.equal("BAD_TRANSPORT_ANSWER", err.code)
    end
  end)

  it("header names differing only in case are joined, as the C core joins repeated headers", function()
    -- tr-header-join
    local c = client_of(function()
      return { status = 404, body = '{"message":"gone"}',
        headers = { ["X-Warren-Correlation-Id"] = "rid-a", ["x-warren-correlation-id"] = "rid-b" } }
    end, { retries = 0 })
    local _, err = c.vms:get(UUID)
    assert.is_truthy(err.request_id == "rid-a, rid-b" or err.request_id == "rid-b, rid-a", err.request_id)
  end)

  it("every request asks for JSON and names the SDK", function() -- client-accept
    local s = scripted { { status = 200, body = VM }, { status = 200, body = VM } }
    local c = s.client()
    assert(c.vms:get(UUID))
    assert(mh.wrap("vms", c, { uuid = UUID }):stop())
    for _, req in ipairs(s.requests) do
      assert.equal("application/json", req.headers.Accept)
      assert.equal("idcloudhost-lua/" .. idcloudhost._VERSION, req.headers["User-Agent"])
      assert.equal(mh.KEY, req.headers.apikey)
    end
    assert.equal("application/x-www-form-urlencoded", s.requests[2].headers["Content-Type"])
    assert.is_nil(s.requests[1].headers["Content-Type"])
  end)
end)

describe("near-miss input", function()
  local function new(opts)
    opts.apikey, opts.transport = "k", function() end
    return idcloudhost.new(opts)
  end

  it("a base URL's port is 1 to 65535", function() -- opt-port
    for _, port in ipairs { "0", "65536", "99999", "" } do
      local c, err = new { base_url = "https://api.example.test:" .. port }
      assert.is_nil(c, port)
      assert.equal("base_url", err.field)
    end
    assert(new { base_url = "https://api.example.test:65535" })
    assert(new { base_url = "https://api.example.test:1" })
  end)

  it("a base URL with a user or password is refused, and the message says why", function() -- opt-userinfo
    for _, url in ipairs { "https://user@api.example.test", "https://user:pass@api.example.test", "https://:x@h.test" } do
      local c, err = new { base_url = url }
      assert.is_nil(c)
      assert.matches("user or password", err.message, 1, true)
      assert.not_matches("pass@", err.message, 1, true) -- the secret is not repeated
    end
  end)

  it("floating IP addresses: no leading zeros in IPv4, at most eight groups in IPv6", function()
    -- check-ipv4-zero, check-ipv6-groups
    local s = scripted {}
    local c = s.client()
    for _, bad in ipairs { "010.1.1.1", "1.01.1.1", "00.1.1.1", "1:2:3:4::5:6:7:8", "::1:2:3:4:5:6:7:8",
      "1:2:3:4:5:6:7:8:9", "12345", "1.2.3" } do
      local ip, err = c.floating_ips:get(bad)
      assert.is_nil(ip, bad)
      assert.equal("invalid", err.kind)
    end
    assert.equal(0, #s.requests)
    for _, good in ipairs { "10.1.1.1", "0.0.0.0", "1:2:3:4:5:6:7:8", "1:2:3::6:7:8", "::", "::ffff:10.0.0.1" } do
      s = scripted { { status = 200, body = '{"address":"' .. good .. '"}' } }
      assert(s.client().floating_ips:get(good))
    end
  end)
end)

describe("error values", function()
  local function error_of(status, body)
    local s = scripted { { status = status, body = body } }
    local _, err = s.client { retries = 0 }.vms:get(UUID)
    return err
  end

  it("the platform's 400 'No such ... exists' is not_found; another 400 is not", function() -- err-not-found-400
    assert.is_true(error_of(400, '{"errors":{"Error":"No such virtual machine exists. ' .. UUID .. '"}}').not_found)
    assert.is_true(error_of(400, '{"errors":{"Error":"Network UUID is invalid."}}').not_found)
    assert.is_nil(error_of(400, '{"errors":{"Error":"Not enough credit"}}').not_found)
    assert.is_true(error_of(404, "").not_found)
  end)

  it("a 404 'no route' says to check the base URL and location, and is no missing VM", function() -- err-no-route
    local err = error_of(404, '{"message":"no route and no API found with those values"}')
    assert.is_true(err.no_route)
    assert.is_nil(err.not_found)
    assert.matches("base URL", err.message, 1, true)
  end)

  it("idcloudhost.is_error knows an error value from any other value", function() -- init-is-error
    assert.is_true(idcloudhost.is_error(error_of(404, "")))
    for _, v in ipairs { {}, { kind = "api", message = "x" }, "error", false } do
      assert.is_false(idcloudhost.is_error(v))
    end
    assert.is_false(idcloudhost.is_error(nil))
  end)

  it("a validation error names its field", function() -- err-validation
    local err = error_of(400, '{"errors":{"vcpu":"must be between 1 and 16"}}')
    assert.equal("vcpu: must be between 1 and 16", err.message)
    assert.equal("vcpu", err.code)
  end)
end)

describe("objects", function()
  it("keep their location tag (from collect_locations) across a reload", function() -- res-location-tag
    local s = scripted { { status = 200, body = VM } }
    local vm = mh.wrap("vms", s.client(), { uuid = UUID })
    vm.location = "jkt01"
    assert(vm:reload())
    assert.equal("jkt01", vm.location)
    assert.equal("running", vm.status)
  end)

  it("read back as tombstones are marked deleted: status Deleted, or is_deleted", function() -- res-tombstone
    local s = scripted { { status = 200, body = '{"uuid":"' .. UUID .. '","is_deleted":true}' },
      { status = 200, body = mh.vm_json("Deleted") }, { status = 200, body = '{"uuid":"' .. UUID .. '","is_deleted":false}' } }
    local c = s.client()
    assert.is_true(assert(c.load_balancers:get(UUID)).deleted)
    assert.is_true(assert(c.vms:get(UUID)).deleted)
    assert.is_nil(assert(c.load_balancers:get(UUID)).deleted)
  end)
end)

describe("the default billing account", function()
  local LIST = "/v1/payment/billing_account/list"

  -- A platform: the billing account lists in turn, creates answered by `create` (a function of
  -- the form sent); records the account each create was billed to.
  local function platform(lists, create)
    local p = { billed = {}, lists = 0 }
    p.client = client_of(function(req)
      local path = req.url:match("^https?://[^/]+([^?]*)")
      if req.method == "GET" and path == LIST then
        p.lists = p.lists + 1
        return { status = 200, body = table.remove(lists, 1), headers = {} }
      elseif req.method == "POST" and path == "/v1/user-resource/vm" then
        local form = mh.form(req.body)
        p.billed[#p.billed + 1] = tonumber(form.billing_account_id)
        return create(form)
      elseif req.method == "DELETE" and path == "/v1/payment/billing_account" then
        return { status = 200, body = '{"success":true}', headers = {} }
      end
      return { status = 404, body = "", headers = {} }
    end, { retries = 0 })
    return p
  end

  local function created() return { status = 200, body = VM, headers = {} } end
  local PARAMS = { name = "web-1", os_name = "ubuntu", os_version = "22.04", disks = 20, vcpu = 2, ram = 2048,
    username = "ubuntu", password = "S3cret-pass" }

  it("is never a deleted account", function() -- ba-pick-deleted
    local p = platform({ '[{"id":6,"is_default":true,"is_deleted":true},{"id":7,"is_default":false}]' }, created)
    assert(p.client.vms:create(PARAMS))
    assert.same({ 7 }, p.billed)
    p = platform({ '[{"id":6,"is_default":true,"is_deleted":true}]' }, created)
    local vm, err = p.client.vms:create(PARAMS)
    assert.is_nil(vm)
    assert.equal("invalid", err.kind)
    assert.same({}, p.billed)
  end)

  it("is looked up again once deleted through the SDK", function() -- ba-delete-forget
    local p = platform({ '[{"id":6,"is_default":true}]', '[{"id":7,"is_default":true}]' }, created)
    assert(p.client.vms:create(PARAMS))
    assert(mh.wrap("billing_accounts", p.client, { id = 6 }):delete())
    assert(p.client.vms:create(PARAMS))
    assert.same({ 6, 7 }, p.billed)
    assert.equal(2, p.lists)
  end)

  it("is looked up again after the platform refused it (deleted elsewhere), and only then", function()
    -- pipe-forget-default
    local answers = { { status = 400, body = '{"errors":{"Error":"Billing account not found"}}', headers = {} } }
    local p = platform({ '[{"id":6,"is_default":true}]', '[{"id":7,"is_default":true}]' },
      function() return table.remove(answers, 1) or created() end)
    assert.is_nil(p.client.vms:create(PARAMS))
    assert(p.client.vms:create(PARAMS))
    assert(p.client.vms:create(PARAMS))
    assert.same({ 6, 7, 7 }, p.billed)
    assert.equal(2, p.lists)
  end)
end)

describe("the families", function()
  it("a load balancer made without targets sends \"targets\": [] (the platform answers 500 to {})", function()
    -- lb-empty-targets
    local s = scripted { { status = 200, body = '{"uuid":"' .. UUID .. '"}' }, { status = 200, body = '{"uuid":"' .. UUID .. '"}' } }
    local c = s.client()
    assert(c.load_balancers:create { display_name = "lb", billing_account_id = 6 })
    assert.matches('"targets":[]', s.requests[1].body, 1, true)
    assert(c.load_balancers:create { display_name = "lb", billing_account_id = 6, rules = json.array() })
    assert.matches('"rules":[]', s.requests[2].body, 1, true)
  end)

  it("lists read from an answer go back as lists: a decoded [] is sent as []", function() -- check-array-mark
    local s = scripted { { status = 200, body = '{"uuid":"' .. UUID .. '","targets":[],"forwarding_rules":[]}' },
      { status = 200, body = '{"uuid":"' .. UUID2 .. '"}' } }
    local c = s.client()
    local lb = assert(c.load_balancers:get(UUID))
    assert(c.load_balancers:create { display_name = "copy", billing_account_id = 6, targets = lb.targets,
      rules = lb.forwarding_rules })
    assert.matches('"targets":[]', s.requests[2].body, 1, true)
    assert.matches('"rules":[]', s.requests[2].body, 1, true)
  end)

  it("an empty list parameter of any endpoint travels as [], whatever table it came in", function()
    -- check-array-mark (load_balancer:create also marks its lists: a declared endpoint does not)
    local ep = require("idcloudhost.families.kit.resource").endpoint("thing:put", { "POST", "things", json = { items = "array" },
      answer = "any" })
    local s = scripted { { status = 200, body = "true" } }
    assert(s.client():call(ep, { items = {} }))
    assert.equal('{"items":[]}', s.requests[1].body)
  end)

  it("add_rule returns the rule the platform accepted even when the re-read fails, never a failure", function()
    -- lb-rule-uncertain
    local s = scripted { { status = 200, body = '{"success":true}' }, { status = 503 } }
    local lb = mh.wrap("load_balancers", s.client { retries = 0 }, { uuid = UUID, forwarding_rules = json.array() })
    local rule, err = lb:add_rule { source_port = 80, target_port = 8080 }
    assert.same({ source_port = 80, target_port = 8080 }, rule)
    assert.equal(503, err.status)
    assert.equal(2, #s.requests)
    assert.equal("POST", s.requests[1].method)
  end)

  it("a bucket's delete answered 409 says the bucket is not empty", function() -- bucket-not-empty
    local s = scripted { { status = 409, body = '{"message":"Conflict"}' } }
    local ok, err = mh.wrap("buckets", s.client(), { name = "logs-1" }):delete()
    assert.is_nil(ok)
    assert.is_true(err.not_empty)
    assert.equal("BucketNotEmpty", err.code)
    assert.matches("not empty", err.message, 1, true)
  end)

  it("an invoice is paid only with status 10, unpaid only with 5", function() -- inv-paid
    for _, case in ipairs { { 10, true, false }, { 5, false, true }, { 1, false, false }, { 0, false, false } } do
      local s = scripted { { status = 200, body = '{"id":3,"status":' .. case[1] .. '}' } }
      local inv = assert(s.client().invoices:get(3))
      assert.equal(case[2], inv.paid, "status " .. case[1])
      assert.equal(case[3], inv.unpaid, "status " .. case[1])
    end
  end)

  it("a pricing policy that is not a list is a decode error", function() -- price-policy-list
    local s = scripted { { status = 200, body = '{"policy":{"price":1}}' }, { status = 200, body = '{"policy":[]}' } }
    local c = s.client()
    local policy, err = c.pricing:policy()
    assert.is_nil(policy)
    assert.equal("decode", err.kind)
    assert.same({}, assert(c.pricing:policy()))
  end)

  it("has_active_campaigns is false for {\"success\": false}", function() -- pay-campaign
    local s = scripted { { status = 200, body = '{"success":false}' }, { status = 200, body = '{"success":true}' } }
    local c = s.client()
    assert.is_false(c.payments:has_active_campaigns())
    assert.is_true(c.payments:has_active_campaigns())
  end)

  it("a leftover's monthly price counts 730 hours a month (8760 / 12)", function() -- left-hours
    local routes = {
      ["GET /v1/config/locations"] = '[{"slug":"cyc01"}]',
      ["GET /v1/pricing/policy"] = '{"policy":[{"price":0.0002,"resourceType":"STORAGE","serviceNameInUptime":"main"}]}',
      ["GET /v1/storage/bucket/list"] = "[]",
      ["GET /v1/cyc01/user-resource/vm/list"] = "[]",
      ["GET /v1/cyc01/storage/disks"] = '[{"uuid":"' .. UUID2 .. '","size_gb":100,"billing_account_id":6,"snapshots":[]}]',
      ["GET /v1/cyc01/network/ip_addresses"] = "[]",
      ["GET /v1/cyc01/network/load_balancers"] = "[]",
    }
    local c = client_of(function(req)
      local body = routes[req.method .. " " .. req.url:match("^https?://[^/]+([^?]*)")]
      return { status = body and 200 or 404, body = body or "", headers = {} }
    end, { retries = 0 })
    local report = assert(c:leftovers())
    assert.equal(1, #report.items)
    assert.is_true(math.abs(report.items[1].monthly - 14.6) < 1e-9, tostring(report.items[1].monthly))
    assert.equal(730, report.hours_per_month)
  end)
end)

describe("forms", function()
  it("sort their keys bytewise, a shorter prefix first, in the C core and in pure Lua alike", function()
    -- c-form-sort
    local encode = require "idcloudhost.call.encode"
    local sorted = { "a", "a-", "a.", "a0", "a00", "aA", "a_", "aa", "aaa", "aaaa", "aaaaa", "aaaaaa", "ab", "a~",
      "b", "ba", "k", "kk", "kkk", "kkkk", "kkkkk", "kkkkkk", "kkkkkkk" }
    local want = {}
    for i, k in ipairs(sorted) do want[i] = k .. "=" .. i end
    want = table.concat(want, "&")
    local n = #sorted
    for _, step in ipairs { 1, 5, 7, 11, n - 1 } do -- several insertion orders (steps prime to n)
      local t = {}
      for j = 0, n - 1 do
        local i = (j * step) % n + 1
        t[sorted[i]] = i
      end
      assert.equal(want, encode.form(t))
      assert.equal(want, encode.lua.form(t))
    end
  end)
end)
