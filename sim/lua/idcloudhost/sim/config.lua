-- Live settings: latency of writes, settle time, tombstones, edition, accepted API keys.
-- Set from the command line or the environment by bin/idcloudhost-sim, changed by PUT /__sim/config.
local json = require "idcloudhost.sim.json"

local config = {
  latency = 0.01,         -- seconds every write (POST/PUT/PATCH/DELETE) takes
  create_latency = nil,   -- seconds a create/clone takes; nil = same as latency
  settle = 0,             -- seconds until a transitional VM status becomes final
  tombstone = 60,         -- seconds a deleted VM, disk or load balancer still reads back (0: gone at once)
  edition = "elastis",    -- whose docs decide where the two editions differ: "elastis" or "idcloudhost"
  apikeys = { ["demo-key"] = true },
}

config.EDITIONS = { elastis = true, idcloudhost = true }

function config.get_create_latency()
  return config.create_latency or config.latency
end

--- true in the elastis.id edition (the newer one), false in the idcloudhost.com one.
function config.elastis()
  return config.edition == "elastis"
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

-- Apply a table of changes ({latency, create_latency, settle, tombstone, edition, apikeys});
-- returns true or nil, error message (nothing is changed on error).
-- create_latency = json.null makes it follow latency again.
function config.update(t)
  if type(t) ~= "table" or json.is_array(t) then return nil, "expected a JSON object" end
  local new = {}
  for _, name in ipairs({ "latency", "settle", "tombstone" }) do
    if t[name] ~= nil then
      local v, err = nonneg(t[name], name)
      if not v then return nil, err end
      new[name] = v
    end
  end
  local follow = false
  if t.create_latency == json.null then
    follow = true
  elseif t.create_latency ~= nil then
    local v, err = nonneg(t.create_latency, "create_latency")
    if not v then return nil, err end
    new.create_latency = v
  end
  if t.edition ~= nil then
    if not config.EDITIONS[t.edition] then return nil, "edition must be \"elastis\" or \"idcloudhost\"" end
    new.edition = t.edition
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
    tombstone = config.tombstone,
    edition = config.edition,
    apikeys = json.array(config.apikey_list()),
  }
end

return config
