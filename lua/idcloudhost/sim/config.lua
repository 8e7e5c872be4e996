-- Live settings: latency of writes, settle time, accepted API keys.
-- Set from the environment by sim/main.lua, changed by PUT /__sim/config.
local json = require "sim.json"

local config = {
  latency = 0.01,         -- seconds every write (POST/PUT/PATCH/DELETE) takes
  create_latency = nil,   -- seconds a create/clone takes; nil = same as latency
  settle = 0,             -- seconds until a transitional VM status becomes final
  apikeys = { ["demo-key"] = true },
}

function config.get_create_latency()
  return config.create_latency or config.latency
end

function config.set_apikeys(list)
  local keys = {}
  for _, k in ipairs(list) do
    if type(k) == "string" and k ~= "" then keys[k] = true end
  end
  config.apikeys = keys
end

function config.apikey_list()
  local out = {}
  for k in pairs(config.apikeys) do out[#out + 1] = k end
  table.sort(out)
  return out
end

local function nonneg(v, name)
  if type(v) ~= "number" or v < 0 or v ~= v then
    return nil, name .. " must be a number >= 0"
  end
  return v
end

-- Apply a table of changes ({latency, create_latency, settle, apikeys});
-- returns true or nil, error message (nothing is changed on error).
-- create_latency = json null (cjson.null) makes it follow latency again.
function config.update(t, null)
  if type(t) ~= "table" then return nil, "expected a JSON object" end
  local new = {}
  for _, name in ipairs({ "latency", "settle" }) do
    if t[name] ~= nil then
      local v, err = nonneg(t[name], name)
      if not v then return nil, err end
      new[name] = v
    end
  end
  local follow = false
  if t.create_latency == null and null ~= nil then
    follow = true
  elseif t.create_latency ~= nil then
    local v, err = nonneg(t.create_latency, "create_latency")
    if not v then return nil, err end
    new.create_latency = v
  end
  if t.apikeys ~= nil then
    if type(t.apikeys) ~= "table" then return nil, "apikeys must be an array of strings" end
    for _, k in ipairs(t.apikeys) do
      if type(k) ~= "string" or k == "" then return nil, "apikeys must be an array of strings" end
    end
  end
  for k, v in pairs(new) do config[k] = v end
  if follow then config.create_latency = nil end
  if t.apikeys ~= nil then config.set_apikeys(t.apikeys) end
  return true
end

function config.view()
  return {
    latency = config.latency,
    create_latency = config.get_create_latency(),
    settle = config.settle,
    apikeys = json.array(config.apikey_list()),
  }
end

return config
