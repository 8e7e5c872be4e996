-- Shared by the specs: clients on the simulator, its control API, and a scripted fake transport.
local idcloudhost = require "idcloudhost"
local luassert = require "luassert" -- busted's assert; a module does not see the spec files' global

local helper = {}

helper.URL = os.getenv("IDCLOUDHOST_SIM_URL")
helper.KEY = "demo-key"

local sim

--- Calls the simulator's control API (/__sim/...).  Returns the decoded answer.
function helper.sim(method, path, body)
  assert(helper.URL, "IDCLOUDHOST_SIM_URL is not set: run the specs with `make test`")
  sim = sim or require("idcloudhost.sim.client").connect(helper.URL)
  return sim:call(method, path, body)
end

--- The simulator's state back to the start, and the settings specs change (tombstones) too.
function helper.reset()
  helper.sim("PUT", "config", { tombstone = 60, edition = os.getenv("SIM_EDITION") or "elastis" })
  return helper.sim("POST", "reset")
end

--- The simulator's request log (API calls only).
function helper.log() return helper.sim("GET", "log") end

--- Queues a fault: helper.fault{path = "/v1/user-resource/vm/list", kind = "status", status = 503}
function helper.fault(f) return helper.sim("POST", "faults", f) end

function helper.config(c) return helper.sim("PUT", "config", c) end

--- A client on the simulator.  Short retry delays keep the specs fast.
function helper.client(opts)
  local o = { apikey = helper.KEY, base_url = helper.URL, retry_base = 0.01, retry_cap = 0.05 }
  for k, v in pairs(opts or {}) do o[k] = v end
  return assert(idcloudhost.new(o))
end

--- The simulator back at its start, and a client on it (what most specs do before each test).
function helper.fresh_client(opts)
  helper.reset()
  return helper.client(opts)
end

--- The newest entry of the request log, and the number of entries.
function helper.last_request()
  local log = helper.log()
  return log[#log], #log
end

--- How many requests of the log have that method and (exact) path.
function helper.count(method, path)
  local n = 0
  for _, e in ipairs(helper.log()) do
    if e.method == method and e.path == path then n = n + 1 end
  end
  return n
end

--- Asserts that a call answered the SDK's own refusal: no result, kind "invalid" and, when
-- given, the field.  helper.invalid("size_gb", vm:add_disk { size_gb = 0 })
function helper.invalid(field, res, err)
  luassert.is_nil(res)
  luassert.equal("invalid", err.kind)
  if field then luassert.equal(field, err.field) end
end

--- Asserts that fn() is refused by the SDK with kind "invalid" (a message containing pattern,
-- when given) and sends nothing.  Returns the error.
function helper.refused(fn, pattern)
  local before = #helper.log()
  local res, err = fn()
  luassert.is_nil(res)
  luassert.equal("invalid", err.kind)
  if pattern then luassert.matches(pattern, err.message, 1, true) end
  luassert.equal(before, #helper.log())
  return err
end

--- Asserts that every case { res, err } is a refusal of kind "invalid" and that nothing was
-- sent since the log had `before` entries (helper.last_request's second answer).
function helper.all_invalid(cases, before)
  for i, c in ipairs(cases) do
    luassert.is_nil(c[1], "case " .. i)
    luassert.equal("invalid", c[2].kind, "case " .. i)
  end
  luassert.equal(before, #helper.log())
end

--- The parameters of a valid VM; overrides merged in.
function helper.vm_params(over)
  local p = { name = "web-1", os_name = "ubuntu", os_version = "22.04", disks = 20, vcpu = 2,
    ram = 2048, username = "ubuntu", password = "S3cret-pass" }
  for k, v in pairs(over or {}) do p[k] = v end
  return p
end

--- helper.vm_params billed to account 6 unless over names one: a global token (demo-key) names
-- the billing account of what it creates.
function helper.billed_vm_params(over)
  local p = helper.vm_params(over)
  if p.billing_account_id == nil then p.billing_account_id = 6 end
  return p
end

--- A transport that answers from a script and records what it was asked.
-- Each script entry is {status=, body=, headers=} or {error=, code=} (code: a transport error
-- NAME of docs/architecture.md, "COULDNT_CONNECT", "OPERATION_TIMEDOUT", ...).
function helper.fake(script)
  local fake = { requests = {}, sleeps = {} }
  function fake.transport(req)
    fake.requests[#fake.requests + 1] = req
    local step = table.remove(script, 1) or { status = 200, body = "{}" }
    if step.error then return nil, step.error, step.code end
    return { status = step.status, body = step.body or "", headers = step.headers or {} }
  end
  function fake.sleep(s) fake.sleeps[#fake.sleeps + 1] = s end
  function fake.client(opts)
    local o = { apikey = "secret-key-123", base_url = "https://api.example.test",
      transport = fake.transport, sleep = fake.sleep }
    for k, v in pairs(opts or {}) do o[k] = v end
    return assert(idcloudhost.new(o))
  end
  return fake
end

------------------------------------------------------------------------------------------------
-- The unit specs' block (spec/unit/*_spec.lua): what a helper.fake was asked, taken apart, and
-- assertions on it.  No simulator, no network.

-- (loaded when a fake transport reads a body: Neovim's nocjson run has no cjson)
local function cjson() return require "cjson" end
local FAKE_KEY = "secret-key-123" -- the api key of helper.fake's clients

--- A helper.fake scripted with these answers, and its client on location cyc01: f, client.
function helper.scripted(...)
  local f = helper.fake { ... }
  return f, f.client { location = "cyc01" }
end

--- A scripted JSON answer for helper.fake: helper.answer(docs.vm_get) or helper.answer(text, 201).
function helper.answer(body, status)
  return { status = status or 200, body = body, headers = { ["content-type"] = "application/json" } }
end

local function unescape(s)
  return (s:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end))
end

--- Decodes a form body or a query string into {name = value}.  Only %XX is decoded: a space sent
-- as "+" stays "+", so comparing values catches it.  A field sent twice is an error.
function helper.decode_form(s)
  local t = {}
  for pair in (s or ""):gmatch("[^&]+") do
    local k, v = pair:match("^([^=]*)=(.*)$")
    luassert.is_truthy(k, "a form field without '=': " .. pair)
    k, v = unescape(k), unescape(v)
    luassert.is_nil(t[k], "a field sent twice: " .. k)
    t[k] = v
  end
  return t
end

--- A header of a request, whatever the case of its name.
function helper.header(req, name)
  name = name:lower()
  for k, v in pairs(req.headers or {}) do
    if type(k) == "string" and k:lower() == name then return v end
  end
end

--- Request i (default: the last) that fake was asked, taken apart: method, url, path (after the
-- host, without the query), query ({name = value}), content_type, body, form or json (decoded).
function helper.sent(fake, i)
  local req = fake.requests[i or #fake.requests]
  luassert.is_table(req, "no request " .. tostring(i or #fake.requests))
  local path, query = req.url:match("^https?://[^/]+([^?]*)%??(.*)$")
  local s = { method = req.method, url = req.url, path = path, query = helper.decode_form(query),
    content_type = helper.header(req, "Content-Type"), body = req.body, req = req }
  local ctype = s.content_type and s.content_type:match("^[^;]*")
  if ctype == "application/x-www-form-urlencoded" then
    s.form = helper.decode_form(req.body)
  elseif ctype == "application/json" then
    s.json = cjson().decode(req.body)
  end
  return s
end

--- Asserts that request i of fake is want, and returns it taken apart (helper.sent):
--   helper.expect(f, 1, { "POST", "/v1/cyc01/user-resource/vm/stop", form = { uuid = UUID } })
-- query defaults to none; form, json: the body, as a form (values are strings) or as JSON; with
-- neither, the request must have no body and no Content-Type.  The api key is always sent.
function helper.expect(fake, i, want)
  local s = helper.sent(fake, i)
  luassert.equal(want[1], s.method)
  luassert.equal(want[2], s.path)
  luassert.same(want.query or {}, s.query)
  if want.form then
    luassert.equal("application/x-www-form-urlencoded", s.content_type)
    luassert.same(want.form, s.form)
  elseif want.json then
    luassert.equal("application/json", s.content_type)
    luassert.same(want.json, s.json)
  else
    luassert.is_nil(s.content_type, "a request without a body has no Content-Type")
    luassert.is_true(s.body == nil or s.body == "", "a request without a body: " .. tostring(s.body))
  end
  luassert.equal(FAKE_KEY, helper.header(s.req, "apikey"))
  return s
end

--- Asserts that fn() is refused with kind "invalid" (on field, when given) and that fake was
-- asked nothing more.  Returns the error.
function helper.refuses(fake, fn, field)
  local before = #fake.requests
  local res, err = fn()
  luassert.is_nil(res)
  luassert.is_table(err)
  luassert.equal("invalid", err.kind)
  if field then -- the refusal names the parameter: err.field, or else the message
    if err.field ~= nil then luassert.equal(field, err.field) else luassert.matches(field, err.message, 1, true) end
  end
  luassert.equal(before, #fake.requests, "a refused call sends nothing")
  return err
end

return helper
