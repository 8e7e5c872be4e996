-- Shared by the specs that close the gaps `make mutate` found (spec/unit/mut_*_spec.lua): a
-- clock the pipeline reads and a sleep that moves it (as spec/unit/call/pipeline_spec.lua does), and a
-- scripted transport on it.  No simulator, no network.
local idcloudhost = require "idcloudhost"
local resource = require "idcloudhost.families.kit.resource"
local runtime = require "idcloudhost.runtime"

local M = {}

M.KEY = "SeCrEt-KeY-42"
M.UUID = "5aea1842-895f-4bd3-8bd6-e37b2282fb46"
M.UUID2 = "9bd5bd5c-8c3b-4d2a-8b1e-7c0d9f3a2e11"
M.BASE = "https://api.example.test"

--- A VM answer (JSON text) with that status.
function M.vm_json(status, uuid)
  return string.format('{"uuid":"%s","name":"web-1","status":"%s","vcpu":2,"memory":2048,"storage":[]}',
    uuid or M.UUID, status)
end

--- The clock: clock.install() and clock.restore() go in before_each and after_each.
-- clock.t is the time; clock.sleep(s) moves it and records s in clock.slept.
function M.clock()
  local c = { t = 1000, slept = {} }
  local real_now = runtime.plain.now
  function c.install()
    c.t, c.slept = 1000, {}
    runtime.plain.now = function() return c.t end
  end
  function c.restore() runtime.plain.now = real_now end
  function c.sleep(s)
    c.slept[#c.slept + 1] = s
    c.t = c.t + s
  end
  return c
end

--- A transport answering from steps, in order: {status=, body=, headers=, takes=} or
-- {error=, code=, takes=}, or a function(req) giving one; after the last, 200 "{}".  takes: the
-- seconds the attempt lasts on the clock (past req.timeout, it times out as libcurl would).
-- s.requests holds what it was asked; s.client(opts) makes a client on it.
function M.scripted(clock, steps)
  local s = { requests = {}, records = {} }
  function s.transport(req)
    s.requests[#s.requests + 1] = req
    local step = table.remove(steps, 1) or { status = 200, body = "{}" }
    if type(step) == "function" then step = step(req) end
    if step.takes and step.takes > req.timeout then
      clock.t = clock.t + req.timeout
      return nil, "OPERATION_TIMEDOUT: timed out", "OPERATION_TIMEDOUT"
    end
    clock.t = clock.t + (step.takes or 0)
    if step.error then return nil, step.error, step.code end
    return { status = step.status, body = step.body or "", headers = step.headers or {} }
  end
  function s.client(opts)
    local o = { apikey = M.KEY, base_url = M.BASE, transport = s.transport, sleep = clock.sleep,
      retry_base = 0.01, retry_cap = 0.05, on_request = function(r) s.records[#s.records + 1] = r end }
    for k, v in pairs(opts or {}) do o[k] = v end
    return assert(idcloudhost.new(o))
  end
  return s
end

--- An object of a family's model on client c, from data (no request).
function M.wrap(family, c, data)
  return resource.wrap(require("idcloudhost.families." .. family).model, c, data)
end

--- Every string reachable from v (keys and values, nested), as one text.
function M.strings(v, out, seen)
  out, seen = out or {}, seen or {}
  if type(v) == "string" then out[#out + 1] = v
  elseif type(v) == "table" and not seen[v] then
    seen[v] = true
    for k, x in pairs(v) do M.strings(k, out, seen) M.strings(x, out, seen) end
  end
  return table.concat(out, "\n")
end

--- The form body or query string of a request as {name = value} (%XX decoded).
function M.form(s)
  local t = {}
  for k, v in (s or ""):gmatch("([^&=]+)=([^&]*)") do
    t[k] = v:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end)
  end
  return t
end

return M
