-- The client pipeline on a scripted transport: options, encoding, errors, retries, redaction.
local idcloudhost = require "idcloudhost"
local helper = require "spec.helper"

local UUID = "5aea1842-895f-4bd3-8bd6-e37b2282fb46"
local VM_JSON = '{"uuid":"' .. UUID .. '","name":"web-1","status":"running","vcpu":2,"memory":2048,'
  .. '"storage":[{"size":20,"primary":true,"replica":[]}],"tags":null}'

describe("idcloudhost.new", function()
  it("refuses a missing api key with a clear error", function()
    if os.getenv("IDCLOUDHOST_API_KEY") then pending("IDCLOUDHOST_API_KEY is set in this environment") return end
    local c, err = idcloudhost.new { transport = function() end }
    assert.is_nil(c)
    assert.equal("invalid", err.kind)
    assert.matches("IDCLOUDHOST_API_KEY", tostring(err))
  end)

  it("maps providers to base URLs, base_url overriding", function()
    local f = helper.fake {}
    if os.getenv("IDCLOUDHOST_BASE_URL") then pending("IDCLOUDHOST_BASE_URL is set in this environment") return end
    assert.equal("https://api.idcloudhost.com", idcloudhost.new { apikey = "k", transport = f.transport }.base_url)
    assert.equal("https://api.elastis.id", idcloudhost.new { apikey = "k", provider = "elastis", transport = f.transport }.base_url)
    assert.equal("http://127.0.0.1:9", idcloudhost.new { apikey = "k", provider = "elastis",
      base_url = "http://127.0.0.1:9/", transport = f.transport }.base_url)
    local c, err = idcloudhost.new { apikey = "k", provider = "aws", transport = f.transport }
    assert.is_nil(c)
    assert.matches("unknown provider", err.message)
  end)

  it("refuses unknown options and wrong types", function()
    local c, err = idcloudhost.new { apikey = "k", timeut = 3 }
    assert.is_nil(c)
    assert.matches("unknown option 'timeut'", err.message)
    c, err = idcloudhost.new { apikey = "k", timeout = "3" }
    assert.is_nil(c)
    assert.matches("'timeout' must be a number", err.message)
    c, err = idcloudhost.new { apikey = "k", location = "../x" }
    assert.is_nil(c)
    assert.equal("invalid", err.kind)
  end)

  it("never shows the api key in tostring or pairs", function()
    local c = helper.fake {}.client()
    assert.not_matches("secret%-key%-123", tostring(c))
    for k, v in pairs(c) do
      assert.not_equal("secret-key-123", v, "field " .. tostring(k))
    end
  end)
end)

describe("requests", function()
  it("puts the location slug after /v1/ for location calls only", function()
    local f = helper.fake { { status = 200, body = "[]" }, { status = 200, body = "[]" } }
    local c = f.client { location = "bus02" }
    assert.same({}, assert(c.vms:list()))
    assert.equal("https://api.example.test/v1/bus02/user-resource/vm/list", f.requests[1].url)
    assert.equal("secret-key-123", f.requests[1].headers.apikey)
    assert(c:request("GET", "/v1/config/locations"))
    assert.equal("https://api.example.test/v1/config/locations", f.requests[2].url)
  end)

  it("client:at shares settings and changes only the location", function()
    local f = helper.fake { { status = 200, body = "[]" } }
    local c = f.client { location = "cyc01" }
    local b = assert(c:at("bus02"))
    assert.equal("bus02", b.location)
    assert.equal(c._io, b._io)
    assert(b.vms:list())
    assert.matches("/v1/bus02/", f.requests[1].url)
    local x, err = c:at("no/slug")
    assert.is_nil(x)
    assert.equal("invalid", err.kind)
  end)

  it("form-encodes with %20 for spaces and keeps + signs", function()
    local f = helper.fake { { status = 200, body = VM_JSON } }
    local c = f.client()
    local vm = assert(c.vms:create(helper.vm_params { description = "a b+c", cloud_init = { runcmd = { "echo 1+1" } },
      billing_account_id = 6 })) -- given: no billing account lookup first
    local req = f.requests[1]
    assert.equal("POST", req.method)
    assert.equal("application/x-www-form-urlencoded", req.headers["Content-Type"])
    assert.matches("description=a%%20b%%2Bc", req.body)
    assert.not_matches("%+", req.body)
    -- cloud_init given as a table travels as JSON text
    assert.matches("cloud_init=%%7B%%22runcmd%%22%%3A%%5B%%22echo%%201%%2B1%%22%%5D%%7D", req.body)
    assert.equal(UUID, vm.uuid)
  end)

  it("sends GET parameters in the query string", function()
    local f = helper.fake { { status = 200, body = VM_JSON } }
    local vm = assert(f.client().vms:get(UUID))
    assert.equal("https://api.example.test/v1/user-resource/vm?uuid=" .. UUID, f.requests[1].url)
    assert.is_nil(f.requests[1].body)
    assert.equal("running", vm.status)
    assert.equal(20, vm.storage[1].size)
    assert.is_nil(vm.tags)             -- JSON null is nil
    assert.equal("2048", tostring(vm.memory)) -- integers stay integers
  end)

  it("the escape hatch encodes JSON bodies and inserts the location on request", function()
    local f = helper.fake { { status = 200, body = '{"ok":true}' } }
    local c = f.client { location = "cyc01" }
    local data = assert(c:request("POST", "/v1/network/ip_addresses", { name = "x", rules = idcloudhost.array() },
      { json = true, location = true }))
    assert.is_true(data.ok)
    assert.equal("https://api.example.test/v1/cyc01/network/ip_addresses", f.requests[1].url)
    assert.equal("application/json", f.requests[1].headers["Content-Type"])
    assert.matches('"rules":%[%]', f.requests[1].body)
  end)
end)

describe("bad input", function()
  local cases = {
    { "a missing required parameter", function(c)
        local p = helper.vm_params()
        p.ram = nil
        return c.vms:create(p)
      end, "missing required parameter 'ram'" },
    { "a wrong type", function(c) return c.vms:create(helper.vm_params { vcpu = "two" }) end, "'vcpu' must be a whole number" },
    { "a fractional number", function(c) return c.vms:create(helper.vm_params { ram = 1.5 }) end, "'ram' must be a whole number" },
    { "a malformed UUID", function(c) return c.vms:get("not-a-uuid") end, "'uuid' must be a UUID" },
    { "a missing UUID", function(c) return c.vms:get() end, "missing required parameter 'uuid'" },
    { "an unknown parameter", function(c) return c.vms:create(helper.vm_params { colour = "red" }) end, "unknown parameter 'colour'" },
    { "a typo in an option", function(c)
        local vm = require("idcloudhost.families.kit.resource").wrap(require("idcloudhost.families.vms").model, c, { uuid = UUID })
        return vm:stop { forse = true }
      end, "unknown parameter 'forse'" },
    { "a non-table option", function(c)
        local vm = require("idcloudhost.families.kit.resource").wrap(require("idcloudhost.families.vms").model, c, { uuid = UUID })
        return vm:stop(true)
      end, "expected named parameters" },
    { "cloud_init that is not JSON", function(c) return c.vms:create(helper.vm_params { cloud_init = "{oops" }) end,
      "'cloud_init' must be" },
  }
  for _, case in ipairs(cases) do
    it("refuses " .. case[1] .. " and sends nothing", function()
      local f = helper.fake {}
      local res, err = case[2](f.client())
      assert.is_nil(res)
      assert.equal("invalid", err.kind)
      assert.matches(case[3], err.message, 1, true)
      assert.equal(0, #f.requests)
    end)
  end

  it("refuses a VM without a disk size unless disk_uuid is given", function()
    local f = helper.fake {}
    local p = helper.vm_params()
    p.disks = nil
    local vm, err = f.client().vms:create(p)
    assert.is_nil(vm)
    assert.matches("'disks'", err.message)
    assert.equal(0, #f.requests)
  end)
end)

describe("errors", function()
  local function fail_with(status, body, headers)
    local f = helper.fake { { status = status, body = body, headers = headers or {} } }
    local res, err = f.client { retries = 0 }.vms:list()
    assert.is_nil(res)
    return err
  end

  it("reads {errors: {Error: ...}} and flags the missing VM as not found", function()
    local err = fail_with(400, '{"errors":{"Error":"No such virtual machine exists. ' .. UUID .. '"}}',
      { ["X-Warren-Correlation-Id"] = "abc-123" })
    assert.equal("api", err.kind)
    assert.equal(400, err.status)
    assert.equal("No such virtual machine exists. " .. UUID, err.message)
    assert.is_true(err.not_found)
    assert.equal("abc-123", err.request_id)
    assert.equal("GET", err.method)
    assert.equal("/v1/user-resource/vm/list", err.path)
    assert.equal(1, err.attempts)
    local line = tostring(err)
    assert.matches("GET /v1/user%-resource/vm/list: 400 No such virtual machine", line)
    assert.matches("request abc%-123", line)
  end)

  it("flags the platform's other 400 No such ... exists answers as not found", function()
    local err = fail_with(400, '{"errors":{"Error":"No such storage replica exists."}}')
    assert.is_true(err.not_found)
    err = fail_with(400, '{"errors":{"Error":"Such a name exists already"}}')
    assert.falsy(err.not_found)
  end)

  it("reads {errors: {key: {msg: ...}}} and keeps the key as code", function()
    local err = fail_with(403, '{"errors":{"consumer::resource_forbidden":{"msg":"Forbidden for this token",'
      .. '"subtype":"x","type":"y"}}}')
    assert.equal("consumer::resource_forbidden", err.code)
    assert.equal("Forbidden for this token", err.message)
    assert.falsy(err.not_found)
  end)

  it("reads field errors {errors: {field: ...}}", function()
    local err = fail_with(400, '{"errors":{"name":"Name is invalid","ram":"Too small"}}')
    assert.equal("name: Name is invalid; ram: Too small", err.message)
    assert.equal("name", err.code)
  end)

  it("reads {message: ...} and explains the no-route 404, which is not a missing resource", function()
    local err = fail_with(404, '{"message":"no route and no API found with those values"}')
    assert.is_true(err.no_route)
    assert.is_nil(err.not_found)
    assert.matches("check the base URL and the location slug", err.message)
    err = fail_with(403, '{"message":"Invalid authentication credentials"}')
    assert.equal("Invalid authentication credentials", err.message)
  end)

  it("reads an HTML page and an empty body", function()
    local err = fail_with(502, "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>")
    assert.equal("api", err.kind)
    assert.equal(502, err.status)
    assert.matches("HTML error page: 502 Bad Gateway", err.message)
    err = fail_with(500, "")
    assert.matches("HTTP 500 with an empty body", err.message)
  end)

  it("turns a 200 with broken JSON into a decode error", function()
    local err = fail_with(200, '[{"uuid": "x", "na')
    assert.equal("decode", err.kind)
    assert.matches("malformed JSON", err.message)
    err = fail_with(200, "<html>maintenance</html>")
    assert.equal("decode", err.kind)
    assert.matches("HTML page", err.message)
  end)

  it("turns transport failures into network and timeout errors", function()
    local f = helper.fake { { error = "OPERATION_TIMEDOUT: Operation timed out after 1000 milliseconds",
      code = "OPERATION_TIMEDOUT" } }
    local res, err = f.client { retries = 0 }.vms:list()
    assert.is_nil(res)
    assert.equal("timeout", err.kind)
    assert.equal("OPERATION_TIMEDOUT", err.code)
    f = helper.fake { { error = "COULDNT_CONNECT: Could not connect", code = "COULDNT_CONNECT" } }
    res, err = f.client { retries = 0 }.vms:list()
    assert.is_nil(res)
    assert.equal("network", err.kind)
    assert.equal("COULDNT_CONNECT", err.code)
    -- a user's transport may still answer curl's numbers: they are named at the boundary
    f = helper.fake { { error = "Operation timed out", code = 28 } }
    local _, err2 = f.client { retries = 0 }.vms:list()
    assert.equal("OPERATION_TIMEDOUT", err2.code)
  end)
end)

describe("retries", function()
  it("retries a GET on 429, 502, 503, 504 and connection failures, honouring Retry-After", function()
    local f = helper.fake {
      { status = 429, body = '{"message":"API rate limit exceeded"}', headers = { ["Retry-After"] = "2" } },
      { status = 503, body = "" },
      { error = "Connection reset", code = 56 },
      { status = 200, body = "[]" },
    }
    local list = assert(f.client { retries = 3 }.vms:list())
    assert.same({}, list)
    assert.equal(4, #f.requests)
    assert.equal(2, f.sleeps[1])          -- Retry-After honoured
    assert.is_true(f.sleeps[2] <= 1)      -- backoff: base 0.5, doubled, full jitter
  end)

  it("gives up after the configured retries and says how many attempts", function()
    local script = {}
    for i = 1, 5 do script[i] = { status = 503, body = '{"message":"down"}' } end
    local f = helper.fake(script)
    local res, err = f.client { retries = 2 }.vms:list()
    assert.is_nil(res)
    assert.equal(3, err.attempts)
    assert.equal(3, #f.requests)
    assert.matches("3 attempts", tostring(err))
  end)

  it("backs off exponentially with a cap", function()
    local script = {}
    for i = 1, 8 do script[i] = { status = 502, body = "" } end
    local f = helper.fake(script)
    local ceilings = { 0.5, 1, 2, 4, 8, 8, 8 }
    local saved = math.random
    math.random = function() return 1 end -- luacheck: ignore 122 (the top of each jitter window)
    local _, err = f.client { retries = 7 }.vms:list()
    math.random = saved -- luacheck: ignore 122
    assert.equal(8, err.attempts)
    assert.same(ceilings, f.sleeps)
  end)

  it("never replays a write once it may have reached the server", function()
    for _, step in ipairs {
      { status = 503, body = "" }, { status = 502, body = "" }, { status = 504, body = "" },
      { error = "timeout", code = 28 }, { error = "Connection reset by peer", code = 56 },
    } do
      local f = helper.fake { step, { status = 200, body = VM_JSON } }
      local vm, err = f.client { retries = 3 }.vms:create(helper.vm_params { billing_account_id = 6 })
      assert.is_nil(vm)
      assert.equal(1, err.attempts)
      assert.equal(1, #f.requests)
    end
  end)

  it("retries a write that never left: connection refused, or 429 from the gateway", function()
    local f = helper.fake {
      { error = "COULDNT_CONNECT: Failed to connect", code = "COULDNT_CONNECT" },
      { status = 429, body = '{"message":"API rate limit exceeded"}', headers = { ["retry-after"] = "0" } },
      { status = 429, body = "", headers = { ["retry-after"] = "0", ["x-ratelimit-remaining-minute"] = "0" } },
      { status = 200, body = VM_JSON },
    }
    local vm = assert(f.client { retries = 3 }.vms:create(helper.vm_params { billing_account_id = 6 }))
    assert.equal(UUID, vm.uuid)
    assert.equal(4, #f.requests)
  end)

  it("does not replay a write on a 429 that shows no sign of the gateway", function()
    local f = helper.fake { { status = 429, body = '{"errors":{"Error":"busy"}}', headers = { ["retry-after"] = "0" } } }
    local vm, err = f.client { retries = 3 }.vms:create(helper.vm_params { billing_account_id = 6 })
    assert.is_nil(vm)
    assert.equal(429, err.status)
    assert.equal(1, #f.requests)
  end)

  it("does not wait for a Retry-After longer than max_retry_wait", function()
    local f = helper.fake { { status = 429, body = "", headers = { ["Retry-After"] = "3600" } } }
    local res, err = f.client { retries = 3 }.vms:list()
    assert.is_nil(res)
    assert.equal(429, err.status)
    assert.equal(0, #f.sleeps)
  end)
end)

describe("on_request", function()
  it("sees every attempt with the api key redacted everywhere", function()
    local records = {}
    local f = helper.fake {
      { status = 503, body = 'echo secret-key-123' },
      { status = 200, body = "[]" },
    }
    local c = f.client { on_request = function(r) records[#records + 1] = r end }
    assert(c.vms:list())
    assert.equal(2, #records)
    assert.equal(503, records[1].status)
    assert.equal(1, records[1].attempt)
    assert.equal("[redacted]", records[1].headers.apikey)
    for _, r in ipairs(records) do
      for k, v in pairs(r) do
        if type(v) == "string" then assert.not_matches("secret%-key%-123", v, k) end
      end
    end
  end)

  it("never puts the key in an error, even when the server echoes it", function()
    local f = helper.fake { { status = 400, body = '{"errors":{"Error":"bad key secret-key-123"}}' } }
    local _, err = f.client().vms:list()
    assert.not_matches("secret%-key%-123", tostring(err))
    assert.matches("%[redacted%]", err.message)
  end)

  it("a failing hook does not break the call", function()
    local f = helper.fake { { status = 200, body = "[]" } }
    assert(f.client { on_request = function() error("boom") end }.vms:list())
  end)
end)
