-- The pipeline's behaviours that `make mutate` showed unguarded (mutate/mutants.lua names the
-- mutant each spec kills): which timeout an attempt gets, retries of writes, jitter, answers
-- whose key has the wrong type, 1xx answers, secrets echoed back, near-miss input.
local idcloudhost = require "idcloudhost"
local mh = require "spec.mutate.helper"
local resource = require "idcloudhost.families.kit.resource"

local UUID = mh.UUID
local VM = mh.vm_json("running")
local clock = mh.clock()
before_each(clock.install)
after_each(clock.restore)

local function scripted(steps) return mh.scripted(clock, steps) end

local function create_params(over)
  local p = { name = "web-1", os_name = "ubuntu", os_version = "22.04", disks = 20, vcpu = 2, ram = 2048,
    username = "ubuntu", password = "S3cret-pass", billing_account_id = 6 }
  for k, v in pairs(over or {}) do p[k] = v end
  return p
end

describe("timeouts: which one an attempt gets", function()
  it("reads get timeout, writes write_timeout; a longer timeout lengthens writes, a shorter one never shortens them", function()
    -- {client options, read timeout, write timeout}   (pipe-write-timeout, opt-write-timeout)
    for _, case in ipairs {
      { {}, 30, 180 }, { { timeout = 30 }, 30, 180 }, { { timeout = 5 }, 5, 180 },
      { { timeout = 300 }, 300, 300 }, { { timeout = 5, write_timeout = 40 }, 5, 40 },
      { { write_timeout = 20 }, 30, 20 },
    } do
      local s = scripted { { status = 200, body = VM }, { status = 200, body = VM } }
      local c = s.client(case[1])
      assert(c.vms:get(UUID))
      assert(mh.wrap("vms", c, { uuid = UUID }):stop())
      assert.equal(case[2], s.requests[1].timeout)
      assert.equal(case[3], s.requests[2].timeout)
    end
  end)

  it("a create that takes 40 s and lands is a success with timeout = 30, never a failure", function()
    local s = scripted { { status = 200, body = VM, takes = 40 } }
    local vm, err = s.client { timeout = 30 }.vms:create(create_params())
    assert.is_nil(err)
    assert.equal(UUID, vm.uuid)
  end)

  it("the client's deadline bounds calls made inside a longer wait", function() -- pipe-deadline-scope
    local s = scripted { { status = 200, body = VM, takes = 10 } }
    local c = s.client { deadline = 3, timeout = 30, retries = 0 }
    local t0 = clock.t
    local got, err = idcloudhost.wait(function() return c.vms:get(UUID) end, { timeout = 100 })
    assert.is_nil(got)
    assert.equal("timeout", err.kind)
    assert.equal(3, s.requests[1].timeout)
    assert.is_true(clock.t - t0 <= 3 + 1e-9, "took " .. (clock.t - t0) .. " s")
  end)
end)

describe("retries of writes", function()
  it("a write answered 429 by the platform is never replayed: it may have run", function() -- pipe-429-write
    local s = scripted { { status = 429, body = '{"message":"too busy"}' }, { status = 200, body = VM } }
    local vm, err = mh.wrap("vms", s.client { retries = 3 }, { uuid = UUID }):stop()
    assert.is_nil(vm)
    assert.equal(429, err.status)
    assert.equal(1, #s.requests)
  end)

  it("a write the gateway refused (rate-limit headers or body) is sent again", function() -- pipe-429-gateway
    for _, refusal in ipairs {
      { headers = { ["x-ratelimit-remaining-minute"] = "0" } }, { headers = { ["ratelimit-remaining"] = "0" } },
      { body = '{"message":"API rate limit exceeded"}' },
    } do
      local s = scripted { { status = 429, headers = refusal.headers, body = refusal.body or "" }, { status = 200, body = VM } }
      assert(mh.wrap("vms", s.client { retries = 3 }, { uuid = UUID }):stop())
      assert.equal(2, #s.requests)
    end
  end)

  it("a write answered 5xx may have run: flagged uncertain and not replayed; a read's 5xx is not uncertain", function()
    for _, status in ipairs { 500, 502, 503, 504 } do -- pipe-uncertain-5xx
      local s = scripted { { status = status }, { status = 200, body = VM } }
      local vm, err = mh.wrap("vms", s.client { retries = 3 }, { uuid = UUID }):stop()
      assert.is_nil(vm)
      assert.is_true(err.uncertain, tostring(status))
      assert.equal(1, #s.requests)
      s = scripted { { status = status } }
      local _, rerr = s.client { retries = 0 }.vms:get(UUID)
      assert.is_nil(rerr.uncertain)
    end
  end)
end)

describe("backoff", function()
  it("sleeps random() times a doubling ceiling capped at retry_cap (full jitter)", function() -- pipe-jitter
    local random = math.random
    local ok, err = pcall(function()
      for _, r in ipairs { 0.25, 0.9 } do
        math.random = function() return r end -- luacheck: ignore 122 (pinned for the spec, restored below)
        local steps = {}
        for i = 1, 6 do steps[i] = { status = 503 } end
        local s = scripted(steps)
        clock.slept = {}
        s.client { retries = 5, retry_base = 1, retry_cap = 4 }.vms:get(UUID)
        local want = {}
        for i, ceiling in ipairs { 1, 2, 4, 4, 4 } do want[i] = r * ceiling end
        assert.same(want, clock.slept)
      end
    end)
    math.random = random -- luacheck: ignore 122
    assert(ok, err)
  end)

  it("honours Retry-After, and returns at once when it is longer than max_retry_wait", function()
    local s = scripted { { status = 503, headers = { ["retry-after"] = "2" } }, { status = 200, body = VM } }
    assert(s.client().vms:get(UUID)) -- pipe-retry-after
    assert.same({ 2 }, clock.slept)
    clock.slept = {}
    s = scripted { { status = 503, headers = { ["retry-after"] = "3600" } }, { status = 200, body = VM } }
    local vm, err = s.client().vms:get(UUID) -- pipe-max-retry-wait (60 s by default)
    assert.is_nil(vm)
    assert.equal(503, err.status)
    assert.same({}, clock.slept)
    assert.equal(1, #s.requests)
  end)
end)

describe("answers", function()
  it("an object whose key has the wrong type is not the object", function() -- pipe-id-type, pipe-uuid-type
    for _, body in ipairs { '{"id":"6","title":"x"}', '{"id":false}', '{"id":{}}' } do
      local s = scripted { { status = 200, body = body } }
      local ba, err = s.client().billing_accounts:get(6)
      assert.is_nil(ba, body)
      assert.equal("decode", err.kind)
    end
    for _, body in ipairs { '{"uuid":""}', '{"uuid":42}', '[{"uuid":"' .. UUID .. '"},{"uuid":7}]' } do
      local s = scripted { { status = 200, body = body } }
      local got, err
      if body:find("^%[") then got, err = s.client().vms:list() else got, err = s.client().vms:get(UUID) end
      assert.is_nil(got, body)
      assert.equal("decode", err.kind)
    end
  end)

  it("an answer of exactly max_body bytes is read; one byte more is refused", function() -- pipe-max-body-edge
    local body = "[" .. string.rep(" ", 998) .. "]"
    local s = scripted { { status = 200, body = body }, { status = 200, body = body .. " " } }
    local c = s.client { max_body = 1000 }
    assert.same({}, assert(c.vms:list()))
    local list, err = c.vms:list()
    assert.is_nil(list)
    assert.equal("FILESIZE_EXCEEDED", err.code)
  end)

  it("a final answer with a 1xx status is a network error, never a success", function() -- pipe-1xx
    for _, status in ipairs { 100, 101, 199 } do
      local s = scripted { { status = status, body = "" } }
      local ok, err = mh.wrap("vms", s.client { retries = 0 }, { uuid = UUID }):set_password { username = "u", password = "p" }
      assert.is_nil(ok)
      assert.equal("network", err.kind)
      assert.equal("WEIRD_SERVER_REPLY", err.code)
    end
  end)
end)

describe("secrets", function()
  it("a call's password echoed in an error message leaves in neither the error nor the hook record", function()
    -- pipe-call-passwords, sec-also
    local s = scripted { { status = 400, body = '{"errors":{"Error":"password Pass-word-1 is too weak"}}' } }
    local _, err = mh.wrap("vms", s.client(), { uuid = UUID }):set_password { username = "u", password = "Pass-word-1" }
    assert.equal(400, err.status)
    assert.matches("too weak", err.message, 1, true)
    assert.not_matches("Pass-word-1", mh.strings(err), 1, true)
    assert.not_matches("Pass-word-1", tostring(err), 1, true)
    assert.not_matches("Pass-word-1", mh.strings(s.records), 1, true)
    -- the same through the escape hatch, whose parameters nothing declares
    s = scripted { { status = 400, body = '{"errors":{"Error":"password Pass-word-2 is too weak"}}' } }
    _, err = s.client():request("POST", "/v1/user-resource/vm/user", { password = "Pass-word-2", username = "u" })
    assert.equal(400, err.status)
    assert.not_matches("Pass-word-2", mh.strings(err), 1, true)
    assert.not_matches("Pass-word-2", mh.strings(s.records), 1, true)
  end)

  it("the key in a network or timeout message leaves in neither the error nor the hook record", function()
    -- pipe-hook-error
    for _, failure in ipairs {
      { error = "OPERATION_TIMEDOUT: no answer to GET /?apikey=" .. mh.KEY, code = "OPERATION_TIMEDOUT" },
      { error = "RECV_ERROR: " .. mh.KEY .. " reset " .. mh.KEY, code = "RECV_ERROR" },
      { error = "connection to " .. mh.KEY .. " timed out" },
    } do
      local s = scripted { failure }
      local _, err = s.client { retries = 0 }.vms:get(UUID)
      assert.is_table(err)
      assert.is_truthy(err.kind == "timeout" or err.kind == "network", err.kind)
      assert.not_matches(mh.KEY, mh.strings(err), 1, true)
      assert.not_matches(mh.KEY, tostring(err), 1, true)
      assert.equal(1, #s.records)
      assert.not_matches(mh.KEY, mh.strings(s.records), 1, true)
      assert.matches("[redacted]", s.records[1].error, 1, true)
    end
  end)

  it("a password field is masked in hook records whatever its length", function()
    -- pipe-hook-mask, sec-form-mask: a short password is not redacted as a string, only by its field
    local s = scripted { { status = 200, body = '{"success":true}' }, { status = 200, body = '{"ok":1}' } }
    local c = s.client()
    assert(mh.wrap("vms", c, { uuid = UUID }):set_password { username = "ubuntu", password = "pw1" })
    assert(c:request("POST", "/v1/x", { password = "pw2", name = "n" }, { json = true }))
    assert.matches("password=[redacted]", s.records[1].body, 1, true)
    assert.matches("ubuntu", s.records[1].body, 1, true)
    assert.matches('"password":"[redacted]"', s.records[2].body, 1, true)
    for _, secret in ipairs { "pw1", "pw2" } do
      assert.not_matches(secret, mh.strings(s.records), 1, true)
    end
  end)
end)

describe("input refused before anything is sent", function()
  it("a path parameter is never '.' or '..', whatever its declared type", function() -- pipe-path-dots
    local ep = resource.endpoint("thing:get", { "GET", "things/{name}", path = { name = "string!" }, answer = "any" })
    local s = scripted { { status = 200, body = '{"a":1}' } }
    local c = s.client()
    for _, bad in ipairs { ".", ".." } do
      local got, err = c:call(ep, { name = bad })
      assert.is_nil(got)
      assert.equal("invalid", err.kind)
      assert.equal("name", err.field)
    end
    assert.equal(0, #s.requests)
    assert(c:call(ep, { name = "a..b" }))
    assert.equal(mh.BASE .. "/v1/things/a..b", s.requests[1].url)
  end)

  it("client:request wants an upper-case verb", function() -- pipe-request-verb
    local s = scripted {}
    local c = s.client()
    for _, verb in ipairs { "get", "Get", "post", "GET ", "" } do
      local got, err = c:request(verb, "/v1/user-resource/vm/list")
      assert.is_nil(got)
      assert.equal("invalid", err.kind)
    end
    assert.equal(0, #s.requests)
  end)
end)
