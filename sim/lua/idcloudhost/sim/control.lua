-- Control API under /__sim/: no auth, not logged, JSON in and out.
--   POST   /__sim/reset    state back to the start, faults and log cleared
--   GET    /__sim/log      the request log; DELETE clears it
--   GET    /__sim/faults   pending faults; POST adds (object or array); DELETE clears
--   GET    /__sim/config   settings; PUT changes them
--   GET    /__sim/state    dump of the account state
--   GET    /__sim/routes   the API routes
local config = require "idcloudhost.sim.config"
local faults = require "idcloudhost.sim.faults"
local json = require "idcloudhost.sim.json"
local log = require "idcloudhost.sim.log"
local reply = require "idcloudhost.sim.reply"
local router = require "idcloudhost.sim.router"
local state = require "idcloudhost.sim.state"

local control = {}

local function body_json(body)
  if body == nil or body == "" then return {} end
  local v, err = json.decode(body)
  if v == nil then return nil, "invalid JSON: " .. tostring(err) end
  return v
end

-- 400 {"error": msg}: bad input to a control (also for the families' own controls).
local function bad(msg)
  return reply.json(400, { error = msg })
end
control.bad = bad

local handlers = {
  ["POST /__sim/reset"] = function()
    state.reset()
    faults.clear()
    log.clear()
    return reply.ok({ reset = true })
  end,
  ["GET /__sim/log"] = function()
    return reply.ok(log.view())
  end,
  ["DELETE /__sim/log"] = function()
    log.clear()
    return reply.ok({ cleared = true })
  end,
  ["GET /__sim/faults"] = function()
    return reply.ok(faults.view())
  end,
  ["POST /__sim/faults"] = function(body)
    local spec, err = body_json(body)
    if not spec then return bad(err) end
    local added, aerr = faults.add(spec)
    if not added then return bad(aerr) end
    return reply.ok({ added = added, pending = faults.view() })
  end,
  ["DELETE /__sim/faults"] = function()
    faults.clear()
    return reply.ok({ cleared = true })
  end,
  ["GET /__sim/config"] = function()
    return reply.ok(config.view())
  end,
  ["PUT /__sim/config"] = function(body)
    local t, err = body_json(body)
    if not t then return bad(err) end
    local ok, uerr = config.update(t)
    if not ok then return bad(uerr) end
    return reply.ok(config.view())
  end,
  ["GET /__sim/state"] = function()
    return reply.ok(state.dump())
  end,
  ["GET /__sim/routes"] = function()
    return reply.ok(json.array(router.list()))
  end,
}

-- A resource family's own test control: control.add("PUT", "/__sim/buckets", fn(body) -> reply).
function control.add(method, path, fn)
  assert(not handlers[method .. " " .. path], "control.add: duplicate " .. method .. " " .. path)
  handlers[method .. " " .. path] = fn
end

function control.handle(method, path, body)
  local h = handlers[method .. " " .. path:gsub("/+$", "")]
  if not h then return reply.json(404, { error = "no such control endpoint: " .. method .. " " .. path }) end
  return h(body)
end

return control
