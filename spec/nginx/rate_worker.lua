-- The workers of spec/nginx/rate.conf.  GET /round?kind=...&n=... starts a round: every worker
-- (a timer in each polls idch_ctl) makes n calls as one batch on a client whose rate limit lives
-- in the lua_shared_dict idch_rate, and the request answers when both are done, with what each
-- saw.  Every call is tagged (?tag=<round>-<worker>) so the simulator's log tells them apart.
--   kind=reads   n reads (client:request GET vm/list)
--   kind=writes  n VM creates (never retried unless the gateway refused them)
-- luacheck: globals ngx
local idcloudhost = require "idcloudhost"
local json = require "idcloudhost.json"

local M = {}

local RATE = { per_second = 5, burst = 5, shared = "idch_rate" }
local WORKERS = 2

local function ctl() return ngx.shared.idch_ctl end

-- A client on the shared bucket; seen.slowest: the lowest rate its limiter had after an attempt.
local function client(seen)
  local limiter = assert(idcloudhost.rate_limiter(RATE))
  seen.slowest = limiter:current()
  return assert(idcloudhost.new { apikey = "demo-key", base_url = os.getenv("IDCLOUDHOST_BASE_URL"),
    location = "cyc01", rate = limiter, retries = 12, retry_base = 0.05, retry_cap = 0.2, timeout = 10,
    on_request = function()
      local r = limiter:current()
      if r < seen.slowest then seen.slowest = r end
    end })
end

local function run(round, kind, n)
  local id = ngx.worker.id()
  local seen = {}
  local c = client(seen)
  local tag = round .. "-" .. id
  local items = {}
  for i = 1, n do items[i] = i end
  local results = c:batch(items, function(i, cl)
    if kind == "writes" then
      return cl.vms:create { name = "rate-" .. tag .. "-" .. i, os_name = "ubuntu", os_version = "22.04",
        disks = 20, vcpu = 1, ram = 1024, username = "u", password = "Spec-pass-1" }
    end
    return cl:request("GET", "/v1/user-resource/vm/list", { tag = tag }, { location = true })
  end, { concurrency = n })
  local ok, errs = 0, {}
  for _, r in ipairs(results) do
    if r.ok then ok = ok + 1 else errs[#errs + 1] = tostring(r.err) end
  end
  ctl():set("done:" .. round .. ":" .. id, json.encode { worker = id, pid = ngx.worker.pid(), ok = ok,
    errors = errs, rate = c._shared.cfg.rate:current(), slowest = seen.slowest })
end

local function poll(premature)
  if premature then return end
  local d = ctl()
  local round = d:get("round")
  if round and d:add("started:" .. round .. ":" .. ngx.worker.id(), true) then
    local ok, err = pcall(run, round, d:get("kind"), d:get("n"))
    if not ok then
      d:set("done:" .. round .. ":" .. ngx.worker.id(), json.encode { worker = ngx.worker.id(), ok = 0, errors = { err } })
    end
  end
end

function M.start()
  ngx.timer.every(0.02, poll)
end

function M.handle()
  ngx.header["Content-Type"] = "application/json"
  if ngx.var.uri == "/ping" then return ngx.say('{"ok":true}') end
  local args = ngx.req.get_uri_args()
  local d = ctl()
  local round = (d:get("round") or 0) + 1
  d:set("kind", args.kind or "reads")
  d:set("n", tonumber(args.n) or 20)
  d:set("round", round)
  local out = json.array()
  local deadline = ngx.now() + 90
  for w = 0, WORKERS - 1 do
    local v
    repeat
      v = d:get("done:" .. round .. ":" .. w)
      if not v then ngx.sleep(0.05) end
      ngx.update_time()
    until v or ngx.now() > deadline
    out[#out + 1] = v and json.decode(v) or { worker = w, ok = 0, errors = { "did not finish" } }
  end
  ngx.say(json.encode { round = round, workers = out })
end

return M
