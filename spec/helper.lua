-- Shared by the specs: clients on the simulator, its control API, and a scripted fake transport.
local idcloudhost = require "idcloudhost"

local helper = {}

helper.URL = os.getenv("IDCLOUDHOST_SIM_URL")
helper.KEY = "demo-key"

local sim

--- Calls the simulator's control API (/__sim/...).  Returns the decoded answer.
function helper.sim(method, path, body)
  assert(helper.URL, "IDCLOUDHOST_SIM_URL is not set: run the specs with `make test`")
  sim = sim or require("idcloudhost.simulator").connect(helper.URL)
  return sim:call(method, path, body)
end

function helper.reset() return helper.sim("POST", "reset") end

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

--- The parameters of a valid VM; overrides merged in.
function helper.vm_params(over)
  local p = { name = "web-1", os_name = "ubuntu", os_version = "22.04", disks = 20, vcpu = 2,
    ram = 2048, username = "ubuntu", password = "S3cret-pass" }
  for k, v in pairs(over or {}) do p[k] = v end
  return p
end

--- A transport that answers from a script and records what it was asked.
-- Each script entry is {status=, body=, headers=} or {error=, code=}.
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
