-- The request pipeline on a scripted transport and an injected clock: answers checked against
-- what each endpoint returns, redirects, retries, deadlines, redaction, values never throws.
-- (Long, on purpose: the pipeline's whole policy, case by case.)
local idcloudhost = require "idcloudhost"
local runtime = require "idcloudhost.runtime"

local KEY = "SeCrEt-KeY-42"
local UUID = "5aea1842-895f-4bd3-8bd6-e37b2282fb46"
local VM = '{"uuid":"' .. UUID .. '","name":"web-1","status":"running","vcpu":2,"memory":2048,"storage":[]}'

-- A clock the pipeline reads (runtime.plain.now) and a sleep that moves it.
local clock
local real_now = runtime.plain.now
before_each(function()
  clock = { t = 1000, slept = {} }
  runtime.plain.now = function() return clock.t end
  clock.sleep = function(s) clock.slept[#clock.slept + 1] = s; clock.t = clock.t + s end
end)
after_each(function() runtime.plain.now = real_now end)

-- A transport answering from steps: {status=, body=, headers=} or {error=, code=}; takes = the
-- seconds the attempt lasts on the clock.
local function scripted(steps)
  local s = { requests = {} }
  function s.transport(req)
    s.requests[#s.requests + 1] = req
    local step = table.remove(steps, 1) or { status = 200, body = "{}" }
    if step.takes and step.takes > req.timeout then -- what a real transport does past its timeout
      clock.t = clock.t + req.timeout
      return nil, "OPERATION_TIMEDOUT: timed out", "OPERATION_TIMEDOUT"
    end
    clock.t = clock.t + (step.takes or 0)
    if step.error then return nil, step.error, step.code end
    return { status = step.status, body = step.body or "", headers = step.headers or {} }
  end
  function s.client(opts)
    local o = { apikey = KEY, base_url = "https://api.example.test", transport = s.transport,
      sleep = clock.sleep, retry_base = 0.01, retry_cap = 0.05 }
    for k, v in pairs(opts or {}) do o[k] = v end
    return assert(idcloudhost.new(o))
  end
  return s
end

local function vm_of(c)
  return require("idcloudhost.families.kit.resource").wrap(require("idcloudhost.families.vms").model, c, { uuid = UUID, name = "web-1" })
end

-- Every string reachable from v (keys and values, nested), as one text.
local function strings(v, out, seen)
  out, seen = out or {}, seen or {}
  if type(v) == "string" then out[#out + 1] = v
  elseif type(v) == "table" and not seen[v] then
    seen[v] = true
    for k, x in pairs(v) do strings(k, out, seen); strings(x, out, seen) end
  end
  return table.concat(out, "\n")
end

describe("answers are checked against what the endpoint returns", function()
  local wrong_for_get = {
    { '"hello"', "JSON string" }, { "42", "JSON number" }, { "true", "true" }, { "false", "false" },
    { "null", "null" }, { "[]", "empty list" }, { "[1,2,3]", "a list" }, { "{}", "without uuid" },
    { '{"name":"web-1"}', "without uuid" }, { "", "empty answer" }, { "  \n\t", "empty answer" },
    { "<html><body>maintenance</body></html>", "HTML page" }, { '{"uuid": "' .. UUID .. '", "na', "malformed JSON" },
  }
  for _, case in ipairs(wrong_for_get) do
    it("vms:get refuses " .. string.format("%q", case[1]), function()
      local s = scripted { { status = 200, body = case[1] } }
      local vm, err = s.client().vms:get(UUID)
      assert.is_nil(vm)
      assert.equal("decode", err.kind)
      assert.matches(case[2], err.message, 1, true)
      assert.is_nil(err.uncertain) -- a read changes nothing
      assert.equal(1, #s.requests) -- and is not retried: the same answer would come back
    end)
  end

  it("a 204 to a get is not the VM", function()
    local s = scripted { { status = 204 } }
    local vm, err = s.client().vms:get(UUID)
    assert.is_nil(vm)
    assert.equal("decode", err.kind)
  end)

  it("vms:list refuses an object, and a list of something else than VMs", function()
    for _, body in ipairs { '{"uuid":"' .. UUID .. '"}', "[1,2,3]", '[{"uuid":"' .. UUID .. '"},{"name":"x"}]', '"x"' } do
      local s = scripted { { status = 200, body = body } }
      local list, err = s.client().vms:list()
      assert.is_nil(list, body)
      assert.equal("decode", err.kind)
    end
    local s = scripted { { status = 200, body = "[]" } }
    assert.same({}, assert(s.client().vms:list()))
  end)

  it("a write whose 2xx answer cannot be read is flagged uncertain, not failed", function()
    local s = scripted { { status = 201, body = '"created"' } }
    local vm, err = s.client().vms:create { name = "web-1", os_name = "ubuntu", os_version = "22.04", disks = 20,
      vcpu = 2, ram = 2048, username = "u", password = "S3cret-pass", billing_account_id = 6 }
    assert.is_nil(vm)
    assert.equal("decode", err.kind)
    assert.is_true(err.uncertain)
    assert.matches("uncertain", "uncertain") -- the flag is the contract; the message says why:
    assert.matches("accepted", err.message, 1, true)
    assert.equal(1, #s.requests)
  end)

  it('{"success": false} is an error, {"success": true}, true and an empty body are success', function()
    local s = scripted { { status = 200, body = '{"success": false}' } }
    local ok, err = vm_of(s.client()):set_password { username = "u", password = "p" }
    assert.is_nil(ok)
    assert.equal("api", err.kind)
    for _, body in ipairs { '{"success": true}', "true", "" } do
      s = scripted { { status = 200, body = body } }
      assert.is_true(vm_of(s.client()):set_password { username = "u", password = "p" })
    end
  end)

  it("an answer that is not the object never wipes the object's fields", function()
    local s = scripted { { status = 200, body = '{"success": true}' }, { status = 200, body = "[]" } }
    local c = s.client()
    local vm = vm_of(c)
    assert.equal(vm, vm:start())
    assert.equal("web-1", vm.name)
    local got, err = vm:stop()
    assert.is_nil(got)
    assert.equal("decode", err.kind)
    assert.equal("web-1", vm.name)
    assert.equal(UUID, vm.uuid)
  end)
end)

describe("redirects", function()
  for _, status in ipairs { 301, 302, 303, 304, 307, 308 } do
    it("a " .. status .. " is an error that says where it pointed, and is not followed", function()
      local s = scripted { { status = status, body = status == 302 and VM or "",
        headers = { location = "https://elsewhere.test/v1/x" } } }
      local vm, err = s.client().vms:get(UUID)
      assert.is_nil(vm)
      assert.equal("api", err.kind)
      assert.equal(status, err.status)
      assert.equal("https://elsewhere.test/v1/x", err.location)
      assert.matches("elsewhere.test", tostring(err), 1, true)
      assert.equal(1, #s.requests)
    end)
  end
end)

describe("retries", function()
  it("reads and writes get their own timeout per attempt", function()
    local s = scripted { { status = 200, body = VM }, { status = 200, body = VM } }
    local c = s.client { timeout = 7, write_timeout = 77 }
    assert(c.vms:get(UUID))
    assert(vm_of(c):stop())
    assert.equal(7, s.requests[1].timeout)
    assert.equal(77, s.requests[2].timeout)
    assert.is_false(s.requests[1].fresh) -- reads may reuse a kept-alive connection
    assert.is_true(s.requests[2].fresh)  -- writes never do (libcurl would resend on a dead one)
  end)

  it("never replays a write that may have reached the server, and says so", function()
    for _, name in ipairs { "RECV_ERROR", "OPERATION_TIMEDOUT", "GOT_NOTHING", "SEND_ERROR", "PARTIAL_FILE" } do
      local s = scripted { { error = name .. ": cut", code = name }, { status = 200, body = VM } }
      local vm, err = vm_of(s.client { retries = 3 }):stop()
      assert.is_nil(vm, name)
      assert.is_true(err.uncertain, name)
      assert.equal(name, err.code)
      assert.equal(1, #s.requests, name)
    end
  end)

  it("retries a read on the network, 502, 503, 504 and 429, and gives up after `retries`", function()
    local s = scripted {
      { error = "RECV_ERROR: reset", code = "RECV_ERROR" }, { status = 502 }, { status = 503 }, { status = 504 },
      { status = 429 }, { status = 200, body = VM },
    }
    assert(s.client { retries = 5 }.vms:get(UUID))
    assert.equal(6, #s.requests)
    assert.equal(5, #clock.slept)
    s = scripted { { status = 504 }, { status = 504 }, { status = 504 } }
    local vm, err = s.client { retries = 1 }.vms:get(UUID)
    assert.is_nil(vm)
    assert.equal(504, err.status)
    assert.equal(2, err.attempts)
  end)

  it("backs off with full jitter under a doubling, capped ceiling", function()
    local steps = {}
    for i = 1, 8 do steps[i] = { status = 503 } end
    local s = scripted(steps)
    s.client { retries = 7, retry_base = 1, retry_cap = 4 }.vms:get(UUID)
    local ceilings = { 1, 2, 4, 4, 4, 4, 4 }
    local distinct = {}
    for i, d in ipairs(clock.slept) do
      assert.is_true(d >= 0 and d <= ceilings[i], "sleep " .. i .. " = " .. d)
      distinct[d] = true
    end
    assert.equal(7, #clock.slept)
    assert.is_true(next(distinct, next(distinct)) ~= nil) -- jitter: not one fixed delay
  end)

  it("never retries a refused certificate or an answer over max_body", function()
    for _, name in ipairs { "PEER_FAILED_VERIFICATION", "SSL_CACERT_BADFILE", "FILESIZE_EXCEEDED" } do
      local s = scripted { { error = name .. ": no", code = name }, { status = 200, body = VM } }
      local vm, err = s.client { retries = 3 }.vms:get(UUID)
      assert.is_nil(vm)
      assert.equal(name, err.code)
      assert.equal(1, #s.requests)
    end
  end)

  it("caps answers of any transport at max_body", function()
    local s = scripted { { status = 200, body = "[" .. string.rep(" ", 2000) .. "]" } }
    local list, err = s.client { max_body = 1000 }.vms:list()
    assert.is_nil(list)
    assert.equal("FILESIZE_EXCEEDED", err.code)
    assert.equal("decode", err.kind)
  end)
end)

describe("deadlines", function()
  it("the deadline bounds a call with its retries, and cuts the last attempt's timeout", function()
    local steps = {}
    for i = 1, 10 do steps[i] = { status = 503, takes = 4 } end
    local s = scripted(steps)
    local vm, err = s.client { timeout = 5, deadline = 10, retries = 10 }.vms:get(UUID)
    assert.is_nil(vm)
    assert.equal(3, #s.requests)
    assert.equal(5, s.requests[1].timeout)
    local last = s.requests[#s.requests]
    assert.is_true(last.timeout < 2.1, "the last attempt had " .. last.timeout .. " s")
    assert.is_true(clock.t - 1000 <= 10 + 1e-9, "the call took " .. (clock.t - 1000) .. " s")
    assert.equal("timeout", err.kind)
    assert.matches("deadline", err.message)
  end)

  it("a Retry-After past the deadline returns at once with the error", function()
    local s = scripted { { status = 429, headers = { ["retry-after"] = "5" } }, { status = 200, body = VM } }
    local vm, err = s.client { deadline = 2 }.vms:get(UUID)
    assert.is_nil(vm)
    assert.equal(429, err.status)
    assert.same({}, clock.slept)
    assert.matches("deadline", err.message)
  end)

  it("a wait's timeout bounds the requests of its polls", function()
    local s = scripted {}
    for i = 1, 20 do s.requests[i] = nil end
    local steps = {}
    for i = 1, 20 do steps[i] = { status = 200, takes = 2, body = VM:gsub("running", "stopping") } end
    s = scripted(steps)
    local c = s.client { timeout = 30 }
    local vm = assert(c.vms:get(UUID))
    local t0 = clock.t
    local ok, err = vm:wait("stopped", { timeout = 5, interval = 1 })
    assert.is_nil(ok)
    assert.equal("timeout", err.kind)
    assert.is_true(clock.t - t0 <= 5 + 1e-9, "the wait took " .. (clock.t - t0) .. " s")
    for i = 2, #s.requests do assert.is_true(s.requests[i].timeout <= 5, "poll " .. i) end
  end)
end)

describe("secrets", function()
  it("the api key leaves in no field of an error, even when the server echoes it everywhere", function()
    local echo = { status = 400, body = '{"errors":{"' .. KEY .. '":"bad key ' .. KEY .. '"},"key":"' .. KEY .. '"}',
      headers = { ["x-warren-correlation-id"] = KEY, location = "https://x.test/" .. KEY } }
    local cut = { error = "RECV_ERROR: " .. KEY .. KEY, code = "RECV_ERROR" }
    for _, step in ipairs { echo, { status = 302, headers = echo.headers }, cut } do
      local s = scripted { step }
      local _, err = s.client { retries = 0 }.vms:get(UUID)
      assert.not_matches(KEY, strings(err), 1, true)
      assert.not_matches(KEY, tostring(err), 1, true)
      assert.not_matches(KEY, "x" .. err, 1, true)
    end
  end)

  it("on_request records hide the key, passwords and token secrets", function()
    local recs = {}
    local s = scripted {
      { status = 200, body = '{"success": true}', headers = { echo = KEY } },
      { status = 200, body = '[{"id": 3, "token": "tok-secret-9", "description": "ci"}]' },
    }
    local c = s.client { on_request = function(r) recs[#recs + 1] = r end }
    assert(vm_of(c):set_password { username = "ubuntu", password = "Pass-word-1" })
    assert(c.tokens:list())
    local all = strings(recs)
    assert.not_matches(KEY, all, 1, true)
    assert.not_matches("Pass-word-1", all, 1, true)
    assert.not_matches("tok-secret-9", all, 1, true)
    assert.matches("ubuntu", all, 1, true) -- the rest stays readable
    assert.equal(2, #recs)
    assert.equal(200, recs[1].status)
  end)

  it("the debug log prints nothing when off, and redacts like on_request when on", function()
    local lines = {}
    local s = scripted { { status = 200, body = VM }, { status = 200, body = '{"success": true}' } }
    local c = s.client { debug = 2 }
    c._shared.cfg.debug = 2
    c = s.client { debug = function(l) lines[#lines + 1] = l end }
    assert(c.vms:get(UUID))
    assert.equal(1, #lines)
    assert.matches("GET /v1/user%-resource/vm%?uuid=" .. UUID:gsub("%-", "%%-") .. " %-> 200", lines[1])
    lines = {}
    s = scripted { { status = 200, body = '{"success": true}' } }
    c = s.client { debug = function(l) lines[#lines + 1] = l end }
    assert(vm_of(c):set_password { username = "u", password = "Pass-word-1" })
    assert.not_matches("Pass-word-1", table.concat(lines), 1, true)
    s = scripted { { status = 200, body = VM } }
    local quiet = s.client()
    assert.is_nil(quiet._shared.cfg.debug)
  end)
end)

describe("values, never throws", function()
  it("calls on a closed client are invalid errors, close is idempotent", function()
    local s = scripted { { status = 200, body = VM } }
    local c = s.client()
    local vm = assert(c.vms:get(UUID))
    c:close()
    c:close()
    local got, err = c.vms:list()
    assert.is_nil(got)
    assert.equal("invalid", err.kind)
    got, err = vm:reload()
    assert.is_nil(got)
    assert.matches("closed", err.message)
    assert.equal(1, #s.requests)
  end)

  it("a transport that raises or answers nonsense gives a network error", function()
    for _, fn in ipairs {
      function() error("boom") end,
      function() return "hello" end,
      function() return { status = "200" } end,
      function() return { status = 200, body = 42 } end,
      function() return { status = 200, body = "[]", headers = "x" } end,
      function() return { status = 200, body = "[]", headers = { [1] = "x" } } end,
    } do
      local c = assert(idcloudhost.new { apikey = KEY, base_url = "https://x.test", transport = fn, retries = 0 })
      local list, err = c.vms:list()
      assert.is_nil(list)
      assert.equal("network", err.kind)
      assert.equal("BAD_TRANSPORT_ANSWER", err.code)
    end
  end)

  it("a transport's mixed-case headers are read case-insensitively", function()
    local s = scripted { { status = 404, body = '{"message":"gone"}', headers = { ["X-Warren-Correlation-Id"] = "rid-1" } } }
    local _, err = s.client().vms:get(UUID)
    assert.equal("rid-1", err.request_id)
  end)

  it("every failed attempt's error carries its own request id; a success's hook record too", function()
    local function rid(id) return { ["x-warren-correlation-id"] = id } end
    for _, case in ipairs {
      { { status = 404, body = '{"message":"gone"}', headers = rid("r-404") }, "api", "r-404" },
      { { status = 302, body = "", headers = { location = "/x", ["x-warren-correlation-id"] = "r-302" } }, "api", "r-302" },
      { { status = 200, body = '{"name":"web-1"}', headers = rid("r-shape") }, "decode", "r-shape" },
      { { status = 200, body = "<html>", headers = rid("r-html") }, "decode", "r-html" },
      { { status = 200, body = '{"success":false}', headers = rid("r-refused") }, "api", "r-refused",
        function(c) return vm_of(c):start() end },
      { { status = 101, body = "", headers = rid("r-101") }, "network", "r-101" },
      { { error = "COULDNT_CONNECT: refused", code = "COULDNT_CONNECT" }, "network", nil },
    } do
      local s = scripted { case[1] }
      local c = s.client { retries = 0 }
      local _, err
      if case[4] then _, err = case[4](c) else _, err = c.vms:get(UUID) end
      assert.equal(case[2], err.kind)
      assert.equal(case[3], err.request_id)
    end
    -- a retried read: the error is the last attempt's, with the last attempt's id
    local s = scripted { { status = 503, body = "", headers = rid("r-1") }, { status = 503, body = "", headers = rid("r-2") } }
    local _, err = s.client { retries = 1 }.vms:get(UUID)
    assert.equal(2, err.attempts)
    assert.equal("r-2", err.request_id)
    -- an attempt that failed leaves nothing on the next one's record
    local recs = {}
    s = scripted { { status = 503, body = "", headers = rid("r-a") }, { status = 200, body = VM } }
    assert(s.client { retries = 1, on_request = function(r) recs[#recs + 1] = r end }.vms:get(UUID))
    assert.equal("r-a", recs[1].request_id)
    assert.is_nil(recs[2].request_id)
    s = scripted { { status = 200, body = VM, headers = rid("r-ok") } }
    recs = {}
    assert(s.client { on_request = function(r) recs[#recs + 1] = r end }.vms:get(UUID))
    assert.equal("r-ok", recs[1].request_id)
  end)

  it("errors concatenate like strings", function()
    local s = scripted { { status = 404, body = '{"message":"gone"}' } }
    local _, err = s.client().vms:get(UUID)
    assert.matches("^failed: idcloudhost: GET", "failed: " .. err)
    assert.matches("gone!$", err .. "!")
  end)
end)

describe("paths", function()
  it("never lets '.', '..' or an empty segment reach a URL", function()
    local s = scripted {}
    local c = s.client()
    for _, a in ipairs { "..", ".", "", "1.1.1", "1.1.1.1/..", "x:y" } do
      local ip, err = c.floating_ips:get(a)
      assert.is_nil(ip)
      assert.equal("invalid", err.kind)
    end
    local ip = require("idcloudhost.families.kit.resource").wrap(require("idcloudhost.families.floating_ips").model, c, { address = ".." })
    local ok, err = ip:delete()
    assert.is_nil(ok)
    assert.equal("invalid", err.kind)
    for _, p in ipairs { "/v1/../x", "/v1/./x", "/v1//x", "/v1/x?y=1", "/v1/x#y", "v1/x", "/v1/x y" } do
      local res, rerr = c:request("GET", p)
      assert.is_nil(res, p)
      assert.equal("invalid", rerr.kind)
    end
    assert.equal(0, #s.requests)
  end)

  it("a caller's option never overrides the object's own key", function()
    local s = scripted {}
    local vm = vm_of(s.client())
    local ok, err = vm:stop { uuid = "00000000-0000-4000-8000-000000000000" }
    assert.is_nil(ok)
    assert.equal("invalid", err.kind)
    assert.equal(0, #s.requests)
  end)
end)

describe("batches", function()
  it("r.err is always an error value: a raised error becomes kind 'error'", function()
    local s = scripted { { status = 200, body = "[]" } }
    local c = s.client()
    local res = assert(c:batch({ 1, 2, 3 }, function(i)
      if i == 1 then error("item one broke") end
      if i == 2 then return nil, "plain string" end
      return c.vms:list()
    end))
    assert.equal("error", res[1].err.kind)
    assert.matches("item one broke", res[1].err.message)
    assert.equal("error", res[2].err.kind)
    assert.equal("plain string", res[2].err.message)
    assert.is_true(res[3].ok)
  end)

  it("refuses unknown options", function()
    local s = scripted {}
    local res, err = s.client():batch({}, function() end, { concurency = 3 })
    assert.is_nil(res)
    assert.equal("invalid", err.kind)
  end)
end)

describe("waits", function()
  it("refuses a target status no VM ever has, before any request", function()
    local s = scripted {}
    local vm = vm_of(s.client())
    local ok, err = vm:wait("runing")
    assert.is_nil(ok)
    assert.equal("invalid", err.kind)
    assert.matches("runing", err.message)
    ok, err = vm:wait("running", { fail_on = "eror" })
    assert.is_nil(ok)
    assert.equal("invalid", err.kind)
    assert.equal(0, #s.requests)
  end)

  it("contains a failing on_progress and matches fail_on case-insensitively", function()
    local s = scripted { { status = 200, body = VM:gsub("running", "Starting") }, { status = 200, body = VM:gsub("running", "Error") } }
    local vm = vm_of(s.client())
    local ok, err = vm:wait("running", { interval = 1, fail_on = "error", on_progress = function() error("oops") end })
    assert.is_nil(ok)
    assert.equal("Error", err.last_status)
    assert.equal(2, #s.requests)
  end)
end)
