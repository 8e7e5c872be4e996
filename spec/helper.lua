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

return helper
