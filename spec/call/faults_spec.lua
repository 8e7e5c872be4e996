-- What goes wrong on the wire, through the real HTTP stack: the simulator injects the faults.
local helper = require "spec.helper"

local LIST = "/v1/user-resource/vm/list"
local CREATE = "/v1/user-resource/vm"

local function count(method, path)
  local n = 0
  for _, e in ipairs(helper.log()) do
    if e.method == method and e.path:gsub("^/v1/[%w-]+/user%-resource", "/v1/user-resource") == path then
      n = n + 1
    end
  end
  return n
end

describe("faults on the wire", function()
  local client

  before_each(function()
    client = helper.fresh_client()
  end)

  it("retries a GET through 429 and 503, honouring Retry-After", function()
    helper.fault { path = LIST, kind = "status", status = 429, count = 1,
      headers = { ["Retry-After"] = "1" }, body = '{"message":"API rate limit exceeded"}' }
    helper.fault { path = LIST, kind = "status", status = 503, count = 1 }
    local slept = {}
    local c = helper.client { sleep = function(s) slept[#slept + 1] = s end }
    assert.same({}, assert(c.vms:list()))
    assert.equal(3, count("GET", LIST))
    assert.equal(1, slept[1])   -- the server's Retry-After, not the backoff
    assert.equal(2, #slept)
  end)

  it("really waits for Retry-After with the default sleep", function()
    helper.fault { path = LIST, kind = "status", status = 429, headers = { ["Retry-After"] = "1" } }
    local now = require("idcloudhost.runtime").plain.now
    local t0 = now()
    assert(client.vms:list())
    assert.is_true(now() - t0 >= 0.9)
  end)

  it("does not replay a POST that got a 503", function()
    helper.fault { path = CREATE, method = "POST", kind = "status", status = 503, count = 3 }
    local vm, err = client.vms:create(helper.vm_params())
    assert.is_nil(vm)
    assert.equal(503, err.status)
    assert.equal(1, err.attempts)
    assert.equal(1, count("POST", CREATE))
  end)

  it("does not replay a POST whose answer was lost after it ran", function()
    -- A warm connection first: libcurl itself would resend on a reused connection that dies.
    assert(client.vms:list())
    helper.fault { path = CREATE, method = "POST", kind = "drop", after = true }
    local vm, err = client.vms:create(helper.vm_params())
    assert.is_nil(vm)
    assert.equal("network", err.kind)
    assert.equal(1, count("POST", CREATE))
    -- the VM was made: a replay would have made two
    assert.equal(1, #assert(client.vms:list()))
  end)

  it("times out on a stalled answer", function()
    helper.fault { path = LIST, kind = "stall", seconds = 5 }
    local c = helper.client { timeout = 0.5, retries = 0 }
    local res, err = c.vms:list()
    assert.is_nil(res)
    assert.equal("timeout", err.kind)
    assert.equal(1, err.attempts)
  end)

  it("turns an HTML error page into an api error", function()
    helper.fault { path = LIST, kind = "html", status = 502, count = 4 }
    local res, err = helper.client { retries = 3 }.vms:list()
    assert.is_nil(res)
    assert.equal("api", err.kind)
    assert.equal(502, err.status)
    assert.matches("HTML error page", err.message)
    assert.equal(4, err.attempts)
  end)

  it("turns truncated JSON into a decode error", function()
    assert(client.vms:create(helper.vm_params()))
    helper.fault { path = LIST, kind = "truncated" }
    local res, err = client.vms:list()
    assert.is_nil(res)
    assert.equal("decode", err.kind)
    assert.is_truthy(err.request_id)
  end)

  it("turns a dropped connection on a GET into a retry", function()
    helper.fault { path = LIST, kind = "drop" }
    assert.same({}, assert(client.vms:list()))
  end)

  it("turns a dropped connection into a network error when retries are off", function()
    helper.fault { path = LIST, kind = "drop" }
    local res, err = helper.client { retries = 0 }.vms:list()
    assert.is_nil(res)
    assert.equal("network", err.kind)
  end)

  it("answers 403 to a wrong key", function()
    local idcloudhost = require "idcloudhost"
    local c = assert(idcloudhost.new { apikey = "wrong-key-999", base_url = helper.URL })
    local res, err = c.vms:list()
    assert.is_nil(res)
    assert.equal(403, err.status)
    assert.equal("Invalid authentication credentials", err.message)
    assert.not_matches("wrong%-key%-999", tostring(err))
    local status = client:request("GET", "/v1/config/locations")
    assert.is_truthy(status)
  end)

  it("reads an empty 5xx body", function()
    helper.fault { path = CREATE, method = "POST", kind = "empty", status = 500 }
    local _, err = client.vms:create(helper.vm_params())
    assert.equal(500, err.status)
    assert.matches("empty body", err.message)
  end)

  it("keeps the api key out of every error and every on_request record", function()
    local records = {}
    local c = helper.client { on_request = function(r) records[#records + 1] = r end, retries = 1 }
    helper.fault { path = LIST, kind = "status", status = 503 }
    assert(c.vms:list())
    local _, err = c.vms:get("00000000-0000-0000-0000-000000000000")
    assert.is_true(#records >= 3)
    local function scan(v, where)
      if type(v) == "string" then
        assert.is_nil(v:find(helper.KEY, 1, true), "api key in " .. where)
      elseif type(v) == "table" then
        for k, x in pairs(v) do scan(x, where .. "." .. tostring(k)) end
      end
    end
    scan(records, "records")
    scan(err, "err")
    assert.is_nil(tostring(err):find(helper.KEY, 1, true))
    assert.equal("[redacted]", records[1].headers.apikey)
  end)
end)
